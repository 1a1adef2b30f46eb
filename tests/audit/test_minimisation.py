"""Minimisation, proved on a whole flow with real parts: a request's note and address reach only
the offer page and the accepted volunteer's messages; never a task argument, never a log line,
never another person's email.

Staff create a request with a note and an address through the API; a real worker plans the wave
and emails the offers through a real SMTP server; one volunteer opens the link and accepts; the
worker confirms and tells the others and the office; staff complete the request. Every email the
SMTP server took, every SMS the volunteers got (they take offers by email and SMS; an SMS never
carries the note or the address, not even the accepted volunteer's), every message the broker
carried (watched with Redis MONITOR: the task's arguments as `argsrepr` and in its encoded body),
every line the worker logged and every log record of this process are searched for the note and
the address.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
import threading
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from requests import lifecycle
from requests.models import Offer, Request
from tests.factories.matching import at, fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory, StaffMemberFactory
from tests.processes import celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, smtp_server, text_of
from workers.models import SmsMessage
from workers.sms import dev

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

NOTE = "Bitte Aufenthaltstitel mitbringen, Termin Raum 4711"
ADDRESS = "Kielstraße 26, Hinterhaus"
SECRETS = (NOTE, ADDRESS, "4711", "Kielstraße 26")
LINK = re.compile(r"http://\S+/offers/[\w-]+/")
WAVE = 3
BODY = re.compile(r'body\\*"\s*:\s*\\*"([A-Za-z0-9+/=]+)')


class BrokerWatch:
    """Every command Redis receives while the flow runs (MONITOR), in a thread."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        # No read timeout: MONITOR is quiet while the worker starts, which takes longer than
        # redis-py's default timeout on a busy machine, and a timeout ends the watch.
        self._client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=None)
        self._monitor = self._client.monitor()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stop = False

    def _run(self) -> None:
        try:
            for message in self._monitor.listen():
                self.commands.append(message["command"])
                if self._stop:
                    return
        except Exception:
            return

    def __enter__(self) -> BrokerWatch:
        self._monitor.__enter__()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._client.ping()  # wakes the listener so it sees the stop
        self._thread.join(timeout=5)
        self._monitor.__exit__(*exc)

    def texts(self) -> list[str]:
        """Each command as Redis saw it, and each encoded message body decoded."""
        found = []
        for command in self.commands:
            found.append(command)
            for body in BODY.findall(command):
                try:
                    found.append(base64.b64decode(body).decode("utf-8", "replace"))
                except ValueError:
                    continue
        return found


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_it_keeps_note_and_address_out_of_tasks_logs_sms_and_other_peoples_mail(
    caplog, settings, tmp_path
):
    caplog.set_level(logging.DEBUG)
    cache.clear()
    settings.SMS_DEV_DIR = tmp_path / "sms"  # where the worker's dev SMS box writes
    office = OfficeFactory(name="lokal willkommen Huckarde", email="huckarde@lotse.example")
    staff = StaffMemberFactory(offices=[office])
    volunteers = [
        fitting_volunteer(
            email=f"helper{i}@lotse.example",
            phone=f"+4917150000{i:02d}",
            offer_channel="both",
            phone_confirmed_at=timezone.now(),
        )
        for i in range(4)
    ]
    day = monday_ahead(2)
    sink = Sink()
    with smtp_server(sink) as port, BrokerWatch() as broker:
        env = worker_env(
            smtp_port=port,
            MATCHING_WAVE_MIN=str(WAVE),
            MATCHING_WAVE_MAX=str(WAVE),
            LOTSE_VAR_DIR=str(tmp_path),
            SMS_URL="dev://",
            SMS_QUIET_HOURS="00:00-00:00",
        )
        with celery_worker(env) as worker:
            api = APIClient()
            api.force_authenticate(staff.user)
            response = api.post(
                "/api/requests/",
                {
                    "office": office.pk,
                    "skill": "interpreting",
                    "languages": ["fa", "de"],
                    "starts_at": at(day, "10:00").isoformat(),
                    "ends_at": at(day, "11:00").isoformat(),
                    "postcode": "44147",
                    "address": ADDRESS,
                    "note": NOTE,
                    "auto_offer": True,
                },
                format="json",
            )
            assert response.status_code == 201, response.content
            request = Request.objects.get(pk=response.json()["id"])
            offers = wait_until(
                lambda: len(sink.messages) >= WAVE and sink.messages[:WAVE],
                timeout=60,
                what=f"the first wave; worker output:\n{worker.output}",
            )
            wait_until(
                lambda: {o.status for o in Offer.objects.filter(request=request)} == {"sent"},
                timeout=30,
                what=f"offers recorded as sent; worker output:\n{worker.output}",
            )
            chosen = offers[0]
            (link,) = set(LINK.findall(text_of(chosen)))
            page = Client().get(link).content.decode()
            assert Client().post(link, {"action": "accept"}).status_code == 303
            others = {m["To"] for m in offers} - {chosen["To"]}
            wait_until(
                lambda: (
                    (sink.to(chosen["To"], "Bestätigt") or sink.to(chosen["To"], "Confirmed"))
                    and all(
                        sink.to(a, "Schon vergeben") or sink.to(a, "Already taken") for a in others
                    )
                    and sink.to("huckarde@lotse.example", "Besetzt")
                ),
                timeout=60,
                what=f"confirmation, 'taken' and 'filled'; worker output:\n{worker.output}",
            )
            wait_until(
                lambda: (
                    SmsMessage.objects.filter(kind="confirmation").exists()
                    and not SmsMessage.objects.filter(state=SmsMessage.State.QUEUED).exists()
                ),
                timeout=60,
                what=f"every SMS out of the outbox; worker output:\n{worker.output}",
            )
            accepted = Offer.objects.get(request=request, status=Offer.Status.ACCEPTED)
            lifecycle.complete_request(
                request=Request.objects.get(pk=request.pk),
                hours={accepted.volunteer_id: Decimal("1.5")},
                now=request.starts_at + dt.timedelta(hours=2),
            )
            worker_log = worker.output

    # The offer page shows the place: that is where the accepted volunteer needs it.
    assert ADDRESS in page
    for message in sink.messages:
        found = leaks(text_of(message) + str(message["Subject"]))
        if message["To"] == chosen["To"]:
            continue  # the accepted volunteer's messages may carry them
        assert not found, f"{found} in the email to {message['To']}: {message['Subject']}"
    texted = dev.messages()
    assert len([m for m in texted if m.direction == "out"]) >= WAVE + 1  # offers, confirmation
    for sms in texted:
        assert not leaks(sms.body), f"{leaks(sms.body)} in the SMS to {sms.phone}: {sms.body}"
    for text in broker.texts():
        assert not leaks(text), f"{leaks(text)} in a broker message: {text[:300]}"
    assert any("send_offer" in text and "argsrepr" in text for text in broker.texts()), (
        "the broker watch saw no task message"
    )
    for line in worker_log.splitlines():
        assert not leaks(line), f"{leaks(line)} in the worker's log: {line}"
    for record in caplog.records:
        if record.name.startswith("mail.log"):
            continue  # the test's SMTP server (aiosmtpd) logs what it receives; not Lotse
        assert not leaks(record.getMessage()), f"in the log: {record.getMessage()}"
    assert {v.email for v in volunteers} >= {m["To"] for m in offers}
