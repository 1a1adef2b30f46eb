"""What happened to requests and offers, announced after the transaction commits.

Domain functions in `requests` call `publish(...)`; nothing runs until the surrounding
transaction commits, so no email ever goes out for a change that was rolled back. The workers
app subscribes the tasks that send emails and plan waves (in its AppConfig.ready); `requests`
itself never sends anything. Handlers receive ids only.

Events and their arguments:
- request_created(request_id)        a new request; with auto_offer the waves should start
- waves_requested(request_id)        staff asked for the next wave now
- offer_created(offer_id)            an offer was queued (by hand or in a wave): send it
- offer_accepted(offer_id)           confirmation (with calendar invite) to the volunteer
- offer_declined(offer_id)           a volunteer said no
- request_filled(request_id)         the last place went: tell the office
- offers_withdrawn(offer_ids)        open offers that are no longer needed ("already filled")
- request_cancelled(request_id, offer_ids)   cancellation to the accepted volunteers
- offer_released(offer_id)           an accepted volunteer dropped out: tell the office
- offer_failed(offer_id)             the offer's email could not be delivered: tell the office
- request_unfilled(request_id)       nobody is left to ask: tell the office
- offering_stalled(request_id)       the automatic offers could not go out: tell the office
- request_completed(request_id)      staff completed it: the check-ins go out now
- outcome_confirmed(outcome_id)      staff confirmed (or corrected) what became of an assignment
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

EVENTS = frozenset(
    {
        "request_created",
        "waves_requested",
        "offer_created",
        "offer_accepted",
        "offer_declined",
        "request_filled",
        "offers_withdrawn",
        "request_cancelled",
        "offer_released",
        "offer_failed",
        "request_unfilled",
        "offering_stalled",
        "request_completed",
        "outcome_confirmed",
    }
)

_handlers: dict[str, list[Callable[..., None]]] = defaultdict(list)


def subscribe(event: str, handler: Callable[..., None]) -> None:
    assert event in EVENTS, f"unknown event {event!r}; add it to requests.events.EVENTS"  # noqa: S101
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **ids: Any) -> None:
    """Run the event's handlers once the current transaction commits (at once outside one)."""
    assert event in EVENTS, f"unknown event {event!r}; add it to requests.events.EVENTS"  # noqa: S101
    logger.info("event=%s %s", event, " ".join(f"{k}={v}" for k, v in ids.items()))
    for handler in list(_handlers[event]):
        transaction.on_commit(lambda handler=handler: handler(**ids), robust=True)
