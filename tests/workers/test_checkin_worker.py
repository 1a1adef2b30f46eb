"""The check-in with real parts: PostgreSQL, Redis, a Celery worker and beat, an SMTP server.

Beat asks every second (LOTSE_CHECKINS_EVERY_SECONDS=1); the clock is LOTSE_CHECKIN_AFTER_MINUTES
set between two appointments that ended yesterday, so one is due and the other not, whatever
the time of day the test runs. Completion through the API sends the check-in at once, and the
volunteer answers it with two taps.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from requests.models import Outcome
from tests.factories.requests import (
    OfficeFactory,
    StaffMemberFactory,
    accepted_offer,
    at,
    days_ahead,
    make_request,
)
from tests.factories.volunteers import VolunteerFactory
from tests.processes import celery_beat, celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, smtp_server, text_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

LINK = re.compile(r"http://[^/\s]+(/checkin/[\w-]+/)")


def accepted_yesterday(office, *, start: str, end: str, email: str):
    starts_at = at(days_ahead(-1), start)
    week_before = starts_at - dt.timedelta(days=7)
    need = make_request(
        office=office, starts_at=starts_at, ends_at=at(days_ahead(-1), end), now=week_before
    )
    volunteer = VolunteerFactory(email=email, email_language="en")
    return accepted_offer(need, volunteer, now=week_before)


def test_beat_sends_the_checkin_when_it_is_due_and_not_before(tmp_path):
    """Yesterday 8–9 ended more than LOTSE_CHECKIN_AFTER_MINUTES ago: its volunteer gets the
    check-in from beat and the worker, once. Yesterday 20–21 ended less than that ago: nothing,
    however often beat looks."""
    cache.clear()
    office = OfficeFactory(email="office@lotse.example")
    accepted_yesterday(office, start="08:00", end="09:00", email="due@lotse.example")
    later = accepted_yesterday(office, start="20:00", end="21:00", email="later@lotse.example")
    # An hour after now, the later one falls due: the earlier one, 12 hours before it, is due.
    minutes = int((timezone.now() - later.request.ends_at).total_seconds() // 60) + 60
    sink = Sink()
    with smtp_server(sink) as port:
        env = worker_env(
            smtp_port=port,
            LOTSE_CHECKINS_EVERY_SECONDS="1",
            LOTSE_CHECKIN_AFTER_MINUTES=str(minutes),
        )
        with celery_worker(env) as worker, celery_beat(env, tmp_path / "beat") as beat:
            wait_until(
                lambda: sink.to("due@lotse.example", "How did it go?"),
                timeout=90,
                what=f"the check-in:\n{worker.output}\n{beat.output}",
            )
            runs = worker.output.count("task=start_checkins")
            wait_until(
                lambda: worker.output.count("task=start_checkins") >= runs + 2,
                timeout=60,
                what=f"two more runs of beat's check-in task:\n{worker.output}",
            )
    assert len(sink.to("due@lotse.example", "How did it go?")) == 1
    assert sink.to("later@lotse.example", "How did it go?") == []
    assert Outcome.objects.get(volunteer__email="due@lotse.example").sent_at is not None


def test_completion_sends_the_checkin_at_once_and_two_taps_answer_it():
    """Staff complete the request through the API minutes after it began; the worker emails
    the check-in without waiting; the volunteer opens the link and taps "Yes, as planned"; the
    API shows the answer to staff."""
    cache.clear()
    office = OfficeFactory(email="office@lotse.example")
    staff = StaffMemberFactory(offices=[office])
    starts = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=2)
    need = make_request(
        office=office,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=1),
        now=starts - dt.timedelta(days=7),
    )
    volunteer = VolunteerFactory(email="amal@lotse.example", email_language="en")
    offer = accepted_offer(need, volunteer, now=starts - dt.timedelta(days=7))
    sink = Sink()
    with smtp_server(sink) as port, celery_worker(worker_env(smtp_port=port)) as worker:
        api = APIClient()
        api.force_authenticate(staff.user)
        response = api.post(
            f"/api/requests/{need.pk}/complete/",
            {"hours": [{"volunteer": volunteer.pk, "hours": 1}]},
            format="json",
        )
        assert response.status_code == 200, response.content
        (email,) = wait_until(
            lambda: sink.to("amal@lotse.example", "How did it go?"),
            timeout=60,
            what=f"the check-in after completion:\n{worker.output}",
        )
    path = LINK.search(text_of(email)).group(1)
    client = Client()
    assert client.get(path).status_code == 200
    assert client.post(path, {"answer": "as_planned"}).status_code == 303
    (listed,) = api.get(f"/api/requests/{need.pk}/offers/").json()
    assert listed["id"] == offer.pk
    assert listed["outcome"]["result"] == "took_place"
    assert listed["outcome"]["answered_at"] is not None
