"""The links in emails point where Lotse listens: SITE_URL follows HOST and PORT unless it is set.

`make run PORT=8100` used to leave every emailed link on port 8000, where nothing answered.
"""

import os
import subprocess

import pytest

from tests.test_settings import ROOT, load_settings


def test_it_builds_site_url_from_host_and_port():
    """HOST=127.0.0.1 PORT=8100 → links to http://127.0.0.1:8100, which is an allowed host."""
    env = {"HOST": "127.0.0.1", "PORT": "8100"}
    assert load_settings(env, "SITE_URL").stdout.strip() == "'http://127.0.0.1:8100'"
    assert "http://127.0.0.1:8100" in load_settings(env, "CSRF_TRUSTED_ORIGINS").stdout


def test_it_takes_another_host_name_as_allowed():
    env = {"HOST": "lotse.local", "PORT": "9000"}
    assert load_settings(env, "SITE_URL").stdout.strip() == "'http://lotse.local:9000'"
    assert "'lotse.local'" in load_settings(env, "ALLOWED_HOSTS").stdout


def test_it_keeps_a_site_url_that_is_set():
    """Behind a proxy the public address wins over where the process listens."""
    env = {"HOST": "0.0.0.0", "PORT": "8100", "SITE_URL": "https://lotse.example.org/"}  # noqa: S104
    assert load_settings(env, "SITE_URL").stdout.strip() == "'https://lotse.example.org'"


def test_it_defaults_to_the_development_server():
    assert load_settings({}, "SITE_URL").stdout.strip() == "'http://127.0.0.1:8000'"


@pytest.mark.parametrize("port", ["http", "0", "70000"])
def test_it_refuses_a_port_that_is_none(port):
    result = load_settings({"PORT": port})
    assert result.returncode != 0
    assert "PORT" in result.stderr.splitlines()[-1]


def test_make_run_hands_its_port_to_every_process_as_site_url():
    """honcho gives the worker a PORT of its own (base + 100): the Makefile passes SITE_URL on,
    so the worker that writes the emails links to the web process's port."""
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT"}}
    result = subprocess.run(
        ["make", "--dry-run", "run", "PORT=8100"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (start,) = [line for line in result.stdout.splitlines() if "honcho start" in line]
    assert "SITE_URL=http://127.0.0.1:8100 " in start, start
