"""Phone numbers for SMS: E.164 (`+4917...`), German numbers without the country code allowed.

`phonenumbers` (Google's libphonenumber, kept current) knows every country's numbering plan, so
whether a number can receive SMS (a mobile number) is its judgement, not a hand-made prefix list.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings

MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def parse(text: str) -> phonenumbers.PhoneNumber | None:
    """The number `text` names (German by default), or None if it is no valid number."""
    try:
        number = phonenumbers.parse(str(text), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def e164(text: str) -> str | None:
    """`text` as E.164, e.g. "0171 2345678" → "+491712345678"; None if it is no valid number."""
    number = parse(text)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(text: str) -> bool:
    """Whether the number can take SMS: a mobile number (or one its plan cannot tell apart)."""
    number = parse(text)
    return number is not None and phonenumbers.number_type(number) in MOBILE_TYPES
