"""Twilio's Programmable Messaging, over its REST API with httpx (no SDK).

`SMS_URL=twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B4923...` — `from` is the Twilio
number (E.164) or the SID of a Messaging Service (`MG...`). Configure the number's "A message
comes in" webhook as `SITE_URL/sms/twilio/inbound/` (HTTP POST); the status callback URL is sent
with each message.

What this follows (Twilio's documentation):
- Sending: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From` (or
  `MessagingServiceSid`), `Body`, `StatusCallback`, HTTP Basic auth with the Account SID and the
  auth token; the answer (201) is the Message resource in JSON with `sid` and `num_segments`
  (a string). Errors answer a JSON body with Twilio's `code` and `message`.
- Webhooks are form-encoded POSTs: an inbound message carries `MessageSid`, `From`, `To`,
  `Body`; a status callback `MessageSid`, `MessageStatus` and, when it failed, `ErrorCode`.
- `X-Twilio-Signature` is base64(HMAC-SHA1(auth token, the full URL Twilio requested + every
  POST parameter's name and value, sorted by name)). Twilio's own validator accepts the URL with
  and without the default port, and so does this one.
- A webhook is answered with TwiML; an empty `<Response/>` sends no reply.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import ClassVar
from urllib.parse import SplitResult, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from workers.sms.base import (
    Accepted,
    DeliveryState,
    Inbound,
    PermanentFailure,
    StatusUpdate,
    TemporaryFailure,
)
from workers.sms.httpapi import Endpoint, post

E164 = re.compile(r"\+[1-9][0-9]{6,14}")

# Twilio's MessageStatus values (documented on the Message resource) and what they mean here.
STATES: dict[str, DeliveryState] = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}

# The refusals worth naming in an error text; any other code is shown by its number.
KNOWN_ERRORS = {
    20003: "authentication failed: check the Account SID and auth token",
    20404: "unknown Account SID",
    21211: "the number is not a valid phone number",
    21408: "sending to this region is not enabled",
    21606: "the From number cannot send SMS",
    21610: "the recipient has unsubscribed (replied STOP to Twilio)",
    21612: "the recipient cannot be reached from this number",
    21614: "the number is not a mobile number",
    21617: "the message is too long",
}


class Twilio:
    name: ClassVar[str] = "twilio"

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.account_sid = endpoint.require(endpoint.username, "the Account SID as user name")
        self._auth_token = endpoint.require(endpoint.password, "the auth token as password")
        self.sender = endpoint.option("from", "the sending number or Messaging Service SID")

    def __repr__(self) -> str:
        return f"<Twilio {self.account_sid} via {self.endpoint.base_url} from {self.sender}>"

    # --- Sending ------------------------------------------------------------------------------

    def send(self, *, to: str, body: str, status_url: str | None) -> Accepted:
        data = {"To": to, "Body": body}
        data["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        if status_url:
            data["StatusCallback"] = status_url
        response = post(
            self.endpoint,
            f"/2010-04-01/Accounts/{self.account_sid}/Messages.json",
            data=data,
            auth=(self.account_sid, self._auth_token),
            headers={"Accept": "application/json"},
        )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not response.is_success:
            code = answer.get("code") if isinstance(answer, dict) else None
            what = KNOWN_ERRORS.get(code, "") if isinstance(code, int) else ""
            detail = f", error {code}" if code else ""
            raise PermanentFailure(
                f"Twilio refused the message (HTTP {response.status_code}{detail}"
                f"{': ' + what if what else ''})"
            )
        sid = answer.get("sid") if isinstance(answer, dict) else None
        if not isinstance(sid, str) or not sid:
            # Not Twilio's answer (a proxy's page?): nothing says the message was taken.
            raise TemporaryFailure(f"Twilio's answer (HTTP {response.status_code}) has no sid")
        return Accepted(provider_id=sid, segments=_segments(answer.get("num_segments")))

    # --- Webhooks -----------------------------------------------------------------------------

    def signature(self, url: str, params: list[tuple[str, str]]) -> str:
        """What Twilio sends as X-Twilio-Signature for a POST of `params` to `url`."""
        names = sorted({name for name, _value in params})
        payload = url + "".join(
            name + value for name in names for value in sorted({v for n, v in params if n == name})
        )
        digest = hmac.new(self._auth_token.encode(), payload.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def verify(self, request: HttpRequest) -> bool:
        given = request.headers.get("X-Twilio-Signature", "")
        if not given:
            return False
        params = [(name, value) for name, values in request.POST.lists() for value in values]
        url = settings.SITE_URL + request.get_full_path()
        return any(
            hmac.compare_digest(self.signature(candidate, params).encode(), given.encode())
            for candidate in _with_and_without_port(url)
        )

    def parse_inbound(self, request: HttpRequest) -> Inbound:
        sid, sender = _field(request, "MessageSid"), _field(request, "From")
        if "Body" not in request.POST:
            raise ValueError("Body is missing")
        if not E164.fullmatch(sender):
            raise ValueError("From is not a phone number in E.164")
        return Inbound(
            provider=self.name, provider_id=sid, sender=sender, text=request.POST["Body"]
        )

    def parse_status(self, request: HttpRequest) -> StatusUpdate:
        sid, status = _field(request, "MessageSid"), _field(request, "MessageStatus")
        if status not in STATES:
            raise ValueError(f"unknown MessageStatus {status[:30]!r}")
        error = request.POST.get("ErrorCode", "").strip()
        return StatusUpdate(
            provider=self.name, provider_id=sid, state=STATES[status], error=error[:50]
        )

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(
            '<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml"
        )


def _segments(value: object) -> int | None:
    try:
        segments = int(str(value))
    except ValueError:
        return None
    return segments if segments > 0 else None


def _field(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name, "").strip()
    if not value:
        raise ValueError(f"{name} is missing")
    return value


def _with_and_without_port(url: str) -> list[str]:
    """The URL as given and with its scheme's default port added or removed."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    if parts.port is None and default:
        other = parts._replace(netloc=f"{host}:{default}")
    elif parts.port == default:
        other = parts._replace(netloc=host)
    else:
        return [url]
    return [url, urlunsplit(other)]


def from_url(url: SplitResult) -> Twilio:
    """The factory `SMS_URL` names in `base.SCHEMES` (twilio:// and twilio+http://)."""
    return Twilio(Endpoint(url, provider="twilio"))
