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
        volunteer_erasing.connect(_erase_checkins, dispatch_uid="requests.erase_checkins")

        # The volunteer's profile lists their coming appointments (volunteers cannot import us).
        from requests import pages
        from volunteers import appointments

        appointments.register(pages.upcoming_appointments)

        # Each confirmed (or corrected) outcome makes its allowance ledger entry after commit.
        from requests import allowances, events

        events.subscribe("outcome_confirmed", allowances.record)

        _register_audit()
        _register_allowance_audit()


def _register_audit() -> None:
    """Changes of offices, staff memberships, requests and offers go into the audit trail, each
    entry scoped to the office it concerns (office staff see their own office's entries)."""
    from auditlog.registry import auditlog

    from requests.models import Offer, Office, Outcome, Request, StaffMember
    from volunteers import audit

    auditlog.register(Office, exclude_fields=["updated_at"])
    auditlog.register(StaffMember, m2m_fields={"offices"})
    # A request's free text is masked: retention removes it after LOTSE_RETENTION_DAYS, and the
    # trail, kept longer, must not keep a copy.
    auditlog.register(
        Request,
        exclude_fields=["updated_at", "lat", "lon", "offer_problem_at"],
        mask_fields=["note", "address", "offer_problem"],
    )
    auditlog.register(
        Offer,
        exclude_fields=["features", "score", "attempted_at", "token_digest", "token_expires_at"],
    )
    audit.register_scope(
        Office, lambda o: {"office_id": o.pk, "office_name": o.name, "repr": o.name}
    )
    audit.register_scope(StaffMember, lambda m: {"repr": m.user.get_username()})
    audit.register_scope(
        Request,
        lambda r: {
            "office_id": r.office_id,
            "office_name": r.office.name,
            "request_id": r.pk,
            "repr": f"request #{r.pk}",
        },
    )
    audit.register_scope(
        Offer,
        lambda o: {
            "office_id": o.request.office_id,
            "office_name": o.request.office.name,
            "request_id": o.request_id,
            "volunteer_id": o.volunteer_id,
            "repr": f"offer #{o.pk} (request #{o.request_id}, volunteer #{o.volunteer_id})",
        },
    )
    # Corrections of hours and expenses are audited with their values; the volunteer's comment
    # is free text, masked like a request's note.
    auditlog.register(
        Outcome,
        exclude_fields=["queued_at", "created_at", "due_at"],
        mask_fields=["comment"],
    )
    audit.register_scope(
        Outcome,
        lambda o: {
            "office_id": o.offer.request.office_id,
            "office_name": o.offer.request.office.name,
            "request_id": o.offer.request_id,
            "volunteer_id": o.volunteer_id,
            "repr": f"outcome of offer #{o.offer_id} (request #{o.offer.request_id})",
        },
    )
    audit.register_offices_of(_offices_of)


def _offices_of(user: object) -> tuple[int | None, str]:
    from requests.models import StaffMember

    member = StaffMember.of(user)  # type: ignore[arg-type]
    if member is None:
        return None, ""
    if member.is_coordinator:
        return None, ""
    offices = sorted(member.offices.all(), key=lambda o: (o.name, o.pk))
    if not offices:
        return None, ""
    return offices[0].pk, ", ".join(o.name for o in offices)


def _release_offers(sender: object, volunteer: object, at: object, **kwargs: object) -> None:
    from requests import offers

    offers.release_for_erasure(volunteer=volunteer, at=at)  # type: ignore[arg-type]


def _erase_checkins(sender: object, volunteer: object, at: object, **kwargs: object) -> None:
    from requests import outcomes

    outcomes.erase_free_text(volunteer_id=volunteer.pk)  # type: ignore[attr-defined]


def _register_allowance_audit() -> None:
    """Allowance rules and ledger entries (amounts, cap decisions) go into the audit trail."""
    from auditlog.registry import auditlog

    from requests.models import AllowanceEntry, AllowanceRule
    from volunteers import audit

    auditlog.register(AllowanceRule, exclude_fields=["updated_at"])
    auditlog.register(AllowanceEntry, exclude_fields=["updated_at", "created_at"])
    audit.register_scope(
        AllowanceRule,
        lambda r: {
            "office_id": r.office_id,
            "office_name": r.office.name,
            "repr": f"allowance rule of {r.office.name}",
        },
    )
    audit.register_scope(
        AllowanceEntry,
        lambda e: {
            "office_id": e.office_id,
            "office_name": e.office.name,
            "volunteer_id": e.volunteer_id,
            "repr": f"allowance entry #{e.pk} (volunteer #{e.volunteer_id})",
        },
    )
