"""Check-ins and personal data: the volunteer's export lists them, retention removes their free
text and links, erasure removes the comment and the links and keeps the figures."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from requests import outcomes
from requests.models import CheckinLink, Offer, Outcome
from tests.factories.requests import accepted_offer, make_request
from tests.factories.volunteers import VolunteerFactory
from volunteers import selfservice
from workers import retention, tasks

pytestmark = pytest.mark.django_db


def answered(office, *, days_ago: int, comment: str = "Es war schwer.") -> Offer:
    """A check-in sent and answered for an appointment 8:00–10:00 `days_ago` days ago."""
    starts = (timezone.now() - dt.timedelta(days=days_ago)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    week_before = starts - dt.timedelta(days=7)
    need = make_request(office=office, starts_at=starts, now=week_before)
    offer = accepted_offer(need, VolunteerFactory(email_language="en"), now=week_before)
    outcome = outcomes.outcome_of(offer=offer)
    outcomes.add_link(outcome=outcome)
    outcomes.answer(outcome=outcome, choice="as_planned", km="5", comment=comment)
    return offer


def test_the_export_lists_the_volunteers_checkins(office_a):
    offer = answered(office_a, days_ago=2)
    data = selfservice.export_data(volunteer=offer.volunteer)
    (checkin,) = data["checkins"]
    assert checkin["offer"] == offer.pk
    assert checkin["result"] == "took_place" and checkin["hours"] == "2.00"
    assert checkin["km"] == "5.0" and checkin["comment"] == "Es war schwer."
    assert "digest" not in str(data)


def test_retention_removes_checkin_free_text_and_links(office_a, settings):
    """Past LOTSE_RETENTION_DAYS: the comment and the links go, the figures stay."""
    settings.LOTSE_RETENTION_DAYS = 90
    old = answered(office_a, days_ago=100, comment="Herr X war krank.")
    recent = answered(office_a, days_ago=3, comment="bleibt")
    counts = retention.apply_retention()
    assert counts["checkin_comments"] == 1 and counts["checkin_links"] == 1
    gone = Outcome.objects.get(offer=old)
    assert gone.comment == "" and not CheckinLink.objects.filter(outcome=gone).exists()
    assert (gone.result, gone.hours, gone.km) == ("took_place", Decimal("2.00"), Decimal("5.0"))
    kept = Outcome.objects.get(offer=recent)
    assert kept.comment == "bleibt" and kept.links.count() == 1


def test_erasure_removes_the_comment_and_the_link_and_keeps_the_figures(office_a, mailoutbox):
    cache.clear()
    starts = (timezone.now() - dt.timedelta(days=1)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    need = make_request(office=office_a, starts_at=starts, now=starts - dt.timedelta(days=7))
    offer = accepted_offer(
        need, VolunteerFactory(email_language="en"), now=starts - dt.timedelta(days=7)
    )
    tasks.start_checkins.delay()
    (email,) = mailoutbox
    path = re.search(r"http://[^/\s]+(/checkin/[\w-]+/)", email.body).group(1)
    Client().post(path, {"answer": "as_planned", "comment": "Mein Name ist …"})
    selfservice.erase(volunteer=offer.volunteer)
    outcome = Outcome.objects.get(offer=offer)
    assert outcome.comment == "" and outcome.result == "took_place"
    assert Client().get(path).status_code == 404
