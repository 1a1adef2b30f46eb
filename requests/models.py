"""Offices and their staff; requests (what is needed) and offers (a request to one volunteer).

Every staff endpoint scopes its queryset through `requests.access.scope_to_offices`. The rules
that change requests and offers live in `requests/lifecycle.py` and `requests/offers.py`; what a
single row can check, the database checks here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from volunteers import places
from volunteers.models import Level, Skill, Volunteer


def validate_districts(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Enter a list of district names."))
    unknown = sorted(set(value) - set(places.DISTRICTS))
    if unknown:
        raise ValidationError(
            _("Unknown district(s): %(names)s. Known: %(known)s."),
            params={"names": ", ".join(unknown), "known": ", ".join(places.DISTRICTS)},
        )


def validate_postcode(value: str) -> None:
    try:
        places.normalise_postcode(value)
    except places.InvalidPostcode as exc:
        raise ValidationError(str(exc)) from None


class Office(models.Model):
    """A neighbourhood welcome office (Willkommensbüro); owns its requests and staff."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    street = models.CharField(_("street and number"), max_length=120)
    postcode = models.CharField(_("postcode"), max_length=5, validators=[validate_postcode])
    city = models.CharField(_("city"), max_length=80, default="Dortmund")
    districts = models.JSONField(
        _("districts served"), default=list, blank=True, validators=[validate_districts]
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="office_postcode_five_digits",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


class StaffMember(models.Model):
    """A user's role in the network: staff of one or more offices, or coordinator of all."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Office staff")
        COORDINATOR = "coordinator", _("Coordinator (all offices)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_member"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.STAFF)
    offices = models.ManyToManyField(
        Office, related_name="staff_members", blank=True, verbose_name=_("offices")
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["staff", "coordinator"]),
                name="staff_member_role_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR

    @classmethod
    def of(cls, user: AbstractBaseUser | AnonymousUser | None) -> StaffMember | None:
        """The active user's membership, or None for anonymous users and users without one.

        Cached on the user object: permission checks and queryset scoping in one request
        would otherwise each query it.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not hasattr(user, "_lotse_staff_member"):
            try:
                member: StaffMember | None = cls.objects.get(user=user)
            except cls.DoesNotExist:
                member = None
            user._lotse_staff_member = member  # type: ignore[union-attr]
        return user._lotse_staff_member  # type: ignore[union-attr]


class AppointmentKind(models.Model):
    """What kind of appointment a request is for (Jobcenter, doctor, school, ...): a catalogue
    like the skills, so that staff tell requests apart at a glance. Coordinators extend it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive kinds are kept for history.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("kind of appointment")
        verbose_name_plural = _("kinds of appointment")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (volunteers.catalogue_names)."""
        from volunteers.catalogue_names import localised

        return localised(name_de=self.name_de, name_en=self.name_en)


# How many volunteers one request may ask for: the form, the API, the domain
# (`lifecycle.check_volunteers_needed`) and the CHECK below all take it from here.
MIN_VOLUNTEERS = 1
MAX_VOLUNTEERS = 20


class RequestQuerySet(models.QuerySet["Request"]):
    def taking_offers(self, *, now: dt.datetime) -> RequestQuerySet:
        """The requests someone can still be asked for (`Request.takes_offers`)."""
        return self.filter(Request.taking_offers_q(now=now))

    def out_of_answers(self, *, now: dt.datetime) -> RequestQuerySet:
        """Requests that still take offers and need someone, with no offer left open: everyone
        asked has answered, and not enough said yes. What follows is the next wave, if waves
        are running (`next_wave_at`), or "everyone declined" to the office
        (`matching.offering.after_decline`, and the sweep in `workers.upkeep`)."""
        return (
            self.taking_offers(now=now)
            .filter(accepted_count__lt=models.F("volunteers_needed"))
            .exclude(
                models.Exists(
                    Offer.objects.filter(request=models.OuterRef("pk"), status__in=Offer.OPEN)
                )
            )
        )


class Request(models.Model):
    """A need recorded by staff: a skill, languages, a time and a place (Anfrage, Einsatz)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        OFFERING = "offering", _("offers out")
        FILLED = "filled", _("filled")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")
        UNFILLED = "unfilled", _("nobody found")

    # Someone can still be asked: not filled or closed. "Nobody found" still takes offers by
    # hand (staff may find someone the search did not), and a late accept still fills it.
    TAKES_OFFERS = (Status.OPEN, Status.OFFERING, Status.UNFILLED)
    # The automatic search is still looking: it has not given up ("nobody found").
    SEARCHING = (Status.OPEN, Status.OFFERING)
    # The appointment goes ahead: neither cancelled nor completed. Staff may still change it
    # (`lifecycle.update_request`), and whoever accepted is reminded the day before.
    GOING_AHEAD = (*TAKES_OFFERS, Status.FILLED)
    # The same choices as a volunteer's gender: one set, one name in the API schema.
    Gender = Volunteer.Gender

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="requests", verbose_name=_("office")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, related_name="requests", verbose_name=_("skill")
    )
    kind = models.ForeignKey(
        AppointmentKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("kind of appointment"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    remote = models.BooleanField(_("by phone or video"), default=False)
    # How to join a phone or video appointment (a number to call, a video link). Shown only to
    # the volunteers who accepted, never in an offer: an offer goes to people who may not come.
    connection = models.CharField(
        _("how to connect"), max_length=300, blank=True, default="", db_default=""
    )
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Derived from the postcode by volunteers.places; empty for remote or unknown postcodes.
    district = models.CharField(_("district"), max_length=40, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    volunteers_needed = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    # Places taken. Raised only by a conditional UPDATE in requests.offers.accept; the check
    # constraint below is the last line of defence against ever taking one place too many.
    accepted_count = models.PositiveSmallIntegerField(_("places taken"), default=0)
    gender_preference = models.CharField(
        _("gender asked for"), max_length=10, choices=Gender, blank=True
    )
    certificate_required = models.BooleanField(_("certificate of conduct needed"), default=False)
    # The least level in each needed language; empty: MATCHING_INTERPRETING_MIN_LEVEL for
    # interpreting, MATCHING_MIN_LEVEL otherwise.
    min_level = models.CharField(
        _("least language level"),
        max_length=6,
        choices=Level,
        blank=True,
        default="",
        db_default="",
    )
    # Only people in their stated times and within their limit: no lower tiers.
    exact_only = models.BooleanField(_("only exact matches"), default=False, db_default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    auto_offer = models.BooleanField(_("offer automatically"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.OPEN, db_index=True
    )
    # Automatic waves: how many went out, and when the next one is due. The due time lives
    # here, not in a broker countdown, so a wait of hours survives restarts and never outlives
    # the broker's visibility timeout; a beat task starts the waves that are due.
    waves_sent = models.PositiveSmallIntegerField(_("automatic waves sent"), default=0)
    next_wave_at = models.DateTimeField(_("next wave due at"), null=True, blank=True)
    # Why the automatic offers could not go out (matching.offering); empty while they can. Shown on
    # the request and told to the office, so that a request never waits silently.
    offer_problem = models.CharField(
        _("offers could not go out"), max_length=300, blank=True, default="", db_default=""
    )
    offer_problem_at = models.DateTimeField(_("offer problem since"), null=True, blank=True)
    # How many candidates each tier had when the first wave was planned (matching.offering), for
    # the statistics of unmet demand; null: no wave was planned (or before they were kept).
    found_exact = models.PositiveIntegerField(_("exact candidates found"), null=True, blank=True)
    found_outside_times = models.PositiveIntegerField(
        _("candidates outside their times found"), null=True, blank=True
    )
    found_beyond_limit = models.PositiveIntegerField(
        _("candidates beyond their limit found"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)
    closed_at = models.DateTimeField(
        _("closed at"), null=True, blank=True, help_text=_("completed, cancelled or unfilled")
    )

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="request_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    volunteers_needed__gte=MIN_VOLUNTEERS, volunteers_needed__lte=MAX_VOLUNTEERS
                ),
                name="request_volunteers_needed_range",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_count__lte=models.F("volunteers_needed")),
                name="request_never_more_accepted_than_needed",
            ),
            models.CheckConstraint(
                condition=models.Q(remote=True) | models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="request_place_or_remote",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["open", "offering", "filled", "completed", "cancelled", "unfilled"]
                ),
                name="request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(gender_preference__in=["", "female", "male", "diverse"]),
                name="request_gender_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "starts_at"], name="request_office_starts"),
            models.Index(
                fields=["next_wave_at"],
                name="request_next_wave_due",
                condition=models.Q(next_wave_at__isnull=False),
            ),
            # Matching looks for accepted appointments overlapping a time, in every office.
            models.Index(fields=["starts_at"], name="request_starts"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.skill_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @classmethod
    def taking_offers_q(cls, *, now: dt.datetime) -> models.Q:
        """`takes_offers` as a condition, for filters and counts."""
        return models.Q(status__in=cls.TAKES_OFFERS, starts_at__gt=now)

    def takes_offers(self, *, now: dt.datetime) -> bool:
        """Someone can still be asked: not filled or closed, and the appointment not begun."""
        return self.status in self.TAKES_OFFERS and self.starts_at > now

    def searching(self, *, now: dt.datetime) -> bool:
        """The automatic search may send (another) wave: still looking, and not begun."""
        return self.status in self.SEARCHING and self.starts_at > now

    @property
    def places_free(self) -> int:
        """Places nobody has taken yet; 0 once the request is full."""
        return max(0, self.volunteers_needed - self.accepted_count)

    @property
    def language_codes(self) -> list[str]:
        """The needed languages in the order staff gave them (uses a prefetch if present)."""
        return [lang.code for lang in sorted(self.languages.all(), key=lambda x: x.position)]

    def record_found(self, *, exact: int, outside_times: int, beyond_limit: int) -> None:
        """Keep how many candidates each tier had as the first wave was planned."""
        self.found_exact, self.found_outside_times, self.found_beyond_limit = (
            exact,
            outside_times,
            beyond_limit,
        )
        Request.objects.filter(pk=self.pk).update(
            found_exact=exact, found_outside_times=outside_times, found_beyond_limit=beyond_limit
        )


class RequestLanguage(models.Model):
    """One language a request needs; an interpreting request names both, e.g. fa and de."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language"), max_length=20)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "code"], name="request_language_once")
        ]
        indexes = [models.Index(fields=["code"], name="request_language_code")]

    def __str__(self) -> str:
        return self.code


class Offer(models.Model):
    """One request offered to one volunteer (Angebot): the durable record of every email."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")
        # The email could not be delivered: refused for good, or still failing after the
        # last retry. The office is told.
        FAILED = "failed", _("not delivered")

    class DeclineReason(models.TextChoices):
        NO_TIME = "no_time", _("no time then")
        TOO_FAR = "too_far", _("too far away")
        NOT_SUITABLE = "not_suitable", _("not the right task for me")
        NOT_USUAL_TIME = "not_usual_time", _("not my usual time")
        OTHER = "other", _("other reason")

    OPEN = (Status.QUEUED, Status.SENT)
    # Whose outcome says something about the person: a yes, a no, or no answer in time. What
    # ranking learns from (`matching.pool`) and the profile's "accepted n of m".
    DECIDED = (Status.ACCEPTED, Status.DECLINED, Status.EXPIRED)
    # Withdrawn because the place went to someone else (or the request closed), not because the
    # person dropped out: asked again when a place comes free (`offers.create_wave`).
    NO_LONGER_NEEDED = models.Q(status=Status.WITHDRAWN, released_at__isnull=True)

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="offers", verbose_name=_("request")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="offers", verbose_name=_("volunteer")
    )
    wave = models.PositiveSmallIntegerField(
        _("wave"), default=1, help_text=_("0 = offered by hand")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.QUEUED, db_index=True
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    features = models.JSONField(_("features ranked on"), default=dict, blank=True)
    token_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The sender's last try, written before each try in its own transaction: the sweeper
    # leaves offers alone whose retries are still under way.
    attempted_at = models.DateTimeField(_("last sending attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Set by the worker that emails the confirmation: a redelivered task sends none twice.
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    # When an accepted volunteer dropped out (status withdrawn): tells a place given back from
    # an open offer withdrawn because it was no longer needed, for the sweeper's alerts.
    released_at = models.DateTimeField(_("dropped out at"), null=True, blank=True)
    # Asked outside their stated weekly times (a lower tier): how people answer such offers is
    # part of their history (matching.features "outside_rate").
    outside_times = models.BooleanField(
        _("outside their stated times"), default=False, db_default=False
    )
    decline_reason = models.CharField(
        _("reason for declining"), max_length=15, choices=DeclineReason, blank=True
    )
    # What an accepted volunteer said when signing off (optional); shown to the office.
    release_reason = models.CharField(
        _("reason for dropping out"), max_length=300, blank=True, default="", db_default=""
    )
    hours = models.DecimalField(
        _("hours worked"), max_digits=4, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["request", "wave", "pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(fields=["request", "volunteer"], name="offer_once_per_person"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "queued",
                        "sent",
                        "accepted",
                        "declined",
                        "expired",
                        "withdrawn",
                        "failed",
                    ]
                ),
                name="offer_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__isnull=True) | models.Q(hours__gte=0, hours__lte=24),
                name="offer_hours_range",
            ),
        ]
        indexes = [
            # A person's offers by outcome; with the request in the key, matching counts a
            # candidate's accepted offers (monthly cap, overlaps) without reading the table, and
            # with the times it reads their history, late drop-outs included
            # (matching.pool._history), from it too.
            models.Index(
                fields=[
                    "volunteer",
                    "status",
                    "request",
                    "sent_at",
                    "responded_at",
                    "outside_times",
                    "released_at",
                ],
                name="offer_volunteer_history",
            ),
            models.Index(fields=["status", "created_at"], name="offer_status_created"),
        ]

    def __str__(self) -> str:
        return f"offer #{self.pk} of request {self.request_id} to volunteer {self.volunteer_id}"


class OfferLink(models.Model):
    """A further link to an offer's page, beside the one in the offer email (`Offer.token_digest`).

    The confirmation email and the volunteer's profile link to the page of an accepted offer
    without taking away the link the volunteer already has open. Only the digest is kept; the
    page expires with the offer (`Offer.token_expires_at`).
    """

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="links")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("offer link")
        verbose_name_plural = _("offer links")

    def __str__(self) -> str:
        return f"link to offer #{self.offer_id}"


class Outcome(models.Model):
    """What became of one accepted assignment (Rückmeldung): the volunteer's check-in after the
    appointment and the office's confirmation, with hours and travel costs.

    One row per accepted offer, made when its check-in falls due (`requests.outcomes`). The
    volunteer answers behind a link for this assignment only (`CheckinLink`); staff correct and
    confirm it. A confirmed outcome is final for the books: `confirmed_at`, `hours`, `km` and
    `ticket_cents` are what an allowance ledger takes (the `outcome_confirmed` event).
    """

    class Result(models.TextChoices):
        TOOK_PLACE = "took_place", _("took place")
        # The client did not come: never counted against the volunteer.
        CLIENT_NO_SHOW = "client_no_show", _("the person did not come")
        # Called off by someone else (the client, the authority): not the volunteer's doing.
        CANCELLED = "cancelled", _("called off")
        VOLUNTEER_NO_SHOW = "volunteer_no_show", _("the volunteer could not come")

    MAX_KM = 1000
    MAX_TICKET_CENTS = 50_000
    COMMENT_MAX = 500

    offer = models.OneToOneField(
        Offer, on_delete=models.CASCADE, related_name="outcome", verbose_name=_("offer")
    )
    # The offer's volunteer, never changed: the volunteer's export lists their check-ins, and
    # ranking counts them per person from one index.
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("volunteer")
    )
    result = models.CharField(
        _("outcome"), max_length=20, choices=Result, blank=True, default="", db_default=""
    )
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2, null=True, blank=True)
    km = models.DecimalField(
        _("travel (km)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    ticket_cents = models.PositiveIntegerField(_("ticket (cents)"), null=True, blank=True)
    # "I would like to talk to someone about it": a quiet flag for the office, shown on the
    # request's page and the dashboard, never in an email to anyone else.
    wants_to_talk = models.BooleanField(_("would like to talk"), default=False, db_default=False)
    talk_done_at = models.DateTimeField(_("talked about it at"), null=True, blank=True)
    # The volunteer's free text; blanked by retention (workers.retention) and erasure.
    comment = models.CharField(
        _("comment"), max_length=COMMENT_MAX, blank=True, default="", db_default=""
    )
    due_at = models.DateTimeField(_("check-in due at"))
    # When a task was last enqueued to send the check-in: the beat leaves a row whose sending
    # is under way alone, and enqueues it again once that looks lost.
    queued_at = models.DateTimeField(_("check-in queued at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("check-in sent at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # The check-in email could not be delivered (refused, or the last retry failed).
    failed_at = models.DateTimeField(_("check-in not delivered at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    result__in=[
                        "",
                        "took_place",
                        "client_no_show",
                        "cancelled",
                        "volunteer_no_show",
                    ]
                ),
                name="outcome_result_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__isnull=True) | models.Q(hours__gte=0, hours__lte=24),
                name="outcome_hours_range",
            ),
            models.CheckConstraint(
                condition=models.Q(km__isnull=True) | models.Q(km__gte=0, km__lte=1000),
                name="outcome_km_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ticket_cents__isnull=True) | models.Q(ticket_cents__lte=50_000),
                name="outcome_ticket_range",
            ),
            # Confirmed means the office says what happened.
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True) | ~models.Q(result=""),
                name="outcome_confirmed_has_result",
            ),
        ]
        indexes = [
            # Ranking counts a person's outcomes by result (matching.pool).
            models.Index(fields=["volunteer", "result"], name="outcome_volunteer_result"),
            models.Index(
                fields=["due_at"], name="outcome_unsent_due", condition=models.Q(sent_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"outcome of offer #{self.offer_id}"

    @property
    def answered(self) -> bool:
        return bool(self.result)


class CheckinLink(models.Model):
    """A link to an outcome's check-in page: one per email (the check-in, its reminder), each
    working until `expires_at`. Only the digest is kept, as for offers."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="links")
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in link")
        verbose_name_plural = _("check-in links")

    def __str__(self) -> str:
        return f"link to the check-in of offer #{self.outcome.offer_id}"


class AllowanceRule(models.Model):
    """What an office pays a volunteer per confirmed assignment (Aufwandsentschädigung).

    Amounts are whole euro cents. "none" pays nothing; "flat" pays `flat_cents` per assignment
    that took place; "hourly" pays `hourly_cents` per confirmed hour plus `km_cents` per km
    travelled. With either paying rule, a ticket the volunteer gave is reimbursed as given
    (`reimburse_tickets`), also for a trip to a client who did not come. An office without a
    row pays nothing. The rule at confirmation time is what a ledger entry keeps
    (`requests.allowances`).
    """

    class Kind(models.TextChoices):
        NONE = "none", _("no allowance")
        FLAT = "flat", _("a flat amount per assignment")
        HOURLY = "hourly", _("per hour, plus a rate per km")

    MAX_CENTS = 100_000

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="allowance_rule", verbose_name=_("office")
    )
    kind = models.CharField(_("rule"), max_length=10, choices=Kind, default=Kind.NONE)
    flat_cents = models.PositiveIntegerField(_("per assignment (cents)"), default=0)
    hourly_cents = models.PositiveIntegerField(_("per hour (cents)"), default=0)
    km_cents = models.PositiveIntegerField(_("per km (cents)"), default=0)
    reimburse_tickets = models.BooleanField(_("reimburse tickets as given"), default=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("allowance rule")
        verbose_name_plural = _("allowance rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["none", "flat", "hourly"]),
                name="allowance_rule_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    flat_cents__lte=100_000, hourly_cents__lte=100_000, km_cents__lte=100_000
                ),
                name="allowance_rule_amounts_range",
            ),
        ]

    def __str__(self) -> str:
        return f"allowance rule of {self.office}"


class AllowanceEntry(models.Model):
    """One line of the allowance ledger: what one confirmed assignment pays (cents).

    Made (or, after a correction, updated) from each confirmed outcome by
    `requests.allowances.record`. The entry copies what the books need (office, day, hours,
    travel, the languages, the rule), so it stands on its own: it outlives the volunteer's
    identity (erasure blanks the person, the amounts stay) until LOTSE_LEDGER_RETENTION_YEARS
    after its year. `allowance_cents` is held against the volunteer's yearly cap; travel costs
    are reimbursed outside it. An entry that would pass the cap waits (`over_cap`) until a
    coordinator approves it anyway, caps it or rejects it.
    """

    class Status(models.TextChoices):
        PAYABLE = "payable", _("payable")
        OVER_CAP = "over_cap", _("over the yearly cap: waits for a decision")
        APPROVED = "approved", _("over the cap, approved anyway")
        CAPPED = "capped", _("cut to the yearly cap")
        REJECTED = "rejected", _("rejected")

    # What a payout counts: the others pay nothing (yet).
    COUNTED = ("payable", "approved", "capped")

    outcome = models.OneToOneField(
        Outcome,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allowance",
        verbose_name=_("outcome"),
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="allowances", verbose_name=_("volunteer")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="allowances", verbose_name=_("office")
    )
    # The appointment's day in Berlin: its month is the payout list it is on, its year the cap.
    service_date = models.DateField(_("day of the assignment"))
    took_place = models.BooleanField(_("took place"), default=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2, default=0)
    km = models.DecimalField(_("travel (km)"), max_digits=5, decimal_places=1, default=0)
    ticket_cents = models.PositiveIntegerField(_("ticket (cents)"), default=0)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    rule = models.JSONField(_("rule applied"), default=dict, blank=True)
    # What the rule gives, what of it is counted, and the travel costs reimbursed.
    computed_cents = models.PositiveIntegerField(_("allowance by the rule (cents)"), default=0)
    allowance_cents = models.PositiveIntegerField(_("allowance (cents)"), default=0)
    travel_cents = models.PositiveIntegerField(_("travel costs (cents)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PAYABLE, db_index=True
    )
    confirmed_at = models.DateTimeField(_("outcome confirmed at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("allowance entry")
        verbose_name_plural = _("allowance ledger")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["payable", "over_cap", "approved", "capped", "rejected"]
                ),
                name="allowance_entry_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(allowance_cents__lte=models.F("computed_cents")),
                name="allowance_entry_not_above_rule",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "service_date"], name="allowance_office_day"),
            models.Index(fields=["volunteer", "service_date"], name="allowance_volunteer_day"),
        ]

    def __str__(self) -> str:
        return f"allowance entry #{self.pk} (volunteer #{self.volunteer_id})"

    @property
    def counted(self) -> bool:
        return self.status in self.COUNTED

    @property
    def paid_cents(self) -> int:
        """What this entry pays: nothing while it waits or once rejected."""
        return self.allowance_cents + self.travel_cents if self.counted else 0


class Certificate(models.Model):
    """An engagement certificate (Engagementnachweis) as issued: the figures of a period,
    frozen, so that its verification code shows what the PDF says, whatever changes later.

    The code is the row's number with an HMAC of it (`requests.certificates`): it cannot be
    guessed or altered. No name is stored, only a keyed digest of the name printed, so that
    `/verify/` can confirm a name a verifier types without showing one.
    """

    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("volunteer"),
    )
    first_date = models.DateField(_("from"))
    last_date = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    assignments = models.PositiveIntegerField(_("assignments"))
    languages = models.JSONField(_("languages"), default=list)
    offices = models.JSONField(_("offices"), default=list)
    name_digest = models.CharField(max_length=64)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("engagement certificate")
        verbose_name_plural = _("engagement certificates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_date__lte=models.F("last_date")),
                name="certificate_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"certificate #{self.pk}"
