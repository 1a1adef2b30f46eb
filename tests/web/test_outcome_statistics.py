"""Outcomes in the statistics: per month and per language, as chart, table and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from requests import outcomes
from requests.models import Outcome
from requests.statistics import numbers
from tests.factories.requests import accepted_offer, make_request
from tests.factories.volunteers import VolunteerFactory
from tests.web.helpers import signed_in

pytestmark = pytest.mark.django_db

MARCH = dt.datetime(2026, 3, 10, 10, tzinfo=numbers.BERLIN)


def test_outcomes_per_month_and_language_count_each_result_and_the_hours():
    facts = [
        numbers.OutcomeFact("A", MARCH, "took_place", Decimal("2"), True, ("fa", "de")),
        numbers.OutcomeFact("A", MARCH, "took_place", Decimal("1.5"), False, ("ar", "de")),
        numbers.OutcomeFact("A", MARCH, "client_no_show", Decimal(0), True, ("fa", "de")),
        numbers.OutcomeFact("A", MARCH, "volunteer_no_show", Decimal(0), True, ("fa", "de")),
        numbers.OutcomeFact("A", MARCH, "", None, False, ("fa", "de")),
    ]
    month = MARCH.date().replace(day=1)
    table = numbers.outcomes_per_month(facts, months=[month])
    assert [table.value(month, r) for r in numbers.OUTCOME_RESULTS] == [2, 1, 1, 0, 1]
    assert table.value(month, "hours") == 3.5 and table.value(month, "confirmed") == 3
    farsi, arabic = numbers.outcomes_per_language(facts, leave_out=["de"])
    assert (farsi.code, farsi.count("took_place"), farsi.count("client_no_show")) == ("fa", 1, 1)
    assert (arabic.code, arabic.hours) == ("ar", 1.5)


def test_the_page_and_the_german_csv_show_the_outcomes(staff_a, office_a):
    """Two assignments this month: one took place (2 h, confirmed), one client did not come."""
    starts = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    if starts > timezone.now():
        starts -= dt.timedelta(days=1)
    for i, result in enumerate(["took_place", "client_no_show"]):
        at = starts + dt.timedelta(hours=2 * i)
        need = make_request(
            office=office_a,
            starts_at=at,
            ends_at=at + dt.timedelta(hours=2),
            now=at - dt.timedelta(days=7),
        )
        offer = accepted_offer(need, VolunteerFactory(), now=at - dt.timedelta(days=7))
        outcome = outcomes.outcome_of(offer=offer, now=at + dt.timedelta(hours=2))
        outcomes.confirm(outcome=outcome, by=staff_a.user, result=result, hours="2")
    assert Outcome.objects.count() == 2
    client = signed_in(staff_a)
    page = client.get(reverse("staff-statistics")).content.decode()
    assert 'id="chart-outcomes-title"' in page and 'id="chart-outcome-languages-title"' in page
    response = client.get(
        reverse("staff-statistics-csv", args=["outcomes"]), HTTP_ACCEPT_LANGUAGE="de"
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows[0]) == 8
    assert rows[-1][1:] == ["1", "1", "0", "0", "0", "2", "2"]
    languages = client.get(reverse("staff-statistics-csv", args=["outcome-languages"]))
    (_header, farsi) = list(csv.reader(io.StringIO(languages.content.decode().lstrip("\ufeff"))))
    assert farsi[0] == "fa" and farsi[2:4] == ["1", "1"]
