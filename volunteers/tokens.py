"""Personal links: random, unguessable tokens, stored only as a SHA-256 digest.

The raw token exists in exactly two places: the email that carries it and the URL the volunteer
opens. A copy of the database holds digests, which open nothing. Each token has one purpose and
an expiry; a confirmation token works once.

A link can do only what its email is for (least privilege): `confirm` confirms the address;
`pause` (every email about tasks, and its `List-Unsubscribe` header) only pauses offers;
`manage` opens the whole profile, with export and erasure, and is sent only where someone asked
for it (the welcome email, "send me my link again", a repeated registration), with a short
life. A link used for another purpose is refused as `elsewhere`, naming what it is for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from volunteers import audit
from volunteers.models import PersonalToken, Volunteer

LIFETIMES = {
    PersonalToken.Purpose.CONFIRM: dt.timedelta(days=3),
    # Sent only on request and used right away: a week is plenty, a new one is one email away.
    PersonalToken.Purpose.MANAGE: dt.timedelta(days=7),
    # In every email about a task; pausing must work for a while after an email (as the
    # profile link did before, 60 days).
    PersonalToken.Purpose.PAUSE: dt.timedelta(days=60),
}


class InvalidToken(Exception):
    """The link is unknown, for another purpose, used up, or expired."""

    def __init__(self, reason: str, *, purpose: str | None = None) -> None:
        super().__init__(reason)
        # "unknown", "expired", or "elsewhere" (a live person's link for `purpose`, not this
        # page): the page says which.
        self.reason = reason
        self.purpose = purpose


def digest(raw: str) -> str:
    """The stored form of a raw token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(*, volunteer: Volunteer, purpose: str, now: dt.datetime | None = None) -> str:
    """A new raw token for `volunteer`; only its digest is stored."""
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    PersonalToken.objects.create(
        volunteer=volunteer,
        purpose=purpose,
        digest=digest(raw),
        created_at=now,
        expires_at=now + LIFETIMES[PersonalToken.Purpose(purpose)],
    )
    audit.record(
        kind=audit.Kind.SECURITY,
        event=audit.Event.TOKEN_CREATED,
        volunteer_id=volunteer.pk,
        detail=str(purpose),
        at=now,
    )
    return raw


def resolve(raw: str, *, purpose: str, now: dt.datetime | None = None) -> PersonalToken:
    """The live token behind `raw`, or InvalidToken. Never changes anything (GET-safe)."""
    now = now or timezone.now()
    if not raw or len(raw) > 100:
        raise InvalidToken("unknown")
    try:
        token = PersonalToken.objects.select_related("volunteer").get(digest=digest(raw))
    except PersonalToken.DoesNotExist:
        raise InvalidToken("unknown") from None
    if token.volunteer.erased_at is not None:
        raise InvalidToken("unknown")
    if token.purpose != purpose:
        # Before the expiry: whoever holds a pause link and wants the profile needs to learn
        # that this link never opens it, expired or not.
        raise InvalidToken("elsewhere", purpose=token.purpose)
    if token.used_at is not None or token.expires_at <= now:
        audit.record(
            kind=audit.Kind.SECURITY,
            event=audit.Event.TOKEN_EXPIRED,
            volunteer_id=token.volunteer_id,
            detail=token.purpose,
        )
        raise InvalidToken("expired")
    return token


def use_once(raw: str, *, purpose: str, now: dt.datetime | None = None) -> PersonalToken:
    """Resolve and mark used in one conditional write: of two parallel clicks, one wins."""
    now = now or timezone.now()
    token = resolve(raw, purpose=purpose, now=now)
    with transaction.atomic():
        claimed = PersonalToken.objects.filter(pk=token.pk, used_at__isnull=True).update(
            used_at=now
        )
    if not claimed:
        raise InvalidToken("expired")
    token.used_at = now
    return token
