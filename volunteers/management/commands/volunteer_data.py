"""Answer a data-protection request about one volunteer from the command line.

    python manage.py volunteer_data --email person@example.org          # access: the export
    python manage.py volunteer_data --id 42 --erase                     # erasure

For a person who writes to the office instead of using their personal link: the export is the
same JSON the profile's "download my data" gives (with who accessed the profile: office and
time), and erasure is the same `selfservice.erase` the profile's "delete" runs.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from volunteers import audit, selfservice
from volunteers.models import Volunteer


class Command(BaseCommand):
    help = "Print everything stored about a volunteer (access request), or erase them."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--id", type=int, help="the volunteer's number")
        who.add_argument("--email", help="the volunteer's email address")
        parser.add_argument("--erase", action="store_true", help="erase instead of exporting")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["id"] is not None:
                volunteer = Volunteer.objects.get(pk=options["id"])
            else:
                volunteer = Volunteer.objects.get(email__iexact=options["email"].strip())
        except Volunteer.DoesNotExist:
            raise CommandError("No volunteer with that number or address.") from None
        with audit.channel(audit.Channel.SYSTEM):
            if options["erase"]:
                selfservice.erase(volunteer=volunteer)
                self.stdout.write(f"Volunteer #{volunteer.pk} is erased.")
                return
            data = selfservice.export_data(volunteer=volunteer)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
