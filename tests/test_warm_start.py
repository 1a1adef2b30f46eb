"""The web and worker processes read CLDR's language catalogue when they start, so that the first
staff member to rank a request or open a language list after a restart does not wait a second
for it. Each check runs in a fresh interpreter, where nothing has read the catalogue yet."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

READ = "from volunteers import languages; print(languages.catalogue.cache_info().currsize)"


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


SETUP = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
    "django.setup(); "
)
WORKER_START = (
    "from config.celery import app; from celery.signals import worker_init; "
    "worker_init.send(sender=None); "
)


def test_a_fresh_process_has_not_read_the_catalogue():
    """The baseline: setting Django up reads nothing (so the checks below can fail)."""
    assert _run(SETUP + READ) == "0"


def test_the_web_process_reads_the_catalogue_on_start():
    assert _run(f"import config.wsgi; {READ}") == "1"


def test_the_worker_reads_the_catalogue_before_it_forks_its_pool():
    assert _run(WORKER_START + READ) == "1"
