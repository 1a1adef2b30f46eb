"""seven.io (formerly sms77), an SMS gateway with its servers in Germany, over its HTTP API.

`SMS_URL=seven://API_KEY@gateway.seven.io?from=%2B4923...&signing_secret=...` — `from` is the
sender (a number, or up to 11 letters: replies need a number), `signing_secret` the "signing key"
of the account (Developer → API settings), with which seven signs every webhook. Register two
webhooks for the account (dashboard, or `POST /api/hooks`) with request method JSON:
`sms_mo` → `SITE_URL/sms/seven/inbound/` and `dlr` → `SITE_URL/sms/seven/status/`.

What this follows (sources, read in 2026):
- docs.seven.io/en/rest-api/endpoints/sms: `POST https://gateway.seven.io/api/sms` with the
  `X-Api-Key` header and `to`, `text`, `from`; the JSON answer has `success` ("100" when sent,
  else a return code) and `messages[]` with `id`, `parts`, `success`, `error`.
- The return codes as the official clients name them (github.com/seven-io/js-client,
  src/constants/ErrorCode.ts; the PHP client github.com/seven-io/php-client sends JSON bodies
  with `X-Api-Key`, as this adapter does).
- docs.seven.io/en/rest-api/webhooks: the `sms_mo` and `dlr` payloads (`data.id`, `data.sender`,
  `data.text`; `data.msg_id`, `data.status`), the headers `X-Signature`, `X-Timestamp` and
  `X-Nonce` on every webhook, retries on 429/5xx/timeouts only (a 4xx is final).
- docs.seven.io/en/rest-api/signing: the signature is the hex HMAC-SHA256, keyed with the
  signing key, of "timestamp \\n nonce \\n HTTP method \\n full URL \\n MD5 hex of the body";
  the official verifier (js-client, src/lib/WebhookVerifier.ts) allows 300 s of clock skew.
- DLR states as the clients list them (js-client, StatusReportCode.ts).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any, ClassVar, NoReturn
from urllib.parse import SplitResult

from django.conf import settings
from django.core.cache import cache
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

MAX_SKEW = 300  # seconds a webhook's X-Timestamp may lie from our clock
PHONE = re.compile(r"\+?(?:00)?([1-9][0-9]{6,14})")

STATES: dict[str, DeliveryState] = {
    "ACCEPTED": "queued",
    "BUFFERED": "queued",
    "TRANSMITTED": "sent",
    # The network sent no report: the message left seven, nothing more is known.
    "UNKNOWN": "sent",
    "DELIVERED": "delivered",
    "NOTDELIVERED": "failed",
    "EXPIRED": "failed",
    "REJECTED": "failed",
    "FAILED": "failed",
}

# Return codes that no retry can change; any other code (500 too little credit, 600 carrier
# failed, 700 unknown error, codes not listed) is tried again with backoff.
REFUSED = {
    201: "invalid country code",
    202: "invalid recipient number",
    300: "no authentication",
    301: "no recipient",
    305: "no text",
    306: "invalid sender",
    401: "text too long",
    # The same text went to the same number within 180 seconds: it was sent, not again.
    402: "reload lock (the same text was just sent to this number)",
    900: "authentication failed: check the API key",
    902: "the API key may not send SMS",
    903: "this server's IP address is not allowed for the API key",
}
RETRIED = {500: "too little credit", 600: "carrier delivery failed", 700: "unknown error"}


class Seven:
    name: ClassVar[str] = "seven"

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._api_key = endpoint.require(endpoint.username, "the API key as user name")
        self._signing_secret = endpoint.option("signing_secret", "the account's signing key")
        self.sender = endpoint.options.get("from", "").strip()

    def __repr__(self) -> str:
        return f"<Seven via {self.endpoint.base_url} from {self.sender or '(account default)'}>"

    # --- Sending ------------------------------------------------------------------------------

    def send(self, *, to: str, body: str, status_url: str | None) -> Accepted:
        # status_url is not sent: seven reports to the account's `dlr` webhook (see above).
        params = {"to": to, "text": body}
        if self.sender:
            params["from"] = self.sender
        response = post(
            self.endpoint,
            "/api/sms",
            json=params,
            headers={"X-Api-Key": self._api_key, "Accept": "application/json"},
        )
        if not response.is_success:
            raise PermanentFailure(f"seven refused the message (HTTP {response.status_code})")
        try:
            answer: Any = response.json()
        except ValueError:
            answer = response.text.strip()
        if not isinstance(answer, dict):
            # Errors may come as a bare return code.
            _fail(_code(answer))
        messages = answer.get("messages")
        message = messages[0] if isinstance(messages, list) and messages else {}
        if not isinstance(message, dict):
            message = {}
        if str(answer.get("success")) != "100" or message.get("success") is False:
            # One recipient: the message's own error code says more than the overall one.
            _fail(_code(message.get("error")) or _code(answer.get("success")))
        provider_id = message.get("id")
        if provider_id in (None, ""):
            raise TemporaryFailure("seven's answer names no message id")
        return Accepted(provider_id=str(provider_id), segments=_parts(message.get("parts")))

    # --- Webhooks -----------------------------------------------------------------------------

    def signature(self, *, timestamp: str, nonce: str, method: str, url: str, body: bytes) -> str:
        """The X-Signature seven sends for a request with these parts."""
        to_sign = "\n".join(
            [timestamp, nonce, method.upper(), url, hashlib.md5(body).hexdigest()]  # noqa: S324
        )
        return hmac.new(self._signing_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()

    def verify(self, request: HttpRequest) -> bool:
        given = request.headers.get("X-Signature", "").strip().lower()
        timestamp = request.headers.get("X-Timestamp", "").strip()
        nonce = request.headers.get("X-Nonce", "").strip()
        if not (given and timestamp.isdigit() and nonce):
            return False
        if abs(time.time() - int(timestamp)) > MAX_SKEW:
            return False
        expected = self.signature(
            timestamp=timestamp,
            nonce=nonce,
            method=request.method or "POST",
            url=settings.SITE_URL + request.get_full_path(),
            body=request.body,
        )
        if not hmac.compare_digest(expected.encode(), given.encode()):
            return False
        # A signed request seen before is a replay: each nonce counts once within the window.
        key = "sms:seven:nonce:" + hashlib.sha256(nonce.encode()).hexdigest()
        return bool(cache.add(key, 1, timeout=2 * MAX_SKEW + 60))

    def parse_inbound(self, request: HttpRequest) -> Inbound:
        data = _event(request, "sms_mo")
        provider_id, sender = _text(data, "id"), _text(data, "sender")
        match = PHONE.fullmatch(sender.replace(" ", ""))
        if not match:
            raise ValueError("sender is not a phone number")
        text = data.get("text")
        if not isinstance(text, str):
            raise ValueError("text is missing")
        return Inbound(
            provider=self.name, provider_id=provider_id, sender="+" + match[1], text=text
        )

    def parse_status(self, request: HttpRequest) -> StatusUpdate:
        data = _event(request, "dlr")
        provider_id, status = _text(data, "msg_id"), _text(data, "status").upper()
        if status not in STATES:
            raise ValueError(f"unknown status {status[:30]!r}")
        state = STATES[status]
        return StatusUpdate(
            provider=self.name,
            provider_id=provider_id,
            state=state,
            error=status if state == "failed" else "",
        )

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(status=200)


def _code(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _fail(code: int | None) -> NoReturn:
    if code in REFUSED:
        raise PermanentFailure(f"seven refused the message (code {code}: {REFUSED[code]})")
    if code is None:
        raise TemporaryFailure("seven's answer has no return code")
    what = f"code {code}: {RETRIED[code]}" if code in RETRIED else f"code {code}"
    raise TemporaryFailure(f"seven did not send the message ({what})")


def _parts(value: object) -> int | None:
    parts = _code(value)
    return parts if parts and parts > 0 else None


def _event(request: HttpRequest, kind: str) -> dict[str, Any]:
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body is not JSON: register the webhook with method JSON") from None
    if not isinstance(payload, dict) or payload.get("webhook_event") != kind:
        raise ValueError(f"not a {kind} event")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ValueError("data is missing")
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} is missing")
    return value.strip()


def from_url(url: SplitResult) -> Seven:
    """The factory `SMS_URL` names in `base.SCHEMES` (seven:// and seven+http://)."""
    return Seven(Endpoint(url, provider="seven"))
