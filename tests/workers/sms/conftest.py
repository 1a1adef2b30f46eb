"""Fixtures of the SMS tests: the dev SMS box in a folder of the test's own, no quiet hours
unless a test sets them (the suite runs at any hour); and for the providers'
adapters the local gateways, the provider in use, and a recorder standing in for the channel's
domain behind `base.connect` (where the adapters' part ends)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler

from tests.workers.sms.gateways import SevenGateway, TwilioGateway
from workers.sms import base, dev


@pytest.fixture(autouse=True)
def sms_box(settings, tmp_path):
    settings.SMS_URL = ""
    settings.SMS_DEV_DIR = tmp_path / "sms"
    settings.SMS_QUIET_HOURS = "00:00-00:00"
    return settings.SMS_DEV_DIR


def texts_to(phone: str) -> list[str]:
    return [m.body for m in dev.sent_to(phone)]


def reply(phone: str, text: str) -> str:
    """`phone` answers `text`, as the dev SMS box (or a provider's webhook) hands it on."""
    from workers.sms import replies

    return replies.handle(dev.record_reply(phone=phone, text=text))


def build(sms_url: str) -> base.Provider:
    """The adapter an SMS_URL names, found through `base.SCHEMES` as Lotse finds it."""
    parts = urlsplit(sms_url)
    module, factory = base.SCHEMES[parts.scheme].split(":")
    return getattr(importlib.import_module(module), factory)(parts)


@pytest.fixture
def twilio_gateway():
    with TwilioGateway().running() as gateway:
        yield gateway


@pytest.fixture
def seven_gateway():
    with SevenGateway().running() as gateway:
        yield gateway


SITE = "http://localhost"


@pytest.fixture
def site(settings, db):
    """Lotse's whole WSGI stack (middleware, URLs, views) at SITE_URL, reached through httpx in
    this process: the webhook tests without a live server's thread and database flush. The
    round trips through a real socket use `live_server`."""
    settings.SITE_URL = SITE
    with httpx.Client(transport=httpx.WSGITransport(app=WSGIHandler())) as client:
        yield client


@pytest.fixture
def use_provider(monkeypatch):
    """Makes the adapter of an SMS_URL the configured provider the webhooks use."""

    def use(sms_url: str) -> base.Provider:
        adapter = build(sms_url)
        monkeypatch.setattr(base, "provider", lambda: adapter, raising=False)
        return adapter

    return use


@dataclass
class Recorder:
    inbound: list[base.Inbound] = field(default_factory=list)
    status: list[base.StatusUpdate] = field(default_factory=list)


@pytest.fixture
def received():
    """What reached the channel's domain through `base.connect`."""
    saved = list(base._inbound), list(base._status)
    recorder = Recorder()
    base.connect(inbound=recorder.inbound.append, status=recorder.status.append)
    yield recorder
    base._inbound[:], base._status[:] = saved
