"""Who is asking: the client's address, as every rate limit and the login lockout count it.

One function for all of them (DRF throttles, the offer-link limit, django-axes), so that the
limits agree on who a client is. `X-Forwarded-For` is anyone's to write: only the entries that
the `TRUSTED_PROXIES` proxies in front of Lotse appended are believed. With none (the default)
the header is ignored and the address is the one the connection came from.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework import throttling


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or the one the nearest trusted proxy saw.

    Each proxy appends the address it received the request from, so behind N proxies the
    client is the N-th entry from the right; whatever stands further left, the client wrote.
    """
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)
    proxies = settings.TRUSTED_PROXIES
    if proxies == 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        # No header at all: the request did not come through the proxy.
        return remote
    try:
        # Normalised, and never anything but an address: the lockout stores it as one.
        return str(ipaddress.ip_address(forwarded[-min(proxies, len(forwarded))]))
    except ValueError:
        # Not what a proxy writes (someone reached Lotse around it): the connection's address.
        return remote


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, counting per `client_address`."""

    def get_ident(self, request: HttpRequest) -> str:
        return client_address(request)
