"""The demo network in a real browser: the screenshots for the README, and a 360 px phone.

The demo (`seed_demo`: seven offices, 200 volunteers, a year of requests) is what a new user
sees after `make run`; the screenshots in docs/screenshots/ are taken from it.
"""

from __future__ import annotations

import pytest
from django.db.models import Count

from labs.demo import DEMO_PASSWORD, seed_demo
from requests.models import Request
from requests.statistics.export import TABLES
from tests.browser.conftest import log_in, screenshot
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = 360


@pytest.fixture
def demo():
    seed_demo()


def test_it_shows_the_dashboard_and_the_statistics_of_the_demo(new_page, live_server, demo):
    """Mengede's dashboard lists its coming requests; the coordinator's statistics draw five
    charts with their tables and CSV links."""
    page = new_page()
    log_in(page, "mengede", DEMO_PASSWORD)
    cards = page.locator("ul.requests > li")
    cards.first.wait_for()
    assert (
        cards.count()
        == Request.objects.filter(
            office__name="lokal willkommen Mengede/Huckarde",
            status__in=["open", "offering", "filled"],
        ).count()
    )
    screenshot(page, "dashboard")

    # The coming request with the most offers: its waves, who answered what, and only the
    # actions its status allows.
    busiest = (
        Request.objects.filter(
            office__name="lokal willkommen Mengede/Huckarde",
            status__in=["offering", "filled"],
        )
        .annotate(asked=Count("offers"))
        .order_by("-asked", "pk")
        .first()
    )
    page.goto(f"/requests/{busiest.pk}/")
    page.locator("[data-offer-status]").first.wait_for()
    if busiest.status == "filled":
        assert page.get_by_role("button", name="Angebote verschicken").count() == 0
    screenshot(page, "request-offers")

    coordinator = new_page()
    log_in(coordinator, "koordination", DEMO_PASSWORD)
    coordinator.goto("/statistics/")
    # Every table has its CSV; every table but the SMS costs has its chart, the allowances per
    # language only once an allowance with a language is booked in the period.
    assert coordinator.get_by_role("link", name="Als CSV herunterladen").count() == len(TABLES)
    assert coordinator.locator("svg[role=img]").count() >= len(TABLES) - 2
    figures = coordinator.locator("ul.key-figures .figure").all_inner_texts()
    assert figures[1].endswith("%"), figures
    screenshot(coordinator, "statistics")


def test_it_fits_every_staff_page_on_a_360_px_phone(new_page, live_server, demo):
    """No page is wider than the phone: tables scroll inside their own box, not the page."""
    need = Request.objects.filter(office__name="lokal willkommen Mengede/Huckarde").first()
    volunteer = Volunteer.objects.order_by("pk").first()
    page = new_page(width=PHONE, height=740)
    log_in(page, "mengede", DEMO_PASSWORD)
    for path in [
        "/",
        "/requests/new/",
        f"/requests/{need.pk}/",
        "/directory/",
        f"/directory/{volunteer.pk}/",
        "/statistics/",
    ]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE, f"{path} is {width} px wide"
