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
PASSWORD = "correct horse battery"  # tests.factories.requests.PASSWORD


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


# Reports every Content-Security-Policy violation in any page or frame to the test. Playwright
# injects it before the page's own scripts, outside the page's policy.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.lotseCspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline code"} on ${e.documentURI}`
    + (e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : "")
    + (e.sample ? `: ${e.sample}` : "")
  );
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """What the browser refused under the Content-Security-Policy, in every page of the test."""
    return []


@pytest.fixture
def new_page(browser, live_server, csp_violations) -> Iterator[Callable[..., object]]:
    """A page in a fresh browser context (its own cookies), German unless asked otherwise.

    Every browser test also checks that no page broke Lotse's Content-Security-Policy: a script
    or style the policy blocks is a page that works in a test without the policy but not in use.
    """

    def make(*, width: int = 1280, height: int = 900, locale: str = "de-DE"):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        context.expose_function("lotseCspViolation", lambda report: csp_violations.append(report))
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield make
    assert csp_violations == [], "the Content-Security-Policy blocked:\n" + "\n".join(
        csp_violations
    )


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
