"""The demo volunteers (`labs.demo.volunteers`): 200 believable people, created once, valid by
the rules.

This demo is what the network sees first, so the tests check what a viewer would notice: the
languages and levels make sense for mediation, the slots never overlap, the places are real.
"""

import datetime as dt
import re
from collections import defaultdict

import pytest
from django.utils import timezone

from labs.demo.volunteers import (
    COMMUNITIES,
    EMAIL_DOMAIN,
    FAMOUS,
    NEIGHBOURING_POSTCODES,
    invent_volunteers,
    seed_volunteers,
)
from volunteers import consent, languages, places
from volunteers.models import Level, SpokenLanguage, Volunteer
from volunteers.profiles import Slot, check_slots

C1_OR_BETTER = set(Level.at_least(Level.C1))
B2_OR_BETTER = set(Level.at_least(Level.B2))


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seeds once for the module (2–4 s a time); each test still runs in its own transaction."""
    with django_db_blocker.unblock():
        count = seed_volunteers()
    yield count
    with django_db_blocker.unblock():
        Volunteer.objects.all().delete()


@pytest.fixture
def seeded(seeded_once, db) -> int:
    return seeded_once


def _languages() -> dict[int, dict[str, str]]:
    spoken: dict[int, dict[str, str]] = defaultdict(dict)
    for volunteer_id, code, level in SpokenLanguage.objects.values_list(
        "volunteer_id", "code", "level"
    ):
        spoken[volunteer_id][code] = level
    return spoken


def test_it_creates_two_hundred_demo_volunteers(seeded) -> None:
    """A fresh database gets exactly 200 demo volunteers, and the function says so."""
    assert seeded == 200
    assert Volunteer.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count() == 200


def test_it_creates_nothing_when_run_again_in_one_query(seeded, django_assert_num_queries) -> None:
    """Every `make run` seeds again: the second run reads once, creates and changes nothing."""
    before = dict(Volunteer.objects.values_list("email", "updated_at"))

    with django_assert_num_queries(1):
        assert seed_volunteers() == 200

    assert dict(Volunteer.objects.values_list("email", "updated_at")) == before


def test_it_leaves_a_demo_volunteer_edited_in_the_demo_alone(seeded) -> None:
    """Someone who paused a demo volunteer while trying Lotse still finds them paused."""
    volunteer = Volunteer.objects.order_by("pk")[0]
    volunteer.status, volunteer.paused_until = Volunteer.Status.PAUSED, dt.date(2030, 1, 1)
    volunteer.save()

    seed_volunteers()

    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.paused_until) == ("paused", dt.date(2030, 1, 1))


def test_it_adds_only_the_missing_people_when_the_count_grows(seeded) -> None:
    """A smaller demo grows into the full one without duplicating anybody."""
    Volunteer.objects.all().delete()  # undone with the test's transaction

    assert seed_volunteers(count=5) == 5
    first_five = set(Volunteer.objects.values_list("email", flat=True))

    assert seed_volunteers() == 200

    emails = list(Volunteer.objects.values_list("email", flat=True))
    assert len(emails) == len(set(emails)) == 200
    assert first_five <= set(emails)


def test_it_invents_the_same_people_for_the_same_seed() -> None:
    """Every machine shows the same demo; another seed gives other people."""
    today = dt.date(2026, 11, 21)

    first = invent_volunteers(count=50, seed=2026, today=today)
    again = invent_volunteers(count=50, seed=2026, today=today)
    other = invent_volunteers(count=50, seed=7, today=today)

    assert [(p.email, p.data) for p in first] == [(p.email, p.data) for p in again]
    assert [p.email for p in first] != [p.email for p in other]


def test_it_gives_every_demo_volunteer_a_unique_demo_address(seeded) -> None:
    """Addresses are `<slug>.<n>@demo.lotse.example`, all different, none at a real domain."""
    emails = list(Volunteer.objects.values_list("email", flat=True))

    assert len(set(emails)) == len(emails) == 200
    pattern = re.compile(rf"^[a-z0-9]+(-[a-z0-9]+)*\.([1-9][0-9]*)@{re.escape(EMAIL_DOMAIN)}$")
    assert all(pattern.match(email) for email in emails), emails
    assert sorted(int(pattern.match(e).group(2)) for e in emails) == list(range(1, 201))


def test_it_never_gives_two_demo_volunteers_the_same_name(seeded) -> None:
    """200 different names, none of them a pairing that names a well-known person."""
    names = list(Volunteer.objects.values_list("name", flat=True))

    assert len(set(names)) == len(names) == 200
    assert not set(names) & FAMOUS


def test_it_has_every_demo_volunteer_speak_german(seeded) -> None:
    """German is in every profile, natively or at B1 or better."""
    spoken = _languages()

    assert len(spoken) == 200
    assert all(langs.get("de") in {"B1", *B2_OR_BETTER} for langs in spoken.values())


def test_it_covers_the_languages_offices_need(seeded) -> None:
    """At least eight other languages, among them Arabic, Dari, Farsi, Ukrainian and Tigrinya."""
    codes = set(SpokenLanguage.objects.exclude(code="de").values_list("code", flat=True))

    assert len(codes) >= 8
    assert {"ar", "prs", "fa", "ps", "uk", "ru", "tr", "kmr", "ti", "so", "en", "fr"} <= codes


def test_it_only_stores_canonical_language_codes() -> None:
    """Every language in the tables is stored as `canonical_tag` would store it."""
    codes = {code for c in COMMUNITIES for code, _weight in c.mother_tongues}
    codes |= {tongue.code for c in COMMUNITIES for tongue in c.others}

    assert {code: languages.canonical_tag(code) for code in codes} == {c: c for c in codes}


def test_it_offers_interpreters_who_can_mediate(seeded) -> None:
    """At least 20 offer interpreting, and every one speaks German at B2+ and another at C1+."""
    spoken = _languages()
    interpreters = list(
        Volunteer.objects.filter(skill_set__skill__code="interpreting").values_list("pk", flat=True)
    )

    assert len(interpreters) >= 20
    for pk in interpreters:
        langs = spoken[pk]
        assert langs["de"] in B2_OR_BETTER, langs
        assert any(code != "de" and lvl in C1_OR_BETTER for code, lvl in langs.items()), langs


def test_it_gives_about_four_in_ten_refugee_language_speakers_interpreting(seeded) -> None:
    """Among speakers of a refugee language natively, roughly 40 % offer interpreting."""
    refugee_codes = {
        code for c in COMMUNITIES if c.refugee_language for code, _weight in c.mother_tongues
    }
    speakers = set(
        SpokenLanguage.objects.filter(code__in=refugee_codes, level="native").values_list(
            "volunteer_id", flat=True
        )
    )
    interpreters = speakers & set(
        Volunteer.objects.filter(skill_set__skill__code="interpreting").values_list("pk", flat=True)
    )

    assert 0.3 <= len(interpreters) / len(speakers) <= 0.55


def _slots() -> dict[int, list[Slot]]:
    slots: dict[int, list[Slot]] = {pk: [] for pk in Volunteer.objects.values_list("pk", flat=True)}
    for volunteer_id, weekday, start, end in Volunteer.objects.values_list(
        "pk", "availability__weekday", "availability__start", "availability__end"
    ):
        if weekday is not None:
            slots[volunteer_id].append(Slot(weekday, start, end))
    return slots


def test_it_gives_those_with_times_one_to_five_slots_that_never_overlap(seeded) -> None:
    """Weekly availability passes the profile rules: 1–5 slots, no overlaps on a day."""
    with_times = [s for s in _slots().values() if s]

    assert len(with_times) >= 160
    for volunteer_slots in with_times:
        assert 1 <= len(volunteer_slots) <= 5
        check_slots(volunteer_slots)  # raises ValidationError on an overlap


def test_it_has_about_a_quarter_strict_and_some_without_weekly_times(seeded) -> None:
    """About 25 % want offers only at their times, about 15 % give no times (and so are
    flexible); the rest name their usual times."""
    slots = _slots()
    strict = set(Volunteer.objects.filter(only_at_stated_times=True).values_list("pk", flat=True))
    without_times = {pk for pk, volunteer_slots in slots.items() if not volunteer_slots}

    assert 40 <= len(strict) <= 60
    assert 20 <= len(without_times) <= 40
    assert not strict & without_times


def test_it_gives_the_simulation_the_choice_of_every_person() -> None:
    """Each invented person's data carry `only_at_stated_times`, true only for people with
    times; the same for the same seed, whatever the count."""
    people = invent_volunteers(count=200, seed=2026, today=dt.date(2026, 11, 21))

    assert all(isinstance(p.data["only_at_stated_times"], bool) for p in people)
    assert not [p for p in people if p.data["only_at_stated_times"] and not p.data["availability"]]
    fewer = invent_volunteers(count=40, seed=2026, today=dt.date(2026, 11, 21))
    assert [p.data for p in fewer] == [p.data for p in people[:40]]


def test_it_places_volunteers_in_dortmund_and_the_towns_around_it(seeded) -> None:
    """Every postcode carries its district (in a neighbouring town, the town) and point."""
    rows = list(Volunteer.objects.values_list("postcode", "postcode_known", "district", "lat"))

    for postcode, known, district, lat in rows:
        place = places.lookup(postcode)
        assert known and place is not None and (district, lat) == (place.district, place.point.lat)
    neighbours = sum(postcode in NEIGHBOURING_POSTCODES for postcode, *_ in rows)
    assert 1 <= neighbours <= 12


def test_it_spreads_volunteers_over_the_districts(seeded) -> None:
    """At least ten of Dortmund's twelve districts have demo volunteers, the office ones all."""
    districts = set(Volunteer.objects.exclude(district="").values_list("district", flat=True))

    assert len(districts) >= 10
    assert {"Mengede", "Eving", "Scharnhorst", "Lütgendortmund", "Brackel", "Hörde"} <= districts


def test_it_records_consent_and_confirmation_like_a_registration(seeded) -> None:
    """Demo volunteers agreed to the current consent text and confirmed their address."""
    rows = set(
        Volunteer.objects.values_list("consent_version", "consent_language", "email_language")
    )

    assert {(version, lang) for version, lang, _email in rows} <= {
        (consent.CURRENT_VERSION, "de"),
        (consent.CURRENT_VERSION, "en"),
    }
    assert all(lang == email for _version, lang, email in rows)
    assert not Volunteer.objects.filter(confirmed_at__isnull=True)
    english = Volunteer.objects.filter(email_language="en").count()
    assert 25 <= english <= 60


def test_it_pauses_a_few_and_retires_a_few(seeded) -> None:
    """About 5 % are paused until a day in the next three weeks, about 3 % inactive."""
    today = timezone.localdate()
    paused = Volunteer.objects.filter(status="paused")

    assert 5 <= paused.count() <= 15
    assert all(today < v.paused_until <= today + dt.timedelta(days=21) for v in paused)
    assert 3 <= Volunteer.objects.filter(status="inactive").count() <= 10
    assert not Volunteer.objects.exclude(status="paused").filter(paused_until__isnull=False)


def test_it_makes_every_demo_volunteer_valid_by_the_model_rules(seeded) -> None:
    """Every field passes validation, phone numbers included; the database checks the rest."""
    volunteers = list(Volunteer.objects.all())

    for volunteer in volunteers:
        volunteer.clean_fields()
    with_phone = [v for v in volunteers if v.phone]
    assert 90 <= len(with_phone) <= 150
    assert all(str(v.phone).startswith("+491") for v in with_phone)
