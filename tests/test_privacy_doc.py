"""docs/privacy.md stays true: every setting, command, page and file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "privacy.md").read_text()
SETTINGS = (ROOT / "config" / "settings.py").read_text()
CODE = re.findall(r"`([^`]+)`", DOC)


def test_every_setting_it_names_is_read_by_the_settings():
    names = {c for c in CODE if re.fullmatch(r"[A-Z][A-Z0-9_]{3,}", c)}
    assert "LOTSE_AUDIT_RETENTION_DAYS" in names and "LOTSE_RETENTION_DAYS" in names
    missing = sorted(name for name in names if f'"{name}"' not in SETTINGS and name not in SETTINGS)
    assert not missing, f"docs/privacy.md names settings that config/settings.py lacks: {missing}"


def test_its_defaults_are_the_settings_defaults():
    assert 'env_int("LOTSE_AUDIT_RETENTION_DAYS", 730' in SETTINGS and "(default 730)" in DOC
    assert 'env_int("LOTSE_RETENTION_DAYS", 90' in SETTINGS and "(default 90)" in DOC


def test_every_command_it_names_exists():
    commands = set(re.findall(r"python manage\.py (\w+)", DOC))
    assert {"volunteer_data", "create_staff"} <= commands
    assert commands <= set(get_commands()), commands - set(get_commands())


def test_every_page_it_names_answers_a_route():
    pages = [c for c in CODE if c.startswith("/") and " " not in c]
    assert "/audit/" in pages
    for page in pages:
        path = page.replace("<token>", "abc").replace("{id}", "1")
        try:
            resolve(path)
        except Resolver404:
            raise AssertionError(f"docs/privacy.md names {page}, which no URL serves") from None


def test_every_file_it_names_exists():
    files = [c for c in CODE if re.fullmatch(r"[\w/]+\.(py|md)", c)]
    assert files
    for name in files:
        assert (ROOT / name).exists(), f"docs/privacy.md names {name}, which does not exist"
