"""Staff see the SMS channel: on the request page, in the statistics, in the volunteer API."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from requests import offers
from tests.factories.requests import make_request
from tests.factories.volunteers import sms_volunteer
from tests.web.helpers import signed_in
from tests.workers.sms.conftest import reply, texts_to
from workers.models import SmsMessage

PHONE = "+491711234567"


def test_the_request_page_shows_channel_delivery_state_and_replies(
    office_a, staff_a, django_capture_on_commit_callbacks
):
    volunteer = sms_volunteer(PHONE, name="Neda Karimi", email_language="en")
    request = make_request(office=office_a, auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_by_hand(request=request, volunteer=volunteer)
    code = texts_to(PHONE)[0].split("#")[1][:4]
    SmsMessage.objects.filter(kind="offer").update(state=SmsMessage.State.DELIVERED)
    with django_capture_on_commit_callbacks(execute=True):
        reply(PHONE, f"NEIN {code}")
    page = signed_in(staff_a).get(reverse("staff-request", args=[request.pk]))
    text = page.content.decode()
    assert 'data-delivery-state="delivered"' in text
    assert "by SMS: delivered" in text
    assert f"“NEIN {code}” (declined)" in text


def test_statistics_count_sms_segments_per_office_and_month_with_their_price(
    office_a, staff_a, settings, django_capture_on_commit_callbacks
):
    settings.SMS_PRICE_PER_SEGMENT = Decimal("0.075")
    volunteer = sms_volunteer(PHONE)
    request = make_request(office=office_a, auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_by_hand(request=request, volunteer=volunteer)
    SmsMessage.objects.filter(kind="offer").update(segments=2, sent_at=timezone.now())
    response = signed_in(staff_a).get(reverse("staff-statistics-csv", args=["sms"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == ["Month", office_a.name, "All", "cost (EUR)"]
    assert rows[-1][1:] == ["2", "2", "0.15"]
    page = signed_in(staff_a).get(reverse("staff-statistics"))
    assert "SMS segments per month and office" in page.content.decode()


def test_the_api_takes_and_shows_the_offer_channel(api_a, db):
    body = {
        "name": "Amir Rahimi",
        "email": "amir@lotse.example",
        "phone": "0171 2345678",
        "languages": [{"code": "fa", "level": "native"}, {"code": "de", "level": "B2"}],
        "skills": ["interpreting"],
        "availability": [],
        "postcode": "44147",
        "consent": True,
        "offer_channel": "both",
        "sms_urgent_at_night": True,
    }
    assert api_a.post("/api/volunteers/", body, format="json").status_code == 201
    landline = {**body, "email": "other@lotse.example", "phone": "+49231123456"}
    refused = api_a.post("/api/volunteers/", landline, format="json")
    assert refused.status_code == 400
    assert "phone" in refused.json()
    wrong = api_a.post(
        "/api/volunteers/", {**body, "email": "x@lotse.example", "offer_channel": "fax"},
        format="json",
    )  # fmt: skip
    assert wrong.status_code == 400 and "offer_channel" in wrong.json()
    from volunteers.models import Volunteer

    amir = Volunteer.objects.get(email="amir@lotse.example")
    assert (amir.offer_channel, str(amir.phone), amir.sms_urgent_at_night) == (
        "both",
        "+491712345678",
        True,
    )
    shown = api_a.get(f"/api/volunteers/{amir.pk}/").json()
    assert (shown["offer_channel"], shown["phone_confirmed"]) == ("both", False)
