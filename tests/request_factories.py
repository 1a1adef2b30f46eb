"""Requests and offers for tests of the staff API, made the way real ones are made.

`RequestFactory` goes through `requests.lifecycle.create_request` (so languages are canonical and
the place is derived), by default interpreting Farsi ↔ German in 44147, 10:00–11:30 Berlin time a
week from today. `sent_offer` asks a volunteer by hand and then does what the email sender will
do (status "sent", `sent_at`, a link token). Times are Europe/Berlin wall-clock times:

    need = RequestFactory(office=office_a, starts_at=berlin(days=3, clock="09:00"))
    offer, token = sent_offer(need, VolunteerFactory())
    offers.accept(offer=offer)

A request that has already started (to complete it) is created "in the past" with `now`:

    started = RequestFactory(office=office_a, starts_at=berlin(days=-1), now=berlin(days=-8))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from requests import lifecycle, offers
from requests.models import Offer, Office, Request
from tests import domain_helpers
from tests.factories import OfficeFactory
from tests.volunteer_factories import VolunteerFactory, skill
from volunteers.models import Volunteer

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*, days: int, clock: str = "10:00") -> dt.datetime:
    """The aware time `clock` (Berlin wall clock) on the day `days` from today (may be < 0)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=BERLIN)


class RequestFactory(factory.Factory):
    """A request recorded through `lifecycle.create_request`; any of its arguments may be given."""

    class Meta:
        model = Request

    office = factory.SubFactory(OfficeFactory)
    created_by = None
    skill = factory.LazyFunction(lambda: skill("interpreting"))
    languages = factory.LazyFunction(lambda: ["fa", "de"])
    starts_at = factory.LazyFunction(lambda: berlin(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=90))
    postcode = "44147"
    volunteers_needed = 1
    now = None

    @classmethod
    def _create(cls, model_class: type[Request], *args: Any, **kwargs: Any) -> Request:
        return lifecycle.create_request(**kwargs)


def sent_offer(
    request: Request, volunteer: Volunteer, *, now: dt.datetime | None = None
) -> tuple[Offer, str]:
    """Offer `request` to `volunteer` by hand and mark it sent, as the sender will.

    Returns the offer and the raw token of its link. Give `now` for a request that starts in
    the past (it was offered before it started).
    """
    now = now or timezone.now()
    offer = offers.offer_by_hand(request=request, volunteer=volunteer, now=now)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.SENT, sent_at=now)
    offer.refresh_from_db()
    return offer, offers.issue_link(offer=offer)


def accepted_offer(
    request: Request, volunteer: Volunteer, *, now: dt.datetime | None = None
) -> Offer:
    """`volunteer` has been sent `request` and accepted it (at `now`, before it starts)."""
    offer, _token = sent_offer(request, volunteer, now=now)
    return offers.accept(offer=offer, now=now)


def started_and_filled(office: Office) -> tuple[Request, Offer]:
    """A request of `office` that began an hour ago, accepted a week before: ready to complete."""
    week_ago = berlin(days=-7)
    now = timezone.localtime(timezone.now(), BERLIN).replace(microsecond=0)
    # An appointment ends on the Berlin day it starts: near midnight the hour before and the
    # two hours after are cut to today, so the helper works at any hour the suite runs.
    midnight = now.replace(hour=0, minute=0, second=0)
    starts = max(now - dt.timedelta(hours=1), midnight)
    ends = min(starts + dt.timedelta(hours=2), midnight.replace(hour=23, minute=59))
    need = RequestFactory(office=office, starts_at=starts, ends_at=ends, now=week_ago)
    offer = accepted_offer(need, VolunteerFactory(), now=week_ago)
    need.refresh_from_db()
    return need, offer


@contextmanager
def recording_events() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every published event as (name, ids) while the block runs; the workers' own handlers are
    set aside meanwhile (see `tests.domain_helpers.recording_events`).

    Handlers run after commit: in a test, inside `django_capture_on_commit_callbacks(
    execute=True)`, and only when that block ends.
    """
    with domain_helpers.recording_events() as log:
        yield log.received
