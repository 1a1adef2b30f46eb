"""The development SMS box: the embedded default's SMS provider (`SMS_URL` empty or `dev://`).

Every SMS "sent" is written as one JSON file into `settings.SMS_DEV_DIR`, so the worker (which
sends) and the web process (which shows `/dev/sms/`) share them, as the dev mailbox does with
email. Replies typed on that page are written there too, as messages from the phone, and go
through `base.receive_inbound` as a provider's webhook would.

A file named `OUTAGE` in the folder makes every send fail temporarily, as a provider that is
down would: to try, and to test, that no message is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from workers.sms import segments
from workers.sms.base import Accepted, Inbound, StatusUpdate, TemporaryFailure

NAME = "dev"
_FILE = re.compile(r"^[0-9TZ]{15,}-[0-9a-f]{12}\.json$")
OUTAGE = "OUTAGE"


@dataclass(frozen=True)
class StoredSms:
    id: str
    direction: str  # "out" (Lotse → phone) or "in" (phone → Lotse)
    phone: str
    body: str
    at: dt.datetime
    segments: int


def _directory() -> Path:
    return Path(settings.SMS_DEV_DIR)


def _write(*, direction: str, phone: str, body: str) -> str:
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    message_id = f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:12]}"
    record = {
        "direction": direction,
        "phone": phone,
        "body": body,
        "at": now.isoformat(),
        "segments": segments.count(body).segments,
    }
    # Written under a temporary name and renamed: the page never reads half a message.
    partial = directory / f".{message_id}.partial"
    partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    partial.rename(directory / f"{message_id}.json")
    return message_id


class DevProvider:
    name = NAME

    def send(self, *, to: str, body: str, status_url: str | None) -> Accepted:
        if (_directory() / OUTAGE).exists():
            raise TemporaryFailure("the dev SMS box is in an outage (remove its OUTAGE file)")
        message_id = _write(direction="out", phone=to, body=body)
        return Accepted(provider_id=message_id, segments=segments.count(body).segments)

    # The dev box has no webhooks: /dev/sms/ hands replies to receive_inbound itself.
    def verify(self, request: HttpRequest) -> bool:
        return False

    def parse_inbound(self, request: HttpRequest) -> Inbound:
        raise ValueError("the dev SMS box takes replies on /dev/sms/ only")

    def parse_status(self, request: HttpRequest) -> StatusUpdate:
        raise ValueError("the dev SMS box reports no status")

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(status=204)


def from_url(url: SplitResult) -> DevProvider:
    return DevProvider()


def record_reply(*, phone: str, text: str) -> Inbound:
    """A reply typed on /dev/sms/ as `phone`: kept in the box, returned as an Inbound."""
    message_id = _write(direction="in", phone=phone, body=text)
    return Inbound(provider=NAME, provider_id=message_id, sender=phone, text=text)


def stored_ids() -> list[str]:
    """Newest first (file names start with the time)."""
    directory = _directory()
    if not directory.is_dir():
        return []
    names = (p.name for p in directory.iterdir() if _FILE.match(p.name))
    return sorted((n.removesuffix(".json") for n in names), reverse=True)


def read(message_id: str) -> StoredSms | None:
    path = _directory() / f"{message_id}.json"
    if not _FILE.match(path.name) or not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    return StoredSms(
        id=message_id,
        direction=record["direction"],
        phone=record["phone"],
        body=record["body"],
        at=dt.datetime.fromisoformat(record["at"]),
        segments=int(record.get("segments", 1)),
    )


def messages(limit: int = 300) -> list[StoredSms]:
    return [m for m in map(read, stored_ids()[:limit]) if m is not None]


def sent_to(phone: str) -> list[StoredSms]:
    """The SMS Lotse sent to `phone`, oldest first."""
    return [
        m for m in reversed(messages(limit=10_000)) if m.direction == "out" and m.phone == phone
    ]


def newest_id() -> str:
    ids = stored_ids()
    return ids[0] if ids else ""


def clear() -> int:
    ids = stored_ids()
    for message_id in ids:
        (_directory() / f"{message_id}.json").unlink(missing_ok=True)
    return len(ids)


def delete_older_than(cutoff: dt.datetime) -> int:
    """Delete the box's messages written before `cutoff` (retention); returns how many."""
    deleted = 0
    for message in messages(limit=1_000_000):
        if message.at < cutoff:
            (_directory() / f"{message.id}.json").unlink(missing_ok=True)
            deleted += 1
    return deleted


def in_use() -> bool:
    return (getattr(settings, "SMS_URL", "") or "dev://").startswith("dev:")
