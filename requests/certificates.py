"""Engagement certificates (Engagementnachweis): a volunteer's figures for a period, as a PDF
anyone can verify online.

The figures are the assignments the offices confirmed as having taken place, whose appointment
fell in the period (Berlin days): their number, the hours, the languages of those requests and
the offices. `issue` freezes them in a `Certificate` row; its code is the row's number and an
HMAC of it (`SECRET_KEY`, 80 bits), so it cannot be guessed or changed into another's, and
`/verify/<code>/` shows exactly the frozen figures. The name is not stored, only a keyed
digest, so the page can confirm a name a verifier types and never shows one.

The PDF is drawn with fpdf2 and HarfBuzz shaping, in Noto Sans with Noto Sans Arabic as the
fallback (shipped in `requests/fonts/`, OFL): Arabic and Persian names are joined and run right
to left.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from requests.models import Certificate, Outcome, RequestLanguage
from volunteers import languages
from volunteers.models import Volunteer
from volunteers.translation import active_language

FONTS = Path(__file__).resolve().parent / "fonts"
MAX_YEARS = 10
_CODE = re.compile(r"^(\d{1,12})-([A-Z2-7]{16})$")


@dataclass(frozen=True)
class Figures:
    hours: Decimal
    assignments: int
    languages: list[str]
    offices: list[str]


def _took_place(volunteer: Volunteer, first: dt.date, last: dt.date):
    start = dt.datetime.combine(first, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    return Outcome.objects.filter(
        volunteer=volunteer,
        result=Outcome.Result.TOOK_PLACE,
        confirmed_at__isnull=False,
        offer__request__starts_at__gte=start,
        offer__request__starts_at__lt=end,
    )


def figures(*, volunteer: Volunteer, first: dt.date, last: dt.date) -> Figures:
    """The volunteer's confirmed engagement with appointments from `first` to `last`."""
    done = _took_place(volunteer, first, last)
    hours = done.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    count = done.count()
    codes = Counter(
        RequestLanguage.objects.filter(request__offers__outcome__in=done).values_list(
            "code", flat=True
        )
    )
    offices = sorted(set(done.values_list("offer__request__office__name", flat=True)))
    ordered = [code for code, _n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Figures(hours=hours, assignments=count, languages=ordered, offices=offices)


def check_period(first: dt.date | None, last: dt.date | None, *, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}
    if first is None:
        errors["first"] = [_("Enter the first day.")]
    if last is None:
        errors["last"] = [_("Enter the last day.")]
    if errors:
        raise ValidationError(errors)
    assert first is not None and last is not None  # noqa: S101 (checked above)
    if first > last:
        raise ValidationError({"first": [_("The first day must not be after the last.")]})
    if last > today:
        raise ValidationError({"last": [_("The period cannot end in the future.")]})
    if (last - first).days > MAX_YEARS * 366:
        raise ValidationError({"first": [_("Choose at most ten years.")]})


def name_digest(name: str) -> str:
    normal = " ".join(name.split()).casefold()
    return salted_hmac("lotse.certificate.name", normal, algorithm="sha256").hexdigest()


def issue(
    *, volunteer: Volunteer, first: dt.date, last: dt.date, now: dt.datetime | None = None
) -> Certificate:
    """A certificate of the volunteer's figures in the period, frozen. ValidationError keyed
    `first`/`last` for a period that is not one."""
    now = now or timezone.now()
    check_period(first, last, today=timezone.localdate(now))
    found = figures(volunteer=volunteer, first=first, last=last)
    return Certificate.objects.create(
        volunteer=volunteer,
        first_date=first,
        last_date=last,
        hours=found.hours,
        assignments=found.assignments,
        languages=found.languages,
        offices=found.offices,
        name_digest=name_digest(volunteer.name),
        issued_at=now,
    )


def _signature(pk: int) -> str:
    digest = salted_hmac("lotse.certificate.code", str(pk), algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:16]


def code_of(certificate: Certificate) -> str:
    return f"{certificate.pk}-{_signature(certificate.pk)}"


def resolve(code: str) -> Certificate | None:
    """The certificate a code belongs to, or None for a code that is forged or mistyped."""
    match = _CODE.match(code.strip().upper().replace(" ", ""))
    if match is None:
        return None
    pk = int(match[1])
    if not constant_time_compare(match[2], _signature(pk)):
        return None
    return Certificate.objects.filter(pk=pk).first()


def name_matches(certificate: Certificate, name: str) -> bool:
    return constant_time_compare(certificate.name_digest, name_digest(name))


def verify_url(certificate: Certificate) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "certificate-verify", args=[code_of(certificate)]
    )


# --- The PDF ----------------------------------------------------------------------------------


def hours_text(hours: Decimal) -> str:
    return number_format(hours.normalize() if hours else 0, use_l10n=True)


def language_names(certificate: Certificate) -> list[str]:
    lang = active_language()
    return [languages.display_name(code, lang) for code in certificate.languages]


def render_pdf(*, certificate: Certificate, name: str) -> bytes:
    """The certificate as a PDF in the active language, for `name` (the volunteer's)."""
    from fpdf import FPDF

    # fontTools logs every glyph it keeps at INFO: nothing an operator needs, per download.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF(format="A4")
    pdf.set_title(_("Certificate of engagement"))
    pdf.set_creator("Lotse")
    pdf.add_font("noto", "", str(FONTS / "NotoSans-Regular.ttf"))
    pdf.add_font("noto", "B", str(FONTS / "NotoSans-Bold.ttf"))
    pdf.add_font("noto-arabic", "", str(FONTS / "NotoSansArabic-Regular.ttf"))
    pdf.add_font("noto-arabic", "B", str(FONTS / "NotoSansArabic-Bold.ttf"))
    pdf.set_fallback_fonts(["noto-arabic"])
    pdf.set_text_shaping(True)
    pdf.set_margins(22, 22, 22)
    pdf.add_page()

    def line(text: str, *, size: int = 11, bold: bool = False, gap: float = 2) -> None:
        pdf.set_font("noto", "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    period = _("%(first)s to %(last)s") % {
        "first": date_format(certificate.first_date, "DATE_FORMAT"),
        "last": date_format(certificate.last_date, "DATE_FORMAT"),
    }
    line(_("Certificate of engagement"), size=20, bold=True, gap=6)
    line(name, size=15, bold=True)
    line(
        _("volunteered as a language mediator or helper for the welcome offices, %(period)s.")
        % {"period": period},
        gap=6,
    )
    rows = [
        (_("Assignments"), str(certificate.assignments)),
        (_("Hours"), hours_text(certificate.hours)),
        (_("Languages"), ", ".join(language_names(certificate)) or "–"),
        (_("Offices"), ", ".join(certificate.offices) or "–"),
        (_("Period"), period),
    ]
    for label, value in rows:
        line(f"{label}: {value}")
    pdf.ln(6)
    line(_("Only assignments that the office confirmed as having taken place are counted."), size=9)
    line(
        _("Issued on %(date)s.")
        % {"date": date_format(timezone.localdate(certificate.issued_at), "DATE_FORMAT")},
        size=9,
        gap=6,
    )
    line(_("Verification code: %(code)s") % {"code": code_of(certificate)}, bold=True)
    line(_("Anyone can check these figures at %(url)s") % {"url": verify_url(certificate)}, size=9)
    return bytes(pdf.output())
