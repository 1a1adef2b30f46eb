"""Deleting a profile: the person is gone, the anonymous statistics stay.

What is kept and why is written in `volunteers/selfservice.py`'s docstring; these tests hold
the rows to it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from tests.factories.volunteers import profiled_volunteer
from tests.volunteers.test_selfservice import english, manage_path, snapshot
from volunteers import selfservice, tokens
from volunteers.models import PersonalToken, Volunteer
from volunteers.signals import volunteer_erasing

PERSONAL_TEXTS = ("Samira", "Haidari", "samira.haidari@example.org", "5550123", "44357")


@pytest.fixture
def volunteer(db) -> Volunteer:
    return profiled_volunteer()


@pytest.fixture
def erasing_calls() -> Iterator[list[dict[str, Any]]]:
    """Records each `volunteer_erasing` signal with what the receiver could see then."""
    calls: list[dict[str, Any]] = []

    def receiver(sender: type, volunteer: Volunteer, at: dt.datetime, **kwargs: Any) -> None:
        stored = Volunteer.objects.get(pk=volunteer.pk)
        calls.append(
            {
                "volunteer": volunteer.pk,
                "at": at,
                "in_transaction": connection.in_atomic_block,
                "name_still_stored": stored.name,
                "slots_still_stored": stored.availability.count(),
            }
        )

    volunteer_erasing.connect(receiver, dispatch_uid="test-erasing-calls")
    try:
        yield calls
    finally:
        volunteer_erasing.disconnect(dispatch_uid="test-erasing-calls")


NOT_TEXT = (int, float, Decimal, dt.date, dt.time, dt.timedelta)


def every_row_as_text() -> str:
    """Every text stored in every table of the project (JSON included), to search for what must
    be gone. Numbers and instants are left out: a microsecond count may read 44357 by chance."""
    texts = [
        json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for row in model._base_manager.values()
        for value in row.values()
        if value is not None and not isinstance(value, NOT_TEXT)
    ]
    return "\n".join(texts)


def test_it_explains_the_deletion_and_changes_nothing_on_get(client, volunteer):
    """Opening the delete page (or a mail scanner doing so) only shows what will happen."""
    path = manage_path(volunteer, "delete/")
    before = snapshot()
    response = english(client).get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "statistics" in page and "cannot be undone" in page
    assert f'action="{path}"' in page and "csrfmiddlewaretoken" in page
    assert snapshot() == before


def test_it_erases_the_person_and_keeps_the_statistics(client, volunteer):
    """After "delete", nothing personal is stored anywhere; district, languages, skills stay."""
    other = profiled_volunteer(
        name="Yonas Tesfay", email="yonas@example.org", postcode="44263", phone="0231 5559876"
    )
    other_path = manage_path(other)
    created_at, confirmed_at = volunteer.created_at, volunteer.confirmed_at
    languages = set(volunteer.languages.values_list("code", "level"))
    skills = set(volunteer.skill_set.values_list("skill__code", "level"))
    path = manage_path(volunteer)

    response = english(client).post(path + "delete/")

    assert response.status_code == 200
    assert "Your profile is deleted" in response.content.decode()
    row = Volunteer.objects.get(pk=volunteer.pk)
    assert (row.name, row.email, str(row.phone), row.postcode) == ("", None, "", "")
    assert (row.lat, row.lon, row.postcode_known) == (None, None, False)
    assert (row.gender, row.certificate_date, row.paused_until) == ("", None, None)
    assert (row.consent_version, row.consent_language) == ("", "")
    assert row.status == Volunteer.Status.INACTIVE
    assert row.erased_at is not None
    assert row.district == "Mengede"
    assert (row.created_at, row.confirmed_at) == (created_at, confirmed_at)
    assert set(row.languages.values_list("code", "level")) == languages
    assert set(row.skill_set.values_list("skill__code", "level")) == skills
    assert not row.availability.exists()
    assert not row.absences.exists()
    assert not PersonalToken.objects.filter(volunteer=row).exists()
    stored = every_row_as_text()
    for text in PERSONAL_TEXTS:
        assert text not in stored, f"{text!r} is still stored after erasure"
    # Someone else's profile is untouched.
    assert client.get(other_path).status_code == 200
    assert Volunteer.objects.get(pk=other.pk).name == "Yonas Tesfay"
    assert other.availability.count() == 2


def test_it_forgets_the_old_link_after_erasure(client, volunteer):
    """The link from an old email now leads to the friendly "link does not work" page."""
    path = manage_path(volunteer)
    client.post(path + "delete/")
    for page in ("", "edit/", "export/", "delete/"):
        response = client.get(path + page)
        assert response.status_code == 404, page
        assert 'href="/volunteer/link/"' in response.content.decode()


def test_it_refuses_a_link_that_survived_erasure(volunteer):
    """Even a token row that escaped deletion opens nothing for an erased person."""
    raw = tokens.issue(volunteer=volunteer, purpose="manage")
    Volunteer.objects.filter(pk=volunteer.pk).update(erased_at=timezone.now())
    with pytest.raises(tokens.InvalidToken) as caught:
        tokens.resolve(raw, purpose="manage")
    assert caught.value.reason == "unknown"


def test_it_tells_the_other_apps_before_the_data_go(volunteer, erasing_calls):
    """Receivers (releasing offers, telling the office) still see the person, once."""
    at = timezone.now()
    selfservice.erase(volunteer=volunteer, at=at)
    selfservice.erase(volunteer=volunteer, at=at + dt.timedelta(minutes=1))
    assert erasing_calls == [
        {
            "volunteer": volunteer.pk,
            "at": at,
            "in_transaction": True,
            "name_still_stored": "Samira Haidari",
            "slots_still_stored": 2,
        }
    ]
    assert Volunteer.objects.get(pk=volunteer.pk).erased_at == at


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_sends_the_signal_inside_the_erasing_transaction(erasing_calls):
    """Outside any test transaction, the receiver runs inside erase's own transaction, so its
    work commits or rolls back together with the erasure."""
    volunteer = profiled_volunteer()
    assert not connection.in_atomic_block
    selfservice.erase(volunteer=volunteer)
    assert [call["in_transaction"] for call in erasing_calls] == [True]


def test_it_changes_nothing_when_a_receiver_refuses(volunteer):
    """A receiver that raises aborts the erasure, and rolls back what other receivers did."""
    path = manage_path(volunteer)
    before = snapshot()

    def release_offers(sender: type, volunteer: Volunteer, **kwargs: Any) -> None:
        volunteer.absences.all().delete()  # stands in for the requests app's own writes

    def refuse(sender: type, **kwargs: Any) -> None:
        raise RuntimeError("the office must be told first")

    volunteer_erasing.connect(release_offers, dispatch_uid="test-release")
    volunteer_erasing.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(RuntimeError):
            selfservice.erase(volunteer=volunteer)
    finally:
        volunteer_erasing.disconnect(dispatch_uid="test-release")
        volunteer_erasing.disconnect(dispatch_uid="test-refuse")
    assert snapshot() == before
    assert tokens.resolve(path.split("/")[2], purpose="manage").volunteer == volunteer


def test_it_leaves_an_expired_or_tampered_link_without_effect(client, volunteer, erasing_calls):
    """Posting "delete" through a dead link erases nobody."""
    expired = manage_path(volunteer, "delete/", now=timezone.now() - dt.timedelta(days=61))
    before = snapshot()
    assert client.post(expired).status_code == 410
    assert client.post("/volunteer/not-a-real-token/delete/").status_code == 404
    assert snapshot() == before
    assert erasing_calls == []


def test_it_blanks_every_field_it_does_not_keep_on_purpose(volunteer):
    """Only the fields named as kept for statistics keep a value that came from the person."""
    selfservice.erase(volunteer=volunteer)
    row = Volunteer.objects.get(pk=volunteer.pk)
    for field in Volunteer._meta.concrete_fields:
        if field.name in selfservice.KEPT or field.name in selfservice.ERASED_VALUES:
            continue
        value = field.value_from_object(row)
        default = field.get_default() if field.has_default() else None
        assert value in (None, "", default), f"Volunteer.{field.name} kept {value!r}"
