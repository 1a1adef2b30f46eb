"""Signed-in clients for the staff pages' tests (their data comes from `tests.factories`)."""

from __future__ import annotations

from django.test import Client

from requests.models import StaffMember


def signed_in(member: StaffMember) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member.user)
    return client
