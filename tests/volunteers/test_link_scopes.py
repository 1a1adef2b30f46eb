"""Each personal link does only what its email is for.

Emails about tasks get forwarded, and mail providers fetch their `List-Unsubscribe` URL: their
links may open the one offer and pause offers, never the profile, its export or its erasure.
The profile link comes only from the emails sent for it (welcome, "send me my link again").
A link used on a page of another kind gets a friendly page that says what it is for.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from email import message_from_bytes
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from requests.models import Offer
from tests.factories.requests import accepted_offer, make_request, queued_offer
from tests.factories.volunteers import VolunteerFactory
from volunteers import registration, tokens
from volunteers.models import PersonalToken, Volunteer
from workers import emails, sending

pytestmark = pytest.mark.django_db

LINK_AGAIN = 'href="/volunteer/link/"'
URL = re.compile(r"https?://[^\s\"'<>]+")
# The pages a profile link opens, and how each is asked to change something.
PROFILE_PAGES = [
    ("get", ""),
    ("get", "edit/"),
    ("post", "edit/"),
    ("get", "pause/"),
    ("post", "pause/"),
    ("get", "export/"),
    ("get", "delete/"),
    ("post", "delete/"),
]


@pytest.fixture
def volunteer(db) -> Volunteer:
    return VolunteerFactory(name="Neda Karimi", email="neda@lotse.example")


def everything_in(message: mail.EmailMessage) -> str:
    """The email as the receiver's mail provider gets it: headers, text and HTML, decoded."""
    parsed = message_from_bytes(message.message().as_bytes())
    parts = [f"{name}: {value}" for name, value in parsed.items()]
    for part in parsed.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_payload(decode=True).decode(part.get_content_charset()))
    return "\n".join(parts)


def secrets_in(message: mail.EmailMessage) -> set[str]:
    """Every path segment of every link in the email that could be a token."""
    segments = set()
    for url in URL.findall(everything_in(message)):
        segments.update(s for s in url.split("#")[0].split("/") if len(s) >= 20)
    assert segments, "the email carries no link at all"
    return segments


def state(volunteer: Volunteer) -> tuple:
    row = Volunteer.objects.get(pk=volunteer.pk)
    return (row.status, row.paused_until, row.erased_at, row.name, row.email)


def assert_refused(response, volunteer: Volunteer) -> str:
    """A friendly page, no personal data, the way to a profile link."""
    assert response.status_code in (403, 404, 410), response.status_code
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert LINK_AGAIN in text
    assert volunteer.email not in text
    return text


def edit_form() -> dict[str, str]:
    return {"name": "Someone Else", "action": "resume", "until": ""}


def offer_email(volunteer: Volunteer, office) -> mail.EmailMessage:
    """The offer email the worker sends, as it leaves for the volunteer's inbox."""
    offer = queued_offer(make_request(office=office), volunteer)
    mail.outbox = []
    assert sending.send_offer(offer_id=offer.pk) == "sent"
    (message,) = mail.outbox
    return message


def test_it_opens_no_profile_page_with_any_link_of_a_forwarded_offer_email(
    client, volunteer, office_a
):
    """Whoever gets the offer email forwarded cannot see, change, export or erase the profile."""
    message = offer_email(volunteer, office_a)
    before = state(volunteer)

    for secret in secrets_in(message):
        for method, page in PROFILE_PAGES:
            response = getattr(client, method)(f"/volunteer/{secret}/{page}", edit_form())
            text = assert_refused(response, volunteer)
            assert "lotse-data.json" not in response.get("Content-Disposition", "")
            assert volunteer.name not in text

    assert state(volunteer) == before
    assert not PersonalToken.objects.filter(purpose="manage").exists()


@pytest.mark.parametrize("kind", ["reminder", "confirmation", "closed", "calendar_cancel"])
def test_it_puts_no_profile_link_in_any_other_email_about_a_task(client, volunteer, office_a, kind):
    """Confirmations, reminders, "taken" and cancellations get forwarded too."""
    offer = accepted_offer(make_request(office=office_a), volunteer)
    offer = Offer.objects.select_related("request__office", "request__skill", "volunteer").get(
        pk=offer.pk
    )
    message = {
        "reminder": lambda: emails.reminder_email(offer=offer, raw_token="x" * 43),
        "confirmation": lambda: emails.confirmation_email(offer, raw_token="tokc"),
        "closed": lambda: emails.closed_email(offer),
        "calendar_cancel": lambda: emails.calendar_cancel_email(offer, released=False),
    }[kind]()

    for secret in secrets_in(message):
        assert_refused(client.get(f"/volunteer/{secret}/"), volunteer)
        assert_refused(client.post(f"/volunteer/{secret}/delete/"), volunteer)
    assert state(volunteer)[2] is None
    assert not PersonalToken.objects.filter(purpose="manage").exists()


def test_it_only_pauses_with_the_list_unsubscribe_url(volunteer, office_a):
    """The mail provider's one-click POST pauses; the same link opens no profile page."""
    message = offer_email(volunteer, office_a)
    header = message.message()["List-Unsubscribe"]
    assert message.message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<https?://[^/]+(/email/unsubscribe/([\w-]+)/)>", header)
    assert url, header
    path, secret = url.groups()
    provider = Client(enforce_csrf_checks=True)  # a mail provider: no cookie, no CSRF token

    assert provider.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    paused = state(volunteer)
    assert paused[0] == Volunteer.Status.PAUSED

    browser = Client()
    profile = assert_refused(browser.get(f"/volunteer/{secret}/"), volunteer)
    assert "can only pause" in profile or "nur Ihre Anfragen pausieren" in profile
    assert f'href="/email/unsubscribe/{secret}/"' in profile
    for method, page in PROFILE_PAGES:
        response = getattr(browser, method)(f"/volunteer/{secret}/{page}", edit_form())
        assert response.status_code == 403
    # Not even the pause page of the profile: it could resume or shorten the pause.
    assert state(volunteer) == paused


def test_it_manages_everything_with_the_link_from_the_link_again_email(
    client, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    """The profile link, sent because the volunteer asked, opens, exports, pauses, erases."""
    with django_capture_on_commit_callbacks(execute=True):
        registration.send_link_again(email="neda@lotse.example")
    (message,) = mailoutbox
    (secret,) = re.findall(r"/volunteer/([\w-]{20,})/", message.body)
    assert "List-Unsubscribe" not in message.extra_headers
    days = tokens.LIFETIMES[PersonalToken.Purpose.MANAGE].days
    assert f"{days} Tage" in message.body

    assert "Neda Karimi" in client.get(f"/volunteer/{secret}/").content.decode()
    assert client.get(f"/volunteer/{secret}/edit/").status_code == 200
    export = client.get(f"/volunteer/{secret}/export/")
    assert export.status_code == 200
    assert export.json()["volunteer"]["email"] == "neda@lotse.example"
    until = timezone.localdate() + dt.timedelta(days=14)
    client.post(f"/volunteer/{secret}/pause/", {"action": "pause", "until": until.isoformat()})
    assert state(volunteer)[:2] == (Volunteer.Status.PAUSED, until)
    client.post(f"/volunteer/{secret}/pause/", {"action": "resume"})
    assert state(volunteer)[:2] == (Volunteer.Status.ACTIVE, None)
    assert client.post(f"/volunteer/{secret}/delete/").status_code == 200
    assert state(volunteer)[2] is not None


def test_it_does_not_pause_through_the_unsubscribe_url_with_a_profile_link(client, volunteer):
    """Each kind of page takes its own kind of link; this one points to the profile."""
    secret = tokens.issue(volunteer=volunteer, purpose="manage")

    response = client.post(f"/email/unsubscribe/{secret}/", {"List-Unsubscribe": "One-Click"})

    text = assert_refused(response, volunteer)
    assert response.status_code == 403
    assert f'href="/volunteer/{secret}/"' in text
    assert state(volunteer)[0] == Volunteer.Status.ACTIVE


def test_it_answers_an_expired_or_tampered_pause_link_with_a_friendly_page(client, volunteer):
    """A late click says "expired", a broken link "does not work"; neither pauses."""
    lifetime = tokens.LIFETIMES[PersonalToken.Purpose.PAUSE]
    expired = tokens.issue(
        volunteer=volunteer, purpose="pause", now=timezone.now() - lifetime - dt.timedelta(days=1)
    )
    live = tokens.issue(volunteer=volunteer, purpose="pause")
    tampered = live[:-1] + ("A" if live[-1] != "A" else "B")

    late = client.post(f"/email/unsubscribe/{expired}/", {"List-Unsubscribe": "One-Click"})
    broken = client.post(f"/email/unsubscribe/{tampered}/", {"List-Unsubscribe": "One-Click"})

    assert late.status_code == 410
    assert "abgelaufen" in assert_refused(late, volunteer)
    assert broken.status_code == 404
    assert_refused(broken, volunteer)
    assert state(volunteer)[0] == Volunteer.Status.ACTIVE


def test_it_narrows_the_profile_links_already_sent_to_pausing(client, volunteer):
    """Links in emails sent before: the unsubscribe URL still pauses, the profile stays shut."""
    old = tokens.issue(volunteer=volunteer, purpose="manage")
    confirm = tokens.issue(volunteer=volunteer, purpose="confirm")

    migration = importlib.import_module("volunteers.migrations.0008_pause_links")
    migration.narrow_profile_links(apps, SimpleNamespace(connection=connection))

    assert client.get(f"/volunteer/{old}/").status_code == 403
    assert client.post(f"/volunteer/{old}/delete/").status_code == 403
    assert state(volunteer)[2] is None
    assert client.post(f"/email/unsubscribe/{old}/").status_code == 200
    assert state(volunteer)[0] == Volunteer.Status.PAUSED
    assert tokens.resolve(confirm, purpose="confirm").volunteer == volunteer
