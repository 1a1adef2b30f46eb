"""The boundary between Lotse and an SMS provider.

An adapter (Twilio, seven.io, the dev SMS box) implements `Provider`: it sends one message and
reads the provider's webhooks. It knows nothing of offers. The channel's domain connects to the
two webhook kinds with `connect()` and receives plain `Inbound` and `StatusUpdate` values; the
webhook views (`workers.sms.webhooks`) check the signature before anything reaches it.

`SMS_URL` picks the adapter by its scheme, see `SCHEMES` and `provider()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from django.http import HttpRequest, HttpResponse

DeliveryState = Literal["queued", "sent", "delivered", "failed"]


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: its id (for status callbacks) and, if it says, segments."""

    provider_id: str
    segments: int | None = None


@dataclass(frozen=True)
class Inbound:
    """A message a phone sent to Lotse's number. `sender` is E.164 (`+4917...`)."""

    provider: str
    provider_id: str
    sender: str
    text: str


@dataclass(frozen=True)
class StatusUpdate:
    """The provider's word on a message it accepted earlier."""

    provider: str
    provider_id: str
    state: DeliveryState
    error: str = ""


class TemporaryFailure(Exception):
    """Try again later: the provider is down, slow, or asks to back off (5xx, 429, timeouts)."""


class PermanentFailure(Exception):
    """Never try this message again: the number or the message was refused for good."""


class Provider(Protocol):
    """One SMS provider, configured from `SMS_URL`."""

    name: str  # the URL part of its webhooks: /sms/<name>/inbound/ and /sms/<name>/status/

    def send(self, *, to: str, body: str, status_url: str | None) -> Accepted:
        """Hand one message to the provider. Raises TemporaryFailure or PermanentFailure."""
        ...

    def verify(self, request: HttpRequest) -> bool:
        """Whether the webhook request carries the provider's valid signature."""
        ...

    def parse_inbound(self, request: HttpRequest) -> Inbound:
        """The inbound message of a verified webhook request (ValueError if malformed)."""
        ...

    def parse_status(self, request: HttpRequest) -> StatusUpdate:
        """The status callback of a verified webhook request (ValueError if malformed)."""
        ...

    def acknowledge(self) -> HttpResponse:
        """What the provider expects back from a webhook that was handled (e.g. empty TwiML)."""
        ...


# scheme of SMS_URL -> "module:factory"; the factory takes the parsed URL (urllib SplitResult).
SCHEMES: dict[str, str] = {}

_inbound: list[Callable[[Inbound], None]] = []
_status: list[Callable[[StatusUpdate], None]] = []


def connect(*, inbound: Callable[[Inbound], None], status: Callable[[StatusUpdate], None]) -> None:
    """The channel's domain registers what to do with webhooks (once, in AppConfig.ready)."""
    _inbound[:] = [inbound]
    _status[:] = [status]


def receive_inbound(message: Inbound) -> None:
    for handler in _inbound:
        handler(message)


def receive_status(update: StatusUpdate) -> None:
    for handler in _status:
        handler(update)
