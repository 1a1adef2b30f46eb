"""In a real browser: the dev mailbox on a 390 px phone, refreshing itself; the new-request form
that asks for candidates while staff type, without errors in the console."""

from __future__ import annotations

import re

import pytest
from django.core.mail import send_mail

from tests.browser.conftest import log_in
from tests.factories.matching import fitting_volunteer, monday_ahead
from tests.factories.requests import OfficeFactory, StaffMemberFactory

# Live-server tests; the flush afterwards would remove the catalogue the migrations load.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def console_errors(page) -> list[str]:
    """Every error the page logs or throws, collected as the test goes."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_the_mailbox_fits_a_phone_shows_berlin_time_and_new_mail_by_itself(
    new_page, live_server, settings, tmp_path
):
    """At 390 px nothing sticks out sideways; a message sent while the page is open appears
    without a reload, dated German style in Berlin time."""
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "workers.mailbox.MailboxBackend"
    settings.MAILBOX_DIR = tmp_path
    send_mail("Erste Nachricht", "Hallo", None, ["ayse.yilmaz-demir@demo.lotse.example"])
    page = new_page(width=390, height=844)
    errors = console_errors(page)
    page.goto("/dev/mail/")
    page.get_by_text("Erste Nachricht").wait_for()
    page.evaluate("window.notReloaded = true")

    send_mail(
        "Neue Anfrage: Sprachmittlung Persisch–Deutsch am Montag, dem 14. Dezember",
        "Hallo",
        None,
        ["omid.rahimi-karimzadeh@demo.lotse.example"],
    )
    page.get_by_text("Neue Anfrage: Sprachmittlung").wait_for()
    assert page.evaluate("window.notReloaded") is True
    dates = page.locator("table.mailbox time").all_inner_texts()
    assert len(dates) == 2
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", d) for d in dates), dates
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []


def test_choosing_and_typing_in_the_new_request_form_logs_no_errors(new_page, live_server):
    """Staff change several fields in a row and type a note: the candidate panel follows the
    last state of the form, and the console stays clean (an aborted request logged
    `htmx:sendAbort` as an error for every change made while the panel was loading)."""
    office = OfficeFactory(name="lokal willkommen Huckarde")
    staff = StaffMemberFactory(offices=[office])
    fitting_volunteer(name="Neda Karimi", email="neda@lotse.example")
    page = new_page()
    errors = console_errors(page)
    log_in(page, staff.user.username)
    page.goto("/requests/new/")
    page.get_by_label("Was gebraucht wird").select_option("interpreting")
    page.get_by_label("Sprache", exact=True).select_option("fa")
    page.get_by_label("Datum").fill(monday_ahead(2).isoformat())
    page.get_by_label("von", exact=True).fill("10:00")
    page.get_by_label("bis", exact=True).fill("11:00")
    page.get_by_label("Postleitzahl des Orts").fill("44147")
    note = page.get_by_label("Notiz für die Ehrenamtlichen")
    for word in ("Wartebereich ", "zweite ", "Etage"):
        note.press_sequentially(word, delay=40)
        page.wait_for_timeout(750)  # past the panel's typing pause: a request goes out
    page.locator("ol.candidates > li").first.wait_for()
    assert "Neda Karimi" in page.locator("ol.candidates").inner_text()
    page.wait_for_load_state("networkidle")
    assert errors == []
