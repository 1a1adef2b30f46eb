"""Who can help: volunteers, what they speak and can do, when they are free; the skill catalogue.

Times of availability slots are wall-clock times in Europe/Berlin ("Mondays 9–12"), not UTC:
a slot means the same local hours in summer and in winter. Language codes are canonical tags
from `volunteers.languages.canonical_tag`. Rules that span rows (no overlapping slots) live in
`volunteers/profiles.py`; what one row can check, the database checks.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


def email_language_choices() -> list[tuple[str, str]]:
    """Every language a volunteer can read Lotse in (`settings.LOTSE_VOLUNTEER_LANGUAGES`)."""
    from volunteers.translation import language_choices

    return language_choices()


class Skill(models.Model):
    """One kind of help a volunteer offers and a request asks for (e.g. interpreting)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive skills are kept for history.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (volunteers.catalogue_names)."""
        from volunteers.catalogue_names import localised

        return localised(name_de=self.name_de, name_en=self.name_en)


class Level(models.TextChoices):
    """Language level: CEFR A1–C2, or native."""

    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"
    NATIVE = "native", _("native")

    @classmethod
    def at_least(cls, level: str) -> list[str]:
        """The levels equal to or above `level`, e.g. B2 → [B2, C1, C2, native]."""
        values = list(cls.values)
        return values[values.index(level) :]


class VolunteerQuerySet(models.QuerySet["Volunteer"]):
    def active(self) -> VolunteerQuerySet:
        return self.filter(status=Volunteer.Status.ACTIVE)

    def not_erased(self) -> VolunteerQuerySet:
        return self.filter(erased_at__isnull=True)


class Volunteer(models.Model):
    """A person offering time and skills. Managed by the person through personal links."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for email confirmation")
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        INACTIVE = "inactive", _("inactive")

    class Gender(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")
        DIVERSE = "diverse", _("diverse")

    class OfferChannel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("SMS")
        BOTH = "both", _("email and SMS")

    name = models.CharField(_("name"), max_length=120)
    # Null once the person is erased: the unique index then no longer holds the address.
    email = models.EmailField(_("email"), null=True, blank=True)  # noqa: DJ001 - see above
    phone = PhoneNumberField(_("phone"), blank=True, region="DE")
    # How offers, confirmations and notices about tasks reach the person. SMS needs the mobile
    # number confirmed by a reply (`phone_confirmed_at`); until then everything goes by email.
    offer_channel = models.CharField(
        _("offers by"),
        max_length=5,
        choices=OfferChannel,
        default=OfferChannel.EMAIL,
        db_default=OfferChannel.EMAIL,
    )
    # When the person confirmed `phone` by replying yes to the confirmation SMS; cleared
    # whenever the number changes.
    phone_confirmed_at = models.DateTimeField(
        _("mobile number confirmed at"), null=True, blank=True
    )
    # "STOP" by SMS: no more SMS until the person chooses SMS again on the profile.
    sms_stopped_at = models.DateTimeField(_("SMS stopped at"), null=True, blank=True)
    # SMS keep quiet at night (workers.sms.channels); this lets urgent offers through.
    sms_urgent_at_night = models.BooleanField(
        _("urgent offers by SMS at night too"), default=False, db_default=False
    )
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    # Derived from the postcode by volunteers.places; empty for postcodes outside Dortmund.
    district = models.CharField(_("district"), max_length=40, blank=True, db_index=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    postcode_known = models.BooleanField(
        _("postcode known"),
        default=True,
        help_text=_("Off for postcodes outside the place data (e.g. a neighbouring town)."),
    )
    max_distance_km = models.PositiveSmallIntegerField(_("maximum distance (km)"), default=10)
    remote_ok = models.BooleanField(_("phone or video"), default=False)
    # False, the default, keeps everyone registered before the choice existed reachable: their
    # times were always meant as "when I can usually help" (docs/decisions.md). Strict without
    # any weekly slot is refused by `volunteers.profiles`, which sees the slots.
    only_at_stated_times = models.BooleanField(
        _("weekly times"),
        default=False,
        db_default=False,
        choices=[(True, _("only at these times")), (False, _("also at other times"))],
        help_text=_(
            "Only at these times: never asked outside the weekly times or beyond the travel "
            "limit. Also at other times: the weekly times are the usual ones; asked at other "
            "times, up to 1.5 times the travel limit and for phone or video tasks at any "
            "distance when nobody else can."
        ),
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender, blank=True)
    certificate_date = models.DateField(
        _("certificate of conduct issued on"), null=True, blank=True
    )
    max_tasks_per_month = models.PositiveSmallIntegerField(_("tasks per month at most"), default=4)
    email_language = models.CharField(
        _("email language"),
        max_length=5,
        # The volunteer languages of the settings, each named in itself: a language added
        # there needs no migration.
        choices=email_language_choices,
        default="de",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=20)
    consent_language = models.CharField(_("consent language"), max_length=5)
    consent_at = models.DateTimeField(_("consent given at"))
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    skills = models.ManyToManyField(Skill, through="VolunteerSkill", related_name="volunteers")

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="volunteer_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "active", "paused", "inactive"]),
                name="volunteer_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(postcode="") | models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="volunteer_postcode_five_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(max_distance_km__gte=1, max_distance_km__lte=100),
                name="volunteer_max_distance_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_tasks_per_month__gte=1, max_tasks_per_month__lte=60),
                name="volunteer_max_tasks_range",
            ),
            models.CheckConstraint(
                # Which codes are choices is the settings' business; the database keeps the shape.
                condition=models.Q(email_language__regex=r"^[a-z]{2,3}$"),
                name="volunteer_email_language_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(gender__in=["", "female", "male", "diverse"]),
                name="volunteer_gender_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(offer_channel__in=["email", "sms", "both"]),
                name="volunteer_offer_channel_valid",
            ),
            # A confirmed number belongs to one person: replies from it must name one sender.
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(phone_confirmed_at__isnull=False),
                name="volunteer_confirmed_phone_unique",
            ),
            # Only an erased person may be without an email address.
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(erased_at__isnull=False),
                name="volunteer_email_unless_erased",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    def is_paused_on(self, day: dt.date) -> bool:
        return self.paused_until is not None and day <= self.paused_until

    @property
    def wants_sms(self) -> bool:
        """The person chose SMS (alone or with email) and has not stopped it."""
        return (
            self.offer_channel in {self.OfferChannel.SMS, self.OfferChannel.BOTH}
            and self.sms_stopped_at is None
            and bool(self.phone)
        )

    @property
    def sms_ready(self) -> bool:
        """SMS reach the person: chosen, not stopped, and the number confirmed by reply."""
        return self.wants_sms and self.phone_confirmed_at is not None

    @property
    def message_channels(self) -> frozenset[str]:
        """How messages about tasks reach the person now: "email", "sms" or both. Email until
        the number is confirmed (and after a STOP)."""
        if not self.sms_ready:
            return frozenset({"email"})
        if self.offer_channel == self.OfferChannel.SMS:
            return frozenset({"sms"})
        return frozenset({"email", "sms"})


class SpokenLanguage(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language"), max_length=20)
    level = models.CharField(_("level"), max_length=6, choices=Level)

    class Meta:
        ordering = ["volunteer", "code"]
        verbose_name = _("spoken language")
        verbose_name_plural = _("spoken languages")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "code"], name="spoken_language_once"),
            models.CheckConstraint(
                condition=models.Q(level__in=Level.values), name="spoken_language_level_valid"
            ),
        ]
        indexes = [
            # Matching starts from the speakers of a needed language at the needed level: with
            # the volunteer in the key that set is read from the index alone (index-only scan).
            models.Index(fields=["code", "level", "volunteer"], name="spoken_code_level_volunteer")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.level}"


class VolunteerSkill(models.Model):
    class Level(models.TextChoices):
        BASIC = "basic", _("basic")
        EXPERIENCED = "experienced", _("experienced")
        PROFESSIONAL = "professional", _("professional")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="skill_set")
    # Indexed by `volunteer_skill_level` below, which leads with the skill.
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+", db_index=False)
    level = models.CharField(_("level"), max_length=12, choices=Level, blank=True)

    class Meta:
        ordering = ["volunteer", "skill__position"]
        verbose_name = _("skill of a volunteer")
        verbose_name_plural = _("skills of volunteers")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "skill"], name="volunteer_skill_once"),
            models.CheckConstraint(
                condition=models.Q(level__in=["", "basic", "experienced", "professional"]),
                name="volunteer_skill_level_valid",
            ),
        ]
        indexes = [
            # The people offering a skill and their level in it, read from the index alone when
            # ranking scores its candidates; it also serves the foreign key (PROTECT).
            models.Index(fields=["skill", "volunteer", "level"], name="volunteer_skill_level")
        ]

    def __str__(self) -> str:
        return f"{self.skill_id} {self.level}".strip()


class AvailabilitySlot(models.Model):
    """A weekly window in Europe/Berlin wall-clock time: weekday 0 = Monday."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["volunteer", "weekday", "start"]
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="slot_weekday_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="slot_start_before_end"
            ),
        ]
        indexes = [
            # Who is free for an appointment: the weekday and a range of start times from the
            # index, the end checked in it, the volunteer read from it (index-only scan).
            models.Index(
                fields=["weekday", "start", "end", "volunteer"], name="slot_weekday_time_volunteer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"


class Absence(models.Model):
    """Whole days (inclusive) on which the volunteer is away."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="absences")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))

    class Meta:
        ordering = ["volunteer", "start"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="absence_start_not_after_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"


class PersonalToken(models.Model):
    """A personal link's secret, stored as a SHA-256 digest only; see volunteers/tokens.py."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", _("confirm email")
        MANAGE = "manage", _("manage profile")
        PAUSE = "pause", _("pause offers")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=10, choices=Purpose)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal link")
        verbose_name_plural = _("personal links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["confirm", "manage", "pause"]),
                name="token_purpose_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link of volunteer {self.volunteer_id}"


# The audit trail's tables belong to this app, the lowest, so that every layer can write to it.
from volunteers.audit import AuditEntry, AuditRetention  # noqa: E402, F401
