"""In a real browser: registering with the one language picker, a text box bound to the page's
single list of languages, read back by the server."""

from __future__ import annotations

import pytest

from volunteers import language_picker
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_volunteer_registers_with_languages_from_the_list(new_page, mailoutbox):
    page = new_page(width=390, height=844)
    response = page.goto("/register/")
    # The whole page, list included, stays small: one list, not a menu of it in every row.
    assert len(response.body()) < 40_000

    first = page.get_by_label("Sprache 1")
    # The box offers the shared list: the network's languages first, each in its own name too.
    offered = first.evaluate("box => Array.from(box.list.options, option => option.value)")
    assert offered == [option.label for option in language_picker.options("de")]
    assert offered[:3] == ["Deutsch", "Arabisch – العربية", "Persisch – فارسی"]

    page.get_by_label("Name", exact=True).fill("Neda Karimi")
    page.get_by_label("E-Mail-Adresse").fill("neda@lotse.example")
    first.fill("Persisch – فارسی")
    page.locator("#id_lang_0_level").select_option("native")
    page.get_by_label("Sprache 2").fill("Bairisch")
    page.locator("#id_lang_1_level").select_option("C1")
    page.get_by_label("Postleitzahl Ihres Wohnorts").fill("44357")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Registrieren").click()

    # Off the list: refused next to the row, and what was typed stays.
    page.locator("#err_lang_1").get_by_text("Bairisch", exact=False).wait_for()
    assert page.get_by_label("Sprache 2").input_value() == "Bairisch"
    assert not Volunteer.objects.exists()

    page.get_by_label("Sprache 2").fill("deutsch")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Registrieren").click()
    page.wait_for_url("**/register/sent/")
    volunteer = Volunteer.objects.get()
    assert sorted(volunteer.languages.values_list("code", "level")) == [
        ("de", "C1"),
        ("fa", "native"),
    ]
