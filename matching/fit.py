"""How one volunteer fits one request, for offers made by hand (`requests.fitting`).

The rule has one home: the conditions are those of `eligibility.steps` (taken one by one, so
that each failing one can be named) and `eligibility.within_reach`, evaluated on the one
person's row in ONE query, together with the stated slot that sets the tier. What rules the
person out of the ranking is a hard mismatch; what only puts them in a lower tier (outside
their stated times, beyond their travel limit) and their own monthly limit are soft: staff may
ask anyway once they confirm. Not asked before is not checked here: `offers.offer_by_hand`
refuses a second offer itself.

`fitting_ids` answers the profile's request picker: of up to a few dozen open requests, those
the person fits, in one query on that person's row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from django.db.models import BooleanField, Exists, Expression, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from matching import eligibility, features
from matching.eligibility import Appointment
from matching.reasons import Wording
from requests.fitting import Fit, Mismatch
from requests.models import Request
from volunteers import languages, places
from volunteers.models import AvailabilitySlot, Volunteer
from volunteers.translation import active_language


@dataclasses.dataclass(frozen=True)
class Check:
    """One condition on the volunteer's row; `key` names it for staff."""

    key: str
    condition: eligibility.Condition
    # A language of the request, for LANGUAGES.
    code: str = ""


def _checks(appointment: Appointment) -> list[Check]:
    """The hard constraints of `eligibility.steps`, each condition on its own.

    Without match keys (one row: nothing to narrow), LANGUAGES is one condition per needed
    language, in the request's order; WANTED is the certificate, then the gender (each only if
    asked); FREE is "no overlapping task", then "under the monthly cap". TIME and in-person
    REACH are left to `_reach` (they set the tier, and are soft by hand).
    """
    found: list[Check] = []
    for step in eligibility.steps(appointment, use_match_keys=False):
        if step.key == eligibility.LANGUAGES:
            found += [
                Check(step.key, condition, code)
                for condition, code in zip(step.conditions, appointment.languages, strict=True)
            ]
        elif step.key == eligibility.WANTED:
            keys = [
                key
                for key, asked in (
                    ("certificate", appointment.certificate_required),
                    ("gender", bool(appointment.gender)),
                )
                if asked
            ]
            found += [Check(key, c) for key, c in zip(keys, step.conditions, strict=True)]
        elif step.key == eligibility.FREE:
            busy, cap = step.conditions
            found += [Check("overlap", busy), Check("monthly_cap", cap)]
        elif step.key in {eligibility.TIME, eligibility.NOT_ASKED}:
            continue
        else:
            found += [Check(step.key, condition) for condition in step.conditions]
    return found


def _reach(appointment: Appointment) -> dict[str, Expression]:
    """Whether a stated slot covers the appointment, whether any slot is stated, and (in person,
    with a known place) whether the person lives within their own travel limit."""
    found: dict[str, Expression] = {
        "covering": Exists(eligibility.covering_slot(appointment)),
        "has_times": Exists(AvailabilitySlot.objects.filter(volunteer=OuterRef("pk"))),
    }
    if not appointment.remote and appointment.lat is not None and appointment.lon is not None:
        # `within_reach` on the same row, as a subquery: the rule stays where it lives.
        own_limit = dataclasses.replace(appointment, exact_only=True)
        found["within_limit"] = Exists(
            eligibility.within_reach(Volunteer.objects.filter(pk=OuterRef("pk")), own_limit)
        )
    return found


def _boolean(condition: eligibility.Condition) -> Expression:
    return ExpressionWrapper(Q(condition), output_field=BooleanField())


def fit_of(request: Request, volunteer: Volunteer, *, now: dt.datetime | None = None) -> Fit:
    """How `volunteer` fits `request` at `now` (see the module docstring): one query."""
    now = now or timezone.now()
    appointment = eligibility.appointment_of(request)
    if eligibility.unmatchable(appointment, now=now) == eligibility.STARTED:
        return Fit(hard=(Mismatch("started", _("the appointment has already started")),))
    checks = _checks(appointment)
    reach = _reach(appointment)
    values = (
        Volunteer.objects.filter(pk=volunteer.pk)
        .annotate(
            **{f"c{i}": _boolean(check.condition) for i, check in enumerate(checks)},
            **{name: _boolean(expression) for name, expression in reach.items()},
        )
        .values(*(f"c{i}" for i in range(len(checks))), *reach)
        .get()
    )
    hard: list[Mismatch] = []
    soft: list[Mismatch] = []
    # Someone not active at all is refused by `offers.offer_by_hand` itself (409 not_active).
    if volunteer.is_paused_on(appointment.local_start.date()):
        hard.append(Mismatch("paused", _("has paused offers on that day")))
    for i, check in enumerate(checks):
        if not values[f"c{i}"]:
            found = _mismatch(check, appointment, request)
            (soft if check.key == "monthly_cap" else hard).append(found)
    tier = _tier_and_soft(values, appointment, volunteer, soft)
    return Fit(hard=tuple(hard), soft=tuple(soft), tier=None if hard else tier)


def fitting_ids(
    requests: Sequence[Request], volunteer: Volunteer, *, now: dt.datetime | None = None
) -> set[int]:
    """The ids of the `requests` that `volunteer` fits (no hard mismatch): one query."""
    now = now or timezone.now()
    if volunteer.status != Volunteer.Status.ACTIVE or volunteer.erased_at is not None:
        return set()
    conditions: dict[str, Expression] = {}
    for request in requests:
        appointment = eligibility.appointment_of(request)
        if eligibility.unmatchable(appointment, now=now) == eligibility.STARTED:
            continue
        if volunteer.is_paused_on(appointment.local_start.date()):
            continue
        hard = [c.condition for c in _checks(appointment) if c.key != "monthly_cap"]
        conditions[f"r{request.pk}"] = ExpressionWrapper(Q(*hard), output_field=BooleanField())
    if not conditions:
        return set()
    values = (
        Volunteer.objects.filter(pk=volunteer.pk).annotate(**conditions).values(*conditions).get()
    )
    return {int(name[1:]) for name, fits in values.items() if fits}


def _mismatch(check: Check, appointment: Appointment, request: Request) -> Mismatch:
    """The reason, in the active language, that `check` fails."""
    if check.key == eligibility.LANGUAGES:
        name = languages.display_name(check.code, active_language())
        values = {"language": name, "level": appointment.min_level}
        if len(appointment.acceptable()[appointment.languages.index(check.code)]) > 1:
            text = _("does not speak %(language)s (or a close language) at %(level)s or better")
        else:
            text = _("does not speak %(language)s at %(level)s or better")
        return Mismatch(f"language:{check.code}", text % values)
    if check.key == eligibility.SKILL:
        return Mismatch(check.key, _("does not offer %(skill)s") % {"skill": request.skill.name})
    if check.key == eligibility.ACTIVE:
        return Mismatch("absent", _("is away that day"))
    if check.key == eligibility.REACH:
        return Mismatch("remote", _("does not help by phone or video"))
    if check.key == "certificate":
        return Mismatch(check.key, _("has no certificate of conduct valid that day"))
    if check.key == "gender":
        label = Volunteer.Gender(appointment.gender).label
        return Mismatch(
            check.key, _("is not of the gender asked for (%(gender)s)") % {"gender": label}
        )
    if check.key == "overlap":
        return Mismatch(check.key, _("has another task at that time"))
    return Mismatch(check.key, _("has reached their own limit of tasks that month"))


def _tier_and_soft(
    values: Mapping[str, object],
    appointment: Appointment,
    volunteer: Volunteer,
    soft: list[Mismatch],
) -> int:
    """The tier the ranking would give the person (as `features.tiers` does: beyond the limit
    first, then in their times or not), adding to `soft` what staff should confirm. Stating no
    times at all is no mismatch: such people are flexible by their own choice."""
    wording = Wording()
    tier = features.EXACT
    if not values["covering"]:
        tier = features.OUTSIDE_TIMES
        if values["has_times"]:
            # Someone who asked to be offered tasks only at their times is told so plainly.
            strict = _("outside the only times they want to be asked")
            reason = strict if volunteer.only_at_stated_times else wording.outside_times
            soft.append(Mismatch("outside_times", reason))
    if "within_limit" in values:
        if volunteer.lat is None or volunteer.lon is None:
            soft.append(Mismatch("beyond_limit", _("no known place, so the distance is unknown")))
            tier = features.BEYOND_LIMIT
        elif not values["within_limit"]:
            tier = features.BEYOND_LIMIT
            km = places.distance_km(
                places.Point(volunteer.lat, volunteer.lon),
                places.Point(appointment.lat, appointment.lon),  # type: ignore[arg-type]
            )
            soft.append(Mismatch("beyond_limit", wording.beyond(km - volunteer.max_distance_km)))
    return tier
