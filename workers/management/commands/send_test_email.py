"""`manage.py send_test_email ADDRESS`: checks broker, worker and mail server in one go."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from workers.tasks import send_test_email


class Command(BaseCommand):
    help = "Queue a test email; a running worker sends it. Check the recipient's inbox."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("recipient")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            validate_email(options["recipient"])
        except ValidationError:
            raise CommandError(f"{options['recipient']!r} is not an email address.") from None
        send_test_email.delay(options["recipient"])
        self.stdout.write(self.style.SUCCESS("Queued. A running worker sends it now."))
