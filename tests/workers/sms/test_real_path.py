"""The SMS path with real parts: PostgreSQL, Redis, a Celery worker, the dev SMS box.

An SMS volunteer is offered a request by the worker and answers "JA <code>": the request is
filled and the confirmation SMS arrives. Twenty volunteers answer "JA" at once for two places:
exactly two get them, every other hears "already taken". A provider that fails for a while
loses no SMS: the worker retries until it is back, and sends each SMS once.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from requests import offers
from requests.models import Offer, Request
from tests.factories.matching import fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory
from tests.processes import celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, smtp_server
from tests.workers.sms.conftest import reply, texts_to
from workers.models import SmsMessage, SmsReply
from workers.sms import dev, outbox, segments

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

CODE = re.compile(r"Reply YES (\d{4}) or NO \1")


def sms_person(phone: str, **fields):
    return fitting_volunteer(
        phone=phone,
        offer_channel="sms",
        phone_confirmed_at=timezone.now(),
        email_language="en",
        **fields,
    )


def env_for(port: int, tmp_path, **extra: str) -> dict[str, str]:
    # The worker writes its SMS where this test reads them (SMS_DEV_DIR = LOTSE_VAR_DIR/sms).
    return worker_env(
        smtp_port=port,
        LOTSE_VAR_DIR=str(tmp_path),
        SMS_URL="dev://",
        SMS_QUIET_HOURS="00:00-00:00",
        **extra,
    )


def test_an_sms_volunteer_is_offered_replies_yes_and_gets_the_confirmation(tmp_path):
    office = OfficeFactory(email="huckarde@lotse.example")
    phone = "+491711111111"
    volunteer = sms_person(phone)
    day = monday_ahead(2)
    with smtp_server(Sink()) as port, celery_worker(env_for(port, tmp_path)) as worker:
        request = offers_by_hand(office, volunteer, day)
        (text,) = wait_until(
            lambda: texts_to(phone),
            timeout=60,
            what=f"the offer SMS; worker output:\n{worker.output}",
        )
        code = CODE.search(text).group(1)
        wait_until(
            lambda: Offer.objects.get(request=request).status == Offer.Status.SENT,
            timeout=30,
            what="the offer recorded as sent",
        )
        assert reply(phone, f"JA {code}") == SmsReply.Outcome.ACCEPTED
        confirmation = wait_until(
            lambda: [t for t in texts_to(phone) if "You are booked" in t],
            timeout=60,
            what=f"the confirmation SMS; worker output:\n{worker.output}",
        )
        assert confirmation[0].startswith(f"Lotse #{code}: ")
        request.refresh_from_db()
        assert request.status == Request.Status.FILLED


def offers_by_hand(office, volunteer, day) -> Request:
    from tests.factories.matching import appointment

    request = appointment(office, day=day, recorded_at=timezone.now(), auto_offer=False)
    offers.offer_by_hand(request=request, volunteer=volunteer)
    return request


def test_twenty_parallel_yes_replies_fill_two_places_exactly(tmp_path):
    """Twenty SMS volunteers answer "JA" at the same moment, each from their own connection:
    two places are taken, never three; the others hear "already taken" by SMS."""
    office = OfficeFactory(email="eving@lotse.example")
    phones = [f"+4917122200{i:02d}" for i in range(20)]
    people = [sms_person(phone) for phone in phones]
    from tests.factories.matching import appointment

    request = appointment(
        office, day=monday_ahead(2), recorded_at=timezone.now(), volunteers_needed=2,
        auto_offer=False,
    )  # fmt: skip
    for person in people:
        offer = Offer.objects.create(request=request, volunteer=person, wave=1)
        sms = outbox.queue_offer(offer=offer)
        assert outbox.send(sms_id=sms.pk) == "sent"
    codes = {phone: CODE.search(texts_to(phone)[0]).group(1) for phone in phones}
    start = threading.Barrier(len(phones))

    def answer(phone: str) -> str:
        try:
            start.wait(timeout=30)
            return reply(phone, f"ja {codes[phone]}")
        finally:
            connection.close()

    with smtp_server(Sink()) as port, celery_worker(env_for(port, tmp_path)) as worker:
        with ThreadPoolExecutor(max_workers=len(phones)) as pool:
            outcomes = list(pool.map(answer, phones))
        assert outcomes.count(SmsReply.Outcome.ACCEPTED) == 2, outcomes
        assert outcomes.count(SmsReply.Outcome.REFUSED) == 18, outcomes
        request.refresh_from_db()
        assert (request.accepted_count, request.status) == (2, Request.Status.FILLED)
        assert Offer.objects.filter(request=request, status=Offer.Status.ACCEPTED).count() == 2
        winners = [p for p, o in zip(phones, outcomes, strict=True) if o == "accepted"]
        losers = [p for p in phones if p not in winners]
        wait_until(
            lambda: (
                all(any("Already taken" in t for t in texts_to(p)) for p in losers)
                and all(any("You are booked" in t for t in texts_to(p)) for p in winners)
            ),
            timeout=90,
            what=f"'already taken' to 18 and confirmations to 2; worker output:\n{worker.output}",
        )
    # Each loser heard it once (the reply; their offer was withdrawn before they answered or
    # they got the "taken" notice and the reply), never a confirmation.
    for phone in losers:
        assert not any("You are booked" in t for t in texts_to(phone))


def test_a_provider_outage_loses_no_sms(tmp_path):
    """While the provider fails, the worker retries with backoff; when it is back the offer SMS
    goes out once and the offer is sent."""
    office = OfficeFactory(email="brackel@lotse.example")
    phone = "+491713333333"
    volunteer = sms_person(phone)
    box = tmp_path / "sms"
    box.mkdir(parents=True, exist_ok=True)
    (box / dev.OUTAGE).touch()
    fast = {"LOTSE_SMTP_RETRY_BASE_SECONDS": "1", "LOTSE_SMTP_RETRY_MAX_SECONDS": "2"}
    with smtp_server(Sink()) as port, celery_worker(env_for(port, tmp_path, **fast)) as worker:
        request = offers_by_hand(office, volunteer, monday_ahead(2))
        wait_until(
            lambda: worker.output.count("task=send_sms") >= 3 and "outcome=retry" in worker.output,
            timeout=60,
            what=f"retries during the outage; worker output:\n{worker.output}",
        )
        assert texts_to(phone) == []
        assert Offer.objects.get(request=request).status == Offer.Status.QUEUED
        (box / dev.OUTAGE).unlink()
        wait_until(
            lambda: Offer.objects.get(request=request).status == Offer.Status.SENT,
            timeout=60,
            what=f"the offer sent after the outage; worker output:\n{worker.output}",
        )
    assert len(texts_to(phone)) == 1
    sms = SmsMessage.objects.get(offer__request=request)
    assert sms.state == SmsMessage.State.SENT
    assert sms.segments == segments.count(texts_to(phone)[0]).segments
