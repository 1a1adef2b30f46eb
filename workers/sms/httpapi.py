"""What the HTTP adapters (Twilio, seven.io) share: reading `SMS_URL`, and one POST to a provider.

`SMS_URL` names the provider by its scheme and carries its credentials in the user part, e.g.
`twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B4923...`. The provider is reached over
https; the `+http` variant of a scheme (`twilio+http://...@127.0.0.1:8025`) speaks plain http and
is refused for any host but a loopback one: it exists for a gateway a test or a developer runs on
the same machine, never to send credentials over a network in the clear.

A failed POST is a `TemporaryFailure` when trying again later may work (timeouts, refused or
dropped connections, 429, 5xx); the adapters decide what the provider's own refusals mean.
Secrets and message contents never go into an exception text: those end up in logs and rows.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote

import httpx
from django.core.exceptions import ImproperlyConfigured

from workers.sms.base import TemporaryFailure

DEFAULT_TIMEOUT = 10.0  # seconds for connecting, and again for the answer


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shown(url: SplitResult) -> str:
    """The URL as it may be shown in an error message: without the user part or the query."""
    host = url.hostname or ""
    return f"{url.scheme}://…@{host}{url.path}"


class Endpoint:
    """The parts of an `SMS_URL` an adapter is built from (secrets kept out of `repr`)."""

    def __init__(self, url: SplitResult, *, provider: str) -> None:
        scheme = url.scheme.lower()
        if scheme not in {provider, f"{provider}+http"}:
            raise ImproperlyConfigured(
                f"SMS_URL={shown(url)!r}: use {provider}:// (or {provider}+http:// for a local "
                "test gateway)."
            )
        host = url.hostname
        if not host:
            raise ImproperlyConfigured(f"SMS_URL={shown(url)!r} names no host.")
        try:
            port = url.port
        except ValueError:
            raise ImproperlyConfigured(f"SMS_URL={shown(url)!r} has no valid port.") from None
        plain = scheme.endswith("+http")
        if plain and not is_loopback(host):
            raise ImproperlyConfigured(
                f"SMS_URL={shown(url)!r}: {scheme}:// sends the credentials unencrypted, so it "
                f"may only point at this machine (127.0.0.1, ::1 or localhost). Use {provider}:// "
                "to reach the provider over https."
            )
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        self.provider = provider
        self.base_url = f"{'http' if plain else 'https'}://{netloc}{url.path.rstrip('/')}"
        self.username = unquote(url.username or "")
        self.password = unquote(url.password or "")
        self._shown = shown(url)
        self.options: dict[str, str] = {}
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            if key in self.options:
                raise ImproperlyConfigured(f"SMS_URL={self._shown!r} gives {key}= twice.")
            self.options[key] = value
        raw_timeout = self.options.pop("timeout", "")
        try:
            self.timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT
        except ValueError:
            raise ImproperlyConfigured(
                f"SMS_URL={self._shown!r}: timeout={raw_timeout!r} is not a number of seconds."
            ) from None
        if not (math.isfinite(self.timeout) and 0 < self.timeout <= 120):
            raise ImproperlyConfigured(
                f"SMS_URL={self._shown!r}: timeout must be between 0 and 120 seconds."
            )

    def __repr__(self) -> str:
        return f"<Endpoint {self.base_url}>"

    def require(self, value: str, what: str) -> str:
        if not value:
            raise ImproperlyConfigured(f"SMS_URL={self._shown!r} needs {what}.")
        return value

    def option(self, key: str, what: str) -> str:
        return self.require(self.options.get(key, "").strip(), f"{what} (?{key}=...)")


def post(endpoint: Endpoint, path: str, **kwargs: Any) -> httpx.Response:
    """POST to the provider; a network failure, a 429 or a 5xx raise `TemporaryFailure`."""
    url = endpoint.base_url + path
    try:
        response = httpx.post(url, timeout=endpoint.timeout, **kwargs)
    except httpx.TimeoutException:
        raise TemporaryFailure(
            f"{endpoint.provider} did not answer within {endpoint.timeout:g} s"
        ) from None
    except httpx.HTTPError as exc:
        # Refused, reset or dropped connections, TLS errors: the request may not have arrived.
        raise TemporaryFailure(
            f"{endpoint.provider} could not be reached ({type(exc).__name__})"
        ) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise TemporaryFailure(f"{endpoint.provider} answered HTTP {response.status_code}")
    return response
