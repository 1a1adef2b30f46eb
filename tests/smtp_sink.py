"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, for tests.

It can hold a delivery half-way (after MAIL FROM, before the recipient is accepted), so a test
can kill the sending worker at a known point: a message held there is never delivered, because
its DATA never comes. It can also refuse recipients with a given reply (e.g. 550 or 451).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now (aiosmtpd and redis-server need one given)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrivals: list[float] = []  # time.monotonic() of each message, in order
        self.refuse: dict[str, str] = {}  # address -> reply, e.g. "550 5.1.1 No such user"
        self.hold_at: int | None = None  # hold the n-th recipient (1-based) until released
        self.holding = threading.Event()
        self.release = threading.Event()
        self._recipients = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        with self._lock:
            self._recipients += 1
            hold = self._recipients == self.hold_at
        if hold:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.arrivals.append(time.monotonic())
        return "250 Message accepted for delivery"

    def to(self, address: str, subject_part: str = "") -> list[EmailMessage]:
        """The messages received for `address` whose subject contains `subject_part`."""
        with self._lock:
            return [
                m for m in self.messages if m["To"] == address and subject_part in str(m["Subject"])
            ]


@contextmanager
def smtp_server(sink: Sink, port: int | None = None) -> Iterator[int]:
    """Serve `sink` on 127.0.0.1 (on `port`, or a free one) while the block runs."""
    controller = Controller(sink, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        sink.release.set()
        controller.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def calendar_of(message: EmailMessage) -> bytes:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True)
