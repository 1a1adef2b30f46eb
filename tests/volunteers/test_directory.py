"""The staff directory of volunteers: list, filters, detail and changes by staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories.requests import UserFactory
from tests.factories.volunteers import VolunteerFactory, add_slot
from volunteers import directory
from volunteers.models import Volunteer

URL = "/api/volunteers/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def detail_url(volunteer: Volunteer) -> str:
    return f"{URL}{volunteer.pk}/"


# --- Listing --------------------------------------------------------------------------------


def test_it_lists_every_volunteer_of_the_network_by_name(api_a, api_b):
    """Staff of any office see all volunteers, sorted by name: volunteers are not per office."""
    VolunteerFactory(name="Zora")
    VolunteerFactory(name="Amir", postcode="44263")
    assert names(api_a.get(URL)) == ["Amir", "Zora"]
    assert names(api_b.get(URL)) == ["Amir", "Zora"]


def test_it_shows_the_whole_profile_in_the_list(api_a):
    """Each row carries languages, skills, slots and absences as staff need to judge a match."""
    VolunteerFactory(
        name="Amir",
        languages=[("per", "native"), ("de", "B2")],
        skills=[("interpreting", "experienced")],
        availability=[(0, "09:00", "12:00")],
        absences=[("2026-04-01", "2026-04-10")],
    )
    row = api_a.get(URL).json()["results"][0]
    assert [(entry["code"], entry["level"]) for entry in row["languages"]] == [
        ("de", "B2"),
        ("fa", "native"),
    ]
    assert row["skills"][0]["code"] == "interpreting"
    assert row["skills"][0]["level"] == "experienced"
    assert row["availability"] == [{"weekday": 0, "start": "09:00", "end": "12:00"}]
    assert row["absences"] == [{"start": "2026-04-01", "end": "2026-04-10"}]
    assert row["district"] == "Innenstadt-Nord"


def test_it_never_shows_an_erased_volunteer(api_a):
    """An erased person is gone from the list, and their id is a 404."""
    VolunteerFactory(name="Still here")
    erased = VolunteerFactory(name="", email=None, erased_at=timezone.now())
    assert names(api_a.get(URL)) == ["Still here"]
    assert api_a.get(detail_url(erased)).status_code == 404
    assert api_a.patch(detail_url(erased), {"name": "Back"}, format="json").status_code == 404


def test_it_refuses_anonymous_callers(api_anonymous, db):
    """Without a login the directory answers 401, for reading and for changing."""
    volunteer = VolunteerFactory()
    assert api_anonymous.get(URL).status_code == 401
    response = api_anonymous.patch(detail_url(volunteer), {"name": "X"}, format="json")
    assert response.status_code == 401
    volunteer.refresh_from_db()
    assert volunteer.name != "X"


def test_it_refuses_accounts_without_a_staff_role(db):
    """A Django user who is neither staff nor coordinator gets 403 and changes nothing."""
    volunteer = VolunteerFactory()
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get(URL).status_code == 403
    assert client.patch(detail_url(volunteer), {"name": "X"}, format="json").status_code == 403
    volunteer.refresh_from_db()
    assert volunteer.name != "X"


@pytest.mark.parametrize("count", [5, 50])
def test_it_loads_a_page_in_a_fixed_number_of_queries(api_a, django_assert_max_num_queries, count):
    """A full page costs the same handful of queries for 5 volunteers as for 50."""
    for n in range(count):
        VolunteerFactory(
            name=f"Person {n:02}",
            languages=[("ar", "native"), ("de", "B1"), ("en", "A2")],
            skills=["interpreting", "letters"],
            availability=[(0, "09:00", "12:00"), (2, "14:00", "18:00"), (5, "10:00", "13:00")],
            absences=[("2026-04-01", "2026-04-03"), ("2026-08-01", "2026-08-20")],
        )
    with django_assert_max_num_queries(10):
        response = api_a.get(URL)
    rows = response.json()["results"]
    assert len(rows) == count
    assert all(len(row["languages"]) == 3 and len(row["absences"]) == 2 for row in rows)


# --- Filters --------------------------------------------------------------------------------


def test_it_finds_a_farsi_speaker_whatever_tag_was_used(api_a):
    """`language=fa` finds someone who registered "per"; German and Dari speakers stay out."""
    VolunteerFactory(name="Registered as per", languages=[("per", "native")])
    VolunteerFactory(name="German only", languages=[("de", "native")])
    VolunteerFactory(name="Dari", languages=[("prs", "native")])
    assert names(api_a.get(URL, {"language": "fa"})) == ["Registered as per"]
    assert names(api_a.get(URL, {"language": "fa-IR"})) == ["Registered as per"]


def test_it_filters_by_least_level_in_the_language(api_a):
    """`min_level=B2` keeps B2, C1 and native speakers and drops A2; other languages don't count."""
    VolunteerFactory(name="A2", languages=[("ar", "A2"), ("de", "native")])
    VolunteerFactory(name="B2", languages=[("ar", "B2")])
    VolunteerFactory(name="C1", languages=[("ar", "C1")])
    VolunteerFactory(name="Native", languages=[("ar", "native")])
    assert names(api_a.get(URL, {"language": "ar", "min_level": "B2"})) == ["B2", "C1", "Native"]
    assert names(api_a.get(URL, {"language": "ar"})) == ["A2", "B2", "C1", "Native"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"language": "xx"}, "language"),
        ({"language": "qqq"}, "language"),
        ({"min_level": "B2"}, "min_level"),
        ({"language": "ar", "min_level": "B3"}, "min_level"),
        ({"skill": "juggling"}, "skill"),
        ({"district": "Berlin-Mitte"}, "district"),
        ({"postcode": "D-44147"}, "postcode"),
        ({"active": "maybe"}, "active"),
        ({"available_at": "next monday"}, "available_at"),
    ],
)
def test_it_refuses_a_meaningless_filter_naming_it(api_a, params, field):
    """A filter value that means nothing is a 400 under that parameter, not a silent full list."""
    VolunteerFactory()
    response = api_a.get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field]


def test_it_filters_by_skill(api_a):
    """`skill=interpreting` finds the interpreters and not the bike mechanics."""
    VolunteerFactory(name="Interpreter", skills=["interpreting", "letters"])
    VolunteerFactory(name="Mechanic", skills=["bike-repair"])
    assert names(api_a.get(URL, {"skill": "interpreting"})) == ["Interpreter"]


def test_it_filters_by_district(api_a):
    """`district=Hörde` finds people living in Hörde, not those in the city centre."""
    VolunteerFactory(name="Hörde", postcode="44263")
    VolunteerFactory(name="Centre", postcode="44147")
    assert names(api_a.get(URL, {"district": "Hörde"})) == ["Hörde"]


def test_it_filters_by_postcode_as_typed(api_a):
    """`postcode= 44 263` (spaces as people type it) finds 44263 and nobody else."""
    VolunteerFactory(name="44263", postcode="44263")
    VolunteerFactory(name="44147", postcode="44147")
    assert names(api_a.get(URL, {"postcode": " 44 263 "})) == ["44263"]


def test_it_filters_active_volunteers(api_a):
    """`active=true`: only active people not on a pause; `active=false` lists the others."""
    today = timezone.localdate()
    VolunteerFactory(name="Active")
    VolunteerFactory(name="Pause ended", paused_until=today - dt.timedelta(days=3))
    VolunteerFactory(name="On holiday", paused_until=today + dt.timedelta(days=10))
    VolunteerFactory(name="Paused", status=Volunteer.Status.PAUSED)
    VolunteerFactory(name="Pending", status=Volunteer.Status.PENDING)
    VolunteerFactory(name="Inactive", status=Volunteer.Status.INACTIVE)
    assert names(api_a.get(URL, {"active": "true"})) == ["Active", "Pause ended"]
    assert names(api_a.get(URL, {"active": "false"})) == [
        "Inactive",
        "On holiday",
        "Paused",
        "Pending",
    ]


def test_it_counts_a_pause_through_its_last_day(db):
    """Someone paused until today is not active today, and is active again tomorrow."""
    day = dt.date(2026, 5, 4)
    VolunteerFactory(name="Paused through", paused_until=day)
    everyone = Volunteer.objects.all()
    assert not directory.active_on(everyone, day=day).exists()
    assert directory.active_on(everyone, day=day + dt.timedelta(days=1)).exists()


def test_it_searches_name_and_email_ignoring_case(api_a):
    """`search` matches a part of the name or of the email address, in any case."""
    VolunteerFactory(name="Leyla Ahmadi", email="leyla@example.org")
    VolunteerFactory(name="Jonas Berg", email="jb@POSTFACH.example")
    VolunteerFactory(name="Other", email="other@example.org")
    assert names(api_a.get(URL, {"search": "ahMAD"})) == ["Leyla Ahmadi"]
    assert names(api_a.get(URL, {"search": "postfach"})) == ["Jonas Berg"]


def test_it_combines_filters_with_and(api_a):
    """Language, skill and district together find the one person who meets all three, once."""
    VolunteerFactory(
        name="All three",
        postcode="44263",
        languages=[("ar", "native"), ("de", "C1")],
        skills=["interpreting", "letters"],
    )
    VolunteerFactory(name="Wrong district", languages=[("ar", "native")], skills=["interpreting"])
    VolunteerFactory(name="Wrong skill", postcode="44263", languages=[("ar", "native")])
    VolunteerFactory(name="Wrong language", postcode="44263", skills=["interpreting"])
    params = {"language": "ar", "skill": "interpreting", "district": "Hörde", "active": "true"}
    response = api_a.get(URL, params)
    assert names(response) == ["All three"]
    assert response.json()["count"] == 1


# --- Changes by staff -----------------------------------------------------------------------


def test_it_changes_a_profile_and_replaces_its_languages(api_a):
    """PATCH changes the fields given, replaces the language list, and shows the new profile."""
    volunteer = VolunteerFactory(
        name="Old name", languages=[("ar", "native"), ("de", "B1")], skills=["letters"]
    )
    response = api_a.patch(
        detail_url(volunteer),
        {
            "name": "New name",
            "postcode": "44263",
            "languages": [{"code": "per", "level": "C1"}, {"code": "de", "level": "B1"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "New name"
    assert body["district"] == "Hörde"
    assert sorted((e["code"], e["level"]) for e in body["languages"]) == [
        ("de", "B1"),
        ("fa", "C1"),
    ]
    assert [s["code"] for s in body["skills"]] == ["letters"]  # not given, so kept
    assert names(api_a.get(URL, {"language": "ar"})) == []


def test_it_refuses_overlapping_slots_and_keeps_the_old_ones(api_a):
    """Overlapping slots are a 400 under `availability`; the stored slots and name stay."""
    volunteer = VolunteerFactory(name="Unchanged", availability=[(0, "09:00", "12:00")])
    response = api_a.patch(
        detail_url(volunteer),
        {
            "name": "Half saved?",
            "availability": [
                {"weekday": 1, "start": "09:00", "end": "12:00"},
                {"weekday": 1, "start": "11:00", "end": "13:00"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "availability" in response.json()
    body = api_a.get(detail_url(volunteer)).json()
    assert body["name"] == "Unchanged"
    assert body["availability"] == [{"weekday": 0, "start": "09:00", "end": "12:00"}]


def test_it_reports_bad_fields_one_by_one(api_a):
    """Several bad fields give one message list per field, and nothing changes."""
    volunteer = VolunteerFactory(name="Unchanged")
    response = api_a.patch(
        detail_url(volunteer),
        {"name": "X", "max_distance_km": 500, "postcode": "abc", "skills": ["juggling"]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"max_distance_km", "postcode"}
    volunteer.refresh_from_db()
    assert volunteer.name == "Unchanged"


def test_it_lets_staff_pause_and_switch_off_a_volunteer(api_a):
    """Staff may pause someone until a date and switch them off; both leave the active list."""
    paused = VolunteerFactory(name="On holiday")
    off = VolunteerFactory(name="Moved away")
    until = timezone.localdate() + dt.timedelta(days=14)
    response = api_a.patch(detail_url(paused), {"paused_until": until.isoformat()}, format="json")
    assert response.status_code == 200
    assert response.json()["paused_until"] == until.isoformat()
    response = api_a.patch(detail_url(off), {"status": "inactive"}, format="json")
    assert response.json()["status"] == "inactive"
    assert names(api_a.get(URL, {"active": "true"})) == []
    response = api_a.patch(detail_url(paused), {"paused_until": None}, format="json")
    assert names(api_a.get(URL, {"active": "true"})) == ["On holiday"]


def test_it_never_lets_staff_set_a_volunteer_to_pending(api_a):
    """ "Waiting for email confirmation" is not a status staff can give: 400 under `status`."""
    volunteer = VolunteerFactory()
    response = api_a.patch(detail_url(volunteer), {"status": "pending"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.ACTIVE


def test_it_does_not_let_staff_skip_the_email_confirmation(api_a):
    """Someone who never confirmed their address cannot be made active by staff."""
    volunteer = VolunteerFactory(status=Volunteer.Status.PENDING)
    response = api_a.patch(detail_url(volunteer), {"status": "active"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    response = api_a.patch(detail_url(volunteer), {"status": "inactive"}, format="json")
    assert response.status_code == 200


def test_it_refuses_a_pause_ending_in_the_past(api_a):
    """A pause "until last week" is a 400 under `paused_until`; null ends a pause instead."""
    volunteer = VolunteerFactory()
    last_week = timezone.localdate() - dt.timedelta(days=7)
    response = api_a.patch(
        detail_url(volunteer), {"paused_until": last_week.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["paused_until"]


def test_it_refuses_an_email_address_another_volunteer_has(api_a):
    """Two people cannot share an address: 400 under `email`, whatever the case."""
    VolunteerFactory(email="taken@example.org")
    volunteer = VolunteerFactory(email="mine@example.org")
    response = api_a.patch(detail_url(volunteer), {"email": "Taken@Example.org"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    volunteer.refresh_from_db()
    assert volunteer.email == "mine@example.org"


def test_it_does_not_replace_a_whole_profile_with_put(api_a):
    """Only PATCH changes a volunteer; PUT is not offered (405)."""
    volunteer = VolunteerFactory()
    assert api_a.put(detail_url(volunteer), {"name": "X"}, format="json").status_code == 405


def test_it_writes_nothing_back_for_someone_erased_meanwhile(db):
    """A change that arrives after the person was erased fails and restores no data."""
    volunteer = VolunteerFactory(name="Leaving")
    Volunteer.objects.filter(pk=volunteer.pk).update(name="", email=None, erased_at=timezone.now())
    with pytest.raises(Volunteer.DoesNotExist):
        directory.update_volunteer(volunteer=volunteer, data={"name": "Leaving"})
    volunteer.refresh_from_db()
    assert volunteer.name == ""


def test_it_keeps_the_slot_rule_in_the_domain_function(db):
    """update_volunteer refuses overlapping slots even when no serializer checked them."""
    from django.core.exceptions import ValidationError

    from volunteers.profiles import Slot

    volunteer = VolunteerFactory()
    add_slot(volunteer, 2, "10:00", "12:00")
    overlapping = [Slot(2, dt.time(9), dt.time(11)), Slot(2, dt.time(10), dt.time(13))]
    with pytest.raises(ValidationError) as caught:
        directory.update_volunteer(volunteer=volunteer, data={"availability": overlapping})
    assert "availability" in caught.value.message_dict
    assert volunteer.availability.count() == 1
