"""What a volunteer can do with their own profile: pause offers, resume, export, erase.

The pages behind the personal link (`volunteers/views/selfservice.py`) call these functions;
editing the profile goes through `volunteers.profiles.save_profile` like every other writer.

Export (`export_data`) is built from the models' own field lists, so a field or a related table
added later is exported without anyone remembering to add it here. Secrets (token digests) are
never exported: a copy of the export must not open anything.

Erasure (`erase`) keeps an anonymous row for the network's statistics and removes the person:

Kept on the Volunteer row, because the statistics need them and none of them names anyone:
  - `id`: the row itself, so statistics rows that point at it (offers, hours) still add up;
  - `district`: volunteers per city district (the postcode and coordinates are blanked, the
    district is 1 of 12 and says where the network has helpers, not where a person lives);
  - `created_at`, `confirmed_at`: registrations and confirmations per month;
  - `consent_at`: the column is NOT NULL; the value is the moment of registration, which
    `created_at` keeps anyway, so it adds nothing that could single anyone out;
  - `status` (set to inactive) and `erased_at` (the moment of erasure): erased rows are
    recognisable and never matched or mailed again;
  - the spoken languages with their levels and the skills with their levels: which languages
    and skills the network had, the core of the reporting on language mediation.

Removed: every other field of the row is blanked by one generic rule (NULL where the column
allows it, "" for optional text, otherwise the column's default, which carries no information,
and "" for text without one): the
name, email (NULL, so the unique index no longer holds the address), phone, postcode, lat/lon,
`postcode_known` (False), gender, certificate date, pause date, the volunteer's preferences
(distance, phone/video, tasks per month, email language) and the consent text version and
language. The consent record is there to show that *this person* agreed; once nobody can tell
who the person was, it proves nothing and is no longer needed. A field added to the model later
is blanked by the same rule unless someone deliberately adds it to `KEPT`. The weekly
availability, the absences and all personal links are deleted, so an old link is unknown (404).

Before anything is removed, `volunteers.signals.volunteer_erasing` is sent inside the same
transaction, so the requests app can release accepted future offers and tell the office (its
receivers still see the person's data; mail they enqueue must not need it after commit). A
receiver that raises aborts the erasure and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from volunteers import audit
from volunteers.models import PersonalToken, Volunteer
from volunteers.signals import volunteer_erasing

# --- Pause and resume ----------------------------------------------------------------------

# Statuses in which a volunteer may pause or resume: a pending person has not confirmed the
# email yet (resuming would skip the confirmation), an inactive one was taken out of matching.
_CAN_PAUSE = (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED)


def latest_pause_end(*, today: dt.date) -> dt.date:
    """The last day a pause may last until: one year after `today` (28 Feb for a 29 Feb)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _locked(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update().get(pk=volunteer.pk)


def _refuse_unless_pausable(volunteer: Volunteer) -> None:
    if volunteer.erased_at is not None or volunteer.status not in _CAN_PAUSE:
        if volunteer.status == Volunteer.Status.PENDING:
            raise ValidationError(
                _("Please confirm your email address first; the link is in our first email."),
                code="pending",
            )
        raise ValidationError(
            _("Your profile is inactive. Please write to your office to take part again."),
            code="inactive",
        )


@transaction.atomic
def pause(*, volunteer: Volunteer, until: dt.date, today: dt.date | None = None) -> Volunteer:
    """No offers up to and including `until` (today at the earliest, a year ahead at most).

    Pausing again while paused moves the date. Raises ValidationError for a date out of range
    (keyed "until") or for a profile that cannot pause (pending or inactive).
    """
    today = today or timezone.localdate()
    if until < today:
        raise ValidationError({"until": [_("Please choose today or a later day.")]})
    latest = latest_pause_end(today=today)
    if until > latest:
        raise ValidationError(
            {
                "until": [
                    _("You can pause for one year at most, until %(date)s.")
                    % {"date": formats.date_format(latest, "DATE_FORMAT")}
                ]
            }
        )
    row = _locked(volunteer)
    _refuse_unless_pausable(row)
    row.status = Volunteer.Status.PAUSED
    row.paused_until = until
    row.save(update_fields=["status", "paused_until", "updated_at"])
    _record(audit.Event.PAUSED, row, detail=until.isoformat())
    volunteer.status, volunteer.paused_until = row.status, row.paused_until
    return row


def _record(event: str, volunteer: Volunteer, *, detail: str = "") -> None:
    """The volunteer's own action in the audit trail (a staff member's, on their behalf)."""
    audit.record(kind=audit.Kind.VOLUNTEER, event=event, volunteer_id=volunteer.pk, detail=detail)


@transaction.atomic
def resume(*, volunteer: Volunteer) -> Volunteer:
    """Offers again from now on. Resuming an active profile changes nothing."""
    row = _locked(volunteer)
    _refuse_unless_pausable(row)
    if row.status == Volunteer.Status.PAUSED or row.paused_until is not None:
        row.status = Volunteer.Status.ACTIVE
        row.paused_until = None
        row.save(update_fields=["status", "paused_until", "updated_at"])
        _record(audit.Event.RESUMED, row)
    volunteer.status, volunteer.paused_until = row.status, row.paused_until
    return row


def end_elapsed_pauses(*, today: dt.date | None = None) -> int:
    """Pauses whose last day has passed end by themselves: the volunteer is active again.

    One conditional update, so a volunteer who changed the pause meanwhile is not touched.
    """
    today = today or timezone.localdate()
    return audit.update(
        Volunteer.objects.filter(
            status=Volunteer.Status.PAUSED, paused_until__lt=today, erased_at__isnull=True
        ),
        status=Volunteer.Status.ACTIVE,
        paused_until=None,
        updated_at=timezone.now(),
    )


# --- Export --------------------------------------------------------------------------------

# Field names that hold secrets; never exported, whatever model they are on.
_SECRET_FIELD = re.compile(r"digest|secret|password", re.IGNORECASE)

# Friendlier keys for the related sets whose accessor names are implementation details.
_EXPORT_KEYS = {"skill_set": "skills", "tokens": "personal_links"}


def _json_value(value: Any) -> Any:
    """A value as JSON can hold it; dates and times in ISO 8601 (datetimes with offset)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    # Phone numbers (E.164), decimals, UUIDs: their text form is what a person reads.
    return str(value)


def _reference(row: models.Model, field: models.Field) -> Any:
    # A catalogue row (a skill) is named by its code, which means something outside Lotse;
    # any other reference by its id.
    target = getattr(row, field.name)
    if target is None:
        return None
    if any(f.name == "code" and f.unique for f in target._meta.concrete_fields):
        return target.code
    return target.pk


def _fields(row: models.Model, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every concrete field of `row`, by name, except `skip` and secrets."""
    result: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if field.name in skip or _SECRET_FIELD.search(field.name):
            continue
        if field.is_relation:
            result[field.name] = _reference(row, field)
        else:
            result[field.name] = _json_value(field.value_from_object(row))
    return result


def _related_rows(rel: models.ForeignObjectRel, volunteer: Volunteer) -> Any:
    model = rel.related_model
    manager = model._base_manager
    if rel.many_to_many:
        # Rows of other tables that merely list the person (e.g. a request's volunteers) are
        # about something else; the export names them, it does not copy them.
        return list(
            manager.filter(**{rel.field.name: volunteer})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    relations = [
        f.name for f in model._meta.concrete_fields if f.is_relation and f.name != rel.field.name
    ]
    rows = manager.filter(**{rel.field.name: volunteer}).select_related(*relations).order_by("pk")
    exported = [_fields(row, skip=frozenset({rel.field.name})) for row in rows]
    if rel.one_to_one:
        return exported[0] if exported else None
    return exported


def export_data(*, volunteer: Volunteer, at: dt.datetime | None = None) -> dict[str, Any]:
    """Everything stored about `volunteer`, as a JSON-ready dict.

    `volunteer` holds every concrete field of the Volunteer row; each table that points at the
    volunteer adds a list of its rows under its accessor name ("languages", "availability",
    "absences", ...; "skills" and "personal_links" for the skill and token tables). Personal
    links show purpose and dates, never the digest.
    """
    row = Volunteer.objects.get(pk=volunteer.pk)
    _record(audit.Event.DATA_EXPORTED, row)
    data: dict[str, Any] = {
        "format": "lotse-volunteer-export/1",
        "exported_at": _json_value(at or timezone.now()),
        "volunteer": _fields(row),
    }
    for field in Volunteer._meta.many_to_many:
        # An explicit through table (skills → VolunteerSkill) is exported as its own set below.
        if field.remote_field.through._meta.auto_created:
            data[field.name] = [
                _json_value(pk)
                for pk in getattr(row, field.name).order_by("pk").values_list("pk", flat=True)
            ]
    for rel in Volunteer._meta.related_objects:
        key = rel.get_accessor_name() or rel.related_model._meta.label_lower
        data[_EXPORT_KEYS.get(key, key)] = _related_rows(rel, row)
    # Who opened the profile: the staff member's office and the time, not their name.
    data["profile_reads"] = audit.profile_reads(volunteer_id=row.pk)
    return data


# --- Erasure -------------------------------------------------------------------------------

# Fields of the Volunteer row that survive erasure; see the module docstring for why.
KEPT = frozenset(
    {"id", "district", "created_at", "confirmed_at", "consent_at", "updated_at", "erased_at"}
)

# Fields whose erased value is not the generic blank (NULL / "" / default).
ERASED_VALUES: dict[str, Any] = {
    "status": Volunteer.Status.INACTIVE,
    # The default (True) would claim a postcode we no longer have.
    "postcode_known": False,
}


def _erased_value(field: models.Field) -> Any:
    if field.name in ERASED_VALUES:
        return ERASED_VALUES[field.name]
    text = isinstance(field, models.CharField | models.TextField)
    if field.null:
        return None
    if text and field.blank:
        return ""
    # A default (e.g. the email language) satisfies the column's checks where "" would not.
    if field.has_default():
        return field.get_default()
    if text:
        return ""
    raise ImproperlyConfigured(
        f"erase() cannot blank Volunteer.{field.name}: make the column nullable, give it a "
        "default, or list it in KEPT or ERASED_VALUES in volunteers/selfservice.py."
    )


@transaction.atomic
def erase(*, volunteer: Volunteer, at: dt.datetime | None = None) -> Volunteer:
    """Remove the person, keep the anonymous statistics (see the module docstring).

    Erasing an erased volunteer changes nothing and sends no signal.
    """
    at = at or timezone.now()
    row = _locked(volunteer)
    if row.erased_at is not None:
        return row
    # Sent first, while the data are still there; a receiver that raises rolls everything back.
    volunteer_erasing.send(sender=Volunteer, volunteer=row, at=at)
    for field in Volunteer._meta.concrete_fields:
        if field.name not in KEPT:
            setattr(row, field.attname, _erased_value(field))
    row.erased_at = at
    row.save()
    row.availability.all().delete()
    row.absences.all().delete()
    PersonalToken.objects.filter(volunteer=row).delete()
    _record(audit.Event.ERASED, row)
    # Last: every entry about the person, this one included, names a pseudonym from now on.
    audit.pseudonymise(volunteer_id=row.pk)
    volunteer.refresh_from_db()
    return row
