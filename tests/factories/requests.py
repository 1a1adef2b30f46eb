"""Test data of the requests app: offices, staff, requests, offers, outcomes and allowances.

Requests are made through `requests.lifecycle.create_request`, the path every real request
takes; offers are written as the sender leaves them (`status="sent"`, `sent_at`), because the
sender that does it for real lives in the workers app. Times are Europe/Berlin wall-clock times
on days counted from today, so a test reads like the office's calendar:

    need = make_request(office=office_a, starts_at=at(days_ahead(7), "10:00"))
    offer = sent_offer(need, VolunteerFactory())           # a wave's offer, sent
    offer, token = sent_by_hand(need, VolunteerFactory())  # staff asked; the link's raw token
    with recording_events() as log, capture(execute=True):
        offers.accept(offer=offer)
    assert log.names() == ["offer_accepted", "request_filled"]

A request that has already started (to complete it) is recorded "in the past" with `now`:

    started = make_request(office=office_a, starts_at=at(days_ahead(-1), "10:00"),
                           now=at(days_ahead(-8), "10:00"))
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import factory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from requests import events, lifecycle, offers, outcomes
from requests.models import AllowanceEntry, Offer, Office, Outcome, Request, StaffMember
from tests.factories.volunteers import VolunteerFactory, skill
from volunteers.models import Volunteer

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
PASSWORD = "correct horse battery"


# --- Offices and staff ------------------------------------------------------------------------


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Testbüro {n}")
    street = factory.Sequence(lambda n: f"Teststraße {n}")
    postcode = "44357"
    districts = factory.LazyFunction(lambda: ["Mengede"])
    email = factory.Sequence(lambda n: f"buero{n}@lotse.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = StaffMember.Role.STAFF

    @factory.post_generation
    def offices(self, create, extracted, **kwargs):
        if create and extracted:
            self.offices.set(extracted)


# --- Berlin times -----------------------------------------------------------------------------


def days_ahead(n: int) -> dt.date:
    """The Berlin calendar day `n` days from today (negative: in the past)."""
    return timezone.localdate() + dt.timedelta(days=n)


def at(day: dt.date, clock: str) -> dt.datetime:
    """`day` at the Berlin wall-clock time `clock` ("10:00"), as an aware datetime."""
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=BERLIN)


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> dt.date:
    """The `weekday` (0 = Monday) at least `weeks_ahead` weeks from today, in Berlin."""
    start = days_ahead(7 * weeks_ahead)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


# --- Requests ---------------------------------------------------------------------------------


def make_request(
    *,
    office: Office | None = None,
    created_by: Any = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    duration: dt.timedelta = dt.timedelta(hours=2),
    languages: Sequence[str] = ("fa", "de"),
    skill_code: str = "interpreting",
    volunteers_needed: int = 1,
    postcode: str = "44147",
    remote: bool = False,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Request:
    """A request through `create_request`: by default of a new office, 10:00–12:00 a week from
    today, in 44147. Any other argument of `create_request` (`auto_offer=False`, `address`,
    `note`, ...) may be given."""
    starts_at = starts_at or at(days_ahead(7), "10:00")
    ends_at = ends_at or starts_at + duration
    return lifecycle.create_request(
        office=office or OfficeFactory(),
        created_by=created_by,
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


def started_and_filled(office: Office) -> tuple[Request, Offer]:
    """A request of `office` that began an hour ago, accepted a week before: ready to complete."""
    week_ago = at(days_ahead(-7), "10:00")
    now = timezone.localtime(timezone.now(), BERLIN).replace(microsecond=0)
    # An appointment ends on the Berlin day it starts: near midnight the hour before and the
    # two hours after are cut to today, so the helper works at any hour the suite runs.
    midnight = now.replace(hour=0, minute=0, second=0)
    starts = max(now - dt.timedelta(hours=1), midnight)
    ends = min(starts + dt.timedelta(hours=2), midnight.replace(hour=23, minute=59))
    need = make_request(office=office, starts_at=starts, ends_at=ends, now=week_ago)
    offer = accepted_offer(need, VolunteerFactory(), now=week_ago, by_hand=True)
    need.refresh_from_db()
    return need, offer


def set_status(need: Request, status: str) -> Request:
    """Put `need` in `status` directly (no rules applied), as another process might have."""
    Request.objects.filter(pk=need.pk).update(status=status)
    need.refresh_from_db()
    return need


# --- Offers -----------------------------------------------------------------------------------


class SentOffer(NamedTuple):
    """A sent offer and the raw token of its link (the database keeps only the digest);
    unpacks as `offer, token`."""

    offer: Offer
    token: str

    @property
    def path(self) -> str:
        return f"/offers/{self.token}/"

    @property
    def calendar_path(self) -> str:
        return f"/offers/{self.token}/calendar.ics"

    def reload(self) -> Offer:
        return Offer.objects.select_related("request").get(pk=self.offer.pk)


def queued_offer(need: Request, volunteer: Volunteer, *, wave: int = 1) -> Offer:
    """An offer planned in a wave but not sent yet."""
    return Offer.objects.create(request=need, volunteer=volunteer, wave=wave)


def mark_sent(offer: Offer, *, now: dt.datetime | None = None) -> Offer:
    """What the sender does when the email has gone out."""
    now = now or timezone.now()
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.SENT, sent_at=now)
    offer.refresh_from_db()
    return offer


def sent_offer(
    need: Request, volunteer: Volunteer, *, wave: int = 1, now: dt.datetime | None = None
) -> Offer:
    """An offer of wave `wave` whose email has gone out (status "sent"), without a link token.
    The request's status is left as it is."""
    return mark_sent(queued_offer(need, volunteer, wave=wave), now=now)


def linked_offer(need: Request, volunteer: Volunteer) -> SentOffer:
    """A sent offer of wave 1 and the raw token of its link, as the volunteer's email carries
    it."""
    offer = sent_offer(need, volunteer)
    return SentOffer(offer=offer, token=offers.issue_link(offer=offer))


def sent_by_hand(
    request: Request, volunteer: Volunteer, *, now: dt.datetime | None = None
) -> SentOffer:
    """Staff ask `volunteer` for `request` (`offers.offer_by_hand`: wave 0, the request turns
    "offering"), the offer is marked sent, as the sender will, and its link issued. Give `now`
    for a request that starts in the past (it was offered before it started)."""
    now = now or timezone.now()
    offer = mark_sent(offers.offer_by_hand(request=request, volunteer=volunteer, now=now), now=now)
    return SentOffer(offer=offer, token=offers.issue_link(offer=offer))


def accepted_offer(
    need: Request,
    volunteer: Volunteer,
    *,
    now: dt.datetime | None = None,
    by_hand: bool = False,
) -> Offer:
    """`volunteer` has taken a place on `need` through `offers.accept`, answering a sent offer of
    wave 1 (or, `by_hand`, one staff sent: see `sent_by_hand`)."""
    if by_hand:
        offer = sent_by_hand(need, volunteer, now=now).offer
    else:
        offer = sent_offer(need, volunteer, now=now)
    return offers.accept(offer=offer, now=now)


def offered(
    *,
    count: int = 1,
    volunteer: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    **request_fields: Any,
) -> tuple[Request, list[SentOffer]]:
    """A new request and `count` new volunteers (built with `volunteer` keywords) holding offers
    staff sent by hand, with their links.

    The request is the one an offer page shows: of an office with address and phone, in three
    days 10:00–11:30 at Amtsstraße 1 in 44357, without automatic waves; `request_fields`
    change any of that."""
    remote = request_fields.get("remote")
    place = {"postcode": ""} if remote else {"postcode": "44357", "address": "Amtsstraße 1"}
    fields = {
        "starts_at": at(days_ahead(3), "10:00"),
        "duration": dt.timedelta(minutes=90),
        "auto_offer": False,
        **place,
        **request_fields,
    }
    if fields.get("office") is None:
        fields["office"] = OfficeFactory(
            street="Westerfilder Straße 54", postcode="44357", phone="0231 5550100"
        )
    request = make_request(now=now, **fields)
    sent = [
        sent_by_hand(request, VolunteerFactory(**(volunteer or {})), now=now) for _ in range(count)
    ]
    return request, sent


# --- Outcomes and allowances ------------------------------------------------------------------


def confirmed(
    capture: Any,
    *,
    office: Office,
    volunteer: Volunteer | None = None,
    day: dt.date,
    hours: str = "2",
    km: str | None = None,
    ticket_cents: int | None = None,
    result: str = Outcome.Result.TOOK_PLACE,
    languages: tuple[str, ...] = ("fa", "de"),
) -> AllowanceEntry:
    """An appointment 10:00–12:00 on `day` (Berlin), confirmed by staff with `hours`; returns its
    ledger entry. Made the way real ones are: a request recorded before the appointment, an
    accepted offer, the outcome confirmed by staff; the `outcome_confirmed` event runs its
    handlers (the ledger) as after a real commit. `capture` is pytest-django's
    `django_capture_on_commit_callbacks`."""
    volunteer = volunteer or VolunteerFactory()
    starts_at = at(day, "10:00")
    week_before = starts_at - dt.timedelta(days=7)
    need = make_request(office=office, starts_at=starts_at, now=week_before, languages=languages)
    offer = accepted_offer(need, volunteer, now=week_before)
    after = starts_at + dt.timedelta(hours=3)
    outcome = outcomes.outcome_of(offer=offer, now=after)
    with capture(execute=True):
        outcomes.confirm(
            outcome=outcome,
            by=None,
            result=result,
            hours=hours if result == Outcome.Result.TOOK_PLACE else None,
            km=km,
            ticket_cents=ticket_cents,
            now=after,
        )
    return AllowanceEntry.objects.get(outcome=outcome)


def correct(capture: Any, entry: AllowanceEntry, **changes: Any) -> AllowanceEntry:
    """Staff correct the confirmed outcome behind `entry` a day later."""
    outcome = entry.outcome
    values = {"result": outcome.result, "hours": outcome.hours, "km": outcome.km}
    values.update(changes)
    with capture(execute=True):
        outcomes.confirm(
            outcome=outcome,
            by=None,
            result=values["result"],
            hours=values["hours"],
            km=values["km"],
            ticket_cents=values.get("ticket_cents", outcome.ticket_cents),
            now=outcome.confirmed_at + dt.timedelta(days=1),
        )
    return AllowanceEntry.objects.get(pk=entry.pk)


# --- Proving what changed, and what was announced ---------------------------------------------


def stored(model_row: models.Model) -> dict[str, Any]:
    """Every stored column of a row (request, offer, ...), to prove a refusal changed nothing."""
    return type(model_row).objects.filter(pk=model_row.pk).values().get()


def offer_rows() -> dict[str, list[dict[str, Any]]]:
    """Every request and offer row, to prove that something changed nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (
            apps.get_model("requests", "Request"),
            apps.get_model("requests", "RequestLanguage"),
            apps.get_model("requests", "Offer"),
        )
    }


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
    Handlers run after commit: in a test, inside `django_capture_on_commit_callbacks(
    execute=True)`, and only when that block ends.
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
