"""Django app configuration for `volunteers`."""

from typing import Any

from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "volunteers"
    verbose_name = "Freiwillige / Volunteers"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from volunteers import audit, security
        from volunteers.models import Volunteer

        # Every change of a volunteer row is in the trail with the fields that changed; what
        # names or locates the person is masked, so erasure leaves nothing of it there.
        auditlog.register(
            Volunteer,
            exclude_fields=["updated_at"],
            mask_fields=["name", "email", "phone", "postcode", "lat", "lon"],
        )
        audit.register_scope(Volunteer, _volunteer_scope)
        security.connect()


def _volunteer_scope(volunteer: Any) -> dict[str, Any]:
    from volunteers.audit import volunteer_repr

    return {"volunteer_id": volunteer.pk, "repr": volunteer_repr(volunteer.pk)}
