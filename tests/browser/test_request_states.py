"""In a real browser: a request's page says only what is true and offers only what is possible,
in each status (offering, filled, nobody found, cancelled, over); past requests have their own
list; a volunteer signs off only after confirming; the profile lists coming appointments.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from requests import lifecycle, offers
from requests.models import Offer, Request
from tests.browser.conftest import log_in
from tests.factories.matching import fitting_volunteer, monday_ahead
from tests.factories.requests import (
    BERLIN,
    OfficeFactory,
    StaffMemberFactory,
    make_request,
    sent_by_hand,
)
from volunteers import tokens
from volunteers.models import Volunteer

pytestmark = [
    # The live server reads committed rows; the flush afterwards would remove the catalogues
    # the migrations load, hence serialized.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAVE_BUTTONS = re.compile("Angebote verschicken|Nächste Welle jetzt")


@pytest.fixture(autouse=True)
def unused_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def office():
    return OfficeFactory(name="lokal willkommen Huckarde", phone="0231 0000 101")


@pytest.fixture
def staff_page(new_page, office):
    staff = StaffMemberFactory(offices=[office])
    page = new_page()
    log_in(page, staff.user.username)
    return page


def monday_at(clock: str) -> dt.datetime:
    return dt.datetime.combine(monday_ahead(2), dt.time.fromisoformat(clock), tzinfo=BERLIN)


def asked_request(office, *names: str) -> tuple[Request, list[tuple[Offer, str]]]:
    """A Monday request that fits the people named; the first is asked (the others not)."""
    people = [
        fitting_volunteer(name=name, email=f"{name.split()[0].lower()}@lotse.example")
        for name in names
    ]
    need = make_request(
        office=office, starts_at=monday_at("10:00"), ends_at=monday_at("11:00"), auto_offer=False
    )
    return need, [sent_by_hand(need, people[0])]


def test_an_offering_request_lists_only_people_not_yet_asked(staff_page, office):
    """Offers out: the wave button and the candidates are there, the person already asked is
    not among them, and the page asks for news every second."""
    need, [(_offer, _token)] = asked_request(office, "Neda Karimi", "Omid Rahimi")
    staff_page.goto(f"/requests/{need.pk}/")
    expect(staff_page.locator("#request-status")).to_have_attribute("data-status", "offering")
    expect(staff_page.get_by_role("button", name="Nächste Welle jetzt")).to_be_visible()
    candidates = staff_page.locator("#candidates ol.candidates")
    expect(candidates).to_contain_text("Omid Rahimi")
    expect(candidates).not_to_contain_text("Neda Karimi")
    assert "every 1000ms" in staff_page.locator("#offers").get_attribute("hx-trigger")


def test_the_candidates_follow_the_offers_without_a_reload(staff_page, office):
    """Someone asked elsewhere meanwhile (a wave, a colleague) leaves the list with the next
    refresh of the status, and the page is not reloaded."""
    need, _sent = asked_request(office, "Neda Karimi", "Omid Rahimi")
    staff_page.goto(f"/requests/{need.pk}/")
    candidates = staff_page.locator("#candidates ol.candidates")
    expect(candidates).to_contain_text("Omid Rahimi")
    staff_page.evaluate("window.notReloaded = true")
    omid = Volunteer.objects.get(name="Omid Rahimi")
    sent_by_hand(need, omid)
    expect(staff_page.locator('[data-offer-status="sent"]')).to_have_count(2)
    expect(staff_page.locator("#candidates")).not_to_contain_text("Omid Rahimi")
    assert staff_page.evaluate("window.notReloaded") is True


def test_a_filled_request_offers_no_more_asking(staff_page, office):
    """Filled: no "who is asked", no candidates, no "why nobody fits", no wave button; the
    volunteer's phone and email are there for staff; the page polls slowly again."""
    need, [(offer, _token)] = asked_request(office, "Neda Karimi")
    offers.accept(offer=offer)
    staff_page.goto(f"/requests/{need.pk}/")
    expect(staff_page.locator("#request-status")).to_have_attribute("data-status", "filled")
    expect(staff_page.locator("#candidates")).to_have_count(0)
    expect(staff_page.locator("#h-who")).to_have_count(0)
    expect(staff_page.get_by_role("button", name=WAVE_BUTTONS)).to_have_count(0)
    expect(staff_page.locator("#offers .contact")).to_contain_text("neda@lotse.example")
    expect(staff_page.get_by_role("link", name="Anfrage absagen")).to_be_visible()
    assert "every 1000ms" not in staff_page.locator("#offers").get_attribute("hx-trigger")


def test_a_request_with_nobody_found_says_so_and_offers_no_wave(staff_page, office):
    """Nobody found: neither "the first wave is sent in a moment" nor "closed", no wave
    buttons; asking by hand stays possible."""
    need = make_request(office=office, languages=["ti", "de"], auto_offer=True)
    lifecycle.mark_unfilled(request=need)
    staff_page.goto(f"/requests/{need.pk}/")
    expect(staff_page.locator("#request-status")).to_have_text("niemand gefunden")
    body = staff_page.locator("main")
    expect(body).not_to_contain_text("Die erste Welle")
    expect(body).not_to_contain_text("Abgeschlossen")
    expect(staff_page.locator("#offers")).to_contain_text("Seit ")
    expect(staff_page.locator("#no-offers")).to_contain_text("Niemand wurde angefragt")
    expect(staff_page.get_by_role("button", name=WAVE_BUTTONS)).to_have_count(0)
    expect(staff_page.locator("#candidates")).to_be_visible()


def test_a_cancelled_request_says_cancelled_not_closed(staff_page, office):
    need = make_request(office=office, auto_offer=False)
    lifecycle.cancel_request(request=need)
    staff_page.goto(f"/requests/{need.pk}/")
    expect(staff_page.locator("#request-status")).to_have_text("abgesagt")
    expect(staff_page.locator("#offers")).to_contain_text("Abgesagt ")
    expect(staff_page.locator("main")).not_to_contain_text("Abgeschlossen")
    expect(staff_page.locator("#no-offers")).to_have_text("Es wurden keine Angebote verschickt.")
    expect(staff_page.locator("#offers .actions")).to_have_count(0)
    expect(staff_page.locator("#candidates")).to_have_count(0)


def test_a_past_unfilled_request_is_in_the_list_of_past_requests(staff_page, office):
    """Begun without a volunteer: gone from the dashboard's coming requests, found among the
    past ones (also with the filter for unfilled ones); its page offers no asking."""
    started = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    # Two hours that end the same Berlin day, whatever the time now.
    late = started.astimezone(BERLIN).hour - 20
    if late > 0:
        started -= dt.timedelta(hours=late)
    week_ago = timezone.now() - dt.timedelta(days=7)
    need = make_request(
        office=office,
        starts_at=started,
        ends_at=started + dt.timedelta(hours=2),
        note="Elterngespräch in der Grundschule am Hafen",
        kind=lifecycle.check_kind("school"),
        auto_offer=False,
        now=week_ago,
    )
    done = make_request(
        office=office,
        starts_at=started - dt.timedelta(days=1),
        ends_at=started - dt.timedelta(days=1) + dt.timedelta(hours=2),
        auto_offer=False,
        now=week_ago,
    )
    lifecycle.cancel_request(request=done)
    staff_page.goto("/")
    expect(staff_page.locator(f"#request-link-{need.pk}")).to_have_count(0)
    staff_page.get_by_role("link", name="Vergangene Anfragen", exact=True).click()
    listed = staff_page.locator("#past-requests")
    expect(listed.locator(f"#request-link-{need.pk}")).to_be_visible()
    expect(listed.locator(f"#request-link-{done.pk}")).to_be_visible()
    expect(listed).to_contain_text("Schule")
    expect(listed).to_contain_text("Elterngespräch in der Grundschule am Hafen")
    staff_page.get_by_label("Nur die ohne alle Ehrenamtlichen").check()
    staff_page.get_by_role("button", name="Anzeigen").click()
    expect(listed.locator(f"#request-link-{need.pk}")).to_be_visible()
    expect(listed.locator(f"#request-link-{done.pk}")).to_have_count(0)
    listed.locator(f"#request-link-{need.pk}").click()
    expect(staff_page.locator("#over-unfilled")).to_be_visible()
    expect(staff_page.get_by_role("button", name=WAVE_BUTTONS)).to_have_count(0)
    expect(staff_page.locator("#candidates")).to_have_count(0)


# --- The volunteer's side ---------------------------------------------------------------------


def test_signing_off_asks_first_and_passes_the_reason_to_the_office(new_page, office):
    """ "I can't make it" opens a question with an optional reason; "No, I will come" changes
    nothing; confirming frees the place, and the request page shows the reason."""
    need, [(offer, token)] = asked_request(office, "Neda Karimi")
    offers.accept(offer=offer)
    page = new_page(width=390, height=844)
    page.goto(f"/offers/{token}/")
    expect(page.get_by_text("Telefonnummer und E-Mail-Adresse finden Sie unten.")).to_be_visible()
    page.get_by_role("link", name="Ich kann nicht").click()
    expect(page.get_by_text("Möchten Sie Ihren Platz wirklich abgeben?")).to_be_visible()
    page.get_by_role("link", name="Nein, ich komme").click()
    expect(page.get_by_role("heading", name="Sie haben zugesagt. Vielen Dank!")).to_be_visible()
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACCEPTED

    page.get_by_role("link", name="Ich kann nicht").click()
    page.get_by_label("Grund für das Büro (freiwillig)").fill("Mein Kind ist krank")
    page.get_by_role("button", name="Ja, abmelden").click()
    expect(page.get_by_role("heading", name="Sie haben sich abgemeldet.")).to_be_visible()
    released = Offer.objects.get(pk=offer.pk)
    assert released.status == Offer.Status.WITHDRAWN
    assert released.release_reason == "Mein Kind ist krank"

    staff = StaffMemberFactory(offices=[office])
    staff_page = new_page()
    log_in(staff_page, staff.user.username)
    staff_page.goto(f"/requests/{need.pk}/")
    expect(staff_page.locator("#offers")).to_contain_text("„Mein Kind ist krank“")


def test_the_profile_lists_coming_appointments_that_open_their_page(new_page, office):
    """The personal link's profile names the accepted appointment still to come (not one
    declined), and the entry opens the appointment's page with the office's phone."""
    _need, [(offer, _token)] = asked_request(office, "Neda Karimi")
    offers.accept(offer=offer)
    other = make_request(
        office=office, starts_at=monday_at("14:00"), ends_at=monday_at("15:00"), auto_offer=False
    )
    declined, _ = sent_by_hand(other, offer.volunteer)
    offers.decline(offer=declined)
    page = new_page(width=390, height=844)
    page.goto(f"/volunteer/{tokens.issue(volunteer=offer.volunteer, purpose='manage')}/")
    entries = page.locator("#appointments li")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("10:00")
    entries.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Sie haben zugesagt. Vielen Dank!")).to_be_visible()
    expect(page.get_by_role("link", name="0231 0000 101")).to_be_visible()
