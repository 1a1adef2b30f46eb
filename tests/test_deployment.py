"""The deployment files: docker-compose.yml must resolve, refuse to deploy without SECRET_KEY,
run exactly one beat and a persistent Redis.

No Docker engine is needed: `docker compose config` (or the older `docker-compose config`) only
reads and resolves the file. Without either tool the tests are skipped, saying why.
"""

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"


@cache
def compose_command() -> tuple[str, ...] | None:
    """`docker compose` (v2) if it works, else `docker-compose` (v1) if installed, else None."""
    if shutil.which("docker"):
        try:
            probe = subprocess.run(
                ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            probe = None
        if probe is not None and probe.returncode == 0:
            return ("docker", "compose")
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    return None


def run_compose_config(
    tmp_path: Path, *args: str, secret_key: str | None
) -> subprocess.CompletedProcess:
    """Run `<compose> config ARGS` on docker-compose.yml with or without SECRET_KEY.

    An empty env file stands in for a developer's `.env`, so that a local SECRET_KEY can't leak
    into the result.
    """
    command = compose_command()
    if command is None:
        pytest.skip(
            "Neither `docker compose` (v2 plugin) nor `docker-compose` is installed: "
            "cannot resolve docker-compose.yml."
        )
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    env = {
        k: v for k, v in os.environ.items() if k != "SECRET_KEY" and not k.startswith("COMPOSE_")
    }
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run(
        [*command, "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def resolved_config(tmp_path: Path) -> dict:
    """The configuration as compose resolves it (anchors merged, variables filled in)."""
    yaml = pytest.importorskip("yaml", reason="PyYAML (via drf-spectacular) parses the config")
    result = run_compose_config(tmp_path, secret_key="test-only")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_it_resolves_the_compose_file_when_secret_key_is_set(tmp_path: Path) -> None:
    """`config -q` exits 0 when SECRET_KEY is in the environment."""
    result = run_compose_config(tmp_path, "-q", secret_key="test-only")

    assert result.returncode == 0, f"compose config failed:\n{result.stderr}"


def test_it_refuses_to_resolve_without_secret_key(tmp_path: Path) -> None:
    """Without SECRET_KEY, `config -q` fails and the error names SECRET_KEY."""
    result = run_compose_config(tmp_path, "-q", secret_key=None)

    assert result.returncode != 0, "docker-compose.yml must require SECRET_KEY (${SECRET_KEY:?...})"
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_it_runs_exactly_one_beat(tmp_path: Path) -> None:
    """Exactly one service runs `celery beat`, and nothing scales it beyond one instance."""
    services = resolved_config(tmp_path)["services"]

    beats = [
        name
        for name, service in services.items()
        if "celery" in service.get("command", []) and "beat" in service.get("command", [])
    ]
    assert beats == ["beat"], f"expected one beat service, found {beats}"
    beat = services["beat"]
    assert beat.get("scale", 1) == 1
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_it_runs_redis_with_an_append_only_file(tmp_path: Path) -> None:
    """Redis starts with `--appendonly yes`, so queued tasks survive its restart."""
    command = resolved_config(tmp_path)["services"]["redis"]["command"]
    if isinstance(command, str):
        command = command.split()

    assert "redis-server" in command
    assert command[command.index("--appendonly") + 1] == "yes"


def test_it_starts_the_app_only_after_migrations(tmp_path: Path) -> None:
    """web, worker and beat wait for the one-shot migrate service, which is never restarted."""
    services = resolved_config(tmp_path)["services"]

    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    assert services["migrate"]["restart"] == "no"
    assert "migrate" in services["migrate"]["command"]


def test_it_has_no_top_level_version_key() -> None:
    """The Compose Specification has no `version:` key; docker-compose.yml doesn't carry one."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")

    assert re.search(r"^version\s*:", text, re.MULTILINE) is None
