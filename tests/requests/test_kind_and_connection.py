"""A request's kind of appointment and its way to connect: recorded through the API and the
form, refused with field messages when wrong, and the connection shown only to the volunteers
who accepted (never in an offer)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from requests import offers
from requests.models import AppointmentKind, Request
from tests.factories.requests import offered
from tests.requests.test_requests_api import URL, detail, new_request_body
from workers import emails, sending

pytestmark = pytest.mark.django_db

VIDEO = "https://video.example.org/raum/4711?pw=geheim"


@pytest.fixture(autouse=True)
def unused_rate_limit():
    cache.clear()
    yield
    cache.clear()


def test_it_records_the_kind_and_the_connection(api_a, office_a):
    """POST with a kind code and a video link: both come back, the kind with its name."""
    body = new_request_body(
        office_a.pk, kind="jobcenter", remote=True, postcode=None, connection=VIDEO
    )
    response = api_a.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["kind"], answer["kind_name"]) == ("jobcenter", "Jobcenter")
    assert answer["connection"] == VIDEO
    stored = Request.objects.get(pk=answer["id"])
    assert stored.kind.code == "jobcenter"
    assert stored.connection == VIDEO


def test_it_leaves_the_kind_out_when_none_is_given(api_a, office_a):
    response = api_a.post(URL, new_request_body(office_a.pk), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] is None
    assert response.json()["kind_name"] is None
    assert response.json()["connection"] == ""


def test_it_refuses_an_unknown_kind_and_a_long_connection_with_field_messages(api_a, office_a):
    """400 naming each field, nothing saved."""
    body = new_request_body(office_a.pk, kind="zoo", connection="x" * 301)
    response = api_a.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert "zoo" in errors["kind"][0]
    assert errors["connection"]
    assert not Request.objects.exists()


def test_it_refuses_an_inactive_kind(api_a, office_a):
    AppointmentKind.objects.filter(code="court").update(is_active=False)
    response = api_a.post(URL, new_request_body(office_a.pk, kind="court"), format="json")
    assert response.status_code == 400
    assert "court" in response.json()["kind"][0]


def test_it_changes_and_clears_the_kind_by_patch(api_a, office_a):
    created = api_a.post(URL, new_request_body(office_a.pk, kind="doctor"), format="json")
    need = Request.objects.get(pk=created.json()["id"])
    response = api_a.patch(
        detail(need), {"kind": "school", "connection": "0231 1234"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["connection"]) == ("school", "0231 1234")
    cleared = api_a.patch(detail(need), {"kind": None}, format="json")
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["kind"] is None
    bad = api_a.patch(detail(need), {"kind": "nope"}, format="json")
    assert bad.status_code == 400
    assert "kind" in bad.json()


# --- The connection reaches only those who accepted ---------------------------------------------


def test_the_offer_email_and_the_open_offer_page_never_show_the_connection(client):
    """An offer goes to people who may not come: neither email nor page carries the link."""
    _request, [sent] = offered(remote=True, connection=VIDEO)
    message = emails.offer_email(offer=sent.offer, raw_token=sent.token)
    html = message.alternatives[0][0]
    assert VIDEO not in message.body
    assert VIDEO not in html
    assert "video.example.org" not in message.body + html
    page = client.get(sent.path).content.decode()
    assert "Sie helfen?" in page or "Können Sie helfen?" in page
    assert "video.example.org" not in page


def test_the_accepted_volunteer_sees_the_connection_on_the_page_and_in_the_confirmation(
    mailoutbox,
):
    """After accepting: the page and the confirmation say how to connect, and the
    confirmation links back to the offer page, whose first link keeps working."""
    _request, [sent] = offered(remote=True, connection=VIDEO)
    offers.accept(offer=sent.offer)
    page = Client().get(sent.path).content.decode()
    assert 'id="connection"' in page
    assert "video.example.org/raum/4711" in page
    assert sending.send_confirmation(offer_id=sent.offer.pk) == "sent"
    (confirmation,) = mail.outbox
    assert VIDEO in confirmation.body
    link = next(line for line in confirmation.body.split() if "/offers/" in line)
    path = link.removeprefix("http://127.0.0.1:8000").split("?")[0]
    assert path != sent.path
    again = Client().get(path)
    assert again.status_code == 200
    assert "video.example.org/raum/4711" in again.content.decode()
    assert Client().get(sent.path).status_code == 200  # the first link still works


def test_the_reminder_carries_the_connection_for_the_accepted_volunteer():
    """A link added after the confirmation went out still reaches the volunteer the day
    before: the reminder, which only accepted volunteers get, says how to connect."""
    _request, [sent] = offered(remote=True, connection="")
    offers.accept(offer=sent.offer)
    Request.objects.filter(pk=sent.offer.request_id).update(connection=VIDEO)
    assert sending.send_reminder(offer_id=sent.offer.pk) == "sent"
    (reminder,) = mail.outbox
    assert VIDEO in reminder.body
    assert VIDEO in reminder.alternatives[0][0]
