"""In a real browser: the volunteer's own pages behind a personal link take their POSTs.

These pages keep their secret URL out of other sites' logs with a Referrer-Policy. Under
"no-referrer" chromium sends `Origin: null` with the page's own form, and Django's CSRF check
refused every pause and unsubscribe with a 403: only a real browser shows that.

The pause link of an email about a task opens no profile page: the page it gets there leads to
what the link can do.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories.volunteers import VolunteerFactory
from volunteers import tokens
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db(transaction=True)


def personal_link(volunteer: Volunteer, purpose: str = "manage") -> str:
    return tokens.issue(volunteer=volunteer, purpose=purpose)


def test_a_volunteer_pauses_offers_from_the_profile_link(new_page):
    volunteer = VolunteerFactory(name="Neda Karimi")
    page = new_page(width=390, height=844)
    page.goto(f"/volunteer/{personal_link(volunteer)}/pause/")
    until = timezone.localdate() + dt.timedelta(days=14)

    page.get_by_label("Keine Anfragen bis einschließlich").fill(until.isoformat())
    page.get_by_role("button", name="Anfragen pausieren").click()

    page.get_by_text("Sie pausieren").first.wait_for()
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.paused_until) == (Volunteer.Status.PAUSED, until)


def test_a_volunteer_stops_offers_from_the_unsubscribe_link(new_page):
    volunteer = VolunteerFactory(name="Neda Karimi")
    page = new_page()
    page.goto(f"/email/unsubscribe/{personal_link(volunteer, 'pause')}/")

    page.get_by_role("button", name="Angebote stoppen").click()

    page.get_by_text("Sie bekommen keine Angebote mehr").wait_for()
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.PAUSED


def test_a_pause_link_on_the_profile_leads_to_pausing_only(new_page):
    volunteer = VolunteerFactory(name="Neda Karimi")
    page = new_page()
    page.goto(f"/volunteer/{personal_link(volunteer, 'pause')}/")

    page.get_by_role(
        "heading", name="Mit diesem Link können Sie nur Ihre Anfragen pausieren"
    ).wait_for()
    assert page.get_by_text("Neda Karimi").count() == 0
    page.get_by_role("link", name="Meine Anfragen pausieren").click()
    page.get_by_role("button", name="Angebote stoppen").click()

    page.get_by_text("Sie bekommen keine Angebote mehr").wait_for()
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.PAUSED
