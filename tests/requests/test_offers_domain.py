"""Offers at the domain level: links, what the page says, accept, decline, release, by hand.

Calls `requests.offers` directly. Offers are "sent" the way the sender will leave them
(`tests/factories/requests.py`); links come from `offers.issue_link`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from requests import lifecycle, offers
from requests.errors import OfferError
from requests.models import Offer, Office, Request
from tests.factories.requests import (
    EventLog,
    accepted_offer,
    at,
    days_ahead,
    linked_offer,
    make_request,
    queued_offer,
    recording_events,
    sent_offer,
    set_status,
    stored,
)
from tests.factories.volunteers import VolunteerFactory
from volunteers import selfservice
from volunteers.models import Volunteer


@pytest.fixture
def published() -> Iterator[EventLog]:
    with recording_events() as log:
        yield log


def assert_refused(offer: Offer, code: str, *, now: dt.datetime | None = None) -> None:
    """`accept` refuses `offer` with `code` and leaves the offer and its request as they were."""
    offer_before, request_before = stored(offer), stored(offer.request)
    with pytest.raises(OfferError) as refused:
        offers.accept(offer=offer, now=now)
    assert refused.value.code == code
    assert stored(offer) == offer_before
    assert stored(offer.request) == request_before


# --- links ---------------------------------------------------------------------------------


def test_it_stores_only_a_digest_of_the_link(office_a):
    """A copy of the database holds no working offer link."""
    need = make_request(office=office_a)
    offer, raw = linked_offer(need, VolunteerFactory())

    row = stored(offer)
    assert row["token_digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in repr(row)
    assert not Offer.objects.filter(token_digest=raw).exists()
    assert len(raw) >= 40


def test_it_lets_the_link_expire_when_the_appointment_starts(office_a):
    """An offer link works until the appointment begins, not longer."""
    need = make_request(office=office_a, starts_at=at(days_ahead(4), "15:30"))
    offer, _raw = linked_offer(need, VolunteerFactory())

    assert Offer.objects.get(pk=offer.pk).token_expires_at == at(days_ahead(4), "15:30")


def test_it_finds_the_offer_behind_a_link_without_changing_it(office_a):
    """Opening a link (a person or a mail scanner) shows the offer and changes nothing."""
    need = make_request(office=office_a)
    offer, raw = linked_offer(need, VolunteerFactory())
    before = stored(offer)

    assert offers.resolve(raw).pk == offer.pk
    assert stored(offer) == before


def test_it_makes_an_earlier_link_unknown_when_a_new_one_is_issued(office_a):
    """Only the newest link of an offer works."""
    need = make_request(office=office_a)
    offer, old = linked_offer(need, VolunteerFactory())
    new = offers.issue_link(offer=offer)

    assert offers.resolve(new).pk == offer.pk
    with pytest.raises(OfferError) as refused:
        offers.resolve(old)
    assert refused.value.code == "unknown"


def _tampered(raw: str) -> str:
    return raw[:-1] + ("A" if raw[-1] != "A" else "B")


@pytest.mark.parametrize(
    "make_bad",
    [_tampered, lambda raw: raw + "x", lambda raw: "", lambda raw: raw * 3],
    ids=["one character changed", "one character added", "empty", "overlong"],
)
def test_it_refuses_a_tampered_link(office_a, make_bad: Callable[[str], str]):
    """A link that is not exactly the one sent answers "unknown"."""
    need = make_request(office=office_a)
    _offer, raw = linked_offer(need, VolunteerFactory())

    with pytest.raises(OfferError) as refused:
        offers.resolve(make_bad(raw))

    assert refused.value.code == "unknown"


# --- state: what the volunteer's page says -------------------------------------------------


def _open(office: Office) -> tuple[Offer, dt.datetime | None]:
    return linked_offer(make_request(office=office), VolunteerFactory())[0], None


def _open_while_unfilled(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    set_status(offer.request, Request.Status.UNFILLED)
    return offer, None


def _accepted(office: Office) -> tuple[Offer, dt.datetime | None]:
    return accepted_offer(make_request(office=office), VolunteerFactory()), None


def _declined(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    return offers.decline(offer=offer), None


def _cancelled(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    lifecycle.cancel_request(request=offer.request)
    return offer, None


def _link_expired(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    return offer, offer.request.starts_at


def _marked_expired(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.EXPIRED)
    return offer, None


def _taken_by_someone_else(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    accepted_offer(offer.request, VolunteerFactory())
    return offer, None


def _withdrawn_by_staff(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.WITHDRAWN)
    return offer, None


def _completed(office: Office) -> tuple[Offer, dt.datetime | None]:
    offer, _ = _open(office)
    set_status(offer.request, Request.Status.COMPLETED)
    return offer, None


STATES = [
    ("open", _open),
    ("open", _open_while_unfilled),
    ("accepted", _accepted),
    ("declined", _declined),
    ("cancelled", _cancelled),
    ("expired", _link_expired),
    ("expired", _marked_expired),
    ("filled", _taken_by_someone_else),
    ("filled", _completed),
    ("withdrawn", _withdrawn_by_staff),
]


@pytest.mark.parametrize(
    ("expected", "situation"), STATES, ids=[build.__name__.strip("_") for _, build in STATES]
)
def test_it_tells_the_volunteer_where_the_offer_stands(office_a, expected, situation):
    """The offer page shows the buttons only for an open offer, and otherwise says why not."""
    offer, now = situation(office_a)
    offer = Offer.objects.select_related("request").get(pk=offer.pk)

    assert offers.state(offer=offer, now=now) == expected


def test_it_tells_an_accepted_volunteer_that_the_appointment_was_cancelled(office_a):
    """Someone who accepted and opens the link after the office cancelled reads "cancelled"."""
    offer = accepted_offer(make_request(office=office_a), VolunteerFactory())
    lifecycle.cancel_request(request=offer.request)
    offer = Offer.objects.select_related("request").get(pk=offer.pk)

    assert offers.state(offer=offer) == "cancelled"


# --- accept --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Request.Status.OPEN, Request.Status.OFFERING, Request.Status.UNFILLED]
)
def test_it_gives_the_first_volunteer_a_place(
    office_a, published, django_capture_on_commit_callbacks, status
):
    """The first "yes" on a request that needs two takes a place; the search goes on."""
    need = set_status(make_request(office=office_a, volunteers_needed=2), status)
    offer = sent_offer(need, VolunteerFactory())
    moment = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        answered = offers.accept(offer=offer, now=moment)

    assert (answered.status, answered.responded_at) == (Offer.Status.ACCEPTED, moment)
    assert stored(offer)["status"] == Offer.Status.ACCEPTED
    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.accepted_count, row.filled_at) == ("offering", 1, None)
    assert published.received == [("offer_accepted", {"offer_id": offer.pk})]


def test_it_fills_a_request_for_one_with_the_first_acceptance(
    office_a, published, django_capture_on_commit_callbacks
):
    """A request for one volunteer is filled by the first "yes"."""
    need = make_request(office=office_a)
    offer = sent_offer(need, VolunteerFactory())
    moment = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=offer, now=moment)

    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.accepted_count, row.filled_at) == ("filled", 1, moment)
    assert published.names() == ["offer_accepted", "request_filled"]


def test_it_fills_the_request_with_the_last_place_and_withdraws_the_open_offers(
    office_a, published, django_capture_on_commit_callbacks
):
    """The last "yes" fills the request; everyone still waiting learns it is taken."""
    need = make_request(office=office_a, volunteers_needed=2)
    first = accepted_offer(need, VolunteerFactory())
    last = sent_offer(need, VolunteerFactory())
    waiting = sent_offer(need, VolunteerFactory())
    planned = queued_offer(need, VolunteerFactory(), wave=2)
    said_no = offers.decline(offer=sent_offer(need, VolunteerFactory()))
    moment = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=last, now=moment)

    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.accepted_count, row.filled_at) == ("filled", 2, moment)
    statuses = dict(Offer.objects.filter(request=need).values_list("pk", "status"))
    assert statuses == {
        first.pk: "accepted",
        last.pk: "accepted",
        waiting.pk: "withdrawn",
        planned.pk: "withdrawn",
        said_no.pk: "declined",
    }
    assert published.received == [
        ("offer_accepted", {"offer_id": last.pk}),
        ("request_filled", {"request_id": need.pk}),
        ("offers_withdrawn", {"offer_ids": [waiting.pk, planned.pk]}),
    ]


def test_it_tells_a_late_volunteer_that_the_places_are_taken(office_a):
    """Clicking "accept" after the last place went answers "filled" and takes nothing."""
    need = make_request(office=office_a)
    late = sent_offer(need, VolunteerFactory())
    accepted_offer(need, VolunteerFactory())

    assert_refused(late, "filled")
    assert Request.objects.get(pk=need.pk).accepted_count == 1


def test_it_refuses_a_place_on_a_request_filled_by_staff(office_a):
    """An offer still marked sent on a request staff filled by hand answers "filled"."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted_offer(need, VolunteerFactory())
    waiting = sent_offer(need, VolunteerFactory())
    lifecycle.update_request(request=need, data={"volunteers_needed": 1})

    assert_refused(waiting, "filled")


def test_it_refuses_a_place_on_a_cancelled_request(office_a):
    """After the office cancelled, "accept" answers "cancelled"."""
    need = make_request(office=office_a)
    offer = sent_offer(need, VolunteerFactory())
    lifecycle.cancel_request(request=need)

    assert_refused(offer, "cancelled")


def test_it_refuses_a_place_once_the_link_has_expired(office_a):
    """A link past its expiry answers "expired", whatever the request's state."""
    need = make_request(office=office_a)
    offer, _raw = linked_offer(need, VolunteerFactory())
    Offer.objects.filter(pk=offer.pk).update(
        token_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    assert_refused(offer, "expired")


def test_it_refuses_a_place_after_the_appointment_started(office_a):
    """Accepting at the start of the appointment is too late."""
    need = make_request(office=office_a)
    offer, _raw = linked_offer(need, VolunteerFactory())

    assert_refused(offer, "expired", now=need.starts_at)


def test_it_refuses_a_place_after_declining(office_a):
    """A volunteer who declined cannot change their mind through the old link."""
    need = make_request(office=office_a)
    offer = offers.decline(offer=sent_offer(need, VolunteerFactory()))

    assert_refused(offer, "declined")


def test_it_takes_one_place_however_often_the_volunteer_clicks(
    office_a, published, django_capture_on_commit_callbacks
):
    """A second click (or a replayed request) answers "accepted" and changes nothing."""
    need = make_request(office=office_a, volunteers_needed=2)
    offer = accepted_offer(need, VolunteerFactory())

    with django_capture_on_commit_callbacks(execute=True):
        assert_refused(offer, "accepted")

    assert Request.objects.get(pk=need.pk).accepted_count == 1
    assert published.received == []


def test_it_refuses_an_offer_that_was_never_sent(office_a):
    """An offer still queued (no email went out) cannot be accepted."""
    need = make_request(office=office_a)
    offer = queued_offer(need, VolunteerFactory())

    assert_refused(offer, "withdrawn")


def test_it_refuses_a_withdrawn_offer(office_a):
    """An offer the office withdrew answers "withdrawn" while the request still looks."""
    need = make_request(office=office_a, volunteers_needed=2)
    offer = sent_offer(need, VolunteerFactory())
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.WITHDRAWN)

    assert_refused(offer, "withdrawn")


@pytest.fixture
def busy_volunteer(office_a) -> Volunteer:
    """A volunteer who has accepted an appointment 10:00–12:00 in ten days."""
    volunteer = VolunteerFactory()
    day = days_ahead(10)
    accepted_offer(
        make_request(office=office_a, starts_at=at(day, "10:00"), ends_at=at(day, "12:00")),
        volunteer,
    )
    return volunteer


def test_it_refuses_an_appointment_that_overlaps_one_already_accepted(office_b, busy_volunteer):
    """Nobody can be in two places at once, whichever office asks: 11–13 clashes with 10–12."""
    day = days_ahead(10)
    need = make_request(office=office_b, starts_at=at(day, "11:00"))
    offer = sent_offer(need, busy_volunteer)

    with pytest.raises(OfferError) as refused:
        offers.accept(offer=offer)

    assert refused.value.code == "overlap"
    assert f"{day:%d.%m.} 10:00" in refused.value.message
    assert stored(offer)["status"] == Offer.Status.SENT
    assert Request.objects.get(pk=need.pk).accepted_count == 0


@pytest.mark.parametrize(
    ("start", "end"), [("12:00", "13:00"), ("08:00", "10:00")], ids=["right after", "right before"]
)
def test_it_allows_an_appointment_that_only_touches_the_other(office_a, busy_volunteer, start, end):
    """12:00–13:00 right after 10:00–12:00, or 8:00–10:00 right before it, is fine."""
    day = days_ahead(10)
    need = make_request(office=office_a, starts_at=at(day, start), ends_at=at(day, end))

    assert offers.accept(offer=sent_offer(need, busy_volunteer)).status == Offer.Status.ACCEPTED


def test_it_allows_the_same_hours_on_another_day(office_a, busy_volunteer):
    """11:00–13:00 the next day does not clash."""
    day = days_ahead(11)
    need = make_request(office=office_a, starts_at=at(day, "11:00"))

    assert offers.accept(offer=sent_offer(need, busy_volunteer)).status == Offer.Status.ACCEPTED


def test_it_frees_the_time_of_a_cancelled_appointment(office_a, busy_volunteer):
    """After the office cancels the 10–12 appointment, the volunteer can take another then."""
    day = days_ahead(10)
    cancelled = Offer.objects.get(volunteer=busy_volunteer, status=Offer.Status.ACCEPTED)
    lifecycle.cancel_request(request=cancelled.request)
    need = make_request(office=office_a, starts_at=at(day, "10:00"))

    assert offers.accept(offer=sent_offer(need, busy_volunteer)).status == Offer.Status.ACCEPTED


def test_it_has_the_database_refuse_more_volunteers_than_needed(office_a):
    """Even a direct UPDATE cannot take one place too many: a CHECK constraint refuses it."""
    need = make_request(office=office_a, volunteers_needed=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.filter(pk=need.pk).update(accepted_count=3)

    assert Request.objects.get(pk=need.pk).accepted_count == 0


# --- decline -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [("no_time", "no_time"), ("too_far", "too_far"), ("", ""), ("mein Auto ist kaputt", "other")],
    ids=["no time", "too far", "no reason", "free text"],
)
def test_it_records_a_no_with_its_reason(
    office_a, published, django_capture_on_commit_callbacks, given, kept
):
    """Declining takes one click; a reason is optional, an unknown one is kept as "other"."""
    need = make_request(office=office_a)
    offer = sent_offer(need, VolunteerFactory())
    moment = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        offers.decline(offer=offer, reason=given, now=moment)

    row = stored(offer)
    assert (row["status"], row["decline_reason"], row["responded_at"]) == (
        "declined",
        kept,
        moment,
    )
    assert Request.objects.get(pk=need.pk).status == Request.Status.OPEN
    assert published.received == [("offer_declined", {"offer_id": offer.pk})]


def test_it_refuses_to_decline_an_offer_of_a_filled_request(
    office_a, published, django_capture_on_commit_callbacks
):
    """Saying no after the places went answers "filled" and records nothing."""
    need = make_request(office=office_a)
    late = sent_offer(need, VolunteerFactory())
    accepted_offer(need, VolunteerFactory())
    before = stored(late)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OfferError) as refused:
        offers.decline(offer=late, reason="no_time")

    assert refused.value.code == "filled"
    assert stored(late) == before
    assert published.received == []


def test_it_refuses_to_decline_after_accepting(office_a):
    """An accepted volunteer cannot decline through the link (the office releases them)."""
    need = make_request(office=office_a)
    offer = accepted_offer(need, VolunteerFactory())

    with pytest.raises(OfferError) as refused:
        offers.decline(offer=offer)

    assert refused.value.code == "accepted"
    assert stored(offer)["status"] == Offer.Status.ACCEPTED


# --- release -------------------------------------------------------------------------------


def test_it_frees_the_place_of_a_volunteer_who_drops_out(
    office_a, published, django_capture_on_commit_callbacks
):
    """When an accepted volunteer drops out, the request looks for someone again."""
    need = make_request(office=office_a)
    offer = accepted_offer(need, VolunteerFactory())
    moment = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert offers.release(offer=offer, now=moment) is True

    row = stored(offer)
    assert (row["status"], row["responded_at"]) == (Offer.Status.WITHDRAWN, moment)
    request_row = Request.objects.get(pk=need.pk)
    assert (request_row.status, request_row.accepted_count, request_row.filled_at) == (
        "offering",
        0,
        None,
    )
    assert published.received == [("offer_released", {"offer_id": offer.pk})]


def test_it_keeps_a_request_offering_when_one_of_several_drops_out(office_a):
    """With two of three places taken, one leaving leaves one place taken."""
    need = make_request(office=office_a, volunteers_needed=3)
    leaving = accepted_offer(need, VolunteerFactory())
    accepted_offer(need, VolunteerFactory())

    assert offers.release(offer=leaving) is True

    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.accepted_count) == ("offering", 1)


@pytest.mark.parametrize("status", ["queued", "sent", "declined", "withdrawn"])
def test_it_releases_nothing_for_an_offer_that_holds_no_place(
    office_a, published, django_capture_on_commit_callbacks, status
):
    """Releasing someone who never took a place answers False and changes nothing."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted_offer(need, VolunteerFactory())
    offer = queued_offer(need, VolunteerFactory())
    Offer.objects.filter(pk=offer.pk).update(status=status)
    offer.refresh_from_db()
    before_offer, before_request = stored(offer), stored(need)

    with django_capture_on_commit_callbacks(execute=True):
        assert offers.release(offer=offer) is False

    assert stored(offer) == before_offer
    assert stored(need) == before_request
    assert published.received == []


# --- offer_by_hand -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Request.Status.OPEN, Request.Status.UNFILLED])
def test_it_offers_a_request_to_one_person_by_hand(
    office_a, published, django_capture_on_commit_callbacks, status
):
    """Staff pick someone: a wave-0 offer is queued for sending and the request is offering."""
    need = set_status(make_request(office=office_a), status)
    volunteer = VolunteerFactory()

    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=need, volunteer=volunteer)

    row = stored(offer)
    assert (row["wave"], row["status"], row["volunteer_id"]) == (0, "queued", volunteer.pk)
    assert Request.objects.get(pk=need.pk).status == Request.Status.OFFERING
    assert published.received == [("offer_created", {"offer_id": offer.pk})]


def _erased() -> Volunteer:
    volunteer = VolunteerFactory()
    selfservice.erase(volunteer=volunteer)
    return volunteer


NOT_ACTIVE = {
    "pending": lambda: VolunteerFactory(status=Volunteer.Status.PENDING),
    "paused": lambda: VolunteerFactory(status=Volunteer.Status.PAUSED, paused_until=days_ahead(30)),
    "inactive": lambda: VolunteerFactory(status=Volunteer.Status.INACTIVE),
    "erased": _erased,
}


@pytest.mark.parametrize("kind", sorted(NOT_ACTIVE))
def test_it_refuses_to_ask_someone_who_is_not_active(office_a, kind):
    """A paused, unconfirmed, inactive or erased volunteer is not asked (code "not_active")."""
    need = make_request(office=office_a)
    volunteer = NOT_ACTIVE[kind]()

    with pytest.raises(OfferError) as refused:
        offers.offer_by_hand(request=need, volunteer=volunteer)

    assert refused.value.code == "not_active"
    assert not Offer.objects.exists()
    assert Request.objects.get(pk=need.pk).status == Request.Status.OPEN


def test_it_refuses_to_ask_the_same_person_twice(
    office_a, published, django_capture_on_commit_callbacks
):
    """Picking someone who already has the offer answers "offered" and adds nothing."""
    need = make_request(office=office_a)
    volunteer = VolunteerFactory()
    first = offers.offer_by_hand(request=need, volunteer=volunteer)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OfferError) as refused:
        offers.offer_by_hand(request=need, volunteer=volunteer)

    assert refused.value.code == "offered"
    assert list(Offer.objects.values_list("pk", flat=True)) == [first.pk]
    assert published.received == []


@pytest.mark.parametrize(
    "status", [Request.Status.CANCELLED, Request.Status.FILLED, Request.Status.COMPLETED]
)
def test_it_refuses_to_ask_anyone_for_a_closed_request(office_a, status):
    """A cancelled, filled or completed request takes no more offers (code "closed")."""
    need = set_status(make_request(office=office_a), status)

    with pytest.raises(OfferError) as refused:
        offers.offer_by_hand(request=need, volunteer=VolunteerFactory())

    assert refused.value.code == "closed"
    assert not Offer.objects.exists()


def test_it_refuses_to_ask_anyone_once_the_appointment_started(office_a):
    """An appointment under way is too late to offer (code "expired")."""
    need = make_request(office=office_a)

    with pytest.raises(OfferError) as refused:
        offers.offer_by_hand(
            request=need, volunteer=VolunteerFactory(), now=need.starts_at + dt.timedelta(minutes=1)
        )

    assert refused.value.code == "expired"
    assert not Offer.objects.exists()
    assert Request.objects.get(pk=need.pk).status == Request.Status.OPEN
