"""Settings come from the environment; a value that cannot be parsed stops the process loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

SHOW = "from django.conf import settings as s; print(repr(getattr(s, {name!r})))"


def load_settings(env: dict[str, str], name: str = "DEBUG") -> subprocess.CompletedProcess:
    """Import the settings in a fresh process with exactly these variables (and PATH)."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    code = f"import django; django.setup(); {SHOW.format(name=name)}"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://root@127.0.0.1/lotse"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "amqp://guest@127.0.0.1//"}, "CELERY_BROKER_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "CELERY_BROKER_URL"),
        ({"EMAIL_URL": "carrier-pigeon://loft"}, "EMAIL_URL"),
        ({"SITE_URL": "lotse.example.org"}, "SITE_URL"),
        ({"CONN_MAX_AGE": "forever", "DATABASE_URL": "postgres://u@h/db"}, "CONN_MAX_AGE"),
        ({"CACHE_URL": "floppy://a"}, "CACHE_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
    ],
)
def test_it_refuses_bad_values_naming_the_variable(env, variable):
    """A typo in the environment stops start-up with a message that names the variable."""
    result = load_settings(env)
    assert result.returncode != 0, f"settings accepted {env}: {result.stdout}"
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_it_runs_embedded_with_no_environment_at_all():
    """No variables: SQLite, a broker in files, mail into the dev mailbox, DEBUG on."""
    assert "sqlite3" in load_settings({}, "DATABASES").stdout
    assert load_settings({}, "CELERY_BROKER_URL").stdout.strip().startswith("'filesystem://")
    assert "MailboxBackend" in load_settings({}, "EMAIL_BACKEND").stdout
    assert load_settings({}, "DEBUG").stdout.strip() == "True"


def test_it_reads_a_production_environment():
    """The production variables end up in the settings Django and Celery use."""
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://lotse:pw@db.internal:5432/lotse",
        "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.internal:587",
        "SITE_URL": "https://lotse.example.org",
        "ALLOWED_HOSTS": "lotse.example.org,www.lotse.example.org",
    }
    assert "'HOST': 'db.internal'" in load_settings(env, "DATABASES").stdout
    assert "redis.internal" in load_settings(env, "CELERY_BROKER_URL").stdout
    assert load_settings(env, "EMAIL_HOST").stdout.strip() == "'smtp.internal'"
    assert load_settings(env, "EMAIL_USE_TLS").stdout.strip() == "True"
    assert load_settings(env, "SESSION_COOKIE_SECURE").stdout.strip() == "True"
    hosts = load_settings(env, "ALLOWED_HOSTS").stdout
    assert "www.lotse.example.org" in hosts


def test_it_uses_berlin_time_german_first_and_argon2():
    """Times are reasoned about in Europe/Berlin; German is the default; passwords use Argon2."""
    assert settings.TIME_ZONE == "Europe/Berlin"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "de"
    assert [code for code, _ in settings.LANGUAGES] == list(settings.LOTSE_VOLUNTEER_LANGUAGES)
    assert settings.LOTSE_STAFF_LANGUAGES == ("de", "en")
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_never_runs_tasks_eagerly():
    """Tasks go through a real broker to a real worker, in development too."""
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_the_access_log_leaves_out_polls_that_found_nothing_new():
    """runserver's log line for a 204 (a page's poll, twice a second on the open mailbox) is
    dropped; every other answer is still logged."""
    import logging

    handler = next(h for h in logging.getLogger("django.server").handlers if h.filters)

    def line(status: str) -> logging.LogRecord:
        return logging.LogRecord(
            "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
            ("GET /dev/mail/?since=x HTTP/1.1", status, "0"), None,
        )  # fmt: skip

    assert not handler.filter(line("204"))
    assert handler.filter(line("200")) and handler.filter(line("404"))
