"""In a real browser at a phone's width: an Arabic volunteer's pages are mirrored (the page starts
on the right, the buttons sit on the reading side) and a Ukrainian one reads left to right,
neither scrolling sideways. The screenshots go to docs/screenshots/ with `make screenshots`."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.factories.requests import make_request, sent_by_hand
from tests.factories.volunteers import profiled_volunteer
from tests.volunteers.test_selfservice import manage_path

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def box(page, selector: str) -> dict[str, float]:
    """Where the text (or, for a button, the button) of `selector` is drawn: x and width."""
    return page.locator(selector).first.evaluate(
        """e => {
          let r = e.getBoundingClientRect();
          if (e.tagName !== "BUTTON") {
            const range = document.createRange();
            range.selectNodeContents(e);
            r = range.getBoundingClientRect();
          }
          return {x: r.left, y: r.top, width: r.width};
        }"""
    )


def main_content(page) -> dict[str, float]:
    """The main column's content box: its edges without the padding."""
    return page.locator("main").evaluate(
        """main => {
          const r = main.getBoundingClientRect(), s = getComputedStyle(main);
          return {left: r.left + parseFloat(s.paddingLeft),
                  right: r.right - parseFloat(s.paddingRight)};
        }"""
    )


def assert_no_sideways_scrolling(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def assert_starts_on_the_right(page, selector: str) -> None:
    """`selector` (a heading, a button) sits against the main column's right edge."""
    content, element = main_content(page), box(page, selector)
    assert abs(element["x"] + element["width"] - content["right"]) <= 2, (element, content)
    assert element["x"] > content["left"] + 2, (element, content)


def assert_starts_on_the_left(page, selector: str) -> None:
    content, element = main_content(page), box(page, selector)
    assert abs(element["x"] - content["left"]) <= 2, (element, content)


def test_an_arabic_registration_page_is_mirrored(new_page):
    page = new_page(**PHONE, locale="ar")
    page.goto("/register/?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_no_sideways_scrolling(page)
    assert_starts_on_the_right(page, "main h1")
    # The header runs right to left as well: the brand on the right, the switch after it.
    brand, switch = box(page, "header .brand"), box(page, "header .lang")
    assert brand["x"] > switch["x"] or brand["y"] < switch["y"]
    # Inside the form's boxes too, a label starts on the right.
    label, content = box(page, "label[for=id_name]"), main_content(page)
    assert label["x"] > (content["left"] + content["right"]) / 2, (label, content)
    screenshot(page, "rtl-register-ar")


def test_an_arabic_offer_puts_the_answer_on_the_reading_side(new_page):
    volunteer = profiled_volunteer(email_language="ar")
    sent = sent_by_hand(request=make_request(auto_offer=False), volunteer=volunteer)
    page = new_page(**PHONE, locale="de-DE")
    page.goto(sent.path)
    assert page.locator("html").get_attribute("lang") == "ar"
    assert_no_sideways_scrolling(page)
    assert_starts_on_the_right(page, "#accept button")
    assert_starts_on_the_right(page, "main h1")
    screenshot(page, "rtl-offer-ar")
    page.locator("#accept button").click()
    page.get_by_text("لقد قبلتم. شكرًا لكم!").wait_for()
    assert sent.reload().status == "accepted"


def test_an_arabic_profile_is_mirrored(new_page):
    volunteer = profiled_volunteer(email_language="ar")
    page = new_page(**PHONE)
    page.goto(manage_path(volunteer))
    assert_no_sideways_scrolling(page)
    assert_starts_on_the_right(page, "main h1")
    # The Latin name keeps its own direction inside the Arabic page.
    assert page.locator("dd[dir=auto]").first.evaluate("e => getComputedStyle(e).direction") == (
        "ltr"
    )
    screenshot(page, "rtl-profile-ar")


@pytest.mark.parametrize("path", ["/register/?lang=uk", "offer", "profile"])
def test_ukrainian_pages_read_left_to_right_without_sideways_scrolling(new_page, path):
    volunteer = profiled_volunteer(email_language="uk")
    if path == "offer":
        path = sent_by_hand(request=make_request(auto_offer=False), volunteer=volunteer).path
    elif path == "profile":
        path = manage_path(volunteer)
    page = new_page(**PHONE)
    page.goto(path)
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "uk"
    assert_no_sideways_scrolling(page)
    assert_starts_on_the_left(page, "main h1")
    name = "offer" if "/offers/" in path else "profile" if "/volunteer/" in path else "register"
    screenshot(page, f"ltr-{name}-uk")
