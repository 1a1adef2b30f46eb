"""The demo network (`labs.demo.seed_demo` and its command) and create_staff on it.

The demo is seeded once for the module; `test_demo_in_production.py` runs on an empty database.
"""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory, override_settings

from labs.demo import DemoNetwork, seed_demo
from labs.demo.allowances import CERTIFICATE_EMAIL, DEMO_RULES
from labs.demo.deliveries import DEMO_SMS_PEOPLE
from requests.models import AllowanceRule, Offer, Office, Request, StaffMember
from volunteers.models import Volunteer
from workers import upkeep


def login_request():
    """The login lockout (django-axes) checks every password against a request's address."""
    return RequestFactory().post("/login/")


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module (about ten seconds a time) in a transaction that is
    rolled back after the module's last test. Each test runs in a savepoint inside it, so what
    one test changes (a second seed, a new account) is undone before the next; and, as when a
    test seeded it itself, nothing the seed leaves for after its commit ever runs."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                network = seed_demo()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield network
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_once, db, settings) -> DemoNetwork:
    settings.DEBUG = True
    return demo_once


def test_it_loads_the_sms_people_and_the_allowances(demo):
    """The SMS volunteers, the allowance rules and the certificate's volunteer come from
    `seed_demo()` itself (which the module seeded), not from the command around it."""
    assert len(demo.by_sms) == DEMO_SMS_PEOPLE
    by_sms = Volunteer.objects.filter(offer_channel=Volunteer.OfferChannel.BOTH)
    assert sorted(by_sms.values_list("name", flat=True)) == sorted(demo.by_sms)
    assert AllowanceRule.objects.filter(office__name__in=list(DEMO_RULES)).count() == 2
    assert demo.certificate_person is not None
    assert demo.certificate_person.email == CERTIFICATE_EMAIL


def test_it_loads_the_seven_offices_and_their_staff(demo):
    """Seven offices with public addresses, one staff login each, one coordinator."""
    assert Office.objects.count() == 7
    assert StaffMember.objects.filter(role="staff").count() == 7
    assert StaffMember.objects.filter(role="coordinator").count() == 1
    for office in Office.objects.all():
        assert office.staff_members.count() == 1
    assert authenticate(login_request(), username="eving", password="lotse-demo") is not None


def test_it_can_run_again_without_duplicating(demo):
    """Running seed_demo twice leaves the same rows."""
    users, offices = get_user_model().objects.count(), Office.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert (get_user_model().objects.count(), Office.objects.count()) == (users, offices)


def test_the_first_sweep_after_the_demo_sends_nothing_of_its_history(demo, settings):
    """The demo's coming appointments were confirmed, their "already taken" notices and the
    offices' "filled" alerts sent: the sweep must not send them as if they had been lost."""
    settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS = 1
    assert Request.objects.filter(status=Request.Status.FILLED).exists()
    assert upkeep.missing_confirmations() == []
    assert upkeep.missing_closed_notices() == []
    assert upkeep.office_alerts_due() == []


def test_the_demo_history_has_a_few_drop_outs(demo):
    """Some past places were taken and given back, so the statistics have a row to show."""
    dropped = Offer.objects.filter(released_at__isnull=False)
    assert 0 < dropped.count() < Offer.objects.filter(status=Offer.Status.ACCEPTED).count() // 5
    assert all(o.status == Offer.Status.WITHDRAWN for o in dropped)


def test_the_demo_has_outcomes_and_one_check_in_for_the_dev_mailbox(demo, mailoutbox):
    """Past assignments carry their outcomes (for the statistics and reliability); the latest
    completed one waits for its check-in, which beat's first run sends, and only that one."""
    from requests.models import Outcome
    from workers import tasks

    assert Outcome.objects.filter(confirmed_at__isnull=False).count() > 50
    assert Outcome.objects.filter(result="client_no_show").exists()
    tasks.start_checkins.delay()
    (checkin,) = mailoutbox
    (outcome,) = Outcome.objects.filter(sent_at__isnull=False, result="")
    assert checkin.to == [outcome.volunteer.email]
    assert outcome.offer.request.status == Request.Status.COMPLETED


def test_it_creates_staff_for_offices_by_name_or_id(demo):
    """create_staff accepts office names (any case) and ids; the account can log in."""
    eving = Office.objects.get(name="lokal willkommen Eving")
    call_command(
        "create_staff",
        "--username",
        "neu",
        "--password",
        "Sprachmittlung-2026",
        "--office",
        "LOKAL WILLKOMMEN HÖRDE/HOMBRUCH",
        "--office",
        str(eving.pk),
        stdout=io.StringIO(),
    )
    member = StaffMember.objects.get(user__username="neu")
    assert member.role == "staff"
    assert {o.name for o in member.offices.all()} == {
        "lokal willkommen Eving",
        "lokal willkommen Hörde/Hombruch",
    }
    assert authenticate(login_request(), username="neu", password="Sprachmittlung-2026") is not None
    assert not member.user.is_staff  # office staff do not get the admin site


def test_it_creates_a_coordinator_with_the_admin_site(db):
    """A coordinator sees all offices and may manage them in the admin."""
    call_command(
        "create_staff",
        "--username",
        "chefin",
        "--password",
        "Koordination-2026",
        "--coordinator",
        stdout=io.StringIO(),
    )
    member = StaffMember.objects.get(user__username="chefin")
    assert member.is_coordinator
    assert member.user.is_staff


def test_it_names_the_known_offices_when_one_is_unknown(demo):
    """A typo in the office name fails with the list of offices to choose from."""
    with pytest.raises(CommandError, match="lokal willkommen Eving"):
        call_command(
            "create_staff",
            "--username",
            "x",
            "--password",
            "Sprachmittlung-2026",
            "--office",
            "Evign",
        )
    assert not get_user_model().objects.filter(username="x").exists()


def test_it_refuses_a_weak_password(demo):
    """Django's password rules apply; nothing is stored when they refuse."""
    with pytest.raises(CommandError, match="Password refused"):
        call_command(
            "create_staff",
            "--username",
            "y",
            "--password",
            "1234",
            "--office",
            "lokal willkommen Eving",
        )
    assert not get_user_model().objects.filter(username="y").exists()


def test_it_updates_an_existing_account(demo):
    """Running it again moves the account to the new office and sets the new password."""
    call_command(
        "create_staff",
        "--username",
        "eving",
        "--password",
        "Neues-Passwort-2026",
        "--office",
        "lokal willkommen Lütgendortmund",
        stdout=io.StringIO(),
    )
    member = StaffMember.objects.get(user__username="eving")
    assert [o.name for o in member.offices.all()] == ["lokal willkommen Lütgendortmund"]
    assert (
        authenticate(login_request(), username="eving", password="Neues-Passwort-2026") is not None
    )
