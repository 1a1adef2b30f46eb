"""Which mail errors are worth another try, and how long to wait before it.

SMTP says it itself: a 4xx reply is temporary ("try again later": greylisting, a full queue,
a server shutting down), a 5xx reply permanent (no such mailbox, message refused). A connection
that cannot be opened or breaks off is temporary too: the server may be restarting. Anything
else (a bug, a template error) is not a mail error and is not retried here.
"""

from __future__ import annotations

import random
import smtplib

from django.conf import settings

# The errors that mean "the mail did not get through"; everything else is a bug.
MAIL_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)


def is_temporary(exc: BaseException) -> bool:
    """True for a failure a later try may overcome; False when this message is refused for good.

    Permanent: the server refused this recipient or this message with a 5xx reply. A 5xx that
    refuses *us* (greeting, login, sender address) is a fault of the setup that every message
    shares, not of this one: it is retried like a 4xx, so that the operator can fix it before
    the last try, instead of failing every offer at once.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # One (code, message) per refused recipient; we send to one.
        codes = [code for code, _message in exc.recipients.values()]
        return not codes or any(code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code < 500
    # Connection refused, lost or timed out; a 4xx; a refused greeting, login or sender.
    return isinstance(exc, MAIL_ERRORS)


def backoff_seconds(attempt: int) -> int:
    """The wait before retry number `attempt + 1` (attempt 0 = the first retry).

    Exponential with "equal jitter": half the exponential wait for sure, the other half at
    random, so that offers that failed together do not all come back at the same second.
    """
    base = settings.LOTSE_SMTP_RETRY_BASE_SECONDS
    ceiling = settings.LOTSE_SMTP_RETRY_MAX_SECONDS
    wait = min(ceiling, base * 2**attempt)
    return max(1, round(wait / 2 + random.uniform(0, wait / 2)))  # noqa: S311 - not a secret
