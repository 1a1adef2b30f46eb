"""Benchmark: request created (committed) → first offer email received by the SMTP server.

Not part of the suite (the file name keeps pytest from collecting it); run it by name, with
PostgreSQL and Redis, on an otherwise idle machine:

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... \\
        .venv/bin/python -m pytest tests/workers/bench_first_offer.py -q -s

It creates requests one after the other, each with auto_offer and a wave of one, through the
domain function the API calls, and prints the median and 95th percentile of the time until the
offer email is in the SMTP server (the path: commit → Redis → worker ranks and queues the wave
→ Redis → worker sends over SMTP). The target (docs/architecture.md, "Cost model"): p95 ≤ 300 ms.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.core.cache import cache

from tests.factories.matching import at, fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory, make_request
from tests.processes import celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, smtp_server

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 40


def test_first_offer_latency():
    cache.clear()
    office = OfficeFactory()
    for i in range(20):
        fitting_volunteer(email=f"bench{i}@lotse.example")
    day = monday_ahead(2)
    sink = Sink()
    with smtp_server(sink) as port:
        env = worker_env(
            smtp_port=port,
            MATCHING_WAVE_MIN="1",
            MATCHING_WAVE_MAX="1",
        )
        with celery_worker(env):
            times = []
            for n in range(ROUNDS):
                started = time.monotonic()
                make_request(office=office, starts_at=at(day, "10:00"), ends_at=at(day, "11:00"))
                wait_until(lambda n=n: len(sink.messages) > n, timeout=30, what="the offer")
                times.append((sink.arrivals[n] - started) * 1000)
    times = times[5:]  # the first rounds warm the worker's imports and caches
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"\nfirst offer email after commit, {len(times)} requests: "
          f"median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms")  # fmt: skip
