"""The dashboard: the office's coming requests, the open ones soonest first, live badges."""

import re

from django.urls import reverse

from requests.models import Request
from tests.factories.requests import (
    UserFactory,
    accepted_offer,
    at,
    days_ahead,
    make_request,
    past_request,
)
from tests.factories.volunteers import farsi_mediator
from tests.web.helpers import signed_in


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    """Every staff page needs a login."""
    for url in ["/", "/requests/new/", "/directory/", "/statistics/", "/coordination/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/")


def test_it_tells_a_user_without_an_office_to_ask_a_coordinator(client, db):
    """A login without a staff membership sees why, not an empty dashboard."""
    client.force_login(UserFactory())
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "not linked to an office" in response.content.decode()


def test_it_lists_the_offices_own_requests_only(staff_a, office_a, office_b):
    """Office A's staff see A's requests; B's are not on the page at all."""
    own = make_request(office=office_a)
    other = make_request(office=office_b)
    page = signed_in(staff_a).get("/").content.decode()
    assert f'href="/requests/{own.pk}/"' in page
    assert f'href="/requests/{other.pk}/"' not in page


def test_it_lists_unfilled_requests_first_and_the_nearest_deadline_first(staff_a, office_a):
    """Still looking (tomorrow, then in five days) before filled ones; tomorrow's is urgent."""
    filled = make_request(office=office_a, starts_at=at(days_ahead(1), "09:00"))
    accepted_offer(filled, farsi_mediator())
    later = make_request(office=office_a, starts_at=at(days_ahead(5), "10:00"))
    soon = make_request(office=office_a, starts_at=at(days_ahead(1), "14:00"))
    page = signed_in(staff_a).get("/").content.decode()
    order = [int(pk) for pk in re.findall(r'href="/requests/(\d+)/"', page)]
    assert order == [soon.pk, later.pk, filled.pk]
    looking = page[: page.index('id="h-filled"')]
    assert looking.count("starts soon") == 1


def test_it_asks_for_the_hours_of_filled_requests_that_are_over(staff_a, office_a):
    """A filled request whose appointment was yesterday waits under "record the hours"."""
    over = past_request(office=office_a, days_ago=1)
    Request.objects.filter(pk=over.pk).update(status=Request.Status.FILLED, accepted_count=1)
    page = signed_in(staff_a).get("/").content.decode()
    section = page[page.index('id="h-complete"') :]
    assert f'href="/requests/{over.pk}/"' in section


def test_it_answers_a_poll_with_no_content_until_something_changes(staff_a, office_a):
    """The live list is re-sent only when it changed: 204 first, the new badge after a change."""
    need = make_request(office=office_a)
    client = signed_in(staff_a)
    first = client.get(reverse("staff-dashboard-live"))
    version = re.search(r'name="v" value="([0-9a-f]+)"', first.content.decode())[1]
    assert client.get(reverse("staff-dashboard-live"), {"v": version}).status_code == 204
    accepted_offer(need, farsi_mediator())
    changed = client.get(reverse("staff-dashboard-live"), {"v": version})
    assert changed.status_code == 200
    assert 'data-status="filled"' in changed.content.decode()
    assert "hx-swap-oob" in changed.content.decode()  # the sentence for screen readers


def test_it_refuses_another_offices_filter_with_a_404(staff_a, office_b):
    """?office= of an office one does not work for is not found, not an empty list."""
    assert signed_in(staff_a).get("/", {"office": office_b.pk}).status_code == 404
    assert signed_in(staff_a).get("/", {"office": "x"}).status_code == 404


def test_it_shows_coordinators_every_office_and_hides_the_view_from_staff(
    coordinator, staff_a, office_a, office_b
):
    """The view across offices is for coordinators; staff get a 404."""
    make_request(office=office_b, starts_at=at(days_ahead(1), "10:00"))
    page = signed_in(coordinator).get(reverse("staff-coordination")).content.decode()
    assert office_a.name in page and office_b.name in page
    assert "starts soon" in page
    assert signed_in(staff_a).get(reverse("staff-coordination")).status_code == 404
