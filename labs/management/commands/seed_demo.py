"""`manage.py seed_demo`: the demo offices, staff, coordinator, volunteers and history; safe to
run again. The loading is `labs.demo.seed_demo`, the same function the tests call; this command
only refuses production and says what was loaded."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from labs.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo network (offices, staff, coordinator). Idempotent."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo accounts even with DEBUG off (they share a published password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo accounts with a published password while DEBUG is off. "
                "Use --allow-production on a throw-away deployment only."
            )
        network = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded. Logins (password: {DEMO_PASSWORD}):")
        )
        for login in network.logins:
            where = login.office or "coordinator, all offices"
            self.stdout.write(f"  {login.username:<16} {where}")
        self.stdout.write(
            f"  {network.volunteers} demo volunteers (…@demo.lotse.example, no login; "
            "their personal links go to the dev mailbox)"
        )
        if network.requests:
            self.stdout.write(
                f"  {network.requests} demo requests over the last months and the next two weeks"
            )
        if network.by_sms:
            self.stdout.write(
                f"  {', '.join(network.by_sms)} take offers by email and SMS; "
                "their SMS go to the dev SMS box, /dev/sms/"
            )
        if network.certificate_person is not None:
            self.stdout.write(
                "  allowances: /allowances/ (mengede pays per hour, eving per assignment); a "
                f"certificate: ask for the link of {network.certificate_person.email} "
                "at /volunteer/link/"
            )
