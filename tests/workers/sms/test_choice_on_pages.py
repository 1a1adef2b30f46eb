"""The volunteer chooses SMS on the registration page and on the profile page."""

from __future__ import annotations

from django.urls import reverse

from tests.factories.volunteers import VolunteerFactory
from tests.volunteers.test_registration_pages import REGISTER, form
from tests.workers.sms.conftest import texts_to
from volunteers import tokens
from volunteers.models import PersonalToken, Volunteer


def test_registration_takes_sms_and_refuses_a_landline_next_to_the_phone(
    db, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(REGISTER, form(offer_channel="sms", phone="0231 1234567"))
    assert refused.status_code == 200
    assert "keine Handynummer" in refused.content.decode()
    assert not Volunteer.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            REGISTER, form(offer_channel="sms", phone="0171 2345678", sms_urgent_at_night="yes")
        )
    assert done.status_code == 302
    volunteer = Volunteer.objects.get()
    assert (volunteer.offer_channel, str(volunteer.phone), volunteer.sms_urgent_at_night) == (
        "sms",
        "+491712345678",
        True,
    )
    assert texts_to("+491712345678") == []  # not before the email is confirmed


def test_the_profile_page_switches_to_sms_and_says_it_waits_for_the_yes(
    db, client, django_capture_on_commit_callbacks
):
    volunteer = VolunteerFactory(email_language="en")
    raw = tokens.issue(volunteer=volunteer, purpose=PersonalToken.Purpose.MANAGE)
    edit = client.get(reverse("volunteer-edit", args=[raw]))
    assert 'name="offer_channel"' in edit.content.decode()
    data = {
        "name": volunteer.name,
        "phone": "0171 2345678",
        "postcode": volunteer.postcode,
        "max_distance_km": "10",
        "max_tasks_per_month": "4",
        "email_language": "en",
        "offer_channel": "both",
        "languages-0-code": "fa",
        "languages-0-level": "native",
        "languages-1-code": "de",
        "languages-1-level": "B2",
    }
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(reverse("volunteer-edit", args=[raw]), data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    volunteer.refresh_from_db()
    assert volunteer.offer_channel == "both"
    assert len(texts_to("+491712345678")) == 1
    profile = client.get(reverse("volunteer-profile", args=[raw])).content.decode()
    assert "waiting for your “JA” to the confirmation SMS" in profile
