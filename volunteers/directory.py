"""The staff directory of volunteers: what staff may see, how it is filtered, what staff may change.

Volunteers belong to the whole network, not to one office, so the directory is never scoped by
office: every member of staff sees every (not erased) volunteer.

Every filter here runs in the database. Conditions on the related rows (languages, skills, slots,
absences) are `Exists` subqueries rather than joins, so a volunteer appears once however many rows
match, and pagination counts people, not rows.

Times: availability slots and absences are Europe/Berlin wall-clock times and dates, so an instant
is turned into Berlin's local date, weekday and time (with zoneinfo, which knows the DST switches)
before it is compared with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from volunteers import places, profiles
from volunteers.models import (
    Absence,
    AvailabilitySlot,
    Level,
    SpokenLanguage,
    Volunteer,
    VolunteerQuerySet,
    VolunteerSkill,
)

# Staff may switch a person on, pause them or switch them off. "pending" is never set by hand:
# it means "has not confirmed the email address yet", which only the person can change.
STAFF_STATUSES = (
    Volunteer.Status.ACTIVE,
    Volunteer.Status.PAUSED,
    Volunteer.Status.INACTIVE,
)
# Offers go to active (and, after a pause, again to paused) people only; both need an address the
# person has confirmed (double opt-in), so staff cannot put an unconfirmed person into either.
NEEDS_CONFIRMED_EMAIL = (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED)


# Staff see every address anyway, so saying that one is taken reveals nothing to them.
EMAIL_TAKEN = gettext_lazy("Another volunteer is registered with this email address.")


def directory_queryset() -> VolunteerQuerySet:
    """Not erased volunteers, with everything `VolunteerSerializer` shows loaded up front.

    Four prefetch queries, whatever the number of volunteers on the page.
    """
    return (
        Volunteer.objects.not_erased()
        .prefetch_related(
            Prefetch("languages", queryset=SpokenLanguage.objects.order_by("code")),
            # select_related loads skill_set__skill in the same query as skill_set.
            Prefetch(
                "skill_set",
                queryset=VolunteerSkill.objects.select_related("skill").order_by(
                    "skill__position", "skill__code"
                ),
            ),
            Prefetch(
                "availability", queryset=AvailabilitySlot.objects.order_by("weekday", "start")
            ),
            Prefetch("absences", queryset=Absence.objects.order_by("start", "end")),
        )
        .order_by("name", "pk")
    )


# --- Filters ------------------------------------------------------------------------------


def speaking(
    volunteers: VolunteerQuerySet, *, code: str, min_level: str | None = None
) -> VolunteerQuerySet:
    """Volunteers who speak the language `code` (canonical), at `min_level` or better if given."""
    spoken = SpokenLanguage.objects.filter(volunteer=OuterRef("pk"), code=code)
    if min_level is not None:
        spoken = spoken.filter(level__in=Level.at_least(min_level))
    return volunteers.filter(Exists(spoken))


def offering(volunteers: VolunteerQuerySet, *, skill_code: str) -> VolunteerQuerySet:
    """Volunteers who offer the catalogue skill `skill_code`."""
    return volunteers.filter(
        Exists(VolunteerSkill.objects.filter(volunteer=OuterRef("pk"), skill__code=skill_code))
    )


def matching_text(volunteers: VolunteerQuerySet, *, text: str) -> VolunteerQuerySet:
    """Volunteers whose name or email contains `text`, ignoring case."""
    text = text.strip()
    if not text:
        return volunteers
    return volunteers.filter(Q(name__icontains=text) | Q(email__icontains=text))


def _not_paused_on(day: dt.date) -> Q:
    # Mirrors Volunteer.is_paused_on: paused through `paused_until`, inclusive.
    return Q(paused_until__isnull=True) | Q(paused_until__lt=day)


def active_on(volunteers: VolunteerQuerySet, *, day: dt.date) -> VolunteerQuerySet:
    """Volunteers with status active and no pause running on `day` (a Berlin date)."""
    return volunteers.filter(_not_paused_on(day), status=Volunteer.Status.ACTIVE)


def not_active_on(volunteers: VolunteerQuerySet, *, day: dt.date) -> VolunteerQuerySet:
    """The complement of `active_on`: pending, paused, inactive, or paused on `day`."""
    return volunteers.exclude(_not_paused_on(day), status=Volunteer.Status.ACTIVE)


def local_today(*, now: dt.datetime | None = None) -> dt.date:
    """Today's date in Berlin (the date pauses and absences are counted in)."""
    return local_moment(now or timezone.now()).date()


def local_moment(at: dt.datetime) -> dt.datetime:
    """`at` (timezone-aware) as Berlin wall-clock time; refuses a naive datetime."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("A naive datetime has no place in time; give it an offset.")
    return at.astimezone(places.BERLIN)


def available_at(volunteers: VolunteerQuerySet, *, at: dt.datetime) -> VolunteerQuerySet:
    """Volunteers free at the instant `at`: active, not paused or absent that Berlin day, and
    with a weekly slot on that weekday with start <= Berlin time < end."""
    local = local_moment(at)
    day, time = local.date(), local.time().replace(tzinfo=None)
    slot = AvailabilitySlot.objects.filter(
        volunteer=OuterRef("pk"), weekday=local.weekday(), start__lte=time, end__gt=time
    )
    absence = Absence.objects.filter(volunteer=OuterRef("pk"), start__lte=day, end__gte=day)
    return active_on(volunteers, day=day).filter(Exists(slot), ~Exists(absence))


# --- Changes by staff ---------------------------------------------------------------------


def _check_staff_fields(
    *, volunteer: Volunteer, data: Mapping[str, Any], today: dt.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "status" in data and data["status"] != volunteer.status:
        status = data["status"]
        if status not in STAFF_STATUSES:
            errors["status"] = [
                _(
                    "Staff can set the status to active, paused or inactive only; a person is "
                    "“waiting for email confirmation” until they confirm."
                )
            ]
        elif status in NEEDS_CONFIRMED_EMAIL and volunteer.confirmed_at is None:
            errors["status"] = [
                _(
                    "This person has not confirmed their email address yet; only their "
                    "confirmation link can make them active."
                )
            ]
    paused_until = data.get("paused_until")
    if paused_until is not None and paused_until < today:
        errors["paused_until"] = [
            _("This date is in the past; leave the field empty to end the pause.")
        ]
    if data.get("email") and _email_taken(email=data["email"], other_than=volunteer.pk):
        errors["email"] = [str(EMAIL_TAKEN)]
    return errors


@transaction.atomic
def update_volunteer(*, volunteer: Volunteer, data: Mapping[str, Any]) -> Volunteer:
    """Apply a staff change: profile fields through `profiles.save_profile`, plus `status` and
    `paused_until`. Lists given replace the stored ones. All or nothing: a refused change
    (ValidationError keyed by field) leaves the stored volunteer as it was.

    Returns the volunteer as `directory_queryset` loads it. Raises Volunteer.DoesNotExist if the
    person was erased in the meantime: an erased person's data are never written back.
    """
    # The row lock serialises two staff members (or staff and the person) changing the same
    # profile: each replacement of the lists then sees the other's finished work.
    locked = Volunteer.objects.not_erased().select_for_update().get(pk=volunteer.pk)
    errors = _check_staff_fields(volunteer=locked, data=data, today=local_today())
    if errors:
        raise ValidationError(errors)
    if "status" in data:
        locked.status = data["status"]
    if "paused_until" in data:
        locked.paused_until = data["paused_until"]
    profile = {key: value for key, value in data.items() if key not in {"status", "paused_until"}}
    try:
        # A savepoint: a parallel registration taking the same address fails here, not later.
        with transaction.atomic():
            profiles.save_profile(volunteer=locked, data=profile)
    except IntegrityError:
        if "email" in data and _email_taken(email=data["email"], other_than=locked.pk):
            raise ValidationError({"email": [str(EMAIL_TAKEN)]}) from None
        raise
    return directory_queryset().get(pk=locked.pk)


def _email_taken(*, email: str, other_than: int) -> bool:
    return Volunteer.objects.filter(email__iexact=email.strip()).exclude(pk=other_than).exists()
