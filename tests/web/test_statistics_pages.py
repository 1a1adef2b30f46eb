"""The statistics page and its CSV downloads, on a database fixture whose numbers are known."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from requests.models import Offer, Request
from requests.statistics import numbers
from tests.factories.requests import past_request
from tests.factories.volunteers import VolunteerFactory, farsi_mediator
from tests.web.helpers import signed_in


@pytest.fixture
def ten_requests(office_a, office_b):
    """Office A, three days ago: 10 requests, 7 filled (completed, 1.5 h each), 3 nobody found.

    Office B has one completed request of its own, which A's staff must never count.
    """
    person = farsi_mediator()
    made = []
    for i in range(10):
        need = past_request(office=office_a, days_ago=3)
        filled = i < 7
        Request.objects.filter(pk=need.pk).update(
            status=Request.Status.COMPLETED if filled else Request.Status.UNFILLED,
            accepted_count=1 if filled else 0,
            created_at=need.starts_at - dt.timedelta(days=2),
            filled_at=need.starts_at - dt.timedelta(days=2, hours=-(i + 1)) if filled else None,
        )
        Offer.objects.create(
            request=need,
            volunteer=person if filled else VolunteerFactory(),
            status=Offer.Status.ACCEPTED if filled else Offer.Status.DECLINED,
            decline_reason="" if filled else Offer.DeclineReason.NO_TIME,
            hours=Decimal("1.5") if filled else None,
        )
        made.append(need)
    other = past_request(office=office_b, days_ago=3)
    Request.objects.filter(pk=other.pk).update(status=Request.Status.COMPLETED)
    return made


def test_it_shows_the_fill_rate_time_to_fill_and_hours(staff_a, ten_requests):
    """7 of 10 filled → 70 %; filled after 1–7 hours → median 4 hours; 7 × 1.5 h = 10.5 h."""
    page = signed_in(staff_a).get(reverse("staff-statistics")).content.decode()
    assert '<span class="figure">10</span>' in page
    assert '<span class="figure">70 %</span>' in page
    assert "7 of 10 filled" in page
    assert '<span class="figure">4.0 hours</span>' in page
    assert '<span class="figure">10.5</span>' in page
    # Seven charts and the allowances per month (the one per language shows once any is paid).
    assert page.count("<svg") == 8
    assert 'role="img"' in page


def test_it_exports_the_fill_rate_as_csv_for_german_spreadsheets(staff_a, ten_requests):
    """German: ";" between fields, decimal comma, UTF-8 with BOM, one row per month + total."""
    client = signed_in(staff_a)
    response = client.get(
        reverse("staff-statistics-csv", args=["fill-rate"]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Monat"
    total = rows[-1]
    assert total[:6] == ["Gesamter Zeitraum", "7", "3", "0", "0", "70"]
    assert total[6] == "4"


def test_it_exports_in_english_with_commas(staff_a, ten_requests):
    # Someone took the place of the last request and gave it back: a drop-out, no decline.
    Offer.objects.create(
        request=ten_requests[-1],
        volunteer=VolunteerFactory(),
        status=Offer.Status.WITHDRAWN,
        released_at=ten_requests[-1].starts_at - dt.timedelta(days=1),
    )
    response = signed_in(staff_a).get(reverse("staff-statistics-csv", args=["declines"]))
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0] == ["Reason", "offers"]
    assert ["no time then", "3"] in rows
    assert rows[-1] == ["accepted, then dropped out", "1"]


def test_it_counts_only_the_callers_offices(staff_a, staff_b, coordinator, ten_requests):
    """A's staff see 10 requests, B's staff 1, the coordinator 11."""

    def total(member):
        response = signed_in(member).get(reverse("staff-statistics-csv", args=["requests"]))
        rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
        return sum(int(row[-1]) for row in rows[1:])

    assert (total(staff_a), total(staff_b), total(coordinator)) == (10, 1, 11)


@pytest.mark.parametrize(
    "query",
    [
        {"first": "2026-13"},
        {"first": "march"},
        {"first": "2026-05", "last": "2026-01"},
        {"first": "2001-01", "last": "2026-01"},
        {"office": "999999"},
    ],
)
def test_it_shows_a_bad_filter_as_a_form_error(staff_a, ten_requests, query):
    """A month that is no month, a backwards or too long period, a foreign office: 400."""
    response = signed_in(staff_a).get(reverse("staff-statistics"), query)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    csv_response = signed_in(staff_a).get(reverse("staff-statistics-csv", args=["requests"]), query)
    assert csv_response.status_code == 400


def test_it_refuses_another_offices_numbers(staff_a, office_b, ten_requests):
    response = signed_in(staff_a).get(reverse("staff-statistics"), {"office": office_b.pk})
    assert response.status_code == 400


def test_it_answers_an_unknown_table_with_404(staff_a, db):
    assert signed_in(staff_a).get("/statistics/whatever.csv").status_code == 404


def test_it_reads_the_default_period_as_the_last_twelve_months(staff_a, ten_requests):
    page = signed_in(staff_a).get(reverse("staff-statistics")).content.decode()
    this_month = numbers.month_of(ten_requests[0].starts_at)
    assert f'value="{this_month:%Y-%m}"' in page or "to month" in page
