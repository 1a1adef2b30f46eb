"""Through the real worker: a request whose only speakers gave other weekly times still gets
its first offer, to the flexible one, never the strict one."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from requests.models import Offer
from tests.factories.matching import at, fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory, StaffMemberFactory
from tests.processes import celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, smtp_server, text_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

WEDNESDAYS = [(2, "09:00", "13:00")]


def test_a_tuesday_request_reaches_the_flexible_speaker_with_wednesday_times():
    office = OfficeFactory(name="lokal willkommen Mengede", email="mengede@lotse.example")
    staff = StaffMemberFactory(offices=[office])
    tigrinya = [("ti", "native"), ("de", "B2")]
    flexible = fitting_volunteer(
        email="flexible@lotse.example", languages=tigrinya, availability=WEDNESDAYS
    )
    fitting_volunteer(
        email="strict@lotse.example",
        languages=tigrinya,
        availability=WEDNESDAYS,
        only_at_stated_times=True,
    )
    tuesday = monday_ahead(2) + dt.timedelta(days=1)
    sink = Sink()
    with smtp_server(sink) as port, celery_worker(worker_env(smtp_port=port)) as worker:
        api = APIClient()
        api.force_authenticate(staff.user)
        response = api.post(
            "/api/requests/",
            {
                "office": office.pk,
                "skill": "interpreting",
                "languages": ["ti", "de"],
                "starts_at": at(tuesday, "10:00").isoformat(),
                "ends_at": at(tuesday, "11:00").isoformat(),
                "postcode": "44357",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        (message,) = wait_until(
            lambda: sink.messages[:1],
            timeout=60,
            what=f"the first offer; worker output:\n{worker.output}",
        )
        wait_until(
            lambda: Offer.objects.filter(status=Offer.Status.SENT).exists(),
            timeout=30,
            what="the offer recorded as sent",
        )
    assert message["To"] == "flexible@lotse.example"
    offer = Offer.objects.get()
    assert (offer.volunteer_id, offer.outside_times) == (flexible.pk, True)
    assert (
        "Sie haben für Dienstagvormittag keine Zeit angegeben. Vielleicht passt es diesmal "
        "trotzdem?"
    ) in " ".join(text_of(message).split())
