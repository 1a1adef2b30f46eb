"""Query parameters of the staff directory (`GET /api/volunteers/`), as a django-filter FilterSet.

Each parameter is checked strictly: a value that means nothing (an unknown language, a skill not
in the catalogue, "maybe" for a boolean, a time without an offset) is a 400 naming the parameter,
never silently ignored, because a list that quietly ignores a filter looks like a real answer.
The queries themselves live in `volunteers.directory`. `StrictFilterSet` is the base of every
FilterSet of the API: no value reaches the database that it cannot take.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from volunteers import directory, languages, places
from volunteers.models import Level, Skill, Volunteer, VolunteerQuerySet

# In a query string "+" means a space, so an unencoded "…T09:30:00+02:00" arrives as
# "…T09:30:00 02:00". The offset is what tells the instant, so it is put back.
_LOST_PLUS = re.compile(r"^(?P<local>\S+T[0-9:.,]+) (?P<offset>[0-9]{2}(:?[0-9]{2})?)$")

# Instants outside these years are typing errors, and near the ends of Python's and PostgreSQL's
# ranges converting them between zones fails.
_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class LanguageTagField(forms.CharField):
    """A language tag, turned into the canonical code volunteers' languages are stored with."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return languages.canonical_tag(text)
        except languages.InvalidLanguage:
            raise forms.ValidationError(
                _("“%(code)s” is not a language we know."), params={"code": text}
            ) from None


class SkillCodeField(forms.CharField):
    """A code of the skill catalogue (inactive skills included: staff may look for history)."""

    def to_python(self, value: Any) -> str:
        code = super().to_python(value)
        if code and not Skill.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("“%(code)s” is not a skill in the catalogue."), params={"code": code}
            )
        return code


class PostcodeField(forms.CharField):
    """A German postcode, normalised as stored (" 44 147 " → "44147")."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return places.normalise_postcode(text)
        except places.InvalidPostcode:
            raise forms.ValidationError(
                _("Enter a German postcode of five digits, e.g. 44147.")
            ) from None


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no, on/off); anything else is refused rather than ignored."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise forms.ValidationError(_("Enter true or false."))


class AwareDateTimeField(forms.Field):
    """An ISO 8601 date and time WITH an offset; a naive time is refused, not guessed."""

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if lost := _LOST_PLUS.match(text):
            text = f"{lost['local']}+{lost['offset']}"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(
                _("Enter a date and time (ISO 8601) with an offset, e.g. 2026-03-30T09:30+02:00.")
            ) from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise forms.ValidationError(
                _(
                    "Give the time with its offset from UTC, e.g. 2026-03-30T09:30:00+02:00: "
                    "a time without one is ambiguous."
                )
            )
        # As UTC: PostgreSQL refuses offsets beyond ±15:59 that Python takes (+18:37).
        try:
            instant = parsed.astimezone(dt.UTC)
        except OverflowError:
            instant = None
        if instant is None or not _EARLIEST <= instant < _LATEST:
            raise forms.ValidationError(_("Enter a time between the years 1900 and 2999."))
        return instant


@extend_schema_field(OpenApiTypes.STR)
class LanguageFilter(filters.CharFilter):
    field_class = LanguageTagField


@extend_schema_field(OpenApiTypes.STR)
class SkillFilter(filters.CharFilter):
    field_class = SkillCodeField


@extend_schema_field(OpenApiTypes.STR)
class PostcodeFilter(filters.CharFilter):
    field_class = PostcodeField


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeFilter(filters.Filter):
    field_class = AwareDateTimeField


class QueryForm(forms.Form):
    """Refuses a NUL character in any parameter before a field reads it.

    Fields look values up (a skill code) or filter by them, and PostgreSQL cannot compare text
    holding NUL: the parameter is a 400, whichever field it is for.
    """

    def full_clean(self) -> None:
        unreadable = [
            name
            for name in self.fields
            if self.is_bound and any("\x00" in str(v) for v in self._raw_values(name))
        ]
        if not unreadable:
            super().full_clean()
            return
        self._errors = ErrorDict()
        self.cleaned_data = {}
        for name in unreadable:
            self.add_error(name, ProhibitNullCharactersValidator.message)

    def _raw_values(self, name: str) -> list[Any]:
        key = self.add_prefix(name)
        return self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data.get(key)]


class StrictFilterSet(filters.FilterSet):
    """The base of the API's FilterSets: its form is a `QueryForm`, whatever `Meta.form` says."""

    def get_form_class(self) -> type[forms.Form]:
        form = super().get_form_class()
        if issubclass(form, QueryForm):
            return form
        return type(form.__name__, (QueryForm, form), {})


class DirectoryFilterForm(QueryForm):
    """Checks that span parameters: `min_level` only means something with `language`."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("min_level")
            and not cleaned.get("language")
            and "language" not in self.errors
        ):
            self.add_error(
                "min_level",
                _("Give a language as well: min_level is the least level in that language."),
            )
        return cleaned


class VolunteerFilter(StrictFilterSet):
    """The filters of `GET /api/volunteers/`; given together, all must hold."""

    language = LanguageFilter(
        method="filter_language",
        help_text="Speaks this language (any BCP 47 / ISO 639 tag: fa, per, fa-IR are the same).",
    )
    min_level = filters.ChoiceFilter(
        choices=Level.choices,
        method="filter_min_level",
        help_text="With `language`: speaks it at this level or better (A1 < … < C2 < native).",
    )
    skill = SkillFilter(method="filter_skill", help_text="Offers this catalogue skill (its code).")
    district = filters.ChoiceFilter(
        field_name="district",
        choices=[(name, name) for name in places.DISTRICTS],
        help_text="Lives in this Dortmund district (derived from the postcode).",
    )
    postcode = PostcodeFilter(field_name="postcode", help_text="Lives in this postcode area.")
    active = StrictBooleanFilter(
        method="filter_active",
        help_text="true: status active and not paused today; false: everyone else.",
    )
    search = filters.CharFilter(
        method="filter_search", help_text="Part of the name or email address, any case."
    )
    available_at = AwareDateTimeFilter(
        method="filter_available_at",
        help_text="Free at this instant (ISO 8601 with offset): active, not paused or absent "
        "that day, and a weekly slot covering the time, all in Europe/Berlin.",
    )

    class Meta:
        model = Volunteer
        fields: list[str] = []
        form = DirectoryFilterForm

    def filter_language(self, queryset: VolunteerQuerySet, name: str, value: str) -> Any:
        min_level = self.form.cleaned_data.get("min_level") or None
        return directory.speaking(queryset, code=value, min_level=min_level)

    def filter_min_level(self, queryset: VolunteerQuerySet, name: str, value: str) -> Any:
        # Applied by filter_language: a level alone says nothing (the form refuses it).
        return queryset

    def filter_skill(self, queryset: VolunteerQuerySet, name: str, value: str) -> Any:
        return directory.offering(queryset, skill_code=value)

    def filter_active(self, queryset: VolunteerQuerySet, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        today = directory.local_today()
        if value:
            return directory.active_on(queryset, day=today)
        return directory.not_active_on(queryset, day=today)

    def filter_search(self, queryset: VolunteerQuerySet, name: str, value: str) -> Any:
        return directory.matching_text(queryset, text=value)

    def filter_available_at(
        self, queryset: VolunteerQuerySet, name: str, value: dt.datetime
    ) -> Any:
        return directory.available_at(queryset, at=value)
