"""The notices around an offer: taken, cancelled, signed off, reminded; each sent once.

Tasks run in this process (eager); `capture(execute=True)` runs what the domain enqueues after
commit, as a real commit would.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from requests import lifecycle, offers
from requests.calendar import BERLIN
from requests.models import Offer, Request
from tests.factories.requests import at, days_ahead, make_request, offered
from tests.factories.volunteers import VolunteerFactory
from volunteers.models import Volunteer
from workers import retention, sending, tasks, upkeep
from workers.models import Notice

pytestmark = pytest.mark.django_db


def to(outbox, address):
    return [m for m in outbox if m.to == [address]]


def test_it_tells_the_others_and_the_office_when_the_place_is_taken(
    mailoutbox, django_capture_on_commit_callbacks
):
    """One accepts: the two others who got the offer hear "already taken", the office
    "filled"; a redelivered notice task sends nothing more."""
    request, sent = offered(count=3)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    for other in sent[1:]:
        (notice,) = to(mailoutbox, other.offer.volunteer.email)
        assert notice.subject.startswith("Schon vergeben: Sprachmittlung Persisch – ")
    (filled,) = to(mailoutbox, request.office.email)
    assert filled.subject.startswith(f"[Lotse #{request.pk}] Besetzt: ")
    count = len(mailoutbox)
    tasks.send_closed_notices.delay([s.offer.pk for s in sent[1:]])
    tasks.send_office_notice.delay(Notice.Kind.FILLED, request_id=request.pk)
    assert len(mailoutbox) == count


def test_it_tells_nobody_of_an_offer_it_never_sent(mailoutbox, django_capture_on_commit_callbacks):
    """An offer withdrawn while still `queued` was never emailed: no "already taken" either."""
    request, sent = offered(count=1)
    queued = offers.offer_by_hand(request=request, volunteer=VolunteerFactory())
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    assert to(mailoutbox, queued.volunteer.email) == []
    assert sending.send_closed_notice(offer_id=queued.pk) == "skipped: never sent"


def test_it_cancels_accepted_appointments_with_a_calendar_update(
    mailoutbox, django_capture_on_commit_callbacks
):
    """The office cancels: the accepted volunteer gets METHOD:CANCEL for the confirmed event,
    the one still asked gets "cancelled", nobody gets it twice."""
    request, sent = offered(count=2, volunteers_needed=2)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.cancel_request(request=request)
    accepted, asked = (s.offer.volunteer.email for s in sent)
    confirmation, cancellation = to(mailoutbox, accepted)
    assert cancellation.subject.startswith("Abgesagt: Sprachmittlung Persisch – ")
    uid = Calendar.from_ical(confirmation.attachments[0][1]).walk("VEVENT")[0]["UID"]
    invite = Calendar.from_ical(cancellation.attachments[0][1])
    assert invite["METHOD"] == "CANCEL"
    assert invite.walk("VEVENT")[0]["UID"] == uid
    (closed,) = to(mailoutbox, asked)
    assert closed.subject.startswith("Abgesagt: ")
    assert "das Büro hat diesen Termin abgesagt" in closed.body
    tasks.send_calendar_cancellations.delay([sent[0].offer.pk])
    assert len(to(mailoutbox, accepted)) == 2


def test_it_signs_a_volunteer_off_from_the_page_and_tells_the_office(
    mailoutbox, django_capture_on_commit_callbacks
):
    """ "I can't make it" on the offer page: the place is free, the volunteer gets the calendar
    cancellation, the office "dropped out"; a GET of the page changes nothing."""
    request, sent = offered(count=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    page = Client().get(sent[0].path)
    assert "Ich kann nicht" in page.content.decode()
    assert sent[0].reload().status == Offer.Status.ACCEPTED
    mailoutbox.clear()
    # The first tap only asks; nothing changes until the volunteer confirms.
    asked = Client().post(sent[0].path, {"action": "release"})
    assert asked.status_code == 200
    assert "Yes, sign me off" in asked.content.decode() or "Ja, abmelden" in asked.content.decode()
    assert sent[0].reload().status == Offer.Status.ACCEPTED
    assert not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            sent[0].path, {"action": "release", "confirm": "1", "reason": "Mein Kind ist krank"}
        )
    assert response.status_code == 303
    assert "Sie haben sich abgemeldet." in Client().get(response["Location"]).content.decode()
    assert sent[0].reload().status == Offer.Status.WITHDRAWN
    request.refresh_from_db()
    assert (request.status, request.accepted_count) == (Request.Status.OFFERING, 0)
    (signed_off,) = to(mailoutbox, sent[0].offer.volunteer.email)
    assert signed_off.subject.startswith("Abgemeldet: ")
    (alert,) = to(mailoutbox, request.office.email)
    assert "kann nicht mehr kommen" in alert.body
    assert "Mein Kind ist krank" in alert.body
    assert "Bitte suchen Sie jemand anderen." in alert.body  # offered by hand: no new wave


def test_an_office_told_nobody_is_left_also_hears_who_fits_and_what_to_change(
    mailoutbox, django_capture_on_commit_callbacks
):
    """Run dry: the alert counts who meets each condition, and says everyone who fits was
    asked; the office can widen the search instead of guessing."""
    request, (asked,) = offered(
        count=1,
        volunteer={
            "languages": [("fa", "native"), ("de", "C1")],
            "skills": ["interpreting"],
            "availability": [(day, "08:00", "18:00") for day in range(7)],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        offers.decline(offer=asked.offer)
        lifecycle.mark_unfilled(request=request)
    (alert,) = [m for m in mailoutbox if "Niemand mehr anzufragen" in m.subject]
    lines = alert.body.splitlines()
    start = lines.index("Wer in Frage kommt, Bedingung für Bedingung:")
    counts = [line.rsplit(": ", 1) for line in lines[start + 1 : start + 8]]
    assert [int(count) for _label, count in counts] == [1, 1, 1, 1, 1, 1, 0]
    assert counts[0][0] == "- An dem Tag aktiv (nicht pausiert oder abwesend)"
    assert counts[-1][0] == "- Für diese Anfrage noch nicht gefragt"
    assert lines[start + 8] == "Alle, die passen, wurden für diese Anfrage schon gefragt."
    assert (
        "<li>Für diese Anfrage noch nicht gefragt: <strong>0</strong></li>"
        in (alert.alternatives[0][0])
    )


def test_a_place_that_comes_free_is_offered_again_to_the_one_told_it_was_taken(
    mailoutbox, django_capture_on_commit_callbacks
):
    """One accepts, the other hears "already taken"; the first drops out: the other gets the
    offer again, with a new link and a first line saying the place is free again."""
    fits = {
        "languages": [("fa", "native"), ("de", "C1")],
        "skills": ["interpreting"],
        "availability": [(day, "08:00", "18:00") for day in range(7)],
    }
    request, (first, second) = offered(count=2, volunteer=fits)
    Request.objects.filter(pk=request.pk).update(auto_offer=True, waves_sent=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=first.offer)
    (taken,) = to(mailoutbox, second.offer.volunteer.email)
    assert taken.subject.startswith("Schon vergeben: ")
    with django_capture_on_commit_callbacks(execute=True):
        offers.release(offer=first.reload())
    _taken, again = to(mailoutbox, second.offer.volunteer.email)
    assert again.body.startswith("Hallo") and "Gute Nachricht: Der Platz" in again.body
    link = re.findall(r"http://\S+/offers/[\w-]+/", again.body)[0]
    fresh = Client().get(link.removeprefix("http://127.0.0.1:8000")).content.decode()
    assert "Ja, ich übernehme das" in fresh
    assert "Ja, ich übernehme das" not in Client().get(second.path).content.decode()
    assert not any("Gute Nachricht" in m.body for m in to(mailoutbox, first.offer.volunteer.email))


def test_it_reminds_the_day_before_from_the_reminder_hour(settings, office_a):
    """Reminders are due on the Berlin day before, from LOTSE_REMINDER_HOUR, for those who
    accepted before that day; a reminded offer is not due again."""
    settings.LOTSE_REMINDER_HOUR = 16
    starts = dt.datetime(2026, 10, 25, 10, 0, tzinfo=BERLIN)  # the day summer time ends
    recorded = dt.datetime(2026, 10, 1, 9, 0, tzinfo=BERLIN)
    request = make_request(office=office_a, starts_at=starts, now=recorded, auto_offer=False)
    early = Offer.objects.create(
        request=request,
        volunteer=VolunteerFactory(),
        status=Offer.Status.ACCEPTED,
        responded_at=recorded,
    )
    late = Offer.objects.create(
        request=request,
        volunteer=VolunteerFactory(),
        status=Offer.Status.ACCEPTED,
        responded_at=dt.datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN),
    )
    Request.objects.filter(pk=request.pk).update(status=Request.Status.FILLED)
    assert upkeep.reminders_due(now=dt.datetime(2026, 10, 24, 15, 59, tzinfo=BERLIN)) == []
    assert upkeep.reminders_due(now=dt.datetime(2026, 10, 24, 16, 0, tzinfo=BERLIN)) == [early.pk]
    assert upkeep.reminders_due(now=dt.datetime(2026, 10, 23, 20, 0, tzinfo=BERLIN)) == []
    assert late.pk not in upkeep.reminders_due(now=dt.datetime(2026, 10, 24, 23, 0, tzinfo=BERLIN))
    Notice.objects.create(key="r", kind=Notice.Kind.REMINDER, request=request, offer=early)
    assert upkeep.reminders_due(now=dt.datetime(2026, 10, 24, 17, 0, tzinfo=BERLIN)) == []


def test_it_sends_a_reminder_once_with_a_working_sign_off_link(
    mailoutbox, django_capture_on_commit_callbacks
):
    """The reminder's link opens the accepted offer with the sign-off button."""
    _request, sent = offered(count=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    mailoutbox.clear()
    tasks.send_reminders.delay([sent[0].offer.pk])
    tasks.send_reminders.delay([sent[0].offer.pk])
    (reminder,) = mailoutbox
    assert reminder.subject.startswith("Morgen: ")
    (link,) = re.findall(r"http://\S+/offers/[\w-]+/\?signoff=1", reminder.body)
    page = Client().get(link.removeprefix("http://127.0.0.1:8000"))
    assert 'id="release"' in page.content.decode()
    assert 'name="confirm" value="1"' in page.content.decode()


def test_it_reminds_who_accepted_when_the_search_gave_up_on_the_other_place(
    settings, mailoutbox, office_a, django_capture_on_commit_callbacks
):
    """One of two places taken and nobody left to ask for the other: the one who accepted still
    comes, and is reminded the day before like anyone whose appointment goes ahead."""
    settings.LOTSE_REMINDER_HOUR = 16
    starts = dt.datetime(2026, 10, 25, 10, 0, tzinfo=BERLIN)
    recorded = dt.datetime(2026, 10, 1, 9, 0, tzinfo=BERLIN)
    request = make_request(
        office=office_a, starts_at=starts, now=recorded, auto_offer=False, volunteers_needed=2
    )
    coming = Offer.objects.create(
        request=request,
        volunteer=VolunteerFactory(),
        status=Offer.Status.ACCEPTED,
        responded_at=recorded,
    )
    Request.objects.filter(pk=request.pk).update(status=Request.Status.UNFILLED, accepted_count=1)
    assert upkeep.reminders_due(now=dt.datetime(2026, 10, 24, 16, 0, tzinfo=BERLIN)) == [coming.pk]
    _other, sent = offered(count=1, volunteers_needed=2)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    assert lifecycle.mark_unfilled(request=Request.objects.get(pk=_other.pk))
    mailoutbox.clear()
    tasks.send_reminders.delay([sent[0].offer.pk])
    (reminder,) = mailoutbox
    assert reminder.subject.startswith("Morgen: ")


def test_it_escalates_a_request_that_is_near_and_not_filled(settings, office_a):
    """Within LOTSE_ESCALATE_HOURS and half its lead time gone, once per request."""
    settings.LOTSE_ESCALATE_HOURS = 48
    now = timezone.now()
    # Tomorrow 10:00 Berlin is 10–34 hours ahead at any hour the suite runs, and ends that day.
    soon = at(days_ahead(1), "10:00")
    long_lead = make_request(office=office_a, starts_at=soon, now=now - dt.timedelta(days=7))
    fresh = make_request(office=office_a, starts_at=soon, now=now)
    far = make_request(office=office_a, starts_at=at(days_ahead(5), "10:00"))
    Request.objects.filter(pk=long_lead.pk).update(created_at=now - dt.timedelta(days=7))
    due = upkeep.escalations_due(now=now)
    assert long_lead.pk in due
    assert fresh.pk not in due and far.pk not in due
    tasks.send_office_notice.delay(Notice.Kind.ESCALATION, request_id=long_lead.pk)
    assert long_lead.pk not in upkeep.escalations_due(now=now)


def test_it_forgets_free_text_and_links_after_retention(settings, office_a):
    """LOTSE_RETENTION_DAYS after the appointment: address, note, link digests and notices go;
    what statistics need stays."""
    settings.LOTSE_RETENTION_DAYS = 90
    # In the morning, so that the appointment never runs past midnight, whatever the time now.
    past = (timezone.now() - dt.timedelta(days=100)).replace(hour=8, minute=0, second=0)
    old = make_request(
        office=office_a,
        starts_at=past,
        now=past - dt.timedelta(days=1),
        address="Musterweg 1",
        note="Herr X, Akte 123",
    )
    recent = make_request(office=office_a, note="bleibt")
    offer = Offer.objects.create(request=old, volunteer=VolunteerFactory())
    offers.issue_link(offer=offer)
    Notice.objects.create(key="k", kind=Notice.Kind.FILLED, request=old)
    counts = retention.apply_retention()
    assert counts["request_texts"] == 1 and counts["offer_links"] == 1 and counts["notices"] == 1
    old.refresh_from_db()
    offer.refresh_from_db()
    assert (old.address, old.note) == ("", "")
    assert (old.district, old.postcode) == ("Innenstadt-Nord", "44147")
    assert offer.token_digest is None and offer.volunteer_id is not None
    recent.refresh_from_db()
    assert recent.note == "bleibt"


def test_it_pauses_offers_on_one_click_unsubscribe_and_never_on_a_get(client):
    """GET the List-Unsubscribe URL: a page, nothing changes. The RFC 8058 POST (no CSRF
    token, no cookie) pauses offers for a year."""
    from workers import emails

    volunteer = VolunteerFactory()
    url = emails.personal_links(volunteer)["unsubscribe_url"].removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200
    assert "Angebote stoppen" in page.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.ACTIVE
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.PAUSED
    assert volunteer.paused_until >= timezone.localdate() + dt.timedelta(days=364)
    assert client.post("/email/unsubscribe/not-a-token/").status_code == 404
