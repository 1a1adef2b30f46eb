"""Staff see their own offices' data only; coordinators see every office."""

from rest_framework.test import APIClient

from requests.access import scope_to_offices
from requests.models import Office
from tests.factories.requests import StaffMemberFactory, UserFactory


def usernames(response) -> set[str]:
    return {row["username"] for row in response.json()["results"]}


def test_it_lists_only_the_staff_of_the_callers_office(api_a, staff_a, staff_b):
    """Staff of office A see A's staff, not B's."""
    colleague = StaffMemberFactory(offices=staff_a.offices.all())
    response = api_a.get("/api/staff/")
    assert response.status_code == 200
    assert usernames(response) == {staff_a.user.username, colleague.user.username}


def test_it_answers_404_for_another_offices_staff(api_a, staff_b):
    """A member of another office is "not found", not "forbidden": no existence leak."""
    response = api_a.get(f"/api/staff/{staff_b.pk}/")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert staff_b.user.username not in response.content.decode()


def test_it_shows_a_colleague_of_the_same_office(api_a, staff_a):
    """The detail of a colleague in the same office is readable."""
    colleague = StaffMemberFactory(offices=staff_a.offices.all())
    response = api_a.get(f"/api/staff/{colleague.pk}/")
    assert response.status_code == 200
    assert response.json()["username"] == colleague.user.username


def test_it_shows_a_member_of_two_offices_once(api_coordinator, office_a, office_b):
    """Someone working for two offices appears once, not once per office."""
    both = StaffMemberFactory(offices=[office_a, office_b])
    response = api_coordinator.get("/api/staff/")
    assert [r["username"] for r in response.json()["results"]].count(both.user.username) == 1


def test_it_lets_coordinators_see_every_office(api_coordinator, staff_a, staff_b, coordinator):
    """A coordinator sees the staff of all offices."""
    response = api_coordinator.get("/api/staff/")
    assert usernames(response) >= {staff_a.user.username, staff_b.user.username}


def test_it_scopes_any_queryset_by_office(staff_a, staff_b, office_a, office_b, coordinator):
    """The one scoping helper: staff get their offices' rows, coordinators all, others none."""
    offices = Office.objects.all()
    assert set(scope_to_offices(offices, staff_a.user, office_field="pk")) == {office_a}
    assert set(scope_to_offices(offices, staff_b.user, office_field="pk")) == {office_b}
    assert set(scope_to_offices(offices, coordinator.user, office_field="pk")) == {
        office_a,
        office_b,
    }
    assert list(scope_to_offices(offices, UserFactory(), office_field="pk")) == []


def test_it_refuses_anonymous_callers(api_anonymous, staff_a):
    """Without a token or session the staff API answers 401 with a JSON detail."""
    response = api_anonymous.get("/api/staff/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_it_refuses_accounts_without_a_staff_role(db):
    """A Django user who is neither office staff nor coordinator gets 403."""
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get("/api/staff/")
    assert response.status_code == 403
    assert "staff" in response.json()["detail"]
