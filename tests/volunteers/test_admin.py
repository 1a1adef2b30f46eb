"""The volunteer pages of the admin site, for coordinators."""

from __future__ import annotations

import pytest
from django.utils import timezone

from requests.models import Offer
from tests.factories.requests import accepted_offer, make_request
from tests.factories.volunteers import VolunteerFactory, add_skills
from volunteers.models import Volunteer

CHANGELIST = "/admin/volunteers/volunteer/"


def change_url(volunteer: Volunteer) -> str:
    return f"{CHANGELIST}{volunteer.pk}/change/"


def full_profile(name: str, **fields) -> Volunteer:
    return VolunteerFactory(
        name=name,
        languages=[("ar", "native"), ("de", "B1"), ("en", "A2")],
        skills=["interpreting", "letters", "bike-repair"],
        availability=[(0, "09:00", "12:00"), (2, "14:00", "18:00")],
        absences=[("2026-04-01", "2026-04-03")],
        **fields,
    )


@pytest.mark.parametrize("count", [5, 50])
def test_it_lists_volunteers_in_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, count
):
    """The list page shows each volunteer with languages and costs no query per row."""
    for n in range(count):
        full_profile(f"Person {n:02}")
    with django_assert_max_num_queries(12):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Person 00" in page
    assert "ar native, de B1, en A2" in page


def test_it_shows_a_volunteers_page_with_all_lists_in_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    """The change page shows languages, skills, slots and absences without a query per row."""
    volunteer = full_profile("Leyla")
    add_skills(volunteer, ["homework-help", "language-cafe", "it-help"])
    with django_assert_max_num_queries(14):
        response = admin_client.get(change_url(volunteer))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Leyla", "44147", 'value="ar"', "14:00", "2026-04-03"):
        assert text in page


def test_it_finds_volunteers_by_name_email_and_postcode(admin_client, db):
    """The search box matches a name, an email address or a postcode."""
    VolunteerFactory(name="Leyla Ahmadi", email="leyla@example.org", postcode="44263")
    VolunteerFactory(name="Jonas Berg", email="jonas@example.org")
    for query in ("ahmadi", "leyla@", "44263"):
        page = admin_client.get(CHANGELIST, {"q": query}).content.decode()
        assert "Leyla Ahmadi" in page
        assert "Jonas Berg" not in page


def test_it_filters_the_list_by_language_and_skill(admin_client, db):
    """The side filters narrow the list to speakers of a language and holders of a skill."""
    VolunteerFactory(name="Arabic interpreter", languages=[("ar", "C1")], skills=["interpreting"])
    VolunteerFactory(name="French mechanic", languages=[("fr", "C1")], skills=["bike-repair"])
    page = admin_client.get(CHANGELIST, {"language": "ar"}).content.decode()
    assert "Arabic interpreter" in page
    assert "French mechanic" not in page
    interpreting = Volunteer.objects.get(name="Arabic interpreter").skill_set.get().skill
    page = admin_client.get(CHANGELIST, {"skills__id__exact": interpreting.pk}).content.decode()
    assert "Arabic interpreter" in page
    assert "French mechanic" not in page


def test_it_derives_the_district_when_the_postcode_changes(admin_client, db):
    """Saving a new postcode (typed with spaces) stores it clean and updates the district."""
    volunteer = VolunteerFactory(name="Moving", postcode="44147")
    data = admin_form_data(volunteer, postcode=" 44 263")
    response = admin_client.post(change_url(volunteer), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    volunteer.refresh_from_db()
    assert (volunteer.postcode, volunteer.district) == ("44263", "Hörde")


def test_it_refuses_overlapping_slots_in_the_admin(admin_client, db):
    """The admin keeps the API's rule: two overlapping slots on one day are refused."""
    volunteer = VolunteerFactory(name="Busy")
    data = admin_form_data(
        volunteer,
        slots=[(1, "09:00", "12:00"), (1, "11:00", "13:00")],
    )
    response = admin_client.post(change_url(volunteer), data)
    assert response.status_code == 200
    assert "überschneiden sich" in response.content.decode()
    assert volunteer.availability.count() == 0


def test_it_asks_for_touching_slots_as_one_in_the_admin(admin_client, db):
    """Elsewhere touching slots are joined on saving; the admin asks staff to join them."""
    volunteer = VolunteerFactory(name="Split Day")
    data = admin_form_data(volunteer, slots=[(1, "09:00", "12:00"), (1, "12:00", "15:00")])
    response = admin_client.post(change_url(volunteer), data)
    assert response.status_code == 200
    assert "9–15" in response.content.decode()
    assert volunteer.availability.count() == 0


def test_it_shows_an_erased_volunteer_read_only(admin_client, db):
    """An erased person's page opens, but cannot be saved: their data must not come back."""
    erased = VolunteerFactory(name="", email=None, erased_at=timezone.now())
    assert admin_client.get(change_url(erased)).status_code == 200
    response = admin_client.post(change_url(erased), admin_form_data(erased, name="Back"))
    assert response.status_code == 403
    erased.refresh_from_db()
    assert erased.name == ""


def admin_form_data(volunteer: Volunteer, *, slots=(), **changes) -> dict[str, str]:
    """The POST body of the change page: the volunteer's fields plus empty inline formsets."""
    data = {
        "name": volunteer.name,
        "email": volunteer.email or "",
        "phone": "",
        "email_language": volunteer.email_language,
        "status": volunteer.status,
        "paused_until": "",
        "postcode": volunteer.postcode,
        "max_distance_km": str(volunteer.max_distance_km),
        "only_at_stated_times": str(volunteer.only_at_stated_times),
        "max_tasks_per_month": str(volunteer.max_tasks_per_month),
        "gender": "",
        "certificate_date": "",
    }
    data.update(changes)
    for prefix in ("languages", "skill_set", "availability", "absences"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data["availability-TOTAL_FORMS"] = str(len(slots))
    for n, (weekday, start, end) in enumerate(slots):
        data[f"availability-{n}-weekday"] = str(weekday)
        data[f"availability-{n}-start"] = start
        data[f"availability-{n}-end"] = end
    return data


def test_it_erases_instead_of_deleting_and_gives_back_future_places(admin_client, office_a):
    """A coordinator removing someone gets erasure: the person's data go, their future place
    opens again, the anonymous record stays; deleting outright is not offered."""
    volunteer = full_profile("Samira Haidari", email="samira@example.org")
    future = accepted_offer(make_request(office=office_a), volunteer)

    assert admin_client.get(f"{CHANGELIST}{volunteer.pk}/delete/").status_code == 403
    listing = admin_client.get(CHANGELIST).content.decode()
    assert 'value="delete_selected"' not in listing
    response = admin_client.post(
        CHANGELIST,
        {"action": "erase_selected", "_selected_action": [str(volunteer.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Die personenbezogenen Daten von 1 Person wurden gelöscht." in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.erased_at is not None
    assert (volunteer.name, volunteer.email) == ("", None)
    future.refresh_from_db()
    assert future.status == Offer.Status.WITHDRAWN
    assert Volunteer.objects.filter(pk=volunteer.pk).exists()
