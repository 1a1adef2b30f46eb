"""Real processes for tests: a Celery worker, and a wait that gives up with the reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll `condition` until it returns something truthy; fail naming `what` after `timeout`.

    This waits for another process to do its work; it never stands in for a missing lock.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


class Process:
    """A child process whose output is collected line by line in the background."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def saw(self, text: str) -> bool:
        if self.popen.poll() is not None and not any(text in line for line in self.lines):
            raise AssertionError(f"process exited ({self.popen.returncode}):\n{self.output}")
        return any(text in line for line in self.lines)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._reader.join(timeout=5)


def process_env(**overrides: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **overrides}
    return {key: value for key, value in env.items() if value is not None}


def worker_env(*, smtp_port: int, **overrides: str) -> dict[str, str]:
    """The environment of a worker process on this test's database, mailing through the SMTP
    server on `smtp_port`."""
    return process_env(
        DATABASE_URL=worker_database_url(), EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}", **overrides
    )


def worker_database_url() -> str:
    """The URL of the database this test runs on, for a worker process to use the same."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    netloc = f"{credentials}@{host}" if credentials else host
    return urlunsplit(("postgres", netloc, "/" + db["NAME"], "", ""))


def kill_hard(process: Process) -> None:
    """SIGKILL the process and its children (a prefork worker's pool), as a crash would."""
    pid = process.popen.pid
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    children = [int(c) for c in children_file.read_text().split()] if children_file.exists() else []
    for target in [pid, *children]:
        with suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)
    process.popen.wait(timeout=30)


@contextmanager
def redis_server(port: int) -> Iterator[Process]:
    """A Redis of the test's own, without persistence: a restart empties it."""
    server = Process(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        process_env(),
    )
    try:
        wait_until(lambda: server.saw("Ready to accept connections"), timeout=30, what="redis")
        yield server
    finally:
        server.stop()


@contextmanager
def celery_beat(env: dict[str, str], schedule: Path) -> Iterator[Process]:
    """A real `celery -A config beat` process with its schedule file at `schedule`."""
    beat = Process(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=info",
            f"--schedule={schedule}",
        ],
        env,
    )
    try:
        wait_until(lambda: beat.saw("beat: Starting"), timeout=60, what="beat to start")
        yield beat
    finally:
        beat.stop()


@contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[Process]:
    """A real `celery -A config worker` process, ready to take tasks when this yields."""
    worker = Process(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=info",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
    )
    try:
        wait_until(lambda: worker.saw("ready."), timeout=60, what="the worker to start")
        yield worker
    finally:
        worker.stop()


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
