"""Celery tasks of the volunteers app: personal-link emails, and clearing unconfirmed data.

Each task takes ids and plain strings, loads what it needs, makes one domain call and owns its
retries. The broker may deliver a message twice (acks_late): sending a personal link twice
gives the person two working links, which is harmless.
"""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.db import transaction

from volunteers import registration, selfservice
from volunteers.models import Volunteer

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def send_personal_link(volunteer_id: int, purpose: str, occasion: str = "requested") -> None:
    """Email a fresh personal link: "confirm" (double opt-in) or "manage" (the profile)."""
    _send_personal_link(volunteer_id, purpose, occasion)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def send_link_on_request(email: str) -> None:
    """ "Send me my link again": the link if the address is registered, else nothing.

    Enqueued for every address typed, known or not, so that the web request does the same work
    for both; the decision is made here, out of sight of whoever typed it.
    """
    recipient = registration.link_requested(email=email)
    if recipient is None:
        # The address stays out of the log: it may be anyone's.
        logger.info("task=send_link_on_request outcome=unknown-address")
        return
    volunteer_id, purpose = recipient
    _send_personal_link(volunteer_id, purpose, registration.REQUESTED)


def _send_personal_link(volunteer_id: int, purpose: str, occasion: str) -> None:
    with transaction.atomic():
        try:
            # The row lock makes parallel tasks for one person count each other's links.
            volunteer = Volunteer.objects.not_erased().select_for_update().get(pk=volunteer_id)
        except Volunteer.DoesNotExist:
            # Erased, or an unconfirmed registration deleted meanwhile: nobody to write to.
            logger.info(
                "task=send_personal_link volunteer=%s purpose=%s outcome=no-volunteer",
                volunteer_id,
                purpose,
            )
            return
        if not registration.may_send(volunteer=volunteer, occasion=occasion):
            logger.info(
                "task=send_personal_link volunteer=%s purpose=%s occasion=%s outcome=throttled",
                volunteer_id,
                purpose,
                occasion,
            )
            return
        message = registration.link_email(volunteer=volunteer, purpose=purpose, occasion=occasion)
    # Sent after the token's commit: a link in an inbox always works.
    message.send()
    logger.info(
        "task=send_personal_link volunteer=%s purpose=%s occasion=%s outcome=sent",
        volunteer_id,
        purpose,
        occasion,
    )


@shared_task
def end_elapsed_pauses() -> None:
    """Volunteers whose pause is over get offers again (run shortly after midnight)."""
    resumed = selfservice.end_elapsed_pauses()
    logger.info("task=end_elapsed_pauses resumed=%d", resumed)


@shared_task
def expire_unconfirmed() -> None:
    """Deletes registrations not confirmed within 7 days, and links expired over 30 days ago."""
    volunteers, links = registration.expire_unconfirmed()
    logger.info("task=expire_unconfirmed volunteers_deleted=%d links_deleted=%d", volunteers, links)
