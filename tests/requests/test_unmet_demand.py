"""Unmet demand per language: requests, filled, and how many found nobody at all or nobody in
the exact tier when their first offers went out, so coordinators know whom to recruit."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse

from requests.models import Request
from requests.statistics import numbers
from requests.statistics.numbers import RequestFact
from tests.factories.requests import past_request
from tests.web.helpers import signed_in

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=numbers.BERLIN)
STARTS = dt.datetime(2026, 5, 20, 10, 0, tzinfo=numbers.BERLIN)


def fact(status: str, languages: tuple[str, ...], found=None, found_exact=None) -> RequestFact:
    return RequestFact(
        office="Eving",
        status=status,
        starts_at=STARTS,
        created_at=STARTS - dt.timedelta(days=3),
        filled_at=STARTS - dt.timedelta(days=1) if status == "completed" else None,
        languages=languages,
        found=found,
        found_exact=found_exact,
    )


def test_it_counts_filled_and_requests_that_found_nobody_per_language():
    facts = [
        fact("unfilled", ("ti", "de"), found=0, found_exact=0),
        fact("unfilled", ("ti", "de"), found=3, found_exact=0),
        fact("completed", ("ti", "de"), found=5, found_exact=0),
        fact("completed", ("ar", "de"), found=9, found_exact=4),
        fact("completed", ("ar", "de")),  # no wave planned: neither nobody nor somebody
        fact("cancelled", ("ti", "de"), found=0, found_exact=0),  # cancelled: no demand
    ]
    rows = numbers.language_demand(facts, volunteers={"ti": 1, "ar": 20}, now=NOW, leave_out=["de"])
    assert [
        (r.code, r.requests, r.filled, r.not_filled, r.no_candidate, r.no_exact) for r in rows
    ] == [
        ("ti", 3, 1, 2, 1, 3),
        ("ar", 2, 2, 0, 0, 0),
    ]


def test_the_statistics_table_and_csv_show_unmet_demand(staff_a, office_a):
    nobody = past_request(office=office_a, languages=["ti", "de"])
    flexible_only = past_request(office=office_a, languages=["ti", "de"])
    exact = past_request(office=office_a, languages=["ar", "de"])
    Request.objects.filter(pk=nobody.pk).update(
        status="unfilled", found_exact=0, found_outside_times=0, found_beyond_limit=0
    )
    Request.objects.filter(pk=flexible_only.pk).update(
        status="completed", found_exact=0, found_outside_times=2, found_beyond_limit=1
    )
    Request.objects.filter(pk=exact.pk).update(
        status="completed", found_exact=3, found_outside_times=0, found_beyond_limit=0
    )
    client = signed_in(staff_a)
    response = client.get(reverse("staff-statistics-csv", args=["languages"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    header, *body = rows
    assert header[:7] == [
        "Code",
        "Language",
        "requests",
        "of them filled",
        "of them not filled",
        "no candidate at all",
        "nobody exact",
    ]
    assert {row[0]: row[2:7] for row in body} == {
        "ti": ["2", "1", "1", "1", "2"],
        "ar": ["1", "1", "0", "0", "0"],
    }
    page = client.get(reverse("staff-statistics")).content.decode()
    assert "no candidate at all" in page
    german = client.get(reverse("staff-statistics"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "niemand zu fragen" in german
