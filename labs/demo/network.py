"""The demo network: the seven Dortmund offices, one invented staff user each, a coordinator,
the demo volunteers and (into an empty database) a year of requests and offers.

`seed_demo` loads all of it: `manage.py seed_demo` (and so `make run`), the browser tests and
other tests call this one function, so they see the same demo. Running it again changes nothing.
The people are invented; the offices carry their public addresses only.
"""

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from labs.demo.allowances import seed_allowances
from labs.demo.deliveries import choose_demo_sms, record_demo_emails
from labs.demo.history import seed_history
from labs.demo.volunteers import seed_volunteers
from requests.models import Office, StaffMember
from requests.staff import save_staff_account
from volunteers import audit
from volunteers.models import Volunteer

OFFICES_FILE = Path(__file__).parent / "data" / "demo_offices.csv"
DEMO_PASSWORD = "lotse-demo"  # noqa: S105 - printed for everyone to use; refused in production


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    office: str | None  # None: coordinator


DEMO_LOGINS = [
    DemoLogin("koordination", "Katrin", "Demir", None),
    DemoLogin("mengede", "Lena", "Vogt", "lokal willkommen Mengede/Huckarde"),
    DemoLogin("butzstrasse", "Murat", "Aydın", "lokal willkommen Mengede (Butzstraße)"),
    DemoLogin("eving", "Sophie", "Krämer", "lokal willkommen Eving"),
    DemoLogin("scharnhorst", "Tobias", "Lange", "lokal willkommen Scharnhorst (Lanstrop)"),
    DemoLogin("luetgendortmund", "Amal", "Haddad", "lokal willkommen Lütgendortmund"),
    DemoLogin("brackel", "Jonas", "Weber", "lokal willkommen Brackel/Aplerbeck"),
    DemoLogin("hoerde", "Miriam", "Schulte", "lokal willkommen Hörde/Hombruch"),
]


@dataclass(frozen=True)
class DemoNetwork:
    logins: list[DemoLogin]
    volunteers: int
    requests: int = 0  # new requests of the history; 0 when the database had some already
    by_sms: list[str] = field(default_factory=list)  # who was chosen to take offers by SMS
    certificate_person: Volunteer | None = None  # the certificate walk-through's volunteer


def seed_demo() -> DemoNetwork:
    """Load the demo network, or fill in what is missing of it; safe to run again."""
    network = _seed_people()
    if network.requests:
        # A new history: its emails count as sent, so the sweep sends none of them now.
        record_demo_emails()
    return DemoNetwork(
        logins=network.logins,
        volunteers=network.volunteers,
        requests=network.requests,
        by_sms=choose_demo_sms(),
        certificate_person=seed_allowances(),
    )


def seed_offices() -> None:
    """The network's seven offices with their public addresses; safe to run again."""
    with OFFICES_FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            office, _ = Office.objects.update_or_create(
                name=row["name"],
                defaults={
                    "street": row["street"],
                    "postcode": row["postcode"],
                    "districts": [d for d in row["districts"].split(";") if d],
                    "email": row["email"],
                    "opening_hours": row["opening_hours"],
                },
            )
            if not office.phone:
                # Kept once set: an office may have put in its own number meanwhile.
                office.phone = row["phone"]
                office.save(update_fields=["phone"])
            office.full_clean()  # the file is data: check it like user input


@transaction.atomic
def _seed_people() -> DemoNetwork:
    """The offices, staff, volunteers, profile reads and history, in one transaction."""
    seed_offices()
    for login in DEMO_LOGINS:
        save_staff_account(
            username=login.username,
            password=DEMO_PASSWORD,
            role=StaffMember.Role.COORDINATOR if login.office is None else StaffMember.Role.STAFF,
            offices=[Office.objects.get(name=login.office)] if login.office else [],
            email=f"{login.username}@lotse.example",
            first_name=login.first_name,
            last_name=login.last_name,
            check_password=False,
        )
    volunteers = seed_volunteers()
    seed_profile_reads()
    # A year of requests for the dashboard and statistics; only into an empty database.
    return DemoNetwork(logins=DEMO_LOGINS, volunteers=volunteers, requests=seed_history())


# The person the README's privacy walk-through asks about, and who looked at her profile.
DEMO_PERSON = "Neda Karimi"
DEMO_READS = [("mengede", 1), ("eving", 3), ("mengede", 12), ("brackel", 40)]


def seed_profile_reads() -> None:
    """Give one Persian-speaking demo volunteer the name the docs use, and a few profile reads
    by office staff (this month and last), so that "who saw Neda Karimi's profile this month"
    has an answer on /audit/. Only once: a database that has her reads keeps them."""
    neda = Volunteer.objects.filter(name=DEMO_PERSON).order_by("pk").first()
    if neda is None:
        neda = (
            Volunteer.objects.filter(
                email__endswith="@demo.lotse.example",
                languages__code="fa",
                languages__level="native",
            )
            .order_by("pk")
            .first()
        )
        if neda is None:
            return
        Volunteer.objects.filter(pk=neda.pk).update(name=DEMO_PERSON)
    if audit.AuditEntry.objects.filter(volunteer_id=neda.pk, kind=audit.Kind.READ).exists():
        return
    users = get_user_model().objects.in_bulk(
        [name for name, _days in DEMO_READS], field_name="username"
    )
    now = timezone.now()
    for username, days in DEMO_READS:
        audit.record(
            kind=audit.Kind.READ,
            event=audit.Event.PROFILE_VIEWED,
            volunteer_id=neda.pk,
            actor=users[username],
            channel=audit.Channel.PAGE,
            at=now - dt.timedelta(days=days, hours=days),
        )
