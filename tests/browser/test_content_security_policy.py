"""In a real browser, under Lotse's Content-Security-Policy: the main flows work and the browser
reports no violation, on the staff pages with htmx, the API docs, the admin, the public pages,
the pages behind the email links and the development mailbox.

Every browser test checks for violations (`new_page` in conftest.py); this one walks the pages
that no other browser test opens, and first shows that the watch does catch a violation.
"""

from __future__ import annotations

import re

import pytest
from django.core.mail import EmailMultiAlternatives

from requests import offers
from tests.browser.conftest import PASSWORD, WATCH_CSP, log_in
from tests.factories.matching import fitting_volunteer, monday_ahead
from tests.factories.requests import (
    OfficeFactory,
    StaffMemberFactory,
    UserFactory,
    make_request,
    sent_offer,
)
from tests.factories.volunteers import VolunteerFactory
from volunteers import tokens
from volunteers.models import Volunteer
from workers import mailbox

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_watch_reports_an_inline_script_the_policy_blocks(browser, live_server):
    """The check that every browser test relies on: an inline script added to a Lotse page is
    refused by the browser, and the refusal reaches the test."""
    seen: list[str] = []
    context = browser.new_context(base_url=live_server.url)
    context.expose_function("lotseCspViolation", lambda report: seen.append(report))
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.goto("/login/")
    ran = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation", () => resolve(window.injected),
                                      {once: true});
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        })"""
    )
    page.evaluate("1")  # a round trip, so that the report has reached the test
    context.close()
    assert ran is None, "the injected inline script ran"
    assert any("script-src" in report and "inline" in report for report in seen), seen


def test_the_main_flows_run_without_a_violation(new_page, settings, tmp_path, csp_violations):
    office = OfficeFactory(name="lokal willkommen Huckarde")
    staff = StaffMemberFactory(offices=[office])
    fitting_volunteer(name="Neda Karimi", email="neda@lotse.example")
    volunteer = VolunteerFactory(name="Omid Rahimi")
    need = make_request(office=office)
    offer_token = offers.issue_link(offer=sent_offer(need, volunteer))

    # Staff: the new-request form asks for candidates with htmx while it is filled in.
    page = new_page()
    log_in(page, staff.user.username)
    page.get_by_role("link", name="Neue Anfrage").first.click()
    page.get_by_label("Was gebraucht wird").select_option("interpreting")
    page.get_by_label("Sprache", exact=True).select_option("fa")
    page.get_by_label("Datum").fill(monday_ahead(2).isoformat())
    page.get_by_label("von", exact=True).fill("10:00")
    page.get_by_label("bis", exact=True).fill("11:00")
    page.get_by_label("Postleitzahl des Orts").fill("44147")
    page.locator("ol.candidates > li").first.wait_for()
    # A request's page loads its candidates and polls for news with htmx.
    page.goto(f"/requests/{need.pk}/")
    page.locator("#candidates ol.candidates, #candidates p").first.wait_for()
    for path in ["/", "/statistics/", "/directory/", f"/directory/{volunteer.pk}/"]:
        page.goto(path)
    assert page.locator("svg[role=img]").count() == 0  # the profile, not a chart page

    # The API docs: Swagger UI from Lotse's own files, its start script included.
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").get_by_text("Lotse API").wait_for()
    page.locator(".opblock").first.wait_for()

    # The admin, for a coordinator who may use it.
    admin = new_page()
    log_in(admin, UserFactory(is_staff=True, is_superuser=True).username, PASSWORD)
    admin.goto("/admin/volunteers/volunteer/")
    admin.get_by_role("link", name="Omid Rahimi").click()
    admin.wait_for_url(re.compile(r"/change/$"))

    # The public pages and those behind the links in emails, on a phone.
    public = new_page(width=360, height=740)
    public.goto("/register/")
    public.get_by_role("heading", name="Als Ehrenamtliche*r registrieren").wait_for()
    pending = VolunteerFactory(status=Volunteer.Status.PENDING)
    public.goto(f"/volunteer/confirm/{tokens.issue(volunteer=pending, purpose='confirm')}/")
    public.goto(f"/offers/{offer_token}/")
    public.get_by_role("button", name="Ja, ich übernehme das").click()
    public.get_by_role("heading", name="Sie haben zugesagt. Vielen Dank!").wait_for()
    manage = tokens.issue(volunteer=volunteer, purpose="manage")
    for path in ["", "edit/", "pause/", "delete/"]:
        public.goto(f"/volunteer/{manage}/{path}")

    # The development mailbox shows an email's HTML with its inline styles, in its own frame.
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "workers.mailbox.MailboxBackend"
    settings.MAILBOX_DIR = tmp_path
    message = EmailMultiAlternatives("Termin", "Text", None, ["a@lotse.example"])
    message.attach_alternative(
        '<p id="styled" style="color: rgb(0, 90, 140)">Termin</p>', "text/html"
    )
    message.send()
    (mail_id,) = mailbox.stored_ids()
    page.goto(f"/dev/mail/{mail_id}/")
    styled = page.frame_locator("iframe.mail-html").locator("#styled")
    assert styled.evaluate("p => getComputedStyle(p).color") == "rgb(0, 90, 140)"

    page.evaluate("1")  # a round trip, so that any report has reached the test
    assert csp_violations == []
