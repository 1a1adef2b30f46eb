"""Logins lock: the login page, the admin's and the API token, by username and by address."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories.requests import PASSWORD
from tests.test_settings import load_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The API's login rate limit lives in the cache: no test inherits another's count."""
    cache.clear()
    yield
    cache.clear()


def wrong_logins(client, username: str, *, path: str = "/login/", times: int | None = None):
    for _ in range(settings.AXES_FAILURE_LIMIT if times is None else times):
        client.post(path, {"username": username, "password": "not-the-password"})


def test_it_locks_the_login_page_after_repeated_wrong_passwords(client, staff_a):
    """After five wrong passwords even the right one is refused, with a page saying how long
    to wait; nobody is logged in."""
    username = staff_a.user.username
    wrong_logins(client, username)

    response = client.post("/login/", {"username": username, "password": PASSWORD})

    page = response.content.decode()
    assert response.status_code == 429
    assert "Anmeldung" in page and "15 Minuten" in page
    assert response["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still sent to the login page


def test_it_says_so_in_english_after_the_language_switch(client, staff_a):
    """The lockout page speaks the language the person chose."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    wrong_logins(client, staff_a.user.username)

    page = client.post("/login/", {"username": staff_a.user.username, "password": PASSWORD})

    assert "locked for at most 15 minutes" in page.content.decode()


def test_it_locks_a_username_whatever_address_the_tries_come_from(client, staff_a):
    """Guessing one account's password from many addresses locks the account."""
    username = staff_a.user.username
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/login/",
            {"username": username, "password": "nope"},
            REMOTE_ADDR=f"198.51.100.{i + 1}",
        )

    response = client.post(
        "/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.50"
    )

    assert response.status_code == 429


def test_it_locks_an_address_that_tries_many_usernames(client, staff_a):
    """Trying passwords on many accounts from one address locks that address."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": f"guess{i}", "password": "nope"})

    response = client.post("/login/", {"username": staff_a.user.username, "password": PASSWORD})

    assert response.status_code == 429


def test_it_locks_the_admin_login_too(client, coordinator):
    """/admin/login/ counts and locks like the staff login page."""
    username = coordinator.user.username
    wrong_logins(client, username, path="/admin/login/")

    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_locks_the_api_token_endpoint_by_the_same_rule(staff_a):
    """Five wrong passwords on /api/auth/token/: the right one then gets 429 in JSON, no token,
    and the login page is locked for that user as well."""
    api = APIClient()
    username = staff_a.user.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        wrong = api.post("/api/auth/token/", {"username": username, "password": "nope"})
        assert wrong.status_code in (400, 429)

    right = api.post("/api/auth/token/", {"username": username, "password": PASSWORD})

    assert right.status_code == 429
    assert "token" not in right.json()
    assert "15" in right.json()["detail"]
    assert right["Retry-After"] == str(15 * 60)
    page = APIClient().post("/login/", {"username": username, "password": PASSWORD})
    assert page.status_code == 429


def test_it_lets_the_right_password_in_once_the_lockout_is_over(client, staff_a):
    """After the lockout time has passed since the last try, the right password works."""
    username = staff_a.user.username
    wrong_logins(client, username)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    response = client.post("/login/", {"username": username, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_a.user.pk)


def test_it_does_not_lock_someone_who_mistyped_a_few_times(client, staff_a):
    """Fewer wrong passwords than the limit: the right one logs in and the count starts anew."""
    username = staff_a.user.username
    wrong_logins(client, username, times=settings.AXES_FAILURE_LIMIT - 1)

    response = client.post("/login/", {"username": username, "password": PASSWORD})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=username).exists()


def test_it_reads_the_lockout_policy_from_the_environment():
    """LOGIN_LOCKOUT_BY: "," locks each on its own, "+" only the pair; a typo stops start-up."""
    each = load_settings({}, "AXES_LOCKOUT_PARAMETERS").stdout.strip()
    pair = load_settings({"LOGIN_LOCKOUT_BY": "username+ip_address"}, "AXES_LOCKOUT_PARAMETERS")
    typo = load_settings({"LOGIN_LOCKOUT_BY": "user"}, "AXES_LOCKOUT_PARAMETERS")

    assert each == "['username', 'ip_address']"
    assert pair.stdout.strip() == "[['username', 'ip_address']]"
    assert typo.returncode != 0
    assert "LOGIN_LOCKOUT_BY" in typo.stderr.splitlines()[-1]
