"""In a real browser at 1280 px: a volunteer's page for staff gives its facts room to be read,
and the directory names where people live (district, or town outside Dortmund)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.factories.requests import StaffMemberFactory
from tests.factories.volunteers import VolunteerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_contact_box_keeps_its_values_readable_at_1280_px(new_page, office_a):
    member = StaffMemberFactory(offices=[office_a])
    volunteer = VolunteerFactory(
        name="Neda Karimi",
        email="neda.karimi.long.address@lotse.example",
        postcode="44575",
        district="",
        max_tasks_per_month=4,
    )
    page = new_page(width=1280, height=900)
    log_in(page, member.user.username)
    page.goto(reverse("staff-volunteer", args=[volunteer.pk]))
    values = page.locator("#h-contact + dl.facts dd")
    widths = values.evaluate_all("dds => dds.map(dd => dd.getBoundingClientRect().width)")
    assert min(widths) >= 200, widths
    # No value breaks in the middle of a word: each word of "bis 10 km" stays on its line.
    travels = page.locator("#h-contact + dl.facts dd").nth(3)
    height = travels.evaluate("dd => dd.getBoundingClientRect().height")
    line = travels.evaluate("dd => parseFloat(getComputedStyle(dd).lineHeight) || 24")
    assert height <= line * 1.5

    page.goto(reverse("staff-volunteers"))
    row = page.locator("tr", has_text="Neda Karimi")
    assert row.locator("td[data-label]").filter(has_text="Castrop-Rauxel").count() == 1
    assert row.get_by_text("44575", exact=True).count() == 0
