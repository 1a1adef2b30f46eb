"""Test data of the volunteers app: volunteers and what they speak, offer and when.

`VolunteerFactory()` is an active, confirmed volunteer in 44147 (Innenstadt-Nord) with recorded
consent and nothing else. Give the lists as keywords to fill them in one go:

    VolunteerFactory(
        languages=[("per", "native"), ("de", "B2")],     # codes are canonicalised: per -> fa
        skills=["interpreting", ("letters", "experienced")],
        availability=[(0, "09:00", "12:00")],            # weekday 0 = Monday, Berlin times
        absences=[("2026-04-01", "2026-04-10")],         # whole days, inclusive
    )

or add rows later with `add_languages`, `add_skills`, `add_slot`, `add_absence`. Rows are
written directly (no `save_profile`), so a test can build any state the database allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import factory
from django.utils import timezone

from volunteers import languages as language_tags
from volunteers import profiles
from volunteers.models import (
    Absence,
    AvailabilitySlot,
    Skill,
    SpokenLanguage,
    Volunteer,
    VolunteerSkill,
)
from volunteers.profiles import place_fields

DateLike = dt.date | str
TimeLike = dt.time | str


def _date(value: DateLike) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _time(value: TimeLike) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)


class SkillFactory(factory.django.DjangoModelFactory):
    """A catalogue skill; reuses the row if the code exists (the migration seeds a catalogue)."""

    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"skill-{n}")
    name_de = factory.LazyAttribute(lambda o: f"Fähigkeit {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Skill {o.code}")


def skill(code: str) -> Skill:
    """The catalogue skill `code`, created if the catalogue lacks it."""
    return SkillFactory(code=code)


def add_languages(volunteer: Volunteer, entries: Iterable[tuple[str, str]]) -> None:
    """Add (tag, level) pairs; tags are stored canonical, as registration stores them."""
    SpokenLanguage.objects.bulk_create(
        SpokenLanguage(volunteer=volunteer, code=language_tags.canonical_tag(tag), level=level)
        for tag, level in entries
    )


def add_skills(volunteer: Volunteer, entries: Iterable[str | tuple[str, str]]) -> None:
    """Add skills by code, or as (code, level) pairs."""
    rows = []
    for entry in entries:
        code, level = (entry, "") if isinstance(entry, str) else entry
        rows.append(VolunteerSkill(volunteer=volunteer, skill=skill(code), level=level))
    VolunteerSkill.objects.bulk_create(rows)


def add_slot(
    volunteer: Volunteer, weekday: int, start: TimeLike, end: TimeLike
) -> AvailabilitySlot:
    """A weekly slot in Berlin wall-clock time; weekday 0 = Monday."""
    return AvailabilitySlot.objects.create(
        volunteer=volunteer, weekday=weekday, start=_time(start), end=_time(end)
    )


def add_absence(volunteer: Volunteer, start: DateLike, end: DateLike | None = None) -> Absence:
    """Whole days away, inclusive; one day if `end` is not given."""
    return Absence.objects.create(
        volunteer=volunteer, start=_date(start), end=_date(end if end is not None else start)
    )


class VolunteerFactory(factory.django.DjangoModelFactory):
    """An active volunteer who confirmed the email and consented (see the module docstring)."""

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Volunteer {n}")
    email = factory.Sequence(lambda n: f"volunteer{n}@lotse.example")
    postcode = "44147"
    district = factory.LazyAttribute(lambda o: place_fields(o.postcode)["district"])
    lat = factory.LazyAttribute(lambda o: place_fields(o.postcode)["lat"])
    lon = factory.LazyAttribute(lambda o: place_fields(o.postcode)["lon"])
    postcode_known = factory.LazyAttribute(lambda o: place_fields(o.postcode)["postcode_known"])
    status = Volunteer.Status.ACTIVE
    consent_version = "2026-01"
    consent_language = "de"
    consent_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyAttribute(
        lambda o: None if o.status == Volunteer.Status.PENDING else o.consent_at
    )

    @factory.post_generation
    def languages(
        self, create: bool, extracted: Iterable[tuple[str, str]] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            add_languages(self, extracted)

    @factory.post_generation
    def skills(
        self, create: bool, extracted: Iterable[str | tuple[str, str]] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            add_skills(self, extracted)

    @factory.post_generation
    def availability(
        self,
        create: bool,
        extracted: Iterable[tuple[int, TimeLike, TimeLike]] | None,
        **kwargs: Any,
    ) -> None:
        if create and extracted:
            for weekday, start, end in extracted:
                add_slot(self, weekday, start, end)

    @factory.post_generation
    def absences(
        self, create: bool, extracted: Iterable[tuple[DateLike, DateLike]] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            for start, end in extracted:
                add_absence(self, start, end)


def farsi_mediator(name: str = "Neda Karimi", **fields: Any) -> Volunteer:
    """Farsi native, German C1, interprets, free every day 08:00–18:00, lives in 44147."""
    return VolunteerFactory(
        name=name,
        languages=[("fa", "native"), ("de", "C1")],
        skills=["interpreting"],
        availability=[(day, "08:00", "18:00") for day in range(7)],
        **fields,
    )


def profiled_volunteer(**overrides: Any) -> Volunteer:
    """An active, confirmed volunteer with every kind of data filled in, saved through
    `profiles.save_profile`, the path every real profile takes."""
    now = timezone.now()
    volunteer = Volunteer(
        status=overrides.pop("status", Volunteer.Status.ACTIVE),
        consent_version="2025-01",
        consent_language="de",
        consent_at=now,
        confirmed_at=now,
    )
    data: dict[str, Any] = {
        "name": "Samira Haidari",
        "email": "samira.haidari@example.org",
        "phone": "+49 231 5550123",
        "postcode": "44357",
        "languages": [("fa", "native"), ("de", "B2")],
        "skills": [("interpreting", "experienced"), ("letters", "")],
        "availability": [
            profiles.Slot(0, dt.time(9), dt.time(12)),
            profiles.Slot(2, dt.time(14, 30), dt.time(17)),
        ],
        "absences": [profiles.Span(dt.date(2031, 7, 1), dt.date(2031, 7, 21))],
        "max_distance_km": 12,
        "remote_ok": True,
        "gender": "female",
        "certificate_date": dt.date(2024, 3, 1),
        "max_tasks_per_month": 3,
        "email_language": "de",
        **overrides,
    }
    return profiles.save_profile(volunteer=volunteer, data=data)


def bare_volunteer(**fields: Any) -> Volunteer:
    """An active volunteer row written directly: consent recorded, nothing else (no
    confirmation date, no place fields, no languages)."""
    values: dict[str, Any] = {
        "name": "Jonas Berg",
        "email": "jonas@lotse.example",
        "postcode": "44357",
        "status": Volunteer.Status.ACTIVE,
        "consent_version": "2026-11",
        "consent_language": "de",
        "consent_at": timezone.now(),
    }
    values.update(fields)
    return Volunteer.objects.create(**values)


def sms_volunteer(phone: str, *, channel: str = "sms", **fields: Any) -> Volunteer:
    """An active volunteer who chose SMS and confirmed the number by reply."""
    fields.setdefault("email_language", "de")
    return VolunteerFactory(
        phone=phone,
        offer_channel=channel,
        phone_confirmed_at=timezone.now(),
        **fields,
    )
