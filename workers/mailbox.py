"""The embedded default's mailbox: outgoing email as files, readable in the browser.

`MailboxBackend` writes each message as one `.eml` file into `settings.MAILBOX_DIR`, so that
the worker process (which sends) and the web process (which shows `/dev/mail/`) share them.
The pages exist only with DEBUG and this backend; in production they are a 404.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage as ParsedMessage
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

_NAME = re.compile(r"^[0-9TZ]{15,}-[0-9a-f]{12}\.eml$")
# How often the open mailbox page asks whether a new message arrived. An unchanged mailbox
# costs one directory listing and an empty answer, so the page can ask often: an offer email
# appears about as soon as the worker writes it.
POLL_MILLISECONDS = 500


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        directory = Path(settings.MAILBOX_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:12]}.eml"
            # Written under a temporary name and renamed, so the mailbox page never reads half a
            # message while the worker is still writing it.
            partial = directory / f".{name}.partial"
            partial.write_bytes(message.message().as_bytes(linesep="\n"))
            partial.rename(directory / name)
            sent += 1
        return sent


@dataclass(frozen=True)
class StoredMail:
    id: str
    message: ParsedMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def sent_at(self) -> dt.datetime | None:
        """When the message was written (its Date header; shown in Berlin time by the pages)."""
        try:
            sent = email.utils.parsedate_to_datetime(str(self.message.get("Date", "")))
        except (TypeError, ValueError):
            return None
        # Django writes UTC as "-0000" (RFC 5322: "no zone given"), which parses naive.
        return sent if sent.tzinfo is not None else sent.replace(tzinfo=dt.UTC)

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    @property
    def attachments(self) -> list[tuple[int, str, str]]:
        """(index, file name, content type) of each attachment, e.g. a calendar invite."""
        return [
            (index, part.get_filename() or f"attachment-{index}", part.get_content_type())
            for index, part in enumerate(self.message.iter_attachments())
        ]

    def attachment(self, index: int) -> tuple[str, str, bytes] | None:
        for position, part in enumerate(self.message.iter_attachments()):
            if position == index:
                payload = part.get_payload(decode=True) or b""
                return part.get_filename() or "attachment", part.get_content_type(), payload
        return None


def in_use() -> bool:
    """Email is written into the mailbox (the embedded default)."""
    return f"{__name__}.MailboxBackend" == settings.EMAIL_BACKEND


def mailbox_enabled() -> bool:
    """The mailbox pages are shown: the mailbox is in use, and only in development."""
    return bool(settings.DEBUG) and in_use()


def stored_ids() -> list[str]:
    """Newest first; file names start with the time they were written."""
    directory = Path(settings.MAILBOX_DIR)
    if not directory.is_dir():
        return []
    return sorted((p.name for p in directory.iterdir() if _NAME.match(p.name)), reverse=True)


def newest_id() -> str:
    """The id of the newest message, "" for an empty mailbox: the page's version to poll with."""
    ids = stored_ids()
    return ids[0] if ids else ""


def read(mail_id: str) -> StoredMail | None:
    if not _NAME.match(mail_id):  # never let a URL name a path outside the mailbox
        return None
    path = Path(settings.MAILBOX_DIR) / mail_id
    if not path.is_file():
        return None
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, ParsedMessage)  # noqa: S101 - guaranteed by policy.default
    return StoredMail(id=mail_id, message=message)


def clear() -> int:
    ids = stored_ids()
    for mail_id in ids:
        (Path(settings.MAILBOX_DIR) / mail_id).unlink(missing_ok=True)
    return len(ids)


def delete_older_than(cutoff: dt.datetime) -> int:
    """Delete the messages written before `cutoff` (retention); returns how many."""
    directory = Path(settings.MAILBOX_DIR)
    deleted = 0
    for mail_id in stored_ids():
        path = directory / mail_id
        try:
            written = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        except FileNotFoundError:
            continue
        if written < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
