"""A request's life: create, change, cancel, complete; the legal status transitions.

Every caller (API, staff pages, tasks, commands) goes through these functions. A refused change
raises `RequestError` (a 409 or 400 with a message, see `requests/errors.py`) or Django's
ValidationError keyed by field; nothing is half-written. Side effects are announced through
`requests.events`, which runs them only after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests import events
from requests.errors import RequestError
from requests.models import (
    MAX_VOLUNTEERS,
    MIN_VOLUNTEERS,
    AppointmentKind,
    Offer,
    Office,
    Request,
    RequestLanguage,
)
from volunteers import audit, languages, places, profiles
from volunteers.models import Level, Skill
from volunteers.places import BERLIN
from volunteers.translation import active_language

MAX_DURATION = dt.timedelta(hours=12)
# Further ahead nobody can say whether they will be free (and dates stay far from year 9999).
MAX_AHEAD = dt.timedelta(days=366)

# Which status may follow which. Anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    Request.Status.OPEN: frozenset(
        {
            Request.Status.OFFERING,
            Request.Status.FILLED,
            Request.Status.CANCELLED,
            Request.Status.UNFILLED,
        }
    ),
    Request.Status.OFFERING: frozenset(
        {Request.Status.FILLED, Request.Status.CANCELLED, Request.Status.UNFILLED}
    ),
    # A filled request opens again when an accepted volunteer drops out.
    Request.Status.FILLED: frozenset(
        {Request.Status.OFFERING, Request.Status.COMPLETED, Request.Status.CANCELLED}
    ),
    # Staff may still find someone by hand after the automatic search gave up.
    Request.Status.UNFILLED: frozenset(
        {Request.Status.OFFERING, Request.Status.FILLED, Request.Status.CANCELLED}
    ),
    Request.Status.COMPLETED: frozenset(),
    Request.Status.CANCELLED: frozenset(),
}


def sources_of(target: str) -> list[str]:
    return [source for source, targets in TRANSITIONS.items() if target in targets]


def transition(*, request: Request, to: str, **changes: Any) -> bool:
    """Move `request` to status `to` if its current status allows it; one conditional UPDATE.

    Returns False, changing nothing, when another process moved it first or the move is not
    allowed from the stored status.
    """
    moved = audit.update(
        Request.objects.filter(pk=request.pk, status__in=sources_of(to)),
        status=to,
        updated_at=timezone.now(),
        **changes,
    )
    if moved:
        request.status = to
        for field, value in changes.items():
            setattr(request, field, value)
    return bool(moved)


def check_times(starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give the time with its UTC offset, e.g. 2026-11-24T10:00+01:00.")]
    if timezone.is_naive(ends_at):
        errors["ends_at"] = [_("Give the time with its UTC offset, e.g. 2026-11-24T11:30+01:00.")]
    if errors:
        raise ValidationError(errors)
    if starts_at <= now:
        errors["starts_at"] = [_("The appointment must start in the future.")]
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = [_("An appointment can be recorded at most one year ahead.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = [_("An appointment lasts 12 hours at most.")]
    elif ends_at.astimezone(BERLIN).date() != starts_at.astimezone(BERLIN).date():
        # Weekly times, months and reminders are all reckoned by the Berlin calendar day.
        errors["ends_at"] = [
            _(
                "The appointment must end on the day it starts (Berlin time). For a night "
                "appointment, record one request until midnight and one from midnight."
            )
        ]
    if errors:
        raise ValidationError(errors)


# The one task that is between two languages: everything else is done in one language (and
# German, which every registered volunteer speaks), so it asks for one.
INTERPRETING = "interpreting"


def needs_two_languages(skill: Skill | None) -> bool:
    """Whether a task with this skill is between two languages (interpreting)."""
    return skill is not None and skill.code == INTERPRETING


def check_languages(codes: Iterable[str], *, skill: Skill | None = None) -> list[str]:
    """Canonical codes, each once; interpreting needs two different languages.

    `skill` None checks the codes alone (a change that leaves the skill as it is passes the
    request's own skill).
    """
    given = list(codes)
    result: list[str] = []
    errors: list[str] = []
    for raw in given:
        try:
            code = languages.canonical_tag(raw)
        except languages.InvalidLanguage:
            errors.append(_("“%(code)s” is not a language we know.") % {"code": raw})
            continue
        if code not in result:
            result.append(code)
    if errors:
        raise ValidationError({"languages": errors})
    if not result:
        raise ValidationError({"languages": [_("Name at least one language.")]})
    if needs_two_languages(skill) and len(result) < 2:
        if len(given) > 1:
            name = languages.display_name(result[0], active_language())
            message = _(
                "%(name)s and %(name)s is the same language: interpreting needs two different "
                "languages, e.g. Persian and German."
            ) % {"name": name}
        else:
            message = _("Interpreting needs two different languages, e.g. Persian and German.")
        raise ValidationError({"languages": [message]})
    return result


def place_fields(*, remote: bool, postcode: str) -> dict[str, Any]:
    if not postcode:
        if not remote:
            raise ValidationError(
                {"postcode": [_("Give the postcode of the place, or choose phone/video.")]}
            )
        return {"postcode": "", "district": "", "lat": None, "lon": None}
    try:
        fields = profiles.place_fields(postcode)
    except places.InvalidPostcode:
        raise ValidationError(
            {"postcode": [_("Enter a German postcode of five digits, e.g. 44147.")]}
        ) from None
    if not fields.pop("postcode_known"):
        # Nobody can be matched to a place we cannot find: a typo, caught while staff type.
        raise ValidationError(
            {
                "postcode": [
                    _("There is no postcode %(code)s in Germany. Check it, or choose phone/video.")
                    % {"code": fields["postcode"]}
                ]
            }
        )
    return fields


@transaction.atomic
def create_request(
    *,
    office: Office,
    created_by: AbstractBaseUser | None,
    skill: Skill,
    languages: list[str],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    volunteers_needed: int = 1,
    remote: bool = False,
    postcode: str = "",
    address: str = "",
    gender_preference: str = "",
    certificate_required: bool = False,
    note: str = "",
    auto_offer: bool = True,
    min_level: str = "",
    exact_only: bool = False,
    kind: AppointmentKind | None = None,
    connection: str = "",
    now: dt.datetime | None = None,
) -> Request:
    """Record a need. With `auto_offer`, the waves of offers start after commit."""
    now = now or timezone.now()
    check_times(starts_at, ends_at, now=now)
    codes = check_languages(languages, skill=skill)
    check_volunteers_needed(volunteers_needed)
    if gender_preference not in {"", *Request.Gender.values}:
        raise ValidationError({"gender_preference": [_("Choose female, male or diverse.")]})
    check_min_level(min_level)
    request = Request.objects.create(
        office=office,
        created_by=created_by,
        skill=skill,
        starts_at=starts_at,
        ends_at=ends_at,
        volunteers_needed=volunteers_needed,
        remote=remote,
        address=address.strip(),
        gender_preference=gender_preference,
        certificate_required=certificate_required,
        note=note.strip(),
        auto_offer=auto_offer,
        min_level=min_level,
        exact_only=exact_only,
        kind=kind,
        connection=check_connection(connection),
        **place_fields(remote=remote, postcode=postcode),
    )
    RequestLanguage.objects.bulk_create(
        RequestLanguage(request=request, code=code, position=i) for i, code in enumerate(codes)
    )
    events.publish("request_created", request_id=request.pk)
    return request


def check_kind(code: str) -> AppointmentKind | None:
    """The active kind of appointment with this code; None for ""; ValidationError otherwise."""
    code = (code or "").strip()
    if not code:
        return None
    kind = AppointmentKind.objects.filter(code=code, is_active=True).first()
    if kind is None:
        raise ValidationError(
            {
                "kind": [
                    _("“%(code)s” is not a kind of appointment in the catalogue.") % {"code": code}
                ]
            }
        )
    return kind


def check_connection(text: str) -> str:
    """How to join a phone or video appointment: one line of at most 300 characters."""
    text = " ".join((text or "").split())
    if len(text) > 300:
        raise ValidationError({"connection": [_("At most 300 characters.")]})
    return text


def check_volunteers_needed(needed: int) -> None:
    """A request asks for MIN_VOLUNTEERS to MAX_VOLUNTEERS people (`requests.models`)."""
    if not MIN_VOLUNTEERS <= needed <= MAX_VOLUNTEERS:
        raise ValidationError({"volunteers_needed": [_("Between 1 and 20 volunteers.")]})


def check_min_level(level: str) -> None:
    if level not in {"", *Level.values}:
        raise ValidationError(
            {"min_level": [_("Choose a level from A1 to C2, or native, or leave it empty.")]}
        )


# What staff may change. All but _DERIVED are stored as given (after the checks).
EDITABLE = frozenset(
    {
        "min_level",
        "exact_only",
        "address",
        "note",
        "gender_preference",
        "certificate_required",
        "auto_offer",
        "volunteers_needed",
        "starts_at",
        "ends_at",
        "remote",
        "postcode",
        "languages",
        "kind",
        "connection",
    }
)


_DERIVED = frozenset({"postcode", "languages", "kind", "connection"})


@transaction.atomic
def update_request(
    *, request: Request, data: Mapping[str, Any], now: dt.datetime | None = None
) -> Request:
    """Change a request that is still open, offering or unfilled.

    Time, place and languages can change only while nobody has accepted: an accepted volunteer
    agreed to what was asked. `volunteers_needed` cannot drop below the places already taken.
    """
    now = now or timezone.now()
    locked = Request.objects.select_for_update().get(pk=request.pk)
    unknown = set(data) - EDITABLE
    assert not unknown, f"not editable: {sorted(unknown)}"  # noqa: S101 - serializer bug
    if locked.status not in Request.GOING_AHEAD:
        raise RequestError("closed", _("This request is closed and can no longer be changed."))
    binding = {"starts_at", "ends_at", "remote", "postcode", "languages"} & set(data)
    if binding and locked.accepted_count:
        raise RequestError(
            "accepted",
            _(
                "Volunteers have already accepted; cancel and create a new request to change "
                "time, place or languages."
            ),
        )
    if "starts_at" in data or "ends_at" in data:
        starts_at = data.get("starts_at", locked.starts_at)
        check_times(starts_at, data.get("ends_at", locked.ends_at), now=now)
    if "volunteers_needed" in data:
        needed = data["volunteers_needed"]
        check_volunteers_needed(needed)
        if needed < locked.accepted_count:
            raise ValidationError(
                {
                    "volunteers_needed": [
                        _("%(n)d volunteers have accepted already; cancel one first.")
                        % {"n": locked.accepted_count}
                    ]
                }
            )
    if "remote" in data or "postcode" in data:
        fields = place_fields(
            remote=data.get("remote", locked.remote), postcode=data.get("postcode", locked.postcode)
        )
        for field, value in fields.items():
            setattr(locked, field, value)
    if "min_level" in data:
        check_min_level(data["min_level"])
    if "kind" in data:
        kind = data["kind"]
        if kind is not None and not isinstance(kind, AppointmentKind):
            kind = check_kind(kind)
        locked.kind = kind
    if "connection" in data:
        locked.connection = check_connection(data["connection"])
    for field in EDITABLE - _DERIVED:
        if field in data:
            setattr(
                locked, field, data[field].strip() if isinstance(data[field], str) else data[field]
            )
    if "languages" in data:
        codes = check_languages(data["languages"], skill=locked.skill)
        locked.languages.all().delete()
        RequestLanguage.objects.bulk_create(
            RequestLanguage(request=locked, code=code, position=i) for i, code in enumerate(codes)
        )
    # Places added to a filled request: it looks for someone again.
    if locked.status == Request.Status.FILLED and locked.places_free:
        locked.status = Request.Status.OFFERING
        locked.filled_at = None
    if "starts_at" in data:
        # Offer links expire when the appointment starts; it moved, so their expiry moves too.
        locked.offers.filter(token_digest__isnull=False).update(token_expires_at=locked.starts_at)
    locked.save()
    # Places lowered to those taken: filled, as by the last accept.
    if locked.status in Request.TAKES_OFFERS and not locked.places_free:
        mark_filled(request=locked, now=now)
    return locked


@transaction.atomic
def cancel_request(*, request: Request, now: dt.datetime | None = None) -> Request:
    """Cancel: open offers are withdrawn, accepted volunteers get a cancellation."""
    now = now or timezone.now()
    locked = Request.objects.select_for_update().get(pk=request.pk)
    cancelled = transition(
        request=locked, to=Request.Status.CANCELLED, closed_at=now, next_wave_at=None
    )
    if not cancelled:
        raise RequestError("closed", _("This request is already closed."))
    accepted = list(locked.offers.filter(status=Offer.Status.ACCEPTED).values_list("pk", flat=True))
    withdrawn = _withdraw_open_offers(locked, now=now)
    events.publish("request_cancelled", request_id=locked.pk, offer_ids=accepted)
    if withdrawn:
        events.publish("offers_withdrawn", offer_ids=withdrawn)
    return locked


@transaction.atomic
def complete_request(
    *, request: Request, hours: Mapping[int, Decimal], now: dt.datetime | None = None
) -> Request:
    """Mark a filled request done, with the hours each accepted volunteer worked.

    `hours` maps volunteer id → hours; every accepted volunteer needs an entry (0 is allowed:
    someone who did not come). Possible once the appointment has started.
    """
    now = now or timezone.now()
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if locked.status != Request.Status.FILLED:
        raise RequestError("not_filled", _("Only a filled request can be completed."))
    if locked.starts_at > now:
        raise RequestError("not_started", _("The appointment has not started yet."))
    accepted = {o.volunteer_id: o for o in locked.offers.filter(status=Offer.Status.ACCEPTED)}
    missing = sorted(set(accepted) - set(hours))
    extra = sorted(set(hours) - set(accepted))
    errors: list[str] = []
    if missing:
        errors.append(
            _("Give the hours of every volunteer who accepted: %(ids)s.")
            % {"ids": ", ".join(map(str, missing))}
        )
    if extra:
        errors.append(
            _("These volunteers did not accept this request: %(ids)s.")
            % {"ids": ", ".join(map(str, extra))}
        )
    for volunteer_id, value in hours.items():
        if not Decimal(0) <= Decimal(value) <= Decimal(24):
            errors.append(
                _("Hours must be between 0 and 24 (volunteer %(id)s).") % {"id": volunteer_id}
            )
    if errors:
        raise ValidationError({"hours": errors})
    for volunteer_id, offer in accepted.items():
        offer.hours = Decimal(hours[volunteer_id])
        offer.save(update_fields=["hours"])
    transition(request=locked, to=Request.Status.COMPLETED, closed_at=now)
    events.publish("request_completed", request_id=locked.pk)
    return locked


def request_next_wave(*, request: Request) -> None:
    """Staff want more offers now; the workers plan and send the next wave."""
    if request.status not in Request.TAKES_OFFERS:
        raise RequestError("closed", _("This request takes no more offers."))
    events.publish("waves_requested", request_id=request.pk)


def mark_filled(*, request: Request, now: dt.datetime) -> bool:
    """Every place is taken (by the last accept, or by staff lowering the places needed): no
    next wave, and a request the search had given up on is open no more. The offers still open
    are withdrawn (their volunteers hear the place is taken) and the office is told.

    The caller holds the request's row lock. Returns False if the status does not allow it.
    """
    if not transition(
        request=request,
        to=Request.Status.FILLED,
        filled_at=now,
        closed_at=None,
        next_wave_at=None,
    ):
        return False
    withdrawn = _withdraw_open_offers(request, now=now)
    events.publish("request_filled", request_id=request.pk)
    if withdrawn:
        events.publish("offers_withdrawn", offer_ids=withdrawn)
    return True


def mark_unfilled(*, request: Request, now: dt.datetime | None = None) -> bool:
    """Nobody is left to ask: the automatic search gives up and the office is told.

    Offers already out stay open (a late accept still fills the request), and staff may still
    find someone by hand. Returns False if the request's status does not allow it (filled,
    cancelled, or unfilled already).
    """
    now = now or timezone.now()
    if not transition(
        request=request, to=Request.Status.UNFILLED, closed_at=now, next_wave_at=None
    ):
        return False
    events.publish("request_unfilled", request_id=request.pk)
    return True


def _withdraw_open_offers(request: Request, *, now: dt.datetime) -> list[int]:
    ids = list(request.offers.filter(status__in=Offer.OPEN).values_list("pk", flat=True))
    if ids:
        audit.update(
            Offer.objects.filter(pk__in=ids, status__in=Offer.OPEN),
            status=Offer.Status.WITHDRAWN,
            responded_at=now,
        )
    return ids


@transaction.atomic
def record_offer_problem(*, request_id: int, problem: str, now: dt.datetime | None = None) -> bool:
    """The automatic offers could not go out: say why on the request, and tell the office.

    The office hears of it once per request (the notice's key); the request shows the latest
    reason until a wave goes out. Returns False if the request no longer takes offers.
    """
    now = now or timezone.now()
    problem = problem[: Request._meta.get_field("offer_problem").max_length]
    changed = Request.objects.filter(
        pk=request_id,
        status__in=Request.TAKES_OFFERS,
    ).update(offer_problem=problem, offer_problem_at=now)
    if changed:
        events.publish("offering_stalled", request_id=request_id)
    return bool(changed)


def clear_offer_problem(*, request: Request) -> None:
    """A wave went out after all: the request no longer shows the old problem."""
    if request.offer_problem:
        Request.objects.filter(pk=request.pk).update(offer_problem="", offer_problem_at=None)
        request.offer_problem, request.offer_problem_at = "", None
