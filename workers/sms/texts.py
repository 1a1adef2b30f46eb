"""The texts of Lotse's SMS, in the volunteer's language, short enough for a phone.

An offer fits in two segments (`segments.count`): what (the skill and the languages), when,
where (the district, never the address), its reply code, "Antworten Sie JA 4821 oder NEIN 4821"
and the short link to the offer's page. If a long skill or language name would take a third
segment, the "what" is shortened, then the place left out: the code, the answer and the link
always stay. No SMS carries the address or the note (tests/audit/test_minimisation.py): an
SMS is read on lock screens and kept on phones Lotse cannot reach.

Every builder is called inside `translation.override(<the volunteer's language>)`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext as _

from requests import calendar
from requests.models import Request
from volunteers.places import BERLIN
from workers.sms import segments

MAX_OFFER_SEGMENTS = 2
# Not named in "what" when another language is asked for: the network's working language.
WORKING_LANGUAGE = "de"
ELLIPSIS = "..."


def _prefix(code: str) -> str:
    """ "Lotse #4821: " for a message about an offer with a reply code, else "Lotse: "."""
    return f"Lotse #{code}: " if code else "Lotse: "


def short_link(raw_token: str) -> str:
    return settings.SITE_URL + reverse("offer-short", args=[raw_token])


def what(request: Request) -> str:
    """E.g. "Sprachmittlung Persisch": the skill and the languages (German only if alone)."""
    names = calendar.language_names(request)
    codes = request.language_codes
    shown = [n for c, n in zip(codes, names, strict=True) if c != WORKING_LANGUAGE] or names
    return f"{request.skill.name} {'/'.join(shown)}".strip()


def when(request: Request, *, weekday: bool = True) -> str:
    """E.g. "Di 24.11. 10:00-11:30" in Berlin time (without "Di" when `weekday` is off)."""
    start = request.starts_at.astimezone(BERLIN)
    end = request.ends_at.astimezone(BERLIN)
    day = dateformat.format(start, "D d.m." if weekday else "d.m.")
    return f"{day} {start:%H:%M}-{end:%H:%M}"


def where(request: Request) -> str:
    """The district (or the postcode when it is not known), or phone/video: never the address."""
    if request.remote:
        return _("Phone/video")
    return request.district or request.postcode


def _fit(parts: list[str], build: callable, limit: int) -> str:  # type: ignore[valid-type]
    """`build(what, where)` with `what` shortened (then `where` dropped) until it fits."""
    what_text, where_text = parts
    text = build(what_text, where_text)
    while segments.count(text).segments > limit and len(what_text) > 8:
        shorter = what_text[: max(8, len(what_text) - 10)].rstrip() + ELLIPSIS
        shorter = shorter.replace(ELLIPSIS + ELLIPSIS, ELLIPSIS)
        if len(shorter) >= len(what_text):  # as short as it gets ("Sprachmi...")
            break
        what_text = shorter
        text = build(what_text, where_text)
    if segments.count(text).segments > limit:
        text = build(what_text, "")
    return text


def _clean(text: str, *, keep_script: str) -> str:
    """Task details in the GSM alphabet when the language's own text is in it, so that an
    en dash in a name does not make the whole SMS UCS-2 (half as many characters)."""
    return segments.plain(text) if segments.septets(keep_script) is not None else text


def offer(*, request: Request, code: str, raw_token: str) -> str:
    answer = _("Reply YES %(code)s or NO %(code)s") % {"code": code}
    link = short_link(raw_token)

    when_text = _clean(when(request), keep_script=answer)

    def build(what_text: str, where_text: str) -> str:
        details = ", ".join(p for p in (what_text, when_text, where_text) if p)
        return f"Lotse #{code}: {details}. {answer}. {link}"

    text = _fit(
        [_clean(what(request), keep_script=answer), _clean(where(request), keep_script=answer)],
        build,
        MAX_OFFER_SEGMENTS,
    )
    # Arabic, Persian or Cyrillic text goes as UCS-2, with half the room of the GSM alphabet:
    # behind a long site address the what, then the weekday give way; the time, the code, the
    # answer and the link always stay.
    if segments.count(text).segments > MAX_OFFER_SEGMENTS:
        text = build("", "")
    if segments.count(text).segments > MAX_OFFER_SEGMENTS:
        when_text = _clean(when(request, weekday=False), keep_script=answer)
        text = build("", "")
    return text


def _squeeze(build: Callable[[str, str], str], what_text: str, request: Request) -> str:
    """`build(what, when)` in at most two segments: the what shortened, then left out, then the
    weekday left out (Arabic, Persian or Cyrillic text has half the room of the GSM alphabet)."""
    when_text = when(request)
    text = build(what_text, when_text)
    while segments.count(text).segments > MAX_OFFER_SEGMENTS and len(what_text) > 8:
        shorter = what_text[: max(8, len(what_text) - 10)].rstrip() + ELLIPSIS
        shorter = shorter.replace(ELLIPSIS + ELLIPSIS, ELLIPSIS)
        if len(shorter) >= len(what_text):
            break
        what_text = shorter
        text = build(what_text, when_text)
    for fallback in ("", when(request, weekday=False)):
        if segments.count(text).segments <= MAX_OFFER_SEGMENTS:
            break
        text = build("", fallback or when_text)
    return text


def confirmation(*, request: Request, code: str, raw_token: str) -> str:
    """After an accept: thanks, the time, and the page with the address (and "I can't come")."""
    prefix = _prefix(code)
    link = short_link(raw_token)

    def build(what_text: str, when_text: str) -> str:
        if not what_text:
            return prefix + _("You are booked for %(when)s. Address and details: %(link)s") % {
                "when": when_text,
                "link": link,
            }
        return prefix + _(
            "You are booked for %(what)s, %(when)s. Address and details: %(link)s"
        ) % {
            "what": what_text,
            "when": when_text,
            "link": link,
        }

    return _squeeze(build, _clean(what(request), keep_script=_("Thank you")), request)


def closed(*, request: Request, code: str) -> str:
    """The places went to others (or the office cancelled) before this volunteer answered."""
    prefix = _prefix(code)
    if request.status == Request.Status.CANCELLED:
        return prefix + _("The appointment %(when)s was cancelled. Thank you!") % {
            "when": when(request)
        }
    return prefix + _("Already taken: %(when)s. Thank you for being there!") % {
        "when": when(request)
    }


def calendar_cancel(*, request: Request, code: str, released: bool) -> str:
    prefix = _prefix(code)
    if released:
        return prefix + _("You are signed off from %(when)s. Thank you for telling us.") % {
            "when": when(request)
        }
    return prefix + _("The appointment %(when)s was cancelled by the office. Thank you!") % {
        "when": when(request)
    }


def reminder(*, request: Request, code: str, raw_token: str) -> str:
    prefix = _prefix(code)
    link = short_link(raw_token)

    def build(what_text: str, when_text: str) -> str:
        if not what_text:
            return prefix + _("Tomorrow %(when)s. Address, or if you cannot come: %(link)s") % {
                "when": when_text,
                "link": link,
            }
        return prefix + _(
            "Tomorrow %(when)s: %(what)s. Address, or if you cannot come: %(link)s"
        ) % {"when": when_text, "what": what_text, "link": link}

    return _squeeze(build, _clean(what(request), keep_script=_("Tomorrow")), request)


# --- Answers to the volunteer's SMS ----------------------------------------------------------


def confirm_number() -> str:
    return "Lotse: " + _(
        "Please confirm this number for offers by SMS: reply YES. Reply STOP for no SMS."
    )


def number_confirmed() -> str:
    return "Lotse: " + _("Thank you, your number is confirmed. Offers now reach you by SMS.")


def stopped() -> str:
    return "Lotse: " + _(
        "You will get no more SMS from us; offers come by email. To get SMS again, choose SMS "
        "in your profile."
    )


def help_text() -> str:
    return "Lotse: " + _(
        "Reply YES and the code of an offer to accept it (e.g. YES 4821), NO and the code to "
        "decline, STOP for no more SMS."
    )


def which(codes: list[str]) -> str:
    example = codes[0]
    return "Lotse: " + _("Which offer do you mean? Reply e.g. YES %(code)s. Open: %(codes)s") % {
        "code": example,
        "codes": ", ".join(codes),
    }


def nothing_open() -> str:
    return "Lotse: " + _("You have no open offer at the moment. Thank you!")


def unknown_code(code: str) -> str:
    return "Lotse: " + _("We know no open offer of yours with the code %(code)s.") % {"code": code}


def declined(code: str) -> str:
    return _prefix(code) + _("You declined. Thank you for answering!")


def refused(code: str, message: str) -> str:
    """An answer that could not be taken, with the reason the offer's page would show."""
    return _prefix(code) + message
