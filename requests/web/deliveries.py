"""How each offer reached its volunteer, for the request page: channel, delivery state, replies.

The records of messages (email notices, the SMS outbox and the replies) belong to the workers
app, above this one; it registers the function that reads them (`register`), as the audit trail
lets apps register their scopes. Without it the page shows the offers alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from requests.models import Offer


@dataclass(frozen=True)
class Reply:
    received_at: dt.datetime
    text: str
    outcome: str


@dataclass(frozen=True)
class Delivery:
    channel: str  # e.g. "SMS", "email and SMS", shown as is
    state: str  # e.g. "delivered"; empty when there is nothing to say
    state_code: str  # queued, sent, delivered, failed, dropped: for styling and tests
    replies: list[Reply] = field(default_factory=list)


Reader = Callable[[Sequence[Offer]], dict[int, Delivery]]
_readers: list[Reader] = []


def register(reader: Reader) -> None:
    _readers[:] = [reader]


def of(offers: Sequence[Offer]) -> dict[int, Delivery]:
    """Offer id → how it went out; offers that went by email alone may be missing."""
    return _readers[0](offers) if _readers and offers else {}
