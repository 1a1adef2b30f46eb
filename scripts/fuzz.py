"""`make fuzz`: schemathesis against a Lotse server with the demo data, as staff, as the
coordinator and anonymously, with all its checks. Fails on any server error, any answer the
OpenAPI schema does not describe, or an operation the fuzzer could not test.

schemathesis needs the HTTP library `requests`, which never enters Lotse's environment (see
README.md): it runs from its own, through `uvx`. The server runs on a database of its own
(FUZZ_DATABASE_URL, else SQLite) with files in a temporary folder.

    python scripts/fuzz.py [--max-examples N] [--record docs/security.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SCHEMATHESIS = "schemathesis==4.32.5"
ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "var" / "fuzz"  # schemathesis's whole report per caller
CALLERS = {
    "staff (mengede)": "mengede",
    "coordinator (koordination)": "koordination",
    "anonymous": None,
}
DEMO_PASSWORD = "lotse-demo"  # noqa: S105 (published with the demo, labs/demo/network.py)
# Failures that fail the run: server errors (ST101, ST102), answers the schema does not
# describe (ST103-ST111). The rest (ST2xx: a request the schema calls invalid accepted, or
# valid refused) are counted: the schema cannot say "one of your offices".
SERVER_ERRORS = {"ST101", "ST102"}
SCHEMA_VIOLATIONS = {f"ST1{n:02d}" for n in range(3, 12)}
MARKER_START, MARKER_END = "<!-- fuzz-results -->", "<!-- /fuzz-results -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--record", type=Path, help="write the figures into this Markdown file")
    args = parser.parse_args()
    uvx = shutil.which("uvx") or str(ROOT / ".tools/bin/uvx")
    with tempfile.TemporaryDirectory(prefix="lotse-fuzz-") as tmp:
        env = server_env(Path(tmp))
        manage = [sys.executable, str(ROOT / "manage.py")]
        for step in (["migrate", "--noinput", "-v0"], ["seed_demo", "--allow-production"]):
            subprocess.run([*manage, *step], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 (gunicorn, as in production)
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
            env=env,
            stdout=open(Path(tmp) / "server.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/api/schema/")
            rows = {
                label: fuzz(uvx, base, username, args.max_examples)
                for label, username in CALLERS.items()
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(rows)
    if args.record:
        record(args.record, rows, args.max_examples)
    gate = ("server errors", "schema violations", "not tested")
    return 1 if any(row[key] for row in rows.values() for key in gate) else 0


def server_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(
        # As in production: errors answered as the API answers them, not as debug pages.
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        LOTSE_VAR_DIR=str(tmp),  # broker messages and mail stay in the temporary folder
        DATABASE_URL=os.environ.get("FUZZ_DATABASE_URL") or f"sqlite:///{tmp}/fuzz.sqlite3",
        # The fuzzer should reach the code behind the limits and the lockout; 429 itself is
        # documented. Counters in the database cache, as production without Redis.
        THROTTLE_LOGIN="100000/minute",
        THROTTLE_REGISTRATION="100000/minute",
        LOGIN_FAILURE_LIMIT="100000",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (our own server)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def token_for(base: str, username: str) -> str:
    body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
    login = urllib.request.Request(  # noqa: S310
        f"{base}/api/auth/token/", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(login, timeout=30) as answer:  # noqa: S310
        return json.load(answer)["token"]


def fuzz(uvx: str, base: str, username: str | None, max_examples: int) -> dict:
    command = [
        uvx, SCHEMATHESIS, "run", f"{base}/api/schema/?format=json",
        "--checks", "all", "--max-examples", str(max_examples), "--workers", "1",
        "--no-color",
    ]  # fmt: skip
    if username:
        command += ["--header", f"Authorization: Token {token_for(base, username)}"]
    print(f"\n=== schemathesis as {username or 'anonymous'} ===", flush=True)
    LOGS.mkdir(parents=True, exist_ok=True)  # schemathesis keeps its examples where it runs
    run = subprocess.run(command, cwd=LOGS, capture_output=True, text=True, check=False)  # noqa: S603
    (LOGS / f"{username or 'anonymous'}.txt").write_text(run.stdout + run.stderr)
    print(run.stdout[-8000:], run.stderr[-2000:], flush=True)
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    if "Tested:" not in summary:
        raise SystemExit(f"schemathesis did not run (exit {run.returncode}); see above.")
    codes = {c: int(n) for c, n in re.findall(r"(ST\d{3}) [^:\n]*: (\d+)", summary)}
    errors = re.search(r"^Errors:\n((?:[ \t]+\S.*\n)+)", summary, re.MULTILINE)
    return {
        "operations": int(re.search(r"Tested: (\d+)", summary).group(1)),
        "test cases": int(re.search(r"(\d+) generated", summary).group(1)),
        "server errors": sum(n for c, n in codes.items() if c in SERVER_ERRORS),
        "schema violations": sum(n for c, n in codes.items() if c in SCHEMA_VIOLATIONS),
        "not tested": sum(int(n) for n in re.findall(r": (\d+)", errors.group(1)))
        if errors
        else 0,
        "other checks": ", ".join(
            f"{c}: {n}" for c, n in sorted(codes.items())
            if c not in SERVER_ERRORS | SCHEMA_VIOLATIONS
        ) or "0",
    }  # fmt: skip


def table(rows: dict[str, dict]) -> str:
    columns = list(next(iter(rows.values())))
    lines = ["| caller | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for label, row in rows.items():
        lines.append(f"| {label} | " + " | ".join(str(row[c]) for c in columns) + " |")
    return "\n".join(lines)


def report(rows: dict[str, dict]) -> None:
    print("\n" + table(rows))


def record(path: Path, rows: dict[str, dict], max_examples: int) -> None:
    database = "PostgreSQL" if os.environ.get("FUZZ_DATABASE_URL") else "SQLite"
    figures = (
        f"{MARKER_START}\nRun of {dt.date.today():%Y-%m-%d} ({SCHEMATHESIS}, "
        f"`--max-examples {max_examples}`, all checks, demo data on {database}):\n\n"
        f"{table(rows)}\n{MARKER_END}"
    )
    text = path.read_text()
    start, end = text.index(MARKER_START), text.index(MARKER_END) + len(MARKER_END)
    path.write_text(text[:start] + figures + text[end:])
    print(f"Figures written to {path}")


if __name__ == "__main__":
    sys.exit(main())
