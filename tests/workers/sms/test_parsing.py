"""Replies are understood in every language Lotse's volunteers write in."""

import pytest

from workers.sms.replies import NO, STOP, YES, parse


@pytest.mark.parametrize(
    ("text", "word", "code"),
    [
        ("JA 4821", YES, "4821"),
        ("ja4821", YES, "4821"),
        ("Ja, 4821!", YES, "4821"),
        ("4821 ja", YES, "4821"),
        ("NEIN 4821", NO, "4821"),
        ("nein", NO, None),
        ("yes 1234", YES, "1234"),
        ("No 1234", NO, "1234"),
        ("Evet 1234", YES, "1234"),
        ("hayır 1234", NO, "1234"),
        ("HAYIR", NO, None),
        ("так 1234", YES, "1234"),
        ("Ні 1234", NO, "1234"),
        ("да 1234", YES, "1234"),
        ("Нет 1234", NO, "1234"),
        ("بله ۱۲۳۴", YES, "1234"),
        ("نه 1234", NO, "1234"),
        ("نعم ١٢٣٤", YES, "1234"),
        ("لا 1234", NO, "1234"),
        ("1 4821", YES, "4821"),
        ("2 4821", NO, "4821"),
        ("1", YES, None),
        ("2", NO, None),
        ("STOP", STOP, None),
        ("Stopp", STOP, None),
        ("Wann ist das?", None, None),
        ("4821", None, "4821"),
    ],
)
def test_it_understands_yes_no_and_codes_in_each_language(text, word, code):
    """Yes and no words of de, en, tr, uk, ru, fa, ar, digits 1/2, codes in any script."""
    parsed = parse(text)
    assert (parsed.word, parsed.code) == (word, code)
