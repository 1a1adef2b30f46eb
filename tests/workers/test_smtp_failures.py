"""What a refusing mail server does to an offer: a real SMTP server on localhost says 5xx or 4xx.

Tasks run in this process (eager: a retry runs at once instead of after its wait); the SMTP
conversation is real.
"""

from __future__ import annotations

import smtplib

import pytest

from config.celery import app as celery_app
from requests import offers
from requests.models import Offer
from tests.factories.requests import make_request
from tests.factories.volunteers import VolunteerFactory
from tests.smtp_sink import Sink, smtp_server
from workers import smtp, tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(settings):
    sink = Sink()
    with smtp_server(sink) as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield sink


def offer_to(address: str, django_capture_on_commit_callbacks) -> Offer:
    request = make_request(auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=request, volunteer=VolunteerFactory(email=address))
    return Offer.objects.select_related("request__office").get(pk=offer.pk)


def test_it_fails_an_offer_at_once_when_the_address_is_refused_for_good(
    sink, django_capture_on_commit_callbacks
):
    """550 for the recipient: no retry, the offer is `failed`, the office is told which."""
    sink.refuse["gone@lotse.example"] = "550 5.1.1 No such user"
    offer = offer_to("gone@lotse.example", django_capture_on_commit_callbacks)
    assert offer.status == Offer.Status.FAILED
    (alert,) = sink.to(offer.request.office.email)
    assert "E-Mail nicht zugestellt" in str(alert["Subject"])
    assert "das Angebot: es wurde nicht verschickt" in alert.get_body(("plain",)).get_content()


def test_it_retries_a_temporary_refusal_and_fails_after_the_last_try(
    sink, settings, django_capture_on_commit_callbacks, caplog
):
    """451 each time: each try asks for a retry after a wait, until LOTSE_SMTP_RETRIES
    retries are used; then the offer is `failed` and the office told."""
    settings.LOTSE_SMTP_RETRIES = 2
    sink.refuse["busy@lotse.example"] = "451 4.3.0 Try again later"
    request = make_request(auto_offer=False)
    offer = offers.offer_by_hand(
        request=request, volunteer=VolunteerFactory(email="busy@lotse.example")
    )
    # Not propagated, an eager retry runs again at once (the broker would wait): the whole
    # chain of tries runs inside this one call.
    celery_app.conf.task_eager_propagates = False
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_offer.apply((offer.pk,))
    assert caplog.text.count("outcome=retry") == 2
    offer.refresh_from_db()
    assert offer.status == Offer.Status.FAILED
    assert sink.to(request.office.email)
    assert sink.to("busy@lotse.example") == []


def test_it_sends_when_the_server_accepts(sink, django_capture_on_commit_callbacks):
    """The control: the same path with a willing server sends once and marks the offer sent."""
    offer = offer_to("here@lotse.example", django_capture_on_commit_callbacks)
    assert offer.status == Offer.Status.SENT
    assert len(sink.to("here@lotse.example")) == 1


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPRecipientsRefused({"a@b": (451, b"later")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b": (550, b"no such user")}), False),
        (smtplib.SMTPDataError(452, b"full"), True),
        (smtplib.SMTPDataError(554, b"spam"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad password"), True),  # our setup, not this mail
        (smtplib.SMTPSenderRefused(553, b"sender", "lotse@localhost"), True),
    ],
)
def test_it_tells_temporary_from_permanent_failures(error, temporary):
    """4xx and connection trouble are tried again; a 5xx for the recipient or message is not."""
    assert smtp.is_temporary(error) is temporary


def test_it_waits_longer_after_each_try_within_bounds(settings):
    """Exponential with jitter: about base·2^n, at least half of it, never above the maximum."""
    settings.LOTSE_SMTP_RETRY_BASE_SECONDS, settings.LOTSE_SMTP_RETRY_MAX_SECONDS = 30, 600
    for attempt, (low, high) in enumerate([(15, 30), (30, 60), (60, 120), (120, 240)]):
        waits = {smtp.backoff_seconds(attempt) for _ in range(50)}
        assert low <= min(waits) and max(waits) <= high
    assert max(smtp.backoff_seconds(20) for _ in range(50)) <= 600
