"""Nobody can make Lotse mail strangers, nor learn who is registered from how fast it answers.

Links sent because someone typed an address are capped per recipient inbox and day, whoever
asks and from wherever; "send me my link again" takes the same path for every address.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from celery.signals import task_prerun
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories.volunteers import bare_volunteer
from tests.volunteers.test_registration import payload, post
from volunteers import registration, tasks
from volunteers.models import PersonalToken, Volunteer

pytestmark = pytest.mark.django_db

LINK_AGAIN = "/volunteer/link/"
_addresses = (f"198.51.100.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(autouse=True)
def fresh_counts():
    """Rate limits and the per-inbox counts live in the cache: every test starts afresh."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tasks_run():
    """Names and arguments of the tasks that ran (eagerly, in this process)."""
    seen: list[tuple[str, tuple]] = []

    def record(sender=None, args=(), **kwargs):
        seen.append((sender.name, tuple(args)))

    task_prerun.connect(record, weak=False, dispatch_uid="tests-tasks-run")
    yield seen
    task_prerun.disconnect(dispatch_uid="tests-tasks-run")


def test_it_takes_the_same_path_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks, tasks_run, mailoutbox
):
    """ "Send me my link again": the web request runs the same queries and enqueues the same
    task for a registered and an unknown address; only the task, out of sight, decides. The
    answer is the same redirect, and only the registered person gets an email."""
    bare_volunteer(email="jonas@lotse.example")

    def ask(address: str):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as enqueued,
        ):
            response = client.post(LINK_AGAIN, {"email": address})
        return response, len(queries), enqueued

    known, known_queries, known_enqueued = ask("jonas@lotse.example")
    unknown, unknown_queries, unknown_enqueued = ask("nobody@lotse.example")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known_queries == unknown_queries
    assert len(known_enqueued) == len(unknown_enqueued) == 1
    for callback in (*known_enqueued, *unknown_enqueued):
        callback()
    assert tasks_run == [
        ("volunteers.tasks.send_link_on_request", ("jonas@lotse.example",)),
        ("volunteers.tasks.send_link_on_request", ("nobody@lotse.example",)),
    ]
    [message] = mailoutbox
    assert message.to == ["jonas@lotse.example"]


def test_it_mails_one_inbox_only_a_few_links_a_day_whoever_asks(
    api_anonymous, client, django_capture_on_commit_callbacks, mailoutbox
):
    """Registrations of one Gmail inbox under many spellings (case, dots, +tags) and link
    requests for it, each from another client address: the inbox gets at most
    LOTSE_LINK_EMAILS_PER_DAY emails, and every answer looks the same as the first."""
    spellings = [
        "Victim@gmail.com",
        "v.ictim@gmail.com",
        "victim+1@gmail.com",
        "vic.tim+lotse@googlemail.com",
        *(f"victim+{n}@gmail.com" for n in range(2, 10)),
    ]
    answers = set()
    for address in spellings:
        with django_capture_on_commit_callbacks(execute=True):
            response = post(api_anonymous, payload(email=address), REMOTE_ADDR=next(_addresses))
        answers.add((response.status_code, response.json()["detail"]))
    for address in spellings[:4]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(LINK_AGAIN, {"email": address}, REMOTE_ADDR=next(_addresses))
        answers.add((response.status_code, response["Location"]))

    assert len(mailoutbox) == settings.LOTSE_LINK_EMAILS_PER_DAY
    assert len(answers) == 2  # one for the API, one for the page: nothing tells of the cap
    assert Volunteer.objects.count() == len(spellings)


def test_it_counts_an_inbox_per_day_beyond_the_hourly_cap(mailoutbox):
    """Spread over the day, repeated link requests for one person stop at the daily cap; the
    next day they work again."""
    volunteer = bare_volunteer(email="ayse@lotse.example")

    def ask_a_few_times() -> None:
        for _ in range(registration.TYPED_LINKS_PER_HOUR):
            tasks.send_link_on_request.delay("ayse@lotse.example")
        # An hour later: the hourly cap is free again.
        PersonalToken.objects.filter(volunteer=volunteer).update(
            created_at=timezone.now() - dt.timedelta(hours=2)
        )

    ask_a_few_times()
    ask_a_few_times()

    assert len(mailoutbox) == settings.LOTSE_LINK_EMAILS_PER_DAY
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert registration.may_send(volunteer=volunteer, occasion=registration.REQUESTED, now=tomorrow)


def test_it_always_sends_the_welcome_even_when_the_day_is_used_up(mailoutbox):
    """The cap never swallows the email that completes a registration."""
    volunteer = bare_volunteer(email="ayse@lotse.example")
    for _ in range(settings.LOTSE_LINK_EMAILS_PER_DAY):
        assert registration.may_send(volunteer=volunteer, occasion=registration.REGISTERED)
    assert not registration.may_send(volunteer=volunteer, occasion=registration.REGISTERED)

    assert registration.may_send(volunteer=volunteer, occasion=registration.WELCOME)


@pytest.mark.parametrize(
    ("typed", "inbox"),
    [
        ("Ayse@Lotse.Example", "ayse@lotse.example"),
        ("ayse+news@lotse.example", "ayse@lotse.example"),
        ("a.y.se@lotse.example", "a.y.se@lotse.example"),  # dots matter outside Gmail
        ("A.y.se+x@googlemail.com", "ayse@gmail.com"),
        (" ayse@gmail.com ", "ayse@gmail.com"),
    ],
)
def test_it_counts_each_inbox_once_however_it_is_spelled(typed, inbox):
    """Case, +tags and Gmail's dots lead to the same inbox, so they share one count."""
    assert registration.mailbox_key(typed) == inbox
