"""A volunteer's profile: the checks that span several rows, and saving it in one transaction.

Registration, the self-service pages and the staff API all save through `save_profile`, so a
rule such as "no overlapping slots" holds whichever way the data came in. Each check raises
Django's ValidationError keyed by field, which the API turns into `{field: [messages]}` and
forms show next to the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from volunteers import languages, phones, places
from volunteers.models import (
    Absence,
    AvailabilitySlot,
    Level,
    Skill,
    SpokenLanguage,
    Volunteer,
    VolunteerSkill,
)
from volunteers.signals import phone_to_confirm
from volunteers.translation import active_language

WEEKDAYS = range(7)


@dataclass(frozen=True)
class Slot:
    weekday: int
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date


GERMAN = "de"
# Every volunteer speaks German, at some level: the offices work in German, every task is
# arranged in it, and a task in one language (all but interpreting) names only the other
# language. Someone without German could be offered nothing they can do, so registration
# refuses it rather than record a volunteer who is never asked.
NO_GERMAN = gettext_lazy(
    "Please add German too, at your level (A1 is enough): the welcome offices arrange every "
    "task in German."
)


def check_languages(entries: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Canonical (code, level) pairs; refuses unknown tags, unknown levels, duplicates and a
    list without German."""
    result: dict[str, str] = {}
    errors: list[str] = []
    for raw_code, level in entries:
        try:
            code = languages.canonical_tag(raw_code)
        except languages.InvalidLanguage:
            errors.append(_("“%(code)s” is not a language we know.") % {"code": raw_code})
            continue
        if level not in Level.values:
            errors.append(
                _("“%(level)s” is not a level; use one of %(levels)s.")
                % {"level": level, "levels": ", ".join(Level.values)}
            )
            continue
        if code in result:
            name = languages.display_name(code, active_language())
            errors.append(_("%(name)s is listed twice.") % {"name": name})
            continue
        result[code] = level
    if not errors and result and GERMAN not in result:
        errors.append(str(NO_GERMAN))
    if errors:
        raise ValidationError({"languages": errors})
    return list(result.items())


def check_slots(slots: Iterable[Slot]) -> list[Slot]:
    """Weekly slots: a real weekday, start before end, no two overlapping on one day; sorted,
    with slots that only touch (9–12 and 12–15) joined into one (9–15).

    Joined, because a task is matched to one slot that covers it: someone free 9–12 and 12–15
    is free for a task from 11 to 13, and expects to be asked.
    """
    ordered = sorted(slots, key=lambda s: (s.weekday, s.start, s.end))
    errors: list[str] = []
    for slot in ordered:
        if slot.weekday not in WEEKDAYS:
            errors.append(_("Weekday must be 0 (Monday) to 6 (Sunday)."))
        elif slot.start >= slot.end:
            errors.append(
                _("%(start)s–%(end)s: the start must be before the end.")
                % {"start": f"{slot.start:%H:%M}", "end": f"{slot.end:%H:%M}"}
            )
    # Sorted by start: a slot overlaps an earlier one iff it starts before the latest end so far.
    latest: Slot | None = None
    for slot in ordered:
        if latest is not None and latest.weekday == slot.weekday and slot.start < latest.end:
            errors.append(
                _("%(a)s and %(b)s overlap on the same day.")
                % {
                    "a": f"{latest.start:%H:%M}–{latest.end:%H:%M}",
                    "b": f"{slot.start:%H:%M}–{slot.end:%H:%M}",
                }
            )
        if latest is None or latest.weekday != slot.weekday or slot.end > latest.end:
            latest = slot
    if errors:
        raise ValidationError({"availability": errors})
    return join_touching(ordered)


def join_touching(ordered: list[Slot]) -> list[Slot]:
    """Slots sorted by weekday and start, none overlapping, with each run of touching slots of
    one day as one slot."""
    joined: list[Slot] = []
    for slot in ordered:
        last = joined[-1] if joined else None
        if last is not None and last.weekday == slot.weekday and last.end == slot.start:
            joined[-1] = Slot(last.weekday, last.start, slot.end)
        else:
            joined.append(slot)
    return joined


def check_times_choice(*, only_at_stated_times: bool, has_slots: bool) -> None:
    """Asking someone "only at these times" needs times: strict without a slot is refused.

    The rule spans the volunteer row and its slots, which no database check can see; every
    writer reaches it through `save_profile` (the admin, saving rows itself, calls it too).
    """
    if only_at_stated_times and not has_slots:
        raise ValidationError(
            {
                "only_at_stated_times": [
                    _("Give at least one time, or let us ask you at other times too.")
                ]
            }
        )


def check_absences(spans: Iterable[Span]) -> list[Span]:
    """Absences: whole days, the end not before the start."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    errors = [
        _("%(start)s–%(end)s: the end is before the start.")
        % {"start": span.start.isoformat(), "end": span.end.isoformat()}
        for span in ordered
        if span.end < span.start
    ]
    if errors:
        raise ValidationError({"absences": errors})
    return ordered


def check_skills(entries: Iterable[tuple[str, str]]) -> list[tuple[Skill, str]]:
    """Catalogue skills by code, each with an optional level; unknown codes are refused."""
    wanted = list(entries)
    known = {s.code: s for s in Skill.objects.filter(code__in=[c for c, _l in wanted])}
    errors: list[str] = []
    result: dict[str, tuple[Skill, str]] = {}
    for code, level in wanted:
        if code not in known or not known[code].is_active:
            errors.append(_("“%(code)s” is not a skill in the catalogue.") % {"code": code})
        elif level not in {"", *VolunteerSkill.Level.values}:
            errors.append(_("“%(level)s” is not a skill level.") % {"level": level})
        else:
            result[code] = (known[code], level)
    if errors:
        raise ValidationError({"skills": errors})
    return list(result.values())


def place_fields(postcode: str) -> dict[str, Any]:
    """Postcode → the derived fields; a well-formed unknown postcode is kept, but flagged."""
    code = places.normalise_postcode(postcode)
    place = places.lookup(code)
    if place is None:
        return {"postcode": code, "district": "", "lat": None, "lon": None, "postcode_known": False}
    return {
        "postcode": code,
        "district": place.district,
        "lat": place.point.lat,
        "lon": place.point.lon,
        "postcode_known": True,
    }


def check_channel(*, offer_channel: str, phone: str) -> None:
    """SMS needs a mobile number (confirmed later, by reply)."""
    if offer_channel == Volunteer.OfferChannel.EMAIL:
        return
    if not phone:
        raise ValidationError({"phone": [_("Please give your mobile number to get SMS.")]})
    if not phones.is_mobile(phone):
        raise ValidationError(
            {"phone": [_("This is not a mobile number; SMS can only go to a mobile number.")]}
        )


SCALAR_FIELDS = (
    "name",
    "email",
    "phone",
    "offer_channel",
    "sms_urgent_at_night",
    "max_distance_km",
    "remote_ok",
    "only_at_stated_times",
    "gender",
    "certificate_date",
    "max_tasks_per_month",
    "email_language",
)


@transaction.atomic
def save_profile(*, volunteer: Volunteer, data: Mapping[str, Any]) -> Volunteer:
    """Apply validated profile data; lists present in `data` replace the stored ones.

    `data` uses the serializer's shapes: languages as (code, level) pairs, skills as
    (code, level) pairs, availability as Slots, absences as Spans. Everything is checked again
    here, so a caller cannot skip a rule.
    """
    old_phone, old_channel = str(volunteer.phone or ""), volunteer.offer_channel
    for field in SCALAR_FIELDS:
        if field in data:
            setattr(volunteer, field, data[field] if data[field] is not None else _blank(field))
    check_channel(offer_channel=volunteer.offer_channel, phone=str(volunteer.phone or ""))
    if str(volunteer.phone or "") != old_phone:
        volunteer.phone_confirmed_at = None  # a new number is confirmed anew
    if "offer_channel" in data and volunteer.offer_channel != old_channel:
        volunteer.sms_stopped_at = None  # choosing SMS again undoes a STOP
    if volunteer.email:
        volunteer.email = volunteer.email.strip()
    if "postcode" in data:
        for field, value in place_fields(data["postcode"]).items():
            setattr(volunteer, field, value)
    # Checked before anything is written: a refused profile leaves no half-saved rows.
    new_languages = check_languages(data["languages"]) if "languages" in data else None
    new_skills = check_skills(data["skills"]) if "skills" in data else None
    new_slots = check_slots(data["availability"]) if "availability" in data else None
    new_absences = check_absences(data["absences"]) if "absences" in data else None
    is_new = volunteer._state.adding  # a new profile has no old rows to replace
    check_times_choice(
        only_at_stated_times=volunteer.only_at_stated_times,
        has_slots=bool(new_slots)
        if new_slots is not None
        else not is_new and volunteer.availability.exists(),
    )
    volunteer.save()
    if volunteer.status == Volunteer.Status.ACTIVE:
        ask_to_confirm_phone(volunteer)
    if new_languages is not None:
        _replace(
            volunteer.languages,
            [SpokenLanguage(volunteer=volunteer, code=c, level=lv) for c, lv in new_languages],
            is_new=is_new,
        )
    if new_skills is not None:
        _replace(
            volunteer.skill_set,
            [VolunteerSkill(volunteer=volunteer, skill=sk, level=lv) for sk, lv in new_skills],
            is_new=is_new,
        )
    if new_slots is not None:
        _replace(
            volunteer.availability,
            [
                AvailabilitySlot(volunteer=volunteer, weekday=s.weekday, start=s.start, end=s.end)
                for s in new_slots
            ],
            is_new=is_new,
        )
    if new_absences is not None:
        _replace(
            volunteer.absences,
            [Absence(volunteer=volunteer, start=s.start, end=s.end) for s in new_absences],
            is_new=is_new,
        )
    return volunteer


def ask_to_confirm_phone(volunteer: Volunteer) -> None:
    """An active volunteer who chose SMS with a number not yet confirmed gets the confirmation
    SMS: the channel's domain (workers.sms) queues it in this transaction."""
    if volunteer.wants_sms and volunteer.phone_confirmed_at is None:
        phone_to_confirm.send(sender=Volunteer, volunteer=volunteer)


def _replace(related: Any, rows: list[Any], *, is_new: bool) -> None:
    if not is_new:
        related.all().delete()
    related.model.objects.bulk_create(rows)


def _blank(field: str) -> Any:
    return None if field == "certificate_date" else ""
