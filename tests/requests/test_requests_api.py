"""The staff API for requests and offers: record, list, change, cancel, complete, offer by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from requests import lifecycle
from requests.models import Offer, Request
from tests.factories.requests import (
    accepted_offer,
    at,
    days_ahead,
    make_request,
    recording_events,
    sent_by_hand,
    started_and_filled,
)
from tests.factories.volunteers import VolunteerFactory, farsi_mediator

URL = "/api/requests/"


def detail(need: Request, action: str = "") -> str:
    return f"{URL}{need.pk}/{action + '/' if action else ''}"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def published():
    with recording_events() as seen:
        yield seen.received


def new_request_body(office_id: int | None, **changes) -> dict:
    body = {
        "office": office_id,
        "skill": "interpreting",
        "languages": ["per", "de"],
        "starts_at": at(days_ahead(7), "10:00").isoformat(),
        "ends_at": at(days_ahead(7), "11:30").isoformat(),
        "postcode": "44147",
        "note": "Termin beim Jobcenter, Unterlagen mitbringen",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


# --- Recording a request --------------------------------------------------------------------


def test_it_records_a_request_with_canonical_languages(
    api_a, staff_a, office_a, published, django_capture_on_commit_callbacks
):
    """POST answers 201 with the whole request; "per" is stored as "fa", the place derived."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(URL, new_request_body(office_a.pk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Request.objects.get(pk=body["id"])
    assert stored.language_codes == ["fa", "de"]
    assert stored.office == office_a
    assert stored.created_by == staff_a.user
    assert stored.district == "Innenstadt-Nord"
    assert body["status"] == "open"
    assert body["languages"] == [
        {"code": "fa", "name": "Persisch"},
        {"code": "de", "name": "Deutsch"},
    ]
    assert body["created_by"] == staff_a.user.username
    assert body["office_name"] == office_a.name
    assert body["skill"] == "interpreting"
    assert body["volunteers_needed"] == 1
    assert body["auto_offer"] is True


def test_it_announces_a_new_request_only_after_commit(
    api_a, office_a, published, django_capture_on_commit_callbacks
):
    """The workers hear of the new request once it is stored, never for a rolled-back one."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(URL, new_request_body(office_a.pk), format="json")
        assert published == []
    assert published == [("request_created", {"request_id": response.json()["id"]})]


def test_it_records_a_phone_request_without_a_postcode(api_a, office_a):
    """remote: true needs no postcode; the request has no district then."""
    body = new_request_body(office_a.pk, postcode=None, remote=True)
    response = api_a.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["remote"] is True
    assert response.json()["postcode"] == ""


def test_it_takes_the_only_office_of_staff_who_leave_it_out(api_a, office_a):
    """Staff of one office need not name it: the request is their office's."""
    response = api_a.post(URL, new_request_body(None), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["office"] == office_a.pk


def test_it_lets_a_coordinator_record_for_any_office(api_coordinator, office_b):
    """A coordinator names the office and may choose any of them."""
    response = api_coordinator.post(URL, new_request_body(office_b.pk), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["office"] == office_b.pk


def test_it_answers_times_in_berlin_time_with_offset(api_a, office_a):
    """A time sent in UTC comes back as the same instant in Berlin time, with its offset."""
    starts = at(days_ahead(7), "10:00")
    body = new_request_body(
        office_a.pk,
        starts_at=starts.astimezone(dt.UTC).isoformat(),
        ends_at=(starts + dt.timedelta(hours=1)).astimezone(dt.UTC).isoformat(),
    )
    answered = api_a.post(URL, body, format="json").json()["starts_at"]
    parsed = dt.datetime.fromisoformat(answered)
    assert parsed == starts
    assert parsed.utcoffset() == starts.utcoffset()
    assert answered.startswith(starts.strftime("%Y-%m-%dT10:00:00"))


# --- Listing --------------------------------------------------------------------------------


def test_it_lists_requests_soonest_first(api_a, office_a):
    """The list is ordered by start, whatever the order they were recorded in."""
    later = make_request(office=office_a, starts_at=at(days_ahead(9), "10:00"))
    sooner = make_request(office=office_a, starts_at=at(days_ahead(2), "10:00"))
    assert ids(api_a.get(URL)) == [sooner.pk, later.pk]


def test_it_filters_by_status_given_repeated_or_comma_separated(api_a, office_a):
    """`status` takes one or more statuses, as `?status=a&status=b` or `?status=a,b`."""
    still_open = make_request(office=office_a, starts_at=at(days_ahead(1), "10:00"))
    offering = make_request(office=office_a, starts_at=at(days_ahead(2), "10:00"))
    sent_by_hand(offering, VolunteerFactory())
    cancelled = lifecycle.cancel_request(
        request=make_request(office=office_a, starts_at=at(days_ahead(3), "10:00"))
    )
    assert ids(api_a.get(URL, {"status": "open"})) == [still_open.pk]
    assert ids(api_a.get(f"{URL}?status=open&status=cancelled")) == [still_open.pk, cancelled.pk]
    assert ids(api_a.get(URL, {"status": "offering,cancelled"})) == [offering.pk, cancelled.pk]
    response = api_a.get(URL, {"status": "open,sleeping"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_it_filters_by_skill(api_a, office_a):
    """`skill` keeps the requests asking for that catalogue skill; an unknown code is a 400."""
    interpreting = make_request(office=office_a)
    letters = make_request(office=office_a, skill_code="letters")
    assert ids(api_a.get(URL, {"skill": "interpreting"})) == [interpreting.pk]
    assert ids(api_a.get(URL, {"skill": "letters"})) == [letters.pk]
    assert api_a.get(URL, {"skill": "juggling"}).status_code == 400


def test_it_filters_by_any_spelling_of_a_language(api_a, office_a):
    """`language=per` finds requests needing Farsi, each once, and not the Arabic one."""
    farsi = make_request(
        office=office_a, languages=["fa", "de"], starts_at=at(days_ahead(1), "10:00")
    )
    arabic = make_request(
        office=office_a, languages=["ar", "de"], starts_at=at(days_ahead(2), "10:00")
    )
    assert ids(api_a.get(URL, {"language": "per"})) == [farsi.pk]
    assert ids(api_a.get(URL, {"language": "ar"})) == [arabic.pk]
    assert ids(api_a.get(URL, {"language": "de"})) == [farsi.pk, arabic.pk]
    response = api_a.get(URL, {"language": "xx"})
    assert response.status_code == 400
    assert list(response.json()) == ["language"]


def test_it_filters_by_start_between_two_instants(api_a, office_a):
    """`starts_after` includes its instant, `starts_before` excludes it; both need an offset."""
    monday = make_request(office=office_a, starts_at=at(days_ahead(3), "10:00"))
    tuesday = make_request(office=office_a, starts_at=at(days_ahead(4), "10:00"))
    after = {"starts_after": at(days_ahead(3), "10:00").isoformat()}
    before = {"starts_before": at(days_ahead(4), "10:00").isoformat()}
    assert ids(api_a.get(URL, after)) == [monday.pk, tuesday.pk]
    assert ids(api_a.get(URL, before)) == [monday.pk]
    assert ids(api_a.get(URL, {**after, **before})) == [monday.pk]
    naive = api_a.get(
        URL, {"starts_after": at(days_ahead(3), "10:00").replace(tzinfo=None).isoformat()}
    )
    assert naive.status_code == 400
    assert list(naive.json()) == ["starts_after"]


def test_it_filters_by_office_for_a_coordinator(api_coordinator, office_a, office_b):
    """A coordinator narrows the list to one office with `office`."""
    in_a = make_request(office=office_a)
    in_b = make_request(office=office_b)
    assert ids(api_coordinator.get(URL, {"office": office_a.pk})) == [in_a.pk]
    assert ids(api_coordinator.get(URL, {"office": office_b.pk})) == [in_b.pk]


@pytest.mark.parametrize("count", [5, 30])
def test_it_lists_a_page_in_a_fixed_number_of_queries(
    api_a, staff_a, office_a, django_assert_max_num_queries, count
):
    """The list costs the same few queries for 5 or 30 requests: no query per row."""
    for n in range(count):
        make_request(
            office=office_a,
            created_by=staff_a.user,
            starts_at=at(days_ahead(1 + n % 20), f"{8 + n % 8:02}:00"),
        )
    with django_assert_max_num_queries(5):
        response = api_a.get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == count
    assert rows[0]["languages"][0]["code"] == "fa"
    assert rows[0]["created_by"] == staff_a.user.username


# --- Reading and changing one request ------------------------------------------------------


def test_it_shows_one_request_with_every_field(api_a, office_a):
    """The detail carries everything staff need, with the office and skill named."""
    need = make_request(office=office_a, note="Bitte pünktlich")
    body = api_a.get(detail(need)).json()
    assert set(body) == {
        "id",
        "office",
        "office_name",
        "created_by",
        "skill",
        "skill_name",
        "kind",
        "kind_name",
        "connection",
        "languages",
        "starts_at",
        "ends_at",
        "remote",
        "postcode",
        "district",
        "address",
        "volunteers_needed",
        "accepted_count",
        "gender_preference",
        "certificate_required",
        "note",
        "auto_offer",
        "status",
        "min_level",
        "exact_only",
        "offer_problem",
        "created_at",
        "filled_at",
        "closed_at",
    }
    assert body["created_by"] is None
    assert body["skill_name"] == "Sprachmittlung"
    english = api_a.get(detail(need), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["skill_name"] == "Interpreting"
    assert english["languages"][0] == {"code": "fa", "name": "Persian"}
    assert body["note"] == "Bitte pünktlich"
    assert dt.datetime.fromisoformat(body["starts_at"]) == need.starts_at


def test_it_changes_the_fields_given(api_a, office_a):
    """PATCH changes note, places and languages; other fields stay as they were."""
    need = make_request(office=office_a, note="alt")
    response = api_a.patch(
        detail(need),
        {"note": "neu", "volunteers_needed": 2, "languages": ["ar", "de"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["note"] == "neu"
    need.refresh_from_db()
    assert (need.note, need.volunteers_needed, need.language_codes) == ("neu", 2, ["ar", "de"])
    assert need.postcode == "44147"
    assert need.auto_offer is True


def test_it_moves_a_request_to_a_new_time(api_a, office_a):
    """Before anyone accepted, staff may move the appointment."""
    need = make_request(office=office_a)
    starts = at(days_ahead(8), "14:00")
    response = api_a.patch(
        detail(need),
        {"starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    need.refresh_from_db()
    assert need.starts_at == starts


def test_it_refuses_to_move_a_request_someone_accepted(api_a, office_a):
    """Once a volunteer accepted, the time is fixed: 409 with code "accepted", nothing changes."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted_offer(need, VolunteerFactory(), by_hand=True)
    starts = need.starts_at
    response = api_a.patch(
        detail(need),
        {"starts_at": (starts + dt.timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "accepted"
    need.refresh_from_db()
    assert need.starts_at == starts


def test_it_refuses_to_change_a_closed_request(api_a, office_a):
    """A cancelled request stays as it was: PATCH answers 409 "closed"."""
    need = lifecycle.cancel_request(request=make_request(office=office_a, note="alt"))
    response = api_a.patch(detail(need), {"note": "neu"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "closed"
    need.refresh_from_db()
    assert need.note == "alt"


def test_it_refuses_fields_that_cannot_change(api_a, office_a):
    """PATCH of status or office is a 400 naming the field, not a silent 200; nothing changes."""
    need = make_request(office=office_a)
    response = api_a.patch(detail(need), {"status": "completed", "note": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    need.refresh_from_db()
    assert (need.status, need.note) == ("open", "")


def test_it_refuses_a_naive_time_in_a_change(api_a, office_a):
    """A new start without an offset is a 400 under starts_at."""
    need = make_request(office=office_a)
    naive = at(days_ahead(8), "10:00").replace(tzinfo=None).isoformat()
    response = api_a.patch(detail(need), {"starts_at": naive}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["starts_at"]


# --- Cancelling -----------------------------------------------------------------------------


def test_it_cancels_withdrawing_open_offers_and_telling_who_accepted(
    api_a, office_a, published, django_capture_on_commit_callbacks
):
    """Cancel: open offers are withdrawn; the event names the accepted offers to notify."""
    need = make_request(office=office_a, volunteers_needed=2)
    accepted = accepted_offer(need, VolunteerFactory(), by_hand=True)
    waiting, _token = sent_by_hand(need, VolunteerFactory())
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(detail(need, "cancel"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["closed_at"] is not None
    waiting.refresh_from_db()
    assert waiting.status == Offer.Status.WITHDRAWN
    assert ("request_cancelled", {"request_id": need.pk, "offer_ids": [accepted.pk]}) in published
    assert ("offers_withdrawn", {"offer_ids": [waiting.pk]}) in published


def test_it_refuses_to_cancel_twice(api_a, office_a):
    """A cancelled request cannot be cancelled again: 409 "closed"."""
    need = make_request(office=office_a)
    assert api_a.post(detail(need, "cancel")).status_code == 200
    response = api_a.post(detail(need, "cancel"))
    assert response.status_code == 409
    assert response.json()["code"] == "closed"


# --- Completing -----------------------------------------------------------------------------


@pytest.fixture
def started(office_a):
    """Office A's request that began an hour ago, with one volunteer who accepted."""
    need, offer = started_and_filled(office_a)
    assert need.status == Request.Status.FILLED
    return need, offer


def test_it_completes_a_request_with_the_hours_worked(api_a, started):
    """complete stores each volunteer's hours and closes the request as completed."""
    need, offer = started
    body = {"hours": [{"volunteer": offer.volunteer_id, "hours": 2.5}]}
    response = api_a.post(detail(need, "complete"), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    offer.refresh_from_db()
    assert offer.hours == Decimal("2.5")
    listed = api_a.get(detail(need, "offers")).json()
    assert listed[0]["hours"] == 2.5


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"hours": []},
        {"hours": [{"volunteer": 999_999, "hours": 1}]},
        {"hours": "two"},
    ],
    ids=["no-hours", "empty", "someone-else", "not-a-list"],
)
def test_it_refuses_to_complete_without_everyones_hours(api_a, started, body):
    """Missing or wrong hours are a 400 under `hours`; the request stays filled."""
    need, offer = started
    response = api_a.post(detail(need, "complete"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["hours"]
    need.refresh_from_db()
    offer.refresh_from_db()
    assert (need.status, offer.hours) == (Request.Status.FILLED, None)


@pytest.mark.parametrize("hours", [-1, 25, 2.555])
def test_it_refuses_impossible_hours(api_a, started, hours):
    """Hours outside 0–24 or with more than two decimals are a 400 under `hours`."""
    need, offer = started
    body = {"hours": [{"volunteer": offer.volunteer_id, "hours": hours}]}
    response = api_a.post(detail(need, "complete"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["hours"]
    need.refresh_from_db()
    assert need.status == Request.Status.FILLED


def test_it_refuses_to_complete_before_the_appointment(api_a, office_a):
    """A filled request that has not started yet cannot be completed: 409 "not_started"."""
    need = make_request(office=office_a)
    offer = accepted_offer(need, VolunteerFactory(), by_hand=True)
    body = {"hours": [{"volunteer": offer.volunteer_id, "hours": 1}]}
    response = api_a.post(detail(need, "complete"), body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_started"
    need.refresh_from_db()
    assert need.status == Request.Status.FILLED


# --- Offers ---------------------------------------------------------------------------------


def test_it_offers_a_request_to_someone_by_hand(
    api_a, office_a, published, django_capture_on_commit_callbacks
):
    """POST offers/ answers 201 with a wave-0 offer; the workers are told to send it."""
    need = make_request(office=office_a)
    volunteer = farsi_mediator(name="Leyla")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(detail(need, "offers"), {"volunteer": volunteer.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["volunteer"] == {"id": volunteer.pk, "name": "Leyla"}
    assert (body["wave"], body["status"]) == (0, "queued")
    assert ("offer_created", {"offer_id": body["id"]}) in published
    need.refresh_from_db()
    assert need.status == Request.Status.OFFERING


def test_it_refuses_to_ask_the_same_person_twice(api_a, office_a):
    """A second offer to the same person is a 409 "offered"; there is still one offer."""
    need = make_request(office=office_a)
    volunteer = farsi_mediator()
    assert api_a.post(detail(need, "offers"), {"volunteer": volunteer.pk}).status_code == 201
    response = api_a.post(detail(need, "offers"), {"volunteer": volunteer.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "offered"
    assert Offer.objects.filter(request=need).count() == 1


def test_it_refuses_an_unknown_or_erased_volunteer(api_a, office_a):
    """An id nobody has, or an erased person's, is a 400 under `volunteer`; no offer is made."""
    need = make_request(office=office_a)
    erased = VolunteerFactory(name="", email=None, erased_at=at(days_ahead(-1), "10:00"))
    for volunteer_id in (999_999, erased.pk):
        response = api_a.post(detail(need, "offers"), {"volunteer": volunteer_id}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["volunteer"]
    assert not Offer.objects.filter(request=need).exists()


def test_it_refuses_to_ask_a_paused_volunteer(api_a, office_a):
    """Someone who is not active cannot be asked: 409 "not_active"."""
    need = make_request(office=office_a)
    paused = farsi_mediator(status="paused")
    response = api_a.post(detail(need, "offers"), {"volunteer": paused.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_active"


def test_it_lists_the_offers_by_wave(api_a, office_a):
    """offers/ lists every offer with the person, wave and answer, hand-picked ones first."""
    need = make_request(office=office_a, volunteers_needed=2)
    first, _ = sent_by_hand(need, VolunteerFactory(name="Amir"))
    Offer.objects.filter(pk=first.pk).update(wave=1)
    second, _ = sent_by_hand(need, VolunteerFactory(name="Zora"))
    response = api_a.get(detail(need, "offers"))
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [second.pk, first.pk]
    assert rows[1]["volunteer"]["name"] == "Amir"
    assert set(rows[0]) == {
        "id",
        "volunteer",
        "wave",
        "status",
        "sent_at",
        "responded_at",
        "decline_reason",
        "hours",
        "outcome",
    }
    assert rows[0]["status"] == "sent"
    assert rows[0]["outcome"] is None  # until the appointment is over


# --- Waves ----------------------------------------------------------------------------------


def test_it_asks_the_workers_for_the_next_wave(
    api_a, office_a, published, django_capture_on_commit_callbacks
):
    """POST waves/ answers 202 and tells the workers to send the next wave."""
    need = make_request(office=office_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(detail(need, "waves"))
    assert response.status_code == 202
    assert response.json()["detail"]
    assert published == [("waves_requested", {"request_id": need.pk})]


def test_it_sends_no_wave_for_a_cancelled_request(
    api_a, office_a, published, django_capture_on_commit_callbacks
):
    """A cancelled request takes no more offers: 409 "closed", no wave is asked for."""
    need = lifecycle.cancel_request(request=make_request(office=office_a))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(detail(need, "waves"))
    assert response.status_code == 409
    assert response.json()["code"] == "closed"
    assert published == []


# --- Admin ----------------------------------------------------------------------------------


def test_it_shows_requests_to_coordinators_in_the_admin(admin_client, office_a):
    """The admin lists requests (searchable by id) and shows one with languages and offers."""
    need = make_request(office=office_a, note="Termin Ausländerbehörde")
    sent_by_hand(need, VolunteerFactory(name="Leyla"))
    listing = admin_client.get("/admin/requests/request/", {"q": str(need.pk)})
    assert listing.status_code == 200
    assert "fa, de" in listing.content.decode()
    assert admin_client.get("/admin/requests/request/", {"q": "Ausländer"}).status_code == 200
    page = admin_client.get(f"/admin/requests/request/{need.pk}/change/")
    assert page.status_code == 200
    assert "Leyla" in page.content.decode()
    assert admin_client.get("/admin/requests/offer/").status_code == 200
    assert admin_client.get("/admin/requests/request/add/").status_code == 403
