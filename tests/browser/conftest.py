"""Browser tests: Debian's chromium, driven by Playwright, against pytest-django's live server.

Skipped, with the reason, where /usr/bin/chromium is missing (`apt-get install chromium`);
with LOTSE_REQUIRE_SERVICES=1 a missing browser fails the run instead, as a missing database
does. Screenshots the tests take go to var/screenshots/, or to LOTSE_SCREENSHOTS_DIR:
`make screenshots` sets it to docs/screenshots/ to refresh the README's pictures, so that an
ordinary test run leaves the tracked files alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.services import REQUIRE

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery"  # tests.factories.PASSWORD


@pytest.fixture
def browser(monkeypatch) -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE:
            pytest.fail(f"LOTSE_REQUIRE_SERVICES=1 but: {reason}")
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # plain synchronous code all the same, so Django's guard against async callers stands down.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_server) -> Callable[..., object]:
    """A page in a fresh browser context (its own cookies), German unless asked otherwise."""

    def make(*, width: int = 1280, height: int = 900, locale: str = "de-DE"):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        return context.new_page()

    return make


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Through the login form, by keyboard: name, Tab, password, Enter."""
    page.goto("/login/")
    page.get_by_label("Benutzername").fill(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


def screenshot(page, name: str) -> Path:
    folder = Path(os.environ.get("LOTSE_SCREENSHOTS_DIR") or Path(settings.VAR_DIR) / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
