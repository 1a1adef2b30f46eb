"""Tests that need PostgreSQL or Redis skip with a reason, or fail the run when CI requires them."""

import subprocess
import sys

from tests.processes import ROOT, process_env

TARGET = "tests/test_dependencies.py::test_it_keeps_the_http_library_requests_out_of_the_lock_file"


def run_pytest(**env: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", TARGET],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_skips_services_that_do_not_answer_and_says_why():
    """DATABASE_URL at a closed port: the run goes on (on SQLite) and the header says why."""
    result = run_pytest(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/lotse",
        CELERY_BROKER_URL=None,
        LOTSE_REQUIRE_SERVICES=None,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL skipped (DATABASE_URL: cannot connect to 127.0.0.1:1" in result.stdout
    assert "Redis skipped (CELERY_BROKER_URL is not set" in result.stdout


def test_it_fails_the_run_when_services_are_required_but_missing():
    """LOTSE_REQUIRE_SERVICES=1 turns a missing service into a failed run, never a green one."""
    result = run_pytest(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/lotse",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        LOTSE_REQUIRE_SERVICES="1",
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "LOTSE_REQUIRE_SERVICES=1 but" in output
    assert "PostgreSQL" in output and "Redis" in output
