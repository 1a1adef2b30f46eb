"""The audit trail: who saw or changed whose data, when, and through which channel.

Every entry is an `AuditEntry` row. Changes of the registered models (volunteers, offices, staff
memberships, requests, offers) are written by django-auditlog, whose log entry model this is
(`AUDITLOG_LOGENTRY_MODEL`); reads of personal data, volunteers' own actions and security events
are written by `record`. This module lives in the lowest app so that every layer can record; the
apps above register their models and say what an entry about one of their rows concerns
(`register_scope`).

The trail is written, never edited: the database refuses an UPDATE of an entry (the one
exception: erasure replaces the identity of the person with a keyed-hash pseudonym, once, and a
deleted staff account leaves its actor column empty while its name stays), and refuses a DELETE
of an entry younger than the retention (`LOTSE_AUDIT_RETENTION_DAYS`). See the migration
`volunteers/migrations/0019_audit_trail.py` for the triggers (PostgreSQL and SQLite).

What an entry holds is kept small on purpose: a volunteer is named by id (never by name, email
or phone), changed personal values and a request's free text are masked ("•••"): the trail says
*that* a field changed, not what it holds, so it never keeps what retention or erasure removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MASK = "•••"


class Kind(models.TextChoices):
    CHANGE = "change", _("change")
    READ = "read", _("read of personal data")
    VOLUNTEER = "volunteer", _("volunteer's action")
    SECURITY = "security", _("security")


class Channel(models.TextChoices):
    PAGE = "page", _("page")
    API = "api", _("API")
    EMAIL_LINK = "email_link", _("link in an email")
    # A reply by SMS (workers.sms.replies), or a page opened from the short link in an SMS.
    SMS = "sms", _("SMS")
    SYSTEM = "system", _("system (worker)")


class Event(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("changed")
    DELETED = "deleted", _("deleted")
    PROFILE_VIEWED = "profile_viewed", _("opened a volunteer's profile")
    DIRECTORY_SEARCHED = "directory_searched", _("searched the directory")
    VOLUNTEERS_LISTED = "volunteers_listed", _("listed volunteers (API)")
    VOLUNTEER_READ = "volunteer_read", _("read a volunteer (API)")
    TRAIL_EXPORTED = "trail_exported", _("exported the audit trail as CSV")
    OFFER_ACCEPTED = "offer_accepted", _("accepted an offer")
    OFFER_DECLINED = "offer_declined", _("declined an offer")
    OFFER_RELEASED = "offer_released", _("signed off from a task")
    CHECKIN_ANSWERED = "checkin_answered", _("answered a check-in")
    PAUSED = "paused", _("paused offers")
    PHONE_CONFIRMED = "phone_confirmed", _("confirmed the mobile number")
    SMS_STOPPED = "sms_stopped", _("stopped SMS")
    RESUMED = "resumed", _("resumed offers")
    DATA_EXPORTED = "data_exported", _("exported their data")
    ERASED = "erased", _("erased their data")
    CONSENTED = "consented", _("gave consent")
    LOGGED_IN = "logged_in", _("logged in")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOCKED_OUT = "locked_out", _("locked out")
    TOKEN_CREATED = "token_created", _("personal link created")
    TOKEN_EXPIRED = "token_expired", _("expired personal link used")


CHANGE_EVENTS = {0: Event.CREATED, 1: Event.CHANGED, 2: Event.DELETED}


# --- Where an entry comes from: the channel and the signed-in user of this request ---------

_channel: ContextVar[str] = ContextVar("lotse_audit_channel", default=Channel.SYSTEM)
_request: ContextVar[HttpRequest | None] = ContextVar("lotse_audit_request", default=None)

# Paths opened from a link in an email: offers and the personal (profile, pause, confirm) links.
EMAIL_LINK_PREFIXES = ("/offers/", "/volunteer/", "/confirm/", "/unsubscribe/", "/checkin/")


# The short offer link in an SMS (`requests/page_urls.py`).
SMS_LINK_PREFIXES = ("/o/",)


def channel_of(path: str) -> str:
    if path.startswith(SMS_LINK_PREFIXES):
        return Channel.SMS
    if path.startswith("/api/"):
        return Channel.API
    if path.startswith(EMAIL_LINK_PREFIXES):
        return Channel.EMAIL_LINK
    return Channel.PAGE


class AuditContextMiddleware:
    """Remembers, for the entries written while a request is served, its channel and user.

    The user is read when an entry is written, not here: the API authenticates in the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = _channel.set(channel_of(request.path_info))
        current = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _channel.reset(channel)
            _request.reset(current)


@contextmanager
def channel(name: str) -> Iterator[None]:
    """Entries written inside are from `name` (e.g. an SMS reply handler)."""
    token = _channel.set(name)
    try:
        yield
    finally:
        _channel.reset(token)


def current_channel() -> str:
    return _channel.get()


def _current_user() -> Any:
    request = _request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# --- What an entry concerns: each app says it for its models --------------------------------

Scope = dict[str, Any]
_scopes: dict[type[models.Model], Callable[[Any], Scope]] = {}
# The offices a staff user works for: (id of the first, names), set by the app that has them.
_offices_of: list[Callable[[Any], tuple[int | None, str]]] = []


def register_scope(model: type[models.Model], scope: Callable[[Any], Scope]) -> None:
    """`scope(instance)` returns the entry's office_id, request_id, volunteer_id and repr."""
    _scopes[model] = scope


def register_offices_of(offices_of: Callable[[Any], tuple[int | None, str]]) -> None:
    _offices_of[:] = [offices_of]


def staff_offices(user: Any) -> tuple[int | None, str]:
    if user is None or not _offices_of:
        return None, ""
    return _offices_of[0](user)


def mask(value: Any) -> str:
    """AUDITLOG_MASK_CALLABLE: a masked field shows that it changed, not what it holds."""
    return MASK


class AuditEntryManager(LogEntryManager):
    """django-auditlog's manager, filling in Lotse's columns for the changes it logs."""

    def _lotse_fields(self, instance: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        scope = _scopes.get(instance._meta.concrete_model, lambda _i: {})(instance)
        user = _current_user()
        kwargs.setdefault("kind", Kind.CHANGE)
        kwargs.setdefault("event", CHANGE_EVENTS.get(kwargs.get("action", 1), Event.CHANGED))
        kwargs.setdefault("channel", current_channel())
        if user is not None:
            kwargs.setdefault("actor", user)
            kwargs.setdefault("actor_name", user.get_username())
        for key in ("office_id", "request_id", "volunteer_id"):
            kwargs.setdefault(key, scope.get(key))
        if "repr" in scope:
            kwargs.setdefault("object_repr", scope["repr"])
        if kwargs.get("office_id") is not None and "office_name" in scope:
            kwargs.setdefault("office_name", scope["office_name"])
        return kwargs

    def log_create(self, instance: Any, force_log: bool = False, **kwargs: Any) -> Any:
        return super().log_create(instance, force_log, **self._lotse_fields(instance, kwargs))

    def log_m2m_changes(
        self, changed_queryset: Any, instance: Any, operation: Any, field_name: str, **kwargs: Any
    ) -> Any:
        return super().log_m2m_changes(
            changed_queryset,
            instance,
            operation,
            field_name,
            **self._lotse_fields(instance, kwargs),
        )


class AuditEntry(AbstractLogEntry):
    """One thing that happened to personal data. Written once, never changed (see above)."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, db_index=True)
    event = models.CharField(_("event"), max_length=30, choices=Event)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel)
    # The staff member's name as it was: kept when the account is deleted (actor goes NULL).
    actor_name = models.CharField(_("staff member"), max_length=150, blank=True, default="")
    # The office the entry concerns: a request's office, or the office of the staff member who
    # read. Plain values, not foreign keys: offices live in a higher app, and an entry must not
    # change or go when an office does.
    office_id = models.BigIntegerField(_("office"), null=True, blank=True, db_index=True)
    office_name = models.CharField(_("office name"), max_length=120, blank=True, default="")
    request_id = models.BigIntegerField(_("request"), null=True, blank=True)
    # The volunteer the entry is about; NULL and `pseudonym` set once they are erased.
    volunteer_id = models.BigIntegerField(_("volunteer"), null=True, blank=True, db_index=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=64, blank=True, default="")
    detail = models.CharField(_("detail"), max_length=200, blank=True, default="")

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["kind", "timestamp"], name="audit_kind_time")]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.event} {self.object_repr}"


class AuditRetention(models.Model):
    """The retention the delete trigger enforces, in days (one row, written by `delete_expired`)."""

    days = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("audit retention")

    def __str__(self) -> str:
        return f"{self.days} days"


# --- Writing entries --------------------------------------------------------------------------


def volunteer_repr(volunteer_id: int | None) -> str:
    return f"volunteer #{volunteer_id}" if volunteer_id is not None else ""


def _entry(
    *,
    kind: str,
    event: str,
    volunteer_id: int | None = None,
    request_id: int | None = None,
    office_id: int | None = None,
    office_name: str = "",
    actor: Any = None,
    actor_name: str = "",
    detail: str = "",
    channel: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    from django.contrib.contenttypes.models import ContentType

    actor = actor if actor is not None else _current_user()
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None
    if actor is not None and office_id is None and not office_name:
        office_id, office_name = staff_offices(actor)
    target: type[models.Model]
    if volunteer_id is not None:
        from volunteers.models import Volunteer

        target, pk, text = Volunteer, str(volunteer_id), volunteer_repr(volunteer_id)
    else:
        target, pk, text = AuditEntry, "", event
    return AuditEntry(
        kind=kind,
        event=event,
        channel=channel or current_channel(),
        action=AbstractLogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(target),
        object_pk=pk,
        object_id=volunteer_id,
        object_repr=text,
        actor=actor,
        actor_name=actor_name or (actor.get_username() if actor is not None else ""),
        office_id=office_id,
        office_name=office_name,
        request_id=request_id,
        volunteer_id=volunteer_id,
        detail=detail[:200],
        timestamp=at or timezone.now(),
    )


def record(**fields: Any) -> AuditEntry:
    """Write one entry (keyword arguments: the columns, see `_entry`). The actor defaults to the
    signed-in user of the request being served; a staff actor's office is recorded when no
    office is given (reads: which office read)."""
    entry = _entry(**fields)
    entry.save(force_insert=True)
    return entry


def update(queryset: models.QuerySet[Any], **values: Any) -> int:
    """`queryset.update(**values)`, with one change entry per row it changed.

    django-auditlog sees `save()` only; the domain's transitions are conditional UPDATEs (never
    more than needed), so they log here, with the fields that changed as `[before, after]`
    (masked and excluded as the model was registered). The rows are locked between reading the
    old values and writing the new ones, so the entry says what the UPDATE really changed; the
    UPDATE keeps the queryset's conditions. Models not in the trail just update.
    """
    from auditlog.registry import auditlog

    model = queryset.model
    if not auditlog.contains(model):
        return queryset.update(**values)
    options = auditlog.get_model_fields(model)
    names = [
        name
        for name in values
        if name not in options["exclude_fields"]
        and (not options["include_fields"] or name in options["include_fields"])
    ]
    if not names:
        return queryset.update(**values)
    fields = {name: model._meta.get_field(name).attname for name in names}
    with transaction.atomic(using=queryset.db):
        before = {
            row["pk"]: row
            for row in queryset.select_for_update(of=("self",)).values("pk", *fields.values())
        }
        if not before:
            return 0
        changed = queryset.filter(pk__in=list(before)).update(**values)
        for pk, instance in model._default_manager.filter(pk__in=list(before)).in_bulk().items():
            diff = {}
            for name, attname in fields.items():
                old, new = before[pk][attname], getattr(instance, attname)
                if old == new:
                    continue
                if name in options["mask_fields"]:
                    diff[name] = [mask(old), mask(new)]
                else:
                    diff[name] = [_plain(old), _plain(new)]
            if diff:
                AuditEntry.objects.log_create(
                    instance, action=AbstractLogEntry.Action.UPDATE, changes=diff
                )
    return changed


def _plain(value: Any) -> Any:
    """A value as django-auditlog writes it into `changes` (AUDITLOG_STORE_JSON_CHANGES)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dt.datetime):
        return timezone.make_naive(value, dt.UTC).isoformat(sep=" ")
    return str(value)


def record_read(*, event: str, volunteer_ids: list[int] | None = None, detail: str = "") -> None:
    """A staff member read personal data: one entry per volunteer read (in one INSERT), or one
    entry for a search."""
    if not volunteer_ids:
        record(kind=Kind.READ, event=event, detail=detail)
        return
    first = _entry(kind=Kind.READ, event=event, volunteer_id=volunteer_ids[0], detail=detail)
    entries = [first]
    for volunteer_id in volunteer_ids[1:]:
        entry = _entry(
            kind=Kind.READ,
            event=event,
            volunteer_id=volunteer_id,
            detail=detail,
            actor=first.actor,
            actor_name=first.actor_name,
            office_id=first.office_id,
            office_name=first.office_name or " ",
            at=first.timestamp,
        )
        entry.office_name = first.office_name
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries)


# --- Reading for the person: who accessed their profile ---------------------------------------

READ_EVENTS = (Event.PROFILE_VIEWED, Event.VOLUNTEER_READ, Event.VOLUNTEERS_LISTED)


def profile_reads(*, volunteer_id: int) -> list[dict[str, str]]:
    """Who opened the person's data: the staff member's office and the time, never the name."""
    rows = (
        AuditEntry.objects.filter(volunteer_id=volunteer_id, kind=Kind.READ)
        .order_by("timestamp", "pk")
        .values_list("office_name", "timestamp", "event", "channel")
    )
    return [
        {
            "office": office or str(_("network coordination")),
            "at": timezone.localtime(at).isoformat(),
            "what": str(Event(event).label),
            "channel": channel,
        }
        for office, at, event, channel in rows
    ]


# --- Erasure and retention ----------------------------------------------------------------------


def pseudonym(volunteer_id: int) -> str:
    """A stable keyed hash of the person: the same person always gets the same pseudonym, and
    without the key nobody can tell whose it is (HMAC-SHA256 with a key derived from
    LOTSE_AUDIT_PSEUDONYM_KEY, or SECRET_KEY when that is not set)."""
    key = hashlib.sha256(
        ("lotse.audit.pseudonym:" + settings.LOTSE_AUDIT_PSEUDONYM_KEY).encode()
    ).digest()
    return hmac.new(key, f"volunteer:{volunteer_id}".encode(), hashlib.sha256).hexdigest()[:32]


def pseudonymise(*, volunteer_id: int) -> int:
    """Replace the person's identity in the trail with their pseudonym (the only UPDATE the
    database allows on an entry). Returns the number of entries changed."""
    from django.contrib.contenttypes.models import ContentType

    from volunteers.models import Volunteer

    name = pseudonym(volunteer_id)
    volunteer_type = ContentType.objects.get_for_model(Volunteer)
    about = AuditEntry.objects.filter(volunteer_id=volunteer_id, pseudonym="")
    with transaction.atomic():
        # Entries on the volunteer's own row name it by id: that id goes too.
        own = about.filter(content_type=volunteer_type).update(
            volunteer_id=None,
            pseudonym=name,
            object_pk=name,
            object_id=None,
            object_repr=f"volunteer {name[:12]}",
        )
        other = about.update(volunteer_id=None, pseudonym=name)
    return own + other


def retention_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.LOTSE_AUDIT_RETENTION_DAYS)


@transaction.atomic
def delete_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the entries older than LOTSE_AUDIT_RETENTION_DAYS (the trigger allows only these)."""
    AuditRetention.objects.update_or_create(
        pk=1, defaults={"days": settings.LOTSE_AUDIT_RETENTION_DAYS}
    )
    deleted, _per_model = AuditEntry.objects.filter(
        timestamp__lt=retention_cutoff(now=now)
    ).delete()
    return deleted
