"""The SMS path through a provider with real parts: PostgreSQL, Redis, a Celery worker, Lotse's
webhooks on a live server, and a local gateway that speaks Twilio's Messages API.

The worker sends the offer to the gateway; a reply with a forged signature changes nothing; the
signed reply "YES <code>" fills the request and the worker sends the confirmation through the
gateway; the gateway's signed status callback marks the offer SMS delivered. A gateway that
fails for a while loses no SMS.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from requests import offers
from requests.models import Offer, Request
from tests.factories.matching import appointment, fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory
from tests.processes import celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, smtp_server
from tests.workers.sms.gateways import TwilioGateway
from workers.models import SmsMessage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

CODE = re.compile(r"Reply YES (\d{4}) or NO \1")
PHONE = "+491712223344"


def bodies_to(gateway: TwilioGateway, phone: str) -> list[str]:
    return [
        r.fields["Body"]
        for r in list(gateway.requests)
        if r.path.endswith("/Messages.json") and r.fields.get("To") == phone
    ]


def offered(office) -> Request:
    volunteer = fitting_volunteer(
        phone=PHONE, offer_channel="sms", phone_confirmed_at=timezone.now(), email_language="en"
    )
    request = appointment(office, day=monday_ahead(2), recorded_at=timezone.now(), auto_offer=False)
    offers.offer_by_hand(request=request, volunteer=volunteer)
    return request


def test_offer_reply_and_confirmation_go_through_the_provider(live_server, settings):
    office = OfficeFactory(email="mengede@lotse.example")
    with TwilioGateway().running() as gateway, smtp_server(Sink()) as port:
        settings.SMS_URL, settings.SITE_URL = gateway.sms_url(), live_server.url
        settings.SMS_QUIET_HOURS = "00:00-00:00"
        env = worker_env(
            smtp_port=port,
            SMS_URL=gateway.sms_url(),
            SITE_URL=live_server.url,
            SMS_QUIET_HOURS="00:00-00:00",
        )
        with celery_worker(env) as worker:
            request = offered(office)
            (offer_text,) = wait_until(
                lambda: bodies_to(gateway, PHONE),
                timeout=60,
                what=f"the offer SMS at the gateway; worker output:\n{worker.output}",
            )
            code = CODE.search(offer_text).group(1)
            inbound = f"{live_server.url}/sms/twilio/inbound/"

            forged = gateway.post_webhook(
                inbound, gateway.inbound_params(PHONE, f"YES {code}"), signature="Zm9yZ2Vk"
            )
            assert forged.status_code == 403
            assert Offer.objects.get(request=request).status != Offer.Status.ACCEPTED

            signed = gateway.post_webhook(inbound, gateway.inbound_params(PHONE, f"YES {code}"))
            assert signed.status_code == 200
            confirmation = wait_until(
                lambda: [b for b in bodies_to(gateway, PHONE) if "You are booked" in b],
                timeout=60,
                what=f"the confirmation SMS at the gateway; worker output:\n{worker.output}",
            )
            assert confirmation[0].startswith(f"Lotse #{code}: ")
            request.refresh_from_db()
            assert request.status == Request.Status.FILLED

            sms = SmsMessage.objects.filter(offer__request=request, kind="offer").get()
            callback = gateway.post_webhook(
                f"{live_server.url}/sms/twilio/status/",
                gateway.status_params(sms.provider_id, "delivered"),
            )
            assert callback.status_code == 200
            sms.refresh_from_db()
            assert sms.state == SmsMessage.State.DELIVERED


def test_a_provider_outage_loses_no_sms(live_server, settings):
    """The gateway answers 503 three times, then works: the offer SMS is taken once."""
    office = OfficeFactory(email="eving@lotse.example")
    with TwilioGateway().running() as gateway, smtp_server(Sink()) as port:
        gateway.fail_next(503, 503, 503)
        env = worker_env(
            smtp_port=port,
            SMS_URL=gateway.sms_url(),
            SITE_URL=live_server.url,
            SMS_QUIET_HOURS="00:00-00:00",
            LOTSE_SMTP_RETRY_BASE_SECONDS="1",
            LOTSE_SMTP_RETRY_MAX_SECONDS="2",
        )
        with celery_worker(env) as worker:
            request = offered(office)
            wait_until(
                lambda: Offer.objects.get(request=request).status == Offer.Status.SENT,
                timeout=120,
                what=f"the offer sent after the outage; worker output:\n{worker.output}",
            )
            # Four tries reached the gateway; only the last was taken, and it is the one sent.
            assert len(bodies_to(gateway, PHONE)) == 4
            assert next(gateway.sids) == 2  # the gateway gave out exactly one message id
            (sms,) = SmsMessage.objects.filter(offer__request=request, kind="offer")
            assert sms.provider_id and sms.state == SmsMessage.State.SENT
