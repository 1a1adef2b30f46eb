"""The HTTP library `requests` would be shadowed by our `requests` app: never install it."""

import importlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_it_keeps_the_http_library_requests_out_of_the_lock_file():
    """uv.lock resolves no package named `requests` (use httpx for outgoing HTTP)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    names = {package["name"] for package in lock["package"]}
    assert "requests" not in names, (
        "uv.lock contains the HTTP library `requests`; find which dependency pulls it in "
        "(`uv tree --invert --package requests`) and replace it."
    )
    assert "django" in names  # the lock file was read, not an empty one


@pytest.mark.django_db
def test_it_imports_our_app_under_the_name_requests():
    """`import requests` is Lotse's app, and DRF's test tools still work beside it."""
    module = importlib.import_module("requests")
    assert Path(module.__file__).parent == ROOT / "requests"
    from rest_framework.test import APIClient  # would fail if DRF took our app for the library

    assert APIClient().get("/api/skills/").status_code == 200
