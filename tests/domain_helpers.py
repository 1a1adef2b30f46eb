"""Helpers for tests that call the requests app's domain functions directly.

Requests are made through `requests.lifecycle.create_request`, the path every real request
takes; offers are written as the sender leaves them (`status="sent"`, `sent_at`), because the
sender that does it for real lives in the workers app. Times are Europe/Berlin wall-clock times
on days counted from today, so a test reads like the office's calendar:

    req = make_request(office=office_a, starts_at=at(days_ahead(7), "10:00"))
    offer = sent_offer(req, VolunteerFactory())
    with recording_events() as log, capture(execute=True):
        offers.accept(offer=offer)
    assert log.names() == ["offer_accepted", "request_filled"]
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from requests import events, lifecycle, offers
from requests.models import Offer, Office, Request
from tests.volunteer_factories import skill
from volunteers.models import Volunteer

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def days_ahead(n: int) -> dt.date:
    """The Berlin calendar day `n` days from today (negative: in the past)."""
    return timezone.localdate() + dt.timedelta(days=n)


def at(day: dt.date, clock: str) -> dt.datetime:
    """`day` at the Berlin wall-clock time `clock` ("10:00"), as an aware datetime."""
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=BERLIN)


def make_request(
    *,
    office: Office,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    languages: Sequence[str] = ("fa", "de"),
    skill_code: str = "interpreting",
    volunteers_needed: int = 1,
    postcode: str = "44147",
    remote: bool = False,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Request:
    """A request through `create_request`: by default 10:00–12:00 a week from today, in 44147."""
    starts_at = starts_at or at(days_ahead(7), "10:00")
    ends_at = ends_at or starts_at + dt.timedelta(hours=2)
    return lifecycle.create_request(
        office=office,
        created_by=None,
        skill=skill(skill_code),
        languages=list(languages),
        starts_at=starts_at,
        ends_at=ends_at,
        volunteers_needed=volunteers_needed,
        postcode=postcode,
        remote=remote,
        now=now,
        **fields,
    )


def past_request(*, office: Office, days_ago: int = 3, **kwargs: Any) -> Request:
    """A request whose appointment (10:00–12:00) was `days_ago` days ago, recorded before it."""
    starts_at = at(days_ahead(-days_ago), "10:00")
    return make_request(
        office=office, starts_at=starts_at, now=starts_at - dt.timedelta(days=7), **kwargs
    )


def queued_offer(req: Request, volunteer: Volunteer, *, wave: int = 1) -> Offer:
    """An offer planned in a wave but not sent yet."""
    return Offer.objects.create(request=req, volunteer=volunteer, wave=wave)


def mark_sent(offer: Offer, *, now: dt.datetime | None = None) -> Offer:
    """What the sender does when the email has gone out."""
    now = now or timezone.now()
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.SENT, sent_at=now)
    offer.refresh_from_db()
    return offer


def sent_offer(
    req: Request, volunteer: Volunteer, *, wave: int = 1, now: dt.datetime | None = None
) -> Offer:
    """An offer whose email has gone out (status "sent"), without a link token."""
    return mark_sent(queued_offer(req, volunteer, wave=wave), now=now)


def linked_offer(req: Request, volunteer: Volunteer) -> tuple[Offer, str]:
    """A sent offer and the raw token of its link, as the volunteer's email carries it."""
    offer = sent_offer(req, volunteer)
    return offer, offers.issue_link(offer=offer)


def accepted_offer(req: Request, volunteer: Volunteer, *, now: dt.datetime | None = None) -> Offer:
    """`volunteer` has taken a place on `req` through `offers.accept`."""
    return offers.accept(offer=sent_offer(req, volunteer, now=now), now=now)


def set_status(req: Request, status: str) -> Request:
    """Put `req` in `status` directly (no rules applied), as another process might have."""
    Request.objects.filter(pk=req.pk).update(status=status)
    req.refresh_from_db()
    return req


def stored(model_row: models.Model) -> dict[str, Any]:
    """Every stored column of a row (request, offer, ...), to prove a refusal changed nothing."""
    return type(model_row).objects.filter(pk=model_row.pk).values().get()


@dataclass
class EventLog:
    """The events handlers received, in order, each with its keyword arguments."""

    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.received]

    def of(self, event: str) -> list[dict[str, Any]]:
        """The arguments of each `event` received, in order."""
        return [ids for name, ids in self.received if name == event]

    def clear(self) -> None:
        self.received.clear()


@contextmanager
def recording_events() -> Iterator[EventLog]:
    """Subscribe a recorder to every event in `requests.events.EVENTS` for the block.

    Other subscribers (the workers app's senders) are set aside meanwhile and put back after,
    with the recorders removed: these tests prove what the domain announces, not what the
    workers do with it, so an unfinished or failing sender cannot make them pass or fail.
    """
    log = EventLog()
    saved = events._handlers
    events._handlers = defaultdict(list)
    try:
        for name in sorted(events.EVENTS):
            events.subscribe(name, lambda _name=name, **ids: log.received.append((_name, ids)))
        yield log
    finally:
        events._handlers = saved
