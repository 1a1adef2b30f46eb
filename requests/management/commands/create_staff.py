"""`manage.py create_staff`: a staff or coordinator account, for operators and scripts."""

import os
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from requests.models import Office, StaffMember
from requests.staff import UnknownOffice, find_office, save_staff_account


class Command(BaseCommand):
    help = (
        "Create a staff account for one or more offices, or a coordinator account for all. "
        "Running it again for the same user name updates password, role and offices."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--password",
            help="The password; or set LOTSE_STAFF_PASSWORD to keep it out of the shell history.",
        )
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument(
            "--office",
            action="append",
            metavar="NAME_OR_ID",
            help="An office by id or name; repeat for several.",
        )
        role.add_argument("--coordinator", action="store_true", help="Coordinator of all offices.")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("LOTSE_STAFF_PASSWORD", "")
        if not password:
            raise CommandError("Give --password or set LOTSE_STAFF_PASSWORD.")
        try:
            offices = [find_office(name) for name in options["office"] or []]
        except UnknownOffice as exc:
            known = "; ".join(f"{o.pk}: {o.name}" for o in Office.objects.order_by("pk"))
            raise CommandError(
                f"No office {exc.args[0]!r}. Known offices: {known or 'none'}."
            ) from None
        role = StaffMember.Role.COORDINATOR if options["coordinator"] else StaffMember.Role.STAFF
        try:
            member = save_staff_account(
                username=options["username"],
                password=password,
                role=role,
                offices=offices,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from None
        where = "all offices" if member.is_coordinator else ", ".join(o.name for o in offices)
        self.stdout.write(
            self.style.SUCCESS(f"{member.user.username}: {member.get_role_display()} ({where}).")
        )
