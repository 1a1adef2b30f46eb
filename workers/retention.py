"""Retention: what Lotse forgets about past appointments, and when.

LOTSE_RETENTION_DAYS (default 90) after an appointment ended:

- the request's free text, `address` and `note`, is blanked. Staff are asked never to write the
  client's name or case there, but free text is where such details slip in, and an address can
  be the client's home (a home visit). Nobody needs either once the task is done and its hours
  are recorded; three months leave time for questions and late corrections.
- the offers' link digests and expiry are cleared: a credential that opens nothing any more is
  still nothing to keep.
- the log of notices sent for the request (`workers.Notice`) is deleted.
- the volunteers' check-in comments (free text) are blanked and the check-in links deleted;
  the outcome itself (what happened, hours, travel, the dates) stays for the statistics and
  the books.
- in the embedded default, the development mailbox's copies of emails older than that go too
  (they hold names and addresses, and a laptop keeps them forever otherwise).

SMS older than LOTSE_RETENTION_DAYS keep only what the statistics count (office, kind, state,
times, segments): the number they went to and their text are blanked, and so are the sender and
text of the SMS replies.

Allowance ledger entries are kept LOTSE_LEDGER_RETENTION_YEARS (default 10) after the end of
their year, as bookkeeping law asks, also after the volunteer's erasure (without the person),
then deleted here.

Audit entries (volunteers/audit.py) are kept LOTSE_AUDIT_RETENTION_DAYS (default 730), then deleted
here; the database refuses to delete younger ones.

Kept, because the network's statistics and the acceptance model need them and they name no
client: the request's office, skill, languages, times, postcode and district, counts and status,
and each offer's volunteer, wave, status, times, score, features, decline reason and hours. A
volunteer's own data follow the volunteers app's rules (erasure on request, unconfirmed
registrations after 7 days); an erased volunteer's offers point at an anonymous row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from requests import allowances
from requests.models import CheckinLink, Offer, Outcome, Request
from volunteers import audit
from workers import mailbox
from workers.models import Notice, SmsMessage, SmsReply
from workers.sms import dev as sms_dev


def cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    """Appointments that ended before this moment are past retention."""
    return (now or timezone.now()) - dt.timedelta(days=settings.LOTSE_RETENTION_DAYS)


@transaction.atomic
def apply_retention(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Forget what is past retention (see the module docstring); counts per kind of data."""
    now = now or timezone.now()
    before = cutoff(now=now)
    texts = audit.update(
        Request.objects.filter(ends_at__lt=before).exclude(Q(address="") & Q(note="")),
        address="",
        note="",
        updated_at=now,
    )
    links = Offer.objects.filter(request__ends_at__lt=before, token_digest__isnull=False).update(
        token_digest=None, token_expires_at=None
    )
    notices, _per_model = Notice.objects.filter(request__ends_at__lt=before).delete()
    comments = (
        Outcome.objects.filter(offer__request__ends_at__lt=before)
        .exclude(comment="")
        .update(comment="")
    )
    checkin_links, _per_model = CheckinLink.objects.filter(
        outcome__offer__request__ends_at__lt=before
    ).delete()
    mails = mailbox.delete_older_than(before) if mailbox.in_use() else 0
    mails += sms_dev.delete_older_than(before) if sms_dev.in_use() else 0
    sms = (
        SmsMessage.objects.filter(created_at__lt=before)
        .exclude(Q(to="") & Q(body=""))
        .update(to="", body="")
    )
    sms += (
        SmsReply.objects.filter(received_at__lt=before)
        .exclude(Q(sender="") & Q(text=""))
        .update(sender="", text="")
    )
    trail = audit.delete_expired(now=now)
    ledger = allowances.forget_old(now=now)
    return {
        "request_texts": texts,
        "offer_links": links,
        "notices": notices,
        "checkin_comments": comments,
        "checkin_links": checkin_links,
        "mails": mails,
        "sms": sms,
        "audit_entries": trail,
        "allowance_entries": ledger,
    }
