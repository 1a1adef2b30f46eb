"""The volunteer directory with the API's filters, and a volunteer's profile."""

import pytest
from django.urls import reverse

from requests.models import Offer
from tests.factories.requests import accepted_offer, make_request, next_weekday
from tests.factories.volunteers import VolunteerFactory, farsi_mediator
from tests.web.helpers import signed_in


@pytest.fixture
def people(db):
    return {
        "neda": farsi_mediator("Neda Karimi"),
        "omid": VolunteerFactory(
            name="Omid Basic", languages=[("fa", "B1"), ("de", "native")], skills=["letters"]
        ),
        "sara": VolunteerFactory(
            name="Sara Arabic", languages=[("ar", "native"), ("de", "C1")], postcode="44263"
        ),
    }


def names_on(page: str) -> set[str]:
    return {name for name in ("Neda Karimi", "Omid Basic", "Sara Arabic") if name in page}


def test_it_filters_by_language_and_least_level(staff_a, people):
    """Persian at C1 or better: Neda (native), not Omid (B1), not Sara."""
    page = signed_in(staff_a).get(
        reverse("staff-volunteers"), {"language": "fa", "min_level": "C1"}
    )
    assert names_on(page.content.decode()) == {"Neda Karimi"}


def test_it_filters_by_skill_district_and_free_time(staff_a, people):
    client = signed_in(staff_a)
    skill = client.get(reverse("staff-volunteers"), {"skill": "letters"}).content.decode()
    assert names_on(skill) == {"Omid Basic"}
    district = client.get(reverse("staff-volunteers"), {"district": "Hörde"}).content.decode()
    assert names_on(district) == {"Sara Arabic"}
    monday = next_weekday(0).isoformat()
    free = client.get(
        reverse("staff-volunteers"), {"available_date": monday, "available_time": "10:00"}
    ).content.decode()
    assert names_on(free) == {"Neda Karimi"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"min_level": "C1"}, "Give a language as well"),
        ({"available_date": "2026-03-30"}, "Give both the date and the time."),
        ({"language": "klingon-xx"}, "Select a valid choice"),
        ({"postcode": "abc"}, "five digits"),
        ({"skill": "astrology"}, "Select a valid choice"),
        ({"active": "maybe"}, "Select a valid choice"),
    ],
)
def test_it_shows_a_bad_filter_as_a_form_error(staff_a, people, query, message):
    """A filter that means nothing is a message (400), never an unfiltered list or a 500."""
    response = signed_in(staff_a).get(reverse("staff-volunteers"), query)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'role="alert"' in page
    assert names_on(page) == set()


def test_it_shows_a_profile_with_languages_week_and_own_offices_tasks(
    staff_a, office_a, office_b, people
):
    """Tasks for one's own offices are listed; those of other offices are only counted."""
    neda = people["neda"]
    own = make_request(office=office_a, note="OWN-NOTE")
    other = make_request(office=office_b)
    accepted_offer(own, neda)
    other_offer = Offer.objects.create(request=other, volunteer=neda, status=Offer.Status.ACCEPTED)
    page = signed_in(staff_a).get(reverse("staff-volunteer", args=[neda.pk])).content.decode()
    assert "Persian: native" in page
    assert "Monday</th><td>08:00–18:00" in page
    assert page.count('class="cell free"') == 7 * 10  # 08–18, every day
    assert f'href="/requests/{own.pk}/"' in page
    assert f'href="/requests/{other_offer.request_id}/"' not in page
    assert "And 1 task for other offices." in page


def test_it_asks_a_person_from_the_profile_for_an_own_request_only(
    staff_a, office_a, office_b, people
):
    neda = people["neda"]
    own = make_request(office=office_a)
    other = make_request(office=office_b)
    client = signed_in(staff_a)
    page = client.get(reverse("staff-volunteer", args=[neda.pk])).content.decode()
    assert f'<option value="{own.pk}">' in page
    assert f'<option value="{other.pk}">' not in page
    response = client.post(reverse("staff-volunteer-ask", args=[neda.pk]), {"request": own.pk})
    assert response.status_code == 303
    assert Offer.objects.filter(request=own, volunteer=neda, wave=0).exists()
    refused = client.post(reverse("staff-volunteer-ask", args=[neda.pk]), {"request": other.pk})
    assert refused.status_code == 404
    assert not Offer.objects.filter(request=other).exists()
