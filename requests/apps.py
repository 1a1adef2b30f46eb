"""Django app configuration for `requests`."""

from django.apps import AppConfig


class RequestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "requests"
    verbose_name = "Anfragen / Requests"

    def ready(self) -> None:
        # DRF treats the HTTP library `requests` as optional: `rest_framework.compat` does
        # `import requests`, which finds this app, and `rest_framework.test` (imported by
        # drf-spectacular) then builds test adapters from `requests.packages`. The library is
        # never installed here (see tests/test_dependencies.py), so tell DRF what is true: it
        # is absent. This must run before `rest_framework.test` is first imported, which
        # happens only when URLs or schemas are loaded, after every app is ready.
        from rest_framework import compat

        compat.requests = None

        # Erasing a volunteer frees their future places first (volunteers cannot import us).
        from volunteers.signals import volunteer_erasing

        volunteer_erasing.connect(_release_offers, dispatch_uid="requests.release_offers")

        # The volunteer's profile lists their coming appointments (volunteers cannot import us).
        from requests import pages
        from volunteers import appointments

        appointments.register(pages.upcoming_appointments)


def _release_offers(sender: object, volunteer: object, at: object, **kwargs: object) -> None:
    from requests import offers

    offers.release_for_erasure(volunteer=volunteer, at=at)  # type: ignore[arg-type]
