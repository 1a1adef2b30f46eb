"""pytest plugin: decides, before Django loads, which real services this test run can use.

Loaded with `-p tests.services` (see pyproject.toml) so that it runs before pytest-django reads
the settings. Rules:

- `DATABASE_URL` pointing at a reachable PostgreSQL: the whole suite runs on it and tests marked
  `postgres` run. Unset: SQLite, and `postgres` tests are skipped with the reason.
- `CELERY_BROKER_URL` (or `REDIS_URL`) pointing at a reachable Redis: tests marked `redis` run.
- A variable that points at a server that does not answer is a skip reason too (the suite falls
  back to SQLite), unless `LOTSE_REQUIRE_SERVICES=1`: then the run stops at once with the
  reason, so CI can never pass green by skipping what it was meant to test.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

REQUIRE = os.environ.get("LOTSE_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Service:
    name: str
    available: bool
    reason: str


def _reachable(url: str, default_port: int) -> str | None:
    """None if a TCP connection to the URL's host and port opens, else why not."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port} ({exc.strerror or exc})"


def _postgres() -> Service:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return Service("PostgreSQL", False, "DATABASE_URL is not set; the suite runs on SQLite")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return Service("PostgreSQL", False, "DATABASE_URL does not point at PostgreSQL")
    problem = _reachable(url, 5432)
    if problem:
        return Service("PostgreSQL", False, f"DATABASE_URL: {problem}")
    return Service("PostgreSQL", True, "")


def _redis() -> Service:
    url = (os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "").strip()
    if not url:
        return Service("Redis", False, "CELERY_BROKER_URL is not set; the broker is in files")
    if not url.startswith(("redis://", "rediss://")):
        return Service("Redis", False, "CELERY_BROKER_URL does not point at Redis")
    problem = _reachable(url, 6379)
    if problem:
        return Service("Redis", False, f"CELERY_BROKER_URL: {problem}")
    return Service("Redis", True, "")


SERVICES = {"postgres": _postgres(), "redis": _redis()}

# A queue of this run's own: workers started by tests never take messages left in a shared
# Redis by another run, and this run leaves nothing for anyone else.
os.environ.setdefault("CELERY_QUEUE", f"lotse-test-{uuid.uuid4().hex[:12]}")
# An empty directory of acceptance models for this run, for the test process and the workers it
# starts alike: a model someone trained in var/models must not change the waves tests expect.
os.environ["MATCHING_MODEL_DIR"] = tempfile.mkdtemp(prefix="lotse-test-models-")

_missing = [s for s in SERVICES.values() if not s.available]
if REQUIRE and _missing:
    raise pytest.UsageError(
        "LOTSE_REQUIRE_SERVICES=1 but: " + "; ".join(f"{s.name}: {s.reason}" for s in _missing)
    )
# Decided before Django reads its settings: an unreachable server would otherwise fail every
# test at database creation instead of skipping the few that need it.
if not SERVICES["postgres"].available:
    os.environ.pop("DATABASE_URL", None)
if not SERVICES["redis"].available:
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"services: {s.name} " + ("available" if s.available else f"skipped ({s.reason})")
        for s in SERVICES.values()
    ]


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, service in SERVICES.items():
        if item.get_closest_marker(marker) and not service.available:
            pytest.skip(f"needs {service.name}: {service.reason}")
