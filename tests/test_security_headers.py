"""Every page carries a Content-Security-Policy that runs only Lotse's own scripts, and a
Permissions-Policy that denies cameras, microphones and location; no page needs anything inline.

The policy is what keeps an injected `<script>` or `onclick=` from running should a name or a
note ever slip through escaping; it holds only if the pages themselves need nothing inline, so
each page kind is also read for inline script, inline style and event-handler attributes.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from requests import offers
from tests.factories.requests import UserFactory, make_request, sent_offer
from tests.factories.volunteers import VolunteerFactory
from tests.web.helpers import signed_in
from volunteers import tokens
from volunteers.models import Volunteer
from workers import mailbox


def policy_of(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']}: no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: inline <script> and <style>, style="", on…=, hx-on."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self._inline_script = True
        if tag == "style":
            self.found.append("<style>")
        for name in names:
            if name == "style" or name.startswith(("on", "hx-on")):
                self.found.append(f"<{tag} {name}=…>")

    def handle_data(self, data: str) -> None:
        if self._inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}…")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inline_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def page(kind: str, *, staff: Client, coordinator: Client, office) -> tuple[Client, str]:
    """(client, path) of one kind of page, with only the rows that page needs."""
    anonymous = Client()
    if kind in STAFF:
        return staff, STAFF[kind]
    if kind == "coordination":
        return coordinator, "/coordination/"
    if kind in PUBLIC:
        return anonymous, PUBLIC[kind]
    if kind in {"request", "request candidates", "offer"}:
        need = make_request(office=office)
        if kind == "offer":
            token = offers.issue_link(offer=sent_offer(need, VolunteerFactory()))
            return anonymous, f"/offers/{token}/"
        suffix = "candidates/" if kind == "request candidates" else ""
        return staff, f"/requests/{need.pk}/{suffix}"
    if kind == "volunteer":
        return staff, f"/directory/{VolunteerFactory().pk}/"
    if kind == "confirm email":
        pending = VolunteerFactory(status=Volunteer.Status.PENDING)
        return (
            anonymous,
            f"/volunteer/confirm/{tokens.issue(volunteer=pending, purpose='confirm')}/",
        )
    if kind in SELF_SERVICE:
        # The unsubscribe page opens with the pause link of an email, the rest with a profile link.
        purpose = "pause" if kind == "unsubscribe" else "manage"
        token = tokens.issue(volunteer=VolunteerFactory(), purpose=purpose)
        return anonymous, SELF_SERVICE[kind].format(token=token)
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    return admin, ADMIN[kind].format(pk=VolunteerFactory().pk)


STAFF = {
    "dashboard": "/",
    "new request": "/requests/new/",
    "directory": "/directory/",
    "statistics": "/statistics/",
    "API docs": "/api/docs/",
    "not found": "/no-such-page/",
}
PUBLIC = {"login": "/login/", "registration": "/register/", "link again": "/volunteer/link/"}
SELF_SERVICE = {
    "profile": "/volunteer/{token}/",
    "edit profile": "/volunteer/{token}/edit/",
    "pause": "/volunteer/{token}/pause/",
    "delete": "/volunteer/{token}/delete/",
    "unsubscribe": "/email/unsubscribe/{token}/",
}
ADMIN = {
    "admin": "/admin/",
    "admin volunteers": "/admin/volunteers/volunteer/",
    "admin volunteer": "/admin/volunteers/volunteer/{pk}/change/",
}
PAGES = [
    *STAFF,
    "request",
    "request candidates",
    "volunteer",
    "coordination",
    *PUBLIC,
    "confirm email",
    "offer",
    *SELF_SERVICE,
    *ADMIN,
]


@pytest.mark.parametrize("kind", PAGES)
def test_every_page_runs_only_its_own_code_and_no_device(kind, staff_a, office_a, coordinator):
    """script-src and style-src 'self', nothing inline or eval, framed by nobody; no camera,
    microphone, location, payment or USB."""
    client, path = page(
        kind, staff=signed_in(staff_a), coordinator=signed_in(coordinator), office=office_a
    )
    response = client.get(path)
    assert response.status_code == (404 if kind == "not found" else 200), path
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert inline_code(response.content.decode()) == [], path
    permissions = response.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions, (path, permissions)


def test_the_api_docs_load_their_start_script_from_lotse(staff_a):
    """Swagger UI's start script is a file of Lotse's own, not an inline block."""
    page = signed_in(staff_a).get("/api/docs/").content.decode()
    assert 'src="/api/docs/?script="' in page
    script = signed_in(staff_a).get("/api/docs/", {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content
    assert b"/api/schema/" in script.content


@pytest.fixture
def mail_with_html(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "workers.mailbox.MailboxBackend"
    settings.MAILBOX_DIR = tmp_path
    message = EmailMultiAlternatives("Termin", "Text", None, ["a@lotse.example"])
    message.attach_alternative('<p style="color:#005a8c">Termin</p>', "text/html")
    message.send()
    (mail_id,) = mailbox.stored_ids()
    return mail_id


def test_the_dev_mailbox_frames_an_emails_html_under_a_policy_of_its_own(client, mail_with_html):
    """The email keeps its inline styles, but runs no script, loads nothing from elsewhere, may
    be framed only by the mailbox page and is sandboxed even when opened on its own."""
    page = client.get(f"/dev/mail/{mail_with_html}/")
    assert policy_of(page)["style-src"] == ["'self'"]
    assert f'src="/dev/mail/{mail_with_html}/html/"' in page.content.decode()
    html = client.get(f"/dev/mail/{mail_with_html}/html/")
    assert html.status_code == 200
    assert b'<p style="color:#005a8c">Termin</p>' in html.content
    policy = policy_of(html)
    assert policy["default-src"] == ["'none'"]
    assert "script-src" not in policy
    assert policy["style-src"] == ["'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "allow-scripts" not in policy["sandbox"] and "allow-same-origin" not in policy["sandbox"]
    assert html["X-Frame-Options"] == "SAMEORIGIN"
