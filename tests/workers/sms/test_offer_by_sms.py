"""An SMS volunteer gets offers, confirmations and notices by SMS and answers by reply."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from requests import offers
from requests.models import Offer, Request
from tests.factories.requests import make_request
from tests.factories.volunteers import VolunteerFactory, sms_volunteer
from tests.workers.sms.conftest import reply, texts_to
from volunteers.audit import AuditEntry, Event
from workers.models import SmsMessage, SmsReply
from workers.sms import outbox

PHONE = "+491711234567"
OTHER = "+491717654321"
CODE = re.compile(r"Reply YES (\d{4}) or NO \1")
LINK = re.compile(r"http://\S+/o/([A-Za-z0-9_-]+)/")


@pytest.fixture
def neda(db):
    return sms_volunteer(PHONE, name="Neda Karimi", email="neda@lotse.example", email_language="en")


def offer_to(volunteer, request, capture) -> Offer:
    with capture(execute=True):
        return offers.offer_by_hand(request=request, volunteer=volunteer)


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, f"no reply code in {text!r}"
    return match.group(1)


def test_it_offers_by_sms_with_code_district_and_short_link(
    office_a, neda, mailoutbox, django_capture_on_commit_callbacks
):
    """The offer SMS names what, when and the district, never the address or the note; it ends
    with the answer and a link of 128 random bits that opens the offer; no email goes out."""
    request = make_request(office=office_a, address="Westfalendamm 1", note="Termin beim Jobcenter")
    offer = offer_to(neda, request, django_capture_on_commit_callbacks)
    (text,) = texts_to(PHONE)
    assert text.startswith(f"Lotse #{code_in(text)}: ")
    assert request.district and request.district in text
    assert "Westfalendamm" not in text and "Jobcenter" not in text
    (token,) = LINK.findall(text)
    assert len(token) >= 22  # 16 random bytes, base64: 128 bits
    assert text.endswith(f"/o/{token}/")
    assert Client().get(f"/o/{token}/").status_code == 200
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.SENT
    assert mailoutbox == []


def test_it_accepts_a_yes_with_the_code_and_confirms_by_sms(
    office_a, neda, django_capture_on_commit_callbacks
):
    """ "JA <code>" takes the place as the button does, on audit channel sms; the confirmation
    SMS follows; a second "JA" changes nothing and says so."""
    request = make_request(office=office_a)
    offer = offer_to(neda, request, django_capture_on_commit_callbacks)
    code = code_in(texts_to(PHONE)[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, f"JA {code}") == SmsReply.Outcome.ACCEPTED
    offer.refresh_from_db()
    request.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert request.status == Request.Status.FILLED
    confirmation = texts_to(PHONE)[-1]
    assert confirmation.startswith(f"Lotse #{code}: You are booked")
    assert LINK.search(confirmation)
    entry = AuditEntry.objects.get(event=Event.OFFER_ACCEPTED)
    assert (entry.channel, entry.volunteer_id) == ("sms", neda.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, f"ja {code}") == SmsReply.Outcome.REFUSED
    assert "accepted this offer already" in texts_to(PHONE)[-1]
    assert Request.objects.get(pk=request.pk).accepted_count == 1


def test_it_declines_a_no_and_thanks(office_a, neda, django_capture_on_commit_callbacks):
    request = make_request(office=office_a)
    offer = offer_to(neda, request, django_capture_on_commit_callbacks)
    code = code_in(texts_to(PHONE)[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, f"Hayır {code}") == SmsReply.Outcome.DECLINED
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.DECLINED
    assert texts_to(PHONE)[-1] == f"Lotse #{code}: You declined. Thank you for answering!"


def test_a_yes_alone_takes_the_one_open_offer_and_asks_which_of_two(
    office_a, neda, django_capture_on_commit_callbacks
):
    first = make_request(office=office_a)
    offer = offer_to(neda, first, django_capture_on_commit_callbacks)
    second = make_request(office=office_a, starts_at=first.starts_at.replace(hour=15))
    offer_to(neda, second, django_capture_on_commit_callbacks)
    codes = [code_in(t) for t in texts_to(PHONE)]
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, "ja") == SmsReply.Outcome.ASKED_WHICH
    asked = texts_to(PHONE)[-1]
    assert all(code in asked for code in codes)
    assert not Offer.objects.filter(status=Offer.Status.ACCEPTED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        reply(PHONE, f"nein {codes[1]}")
        assert reply(PHONE, "1") == SmsReply.Outcome.ACCEPTED
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACCEPTED


def test_it_never_answers_for_another_persons_offer(
    office_a, neda, django_capture_on_commit_callbacks
):
    """A code of someone else's offer is unknown to the sender, and changes nothing."""
    other = sms_volunteer(OTHER, email_language="en")
    request = make_request(office=office_a)
    theirs = offer_to(other, request, django_capture_on_commit_callbacks)
    code = code_in(texts_to(OTHER)[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, f"JA {code}") == SmsReply.Outcome.HELP
    assert texts_to(PHONE) == [f"Lotse: We know no open offer of yours with the code {code}."]
    assert Offer.objects.get(pk=theirs.pk).status == Offer.Status.SENT


def test_a_yes_for_a_filled_request_hears_already_taken(
    office_a, neda, django_capture_on_commit_callbacks
):
    request = make_request(office=office_a)
    other = VolunteerFactory()
    first = offer_to(other, request, django_capture_on_commit_callbacks)
    offer_to(neda, request, django_capture_on_commit_callbacks)
    code = code_in(texts_to(PHONE)[0])
    offers.accept(offer=offers.issue_link(offer=first) and first)
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, f"JA {code}") == SmsReply.Outcome.REFUSED
    assert texts_to(PHONE)[-1].startswith(f"Lotse #{code}: Already taken")


def test_anything_else_gets_help_and_unknown_numbers_nothing(
    neda, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, "Wann genau?") == SmsReply.Outcome.HELP
        assert reply("+491760000000", "JA 1234") == SmsReply.Outcome.UNKNOWN_SENDER
    assert "YES 4821" in texts_to(PHONE)[-1]
    assert texts_to("+491760000000") == []


def test_both_channels_send_email_and_sms_and_both_links_work(
    office_a, mailoutbox, django_capture_on_commit_callbacks
):
    volunteer = sms_volunteer(PHONE, channel="both", email="both@lotse.example")
    request = make_request(office=office_a)
    offer_to(volunteer, request, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["both@lotse.example"]]
    email_link = re.search(r"http://\S+/offers/[\w-]+/", mailoutbox[0].body).group(0)
    (token,) = LINK.findall(texts_to(PHONE)[0])
    assert Client().get(email_link).status_code == 200
    assert Client().get(f"/o/{token}/").status_code == 200


def test_an_offer_whose_sms_fails_for_good_is_not_delivered_and_the_office_hears(
    office_a, neda, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request(office=office_a)
    with django_capture_on_commit_callbacks(execute=False):
        offer = offers.offer_by_hand(request=request, volunteer=neda)
    from workers import sending

    with django_capture_on_commit_callbacks(execute=False):
        assert sending.send_offer(offer_id=offer.pk) == "queued: sms"
    sms = SmsMessage.objects.get(offer=offer)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.give_up(sms_id=sms.pk, error="number refused")
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.FAILED
    assert SmsMessage.objects.get(pk=sms.pk).state == SmsMessage.State.FAILED
    assert any(office_a.email in m.to for m in mailoutbox)


def test_the_office_hears_that_it_was_an_sms(
    office_a, neda, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request(office=office_a)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=request, volunteer=neda)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.QUEUED)
    sms = SmsMessage.objects.get(offer=offer)
    SmsMessage.objects.filter(pk=sms.pk).update(state=SmsMessage.State.QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.give_up(sms_id=sms.pk, error="number refused")
    (alert,) = [m for m in mailoutbox if office_a.email in m.to]
    assert "SMS" in alert.body and "Neda Karimi" in alert.body
