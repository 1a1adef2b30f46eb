"""Payout lists through the API and the staff page: per volunteer, JSON and a CSV that German
Excel opens; scoped to the caller's offices; bad input is a 400 naming the field; cap decisions
and rule changes are for coordinators and go into the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from requests import allowances
from requests.models import AllowanceEntry, AllowanceRule
from tests.factories.requests import confirmed
from tests.factories.volunteers import VolunteerFactory
from tests.web.helpers import signed_in
from volunteers.audit import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/allowances/"


@pytest.fixture
def march(office_a, office_b, settings, django_capture_on_commit_callbacks):
    """Office A pays 15 €/h + 0,30 €/km. In March 2026 Leyla worked twice (2 h with 10 km,
    1,5 h with a 4,90 € ticket), Omar once, and Omar's year is near a cap of 100 €: his 60 €
    waits. Office B has an assignment of Leyla's too (not on A's list)."""
    settings.LOTSE_ALLOWANCE_CAPS = {2025: 84000, 2026: 10000}
    allowances.set_rule(
        office=office_a, data={"kind": "hourly", "hourly_cents": 1500, "km_cents": 30}
    )
    allowances.set_rule(office=office_b, data={"kind": "flat", "flat_cents": 1000})
    leyla = VolunteerFactory(name="Leyla Ahmadi")
    omar = VolunteerFactory(name='=HYPERLINK("http://x")')
    capture = django_capture_on_commit_callbacks
    confirmed(capture, office=office_a, volunteer=leyla, day=dt.date(2026, 3, 3), km="10")
    confirmed(
        capture,
        office=office_a,
        volunteer=leyla,
        day=dt.date(2026, 3, 20),
        hours="1.5",
        ticket_cents=490,
    )
    confirmed(capture, office=office_b, volunteer=leyla, day=dt.date(2026, 3, 21))
    confirmed(capture, office=office_a, volunteer=omar, day=dt.date(2026, 2, 2), hours="4")
    waiting = confirmed(
        capture, office=office_a, volunteer=omar, day=dt.date(2026, 3, 9), hours="4"
    )
    confirmed(capture, office=office_a, volunteer=leyla, day=dt.date(2026, 4, 1))
    assert waiting.status == AllowanceEntry.Status.OVER_CAP
    return {"leyla": leyla, "omar": omar, "waiting": waiting}


def test_the_payout_list_per_volunteer(api_a, office_a, march):
    response = api_a.get(URL, {"office": office_a.pk, "month": "2026-03"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2026-03" and body["year_cap_cents"] == 10000
    rows = {row["volunteer"]["name"]: row for row in body["rows"]}
    leyla = rows["Leyla Ahmadi"]
    assert leyla["assignments"] == 2 and leyla["hours"] == "3.50"
    assert leyla["allowance_cents"] == 3000 + 2250
    assert leyla["travel_cents"] == 300 + 490
    assert leyla["amount_cents"] == 3000 + 2250 + 300 + 490
    # All offices count towards the year: B's 10 € flat is in Leyla's year to date.
    assert leyla["year_to_date_cents"] == 3000 + 2250 + 1000
    assert leyla["over_cap"] is False
    omar = rows['=HYPERLINK("http://x")']
    assert omar["amount_cents"] == 0 and omar["waiting_cents"] == 6000
    assert omar["year_to_date_cents"] == 6000 and omar["over_cap"] is True
    assert omar["waiting_entries"] == [march["waiting"].pk]
    assert body["amount_cents"] == leyla["amount_cents"]


def test_the_csv_opens_in_german_excel(api_a, office_a, march):
    """UTF-8 with a byte order mark, ";" between fields, a decimal comma, euros; a name that
    looks like a formula is written as text."""
    response = api_a.get(
        URL, {"office": office_a.pk, "month": "2026-03", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    header, *lines = rows
    assert header[0] == "Ehrenamtliche*r" and len(header) == 10
    by_name = {line[0]: line for line in lines}
    leyla = by_name["Leyla Ahmadi"]
    assert leyla[1:4] == ["2", "3,5", "52,5"]
    assert leyla[5] == "60,4" and leyla[7] == "62,5" and leyla[8] == "100"
    assert by_name['\'=HYPERLINK("http://x")'][9] == "ja"


def test_staff_of_another_office_get_nothing(api_b, api_anonymous, office_a, march):
    refused = api_b.get(URL, {"office": office_a.pk, "month": "2026-03"})
    assert refused.status_code == 400
    assert "office" in refused.json() and "Leyla" not in refused.content.decode()
    assert api_anonymous.get(URL, {"office": office_a.pk, "month": "2026-03"}).status_code in (
        401,
        403,
    )
    waiting = march["waiting"]
    decision = api_b.post(
        f"/api/allowances/entries/{waiting.pk}/decision/", {"decision": "approve"}, format="json"
    )
    assert decision.status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"month": "2026-03"}, "office"),
        ({"office": "abc", "month": "2026-03"}, "office"),
        ({"office": 999999, "month": "2026-03"}, "office"),
        ({"office": 1}, "month"),
        ({"office": 1, "month": "2026-13"}, "month"),
        ({"office": 1, "month": "März"}, "month"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_coordinator, office_a, query, field):
    query = {k: (office_a.pk if v == 1 else v) for k, v in query.items()}
    for fmt in ("json", "csv"):
        response = api_coordinator.get(URL, {**query, "format": fmt})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert field in response.json()


def test_a_coordinator_decides_and_the_trail_keeps_it(api_coordinator, coordinator, march):
    waiting = march["waiting"]
    url = f"/api/allowances/entries/{waiting.pk}/decision/"
    assert api_coordinator.post(url, {"decision": "perhaps"}, format="json").status_code == 400
    response = api_coordinator.post(url, {"decision": "cap"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "capped" and response.json()["allowance_cents"] == 4000
    entry = (
        AuditEntry.objects.filter(content_type__model="allowanceentry", object_id=waiting.pk)
        .order_by("pk")
        .last()
    )
    assert entry.actor == coordinator.user and entry.changes["status"] == ["over_cap", "capped"]
    assert api_coordinator.post(url, {"decision": "cap"}, format="json").status_code == 409


def test_office_staff_cannot_decide(api_a, march):
    url = f"/api/allowances/entries/{march['waiting'].pk}/decision/"
    assert api_a.post(url, {"decision": "approve"}, format="json").status_code == 403


def test_coordinators_set_an_offices_rule_audited(api_coordinator, api_a, coordinator, office_a):
    url = f"/api/offices/{office_a.pk}/allowance-rule/"
    rule = {
        "kind": "hourly",
        "flat_cents": 0,
        "hourly_cents": 1500,
        "km_cents": 30,
        "reimburse_tickets": True,
    }
    assert api_a.put(url, rule, format="json").status_code == 403
    bad = api_coordinator.put(url, {"kind": "hourly", "hourly_cents": "x"}, format="json")
    assert bad.status_code == 400 and "hourly_cents" in bad.json()
    response = api_coordinator.put(url, rule, format="json")
    assert response.status_code == 200 and response.json() == rule
    assert api_a.get(url).json() == rule
    assert AllowanceRule.objects.get(office=office_a).hourly_cents == 1500
    assert AuditEntry.objects.filter(
        content_type__model="allowancerule", actor=coordinator.user
    ).exists()


def test_the_schema_documents_the_payout_list(api_anonymous):
    schema = api_anonymous.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/allowances/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"office", "month", "format"} <= names
    assert {"application/json", "text/csv"} <= set(operation["responses"]["200"]["content"])


def test_the_staff_page_lists_the_month_and_coordinators_decide_there(
    staff_a, coordinator, office_a, march
):
    page = signed_in(staff_a).get(
        reverse("staff-allowances"), {"office": office_a.pk, "month": "2026-03"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Leyla Ahmadi" in text and 'class="over-cap"' in text
    assert "Pay anyway" not in text  # office staff see the flag, coordinators decide
    client = signed_in(coordinator)
    text = client.get(
        reverse("staff-allowances"), {"office": office_a.pk, "month": "2026-03"}
    ).content.decode()
    assert "Pay anyway" in text
    done = client.post(
        reverse("staff-allowance-decide", args=[march["waiting"].pk]), {"decision": "approve"}
    )
    assert done.status_code == 302
    assert AllowanceEntry.objects.get(pk=march["waiting"].pk).status == "approved"
    bad = signed_in(staff_a).get(reverse("staff-allowances"), {"month": "13/2026"})
    assert bad.status_code == 400


def test_another_offices_staff_page_is_not_theirs(staff_b, office_a, march):
    page = signed_in(staff_b).get(
        reverse("staff-allowances"), {"office": office_a.pk, "month": "2026-03"}
    )
    assert page.status_code == 400 and "Leyla" not in page.content.decode()
    assert Client().get(reverse("staff-allowances")).status_code == 302


def test_a_format_other_than_json_or_csv_is_a_400(api_coordinator, api_anonymous, office_a):
    """An unknown `?format=` is a bad parameter: 400 naming it, for anyone, never a 404."""
    for client in (api_coordinator, api_anonymous):
        response = client.get(URL, {"office": office_a.pk, "month": "2026-03", "format": "xls"})
        assert response.status_code == 400
        assert "format" in response.json()
