"""The whole path with real parts: the API, PostgreSQL, Redis, a Celery worker, an SMTP server.

Staff create a request through the API; the worker plans the first wave and emails it; a
volunteer opens the link from the email and accepts; the worker confirms with a calendar
invite, tells the others that the place is taken and tells the office that it is filled.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from icalendar import Calendar
from rest_framework.test import APIClient

from requests.models import Offer, Request
from tests.factories.matching import at, fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory, StaffMemberFactory
from tests.processes import celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, calendar_of, smtp_server, text_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.real_worker,
    # The worker process reads what this test writes, so the test must commit. Not serialized:
    # the skills it needs are made on demand, and after a flush by an earlier transactional
    # test restoring the serialized catalogue would collide with the recreated content types.
    pytest.mark.django_db(transaction=True),
]

LINK = re.compile(r"http://\S+/offers/[\w-]+/")
WAVE = 3


def test_it_offers_confirms_and_tells_everyone_through_real_services():
    """Request via the API → the first wave's emails arrive → accept by the emailed link →
    the confirmation with a Berlin-time .ics, "already taken" to the others, "filled" to the
    office; each person gets each email once."""
    cache.clear()
    office = OfficeFactory(name="lokal willkommen Huckarde", email="huckarde@lotse.example")
    staff = StaffMemberFactory(offices=[office])
    volunteers = [
        fitting_volunteer(email=f"helper{i}@lotse.example", email_language=lang)
        for i, lang in enumerate(["de", "en", "de", "en"])
    ]
    day = monday_ahead(2)
    sink = Sink()
    with smtp_server(sink) as port:
        env = worker_env(
            smtp_port=port,
            MATCHING_WAVE_MIN=str(WAVE),
            MATCHING_WAVE_MAX=str(WAVE),
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
                    "auto_offer": True,
                },
                format="json",
            )
            assert response.status_code == 201, response.content
            request = Request.objects.get(pk=response.json()["id"])

            offers = wait_until(
                lambda: len(sink.messages) >= WAVE and sink.messages[:WAVE],
                timeout=60,
                what=f"the first wave's {WAVE} emails; worker output:\n{worker.output}",
            )
            asked = {m["To"] for m in offers}
            assert len(asked) == WAVE
            assert asked <= {v.email for v in volunteers}
            # The worker commits "sent" (and the link) just after the SMTP server took the
            # email: wait for that commit, not only for the email.
            wait_until(
                lambda: {o.status for o in Offer.objects.filter(request=request)} == {"sent"},
                timeout=30,
                what=f"both offers recorded as sent; worker output:\n{worker.output}",
            )

            chosen = offers[0]
            (link,) = set(LINK.findall(text_of(chosen)))
            page = Client().get(link)
            assert page.status_code == 200
            assert Offer.objects.get(request=request, volunteer__email=chosen["To"]).status == (
                Offer.Status.SENT
            )  # opening the link changed nothing
            assert Client().post(link, {"action": "accept"}).status_code == 303

            confirmation = wait_until(
                lambda: sink.to(chosen["To"], "Confirmed") or sink.to(chosen["To"], "Bestätigt"),
                timeout=60,
                what=f"the confirmation; worker output:\n{worker.output}",
            )[0]
            others = asked - {chosen["To"]}
            wait_until(
                lambda: all(
                    sink.to(a, "Already taken") or sink.to(a, "Schon vergeben") for a in others
                ),
                timeout=60,
                what=f"'already taken' to {others}; worker output:\n{worker.output}",
            )
            filled = wait_until(
                lambda: sink.to("huckarde@lotse.example", "Besetzt"),
                timeout=60,
                what=f"the office's 'filled'; worker output:\n{worker.output}",
            )

    (event,) = Calendar.from_ical(calendar_of(confirmation)).walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (10, 0, "Europe/Berlin")
    assert start.astimezone(dt.UTC) == request.starts_at.astimezone(dt.UTC)
    assert f"#{request.pk}" in str(filled[0]["Subject"])

    for address in asked:
        # The confirmation links to the offer page too; it is no second offer.
        offers_to = [
            m
            for m in sink.to(address)
            if LINK.search(text_of(m))
            and not str(m["Subject"]).strip().startswith(("Bestätigt", "Confirmed"))
        ]
        assert len(offers_to) == 1, f"{address} got {len(offers_to)} offer emails"
    assert len(sink.to(chosen["To"])) == 2  # the offer and the confirmation, nothing else
    request.refresh_from_db()
    assert (request.status, request.accepted_count) == (Request.Status.FILLED, 1)
    assert "task=send_offer" in worker.output and "outcome=sent" in worker.output
