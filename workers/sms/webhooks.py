"""The providers' webhooks: inbound messages and status callbacks, at /sms/<provider>/....

Thin on purpose: find the configured provider, let it check the signature and read the payload,
hand the plain value to the channel's domain (`base.receive_inbound` / `base.receive_status`),
and answer what the provider expects. A request without a valid signature answers 403 before
anything is read, and is logged as a security event; a signed but unreadable one answers 400.

The signature covers the URL the provider requested. Behind a proxy the request's own host and
scheme are the proxy's view, so the URL is rebuilt from `SITE_URL` (the public address the
webhooks are configured with) and the path Lotse received.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.clients import client_address
from workers.sms import base

logger = logging.getLogger(__name__)


def _provider(name: str) -> base.Provider:
    provider = base.provider()
    if provider.name != name:
        raise Http404("No such SMS provider is configured.")
    return provider


def _refused(request: HttpRequest, name: str) -> HttpResponse:
    logger.warning(
        "Refused an SMS webhook with a missing or wrong signature: provider=%s path=%s client=%s",
        name,
        request.path,
        client_address(request),
    )
    return HttpResponse("Invalid signature.\n", status=403, content_type="text/plain")


def _unreadable(request: HttpRequest, name: str, problem: ValueError) -> HttpResponse:
    logger.warning("Unreadable SMS webhook: provider=%s path=%s: %s", name, request.path, problem)
    return HttpResponse(f"{problem}\n", status=400, content_type="text/plain")


@csrf_exempt
@require_POST
def inbound(request: HttpRequest, provider: str) -> HttpResponse:
    """A message a phone sent to Lotse's number."""
    adapter = _provider(provider)
    if not adapter.verify(request):
        return _refused(request, provider)
    try:
        message = adapter.parse_inbound(request)
    except ValueError as problem:
        return _unreadable(request, provider, problem)
    base.receive_inbound(message)
    return adapter.acknowledge()


@csrf_exempt
@require_POST
def status(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider's word on a message it accepted: queued, sent, delivered or failed."""
    adapter = _provider(provider)
    if not adapter.verify(request):
        return _refused(request, provider)
    try:
        update = adapter.parse_status(request)
    except ValueError as problem:
        return _unreadable(request, provider, problem)
    base.receive_status(update)
    return adapter.acknowledge()
