"""In a real browser: staff record a Farsi–German request, see the candidates with reasons and
send the offers; the worker emails them; a volunteer accepts by the emailed link; the staff
page, never reloaded, shows the request filled. And another office's staff never see it.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from requests.models import Request
from tests.browser.conftest import log_in, screenshot
from tests.factories.matching import fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory, StaffMemberFactory, make_request
from tests.processes import celery_worker, wait_until, worker_env
from tests.smtp_sink import Sink, smtp_server, text_of

LINK = re.compile(r"http://\S+/offers/[\w-]+/")

pytestmark = [
    pytest.mark.real_worker,
    # The worker process reads what the live server writes: committed transactions; the flush
    # afterwards would remove the skill catalogue the migrations load, hence serialized.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.postgres
@pytest.mark.redis
def test_staff_send_offers_and_see_the_accept_without_a_reload(new_page, live_server, settings):
    """Log in, fill the form, candidates with reasons appear, "send offers"; the worker's email
    reaches the volunteer, whose click on "yes" turns the staff page's badge to "filled"."""
    cache.clear()
    settings.STAFF_POLL_SECONDS = 1
    office = OfficeFactory(name="lokal willkommen Huckarde")
    staff = StaffMemberFactory(offices=[office])
    for name, slug in [("Neda Karimi", "neda"), ("Omid Rahimi", "omid")]:
        fitting_volunteer(name=name, email=f"{slug}@lotse.example", email_language="de")
    day = monday_ahead(2)
    sink = Sink()
    with smtp_server(sink) as port:
        env = worker_env(
            smtp_port=port,
            SITE_URL=live_server.url,
            MATCHING_WAVE_MIN="2",
            MATCHING_WAVE_MAX="2",
        )
        with celery_worker(env) as worker:
            staff_page = new_page()
            log_in(staff_page, staff.user.username)
            staff_page.get_by_role("link", name="Neue Anfrage").first.click()
            staff_page.get_by_label("Was gebraucht wird").select_option("interpreting")
            staff_page.get_by_label("Sprache", exact=True).select_option("fa")
            staff_page.get_by_label("Datum").fill(day.isoformat())
            staff_page.get_by_label("von", exact=True).fill("10:00")
            staff_page.get_by_label("bis", exact=True).fill("11:00")
            staff_page.get_by_label("Postleitzahl des Orts").fill("44147")

            candidates = staff_page.locator("ol.candidates > li")
            candidates.nth(1).wait_for()
            assert candidates.count() == 2
            for i in range(2):
                reasons = candidates.nth(i).locator("ul.reasons > li").all_inner_texts()
                assert reasons and any("Persisch" in reason for reason in reasons), reasons
            assert {"Neda Karimi", "Omid Rahimi"} <= set(
                candidates.locator("strong").all_inner_texts()
            )
            screenshot(staff_page, "new-request-with-candidates")

            staff_page.get_by_role("button", name="Angebote verschicken").click()
            staff_page.wait_for_url(re.compile(r"/requests/\d+/$"))
            need = Request.objects.get()
            assert need.auto_offer and need.language_codes == ["fa", "de"]
            staff_page.evaluate("window.notReloaded = true")

            offer_mail = wait_until(
                lambda: sink.to("neda@lotse.example"),
                timeout=60,
                what=f"the offer email to Neda; worker output:\n{worker.output}",
            )[0]
            (link,) = set(LINK.findall(text_of(offer_mail)))
            assert link.startswith(live_server.url)
            staff_page.locator('[data-offer-status="sent"]').nth(1).wait_for()
            # Both were asked: the list of people not yet asked follows without a reload.
            for name in ("Neda Karimi", "Omid Rahimi"):
                expect(staff_page.locator("#candidates")).not_to_contain_text(name)

            volunteer_page = new_page(width=360, height=740)
            volunteer_page.goto(link)
            volunteer_page.get_by_role("button", name="Ja, ich übernehme das").click()
            thanks = "Sie haben zugesagt. Vielen Dank!"
            accepted = volunteer_page.get_by_role("heading", name=thanks)
            accepted.wait_for()

            staff_page.locator('#request-status[data-status="filled"]').wait_for(timeout=30_000)
            assert staff_page.evaluate("window.notReloaded") is True
            assert "1 von 1 Plätzen besetzt" in staff_page.locator("#offers").inner_text()
            assert staff_page.locator('[data-offer-status="accepted"]').count() == 1
            assert "Neda Karimi" in staff_page.locator("#offers").inner_text()
            assert "Status" in staff_page.locator("#offers-announce").inner_text()


def test_staff_of_another_office_cannot_open_the_request(new_page, live_server):
    """Office B's staff get the not-found page for office A's request and its live part."""
    office_a, office_b = OfficeFactory(), OfficeFactory()
    StaffMemberFactory(offices=[office_a])
    outsider = StaffMemberFactory(offices=[office_b])
    need = make_request(office=office_a, note="NUR-FUER-BUERO-A")
    page = new_page()
    log_in(page, outsider.user.username)
    for path in [f"/requests/{need.pk}/", f"/requests/{need.pk}/live/"]:
        response = page.goto(path)
        assert response.status == 404, path
        assert "NUR-FUER-BUERO-A" not in page.content()
    page.goto(f"/requests/{need.pk}/")
    page.get_by_role("heading", name="Diese Seite gibt es nicht").wait_for()
    page.goto("/")
    assert f"/requests/{need.pk}/" not in page.content()
