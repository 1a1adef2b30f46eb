"""Django app configuration for `volunteers`."""

from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "volunteers"
    verbose_name = "Freiwillige / Volunteers"
