"""The record of the notices the workers sent: one row per email, so none goes out twice.

Offers and confirmations are recorded on the Offer row itself (`sent_at`,
`confirmation_sent_at`). Every other email (the "already taken" notices, cancellations,
reminders, the office's alerts) claims a row here under a unique `key` in the same transaction
that sends it: a second delivery of the task finds the key taken and sends nothing; an email
that fails rolls its row back, so the retry sends it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from requests.models import Offer, Office, Request
from volunteers.models import Volunteer


class Notice(models.Model):
    class Kind(models.TextChoices):
        # To a volunteer
        CLOSED = "closed", _("offer closed (taken or cancelled)")
        CALENDAR_CANCEL = "calendar_cancel", _("appointment cancelled, with calendar update")
        REMINDER = "reminder", _("reminder the day before")
        # To the office
        FILLED = "filled", _("office: request filled")
        ALL_DECLINED = "all_declined", _("office: everyone asked declined")
        UNFILLED = "unfilled", _("office: nobody left to ask")
        ESCALATION = "escalation", _("office: appointment near, not filled")
        RELEASED = "released", _("office: a volunteer dropped out")
        UNDELIVERABLE = "undeliverable", _("office: an email could not be delivered")
        OFFER_FAILED = "offer_failed", _("office: offers could not go out")

    OFFICE_KINDS = frozenset(
        {
            Kind.FILLED,
            Kind.ALL_DECLINED,
            Kind.UNFILLED,
            Kind.ESCALATION,
            Kind.RELEASED,
            Kind.UNDELIVERABLE,
            Kind.OFFER_FAILED,
        }
    )

    class Outcome(models.TextChoices):
        SENT = "sent", _("sent")
        FAILED = "failed", _("refused by the mail server")

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="notices", verbose_name=_("request")
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("offer"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, default=Outcome.SENT)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["request", "created_at", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "closed",
                        "calendar_cancel",
                        "reminder",
                        "filled",
                        "all_declined",
                        "unfilled",
                        "escalation",
                        "released",
                        "undeliverable",
                        "offer_failed",
                    ]
                ),
                name="notice_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["sent", "failed"]), name="notice_outcome_valid"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="notice_created")]

    def __str__(self) -> str:
        return f"{self.kind} for request {self.request_id}"


class SmsMessage(models.Model):
    """One SMS to a volunteer: the durable record it is sent from (the SMS outbox).

    A row is written, in the transaction that decides the SMS is due, in state `queued`; the
    worker claims it under its row lock, sends it once and records the provider's id; the
    provider's status callbacks move it on (`delivered`, `failed`). Texts that carry a link are
    composed when the SMS is sent (the raw link is never stored); replies keep their `body`.
    """

    class Kind(models.TextChoices):
        OFFER = "offer", _("offer")
        CONFIRMATION = "confirmation", _("confirmation")
        CLOSED = "closed", _("offer closed (taken or cancelled)")
        CALENDAR_CANCEL = "calendar_cancel", _("appointment cancelled")
        REMINDER = "reminder", _("reminder the day before")
        REPLY = "reply", _("answer to an SMS")
        CONFIRM_NUMBER = "confirm_number", _("mobile number confirmation")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("not delivered")
        # Not sent because it was no longer wanted (the offer was answered or withdrawn first).
        DROPPED = "dropped", _("not sent, no longer needed")

    # Kinds that answer the volunteer's own SMS: never held back by the quiet hours.
    ANSWERS = frozenset({Kind.REPLY, Kind.CONFIRM_NUMBER})

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="sms", verbose_name=_("volunteer")
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sms",
        verbose_name=_("offer"),
    )
    # Whose SMS it is, for the statistics of segments and their cost; empty for SMS about no
    # task (number confirmation, an answer to an unknown code).
    office = models.ForeignKey(
        Office,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    to = models.CharField(_("to"), max_length=20)
    body = models.TextField(_("text"), blank=True)
    # The reply code of an offer ("JA 4821"); notices about the offer repeat it.
    code = models.CharField(_("reply code"), max_length=4, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State, default=State.QUEUED, db_index=True
    )
    # Quiet hours: not sent before this time (beat sends it then).
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    attempted_at = models.DateTimeField(_("last sending attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    state_at = models.DateTimeField(_("state since"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments"), default=0)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "offer",
                        "confirmation",
                        "closed",
                        "calendar_cancel",
                        "reminder",
                        "reply",
                        "confirm_number",
                    ]
                ),
                name="sms_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "sent", "delivered", "failed", "dropped"]),
                name="sms_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "provider_id"], name="sms_provider_id"),
            models.Index(fields=["volunteer", "kind", "code"], name="sms_volunteer_code"),
            models.Index(fields=["sent_at"], name="sms_sent"),
        ]

    def __str__(self) -> str:
        return f"SMS {self.kind} #{self.pk} ({self.state})"


class SmsReply(models.Model):
    """One SMS a phone sent to Lotse, and what it did (`outcome`)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        REFUSED = "refused", _("answer not taken (offer no longer open)")
        CONFIRMED = "confirmed", _("mobile number confirmed")
        STOPPED = "stopped", _("SMS stopped")
        ASKED_WHICH = "asked_which", _("asked which offer")
        HELP = "help", _("not understood, help sent")
        UNKNOWN_SENDER = "unknown_sender", _("unknown number")

    provider = models.CharField(_("provider"), max_length=20)
    provider_id = models.CharField(_("provider's id"), max_length=100)
    sender = models.CharField(_("from"), max_length=20)
    text = models.CharField(_("text"), max_length=500)
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sms_replies",
        verbose_name=_("volunteer"),
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sms_replies",
        verbose_name=_("offer"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("SMS reply")
        verbose_name_plural = _("SMS replies")
        constraints = [
            # A provider that posts the same message twice changes nothing the second time.
            models.UniqueConstraint(
                fields=["provider", "provider_id"], name="sms_reply_once_per_message"
            )
        ]
        indexes = [models.Index(fields=["sender", "received_at"], name="sms_reply_sender")]

    def __str__(self) -> str:
        return f"SMS reply #{self.pk} ({self.outcome})"
