"""Live regions: parts of a page that htmx asks again every few seconds.

The page renders the region once with a version (a digest of its HTML); each poll sends that
version back. Unchanged: 204 No Content, and htmx leaves the page alone, so nothing flickers and
the keyboard focus stays where it is. Changed: the new region, plus a short sentence for the
page's status line (`role="status"`), so screen readers hear what changed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

# The CSRF token is masked anew on every render; it must not count as a change.
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def _version(html: str) -> str:
    stable = _CSRF_VALUE.sub(r'\1"', html)
    return hashlib.sha256(stable.encode()).hexdigest()[:20]


# Sent with a changed region: parts of the page that depend on it (a request's candidates)
# listen for it and load again.
CHANGED_EVENT = "live-changed"


def region(
    request: HttpRequest,
    *,
    region_id: str,
    url: str,
    template: str,
    context: dict[str, Any],
    fast: bool = False,
) -> dict[str, Any]:
    """The context for `requests/web/_live.html`: the region's HTML, id, URL, version and how
    often it asks (`fast`: every STAFF_ACTIVE_POLL_MS, while answers are coming in)."""
    body = render_to_string(template, context, request=request)
    poll = f"{settings.STAFF_ACTIVE_POLL_MS}ms" if fast else f"{settings.STAFF_POLL_SECONDS}s"
    return {
        "live_id": region_id,
        "live_url": url,
        "live_body": mark_safe(body),  # noqa: S308 - rendered by our own template just now
        "live_version": _version(body),
        "live_poll": poll,
    }


def poll_response(
    request: HttpRequest, *, live: dict[str, Any], announce: str = ""
) -> HttpResponse:
    """204 if the client holds this version already, else the region (and the sentence)."""
    if request.GET.get("v") == live["live_version"]:
        return HttpResponse(status=204)
    html = render_to_string(
        "requests/web/_live.html", {**live, "announce": announce}, request=request
    )
    response = HttpResponse(html)
    response["HX-Trigger"] = CHANGED_EVENT
    return response
