"""Registration with double opt-in, confirming the email address, and "send me my link again".

A new address becomes a `pending` volunteer and gets a confirmation link; only the POST behind
that link makes the person `active`. Whoever types an address that is already registered gets
the same answer as a newcomer: the owner of the address gets an email with their personal
link, the person typing learns nothing about who is registered. Unconfirmed registrations are
deleted after `CONFIRM_WITHIN`.

Emails are composed here (`link_email`) and sent by `volunteers.tasks.send_personal_link`,
enqueued only once the transaction that decided to send them has committed.

Nobody can make Lotse mail a stranger more than a few times: links sent because someone typed an
address are capped per person and hour, and per recipient mailbox and day whoever asks
(`may_send`). "Send me my link again" does the same work for every address, known or not: it
enqueues one task that looks the address up, so neither the answer nor its timing tells
whether someone is registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from volunteers import audit, consent, profiles, tasks, tokens
from volunteers.models import PersonalToken, Volunteer
from volunteers.translation import is_bidi, volunteer_languages

# A registration nobody confirms within this time is deleted with everything it stored.
CONFIRM_WITHIN = dt.timedelta(days=7)
# Expired personal links are kept a while so that a late click says "expired", not "unknown".
KEEP_EXPIRED_TOKENS = dt.timedelta(days=30)

CONFIRM = PersonalToken.Purpose.CONFIRM.value
MANAGE = PersonalToken.Purpose.MANAGE.value

# Links sent because someone typed an address (a duplicate registration, "send me my link
# again") are capped per person: whoever knows an address must not flood its inbox.
TYPED_LINKS_PER_HOUR = 3

# Why a personal link is sent; chooses the wording of the email.
REGISTERED = "registered"  # a new registration: please confirm
DUPLICATE = "duplicate"  # someone registered again with a known address
REQUESTED = "requested"  # "send me my link again"
WELCOME = "welcome"  # the address was just confirmed
OCCASIONS = (REGISTERED, DUPLICATE, REQUESTED, WELCOME)

# The emails, by kind; the templates are volunteers/email/<kind>.txt and .html.
SUBJECTS = {
    "confirm": _("Lotse: Please confirm your email address"),
    "welcome": _("Lotse: Welcome – your personal link"),
    "already_registered": _("Lotse: You are already registered"),
    "link": _("Lotse: Your personal link"),
}


class AlreadyConfirmed(Exception):
    """The confirmation link belongs to a volunteer who has confirmed already: nothing to do."""

    def __init__(self, volunteer: Volunteer) -> None:
        super().__init__(f"volunteer {volunteer.pk} has already confirmed the email address")
        self.volunteer = volunteer


def register(*, data: Mapping[str, Any], language: str) -> None:
    """Register a new volunteer, or send the owner of a known address their link.

    `data` is `RegistrationSerializer.validated_data`; `language` ("de" or "en") is the one the
    consent text was shown in, and the email language unless `data` names one. The caller's
    answer must not depend on which of the two happened.
    """
    if language not in volunteer_languages():
        raise ValueError(f"language must be one of {volunteer_languages()}, not {language!r}")
    email = data["email"].strip()
    existing = _registered(email)
    if existing is None:
        try:
            # A savepoint: if a parallel registration of the same address commits first, the
            # unique index on Lower(email) refuses this row and the transaction stays usable.
            with transaction.atomic():
                volunteer = _create_pending(data=data, language=language)
                audit.record(
                    kind=audit.Kind.VOLUNTEER,
                    event=audit.Event.CONSENTED,
                    volunteer_id=volunteer.pk,
                    detail=f"{volunteer.consent_version} ({volunteer.consent_language})",
                )
                _enqueue_link(volunteer.pk, CONFIRM, REGISTERED)
            return
        except IntegrityError:
            existing = _registered(email)
            if existing is None:  # refused for another reason: not ours to hide
                raise
    _enqueue_link(existing.pk, _purpose_for(existing), DUPLICATE)


def pending_confirmation(*, raw_token: str) -> Volunteer:
    """The volunteer a confirmation link would activate. Changes nothing (a GET may call it).

    Raises `AlreadyConfirmed` or `tokens.InvalidToken`.
    """
    try:
        token = tokens.resolve(raw_token, purpose=CONFIRM)
    except tokens.InvalidToken as exc:
        _raise_if_confirmed(raw_token, exc)
        raise
    if token.volunteer.status != Volunteer.Status.PENDING:
        raise AlreadyConfirmed(token.volunteer)
    return token.volunteer


def confirm(*, raw_token: str, now: dt.datetime | None = None) -> Volunteer:
    """Activate the pending volunteer behind a confirmation link and send the welcome email.

    Raises `AlreadyConfirmed` (nothing changes) or `tokens.InvalidToken`.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            token = tokens.use_once(raw_token, purpose=CONFIRM, now=now)
            # Only from pending: a second link of the same person, or a parallel click, finds
            # the volunteer active already and changes nothing (the token use rolls back too).
            activated = audit.update(
                Volunteer.objects.filter(
                    pk=token.volunteer_id, status=Volunteer.Status.PENDING, erased_at__isnull=True
                ),
                status=Volunteer.Status.ACTIVE,
                confirmed_at=now,
                updated_at=now,
            )
            if not activated:
                raise AlreadyConfirmed(token.volunteer)
            _enqueue_link(token.volunteer_id, MANAGE, WELCOME)
            profiles.ask_to_confirm_phone(Volunteer.objects.get(pk=token.volunteer_id))
    except tokens.InvalidToken as exc:
        _raise_if_confirmed(raw_token, exc)
        raise
    volunteer = token.volunteer
    volunteer.refresh_from_db()
    return volunteer


def send_link_again(*, email: str) -> None:
    """ "Send me my link again": enqueue the task that answers it, whatever the address.

    No lookup here: known and unknown addresses take exactly the same path through the web
    request (one task enqueued after commit), so its timing tells nothing. The task
    (`volunteers.tasks.send_link_on_request`) calls `link_requested`.
    """
    address = email.strip()
    transaction.on_commit(lambda: tasks.send_link_on_request.delay(address))


def link_requested(*, email: str) -> tuple[int, str] | None:
    """Who gets a link for a "send me my link again" with `email`: (volunteer id, purpose).

    None for an unknown address: nobody is written to. A volunteer who has not confirmed yet
    gets a fresh confirmation link, since a profile link would not activate them.
    """
    volunteer = _registered(email.strip())
    if volunteer is None:
        return None
    return volunteer.pk, _purpose_for(volunteer)


def may_send(*, volunteer: Volunteer, occasion: str, now: dt.datetime | None = None) -> bool:
    """Whether a link for `occasion` may go out now, or the recipient had enough links lately.

    The welcome after confirming is always sent: only the owner of the address can ask for it.
    Every other link was asked for by whoever typed the address, so it counts against
    `LOTSE_LINK_EMAILS_PER_DAY` per recipient mailbox (`mailbox_key`: the same inbox under
    another spelling counts as one), and repeated requests ("already registered", "send me my
    link again") also against `TYPED_LINKS_PER_HOUR` per person. Each sent link left a
    PersonalToken row, so the confirm and profile rows of the last hour are that count. Over
    the cap nothing is sent and nobody is told: the answer to the request was given before.
    """
    if occasion == WELCOME:
        return True
    now = now or timezone.now()
    if occasion in (DUPLICATE, REQUESTED):
        # Links typed addresses asked for; the pause links every task email carries do not count.
        recent = PersonalToken.objects.filter(
            volunteer=volunteer,
            purpose__in=[PersonalToken.Purpose.CONFIRM, PersonalToken.Purpose.MANAGE],
            created_at__gt=now - dt.timedelta(hours=1),
        ).count()
        if recent >= TYPED_LINKS_PER_HOUR:
            return False
    return _count_link_email(mailbox_key(volunteer.email or ""), now=now)


def mailbox_key(email: str) -> str:
    """One key per inbox, however the address is spelled: case, `+tags`, Gmail's dots.

    Only for counting emails; the address itself is stored as typed.
    """
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _count_link_email(mailbox: str, *, now: dt.datetime) -> bool:
    """Count one link email to `mailbox` today (Berlin); False once the day's cap is reached.

    In the shared cache (CACHE_URL, Redis or the database: every worker process counts in
    the same place). Keyed by an HMAC of the address, so the cache holds no address.
    """
    day = timezone.localdate(now).isoformat()
    digest = salted_hmac("lotse.link-emails", mailbox, algorithm="sha256").hexdigest()[:32]
    key = f"link-emails:{digest}:{day}"
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * 24 * 3600)
        count = 1
    return count <= settings.LOTSE_LINK_EMAILS_PER_DAY


def link_email(*, volunteer: Volunteer, purpose: str, occasion: str) -> EmailMultiAlternatives:
    """A new personal link for `volunteer`, in an email in their language, ready to send."""
    if occasion not in OCCASIONS:
        raise ValueError(f"occasion must be one of {OCCASIONS}, not {occasion!r}")
    if purpose == CONFIRM and volunteer.status != Volunteer.Status.PENDING:
        # Confirmed since the email was enqueued: a confirmation link would only say so.
        purpose = MANAGE
    raw = tokens.issue(volunteer=volunteer, purpose=purpose)
    if purpose == CONFIRM:
        kind = "confirm"
        url = settings.SITE_URL + reverse("volunteer-confirm", args=[raw])
    else:
        kind = {WELCOME: "welcome", DUPLICATE: "already_registered"}.get(occasion, "link")
        # The profile pages live in views/selfservice.py; their path is part of the contract.
        url = f"{settings.SITE_URL}/volunteer/{raw}/"
    lifetime = tokens.LIFETIMES[PersonalToken.Purpose(purpose)]
    with translation.override(volunteer.email_language):
        context = {
            "name": volunteer.name,
            "url": url,
            "valid_days": lifetime.days,
            "delete_after_days": CONFIRM_WITHIN.days,
            "link_again_url": settings.SITE_URL + reverse("volunteer-link-again"),
            "language": volunteer.email_language,
            "direction": "rtl" if is_bidi(volunteer.email_language) else "ltr",
        }
        message = EmailMultiAlternatives(
            subject=str(SUBJECTS[kind]),
            body=render_to_string(f"volunteers/email/{kind}.txt", context),
            to=[volunteer.email],
            headers=_headers(),
        )
        message.attach_alternative(
            render_to_string(f"volunteers/email/{kind}.html", context), "text/html"
        )
    return message


def expire_unconfirmed(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete registrations never confirmed in time, and links expired long ago.

    Returns (volunteers deleted, personal links deleted). Nothing of an unconfirmed
    registration is kept: the person never agreed to more than the confirmation email.
    """
    now = now or timezone.now()
    _count, per_model = Volunteer.objects.filter(
        status=Volunteer.Status.PENDING,
        confirmed_at__isnull=True,
        created_at__lt=now - CONFIRM_WITHIN,
    ).delete()
    links, _per_model = PersonalToken.objects.filter(
        expires_at__lt=now - KEEP_EXPIRED_TOKENS
    ).delete()
    return per_model.get(Volunteer._meta.label, 0), links


def _registered(email: str) -> Volunteer | None:
    return Volunteer.objects.not_erased().filter(email__iexact=email).order_by("pk").first()


def _create_pending(*, data: Mapping[str, Any], language: str) -> Volunteer:
    profile = dict(data)
    if not profile.get("email_language"):
        profile["email_language"] = language
    volunteer = Volunteer(
        status=Volunteer.Status.PENDING,
        consent_version=consent.CURRENT_VERSION,
        consent_language=consent.shown_language(language=language),
        consent_at=timezone.now(),
    )
    return profiles.save_profile(volunteer=volunteer, data=profile)


def _purpose_for(volunteer: Volunteer) -> str:
    return CONFIRM if volunteer.status == Volunteer.Status.PENDING else MANAGE


def _enqueue_link(volunteer_id: int, purpose: str, occasion: str) -> None:
    transaction.on_commit(lambda: tasks.send_personal_link.delay(volunteer_id, purpose, occasion))


def _raise_if_confirmed(raw_token: str, exc: tokens.InvalidToken) -> None:
    """Turn "this link is used up" into a friendly "already confirmed" where that is the truth."""
    if exc.reason != "expired":
        return
    # tokens has no public lookup of a used link; its digest is the only way to find the row.
    token = (
        PersonalToken.objects.select_related("volunteer")
        .filter(digest=tokens.digest(raw_token), purpose=CONFIRM)
        .order_by("pk")
        .first()
    )
    if token is None:
        return
    volunteer = token.volunteer
    if volunteer.erased_at is None and volunteer.status != Volunteer.Status.PENDING:
        raise AlreadyConfirmed(volunteer) from exc


def _headers() -> dict[str, str]:
    # Tells auto-responders not to answer. No `List-Unsubscribe`: mail providers fetch that URL,
    # and the only link here is a profile link. These emails go out only when someone asks, so
    # there is no list to leave; the emails about tasks carry the pause-only header.
    return {"Auto-Submitted": "auto-generated"}
