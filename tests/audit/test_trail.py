"""The audit trail: each kind of event writes its entry, office staff see only their own
office's entries, the database refuses to change one, erasure pseudonymises, retention deletes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.test import Client
from django.utils import timezone

from requests import offers
from tests.factories.requests import PASSWORD, StaffMemberFactory, make_request, sent_by_hand
from tests.factories.volunteers import VolunteerFactory, farsi_mediator
from tests.web.helpers import signed_in
from volunteers import audit, selfservice, tokens
from volunteers.audit import AuditEntry, Event, Kind
from volunteers.models import PersonalToken

pytestmark = pytest.mark.django_db


def events(**filters) -> list[str]:
    return list(AuditEntry.objects.filter(**filters).order_by("pk").values_list("event", flat=True))


def test_it_records_a_staff_member_opening_a_profile_with_office_and_page(staff_a, office_a):
    """Opening a volunteer's profile writes a read entry naming the staff member and office."""
    neda = farsi_mediator()
    response = signed_in(staff_a).get(f"/directory/{neda.pk}/")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(event=Event.PROFILE_VIEWED)
    assert (entry.kind, entry.channel, entry.volunteer_id) == (Kind.READ, "page", neda.pk)
    assert entry.actor_name == staff_a.user.username
    assert (entry.office_id, entry.office_name) == (office_a.pk, office_a.name)


def test_it_records_a_directory_search_with_its_terms(staff_a):
    signed_in(staff_a).get("/directory/", {"language": "fa"})
    entry = AuditEntry.objects.get(event=Event.DIRECTORY_SEARCHED)
    assert entry.detail == "language=fa" and entry.actor_name == staff_a.user.username


def test_it_records_api_reads_of_volunteers_one_entry_per_person(api_a, staff_a):
    """A list read writes one entry per volunteer returned; a detail read one; channel API."""
    first, second = VolunteerFactory(), VolunteerFactory()
    api_a.get("/api/volunteers/")
    api_a.get(f"/api/volunteers/{first.pk}/")
    assert sorted(
        AuditEntry.objects.filter(event=Event.VOLUNTEERS_LISTED).values_list(
            "volunteer_id", flat=True
        )
    ) == sorted([first.pk, second.pk])
    detail = AuditEntry.objects.get(event=Event.VOLUNTEER_READ)
    assert (detail.volunteer_id, detail.channel) == (first.pk, "api")


def test_it_records_changes_with_the_fields_and_masks_personal_values(api_a):
    """A staff change through the API is a change entry with the fields, values masked."""
    volunteer = VolunteerFactory(name="Amina Yusuf")
    response = api_a.patch(
        f"/api/volunteers/{volunteer.pk}/",
        {"max_distance_km": 7, "name": "Amina Y."},
        format="json",
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(kind=Kind.CHANGE, volunteer_id=volunteer.pk).latest("pk")
    assert entry.event == Event.CHANGED and entry.channel == "api"
    assert entry.changes["max_distance_km"] == [10, 7]
    assert entry.changes["name"] == [audit.MASK, audit.MASK]
    assert "Amina" not in str(list(AuditEntry.objects.values()))


def test_it_records_request_and_offer_changes_under_the_office(office_a):
    need = make_request(office=office_a, note="bring the Aufenthaltstitel")
    entry = AuditEntry.objects.get(
        kind=Kind.CHANGE, request_id=need.pk, event=Event.CREATED, content_type__model="request"
    )
    assert entry.office_id == office_a.pk
    assert entry.changes["note"][1] == audit.MASK


def test_it_records_the_volunteers_answers_through_the_email_link(office_a):
    """Accepting by the emailed link is a volunteer entry on channel email_link."""
    need = make_request(office=office_a)
    volunteer = farsi_mediator()
    offer, raw = sent_by_hand(need, volunteer)
    response = Client().post(f"/offers/{raw}/", {"action": "accept"})
    assert response.status_code in (200, 303)
    entry = AuditEntry.objects.get(event=Event.OFFER_ACCEPTED)
    assert (entry.kind, entry.channel, entry.volunteer_id) == (
        Kind.VOLUNTEER,
        "email_link",
        volunteer.pk,
    )
    assert (entry.request_id, entry.office_id) == (need.pk, office_a.pk)
    assert offers.release(offer=offer)
    other, _raw = sent_by_hand(make_request(office=office_a), volunteer)
    offers.decline(offer=other, reason="no_time")
    assert {Event.OFFER_RELEASED, Event.OFFER_DECLINED} <= set(events(volunteer_id=volunteer.pk))
    assert AuditEntry.objects.get(event=Event.OFFER_RELEASED).channel == "system"


def test_it_records_pause_export_and_consent():
    volunteer = VolunteerFactory()
    selfservice.pause(volunteer=volunteer, until=timezone.localdate() + dt.timedelta(days=3))
    selfservice.resume(volunteer=volunteer)
    selfservice.export_data(volunteer=volunteer)
    assert {Event.PAUSED, Event.RESUMED, Event.DATA_EXPORTED} <= set(
        events(volunteer_id=volunteer.pk, kind=Kind.VOLUNTEER)
    )


def test_it_records_consent_at_registration(api_anonymous):
    """Registering records the consent with its text version and language."""
    from tests.volunteers.test_registration import payload

    response = api_anonymous.post("/api/volunteers/", payload(), format="json")
    assert response.status_code in (201, 202), response.content
    consent = AuditEntry.objects.get(event=Event.CONSENTED)
    assert consent.kind == Kind.VOLUNTEER and consent.channel == "api"
    assert consent.detail.endswith(("(de)", "(en)"))


def test_it_records_personal_link_creation_and_use_of_an_expired_one():
    volunteer = VolunteerFactory()
    raw = tokens.issue(volunteer=volunteer, purpose=PersonalToken.Purpose.MANAGE)
    assert events(volunteer_id=volunteer.pk, kind=Kind.SECURITY) == [Event.TOKEN_CREATED]
    PersonalToken.objects.filter(volunteer=volunteer).update(expires_at=timezone.now())
    response = Client().get(f"/volunteer/{raw}/")
    assert response.status_code == 410
    expired = AuditEntry.objects.get(event=Event.TOKEN_EXPIRED)
    assert (expired.volunteer_id, expired.channel) == (volunteer.pk, "email_link")


def test_it_records_logins_failed_logins_and_lockouts(settings, staff_a):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    username = staff_a.user.username
    client.post("/login/", {"username": username, "password": PASSWORD})
    assert events(kind=Kind.SECURITY) == [Event.LOGGED_IN]
    other = Client()
    for _ in range(3):
        other.post("/login/", {"username": "nobody-" + username, "password": "wrong"})
    recorded = events(kind=Kind.SECURITY)
    assert Event.LOGIN_FAILED in recorded and Event.LOCKED_OUT in recorded
    failed = AuditEntry.objects.filter(event=Event.LOGIN_FAILED).latest("pk")
    assert failed.actor_name == "nobody-" + username and "wrong" not in str(failed.__dict__)


def test_it_records_an_api_token_login(api_anonymous, staff_a):
    response = api_anonymous.post(
        "/api/auth/token/",
        {"username": staff_a.user.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(event=Event.LOGGED_IN)
    assert (entry.actor_name, entry.channel) == (staff_a.user.username, "api")


# --- Who sees what ------------------------------------------------------------------------------


def test_office_staff_see_only_their_own_offices_entries(staff_a, staff_b, office_a, office_b):
    """Staff of office B see B's request entries, never A's, nor who read which profile."""
    mine = make_request(office=office_b)
    theirs = make_request(office=office_a)
    neda = farsi_mediator()
    signed_in(staff_a).get(f"/directory/{neda.pk}/")
    page = signed_in(staff_b).get("/audit/").content.decode()
    assert f"request #{mine.pk}" in page
    assert f"request #{theirs.pk}" not in page
    assert "Neda" not in page and staff_a.user.username not in page
    csv_text = signed_in(staff_b).get("/audit.csv").content.decode()
    assert f"request #{mine.pk}" in csv_text and f"request #{theirs.pk}" not in csv_text


def test_a_coordinator_finds_who_saw_a_profile_this_month(coordinator, staff_a, office_a):
    """ "Who saw Neda Karimi's profile this month": the person and period filters answer it."""
    neda = farsi_mediator()
    other = VolunteerFactory(name="Someone Else")
    signed_in(staff_a).get(f"/directory/{neda.pk}/")
    signed_in(staff_a).get(f"/directory/{other.pk}/")
    first = timezone.localdate().replace(day=1)
    response = signed_in(coordinator).get(
        "/audit/",
        {
            "person": "Neda Karimi",
            "kind": "read",
            "since": first.isoformat(),
            "until": timezone.localdate().isoformat(),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "opened a volunteer&#x27;s profile" in page or "opened a volunteer's profile" in page
    assert staff_a.user.username in page and office_a.name in page
    assert "Someone Else" not in page


def test_the_csv_export_writes_formulas_as_text_and_is_itself_recorded(coordinator):
    staff = StaffMemberFactory(user__username="=HYPERLINK(evil)")
    audit.record(kind=Kind.SECURITY, event=Event.LOGGED_IN, actor=staff.user)
    response = signed_in(coordinator).get("/audit.csv")
    text = response.content.decode()
    assert "'=HYPERLINK(evil)" in text and ",=HYPERLINK" not in text
    assert AuditEntry.objects.filter(event=Event.TRAIL_EXPORTED).exists()


def test_bad_filters_give_a_400_page_not_a_500(coordinator):
    response = signed_in(coordinator).get("/audit/", {"since": "yesterday", "kind": "x"})
    assert response.status_code == 400


def test_the_volunteers_export_says_which_office_read_their_profile_not_who(staff_a, office_a):
    neda = farsi_mediator()
    signed_in(staff_a).get(f"/directory/{neda.pk}/")
    data = selfservice.export_data(volunteer=neda)
    assert [read["office"] for read in data["profile_reads"]] == [office_a.name]
    assert staff_a.user.username not in str(data)


# --- Nobody edits the trail -----------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_refuses_an_update_and_an_early_delete_of_an_entry():
    entry = audit.record(kind=Kind.SECURITY, event=Event.LOGGED_IN, actor_name="someone")
    for statement in (
        "UPDATE volunteers_auditentry SET actor_name = 'else' WHERE id = %s",
        "UPDATE volunteers_auditentry SET timestamp = now() - interval '5 years' WHERE id = %s",
        "DELETE FROM volunteers_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor_name == "someone"


def test_the_product_cannot_change_an_entry_through_the_orm():
    entry = audit.record(kind=Kind.SECURITY, event=Event.LOGGED_IN, actor_name="someone")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(event=Event.LOGIN_FAILED)


# --- Erasure and retention --------------------------------------------------------------------


def test_erasure_replaces_the_person_with_a_stable_pseudonym(staff_a, office_a):
    """After erasure no entry names the person; all their entries carry one keyed pseudonym,
    and the rest of each entry (who read, when, which office) stays."""
    neda = farsi_mediator()
    signed_in(staff_a).get(f"/directory/{neda.pk}/")
    need = make_request(office=office_a)
    offer, _raw = sent_by_hand(need, neda)
    offers.decline(offer=offer)
    before = AuditEntry.objects.filter(volunteer_id=neda.pk).count()
    selfservice.erase(volunteer=neda)
    assert not AuditEntry.objects.filter(volunteer_id=neda.pk).exists()
    expected = audit.pseudonym(neda.pk)
    pseudonymised = AuditEntry.objects.filter(pseudonym=expected)
    assert pseudonymised.count() == before + 2  # and the erasure: its change and its action
    assert set(pseudonymised.values_list("pseudonym", flat=True)) == {expected}
    read = pseudonymised.get(event=Event.PROFILE_VIEWED)
    assert (read.actor_name, read.office_id) == (staff_a.user.username, office_a.pk)
    assert not AuditEntry.objects.filter(
        content_type__model="volunteer", object_pk=str(neda.pk)
    ).exists()
    assert audit.pseudonym(neda.pk) == expected != audit.pseudonym(neda.pk + 1)


def test_retention_deletes_entries_past_the_period_and_keeps_the_rest(settings):
    from workers import retention

    settings.LOTSE_AUDIT_RETENTION_DAYS = 365
    old = audit.record(
        kind=Kind.SECURITY, event=Event.LOGGED_IN, at=timezone.now() - dt.timedelta(days=400)
    )
    young = audit.record(
        kind=Kind.SECURITY, event=Event.LOGGED_IN, at=timezone.now() - dt.timedelta(days=300)
    )
    counts = retention.apply_retention()
    assert counts["audit_entries"] == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()


def test_the_command_answers_access_and_erasure_requests(capsys):
    from django.core.management import call_command

    volunteer = VolunteerFactory(name="Command Person", email="command.person@example.org")
    call_command("volunteer_data", "--email", "Command.Person@example.org")
    assert '"name": "Command Person"' in capsys.readouterr().out
    call_command("volunteer_data", "--id", str(volunteer.pk), "--erase")
    volunteer.refresh_from_db()
    assert volunteer.erased_at is not None and volunteer.name == ""
    assert AuditEntry.objects.filter(event=Event.ERASED, channel="system").exists()


def change_entries(model: str, pk: int) -> list[dict]:
    return list(
        AuditEntry.objects.filter(
            kind=Kind.CHANGE, content_type__model=model, object_pk=str(pk), event=Event.CHANGED
        )
        .order_by("pk")
        .values_list("changes", flat=True)
    )


def test_status_moves_made_by_conditional_updates_are_change_entries(api_a, staff_a, office_a):
    """Filling, cancelling and withdrawing are single UPDATEs, not saves: each still leaves a
    change entry with the fields it changed, under the office, by the channel it came through."""
    need = make_request(office=office_a, volunteers_needed=1)
    volunteer, other = farsi_mediator(), farsi_mediator()
    offer, _raw = sent_by_hand(need, volunteer)
    waiting, _other_raw = sent_by_hand(need, other)
    offers.accept(offer=offer)

    assert {"status": ["sent", "accepted"]}.items() <= change_entries("offer", offer.pk)[-1].items()
    request_changes = change_entries("request", need.pk)
    assert any(c.get("status", [None, None])[1] == "filled" for c in request_changes)
    assert any(c.get("accepted_count") == [0, 1] for c in request_changes)
    # The other open offer was withdrawn by the same fill: its entry says so.
    assert change_entries("offer", waiting.pk)[-1]["status"] == ["sent", "withdrawn"]
    entry = AuditEntry.objects.filter(content_type__model="request", object_pk=str(need.pk)).latest(
        "pk"
    )
    assert (entry.office_id, entry.request_id, entry.channel) == (office_a.pk, need.pk, "system")

    later = make_request(office=office_a)
    response = api_a.post(f"/api/requests/{later.pk}/cancel/")
    assert response.status_code == 200, response.content
    cancelled = AuditEntry.objects.filter(
        content_type__model="request", object_pk=str(later.pk), event=Event.CHANGED
    ).latest("pk")
    assert cancelled.changes["status"][1] == "cancelled"
    assert (cancelled.channel, cancelled.actor_name) == ("api", staff_a.user.username)


def test_a_refused_transition_leaves_no_entry(office_a):
    """A move the status does not allow changes nothing, and the trail says nothing happened."""
    from requests import lifecycle
    from requests.models import Request

    need = make_request(office=office_a)
    assert lifecycle.cancel_request(request=need)
    before = len(change_entries("request", need.pk))
    assert not lifecycle.transition(request=need, to=Request.Status.FILLED)
    assert len(change_entries("request", need.pk)) == before


def test_retention_logs_that_free_text_went_without_keeping_it(office_a):
    from workers import retention

    need = make_request(office=office_a, note="Termin wegen Wohnung")
    Request = type(need)
    past = timezone.now() - dt.timedelta(days=400)
    Request.objects.filter(pk=need.pk).update(starts_at=past, ends_at=past + dt.timedelta(hours=1))
    assert retention.apply_retention()["request_texts"] == 1
    entry = change_entries("request", need.pk)[-1]
    assert entry["note"] == [audit.MASK, audit.MASK]
    assert "Wohnung" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))
