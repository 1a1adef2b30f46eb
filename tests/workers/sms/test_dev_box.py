"""The development SMS box (`/dev/sms/`): every SMS sent, and replies typed as a phone."""

from __future__ import annotations

import pytest
from django.test import Client

from requests import offers
from requests.models import Offer
from tests.factories.requests import make_request
from tests.factories.volunteers import sms_volunteer
from tests.workers.sms.conftest import texts_to

PHONE = "+491711234567"


@pytest.fixture
def dev_pages(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "workers.mailbox.MailboxBackend"
    settings.MAILBOX_DIR = tmp_path / "mail"


def test_a_reply_typed_on_the_page_accepts_and_the_confirmation_is_listed(
    dev_pages, office_a, django_capture_on_commit_callbacks
):
    volunteer = sms_volunteer(PHONE, email_language="en")
    request = make_request(office=office_a, auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=request, volunteer=volunteer)
    code = texts_to(PHONE)[0].split("#")[1][:4]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/dev/sms/")
    assert page.status_code == 200
    assert f"Reply YES {code}" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post("/dev/sms/reply/", {"phone": "0171 1234567", "text": f"ja {code}"})
    assert answered.status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACCEPTED
    listed = client.get(answered["Location"]).content.decode()
    assert f"ja {code}" in listed and "You are booked" in listed


def test_a_bad_number_is_a_friendly_400(dev_pages, db):
    response = Client().post("/dev/sms/reply/", {"phone": "hello", "text": "ja"})
    assert response.status_code == 400


def test_there_is_no_sms_box_in_production(settings, db):
    settings.DEBUG = False
    assert Client().get("/dev/sms/").status_code == 404
