"""`/healthz`: is this process able to reach what it needs? For load balancers and operators.

Answers 200 when the database and the broker answer, 503 when one does not. The body names
the failing part but not its address or error text: the endpoint is public.

It also pings the Celery workers ("worker": "ok" or "unreachable", "status": "degraded"), in a
thread given at most WORKER_PING_SECONDS plus a second, so a broker that hangs never hangs the
health check. A missing worker does not make the answer 503: /healthz decides whether a load
balancer sends traffic to this web process, and taking the web away would stop volunteers from
accepting and staff from working while the worker restarts. Queued offers wait in the broker
and the database and go out once a worker is back; alert on "unreachable" instead.
"""

import logging
import threading
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


WORKER_PING_SECONDS = 1.0


def _worker_ok() -> bool:
    """True if a worker of this deployment (its queue's control exchange) answers a ping."""
    answers: list[bool] = []

    def ping() -> None:
        try:
            answers.append(bool(celery_app.control.ping(timeout=WORKER_PING_SECONDS, limit=1)))
        except Exception:
            logger.exception("health: worker ping failed")

    thread = threading.Thread(target=ping, name="health-worker-ping", daemon=True)
    thread.start()
    thread.join(WORKER_PING_SECONDS + 1.0)
    return bool(answers and answers[0])


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
    worker = checks["broker"] and _worker_ok()
    body = {
        "status": ("ok" if worker else "degraded") if healthy else "unavailable",
        "checks": {
            **{name: "ok" if ok else "unavailable" for name, ok in checks.items()},
            "worker": "ok" if worker else "unreachable",
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
