"""The statistics show the allowances paid per month and office and per language, as a chart,
a table and a CSV; entries waiting over the cap are not paid yet; another office's are not
shown."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from requests import allowances
from tests.factories.requests import confirmed
from tests.web.helpers import signed_in

pytestmark = pytest.mark.django_db

PERIOD = {"first": "2026-01", "last": "2026-03"}


@pytest.fixture
def paid(office_a, office_b, settings, django_capture_on_commit_callbacks):
    settings.LOTSE_ALLOWANCE_CAPS = {2026: 10000}
    allowances.set_rule(
        office=office_a, data={"kind": "hourly", "hourly_cents": 1500, "km_cents": 30}
    )
    allowances.set_rule(office=office_b, data={"kind": "flat", "flat_cents": 2000})
    capture = django_capture_on_commit_callbacks
    confirmed(capture, office=office_a, day=dt.date(2026, 2, 3), km="10")  # 30 + 3 €
    confirmed(capture, office=office_a, day=dt.date(2026, 2, 4), languages=("ar", "de"))
    confirmed(capture, office=office_b, day=dt.date(2026, 3, 5))  # 20 €
    over = confirmed(capture, office=office_a, day=dt.date(2026, 3, 6), hours="8")  # 120 €
    assert over.status == "over_cap"


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_the_coordinator_sees_allowances_per_month_office_and_language(coordinator, paid):
    client = signed_in(coordinator)
    page = client.get(reverse("staff-statistics"), PERIOD).content.decode()
    assert 'id="chart-allowances-title"' in page and 'id="chart-allowance-languages-title"' in page
    header, *rows = csv_rows(
        client.get(reverse("staff-statistics-csv", args=["allowances"]), PERIOD)
    )
    assert header[1:] == ["Büro A", "Büro B", "All"]
    by_month = {row[0]: row[1:] for row in rows}
    assert by_month["February 2026"] == ["63", "0", "63"]
    assert by_month["March 2026"] == ["0", "20", "20"]  # the 120 € over the cap waits
    header, *rows = csv_rows(
        client.get(reverse("staff-statistics-csv", args=["allowance-languages"]), PERIOD)
    )
    assert {row[0]: row[2:] for row in rows} == {"fa": ["2", "53"], "ar": ["1", "30"]}


def test_office_staff_see_only_their_office(staff_b, paid):
    header, *rows = csv_rows(
        signed_in(staff_b).get(reverse("staff-statistics-csv", args=["allowances"]), PERIOD)
    )
    assert header[1:] == ["Büro B", "All"]
    assert {row[0]: row[1:] for row in rows}["February 2026"] == ["0", "0"]
