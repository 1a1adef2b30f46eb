"""Django's deployment checks pass for the compose deployment behind a TLS proxy.

An https SITE_URL means HTTPS only: secure cookies, HSTS, and a redirect from plain HTTP once
the proxy's X-Forwarded-Proto is trusted. Each stays a variable an operator can turn off.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_deployment import ROOT, run_compose_config
from tests.test_settings import load_settings

HTTPS = {"SITE_URL": "https://lotse.example.org", "SECURE_PROXY_SSL": "1"}


def compose_web_environment(tmp_path: Path, monkeypatch, **variables: str) -> dict[str, str]:
    """The web container's environment as docker-compose.yml resolves it for these variables."""
    yaml = pytest.importorskip("yaml", reason="PyYAML (via drf-spectacular) parses the config")
    for name in ("SITE_URL", "SECURE_PROXY_SSL", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = run_compose_config(tmp_path, secret_key=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    environment = yaml.safe_load(result.stdout)["services"]["web"]["environment"]
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` with exactly the container's variables (and PATH)."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_compose_deployment_passes_check_deploy_behind_a_tls_proxy(tmp_path, monkeypatch):
    """SITE_URL=https://… and SECURE_PROXY_SSL=1 in compose: no warning at all."""
    environment = compose_web_environment(tmp_path, monkeypatch, **HTTPS)
    assert environment["SITE_URL"] == HTTPS["SITE_URL"]
    assert environment["DEBUG"] == "0"
    result = check_deploy(environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout


def test_https_turns_on_hsts_secure_cookies_and_the_redirect():
    for name, expected in [
        ("SECURE_HSTS_SECONDS", "31536000"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True"),
        ("SECURE_SSL_REDIRECT", "True"),
        ("SESSION_COOKIE_SECURE", "True"),
        ("CSRF_COOKIE_SECURE", "True"),
    ]:
        assert load_settings(HTTPS, name).stdout.strip() == expected, name


def test_plain_http_turns_none_of_them_on():
    """`make run` on http://127.0.0.1:8000: no HSTS, no redirect, cookies over HTTP."""
    for name in ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"):
        assert load_settings({}, name).stdout.strip() in {"0", "False"}, name


def test_https_without_the_proxy_header_does_not_redirect():
    """Without SECURE_PROXY_SSL every request looks like HTTP: a redirect would loop."""
    env = {"SITE_URL": "https://lotse.example.org"}
    assert load_settings(env, "SECURE_SSL_REDIRECT").stdout.strip() == "False"


def test_an_operator_can_turn_hsts_and_the_redirect_off(tmp_path, monkeypatch):
    """Through compose, too: the variables reach the container."""
    environment = compose_web_environment(
        tmp_path, monkeypatch, SECURE_HSTS_SECONDS="0", SECURE_SSL_REDIRECT="0", **HTTPS
    )
    assert load_settings(environment, "SECURE_HSTS_SECONDS").stdout.strip() == "0"
    assert load_settings(environment, "SECURE_SSL_REDIRECT").stdout.strip() == "False"
