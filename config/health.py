"""`/healthz`: is this process able to reach what it needs? For load balancers and operators.

Answers 200 when the database and the broker answer, 503 when one does not. The body names
the failing part but not its address or error text: the endpoint is public.
"""

import logging
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: database unreachable")
        return False
    return True


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            client = getattr(conn.default_channel, "client", None)
            if client is not None:
                client.ping()  # Redis: a connection object alone proves nothing
    except Exception:
        logger.exception("health: broker unreachable")
        return False
    return True


class HealthCheckMiddleware:
    """Answers /healthz before host validation and HTTPS redirects.

    Load balancers and container runtimes probe by IP address over plain HTTP; ALLOWED_HOSTS
    and SECURE_SSL_REDIRECT would turn every probe into a 400 or a redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
