"""Registration end to end: the confirmation email goes through the broker and a real worker."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from tests.processes import celery_worker, process_env, wait_until, worker_database_url
from volunteers.models import Volunteer
from workers import mailbox

pytestmark = pytest.mark.real_worker


def mail_to(address: str, subject_part: str) -> mailbox.StoredMail | None:
    """The message to `address` whose subject contains `subject_part`, if it has arrived."""
    for mail_id in mailbox.stored_ids():
        mail = mailbox.read(mail_id)
        if mail is not None and mail.to == address and subject_part in mail.subject:
            return mail
    return None


@pytest.mark.django_db(transaction=True)
def test_it_confirms_a_registration_with_the_link_a_real_worker_emailed(client):
    """Register via the API; the worker emails the link; opening it and confirming activates."""
    cache.clear()  # the registration rate limit lives there
    address = f"reg-{uuid.uuid4().hex[:12]}@lotse.example"
    # The worker shares this run's broker and queue (inherited), uses the test database, and
    # writes email into the dev mailbox this process reads, whatever EMAIL_URL says.
    env = process_env(DATABASE_URL=worker_database_url(), EMAIL_URL=None)
    with celery_worker(env) as worker:
        response = APIClient().post(
            reverse("volunteer-list"),
            {
                "name": "Samira Haddad",
                "email": address,
                "languages": [{"code": "ar", "level": "native"}, {"code": "de", "level": "B2"}],
                "skills": [],
                "availability": [{"weekday": 4, "start": "14:00", "end": "18:00"}],
                "postcode": "44139",
                "email_language": "en",
                "consent": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        confirmation = wait_until(
            lambda: mail_to(address, "Please confirm"),
            timeout=60,
            what=f"the confirmation email; worker output:\n{worker.output}",
        )
        match = re.search(r"/volunteer/confirm/[A-Za-z0-9_-]+/", confirmation.text)
        assert match, confirmation.text
        link = match.group(0)

        assert client.get(link).status_code == 200
        assert Volunteer.objects.get(email=address).status == Volunteer.Status.PENDING
        assert client.post(link).status_code == 200
        volunteer = Volunteer.objects.get(email=address)
        assert volunteer.status == Volunteer.Status.ACTIVE
        welcome = wait_until(
            lambda: mail_to(address, "Welcome"),
            timeout=60,
            what=f"the welcome email; worker output:\n{worker.output}",
        )
    assert re.search(r"/volunteer/[A-Za-z0-9_-]{20,}/", welcome.text)
    # The profile link is in the body only: mail providers fetch a List-Unsubscribe URL.
    assert welcome.message["List-Unsubscribe"] is None
