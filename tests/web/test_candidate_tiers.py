"""The candidate panels show the tiers: a line of counts and a marker per candidate; staff
limit a request to exact matches and set its least language level, on the new-request form
and on a saved request's page."""

from __future__ import annotations

import re

from django.urls import reverse

from requests.models import Request
from tests.factories.requests import make_request
from tests.factories.volunteers import VolunteerFactory, farsi_mediator
from tests.web.helpers import signed_in
from tests.web.test_new_request import form_data


def afternoons(name: str = "Sara Afternoons", **fields):
    """Persian–German, interprets, states only 16–18 every day: outside 10–12."""
    return VolunteerFactory(
        name=name,
        languages=[("fa", "native"), ("de", "C1")],
        skills=["interpreting"],
        availability=[(day, "16:00", "18:00") for day in range(7)],
        **fields,
    )


def population():
    farsi_mediator(name="Neda Exact")
    farsi_mediator(name="Nima Exact")
    afternoons()
    farsi_mediator(name="Far Away", postcode="44265", max_distance_km=8)  # ~10 km: beyond


def counts_line(page: str) -> str:
    match = re.search(r'<p class="tier-counts">([^<]+)</p>', page)
    assert match, page
    return match.group(1)


def test_the_new_request_panel_counts_the_tiers(staff_a, office_a):
    population()
    page = (
        signed_in(staff_a)
        .post(reverse("staff-request-new-candidates"), form_data())
        .content.decode()
    )
    assert counts_line(page) == "2 fit exactly · 1 outside their usual times · 1 beyond their limit"
    assert page.count('class="badge tier-exact">fits exactly<') == 2
    assert 'class="badge tier-outside_times">outside their usual times<' in page
    assert 'class="badge tier-beyond_limit">beyond their limit<' in page


def test_the_counts_are_in_german_for_german_staff(staff_a, office_a):
    population()
    client = signed_in(staff_a)
    page = client.post(
        reverse("staff-request-new-candidates"), form_data(), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert counts_line(page) == (
        "2 passen genau · 1 außerhalb ihrer üblichen Zeiten · 1 weiter als ihr Limit"
    )


def test_a_saved_request_s_candidates_count_the_tiers(staff_a, office_a):
    population()
    need = make_request(office=office_a)
    page = (
        signed_in(staff_a).get(reverse("staff-request-candidates", args=[need.pk])).content.decode()
    )
    assert counts_line(page) == "2 fit exactly · 1 outside their usual times · 1 beyond their limit"


def test_exact_only_on_the_form_ranks_the_draft_as_it_will_be_saved(staff_a, office_a):
    population()
    page = (
        signed_in(staff_a)
        .post(reverse("staff-request-new-candidates"), form_data(exact_only="on"))
        .content.decode()
    )
    assert "Sara Afternoons" not in page
    assert "Far Away" not in page
    assert counts_line(page) == "2 fit exactly · only exact matches are asked"


def test_the_form_saves_exact_only_and_the_least_level(staff_a, office_a):
    response = signed_in(staff_a).post(
        reverse("staff-request-new"), form_data(action="save", exact_only="on", min_level="C1")
    )
    assert response.status_code == 303
    need = Request.objects.get()
    assert (need.exact_only, need.min_level) == (True, "C1")


def test_the_form_offers_the_checkbox_and_the_level_in_german(staff_a, office_a):
    client = signed_in(staff_a)
    page = client.get(reverse("staff-request-new"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Nur genau Passende fragen (zu ihren angegebenen Zeiten, im eigenen Umkreis)" in page
    assert "Standard (B2 für Sprachmittlung, sonst B1)" in page


def test_the_least_level_on_the_form_changes_who_ranks(staff_a, office_a):
    farsi_mediator(name="Neda Native")
    VolunteerFactory(
        name="Bahar B2",
        languages=[("fa", "B2"), ("de", "C1")],
        skills=["interpreting"],
        availability=[(day, "08:00", "18:00") for day in range(7)],
    )
    client = signed_in(staff_a)
    default = client.post(reverse("staff-request-new-candidates"), form_data()).content.decode()
    strict = client.post(
        reverse("staff-request-new-candidates"), form_data(min_level="C1")
    ).content.decode()
    assert "Bahar B2" in default
    assert "Bahar B2" not in strict
    assert "Neda Native" in strict


def test_a_saved_request_is_limited_to_exact_matches_on_its_page(staff_a, office_a):
    population()
    need = make_request(office=office_a)
    client = signed_in(staff_a)
    detail = client.get(reverse("staff-request", args=[need.pk])).content.decode()
    assert reverse("staff-request-matching", args=[need.pk]) in detail
    response = client.post(
        reverse("staff-request-matching", args=[need.pk]),
        {"exact_only": "on", "min_level": ""},
        follow=True,
    )
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.exact_only is True
    assert "only exact matches" in response.content.decode()
    page = client.get(reverse("staff-request-candidates", args=[need.pk])).content.decode()
    assert "Sara Afternoons" not in page
    assert counts_line(page) == "2 fit exactly · only exact matches are asked"


def test_a_bad_least_level_is_a_message_not_a_500(staff_a, office_a):
    need = make_request(office=office_a)
    response = signed_in(staff_a).post(
        reverse("staff-request-matching", args=[need.pk]), {"min_level": "Z9"}, follow=True
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    need.refresh_from_db()
    assert need.min_level == ""


def test_another_offices_request_cannot_be_changed(staff_b, office_a):
    need = make_request(office=office_a)
    response = signed_in(staff_b).post(
        reverse("staff-request-matching", args=[need.pk]), {"exact_only": "on"}
    )
    assert response.status_code == 404
    need.refresh_from_db()
    assert need.exact_only is False
