"""Local SMS gateways for tests: real HTTP servers that speak Twilio's and seven.io's APIs.

Each implements the provider's documented send endpoint (authentication, validation, the JSON
answer with an id and the segment count) and can be told to fail the next requests: an HTTP
status (500, 429, ...), a provider error code, a timeout (the answer is held until the test
ends) or a dropped connection. Each also plays the provider's side of the webhooks: it posts
signed status callbacks and signed inbound messages to a URL, signing them as the provider's
documentation says (written here independently of the adapters, so they are not checked against
themselves).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

# GSM 03.38: the basic set (one septet each) and the extension table (two septets each).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def segments(text: str) -> tuple[int, str]:
    """How many SMS a text takes, and its encoding: GSM-7 160 (153 when split), else UCS-2
    70 (67 when split, counted in UTF-16 code units)."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        length = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, part, encoding = 160, 153, "gsm"
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "ucs2"
    return (1 if length <= single else -(-length // part)), encoding


@dataclass
class Received:
    """One request the gateway received."""

    path: str
    headers: dict[str, str]
    fields: dict[str, str]
    content_type: str


@dataclass
class Gateway:
    """What both gateways share: the server, the requests it saw, the failures it is told."""

    requests: list[Received] = field(default_factory=list)
    # Applied to the next requests, one each: an HTTP status (int), "timeout", "drop", or a
    # provider-specific failure (see the subclasses).
    failures: list[Any] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # How webhooks reach Lotse: over the network (None), or through a client the test gives.
    client: httpx.Client | None = None

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def fail_next(self, *failures: Any) -> None:
        with self.lock:
            self.failures.extend(failures)

    def next_failure(self) -> Any:
        with self.lock:
            return self.failures.pop(0) if self.failures else None

    def answer(self, handler: BaseHTTPRequestHandler, received: Received) -> None:
        raise NotImplementedError

    @contextmanager
    def running(self) -> Iterator[Gateway]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
                if content_type == "application/json":
                    try:
                        loaded = json.loads(raw or b"{}")
                    except ValueError:
                        loaded = {}
                    if not isinstance(loaded, dict):
                        loaded = {}
                    fields = {k: str(v) for k, v in loaded.items()}
                else:
                    fields = dict(parse_qsl(raw.decode(), keep_blank_values=True))
                received = Received(self.path, dict(self.headers.items()), fields, content_type)
                with gateway.lock:
                    gateway.requests.append(received)
                failure = gateway.next_failure()
                if failure == "timeout":
                    # Held until the test ends: the client gives up first.
                    gateway.release.wait(30)
                    return
                if failure == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(failure, int):
                    self.reply(failure, {"status": failure, "message": "failure told by the test"})
                    return
                if failure is None:
                    gateway.answer(self, received)
                else:
                    gateway.fail(self, failure)

            def reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release.set()
            server.shutdown()
            server.server_close()
            thread.join(5)

    def fail(self, handler: Any, failure: Any) -> None:
        raise NotImplementedError


E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass
class TwilioGateway(Gateway):
    """Twilio's Messages API (2010-04-01) and its webhooks."""

    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = "twilio-test-auth-token"
    numbers: tuple[str, ...] = ("+4923100000",)
    unsubscribed: set[str] = field(default_factory=set)
    sids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def sms_url(self, *, scheme: str = "twilio+http", **options: str) -> str:
        query = urlencode({"from": self.numbers[0], **options})
        return f"{scheme}://{self.account_sid}:{self.auth_token}@{self.url}?{query}"

    def error(self, handler: Any, status: int, code: int, message: str) -> None:
        handler.reply(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def fail(self, handler: Any, failure: Any) -> None:
        # ("twilio", code, status): a Twilio error of that code
        _kind, code, status = failure
        self.error(handler, status, code, "failure told by the test")

    def answer(self, handler: Any, received: Received) -> None:
        expected_path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if received.headers.get("Authorization") != f"Basic {credentials}":
            self.error(handler, 401, 20003, "Authenticate")
            return
        if received.path != expected_path:
            self.error(handler, 404, 20404, "The requested resource was not found")
            return
        if received.content_type != "application/x-www-form-urlencoded":
            self.error(handler, 400, 21601, "Request body must be form-encoded")
            return
        fields = received.fields
        to, body = fields.get("To", ""), fields.get("Body", "")
        sender = fields.get("From") or fields.get("MessagingServiceSid", "")
        if not to:
            self.error(handler, 400, 21604, "A 'To' phone number is required.")
        elif not E164.fullmatch(to):
            self.error(handler, 400, 21211, f"The 'To' number {to} is not a valid phone number.")
        elif sender not in self.numbers:
            self.error(handler, 400, 21606, "The 'From' phone number provided is not valid")
        elif not body:
            self.error(handler, 400, 21602, "Message body is required.")
        elif to in self.unsubscribed:
            self.error(handler, 400, 21610, "Attempt to send to unsubscribed recipient")
        else:
            sid = f"SM{next(self.sids):032x}"
            count, _encoding = segments(body)
            handler.reply(
                201,
                {
                    "account_sid": self.account_sid,
                    "api_version": "2010-04-01",
                    "body": body,
                    "direction": "outbound-api",
                    "error_code": None,
                    "error_message": None,
                    "from": sender,
                    "num_media": "0",
                    "num_segments": str(count),
                    "price": None,
                    "sid": sid,
                    "status": "queued",
                    "to": to,
                    "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
                },
            )

    # --- Twilio's side of the webhooks --------------------------------------------------------

    def sign(self, url: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature: base64 HMAC-SHA1 over the URL and the sorted name+value pairs."""
        data = url + "".join(name + params[name] for name in sorted(params))
        digest = hmac.new(self.auth_token.encode(), data.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def post_webhook(
        self,
        url: str,
        params: dict[str, str],
        *,
        signed_url: str | None = None,
        signature: str | None = "sign",
    ) -> httpx.Response:
        headers = {"User-Agent": "TwilioProxy/1.1"}
        if signature == "sign":
            signature = self.sign(signed_url or url, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return (self.client or httpx).post(url, data=params, headers=headers, timeout=10)

    def status_params(self, sid: str, status: str, error_code: str = "") -> dict[str, str]:
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": self.numbers[0],
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": "+491701234567",
        }
        if error_code:
            params["ErrorCode"] = error_code
        return params

    def inbound_params(self, sender: str, text: str) -> dict[str, str]:
        sid = f"SM{secrets.token_hex(16)}"
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": text,
            "From": sender,
            "FromCountry": "DE",
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": self.numbers[0],
            "ToCountry": "DE",
        }


@dataclass
class SevenGateway(Gateway):
    """seven.io's SMS endpoint (`POST /api/sms`) and its signed webhooks."""

    api_key: str = "seven-test-api-key"
    signing_secret: str = "seven-test-signing-key"
    sender: str = "+4923100000"
    refused: dict[str, int] = field(default_factory=dict)  # recipient -> return code
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(77149843700))

    def sms_url(self, *, scheme: str = "seven+http", **options: str) -> str:
        query = urlencode({"from": self.sender, "signing_secret": self.signing_secret, **options})
        return f"{scheme}://{self.api_key}@{self.url}?{query}"

    def fail(self, handler: Any, failure: Any) -> None:
        # ("seven", code): HTTP 200 with that return code, as seven answers its errors
        _kind, code = failure
        handler.reply(200, str(code).encode(), "application/json")

    def answer(self, handler: Any, received: Received) -> None:
        if received.path != "/api/sms":
            handler.reply(404, {"success": False})
            return
        if received.headers.get("X-Api-Key") != self.api_key:
            handler.reply(200, b"900")
            return
        fields = received.fields
        to, text, sender = fields.get("to", ""), fields.get("text", ""), fields.get("from", "")
        digits = re.sub(r"^(\+|00)", "", to)
        if not to:
            code = 301
        elif not text:
            code = 305
        elif not re.fullmatch(r"[1-9][0-9]{7,15}", digits):
            code = 202
        elif sender and not (
            re.fullmatch(r"\+?[0-9]{1,16}", sender) or re.fullmatch(r"[A-Za-z0-9 ]{1,11}", sender)
        ):
            code = 306
        else:
            code = self.refused.get(to, 100)
        if code != 100:
            handler.reply(200, str(code).encode())
            return
        parts, encoding = segments(text)
        message_id = str(next(self.ids))
        handler.reply(
            200,
            {
                "success": "100",
                "total_price": 0.075 * parts,
                "balance": 42.0,
                "debug": "false",
                "sms_type": "direct",
                "messages": [
                    {
                        "id": message_id,
                        "sender": sender or "seven",
                        "recipient": digits,
                        "text": text,
                        "encoding": encoding,
                        "label": None,
                        "parts": parts,
                        "udh": None,
                        "is_binary": False,
                        "price": 0.075 * parts,
                        "success": True,
                        "error": None,
                        "error_text": None,
                    }
                ],
            },
        )

    # --- seven's side of the webhooks ---------------------------------------------------------

    def sign(self, *, timestamp: int, nonce: str, url: str, body: bytes) -> str:
        """X-Signature: hex HMAC-SHA256 of timestamp, nonce, method, URL and the body's MD5,
        one per line, keyed with the signing key (docs.seven.io/en/rest-api/signing)."""
        body_md5 = hashlib.md5(body).hexdigest()  # noqa: S324 (the documented scheme)
        to_sign = f"{timestamp}\n{nonce}\nPOST\n{url}\n{body_md5}"
        return hmac.new(self.signing_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()

    def post_webhook(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        signed_url: str | None = None,
        signature: str | None = "sign",
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        timestamp = int(time.time()) if timestamp is None else timestamp
        nonce = nonce or secrets.token_hex(16)
        headers = {"Content-Type": "application/json", "X-Timestamp": str(timestamp)}
        headers["X-Nonce"] = nonce
        if signature == "sign":
            target = signed_url or url
            signature = self.sign(timestamp=timestamp, nonce=nonce, url=target, body=body)
        if signature is not None:
            headers["X-Signature"] = signature
        return (self.client or httpx).post(url, content=body, headers=headers, timeout=10)

    def dlr(self, msg_id: str, status: str) -> dict[str, Any]:
        return {
            "data": {"msg_id": msg_id, "status": status, "timestamp": "2026-03-02 08:08:00.000000"},
            "webhook_event": "dlr",
            "webhook_timestamp": "2026-03-02T08:08:00+01:00",
        }

    def sms_mo(self, sender: str, text: str) -> dict[str, Any]:
        return {
            "data": {
                "id": str(next(self.ids)),
                "sender": sender,
                "system": self.sender.lstrip("+"),
                "text": text,
                "time": str(int(time.time())),
                "message_type": "SMS",
            },
            "webhook_event": "sms_mo",
            "webhook_timestamp": "2026-03-02 11:55:44",
        }
