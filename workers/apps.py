"""Django app configuration for `workers`."""

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workers"
    verbose_name = "Hintergrund / Workers"
