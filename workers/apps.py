"""Django app configuration for `workers`."""

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workers"
    verbose_name = "Hintergrund / Workers"

    def ready(self) -> None:
        # The requests app announces what happened (after commit); the workers act on it.
        from requests.statistics import load as statistics
        from requests.web import deliveries
        from volunteers.signals import phone_to_confirm
        from workers import subscriptions
        from workers.sms import base, numbers, outbox, replies, staff

        subscriptions.subscribe()
        # The SMS channel's domain: what a reply does, and what a delivery report changes.
        base.connect(inbound=replies.handle, status=outbox.status)
        phone_to_confirm.connect(numbers.ask_to_confirm, dispatch_uid="workers-confirm-phone")
        deliveries.register(staff.deliveries)
        statistics.register_segment_counter(staff.segments_per_month)
