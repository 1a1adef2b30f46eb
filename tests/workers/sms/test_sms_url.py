"""SMS_URL picks the provider and carries its credentials: https to the provider, plain http only
to this machine, and no secret in any message or repr."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from workers.sms import base

from .conftest import build


def test_every_provider_scheme_is_registered():
    assert {"twilio", "twilio+http", "seven", "seven+http"} <= set(base.SCHEMES)


def test_the_providers_are_reached_over_https():
    twilio = build("twilio://AC123:secret-token@api.twilio.com?from=%2B4923100000")
    seven = build("seven://secret-key@gateway.seven.io?from=Lotse&signing_secret=secret-signing")

    assert twilio.endpoint.base_url == "https://api.twilio.com"
    assert seven.endpoint.base_url == "https://gateway.seven.io"
    assert (twilio.name, seven.name) == ("twilio", "seven")
    for adapter in (twilio, seven):
        assert "secret" not in repr(adapter)
        assert "secret" not in repr(adapter.endpoint)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "[::1]", "localhost"])
def test_plain_http_reaches_a_gateway_on_this_machine(host):
    twilio = build(f"twilio+http://AC1:token@{host}:8025?from=%2B4923100000")
    seven = build(f"seven+http://key@{host}:8026?signing_secret=s")

    assert twilio.endpoint.base_url == f"http://{host}:8025"
    assert seven.endpoint.base_url == f"http://{host}:8026"


@pytest.mark.parametrize("host", ["api.twilio.com", "10.0.0.5", "192.168.1.20", "[2001:db8::1]"])
@pytest.mark.parametrize(
    "url",
    [
        "twilio+http://AC1:secret-token@{host}:8025?from=%2B4923100000",
        "seven+http://secret-key@{host}:8026?signing_secret=secret-signing",
    ],
)
def test_plain_http_to_another_host_is_refused_without_showing_the_secret(url, host):
    with pytest.raises(ImproperlyConfigured, match="may only point at this machine") as refused:
        build(url.format(host=host))

    assert "secret" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "needs"),
    [
        ("twilio://api.twilio.com?from=%2B4923100000", "Account SID"),
        ("twilio://AC1@api.twilio.com?from=%2B4923100000", "auth token"),
        ("twilio://AC1:token@api.twilio.com", "from="),
        ("seven://gateway.seven.io?signing_secret=s", "API key"),
        ("seven://key@gateway.seven.io?from=Lotse", "signing_secret="),
        ("seven://key@gateway.seven.io?signing_secret=s&timeout=soon", "timeout"),
        ("seven://key@gateway.seven.io?signing_secret=s&timeout=0", "timeout"),
        ("seven://key@gateway.seven.io?signing_secret=s&signing_secret=t", "twice"),
        ("twilio+http://AC1:token@127.0.0.1:99999?from=%2B49", "port"),
    ],
)
def test_an_incomplete_sms_url_stops_with_what_is_missing(url, needs):
    with pytest.raises(ImproperlyConfigured, match=needs):
        build(url)


def test_sending_logs_no_secret_number_or_text_even_at_debug_level(
    twilio_gateway, seven_gateway, caplog
):
    """httpx and httpcore log each request; what they log holds none of these."""
    caplog.set_level(logging.DEBUG)
    twilio = build(twilio_gateway.sms_url())
    seven = build(seven_gateway.sms_url())

    twilio.send(to="+491701234567", body="Geheimer Text", status_url=None)
    seven.send(to="+491701234567", body="Geheimer Text", status_url=None)

    assert "POST" in caplog.text  # the requests were logged
    for secret in (
        twilio_gateway.auth_token,
        seven_gateway.api_key,
        seven_gateway.signing_secret,
        "1701234567",
        "Geheimer",
    ):
        assert secret not in caplog.text
