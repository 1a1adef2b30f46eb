"""Celery tasks. Each takes plain arguments (ids, never objects), makes one call, and is safe
to run twice: the broker may deliver a message again after a worker dies (acks_late).
"""

import logging
import smtplib

from celery import shared_task
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.utils import timezone
from knox.models import AuthToken

from workers import sending

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def send_test_email(recipient: str) -> None:
    """Proves the whole path (broker → worker → mail server) works; `manage.py send_test_email`."""
    send_mail(
        subject="Lotse: Testnachricht / test message",
        message=(
            "Diese Nachricht zeigt, dass Lotse E-Mails versenden kann.\n"
            "This message shows that Lotse can send email.\n"
        ),
        from_email=None,
        recipient_list=[recipient],
    )
    logger.info("task=send_test_email outcome=sent")


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def send_offer(offer_id: int) -> None:
    """Email one queued offer with its link; a second delivery of this task sends nothing."""
    sending.send_offer(offer_id=offer_id)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def send_confirmation(offer_id: int) -> None:
    """The accepted task's details and a calendar invite, to the volunteer who accepted."""
    sending.send_confirmation(offer_id=offer_id)


@shared_task
def purge_expired_logins() -> None:
    """Deletes expired staff sessions and API tokens: credentials nobody can use any more."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    tokens, _ = AuthToken.objects.filter(expiry__lt=now).delete()
    logger.info("task=purge_expired_logins sessions=%d tokens=%d", sessions, tokens)
