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

from requests.models import Offer, Request


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
