"""The forms of the public volunteer pages: registration, and "send me my link again".

The registration page validates with the API's `RegistrationSerializer`, so a person sees the
same messages whichever way they register. `RegistrationForm` therefore checks nothing itself:
it turns the flat HTML fields (four language rows, seven weekdays with two time windows each,
checkboxes) into the serializer's nested input, and puts the serializer's messages back next
to the fields they are about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from volunteers import language_picker, profiles
from volunteers.models import Level, Skill, Volunteer
from volunteers.models import email_language_choices as _language_choices

LANGUAGE_ROWS = 4
WINDOWS_PER_DAY = 2

# The profile's own fields (`profiles.SCALAR_FIELDS`), with what only registration asks.
SCALAR_FIELDS = (*profiles.SCALAR_FIELDS, "postcode", "consent")
# Optional on the page: an empty box means "not given", so the serializer's default applies.
_OMIT_WHEN_EMPTY = ("max_distance_km", "max_tasks_per_month", "email_language", "offer_channel")

NOT_LISTED = _("“%(text)s” is not in the list of languages. Choose one from the list.")


@dataclass
class LanguageRow:
    index: int
    text: str = ""  # as typed or chosen in the picker: a label, a name or a tag
    level: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return f"id_lang_{self.index}_code"

    @property
    def input_name(self) -> str:
        return f"lang-{self.index}-code"

    @property
    def error_id(self) -> str:
        return f"err_lang_{self.index}"


@dataclass
class TimeWindow:
    index: int
    start: str = ""
    end: str = ""


@dataclass
class WeekdayRow:
    weekday: int
    name: str
    windows: list[TimeWindow]
    errors: list[str] = field(default_factory=list)


@dataclass
class SkillOption:
    code: str
    name: str
    checked: bool


class RegistrationForm:
    """The registration page's fields: typed values in, serializer input out, messages back."""

    def __init__(self, data: QueryDict | None = None, *, language: str) -> None:
        self.bound = data is not None
        self.data = data if data is not None else QueryDict()
        self.errors: dict[str, list[str]] = {}
        initial = {
            "max_distance_km": "10",
            "max_tasks_per_month": "4",
            "email_language": language,
            "only_at_stated_times": "no",
            "offer_channel": Volunteer.OfferChannel.EMAIL,
        }
        self.values = {
            name: self.data.get(name, "" if self.bound else initial.get(name, "")).strip()
            for name in SCALAR_FIELDS
        }
        self.language_rows = [
            LanguageRow(
                i,
                self.data.get(f"lang-{i}-code", "").strip(),
                self.data.get(f"lang-{i}-level", "").strip(),
            )
            for i in range(LANGUAGE_ROWS)
        ]
        self.weekday_rows = [
            WeekdayRow(
                day,
                str(WEEKDAYS[day]),
                [
                    TimeWindow(
                        k,
                        self.data.get(f"avail-{day}-{k}-start", "").strip(),
                        self.data.get(f"avail-{day}-{k}-end", "").strip(),
                    )
                    for k in range(WINDOWS_PER_DAY)
                ],
            )
            for day in range(7)
        ]
        self.chosen_skills = set(self.data.getlist("skills"))
        # Which row each entry of the serializer's lists came from, to put messages back.
        self._language_entry_rows: list[LanguageRow] = []
        self._slot_entry_rows: list[WeekdayRow] = []

    @property
    def has_errors(self) -> bool:
        return any(self.errors.values()) or any(
            row.errors for row in [*self.language_rows, *self.weekday_rows]
        )

    def skill_options(self) -> list[SkillOption]:
        return [
            SkillOption(skill.code, skill.name, skill.code in self.chosen_skills)
            for skill in Skill.objects.filter(is_active=True).order_by("position", "code")
        ]

    def serializer_input(self) -> dict[str, Any]:
        """The fields as `RegistrationSerializer` takes them; empty rows are left out."""
        values = self.values
        result: dict[str, Any] = {
            name: values[name] for name in ("name", "email", "phone", "postcode", "gender")
        }
        result["remote_ok"] = bool(values["remote_ok"])
        result["sms_urgent_at_night"] = bool(values["sms_urgent_at_night"])
        # A radio pair, "yes" or "no"; none chosen is the default, "also at other times".
        result["only_at_stated_times"] = values["only_at_stated_times"] == "yes"
        result["consent"] = bool(values["consent"])
        result["certificate_date"] = values["certificate_date"] or None
        for name in _OMIT_WHEN_EMPTY:
            if values[name]:
                result[name] = values[name]
        # The picker sends what was typed or chosen; text naming no listed language is refused
        # here, on its row, and the row is not sent on.
        self._language_entry_rows = []
        result["languages"] = []
        for row in self.language_rows:
            row.errors = []
            if not (row.text or row.level):
                continue
            code = language_picker.resolve(row.text) if row.text else ""
            if row.text and code is None:
                row.errors.append(str(NOT_LISTED) % {"text": row.text})
                continue
            self._language_entry_rows.append(row)
            # A missing part is left out (not sent empty) so the message says it is required.
            result["languages"].append(
                {k: v for k, v in (("code", code), ("level", row.level)) if v}
            )
        result["skills"] = sorted(self.chosen_skills)
        slots: list[dict[str, Any]] = []
        self._slot_entry_rows = []
        for row in self.weekday_rows:
            for window in row.windows:
                if window.start or window.end:
                    slot: dict[str, Any] = {"weekday": row.weekday}
                    # A missing time is left out, not sent empty: the message says "required".
                    slot.update(
                        {k: v for k, v in (("start", window.start), ("end", window.end)) if v}
                    )
                    slots.append(slot)
                    self._slot_entry_rows.append(row)
        result["availability"] = slots
        return result

    def add_errors(self, detail: Mapping[str, Any]) -> None:
        """Put the serializer's (or the domain's) messages next to the fields they concern."""
        rows_of: dict[str, list[Any]] = {
            "languages": self._language_entry_rows,
            "availability": self._slot_entry_rows,
        }
        for name, value in detail.items():
            entries = _per_entry(value, len(rows_of[name])) if name in rows_of else None
            if entries is not None:
                for index, entry in entries.items():
                    row = rows_of[name][index]
                    row.errors.extend(m for m in _messages(entry) if m not in row.errors)
            elif name in SCALAR_FIELDS or name in ("languages", "skills", "availability"):
                self.errors.setdefault(name, []).extend(_messages(value))
            else:
                self.errors.setdefault("form", []).extend(_messages(value))


def _per_entry(value: Any, count: int) -> dict[int, Any] | None:
    """The messages by list entry, if DRF reported them so ({index: ...} or one per entry)."""
    if isinstance(value, Mapping) and value and all(str(key).isdigit() for key in value):
        by_index = {int(key): entry for key, entry in value.items()}
        return by_index if all(index < count for index in by_index) else None
    if (
        isinstance(value, list)
        and len(value) == count
        and all(isinstance(entry, Mapping) for entry in value)
    ):
        return dict(enumerate(value))
    return None


def _messages(value: Any) -> list[str]:
    """Every message in a nested DRF error structure, in order."""
    if isinstance(value, Mapping):
        return [message for entry in value.values() for message in _messages(entry)]
    if isinstance(value, list | tuple):
        return [message for entry in value for message in _messages(entry)]
    return [str(value)]


def level_choices() -> list[tuple[str, str]]:
    return list(Level.choices)


def gender_choices() -> list[tuple[str, str]]:
    return list(Volunteer.Gender.choices)


def offer_channel_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Volunteer.OfferChannel.choices]


def email_language_choices() -> list[tuple[str, str]]:
    return _language_choices()


class LinkAgainForm(forms.Form):
    """The address to send the personal link to."""

    email = forms.EmailField(label=_("Your email address"), max_length=254)
