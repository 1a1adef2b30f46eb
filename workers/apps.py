"""Django app configuration for `workers`."""

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workers"
    verbose_name = "Hintergrund / Workers"

    def ready(self) -> None:
        # The requests app announces what happened (after commit); the workers act on it.
        from workers import subscriptions

        subscriptions.subscribe()
