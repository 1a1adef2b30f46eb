"""Fixtures of the SMS channel's tests: the dev SMS box in a folder of the test's own, no quiet
hours unless a test sets them (the suite runs at any hour), and SMS volunteers."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.volunteer_factories import VolunteerFactory
from volunteers.models import Volunteer
from workers.sms import dev


@pytest.fixture(autouse=True)
def sms_box(settings, tmp_path):
    settings.SMS_URL = ""
    settings.SMS_DEV_DIR = tmp_path / "sms"
    settings.SMS_QUIET_HOURS = "00:00-00:00"
    return settings.SMS_DEV_DIR


def sms_volunteer(phone: str, *, channel: str = "sms", **fields) -> Volunteer:
    """An active volunteer who chose SMS and confirmed the number by reply."""
    fields.setdefault("email_language", "de")
    return VolunteerFactory(
        phone=phone,
        offer_channel=channel,
        phone_confirmed_at=timezone.now(),
        **fields,
    )


def texts_to(phone: str) -> list[str]:
    return [m.body for m in dev.sent_to(phone)]


def reply(phone: str, text: str) -> str:
    """`phone` answers `text`, as the dev SMS box (or a provider's webhook) hands it on."""
    from workers.sms import replies

    return replies.handle(dev.record_reply(phone=phone, text=text))
