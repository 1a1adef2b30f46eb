"""Nothing is lost and nothing is sent twice when a worker dies, Redis restarts empty, or the
mail server is away for a while. Real processes throughout: a Redis of the test's own (never the
shared one), Celery worker and beat processes, an SMTP server on localhost, PostgreSQL.

The first two hold one delivery half-way in the SMTP server (before the recipient is accepted,
so that message is never delivered on that connection), do their damage while the worker waits
there, and then check that every offer of the wave reached its volunteer exactly once.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from requests import offers
from requests.models import Offer, Request
from tests.factories.matching import at, fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory, make_request
from tests.processes import (
    celery_beat,
    celery_worker,
    kill_hard,
    redis_server,
    wait_until,
    worker_env,
)
from tests.smtp_sink import Sink, free_port, smtp_server
from workers import tasks

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

WAVE = 6


@pytest.fixture
def wave_request():
    """A request and six volunteers who fit it; no wave planned yet."""
    cache.clear()
    office = OfficeFactory(email="office@lotse.example")
    volunteers = [fitting_volunteer(email=f"fit{i}@lotse.example") for i in range(WAVE)]
    day = monday_ahead(2)
    request = make_request(
        office=office,
        starts_at=at(day, "10:00"),
        ends_at=at(day, "11:00"),
        auto_offer=False,  # the test starts the wave itself, on its own broker
    )
    return request, volunteers


@pytest.fixture
def broker(tmp_path):
    """A Redis of this test's own, without persistence; yields (url, port, process)."""
    port = free_port()
    with redis_server(port) as server:
        yield f"redis://127.0.0.1:{port}/0", port, server


def start_wave(broker_url: str, request: Request) -> None:
    """Enqueue wave 1 on the given broker (this process's own broker is another Redis)."""
    with celery_app.connection_for_write(broker_url) as connection:
        tasks.offer_next_wave.apply_async((request.pk, 1), connection=connection)


def queue_length(broker_url: str) -> int:
    with celery_app.connection_for_write(broker_url) as connection:
        client = connection.default_channel.client
        return client.llen(celery_app.conf.task_default_queue)


def env_for(broker_url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    return worker_env(
        smtp_port=smtp_port,
        CELERY_BROKER_URL=broker_url,
        MATCHING_WAVE_MIN=str(WAVE),
        MATCHING_WAVE_MAX=str(WAVE),
        # Lost offers are swept at once and every second: the test need not wait 15 minutes.
        LOTSE_SWEEP_STUCK_AFTER_SECONDS="1",
        LOTSE_SWEEP_EVERY_SECONDS="1",
        **extra,
    )


def all_sent(request: Request) -> bool:
    statuses = Counter(Offer.objects.filter(request=request).values_list("status", flat=True))
    return statuses == {Offer.Status.SENT: WAVE}


def offers_received(sink: Sink, volunteers) -> Counter:
    return Counter(m["To"] for m in sink.messages if m["To"] in {v.email for v in volunteers})


def test_it_sends_every_offer_once_when_the_worker_is_killed_mid_wave(
    wave_request, broker, tmp_path
):
    """Guarantee: a worker killed (SIGKILL) in the middle of a wave loses no offer and sends
    none twice. The killed worker held the third offer's task unacknowledged, half-way through
    SMTP; a new worker sends the rest from the queue, and the sweeper finds the third still
    `queued` and enqueues it again."""
    request, volunteers = wave_request
    broker_url, _port, _redis = broker
    sink = Sink()
    sink.hold_at = 3
    with smtp_server(sink) as smtp_port:
        env = env_for(broker_url, smtp_port)
        with celery_worker(env) as first:
            start_wave(broker_url, request)
            wait_until(sink.holding.is_set, timeout=60, what=f"the third offer:\n{first.output}")
            kill_hard(first)
        sink.release.set()  # the dead worker's connection is gone: nothing more arrives on it
        assert len(sink.messages) == 2
        with celery_worker(env) as second, celery_beat(env, tmp_path / "beat") as beat:
            wait_until(
                lambda: all_sent(request) and queue_length(broker_url) == 0,
                timeout=90,
                what=f"every offer sent:\n{second.output}\n{beat.output}",
            )
            assert "task=sweep_stuck_offers" in second.output
    received = offers_received(sink, volunteers)
    assert received == {v.email: 1 for v in volunteers}, received


def test_it_sends_queued_offers_once_after_redis_restarts_empty(wave_request, broker, tmp_path):
    """Guarantee: when Redis restarts without persistence while offers are queued, the tasks
    in it are lost but the offers are not: the sweeper finds them `queued` in the database and
    sends each once; the offer being sent during the restart is not sent again."""
    request, volunteers = wave_request
    broker_url, port, redis = broker
    sink = Sink()
    sink.hold_at = 3
    with smtp_server(sink) as smtp_port:
        env = env_for(broker_url, smtp_port)
        with celery_worker(env) as worker:
            start_wave(broker_url, request)
            wait_until(sink.holding.is_set, timeout=60, what=f"the third offer:\n{worker.output}")
            assert queue_length(broker_url) == WAVE - 3  # offers 4–6 wait in Redis
            kill_hard(redis)
            with redis_server(port):
                assert queue_length(broker_url) == 0  # the restart lost them
                sink.release.set()  # the third offer goes through; its ack finds no Redis
                wait_until(
                    lambda: Offer.objects.filter(request=request, status="sent").count() == 3,
                    timeout=60,
                    what=f"the third offer sent:\n{worker.output}",
                )
                assert Offer.objects.filter(request=request, status="queued").count() == 3
                with celery_beat(env, tmp_path / "beat") as beat:
                    wait_until(
                        lambda: all_sent(request) and queue_length(broker_url) == 0,
                        timeout=120,
                        what=f"every offer sent:\n{worker.output}\n{beat.output}",
                    )
    received = offers_received(sink, volunteers)
    assert received == {v.email: 1 for v in volunteers}, received


@pytest.mark.redis
def test_it_delivers_after_the_mail_server_comes_back(wave_request):
    """Guarantee: while the SMTP server is down, an offer stays `queued` and its task retries
    with growing waits; once the server is back, the offer is delivered, once."""
    request, volunteers = wave_request
    sink = Sink()
    smtp_port = free_port()  # nothing listens here yet
    env = worker_env(
        smtp_port=smtp_port,
        LOTSE_SMTP_RETRY_BASE_SECONDS="1",
        LOTSE_SMTP_RETRY_MAX_SECONDS="2",
        LOTSE_SMTP_RETRIES="30",
    )
    with celery_worker(env) as worker:
        with_link = offers.offer_by_hand(request=request, volunteer=volunteers[0])
        wait_until(
            lambda: worker.output.count("outcome=retry") >= 2,
            timeout=60,
            what=f"two failed tries:\n{worker.output}",
        )
        assert Offer.objects.get(pk=with_link.pk).status == Offer.Status.QUEUED
        with smtp_server(sink, port=smtp_port):
            wait_until(
                lambda: Offer.objects.get(pk=with_link.pk).status == Offer.Status.SENT,
                timeout=60,
                what=f"the offer sent:\n{worker.output}",
            )
    assert "error=ConnectionRefusedError" in worker.output
    assert offers_received(sink, volunteers) == {volunteers[0].email: 1}
