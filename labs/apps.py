"""Django app configuration for `labs`: installed for its management commands only."""

from django.apps import AppConfig


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"
    verbose_name = "Labs (demo, simulation, benchmarks)"
