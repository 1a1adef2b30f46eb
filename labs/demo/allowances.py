"""The demo's allowances: two offices with a rule, the ledger of the demo's confirmed
assignments, and one volunteer whose engagement certificate the README walks through.

Called by `seed_demo` after the history exists; safe to run again (rules already set are kept,
the ledger records only what is missing, the person is named once).
"""

from __future__ import annotations

from django.db.models import Count

from requests import allowances
from requests.models import AllowanceRule, Office, Outcome
from volunteers.models import Volunteer

# Mengede/Huckarde pays 15 € per hour and 0.30 € per km; Eving 20 € per assignment.
DEMO_RULES = {
    "lokal willkommen Mengede/Huckarde": {"kind": "hourly", "hourly_cents": 1500, "km_cents": 30},
    "lokal willkommen Eving": {"kind": "flat", "flat_cents": 2000},
}
# The volunteer of the certificate walk-through: a Persian name in Arabic script, printed right
# to left on the certificate.
CERTIFICATE_NAME = "مریم احمدی"
CERTIFICATE_EMAIL = "maryam.ahmadi@demo.lotse.example"


def seed_allowances() -> Volunteer | None:
    """Set the demo rules, record the ledger, and name the certificate's volunteer (returned)."""
    for name, rule in DEMO_RULES.items():
        office = Office.objects.filter(name=name).first()
        if office is not None and not AllowanceRule.objects.filter(office=office).exists():
            allowances.set_rule(office=office, data=rule)
    while allowances.reconcile(limit=1000):
        pass
    return _certificate_person()


def _certificate_person() -> Volunteer | None:
    named = Volunteer.objects.filter(email=CERTIFICATE_EMAIL).first()
    if named is not None:
        return named
    busiest = (
        Outcome.objects.filter(
            result=Outcome.Result.TOOK_PLACE,
            confirmed_at__isnull=False,
            offer__request__office__name__in=list(DEMO_RULES),
            volunteer__email__endswith="@demo.lotse.example",
        )
        .values("volunteer_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "volunteer_id")
        .first()
    )
    if busiest is None:
        return None
    Volunteer.objects.filter(pk=busiest["volunteer_id"]).update(
        name=CERTIFICATE_NAME, email=CERTIFICATE_EMAIL
    )
    return Volunteer.objects.get(pk=busiest["volunteer_id"])
