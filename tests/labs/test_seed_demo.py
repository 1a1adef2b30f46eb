"""`labs.demo.seed_demo`: the function the tests and the screenshots call loads what `make run`
loads (`manage.py seed_demo` adds only the refusal in production and its printout)."""

from labs.demo import seed_demo
from labs.demo.allowances import CERTIFICATE_EMAIL, DEMO_RULES
from labs.demo.deliveries import DEMO_SMS_PEOPLE
from requests.models import AllowanceRule, Request
from volunteers.models import Volunteer
from workers import upkeep


def test_it_loads_the_sms_people_the_allowances_and_the_sent_emails(db, settings):
    """The SMS volunteers, the allowance rules, the certificate's volunteer, and the history's
    emails counted as sent come from `seed_demo()` itself, not from the command around it."""
    settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS = 1
    network = seed_demo()
    assert len(network.by_sms) == DEMO_SMS_PEOPLE
    by_sms = Volunteer.objects.filter(offer_channel=Volunteer.OfferChannel.BOTH)
    assert sorted(by_sms.values_list("name", flat=True)) == sorted(network.by_sms)
    assert AllowanceRule.objects.filter(office__name__in=list(DEMO_RULES)).count() == 2
    assert network.certificate_person is not None
    assert network.certificate_person.email == CERTIFICATE_EMAIL
    assert Request.objects.filter(status=Request.Status.FILLED).exists()
    assert upkeep.missing_confirmations() == []
    assert upkeep.missing_closed_notices() == []
    assert upkeep.office_alerts_due() == []
