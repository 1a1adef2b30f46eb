"""The client's identity cannot be forged: every limit reads one address, X-Forwarded-For only
as far as trusted proxies wrote it."""

from __future__ import annotations

import itertools

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from config.clients import client_address
from tests.factories.requests import PASSWORD, offered
from tests.test_deployment import resolved_config

pytestmark = pytest.mark.django_db

_forged = (f"192.0.2.{n % 250 + 1}, 198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def forged() -> dict[str, str]:
    """A new made-up X-Forwarded-For for every request, as someone rotating it would send."""
    return {"HTTP_X_FORWARDED_FOR": next(_forged)}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),
        (0, "", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, not-an-address", "10.0.0.2"),
        (1, "2001:DB8::0:1", "2001:db8::1"),
    ],
)
def test_it_believes_x_forwarded_for_only_as_far_as_trusted_proxies_wrote_it(
    settings, proxies, forwarded, expected
):
    """With no trusted proxy the header is ignored; behind N proxies the N-th entry from the
    right is the client (whatever stands further left, the client wrote itself)."""
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **meta)) == expected


def test_it_limits_api_logins_however_x_forwarded_for_is_rotated(settings, staff_a):
    """The API login limit (10 a minute) holds for a client that sends a new X-Forwarded-For
    with every try (the lockout after wrong passwords is switched off here to see the limit)."""
    settings.AXES_ENABLED = False
    api = APIClient()
    answers = [
        api.post(
            "/api/auth/token/",
            {"username": staff_a.user.username, "password": "wrong"},
            **forged(),
        ).status_code
        for _ in range(11)
    ]

    assert answers == [400] * 10 + [429]


def test_it_limits_registrations_however_x_forwarded_for_is_rotated():
    """The registration limit (20 an hour) holds for a client rotating X-Forwarded-For."""
    api = APIClient()
    answers = [
        api.post("/api/volunteers/", {"consent": False}, format="json", **forged()).status_code
        for _ in range(21)
    ]

    assert answers == [400] * 20 + [429]


def test_it_limits_offer_pages_however_x_forwarded_for_is_rotated():
    """Guessing offer links: after 30 a minute the answer is 429, whatever the header says."""
    client = Client()
    answers = [client.get(f"/offers/guess-{n}/", **forged()).status_code for n in range(31)]

    assert answers == [404] * 30 + [429]


def test_it_locks_an_address_out_of_login_however_x_forwarded_for_is_rotated(client, staff_a):
    """Wrong passwords for many users with a new X-Forwarded-For each: the address is locked,
    and the right password of a real account from it is refused."""
    for n in range(5):
        client.post("/login/", {"username": f"guess{n}", "password": "nope"}, **forged())

    response = client.post(
        "/login/", {"username": staff_a.user.username, "password": PASSWORD}, **forged()
    )

    assert response.status_code == 429


def test_it_tells_clients_behind_a_trusted_proxy_apart(settings):
    """Behind one trusted proxy every limit counts the address the proxy saw: one client is
    limited even while it rotates what it puts in front, another is still served."""
    settings.TRUSTED_PROXIES = 1
    _, [sent] = offered()
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    answers = [
        proxy.get(f"/offers/guess-{n}/", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.7").status_code
        for n in range(31)
    ]
    other = proxy.get(sent.path, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert answers == [404] * 30 + [429]
    assert other.status_code == 200


def test_it_answers_a_garbled_x_forwarded_for_with_the_login_page_not_an_error(settings, client):
    """Behind a trusted proxy, a header no proxy would write (someone reached Lotse around it)
    counts against the connection's address; the login still answers normally."""
    settings.TRUSTED_PROXIES = 1
    response = client.post(
        "/login/", {"username": "someone", "password": "nope"}, HTTP_X_FORWARDED_FOR="<script>"
    )

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_it_trusts_no_forwarded_header_where_compose_lets_clients_reach_gunicorn(tmp_path):
    """docker-compose.yml publishes gunicorn itself: no proxy writes X-Forwarded-For there, so
    the web, worker and beat containers believe none (a TLS proxy in front sets 1)."""
    services = resolved_config(tmp_path)["services"]

    assert any(port.get("target") == 8000 for port in services["web"]["ports"])
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["TRUSTED_PROXIES"] == "0", name
