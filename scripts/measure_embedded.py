"""`make bench-embedded`: how quickly the embedded default (`make run`) answers, end to end.

Starts `make run`'s processes (honcho with the Procfile: runserver, a Celery worker and beat on
the filesystem broker, the dev mailbox) on a free port, with its files in a temporary folder and
a copy of the demo database, or measures a running one (`--url`, with `--var-dir` its folder).
Then, as the demo staff member `mengede`, it creates requests through the API and, one request
at a time, measures:

  (a) "Angebote verschicken" (the staff page's form) → the first offer email is in the mailbox;
  (b) a volunteer clicks "Ja, mache ich" on the offer page (the link in that email) → the staff
      page's status endpoint (`/requests/<id>/live/`) says "filled".

It prints median and p95 and, with `--record`, writes them into docs/benchmarks.md. The timings
are taken from this process: (a) from just before the form is posted until the email's file is
in the mailbox folder (which the mailbox page lists), (b) from just before the accept is posted
until the first answer of the status endpoint that shows it. A page adds at most its polling
interval on top; the section says which.

    python scripts/measure_embedded.py [--requests 10] [--url URL --var-dir DIR] [--record FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_USER, DEMO_PASSWORD = "mengede", "lotse-demo"
EXTERNAL = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "EMAIL_URL", "CACHE_URL")
SECTION = "## Embedded default (`make run`)"
# Pairs of languages the demo volunteers speak often enough for a wave in Mengede.
LANGUAGES = [["ar", "de"], ["fa", "de"], ["tr", "de"], ["ru", "de"], ["uk", "de"], ["pl", "de"]]
# The same measurement before the broker looked more often than kombu's once a second.
BEFORE = (
    "Before, with kombu's default (a look every second), against `make run` on the same "
    "machine, 2026-12-06, 5 requests: first offer email median 2,869 ms, max 4,825 ms (every "
    "hop through the broker waited up to a second, and the worker fetches two messages a look); "
    "the accept reached the status endpoint in 81 ms, but the page asked only every 10 s."
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OFFER_LINK = re.compile(r"https?://[^\s\"<>]+/offers/[A-Za-z0-9_\-]+/")


@dataclass
class Sample:
    request_id: int
    first_offer_s: float
    accept_seen_s: float
    accept_post_s: float


class Client:
    """A browser's worth of HTTP: cookies, CSRF tokens, no redirects followed silently."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.headers: dict[str, str] = {}

    def open(self, path: str, data: dict | None = None, *, as_json: bool = False) -> tuple:
        url = path if path.startswith("http") else self.base + path
        headers = dict(self.headers)
        body = None
        if data is not None and as_json:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = url  # Django checks it on HTTPS only; harmless here
        request = urllib.request.Request(url, body, headers)  # noqa: S310 (our own server)
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def form_token(self, path: str) -> str:
        status, html = self.open(path)
        found = CSRF.search(html)
        if status != 200 or not found:
            raise SystemExit(f"{path}: no form to post ({status}).")
        return found.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--url", help="a running `make run`, e.g. http://127.0.0.1:8000")
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var", help="its LOTSE_VAR_DIR")
    parser.add_argument("--record", type=Path, help="write the figures into this Markdown file")
    args = parser.parse_args()
    for name in EXTERNAL:  # the embedded default, in the stack and in the figures it reports
        os.environ.pop(name, None)
    if args.url:
        samples = measure(args.url, args.var_dir / "mail", args.requests)
        how = f"against a running `make run` ({args.url})"
    else:
        with (
            tempfile.TemporaryDirectory(prefix="lotse-embedded-") as tmp,
            stack(Path(tmp)) as base,
        ):
            samples = measure(base, Path(tmp) / "mail", args.requests)
        how = "on a stack of its own (honcho with the Procfile, as `make run`)"
    text = report(samples, how)
    print(text)
    if args.record:
        write_section(args.record, text)
    return 0


class stack:
    """`make run`'s processes on a free port, files and a database copy in `tmp`."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        env = dict(os.environ)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env.update(
            LOTSE_VAR_DIR=str(self.tmp),
            HOST="127.0.0.1",
            PORT=str(port),
            SITE_URL=base,
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
            TRUSTED_PROXIES="1",
        )
        database = ROOT / "var" / "lotse.sqlite3"
        if database.exists():  # a copy of the demo database saves seeding it anew
            shutil.copy(database, self.tmp / "lotse.sqlite3")
        manage = [sys.executable, str(ROOT / "manage.py")]
        for step in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run(  # noqa: S603
                [*manage, *step], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
            )
        self.log = open(self.tmp / "run.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", "Procfile"],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as Ctrl-C would
        )
        wait_for(f"{base}/healthz")
        wait_for_worker(self.tmp / "run.log")
        return base

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None  # noqa: S101
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()
        if exc[0] is not None:
            print((self.tmp / "run.log").read_text()[-5000:], file=sys.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (our own server)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_for_worker(log: Path, seconds: float = 90) -> None:
    """Until the worker says it is ready: a wave sent before would time its start-up."""
    deadline = time.monotonic() + seconds
    while "ready." not in log.read_text():
        if time.monotonic() > deadline:
            raise SystemExit(f"The worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def measure(base: str, mail_dir: Path, count: int) -> list[Sample]:
    api = Client(base)
    status, body = api.open(
        "/api/auth/token/", {"username": DEMO_USER, "password": DEMO_PASSWORD}, as_json=True
    )
    if status != 200:
        raise SystemExit(f"No API token for {DEMO_USER} ({status}): {body[:300]}")
    api.headers["Authorization"] = f"Token {json.loads(body)['token']}"
    office = json.loads(api.open("/api/staff/")[1])["results"][0]["offices"][0]

    staff = Client(base)
    token = staff.form_token("/login/")
    status, _ = staff.open(
        "/login/",
        {"csrfmiddlewaretoken": token, "username": DEMO_USER, "password": DEMO_PASSWORD},
    )
    if status != 200 or not any(c.name == "sessionid" for c in staff.jar):
        raise SystemExit(f"The staff login failed ({status}).")

    samples = []
    today = dt.date.today()
    for number in range(count):
        day = today + dt.timedelta(days=3 + number)
        while day.weekday() >= 5:  # offices open on weekdays
            day += dt.timedelta(days=1)
        starts = dt.datetime.combine(day, dt.time(10, 0)).astimezone()
        request_id = create_request(api, office, starts, first_pair=number)
        samples.append(one_request(staff, mail_dir, request_id))
        print(
            f"request {request_id}: first offer email {samples[-1].first_offer_s * 1000:.0f} ms, "
            f"accept on the status endpoint {samples[-1].accept_seen_s * 1000:.0f} ms",
            flush=True,
        )
    return samples


def create_request(api: Client, office: int, starts: dt.datetime, *, first_pair: int) -> int:
    """A request someone can be asked for: the first pair of languages with candidates then
    (one accepted earlier is busy at that time; requests nobody fits are cancelled again)."""
    for shift in range(len(LANGUAGES)):
        status, body = api.open(
            "/api/requests/",
            {
                "office": office,
                "skill": "interpreting",
                "languages": LANGUAGES[(first_pair + shift) % len(LANGUAGES)],
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
                "postcode": "44357",
                "volunteers_needed": 1,
                "auto_offer": False,
                "note": "measure_embedded",
            },
            as_json=True,
        )
        if status != 201:
            raise SystemExit(f"Creating a request failed ({status}): {body[:500]}")
        request_id = json.loads(body)["id"]
        if json.loads(api.open(f"/api/requests/{request_id}/candidates/?limit=3")[1]):
            return request_id
        api.open(f"/api/requests/{request_id}/cancel/", {}, as_json=True)
    raise SystemExit(f"Nobody in the demo fits a request at {starts:%Y-%m-%d %H:%M}.")


def one_request(staff: Client, mail_dir: Path, request_id: int) -> Sample:
    page = f"/requests/{request_id}/"
    token = staff.form_token(page)
    before = set(mail_names(mail_dir))
    started = time.monotonic()
    status, _ = staff.open(f"{page}next-wave/", {"csrfmiddlewaretoken": token})
    if status != 200:
        raise SystemExit(f"'Angebote verschicken' failed ({status}).")
    link = None
    while link is None:
        for name in sorted(set(mail_names(mail_dir)) - before):
            before.add(name)
            link = offer_link(mail_dir / name)
            if link:
                break
        else:
            if time.monotonic() - started > 60:
                raise SystemExit(f"No offer email for request {request_id} within 60 s.")
            time.sleep(0.002)
    first_offer = time.monotonic() - started

    volunteer = Client(link)
    # Each volunteer from an address of their own, as in life: the offer pages allow one
    # address 30 answers a minute (the stack of its own trusts this header; see TRUSTED_PROXIES).
    volunteer.headers["X-Forwarded-For"] = f"10.0.{request_id // 250 % 250}.{request_id % 250 + 1}"
    # The worker writes the email inside the transaction that marks the offer sent: for the
    # few milliseconds until it commits, the link is not valid yet. No person is that quick.
    deadline = time.monotonic() + 10
    while (status := volunteer.open(link)[0]) == 404 and time.monotonic() < deadline:
        time.sleep(0.05)
    token = volunteer.form_token(link)
    clicked = time.monotonic()
    status, _ = volunteer.open(link, {"csrfmiddlewaretoken": token, "action": "accept"})
    posted = time.monotonic()
    if status != 200:
        raise SystemExit(f"Accepting failed ({status}).")
    while True:
        status, html = staff.open(f"{page}live/")
        if 'data-status="filled"' in html:
            break
        if time.monotonic() - clicked > 60:
            raise SystemExit(f"Request {request_id} did not show as filled within 60 s.")
    return Sample(request_id, first_offer, time.monotonic() - clicked, posted - clicked)


def mail_names(mail_dir: Path) -> list[str]:
    try:
        return [n for n in os.listdir(mail_dir) if n.endswith(".eml")]
    except FileNotFoundError:
        return []


def offer_link(path: Path) -> str | None:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    found = OFFER_LINK.search(body.get_content() if body is not None else "")
    return found.group(0) if found else None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Python "
        f"{platform.python_version()}; load average (1/5/15 min) {load} after the run"
    )


def report(samples: list[Sample], how: str) -> str:
    from django.conf import settings  # the intervals the processes run with

    from workers import mailbox

    def row(label: str, values: list[float]) -> str:
        return (
            f"| {label} | {statistics.median(values) * 1000:.0f} | "
            f"{percentile(values, 0.95) * 1000:.0f} | {max(values) * 1000:.0f} |"
        )

    broker = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("polling_interval", "kombu's 1.0")
    return f"""{SECTION}

Run with `make bench-embedded` (`python scripts/measure_embedded.py --record docs/benchmarks.md`)
{how}, {dt.date.today():%Y-%m-%d}, on {machine()}.

SQLite, the filesystem broker (the worker looks for messages every {broker} s), the dev mailbox,
runserver, a worker with 4 threads and beat, as `make run` starts them. {len(samples)} requests
of the demo office Mengede/Huckarde (interpreting, one of six common languages with German,
each on a weekday of its own), one after the other:

- first offer email: from posting "Angebote verschicken" on the request's page until the first
  offer email is in the mailbox folder (the web enqueues the wave after commit, the worker plans
  it and enqueues one task per offer, a worker process writes the email);
- accept seen: from posting "Ja, mache ich" on the offer page (the link in that email) until
  the staff page's status endpoint (`/requests/<id>/live/`) answers "besetzt"; the accept's own
  POST took {statistics.median(s.accept_post_s for s in samples) * 1000:.0f} ms of that (median).

| from → to | median ms | p95 ms | max ms |
| --- | ---: | ---: | ---: |
{row("Angebote verschicken → first offer email in the mailbox", [s.first_offer_s for s in samples])}
{row("accept clicked → status endpoint shows it filled", [s.accept_seen_s for s in samples])}

A person looking at a page sees this plus at most that page's polling interval: the mailbox page
asks for new mail every {mailbox.POLL_MILLISECONDS} ms, the staff request page asks for its status
every {settings.STAFF_POLL_SECONDS:g} s (`STAFF_POLL_SECONDS`) or, while it is offering, faster.

{BEFORE}
"""


def write_section(path: Path, text: str) -> None:
    """Replace the section of `path` under SECTION with `text` (or append it)."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.exit(main())
