"""How firm a volunteer's weekly times are (`only_at_stated_times`), wherever a profile is made.

Strict ("only at these times") needs at least one weekly time; without times a person is asked
whenever someone is needed, and the pages say so. The rule is one domain check
(`profiles.check_times_choice`), so registration, the profile editor, the staff API and the
admin all refuse the same thing and store nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from tests.factories.volunteers import VolunteerFactory, profiled_volunteer
from tests.volunteers.test_admin import admin_form_data, change_url
from tests.volunteers.test_registration import Committing, link_in, payload, post
from tests.volunteers.test_registration_pages import form
from tests.volunteers.test_selfservice import (
    edit_form,
    manage_path,
    snapshot,
)
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

REGISTER = "/register/"
ANY_TIME = "Ohne feste Zeiten fragen wir Sie, wann immer jemand gebraucht wird."
NEEDS_A_TIME = (
    "Geben Sie mindestens eine Zeit an, oder lassen Sie sich auch zu anderen Zeiten fragen."
)
STRICT = "Nur zu diesen Zeiten anfragen"
FLEXIBLE = (
    "Das sind meine üblichen Zeiten – fragt mich auch zu anderen Zeiten, wenn sonst niemand "
    "kann (auch etwas weiter als mein Limit)"
)
NO_TIMES = {
    f"avail-{day}-{k}-{edge}": None for day in range(7) for k in (0, 1) for edge in ("start", "end")
}
NO_EDIT_TIMES = {
    f"availability-{day}-{k}-{edge}": ""
    for day in range(7)
    for k in range(3)
    for edge in ("start", "end")
}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with an unused registration limit (it lives in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser(client, django_capture_on_commit_callbacks) -> Committing:
    return Committing(client, django_capture_on_commit_callbacks)


@pytest.fixture
def api(api_anonymous, django_capture_on_commit_callbacks) -> Committing:
    return Committing(api_anonymous, django_capture_on_commit_callbacks)


def radio_checked(page: str, value: str) -> bool:
    tag = re.search(
        rf'<input type="radio"[^>]*name="only_at_stated_times" value="{value}"[^>]*>', page
    )
    assert tag, f"no radio button with the value {value}"
    return " checked" in tag.group(0)


# --- registration ---------------------------------------------------------------------------


def test_it_offers_the_choice_next_to_the_weekly_times_flexible_first(client):
    """The registration page asks how firm the times are, "usual times" chosen, and says what
    happens without times."""
    page = client.get(REGISTER).content.decode()

    times = page.split("Wann Sie meistens Zeit haben")[1].split("Wo und wie oft")[0]
    assert STRICT in times and FLEXIBLE in times and ANY_TIME in times
    assert radio_checked(page, "no") and not radio_checked(page, "yes")


def test_it_activates_someone_without_times_and_says_they_are_asked_any_time(browser, mailoutbox):
    """No weekly times is a complete registration: after confirming, the person is active,
    flexible, and the page tells them they will be asked whenever someone is needed."""
    response = browser.post(REGISTER, form(**NO_TIMES))
    assert response.status_code == 302, response.content.decode()[:2000]

    confirmed = browser.post(reverse("volunteer-confirm", args=[link_in(mailoutbox[0])]))

    volunteer = Volunteer.objects.get()
    assert volunteer.status == Volunteer.Status.ACTIVE
    assert not volunteer.availability.exists()
    assert volunteer.only_at_stated_times is False
    page = confirmed.content.decode()
    assert "Sie sind jetzt aktiv" in page
    assert ANY_TIME in page


def test_it_does_not_promise_any_time_to_someone_with_times(browser, mailoutbox):
    """With weekly times the confirmation does not claim they are asked at any time."""
    browser.post(REGISTER, form())
    confirmed = browser.post(reverse("volunteer-confirm", args=[link_in(mailoutbox[0])]))

    assert ANY_TIME not in confirmed.content.decode()


def test_it_refuses_strict_without_times_on_the_page_and_stores_nothing(browser, mailoutbox):
    """ "Only at these times" with no time: the message stands at the choice, the choice is kept,
    nobody is registered and no email goes out."""
    response = browser.post(REGISTER, form(only_at_stated_times="yes", **NO_TIMES))

    assert response.status_code == 200
    page = response.content.decode()
    error = re.search(r'<span id="err_only_at_stated_times" class="error">(.*?)</span>', page)
    assert error and error.group(1) == NEEDS_A_TIME
    assert radio_checked(page, "yes")
    assert not Volunteer.objects.exists()
    assert mailoutbox == []


def test_it_registers_a_strict_volunteer_from_the_page(browser):
    """Choosing "only at these times" with times stores it."""
    assert browser.post(REGISTER, form(only_at_stated_times="yes")).status_code == 302

    assert Volunteer.objects.get().only_at_stated_times is True


def test_it_refuses_strict_without_times_in_the_api_and_stores_nothing(api, mailoutbox):
    """The public API answers 400 with the message under the field; nothing is stored."""
    response = post(api, payload(availability=[], only_at_stated_times=True))

    assert response.status_code == 400
    assert response.json() == {"only_at_stated_times": [NEEDS_A_TIME]}
    assert not Volunteer.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(("given", "stored"), [({}, False), ({"only_at_stated_times": True}, True)])
def test_it_registers_through_the_api_flexible_unless_told(api, given, stored):
    """Left out, the field is "also at other times"; true is kept."""
    assert post(api, payload(**given)).status_code == 201

    assert Volunteer.objects.get().only_at_stated_times is stored


# --- the staff API --------------------------------------------------------------------------


def test_it_reads_and_changes_the_choice_through_the_staff_api(api_a):
    """PATCH true, read back true; PATCH false, read back false."""
    volunteer = VolunteerFactory(availability=[(0, "09:00", "12:00")])
    url = f"/api/volunteers/{volunteer.pk}/"
    assert api_a.get(url).json()["only_at_stated_times"] is False

    changed = api_a.patch(url, {"only_at_stated_times": True}, format="json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["only_at_stated_times"] is True
    assert api_a.get(url).json()["only_at_stated_times"] is True
    listed = api_a.get("/api/volunteers/").json()["results"][0]
    assert listed["only_at_stated_times"] is True
    api_a.patch(url, {"only_at_stated_times": False}, format="json")
    assert api_a.get(url).json()["only_at_stated_times"] is False


@pytest.mark.parametrize(
    ("stored", "change"),
    [
        ({"availability": []}, {"only_at_stated_times": True}),
        (
            {"availability": [(0, "09:00", "12:00")], "only_at_stated_times": True},
            {"availability": []},
        ),
    ],
    ids=["strict-for-someone-without-times", "removing-the-last-time-of-someone-strict"],
)
def test_it_refuses_a_staff_change_that_leaves_strict_without_times(api_a, stored, change):
    """A partial change is checked against what is stored: 400, nothing changes."""
    volunteer = VolunteerFactory(**stored)
    before = snapshot()

    response = api_a.patch(f"/api/volunteers/{volunteer.pk}/", change, format="json")

    assert response.status_code == 400
    assert response.json() == {"only_at_stated_times": [NEEDS_A_TIME]}
    assert snapshot() == before


def test_it_documents_the_field_in_the_api_schema() -> None:
    """Clients see the field as a boolean with an explanation, going in and coming out."""
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    for name in ("Volunteer", "Registration", "PatchedVolunteerChange"):
        field = components[name]["properties"]["only_at_stated_times"]
        assert field["type"] == "boolean"
        assert "1.5" in field["description"]


# --- the volunteer's own pages --------------------------------------------------------------


def test_it_shows_the_choice_on_the_profile_page(client):
    """The profile says which choice is stored, or that without times they are asked any time."""
    strict = profiled_volunteer(only_at_stated_times=True)
    flexible = profiled_volunteer(email="b@example.org")
    without = profiled_volunteer(email="c@example.org", availability=[])

    assert STRICT in client.get(manage_path(strict)).content.decode()
    page = client.get(manage_path(flexible)).content.decode()
    assert FLEXIBLE in page and STRICT not in page
    assert ANY_TIME in client.get(manage_path(without)).content.decode()


def test_it_changes_the_choice_in_the_profile_editor(client):
    """The editor shows the stored choice; choosing "only at these times" saves it."""
    volunteer = profiled_volunteer()
    path = manage_path(volunteer, "edit/")
    page = client.get(path).content.decode()
    assert radio_checked(page, "no") and not radio_checked(page, "yes")

    response = client.post(path, edit_form(only_at_stated_times="yes"))

    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.only_at_stated_times is True
    assert radio_checked(client.get(path).content.decode(), "yes")
    client.post(path, edit_form(only_at_stated_times="no"))
    volunteer.refresh_from_db()
    assert volunteer.only_at_stated_times is False


def test_it_refuses_strict_without_times_in_the_editor_and_saves_nothing(client):
    """Clearing every time while choosing "only at these times": the message is at the choice
    and nothing of the form is saved."""
    volunteer = profiled_volunteer()
    path = manage_path(volunteer, "edit/")
    before = snapshot()

    response = client.post(path, edit_form(only_at_stated_times="yes", **NO_EDIT_TIMES))

    assert response.status_code == 200
    page = response.content.decode()
    error = re.search(r'<p class="error" id="only_at_stated_times-error">(.*?)</p>', page)
    assert error and error.group(1) == NEEDS_A_TIME
    assert snapshot() == before


# --- the admin ------------------------------------------------------------------------------


def admin_post(admin_client: Any, volunteer: Volunteer, **changes: Any) -> Any:
    return admin_client.post(change_url(volunteer), admin_form_data(volunteer, **changes))


def test_it_refuses_strict_without_times_in_the_admin(admin_client):
    """The admin shows the message and keeps the volunteer as it was."""
    volunteer = VolunteerFactory()

    response = admin_post(admin_client, volunteer, only_at_stated_times="True")

    assert response.status_code == 200
    assert NEEDS_A_TIME in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.only_at_stated_times is False


def test_it_saves_strict_with_a_time_in_the_admin(admin_client):
    """With a weekly slot in the same form, "only at these times" is saved."""
    volunteer = VolunteerFactory()

    response = admin_post(
        admin_client, volunteer, only_at_stated_times="True", slots=[(0, "09:00", "12:00")]
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    volunteer.refresh_from_db()
    assert volunteer.only_at_stated_times is True
    assert volunteer.availability.count() == 1
