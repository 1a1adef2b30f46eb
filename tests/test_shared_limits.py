"""Limits are shared across processes: with DEBUG off they never count in one process's memory.

Each gunicorn worker (and each Celery pool process) is its own process; a limit counted in
per-process memory lets through the limit times the number of processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.test_settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 50}

# One process's share of API logins: DRF's login throttle (10 a minute by default), asked six
# times for the same client address.
COUNT_LOGINS = """
import django
django.setup()
import sys
from types import SimpleNamespace
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from config.clients import ScopedRateThrottle
request = RequestFactory().post("/api/auth/token/", REMOTE_ADDR=sys.argv[1])
request.user = AnonymousUser()
view = SimpleNamespace(throttle_scope="login")
print(sum(ScopedRateThrottle().allow_request(request, view) for _ in range(6)))
"""


def test_it_never_counts_in_process_memory_with_debug_off():
    """DEBUG off and no CACHE_URL: the broker's Redis if there is one, else the database."""
    with_redis = {**PRODUCTION, "CELERY_BROKER_URL": "redis://redis.internal:6379/0"}
    without_redis = {**PRODUCTION, "CELERY_BROKER_URL": "filesystem://localhost//"}

    assert "RedisCache" in load_settings(with_redis, "CACHES").stdout
    assert "redis.internal" in load_settings(with_redis, "CACHES").stdout
    assert "DatabaseCache" in load_settings(without_redis, "CACHES").stdout
    assert "LocMem" not in load_settings(without_redis, "CACHES").stdout


def test_it_refuses_a_per_process_cache_url_with_debug_off():
    """CACHE_URL=locmemcache:// in production stops start-up, naming the variable."""
    result = load_settings({**PRODUCTION, "CACHE_URL": "locmemcache://"}, "CACHES")

    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr.splitlines()[-1]


def test_it_keeps_the_embedded_default_in_memory_and_honours_cache_url():
    """Development (DEBUG on, one web process) counts in memory; CACHE_URL always wins."""
    assert "LocMemCache" in load_settings({}, "CACHES").stdout
    redis = load_settings({**PRODUCTION, "CACHE_URL": "redis://cache.internal:6379/1"}, "CACHES")
    assert "cache.internal" in redis.stdout


def _test_database_url() -> str:
    """The test database, as a URL for a process started by the test."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.mark.parametrize(
    "broker",
    [
        pytest.param("filesystem://localhost//", id="database-cache"),
        pytest.param("redis", id="redis-cache", marks=pytest.mark.redis),
    ],
)
def test_it_counts_one_limit_across_processes(django_db_setup, tmp_path, broker):
    """Two processes with production settings share one login limit (10 a minute): the first
    gets its six tries, the second only the four left."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **PRODUCTION,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL if broker == "redis" else broker,
        "LOTSE_VAR_DIR": str(tmp_path),
    }
    # A client address of this run only: nothing counted before (or by a parallel run) counts.
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"

    def one_process() -> int:
        result = subprocess.run(
            [sys.executable, "-c", COUNT_LOGINS, address],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return int(result.stdout.strip().splitlines()[-1])

    assert (one_process(), one_process()) == (6, 4)
