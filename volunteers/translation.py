"""Which of Lotse's two interface languages is active: German unless English is asked for."""

from django.utils.translation import get_language


def active_language() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"
