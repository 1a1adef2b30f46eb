"""A request's life at the domain level: transitions, create, change, cancel, complete.

Calls `requests.lifecycle` directly; the API and pages only translate its answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from requests import lifecycle, offers
from requests.errors import RequestError
from requests.models import Offer, Request, RequestLanguage
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

STATUSES = list(Request.Status.values)
PAIRS = [(source, target) for source in STATUSES for target in STATUSES]


@pytest.fixture
def published() -> Iterator[EventLog]:
    with recording_events() as log:
        yield log


# --- transitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}->{t}" for s, t in PAIRS])
def test_it_moves_a_request_only_along_the_allowed_transitions(office_a, source, target):
    """A status change the table allows happens; any other is refused and changes nothing."""
    need = set_status(make_request(office=office_a), source)
    before = stored(need)

    moved = lifecycle.transition(request=need, to=target)

    assert moved is (target in lifecycle.TRANSITIONS[source])
    if moved:
        assert need.status == target
        assert Request.objects.get(pk=need.pk).status == target
    else:
        assert need.status == source
        assert stored(need) == before


def test_it_keeps_closed_requests_closed_and_lets_a_filled_one_reopen(db):
    """Completed and cancelled are final; a filled request can reopen, an offering one not."""
    assert set(lifecycle.TRANSITIONS) == set(STATUSES)
    assert lifecycle.TRANSITIONS[Request.Status.COMPLETED] == frozenset()
    assert lifecycle.TRANSITIONS[Request.Status.CANCELLED] == frozenset()
    assert Request.Status.OFFERING in lifecycle.TRANSITIONS[Request.Status.FILLED]
    assert Request.Status.OPEN not in lifecycle.TRANSITIONS[Request.Status.OFFERING]
    assert all(Request.Status.OPEN not in targets for targets in lifecycle.TRANSITIONS.values())


def test_it_refuses_a_move_when_another_process_moved_the_request_first(office_a):
    """A stale copy in memory cannot move a request that was cancelled meanwhile."""
    need = make_request(office=office_a)
    Request.objects.filter(pk=need.pk).update(status=Request.Status.CANCELLED)

    assert lifecycle.transition(request=need, to=Request.Status.OFFERING) is False
    assert Request.objects.get(pk=need.pk).status == Request.Status.CANCELLED


def test_it_stores_the_extra_fields_given_with_a_transition(office_a):
    """Moving to filled with `filled_at` stores the moment in the same update."""
    need = make_request(office=office_a)
    moment = timezone.now()

    assert lifecycle.transition(request=need, to=Request.Status.FILLED, filled_at=moment)
    assert Request.objects.get(pk=need.pk).filled_at == moment == need.filled_at


# --- create_request ------------------------------------------------------------------------


def test_it_records_a_request_with_canonical_languages_in_the_order_given(office_a):
    """Staff who type "per, de" get Farsi and German, in that order; duplicates count once."""
    need = make_request(office=office_a, languages=["per", "de", "fa"])

    assert Request.objects.get(pk=need.pk).language_codes == ["fa", "de"]
    assert need.status == Request.Status.OPEN
    assert need.accepted_count == 0


def test_it_derives_the_district_and_point_from_the_postcode(office_a):
    """A request in 44357 is placed in Mengede with the postcode's area point."""
    need = Request.objects.get(pk=make_request(office=office_a, postcode=" 44357 ").pk)

    assert (need.postcode, need.district) == ("44357", "Mengede")
    assert need.lat == pytest.approx(51.5546, abs=1e-3)
    assert need.lon == pytest.approx(7.3657, abs=1e-3)


def test_it_records_a_remote_request_without_a_postcode(office_a):
    """A phone/video appointment needs no place."""
    need = Request.objects.get(pk=make_request(office=office_a, remote=True, postcode="").pk)

    assert need.remote is True
    assert (need.postcode, need.district, need.lat, need.lon) == ("", "", None, None)


def test_it_places_a_postcode_outside_dortmund_in_its_town(office_a):
    """An appointment in Castrop-Rauxel (44575) is stored with its point; the town stands in
    for the district."""
    need = Request.objects.get(pk=make_request(office=office_a, postcode="44575").pk)

    assert (need.postcode, need.district) == ("44575", "Castrop-Rauxel")
    assert need.lat == pytest.approx(51.552, abs=0.01) and need.lon == pytest.approx(
        7.305, abs=0.01
    )


def test_it_accepts_an_appointment_of_exactly_twelve_hours(office_a):
    """Twelve hours is the longest appointment and is allowed."""
    starts_at = at(days_ahead(5), "08:00")
    need = make_request(
        office=office_a, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=12)
    )

    assert Request.objects.filter(pk=need.pk).exists()


def _refused_input(case: str) -> dict[str, Any]:
    starts_at = at(days_ahead(7), "10:00")
    ends_at = starts_at + dt.timedelta(hours=2)
    return {
        "naive start": {"starts_at": starts_at.replace(tzinfo=None), "ends_at": ends_at},
        # Yesterday, so that the end lies on the start's day at any hour the suite runs.
        "start in the past": {
            "starts_at": at(days_ahead(-1), "10:00"),
            "ends_at": at(days_ahead(-1), "11:00"),
        },
        "end before start": {"starts_at": starts_at, "ends_at": starts_at - dt.timedelta(hours=1)},
        "end at start": {"starts_at": starts_at, "ends_at": starts_at},
        "12 hours and a minute": {
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(hours=12, minutes=1),
        },
        "unknown language": {"languages": ["fa", "qqq"]},
        "no language": {"languages": []},
        "no volunteer needed": {"volunteers_needed": 0},
        "21 volunteers": {"volunteers_needed": 21},
        "no postcode and not remote": {"postcode": "", "remote": False},
        "malformed postcode": {"postcode": "4414"},
    }[case]


REFUSALS = [
    ("naive start", "starts_at"),
    ("start in the past", "starts_at"),
    ("end before start", "ends_at"),
    ("end at start", "ends_at"),
    ("12 hours and a minute", "ends_at"),
    ("unknown language", "languages"),
    ("no language", "languages"),
    ("no volunteer needed", "volunteers_needed"),
    ("21 volunteers", "volunteers_needed"),
    ("no postcode and not remote", "postcode"),
    ("malformed postcode", "postcode"),
]


@pytest.mark.parametrize(("case", "field"), REFUSALS, ids=[case for case, _ in REFUSALS])
def test_it_refuses_a_bad_request_naming_the_field_and_stores_nothing(
    office_a, published, django_capture_on_commit_callbacks, case, field
):
    """Each mistake is reported next to the right field; no request and no event result."""
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError) as refused,
    ):
        make_request(office=office_a, **_refused_input(case))

    assert set(refused.value.message_dict) == {field}
    assert all(refused.value.message_dict[field])
    assert Request.objects.count() == 0
    assert RequestLanguage.objects.count() == 0
    assert callbacks == []
    assert published.received == []


def test_it_names_the_unknown_language_in_the_refusal(office_a):
    """Staff see which of the languages they typed is not known."""
    with pytest.raises(ValidationError) as refused:
        make_request(office=office_a, languages=["fa", "qqq"])

    assert "qqq" in refused.value.message_dict["languages"][0]


def test_it_announces_a_new_request_only_after_commit(
    office_a, published, django_capture_on_commit_callbacks
):
    """The workers hear of a request once it is committed, so they never plan for a ghost."""
    with django_capture_on_commit_callbacks(execute=True):
        need = make_request(office=office_a)
        assert published.received == []

    assert published.received == [("request_created", {"request_id": need.pk})]


def test_it_announces_nothing_when_the_transaction_rolls_back(
    office_a, published, django_capture_on_commit_callbacks
):
    """A request whose surrounding transaction fails is neither stored nor announced."""
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_request(office=office_a)
        raise RuntimeError("the staff page failed after creating the request")

    assert callbacks == []
    assert published.received == []
    assert Request.objects.count() == 0


# --- update_request ------------------------------------------------------------------------


def test_it_changes_the_fields_staff_edit(office_a):
    """Time, place, languages, number and note change while nobody has accepted."""
    need = make_request(office=office_a)
    starts_at = at(days_ahead(9), "14:00")

    lifecycle.update_request(
        request=need,
        data={
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(hours=1),
            "postcode": "44357",
            "languages": ["ar", "de"],
            "volunteers_needed": 3,
            "note": "  Bitte am Eingang B warten  ",
            "address": "Westerfilder Straße 54",
        },
    )

    row = Request.objects.get(pk=need.pk)
    assert (row.starts_at, row.ends_at) == (starts_at, starts_at + dt.timedelta(hours=1))
    assert (row.postcode, row.district) == ("44357", "Mengede")
    assert row.language_codes == ["ar", "de"]
    assert row.volunteers_needed == 3
    assert row.note == "Bitte am Eingang B warten"
    assert row.address == "Westerfilder Straße 54"


def test_it_refuses_times_that_break_the_rules_when_editing(office_a):
    """Moving the start into the past is refused like at creation, and nothing changes."""
    need = make_request(office=office_a)
    before = stored(need)

    starts_at = at(days_ahead(-1), "10:00")
    with pytest.raises(ValidationError) as refused:
        lifecycle.update_request(
            request=need,
            data={"starts_at": starts_at, "ends_at": starts_at + dt.timedelta(hours=1)},
        )

    assert set(refused.value.message_dict) == {"starts_at"}
    assert stored(need) == before


BINDING = {
    "starts_at": lambda: at(days_ahead(8), "10:00"),
    "ends_at": lambda: at(days_ahead(7), "11:30"),
    "remote": lambda: True,
    "postcode": lambda: "44357",
    "languages": lambda: ["ar", "de"],
}


@pytest.mark.parametrize("field", sorted(BINDING))
def test_it_refuses_to_change_what_a_volunteer_agreed_to(office_a, field):
    """Once someone accepted, time, place and languages are fixed (code "accepted")."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted_offer(need, VolunteerFactory())
    before = stored(need)

    with pytest.raises(RequestError) as refused:
        lifecycle.update_request(request=need, data={field: BINDING[field]()})

    assert refused.value.code == "accepted"
    assert stored(need) == before
    assert Request.objects.get(pk=need.pk).language_codes == ["fa", "de"]


def test_it_still_changes_the_note_after_someone_accepted(office_a):
    """A note or address detail can still be corrected after an acceptance."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted_offer(need, VolunteerFactory())

    lifecycle.update_request(request=need, data={"note": "Raum 3.12"})

    assert Request.objects.get(pk=need.pk).note == "Raum 3.12"


def test_it_refuses_fewer_places_than_volunteers_already_accepted(office_a):
    """With two volunteers accepted, staff cannot lower the number needed to one."""
    need = make_request(office=office_a, volunteers_needed=3)
    accepted_offer(need, VolunteerFactory())
    accepted_offer(need, VolunteerFactory())
    before = stored(need)

    with pytest.raises(ValidationError) as refused:
        lifecycle.update_request(request=need, data={"volunteers_needed": 1})

    assert set(refused.value.message_dict) == {"volunteers_needed"}
    assert stored(need) == before


def test_it_reopens_a_filled_request_when_more_volunteers_are_needed(office_a):
    """Asking for a second volunteer on a filled request makes it look for one again."""
    need = make_request(office=office_a)
    accepted_offer(need, VolunteerFactory())
    assert Request.objects.get(pk=need.pk).status == Request.Status.FILLED

    lifecycle.update_request(request=need, data={"volunteers_needed": 2})

    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.volunteers_needed, row.accepted_count) == ("offering", 2, 1)


def test_it_forgets_when_a_reopened_request_was_filled(office_a):
    """A request reopened by asking for more volunteers no longer counts as filled."""
    need = make_request(office=office_a)
    accepted_offer(need, VolunteerFactory())

    lifecycle.update_request(request=need, data={"volunteers_needed": 2})

    assert Request.objects.get(pk=need.pk).filled_at is None


def test_it_fills_a_request_when_the_places_are_lowered_to_those_taken(office_a):
    """With one of two places taken, lowering the need to one makes the request filled."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted_offer(need, VolunteerFactory())
    moment = timezone.now()

    lifecycle.update_request(request=need, data={"volunteers_needed": 1}, now=moment)

    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.filled_at) == (Request.Status.FILLED, moment)


def test_it_withdraws_open_offers_when_lowering_the_places_fills_the_request(
    office_a, published, django_capture_on_commit_callbacks
):
    """Volunteers still holding an offer are told it is no longer needed once it is filled."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted_offer(need, VolunteerFactory())
    waiting = sent_offer(need, VolunteerFactory())

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.update_request(request=need, data={"volunteers_needed": 1})

    assert Offer.objects.get(pk=waiting.pk).status == Offer.Status.WITHDRAWN
    assert published.of("request_filled") == [{"request_id": need.pk}]
    assert published.of("offers_withdrawn") == [{"offer_ids": [waiting.pk]}]


def test_it_lets_links_expire_at_the_new_start_when_the_appointment_moves_earlier(office_a):
    """After the office moves the appointment forward, a late click cannot take a started task."""
    need = make_request(office=office_a, starts_at=at(days_ahead(7), "10:00"))
    offer, _raw = linked_offer(need, VolunteerFactory())
    new_start = at(days_ahead(2), "10:00")
    lifecycle.update_request(
        request=need, data={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=1)}
    )
    offer.refresh_from_db()

    assert offers.state(offer=offer, now=new_start + dt.timedelta(minutes=30)) == "expired"


def test_it_keeps_links_open_until_the_new_start_when_the_appointment_moves_later(office_a):
    """After the office moves the appointment back, the emailed link works until it starts."""
    need = make_request(office=office_a, starts_at=at(days_ahead(3), "10:00"))
    offer, _raw = linked_offer(need, VolunteerFactory())
    new_start = at(days_ahead(9), "10:00")
    lifecycle.update_request(
        request=need, data={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=1)}
    )
    offer.refresh_from_db()

    assert offers.state(offer=offer, now=at(days_ahead(5), "10:00")) == "open"


@pytest.mark.parametrize("status", [Request.Status.CANCELLED, Request.Status.COMPLETED])
def test_it_refuses_changes_to_a_closed_request(office_a, status):
    """A cancelled or completed request cannot be edited (code "closed")."""
    need = set_status(make_request(office=office_a), status)
    before = stored(need)

    with pytest.raises(RequestError) as refused:
        lifecycle.update_request(request=need, data={"note": "zu spät"})

    assert refused.value.code == "closed"
    assert stored(need) == before


# --- cancel_request ------------------------------------------------------------------------


def test_it_cancels_withdrawing_open_offers_and_naming_the_accepted_ones(
    office_a, published, django_capture_on_commit_callbacks
):
    """On cancel, waiting offers are withdrawn and the accepted volunteers are to be told."""
    need = make_request(office=office_a, volunteers_needed=3)
    accepted = accepted_offer(need, VolunteerFactory())
    waiting = sent_offer(need, VolunteerFactory())
    planned = queued_offer(need, VolunteerFactory())
    moment = timezone.now()
    published.clear()

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.cancel_request(request=need, now=moment)

    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.closed_at) == (Request.Status.CANCELLED, moment)
    assert Offer.objects.get(pk=accepted.pk).status == Offer.Status.ACCEPTED
    for offer in (waiting, planned):
        assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN
    assert published.received == [
        ("request_cancelled", {"request_id": need.pk, "offer_ids": [accepted.pk]}),
        ("offers_withdrawn", {"offer_ids": [waiting.pk, planned.pk]}),
    ]


def test_it_refuses_to_cancel_twice(office_a, published, django_capture_on_commit_callbacks):
    """Cancelling a cancelled request is refused and announces nothing again."""
    need = make_request(office=office_a)
    lifecycle.cancel_request(request=need)
    before = stored(need)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RequestError) as refused,
    ):
        lifecycle.cancel_request(request=need)

    assert refused.value.code == "closed"
    assert stored(need) == before
    assert published.received == []


# --- complete_request ----------------------------------------------------------------------


def _started(need: Request) -> Request:
    """Move the appointment into the past (as time passing would), keeping its length."""
    starts_at = timezone.now() - dt.timedelta(hours=3)
    Request.objects.filter(pk=need.pk).update(
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
    )
    need.refresh_from_db()
    return need


def _filled_and_started(office: Any, needed: int = 1) -> tuple[Request, list[Offer]]:
    need = make_request(office=office, volunteers_needed=needed)
    taken = [accepted_offer(need, VolunteerFactory()) for _ in range(needed)]
    return _started(need), taken


def test_it_completes_a_filled_started_request_with_the_hours_worked(office_a):
    """Staff record each volunteer's hours (0 for a no-show); the request is then completed."""
    need, (first, second) = _filled_and_started(office_a, needed=2)
    moment = timezone.now()

    lifecycle.complete_request(
        request=need,
        hours={first.volunteer_id: Decimal("2.5"), second.volunteer_id: Decimal(0)},
        now=moment,
    )

    row = Request.objects.get(pk=need.pk)
    assert (row.status, row.closed_at) == (Request.Status.COMPLETED, moment)
    assert Offer.objects.get(pk=first.pk).hours == Decimal("2.50")
    assert Offer.objects.get(pk=second.pk).hours == Decimal("0.00")


@pytest.mark.parametrize("status", [Request.Status.OPEN, Request.Status.OFFERING, "unfilled"])
def test_it_completes_only_filled_requests(office_a, status):
    """A request nobody (or not everybody) took cannot be marked done (code "not_filled")."""
    need = set_status(_started(make_request(office=office_a)), status)
    before = stored(need)

    with pytest.raises(RequestError) as refused:
        lifecycle.complete_request(request=need, hours={})

    assert refused.value.code == "not_filled"
    assert stored(need) == before


def test_it_completes_only_after_the_appointment_started(office_a):
    """A filled request in the future cannot be marked done yet (code "not_started")."""
    need = make_request(office=office_a)
    offer = accepted_offer(need, VolunteerFactory())
    before = stored(need)

    with pytest.raises(RequestError) as refused:
        lifecycle.complete_request(request=need, hours={offer.volunteer_id: Decimal(2)})

    assert refused.value.code == "not_started"
    assert stored(need) == before
    assert Offer.objects.get(pk=offer.pk).hours is None


def _hours_case(case: str, first: int, second: int) -> dict[int, Any]:
    return {
        "one missing": {first: Decimal(2)},
        "someone who did not accept": {first: Decimal(2), second: Decimal(2), 999_999: 1},
        "negative": {first: Decimal(-1), second: Decimal(2)},
        "more than a day": {first: Decimal("24.01"), second: Decimal(2)},
    }[case]


@pytest.mark.parametrize(
    "case", ["one missing", "someone who did not accept", "negative", "more than a day"]
)
def test_it_refuses_hours_that_do_not_add_up_and_changes_nothing(office_a, case):
    """Hours are needed for each accepted volunteer, for nobody else, between 0 and 24."""
    need, (first, second) = _filled_and_started(office_a, needed=2)
    before = stored(need)

    with pytest.raises(ValidationError) as refused:
        lifecycle.complete_request(
            request=need, hours=_hours_case(case, first.volunteer_id, second.volunteer_id)
        )

    assert set(refused.value.message_dict) == {"hours"}
    assert stored(need) == before
    assert list(Offer.objects.filter(request=need).values_list("hours", flat=True)) == [None, None]


def test_it_accepts_a_full_day_as_the_most_hours(office_a):
    """24 hours is the upper bound and is allowed."""
    need, (offer,) = _filled_and_started(office_a)

    lifecycle.complete_request(request=need, hours={offer.volunteer_id: Decimal(24)})

    assert Offer.objects.get(pk=offer.pk).hours == Decimal(24)


def test_it_refuses_every_change_to_a_completed_request(office_a):
    """A completed request stays as it is: no cancel, no edit, no second completion."""
    need, (offer,) = _filled_and_started(office_a)
    lifecycle.complete_request(request=need, hours={offer.volunteer_id: Decimal(2)})
    before = stored(need)

    for attempt in (
        lambda: lifecycle.cancel_request(request=need),
        lambda: lifecycle.update_request(request=need, data={"note": "x"}),
        lambda: lifecycle.complete_request(request=need, hours={offer.volunteer_id: Decimal(3)}),
        lambda: lifecycle.request_next_wave(request=need),
    ):
        with pytest.raises(RequestError):
            attempt()
    assert not any(lifecycle.transition(request=need, to=status) for status in STATUSES)
    assert stored(need) == before
    assert Offer.objects.get(pk=offer.pk).hours == Decimal(2)
