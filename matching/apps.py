"""Django app configuration for `matching`."""

from __future__ import annotations

from types import ModuleType

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        # Offers by hand in `requests` check fit by the ranking's rule, which lives here.
        from requests import fitting

        fitting.register(_fit)


def _fit() -> ModuleType:
    # Imported on first use: it loads NumPy, which a worker needs only once it plans a wave.
    from matching import fit

    return fit
