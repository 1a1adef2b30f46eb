"""Match keys: on PostgreSQL ranking finds candidates through keys that triggers keep on each
volunteer row (volunteers/migrations/0005_match_keys.py). Wrong or stale keys would silently
hide people from staff, so these tests show that the keys follow every kind of edit, that the
database and Python agree on what a key means, and that ranking with keys lets through exactly
the people that checking the related rows does.
"""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.db import connection, transaction

from matching import eligibility
from requests.models import Request
from tests.factories.matching import MONDAY, appointment, eligible_ids, fitting_volunteer
from tests.factories.volunteers import VolunteerFactory, add_languages, add_skills, skill
from tests.processes import wait_until
from volunteers.models import AvailabilitySlot, Level, SpokenLanguage, Volunteer, VolunteerSkill
from volunteers.profiles import save_profile
from volunteers.selfservice import erase

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def keys_of(volunteer: Volunteer) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT match_keys FROM volunteers_volunteer WHERE id = %s", [volunteer.pk])
        return set(cursor.fetchone()[0])


def cell_keys(volunteer: Volunteer) -> set[str]:
    return {key for key in keys_of(volunteer) if key.startswith("w:")}


def test_a_speaker_has_a_key_for_every_level_up_to_their_own():
    """B2 in Arabic answers "at least B1" and "at least B2", not "at least C1"."""
    volunteer = fitting_volunteer(languages=[("ar", "B2"), ("de", "native")])
    keys = keys_of(volunteer)
    assert {"l:ar:A1", "l:ar:A2", "l:ar:B1", "l:ar:B2"} <= keys
    assert "l:ar:C1" not in keys
    assert {f"l:de:{level}" for level in Level.values} <= keys


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("09:00", "12:00"),
        ("09:15", "10:45"),
        ("00:00", "00:30"),
        ("10:00", "10:01"),
        ("23:30", "23:59"),
        ("00:00", "23:59:59"),
        ("13:29", "13:31"),
    ],
)
def test_the_database_and_python_agree_on_the_cells_of_a_slot(start, end):
    """The cells the trigger gives a slot are those `eligibility.cells` computes for it."""
    volunteer = fitting_volunteer(availability=[(2, start, end)])
    expected = {
        f"w:2:{cell}"
        for cell in eligibility.cells(dt.time.fromisoformat(start), dt.time.fromisoformat(end))
    }
    assert cell_keys(volunteer) == expected


def test_keys_follow_every_kind_of_edit(office_a):
    """Profile saves, single rows added, changed and deleted, and erasure: after each, the keys
    say what the rows say, and so does the candidate list."""
    need = appointment(office_a, exact_only=True)  # fa + de, interpreting, Monday 10–11
    volunteer = fitting_volunteer()
    assert volunteer.pk in eligible_ids(need)

    save_profile(volunteer=volunteer, data={"languages": [("ar", "native"), ("de", "C1")]})
    assert "l:fa:B2" not in keys_of(volunteer)
    assert volunteer.pk not in eligible_ids(need)

    add_languages(volunteer, [("fa", "B1")])  # too low for interpreting (B2)
    assert volunteer.pk not in eligible_ids(need)
    SpokenLanguage.objects.filter(volunteer=volunteer, code="fa").update(level="C1")
    assert "l:fa:C1" in keys_of(volunteer)
    assert volunteer.pk in eligible_ids(need)

    VolunteerSkill.objects.filter(volunteer=volunteer).delete()
    assert not any(key.startswith("s:") for key in keys_of(volunteer))
    assert volunteer.pk not in eligible_ids(need)
    add_skills(volunteer, ["interpreting"])
    assert volunteer.pk in eligible_ids(need)

    AvailabilitySlot.objects.filter(volunteer=volunteer).update(start=dt.time(10, 30))
    assert volunteer.pk not in eligible_ids(need)
    assert cell_keys(volunteer) == {f"w:0:{cell}" for cell in range(21, 24)}

    # Erasure keeps languages and skills for the anonymous statistics, not the slots.
    erase(volunteer=volunteer)
    assert cell_keys(volunteer) == set()
    assert volunteer.pk not in eligible_ids(need)


def test_a_volunteer_row_loaded_after_its_languages_gets_its_keys(office_a):
    """Fixtures and restores may write the related rows first (constraints deferred): the row
    of the person, inserted last, still gets their keys."""
    volunteer = fitting_volunteer()
    expected = keys_of(volunteer)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "CREATE TEMP TABLE saved ON COMMIT DROP AS SELECT * FROM volunteers_volunteer "
            "WHERE id = %s",
            [volunteer.pk],
        )
        cursor.execute("DELETE FROM volunteers_volunteer WHERE id = %s", [volunteer.pk])
        cursor.execute("ALTER TABLE saved DROP COLUMN match_keys")
        columns = [
            field.column for field in Volunteer._meta.concrete_fields if field.column != "id"
        ]
        listed = ", ".join(f'"{column}"' for column in ["id", *columns])
        cursor.execute(f"INSERT INTO volunteers_volunteer ({listed}) SELECT {listed} FROM saved")  # noqa: S608
    assert keys_of(volunteer) == expected
    assert volunteer.pk in eligible_ids(appointment(office_a))


def _population(rng: random.Random, size: int) -> list[Volunteer]:
    """People with German and two other languages at random levels, skills, and long weekly
    slots starting at any minute, so that many of them fit and many just miss."""
    others = ["fa", "prs", "ar", "kmr", "ckb", "tr", "uk", "ru", "en"]
    people = []
    for _ in range(size):
        slots = []
        for _ in range(rng.randint(1, 4)):
            start = rng.randrange(7 * 60, 14 * 60)
            end = min(start + rng.randrange(2 * 60, 9 * 60), 24 * 60 - 1)
            slots.append((rng.randrange(7), _clock(start), _clock(end)))
        languages = [("de", rng.choice(["A2", "B1", "B2", "C1", "native"]))]
        languages += [(code, rng.choice(Level.values[1:])) for code in rng.sample(others, 2)]
        people.append(
            VolunteerFactory(
                languages=languages,
                skills=rng.sample(["interpreting", "letters", "accompaniment"], rng.randint(1, 3)),
                availability=slots,
                postcode=rng.choice(["44147", "44135", "44139", "44388"]),
                max_distance_km=rng.choice([3, 10, 30]),
            )
        )
    return people


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02}:{minutes % 60:02}"


def test_ranking_with_keys_lets_through_exactly_whom_the_rows_do(office_a, monkeypatch):
    """For many random appointments over a random population, the candidates found through the
    keys are the candidates found by checking languages, skill and slots row by row."""
    rng = random.Random(2026)  # noqa: S311 (a seeded test population, not a secret)
    _population(rng, 150)
    requests: list[Request] = []
    for _ in range(40):
        start = rng.randrange(7 * 60, 19 * 60)
        end = start + rng.choice([15, 30, 45, 60, 90, 120, 150])
        day = MONDAY + dt.timedelta(days=rng.randrange(7))
        needed = rng.choice([["fa", "de"], ["ar", "de"], ["kmr"], ["de"], ["uk", "ru"]])
        skill_code = rng.choice(["interpreting", "letters", "accompaniment"])
        if skill_code == "interpreting" and len(needed) < 2:
            needed = [*needed, "tr"]  # interpreting is between two languages
        requests.append(
            appointment(
                office_a,
                day=day,
                start=_clock(start),
                end=_clock(end),
                languages=needed,
                skill_code=skill_code,
                remote=rng.random() < 0.2,
            )
        )
    with_keys = [eligible_ids(need) for need in requests]
    monkeypatch.setattr(eligibility, "uses_match_keys", lambda: False)
    by_rows = [eligible_ids(need) for need in requests]
    assert with_keys == by_rows
    assert sum(map(len, with_keys)) > 50, "the population should give candidates to compare"


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_one_person_at_once_keep_both():
    """Two transactions change one person's rows at the same time: the second waits for the
    first and then sees it, so neither change is lost from the keys."""
    volunteer = fitting_volunteer(languages=[("de", "native")], skills=["interpreting"])
    letters = skill("letters")
    first_wrote, release = threading.Event(), threading.Event()
    second_pid: list[int] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                add_languages(volunteer, [("ar", "native")])
                first_wrote.set()
                assert release.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            with transaction.atomic():
                second_pid.append(connection.cursor().connection.info.backend_pid)
                VolunteerSkill.objects.create(volunteer=volunteer, skill=letters)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert first_wrote.wait(timeout=30)
    threads.append(threading.Thread(target=second))
    threads[1].start()

    def second_waits_for_a_lock() -> bool:
        if not second_pid:
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [second_pid[0]]
            )
            row = cursor.fetchone()
        return row is not None and row[0] == "Lock"

    wait_until(second_waits_for_a_lock, timeout=30, what="the second edit to wait for the first")
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert {"l:ar:native", f"s:{letters.pk}"} <= keys_of(volunteer)


def test_a_request_on_another_weekday_needs_that_weekdays_cells(office_a):
    """Cells are per weekday: Monday's slot does not answer Tuesday (for exact matches; others
    need no cells at all)."""
    fits = fitting_volunteer()
    tuesday = appointment(office_a, day=MONDAY + dt.timedelta(days=1), exact_only=True)
    assert fits.pk in eligible_ids(appointment(office_a, exact_only=True))
    assert fits.pk not in eligible_ids(tuesday)
    all_of, _any = eligibility.match_keys(eligibility.appointment_of(tuesday))
    assert {"w:1:20", "w:1:21"} <= set(all_of)
    flexible = appointment(office_a, day=MONDAY + dt.timedelta(days=1))
    all_of, _any = eligibility.match_keys(eligibility.appointment_of(flexible))
    assert not any(key.startswith("w:") for key in all_of)
    assert fits.pk in eligible_ids(flexible)
