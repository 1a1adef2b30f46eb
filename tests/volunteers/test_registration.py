"""Registration through the API, the double opt-in behind the emailed link, and cleaning up."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.factories.volunteers import bare_volunteer
from volunteers import registration, tasks, tokens
from volunteers.models import (
    AvailabilitySlot,
    PersonalToken,
    SpokenLanguage,
    Volunteer,
    VolunteerSkill,
)

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"/volunteer/confirm/([A-Za-z0-9_-]+)/")
PROFILE_LINK = re.compile(r"/volunteer/([A-Za-z0-9_-]{20,})/")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with an unused registration limit (it lives in the cache)."""
    cache.clear()
    yield
    cache.clear()


class Committing:
    """A test client whose requests end as if their transaction had committed.

    A test's transaction never commits, so the `transaction.on_commit` callbacks that enqueue
    the emails are run at the end of each request instead, as the real commit would.
    """

    def __init__(self, client: Any, capture: Any) -> None:
        self.client = client
        self.capture = capture

    def get(self, *args: Any, **kwargs: Any) -> Any:
        with self.capture(execute=True):
            return self.client.get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        with self.capture(execute=True):
            return self.client.post(*args, **kwargs)


@pytest.fixture
def api(api_anonymous, django_capture_on_commit_callbacks) -> Committing:
    return Committing(api_anonymous, django_capture_on_commit_callbacks)


@pytest.fixture
def browser(client, django_capture_on_commit_callbacks) -> Committing:
    return Committing(client, django_capture_on_commit_callbacks)


def payload(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Ayşe Demir",
        "email": "ayse@lotse.example",
        "phone": "0231 1234567",
        "languages": [{"code": "tr", "level": "native"}, {"code": "de", "level": "C1"}],
        "skills": ["interpreting"],
        "availability": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
        "absences": [{"start": "2026-12-20", "end": "2027-01-02"}],
        "postcode": "44357",
        "consent": True,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def post(client, body: dict[str, Any], **headers: str):
    return client.post(reverse("volunteer-list"), body, format="json", **headers)


def link_in(message, pattern: re.Pattern[str] = CONFIRM_LINK) -> str:
    match = pattern.search(message.body)
    assert match, f"no link in the email:\n{message.body}"
    return match.group(1)


def messages_of(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for entry in value.values() for m in messages_of(entry)]
    if isinstance(value, list):
        return [m for entry in value for m in messages_of(entry)]
    return [str(value)]


def test_it_joins_weekly_slots_that_touch(api, mailoutbox):
    """Monday 9–12 and 12–15 is stored as Monday 9–15: one slot covers a task from 11 to 13."""
    times = [
        {"weekday": 0, "start": "12:00", "end": "15:00"},
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 2, "start": "15:00", "end": "16:00"},
    ]
    assert post(api, payload(availability=times)).status_code == 201
    stored = Volunteer.objects.get().availability.order_by("weekday", "start")
    assert [(s.weekday, f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in stored] == [
        (0, "09:00", "15:00"),
        (2, "15:00", "16:00"),
    ]


def test_it_registers_a_pending_volunteer_and_emails_a_confirmation_link(api, mailoutbox):
    """A new volunteer is stored as pending with consent and gets a German confirmation email."""
    response = post(api, payload())

    assert response.status_code == 201, response.content
    assert set(response.json()) == {"detail"}
    volunteer = Volunteer.objects.get()
    assert volunteer.status == Volunteer.Status.PENDING
    assert volunteer.confirmed_at is None
    assert (volunteer.consent_version, volunteer.consent_language) == ("2026-11", "de")
    assert volunteer.consent_at is not None
    assert sorted(volunteer.languages.values_list("code", "level")) == [
        ("de", "C1"),
        ("tr", "native"),
    ]
    assert volunteer.skill_set.get().skill.code == "interpreting"
    assert volunteer.availability.count() == 1
    assert volunteer.absences.count() == 1
    [message] = mailoutbox
    assert message.to == ["ayse@lotse.example"]
    assert message.subject == "Lotse: Bitte bestätigen Sie Ihre E-Mail-Adresse"
    raw = link_in(message)
    assert f"{settings.SITE_URL}/volunteer/confirm/{raw}/" in message.body
    html = message.alternatives[0][0]
    assert f"{settings.SITE_URL}/volunteer/confirm/{raw}/" in html
    assert 'lang="de"' in html


def test_it_writes_emails_in_the_language_the_volunteer_chose(api, mailoutbox):
    """Registering in English without naming an email language gives English emails."""
    response = post(api, payload(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 201
    volunteer = Volunteer.objects.get()
    assert (volunteer.email_language, volunteer.consent_language) == ("en", "en")
    assert mailoutbox[0].subject == "Lotse: Please confirm your email address"
    assert "Please confirm your email address" in mailoutbox[0].body


def test_it_confirms_only_on_post_and_then_sends_the_personal_link(api, browser, mailoutbox):
    """Opening the link changes nothing; the button activates and sends the profile link."""
    post(api, payload(email_language="en"))
    raw = link_in(mailoutbox[0])
    url = reverse("volunteer-confirm", args=[raw])

    page = browser.get(url)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    volunteer = Volunteer.objects.get()
    assert volunteer.status == Volunteer.Status.PENDING
    assert PersonalToken.objects.get(purpose="confirm").used_at is None

    done = browser.post(url)
    assert done.status_code == 200
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.ACTIVE
    assert volunteer.confirmed_at is not None
    welcome = mailoutbox[1]
    assert welcome.subject == "Lotse: Welcome – your personal link"
    manage = link_in(welcome, PROFILE_LINK)
    # Mail providers fetch the List-Unsubscribe URL: the profile link is never in a header.
    assert "List-Unsubscribe" not in welcome.extra_headers
    assert manage not in "\n".join(f"{k}: {v}" for k, v in welcome.message().items())
    assert tokens.resolve(manage, purpose="manage").volunteer_id == volunteer.pk


def test_it_says_already_confirmed_the_second_time(api, browser, mailoutbox):
    """A second press of the button is friendly and changes nothing, nor sends more mail."""
    post(api, payload())
    url = reverse("volunteer-confirm", args=[link_in(mailoutbox[0])])
    browser.post(url)
    confirmed_at = Volunteer.objects.get().confirmed_at

    again = browser.post(url)
    opened_again = browser.get(url)

    assert again.status_code == opened_again.status_code == 200
    assert "Bereits bestätigt" in again.content.decode()
    assert "Bereits bestätigt" in opened_again.content.decode()
    assert Volunteer.objects.get().confirmed_at == confirmed_at
    assert len(mailoutbox) == 2  # the confirmation and one welcome


def test_it_treats_an_older_confirmation_link_as_already_confirmed(api, browser, mailoutbox):
    """Registering twice gives two links; after using one, the other activates nothing again."""
    post(api, payload())
    post(api, payload())
    first, second = link_in(mailoutbox[0]), link_in(mailoutbox[1])
    assert first != second
    browser.post(reverse("volunteer-confirm", args=[second]))

    response = browser.post(reverse("volunteer-confirm", args=[first]))

    assert response.status_code == 200
    assert "Bereits bestätigt" in response.content.decode()
    assert PersonalToken.objects.filter(purpose="confirm", used_at__isnull=False).count() == 1


def test_it_answers_a_known_email_like_a_new_one_and_mails_its_owner(api, mailoutbox):
    """Registering an address again (any case) tells the caller nothing and stores nothing."""
    volunteer = bare_volunteer(email="ayse@lotse.example", name="Ayşe Demir")
    fresh = post(api, payload(email="new@lotse.example"))

    duplicate = post(api, payload(email="AYSE@Lotse.Example", name="Someone Else"))

    assert (duplicate.status_code, duplicate.json()) == (fresh.status_code, fresh.json())
    assert Volunteer.objects.filter(email__iexact="ayse@lotse.example").count() == 1
    volunteer.refresh_from_db()
    assert volunteer.name == "Ayşe Demir"
    message = mailoutbox[-1]
    assert message.to == ["ayse@lotse.example"]
    assert message.subject == "Lotse: Sie sind bereits registriert"
    manage = link_in(message, PROFILE_LINK)
    assert tokens.resolve(manage, purpose="manage").volunteer_id == volunteer.pk
    assert "List-Unsubscribe" not in message.extra_headers


def test_it_sends_a_fresh_confirmation_link_to_a_pending_duplicate(api, mailoutbox):
    """Someone who registered but never confirmed gets a new confirmation link, not a second row."""
    post(api, payload())
    post(api, payload(email="Ayse@lotse.example"))

    assert Volunteer.objects.count() == 1
    assert [m.subject for m in mailoutbox] == [
        "Lotse: Bitte bestätigen Sie Ihre E-Mail-Adresse"
    ] * 2
    assert link_in(mailoutbox[0]) != link_in(mailoutbox[1])


def test_it_lets_the_unique_index_decide_a_race_of_two_registrations(api, mailoutbox, monkeypatch):
    """When a parallel registration commits between lookup and insert, nobody sees a 500."""
    bare_volunteer(email="ayse@lotse.example")
    real_lookup = registration._registered
    calls: list[str] = []

    def misses_once(email: str) -> Volunteer | None:
        calls.append(email)
        # The first lookup runs before the other registration's commit: it finds nothing.
        return None if len(calls) == 1 else real_lookup(email)

    monkeypatch.setattr(registration, "_registered", misses_once)

    response = post(api, payload())

    assert response.status_code == 201
    assert len(calls) == 2
    assert Volunteer.objects.count() == 1
    assert SpokenLanguage.objects.count() == 0
    assert [m.to for m in mailoutbox] == [["ayse@lotse.example"]]


BAD_INPUT = [
    ("languages", {"languages": [{"code": "zz", "level": "B1"}]}, "is not a language we know"),
    ("languages", {"languages": [{"code": "fa", "level": "Z9"}]}, "is not a valid choice"),
    ("skills", {"skills": ["juggling"]}, "is not a skill in the catalogue"),
    (
        "availability",
        {
            "availability": [
                {"weekday": 0, "start": "09:00", "end": "12:00"},
                {"weekday": 0, "start": "11:00", "end": "13:00"},
            ]
        },
        "overlap on the same day",
    ),
    (
        "availability",
        {"availability": [{"weekday": 2, "start": "12:00", "end": "09:00"}]},
        "The start must be before the end.",
    ),
    (
        "absences",
        {"absences": [{"start": "2026-12-20", "end": "2026-12-01"}]},
        "The end is before the start.",
    ),
    ("email", {"email": "ayse@"}, "Enter a valid email address."),
    ("phone", {"phone": "12ab"}, "Enter a valid phone number."),
    ("postcode", {"postcode": "4435"}, "Enter a German postcode of five digits"),
    ("consent", {"consent": None}, "This field is required."),
    ("consent", {"consent": False}, "Please agree to the processing of your data"),
]


@pytest.mark.parametrize(("field", "changes", "english"), BAD_INPUT)
def test_it_refuses_bad_input_in_german_and_english_and_stores_nothing(
    api, mailoutbox, field, changes, english
):
    """Each mistake is named under its field, in German by default, in English on request."""
    german = post(api, payload(**changes))
    in_english = post(api, payload(**changes), HTTP_ACCEPT_LANGUAGE="en")

    assert german.status_code == in_english.status_code == 400
    assert field in german.json() and field in in_english.json()
    english_messages = messages_of(in_english.json()[field])
    german_messages = messages_of(german.json()[field])
    assert any(english in m for m in english_messages), english_messages
    assert german_messages != english_messages, "the German message is missing in locale/de"
    assert Volunteer.objects.count() == 0
    assert SpokenLanguage.objects.count() == 0
    assert VolunteerSkill.objects.count() == 0
    assert AvailabilitySlot.objects.count() == 0
    assert PersonalToken.objects.count() == 0
    assert mailoutbox == []


def test_it_places_a_postcode_outside_dortmund_in_its_town(api):
    """A volunteer from Castrop-Rauxel (44575) can register, placed in their town."""
    response = post(api, payload(postcode="44575"))

    assert response.status_code == 201
    volunteer = Volunteer.objects.get()
    assert (volunteer.postcode, volunteer.postcode_known, volunteer.district) == (
        "44575",
        True,
        "Castrop-Rauxel",
    )
    assert volunteer.lat is not None


def test_it_keeps_a_postcode_that_exists_nowhere_but_flags_it(api):
    """A well-formed code in no place data is kept; matching knows the place is unknown."""
    assert post(api, payload(postcode="99999")).status_code == 201
    volunteer = Volunteer.objects.get()
    assert (volunteer.postcode_known, volunteer.district, volunteer.lat) == (False, "", None)


def test_it_shows_not_found_for_a_tampered_link_and_changes_nothing(api, browser, mailoutbox):
    """One changed character makes the link unknown: a friendly 404 page, still pending."""
    post(api, payload())
    raw = link_in(mailoutbox[0])
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    url = reverse("volunteer-confirm", args=[tampered])

    opened, pressed = browser.get(url), browser.post(url)

    assert opened.status_code == pressed.status_code == 404
    assert reverse("volunteer-link-again") in pressed.content.decode()
    assert Volunteer.objects.get().status == Volunteer.Status.PENDING
    assert PersonalToken.objects.get().used_at is None


def test_it_shows_gone_for_an_expired_link_and_changes_nothing(browser):
    """A confirmation link past its lifetime answers 410 with the way to a new link."""
    volunteer = bare_volunteer(status=Volunteer.Status.PENDING)
    raw = tokens.issue(
        volunteer=volunteer, purpose="confirm", now=timezone.now() - dt.timedelta(days=4)
    )
    url = reverse("volunteer-confirm", args=[raw])

    opened, pressed = browser.get(url), browser.post(url)

    assert opened.status_code == pressed.status_code == 410
    page = pressed.content.decode()
    assert "abgelaufen" in page
    assert reverse("volunteer-link-again") in page
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.PENDING
    assert PersonalToken.objects.get().used_at is None


def test_it_never_stores_a_raw_token(api, browser, mailoutbox):
    """The database holds digests only: a copy of it opens no personal link."""
    post(api, payload())
    confirm_raw = link_in(mailoutbox[0])
    browser.post(reverse("volunteer-confirm", args=[confirm_raw]))
    manage_raw = link_in(mailoutbox[1], PROFILE_LINK)

    digests = list(PersonalToken.objects.values_list("digest", flat=True))
    assert len(digests) == 2
    for raw in (confirm_raw, manage_raw):
        assert not PersonalToken.objects.filter(digest=raw).exists()
        assert all(raw not in digest for digest in digests)


def registration_limit() -> int:
    """How many registrations (and link requests) one connection may send in the period."""
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["registration"].split("/")[0])


def test_it_limits_registrations_per_connection(api):
    """After the limit (20 an hour by default), the API answers 429 instead of sending email."""
    limit = registration_limit()
    answers = [post(api, payload(consent=False)).status_code for _ in range(limit + 1)]

    assert answers == [400] * limit + [429]


def test_it_deletes_only_registrations_left_unconfirmed_for_a_week():
    """Pending for over 7 days: gone with its data. Newer or confirmed volunteers stay."""
    now = timezone.now()
    old_pending = bare_volunteer(
        email="old@lotse.example",
        status=Volunteer.Status.PENDING,
        created_at=now - dt.timedelta(days=8),
    )
    SpokenLanguage.objects.create(volunteer=old_pending, code="fa", level="native")
    tokens.issue(volunteer=old_pending, purpose="confirm", now=now - dt.timedelta(days=8))
    new_pending = bare_volunteer(
        email="new@lotse.example",
        status=Volunteer.Status.PENDING,
        created_at=now - dt.timedelta(days=6),
    )
    old_active = bare_volunteer(
        email="active@lotse.example",
        created_at=now - dt.timedelta(days=30),
        confirmed_at=now - dt.timedelta(days=29),
    )

    tasks.expire_unconfirmed.delay()

    assert set(Volunteer.objects.values_list("pk", flat=True)) == {new_pending.pk, old_active.pk}
    assert not SpokenLanguage.objects.filter(volunteer_id=old_pending.pk).exists()
    assert not PersonalToken.objects.filter(volunteer_id=old_pending.pk).exists()


def test_it_deletes_links_expired_over_a_month_ago():
    """Expired links stay 30 days (a late click then says "expired"), then they are deleted."""
    volunteer = bare_volunteer()
    now = timezone.now()
    lifetime = tokens.LIFETIMES[PersonalToken.Purpose.MANAGE]
    long_expired = tokens.issue(
        volunteer=volunteer, purpose="manage", now=now - lifetime - dt.timedelta(days=31)
    )
    recently_expired = tokens.issue(
        volunteer=volunteer, purpose="manage", now=now - lifetime - dt.timedelta(days=29)
    )

    assert registration.expire_unconfirmed(now=now) == (0, 1)

    with pytest.raises(tokens.InvalidToken) as gone:
        tokens.resolve(long_expired, purpose="manage")
    with pytest.raises(tokens.InvalidToken) as expired:
        tokens.resolve(recently_expired, purpose="manage")
    assert (gone.value.reason, expired.value.reason) == ("unknown", "expired")


def test_it_skips_the_email_of_a_volunteer_erased_meanwhile(mailoutbox):
    """A link email enqueued before an erasure sends nothing: the person is gone."""
    volunteer = bare_volunteer(email=None, erased_at=timezone.now())

    tasks.send_personal_link.delay(volunteer.pk, "manage", "requested")

    assert mailoutbox == []
    assert PersonalToken.objects.count() == 0


def test_it_caps_typed_link_requests_per_person_per_hour(
    mailoutbox, django_capture_on_commit_callbacks
):
    """Whoever knows an address can make Lotse mail it only a few links an hour."""
    volunteer = bare_volunteer(email="ayse@lotse.example")
    for _ in range(registration.TYPED_LINKS_PER_HOUR + 2):
        with django_capture_on_commit_callbacks(execute=True):
            registration.send_link_again(email="ayse@lotse.example")

    assert len(mailoutbox) == registration.TYPED_LINKS_PER_HOUR
    # An hour later the person can ask again.
    PersonalToken.objects.filter(volunteer=volunteer).update(
        created_at=timezone.now() - dt.timedelta(hours=1, minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        registration.send_link_again(email="ayse@lotse.example")
    assert len(mailoutbox) == registration.TYPED_LINKS_PER_HOUR + 1


def test_it_always_sends_the_welcome_even_after_many_typed_requests(mailoutbox):
    """The cap never swallows the email that completes a registration."""
    volunteer = bare_volunteer(email="ayse@lotse.example")
    for _ in range(registration.TYPED_LINKS_PER_HOUR):
        tasks.send_personal_link(volunteer.pk, "manage", registration.REQUESTED)
    tasks.send_personal_link(volunteer.pk, "manage", registration.REQUESTED)
    tasks.send_personal_link(volunteer.pk, "manage", registration.WELCOME)

    assert len(mailoutbox) == registration.TYPED_LINKS_PER_HOUR + 1
    assert mailoutbox[-1].subject == "Lotse: Willkommen – Ihr persönlicher Link"


def test_task_emails_do_not_use_up_the_hourly_link_cap(
    mailoutbox, django_capture_on_commit_callbacks
):
    """Three offers an hour each carry a pause link; the person can still get a profile link."""
    volunteer = bare_volunteer(email="ayse@lotse.example")
    for _ in range(registration.TYPED_LINKS_PER_HOUR):
        tokens.issue(volunteer=volunteer, purpose=PersonalToken.Purpose.PAUSE)
    with django_capture_on_commit_callbacks(execute=True):
        registration.send_link_again(email="ayse@lotse.example")
    assert len(mailoutbox) == 1
