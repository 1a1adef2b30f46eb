"""A task enqueued by one process is executed by a real, separate Celery worker process."""

import email
import email.policy
import queue
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.processes import celery_worker, manage, process_env, wait_until

pytestmark = pytest.mark.real_worker


def test_it_delivers_through_the_embedded_broker_into_the_mailbox(tmp_path):
    """Embedded default (no servers): `send_test_email` → file broker → worker → dev mailbox."""
    env = process_env(
        LOTSE_VAR_DIR=str(tmp_path),
        CELERY_BROKER_URL=None,
        REDIS_URL=None,
        EMAIL_URL=None,
        DATABASE_URL=None,
    )
    with celery_worker(env) as worker:
        assert worker.saw("filesystem://")
        result = manage("send_test_email", "ayse@lotse.example", env=env)
        assert result.returncode == 0, result.stderr
        mail_dir = tmp_path / "mail"
        files = wait_until(
            lambda: list(mail_dir.glob("*.eml")) if mail_dir.exists() else [],
            timeout=30,
            what="the test email in the mailbox",
        )
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "ayse@lotse.example"
    assert "Testnachricht" in message["Subject"]


class Sink:
    """An SMTP server on localhost that hands every message it receives to a queue."""

    def __init__(self) -> None:
        self.received: queue.Queue = queue.Queue()

    async def handle_DATA(self, server, session, envelope):
        self.received.put(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink():
    sink = Sink()
    with socket.socket() as probe:  # aiosmtpd cannot listen on port 0 itself: find a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@pytest.mark.redis
def test_it_delivers_through_redis_to_a_real_smtp_server(smtp_sink):
    """Production shape: the command enqueues on Redis, the worker sends real SMTP."""
    sink, port = smtp_sink
    env = process_env(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    with celery_worker(env) as worker:
        assert worker.saw("redis://")
        result = manage("send_test_email", "jonas@lotse.example", env=env)
        assert result.returncode == 0, result.stderr
        message = sink.received.get(timeout=30)
    assert message["To"] == "jonas@lotse.example"
    assert "test message" in message["Subject"]
