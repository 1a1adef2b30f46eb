"""Forms of the volunteer's own pages: the profile editor and the pause form.

The editor keeps what was typed as text, so a refused form comes back exactly as entered. It is
checked by `ProfileSerializer(partial=True)`, the same rules as the API, and each error is put
next to the field or the row (a language, a time window, an absence) it belongs to. Repeated
rows are read from whatever rows the page posted, so the page decides how many it offers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from volunteers import language_picker, languages
from volunteers.models import Level, Skill, Volunteer
from volunteers.selfservice import latest_pause_end
from volunteers.serializers import ProfileSerializer
from volunteers.translation import active_language

EMPTY_ROWS = 2  # blank language and absence rows after the stored ones
WINDOWS_PER_DAY = 3
# A posted form names its own rows; this bounds the work a crafted form can cause.
MAX_ROWS = 40

SCALARS = (
    "name",
    "phone",
    "postcode",
    "max_distance_km",
    "gender",
    "certificate_date",
    "max_tasks_per_month",
    "email_language",
    "offer_channel",
)

# Names of the inputs of a row, to say which one an error message is about.
ROW_FIELD_LABELS = {
    "code": _("Language"),
    "level": _("Level"),
    "start": _("From"),
    "end": _("Until"),
    "weekday": _("Weekday"),
}


HALF_FILLED_ROW = _("please fill this in, or leave the whole row empty.")
NOT_LISTED = _("“%(text)s” is not in the list of languages. Choose one from the list.")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def level_choices() -> tuple[Choice, ...]:
    return tuple(Choice(value, str(label)) for value, label in Level.choices)


@dataclass
class Row:
    """One repeated row of the editor, as typed; `messages` are its errors."""

    prefix: str
    values: dict[str, str]
    messages: list[str] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)

    @property
    def error_id(self) -> str:
        return f"{self.prefix}-error"

    def is_blank(self) -> bool:
        return not any(value.strip() for value in self.values.values())


@dataclass
class Day:
    weekday: int
    name: str
    rows: list[Row]


def _row_indices(data: Mapping[str, Any], pattern: re.Pattern[str]) -> list[str]:
    """The distinct row keys posted for `pattern` (its first group), in numeric order."""
    keys = {match.group(1) for key in data if (match := pattern.fullmatch(key))}
    return sorted(keys, key=lambda k: tuple(int(part) for part in k.split("-")))[:MAX_ROWS]


def _messages(detail: Any) -> list[str]:
    """The texts in a DRF/Django error detail, however it is nested."""
    if isinstance(detail, Mapping):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list | tuple):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class ProfileEditForm:
    """The profile editor: scalar fields, language rows, skills, weekly windows, absences."""

    def __init__(
        self,
        *,
        volunteer: Volunteer,
        values: dict[str, str],
        remote_ok: bool,
        only_at_stated_times: bool = False,
        sms_urgent_at_night: bool = False,
        language_rows: list[Row],
        skills: set[str],
        days: list[Day],
        absence_rows: list[Row],
    ) -> None:
        self.volunteer = volunteer
        self.values = values
        self.remote_ok = remote_ok
        self.only_at_stated_times = only_at_stated_times
        self.sms_urgent_at_night = sms_urgent_at_night
        self.language_rows = language_rows
        self.skills = skills
        self.days = days
        self.absence_rows = absence_rows
        self.errors: dict[str, list[str]] = {}
        self.cleaned_data: dict[str, Any] = {}
        # Which row each entry of the serializer's lists came from, to place its errors.
        self._rows_of: dict[str, list[Row]] = {}

    # --- building --------------------------------------------------------------------------

    @classmethod
    def for_volunteer(cls, volunteer: Volunteer) -> ProfileEditForm:
        """The editor filled with what is stored, plus blank rows to add more."""
        values = {
            "name": volunteer.name,
            "phone": volunteer.phone.as_international if volunteer.phone else "",
            "postcode": volunteer.postcode,
            "max_distance_km": str(volunteer.max_distance_km),
            "gender": volunteer.gender,
            "certificate_date": (
                volunteer.certificate_date.isoformat() if volunteer.certificate_date else ""
            ),
            "max_tasks_per_month": str(volunteer.max_tasks_per_month),
            "email_language": volunteer.email_language,
            "offer_channel": volunteer.offer_channel,
        }
        spoken = list(volunteer.languages.order_by("code"))
        lang = active_language()
        language_rows = [
            Row(f"languages-{i}", {"code": _shown(s.code, lang), "level": s.level})
            for i, s in enumerate(spoken)
        ]
        language_rows += [
            Row(f"languages-{i}", {"code": "", "level": ""})
            for i in range(len(spoken), len(spoken) + EMPTY_ROWS)
        ]
        slots = list(volunteer.availability.order_by("weekday", "start"))
        days = []
        for weekday in range(7):
            rows = [
                Row(
                    f"availability-{weekday}-{i}",
                    {"start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}"},
                )
                for i, s in enumerate(s for s in slots if s.weekday == weekday)
            ]
            days.append(Day(weekday, str(WEEKDAYS[weekday]), _padded(rows, weekday)))
        absences = list(volunteer.absences.order_by("start", "end"))
        absence_rows = [
            Row(f"absences-{i}", {"start": a.start.isoformat(), "end": a.end.isoformat()})
            for i, a in enumerate(absences)
        ]
        absence_rows += [
            Row(f"absences-{i}", {"start": "", "end": ""})
            for i in range(len(absences), len(absences) + EMPTY_ROWS)
        ]
        return cls(
            volunteer=volunteer,
            values=values,
            remote_ok=volunteer.remote_ok,
            only_at_stated_times=volunteer.only_at_stated_times,
            sms_urgent_at_night=volunteer.sms_urgent_at_night,
            language_rows=language_rows,
            skills={vs.skill.code for vs in volunteer.skill_set.select_related("skill")},
            days=days,
            absence_rows=absence_rows,
        )

    @classmethod
    def from_post(cls, data: Mapping[str, Any], *, volunteer: Volunteer) -> ProfileEditForm:
        """The editor as posted (a QueryDict or a plain dict of strings)."""

        def text(key: str) -> str:
            value = data.get(key, "")
            return value if isinstance(value, str) else ""

        values = {name: text(name) for name in SCALARS}
        language_rows = [
            Row(
                f"languages-{i}",
                {
                    "code": text(f"languages-{k}-code"),
                    "level": text(f"languages-{k}-level"),
                },
            )
            for i, k in enumerate(_row_indices(data, re.compile(r"languages-(\d+)-(?:code|level)")))
        ]
        posted_slots = _row_indices(data, re.compile(r"availability-([0-6]-\d+)-(?:start|end)"))
        days = []
        for weekday in range(7):
            keys = [k for k in posted_slots if k.startswith(f"{weekday}-")]
            rows = [
                Row(
                    f"availability-{weekday}-{i}",
                    {
                        "start": text(f"availability-{k}-start"),
                        "end": text(f"availability-{k}-end"),
                    },
                )
                for i, k in enumerate(keys)
            ]
            days.append(Day(weekday, str(WEEKDAYS[weekday]), _padded(rows, weekday)))
        absence_rows = [
            Row(
                f"absences-{i}",
                {"start": text(f"absences-{k}-start"), "end": text(f"absences-{k}-end")},
            )
            for i, k in enumerate(_row_indices(data, re.compile(r"absences-(\d+)-(?:start|end)")))
        ]
        getlist = getattr(data, "getlist", None)
        posted_skills = getlist("skills") if getlist else data.get("skills", [])
        if isinstance(posted_skills, str):
            posted_skills = [posted_skills]
        return cls(
            volunteer=volunteer,
            values=values,
            remote_ok=bool(data.get("remote_ok")),
            # A radio pair, "yes" or "no"; anything else is the default, "also at other times".
            only_at_stated_times=data.get("only_at_stated_times") == "yes",
            sms_urgent_at_night=bool(data.get("sms_urgent_at_night")),
            language_rows=language_rows,
            skills={s for s in posted_skills if isinstance(s, str)},
            days=days,
            absence_rows=absence_rows,
        )

    # --- checking --------------------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        """The serializer's input; blank rows are left out, half-filled ones are checked."""
        data: dict[str, Any] = {name: self.values[name].strip() for name in SCALARS}
        data["certificate_date"] = data["certificate_date"] or None
        data["remote_ok"] = self.remote_ok
        data["only_at_stated_times"] = self.only_at_stated_times
        data["sms_urgent_at_night"] = self.sms_urgent_at_night
        if not data["offer_channel"]:
            del data["offer_channel"]  # a page without the choice keeps the stored one
        # The picker sends text; a text naming no listed language is refused on its row and
        # not sent on (the serializer would take any tag, the picker offers a curated list).
        # A stored language the list lacks (set by staff) stays as long as its row does.
        self._kept = {
            _shown(code, active_language()): code
            for code in self.volunteer.languages.values_list("code", flat=True)
        }
        used_languages = []
        data["languages"] = []
        for row in self.language_rows:
            if row.is_blank():
                continue
            typed = row.values["code"].strip()
            code = language_picker.resolve(typed) or self._kept.get(typed) if typed else ""
            if typed and code is None:
                row.messages = [str(NOT_LISTED) % {"text": typed}]
                row.invalid.add("code")
                continue
            used_languages.append(row)
            data["languages"].append({"code": code, "level": row.values["level"]})
        # A stored skill level (set by staff) is kept; the page only says yes or no.
        levels = {
            vs.skill.code: vs.level for vs in self.volunteer.skill_set.select_related("skill")
        }
        data["skills"] = [
            {"code": code, "level": levels.get(code, "")} for code in sorted(self.skills)
        ]
        used_slots = [(d.weekday, row) for d in self.days for row in d.rows if not row.is_blank()]
        data["availability"] = [
            {"weekday": weekday, "start": row.values["start"], "end": row.values["end"]}
            for weekday, row in used_slots
        ]
        used_absences = [row for row in self.absence_rows if not row.is_blank()]
        data["absences"] = [
            {"start": row.values["start"], "end": row.values["end"]} for row in used_absences
        ]
        self._rows_of = {
            "languages": used_languages,
            "availability": [row for _weekday, row in used_slots],
            "absences": used_absences,
        }
        return data

    def is_valid(self) -> bool:
        serializer = ProfileSerializer(data=self.payload(), partial=True)
        if serializer.is_valid() and not self.has_errors:
            self.cleaned_data = dict(serializer.validated_data)
            return True
        self.add_errors(serializer.errors)  # empty when only the picker refused a text
        return False

    def add_errors(self, errors: Mapping[str, Any]) -> None:
        """Place errors keyed like the serializer's (or `save_profile`'s) next to their input."""
        for key, detail in errors.items():
            rows = self._rows_of.get(key)
            entries = _entry_errors(detail) if rows is not None else None
            if entries is None:
                placed = (
                    *SCALARS,
                    "remote_ok",
                    "only_at_stated_times",
                    "sms_urgent_at_night",
                    *self._rows_of,
                    "skills",
                )
                target = key if key in placed else "general"
                self.errors.setdefault(target, []).extend(_unique(_messages(detail)))
                continue
            for index, entry in entries:
                if index is None or index >= len(rows):
                    self.errors.setdefault(key, []).extend(_unique(_messages(entry)))
                    continue
                _add_row_errors(rows[index], entry)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(
            row.messages for row in (*self.language_rows, *self.absence_rows, *self.all_slot_rows())
        )

    def all_slot_rows(self) -> list[Row]:
        return [row for day in self.days for row in day.rows]

    # --- showing ---------------------------------------------------------------------------

    def skill_options(self) -> list[tuple[Skill, bool]]:
        """Active catalogue skills, each with whether it is ticked."""
        return [
            (skill, skill.code in self.skills)
            for skill in Skill.objects.filter(is_active=True).order_by("position", "code")
        ]


def _add_row_errors(row: Row, entry: Any) -> None:
    """Errors of one entry ({input name: messages} or plain messages) onto its row."""
    if not isinstance(entry, Mapping):
        row.messages.extend(_unique(_messages(entry)))
        row.invalid.update(row.values)
        return
    for name, messages in entry.items():
        label = ROW_FIELD_LABELS.get(name)
        texts = _unique(_messages(messages))
        if name in row.values and not row.values[name].strip():
            # The serializer's "not a valid choice" / "wrong format" for an empty input is no
            # help; the person half-filled a row.
            texts = [str(HALF_FILLED_ROW)]
        row.messages.extend(f"{label}: {text}" if label else text for text in texts)
        # "non_field_errors" (start after end) is about the whole row.
        row.invalid.update([name] if name in row.values else row.values)


def _shown(code: str, lang: str) -> str:
    """A stored language as the picker shows it: its label, or for a tag the list lacks (set
    by staff through the API) its name."""
    if code in language_picker.allowed_codes():
        return language_picker.label(code, lang)
    try:
        return languages.display_name(code, lang)
    except languages.InvalidLanguage:
        return code


def _padded(rows: list[Row], weekday: int) -> list[Row]:
    """`rows` plus blank windows up to WINDOWS_PER_DAY."""
    return rows + [
        Row(f"availability-{weekday}-{i}", {"start": "", "end": ""})
        for i in range(len(rows), WINDOWS_PER_DAY)
    ]


def _entry_errors(detail: Any) -> list[tuple[int | None, Any]] | None:
    """A list serializer's per-entry errors as (index, error) pairs; None if section-wide.

    DRF reports entries as {index: {...}} (and older versions as a list aligned with the
    input); an error about the list itself comes as {"non_field_errors": [...]} (index None).
    """
    if isinstance(detail, Mapping):
        return [(key if isinstance(key, int) else None, value) for key, value in detail.items()]
    if isinstance(detail, list) and any(isinstance(item, Mapping) for item in detail):
        return [(i, item) for i, item in enumerate(detail) if item]
    return None


class PauseForm(forms.Form):
    """The last day of a pause; the range is checked by `volunteers.selfservice.pause`."""

    until = forms.DateField(
        label=_("No offers until (inclusive)"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Hints for the browser's date picker; the server checks the range itself.
        today = timezone.localdate()
        self.fields["until"].widget.attrs.update(
            {"min": today.isoformat(), "max": latest_pause_end(today=today).isoformat()}
        )
