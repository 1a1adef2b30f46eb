"""/healthz tells a load balancer whether this process can reach its database and broker."""

import json
import subprocess
import sys
import time

import pytest

from tests.processes import ROOT, celery_worker, process_env

PROBE = (
    "import django; django.setup(); from django.test import Client; "
    "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
)


def probe(**env: str | None) -> tuple[int, dict]:
    """GET /healthz in a fresh process started with this environment."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=process_env(DJANGO_SETTINGS_MODULE="config.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), json.loads(body)


@pytest.mark.django_db
def test_it_answers_200_without_a_worker_and_says_so(client):
    """Database and broker answer but no worker does: still 200 (the web must keep serving),
    "degraded", and "worker": "unreachable" for the operator; the ping gives up in time."""
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "broker": "ok", "worker": "unreachable"},
    }


@pytest.mark.real_worker
def test_it_answers_ok_when_a_worker_answers_the_ping(tmp_path):
    """A running worker of this deployment answers: "worker": "ok"."""
    env = process_env(LOTSE_VAR_DIR=str(tmp_path), DATABASE_URL=None)
    with celery_worker(env):
        status, body = probe(LOTSE_VAR_DIR=str(tmp_path), DATABASE_URL=None)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok"},
    }


def test_it_answers_503_when_the_database_is_down():
    """A database that does not answer makes the process unhealthy, and the body says which."""
    status, body = probe(DATABASE_URL="postgres://postgres@127.0.0.1:1/lotse")
    assert status == 503
    assert body["checks"]["database"] == "unavailable"


def test_it_answers_503_when_the_broker_is_down(tmp_path):
    """A Redis broker that does not answer makes the process unhealthy."""
    status, body = probe(
        CELERY_BROKER_URL="redis://127.0.0.1:1/0", LOTSE_VAR_DIR=str(tmp_path), DATABASE_URL=None
    )
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unavailable", "worker": "unreachable"},
    }


def test_it_does_not_reveal_addresses_or_errors(tmp_path):
    """The endpoint is public: the body names the part, not its host or the error text."""
    status, body = probe(
        CELERY_BROKER_URL="redis://10.255.255.1:1/0", LOTSE_VAR_DIR=str(tmp_path), DATABASE_URL=None
    )
    assert status == 503
    assert "10.255.255.1" not in json.dumps(body)


@pytest.mark.django_db
def test_it_answers_probes_by_ip_address_and_plain_http(client, settings):
    """A load balancer probing http://10.0.0.5/healthz gets an answer, not a 400 or redirect."""
    settings.ALLOWED_HOSTS = ["lotse.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.5")
    assert response.status_code == 200
