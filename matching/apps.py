"""Django app configuration for `matching`."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from matching.aggregates import register_sqlite_median

        # The history of offers is summarised with a median, which SQLite lacks.
        connection_created.connect(register_sqlite_median, dispatch_uid="matching-sqlite-median")
