"""Builders for tests of offers: a request, and volunteers holding sent offers with their links.

Everything goes through the domain functions real requests and offers take
(`lifecycle.create_request`, `offers.offer_by_hand`, `offers.issue_link`); only the "sent" step,
which the email sender will do, is a queryset update, as the sender will do it:

    request, sent = offered(count=2, volunteers_needed=1)
    client.post(sent[0].path, {"action": "accept"})
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils import timezone

from requests import lifecycle, offers
from requests.models import Offer, Office, Request
from tests.factories import OfficeFactory
from tests.volunteer_factories import VolunteerFactory, skill
from volunteers.models import Volunteer


@dataclass(frozen=True)
class SentOffer:
    """A sent offer and the raw token of its link (the database keeps only the digest)."""

    offer: Offer
    token: str

    @property
    def path(self) -> str:
        return f"/offers/{self.token}/"

    @property
    def calendar_path(self) -> str:
        return f"/offers/{self.token}/calendar.ics"

    def reload(self) -> Offer:
        return Offer.objects.select_related("request").get(pk=self.offer.pk)


def in_days(days: int, *, hour: int = 10) -> dt.datetime:
    """A whole hour `days` from today, in Berlin time."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_office(**fields: Any) -> Office:
    defaults = {"street": "Westerfilder Straße 54", "postcode": "44357", "phone": "0231 5550100"}
    return OfficeFactory(**{**defaults, **fields})


def make_request(
    *,
    office: Office | None = None,
    starts_at: dt.datetime | None = None,
    duration: dt.timedelta = dt.timedelta(minutes=90),
    skill_code: str = "interpreting",
    languages: Sequence[str] = ("fa", "de"),
    volunteers_needed: int = 1,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Request:
    """A request (no automatic waves) of an office; by default in three days at 10:00, in 44357."""
    starts_at = starts_at or in_days(3)
    place = {} if fields.get("remote") else {"postcode": "44357", "address": "Amtsstraße 1"}
    return lifecycle.create_request(
        office=office or make_office(),
        created_by=None,
        skill=skill(skill_code),
        languages=list(languages),
        starts_at=starts_at,
        ends_at=starts_at + duration,
        volunteers_needed=volunteers_needed,
        auto_offer=False,
        now=now,
        **{**place, **fields},
    )


def send_offer(
    *, request: Request, volunteer: Volunteer, now: dt.datetime | None = None
) -> SentOffer:
    """Offer `request` to `volunteer` by hand, mark it sent and issue its link."""
    now = now or timezone.now()
    offer = offers.offer_by_hand(request=request, volunteer=volunteer, now=now)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.SENT, sent_at=now)
    offer = Offer.objects.select_related("request", "volunteer").get(pk=offer.pk)
    return SentOffer(offer=offer, token=offers.issue_link(offer=offer))


def offered(
    *,
    count: int = 1,
    volunteer: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    **request_fields: Any,
) -> tuple[Request, list[SentOffer]]:
    """A new request and `count` new volunteers (built with `volunteer` keywords) holding
    sent offers for it."""
    request = make_request(now=now, **request_fields)
    sent = [
        send_offer(request=request, volunteer=VolunteerFactory(**(volunteer or {})), now=now)
        for _ in range(count)
    ]
    return request, sent


def offer_rows() -> dict[str, list[dict[str, Any]]]:
    """Every request and offer row, to prove that something changed nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (
            apps.get_model("requests", "Request"),
            apps.get_model("requests", "RequestLanguage"),
            apps.get_model("requests", "Offer"),
        )
    }
