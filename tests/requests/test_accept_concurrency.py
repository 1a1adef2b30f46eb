"""Fifty volunteers click "accept" at the same instant: exactly the needed number get a place.

Real threads, each with its own PostgreSQL connection, released together by a barrier, POST
through the offer page (the whole path: view, domain function, database). Runs on PostgreSQL
only: SQLite serialises every write transaction, so it would prove nothing about locking.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from requests.models import Offer, Request
from tests.factories.requests import offered

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the flush after this test would otherwise also wipe the skill
    # catalogue that migrations load and later tests expect.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 20
PEOPLE = 50
NEEDED = 2
FILLED_TEXT = "Thank you! All places are taken."


def click_together(paths: list[str]) -> list[tuple[int, str]]:
    """POST accept to every path from its own thread (and address), all released at once;
    (status, page) per path. Fails on any exception in a thread and on a thread that hangs."""
    barrier = threading.Barrier(len(paths))
    results: list[tuple[int, str] | BaseException | None] = [None] * len(paths)

    def click(i: int) -> None:
        try:
            # One address per person, as in life; the pages' rate limit is per address.
            client = Client(REMOTE_ADDR=f"10.0.{i // 200}.{i % 200 + 1}")
            barrier.wait(timeout=30)
            response = client.post(paths[i], {"action": "accept"})
            results[i] = (response.status_code, response.content.decode())
        except BaseException as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a click never finished: deadlock?"
    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, f"{len(errors)} clicks failed, e.g. {errors[:3]!r}"
    return [r for r in results if isinstance(r, tuple)]


def test_it_gives_two_places_to_two_of_fifty_simultaneous_clicks_every_time():
    """In each of 20 rounds, 50 volunteers accept one request needing 2 at the same instant:
    2 get the place (303 to the accepted page), 48 get the "all places are taken" page (409);
    no error, no deadlock; the request is filled with exactly 2 places taken."""
    for round_no in range(ROUNDS):
        request, sent = offered(
            count=PEOPLE, volunteers_needed=NEEDED, volunteer={"email_language": "en"}
        )
        cache.clear()

        results = click_together([s.path for s in sent])

        statuses = Counter(status for status, _ in results)
        assert statuses == {303: NEEDED, 409: PEOPLE - NEEDED}, f"round {round_no}: {statuses}"
        refusals = [body for status, body in results if status == 409]
        assert all(FILLED_TEXT in body for body in refusals), f"round {round_no}"

        winners = {sent[i].offer.pk for i, (status, _) in enumerate(results) if status == 303}
        accepted = set(
            Offer.objects.filter(request=request, status=Offer.Status.ACCEPTED).values_list(
                "pk", flat=True
            )
        )
        assert accepted == winners, f"round {round_no}"
        assert (
            Offer.objects.filter(request=request, status=Offer.Status.WITHDRAWN).count()
            == PEOPLE - NEEDED
        )
        request.refresh_from_db()
        assert (request.status, request.accepted_count) == (Request.Status.FILLED, NEEDED)
        assert request.filled_at is not None
