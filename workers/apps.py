"""Django app configuration for `workers`."""

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workers"
    verbose_name = "Hintergrund / Workers"

    def ready(self) -> None:
        # The requests app announces what happened (after commit); the workers act on it.
        # More subscriptions (waves, confirmations, notices) join as they are built.
        from requests import events
        from workers import tasks

        events.subscribe("offer_created", tasks.send_offer.delay)
        events.subscribe("offer_accepted", tasks.send_confirmation.delay)
