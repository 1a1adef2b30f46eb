"""Offices and the staff who work for them.

Requests and offers join these in a later change; every staff endpoint scopes its queryset
through `OfficeQuerySet.visible_to` / `scope_to_offices` in `requests/access.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from volunteers import places


def validate_districts(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Enter a list of district names."))
    unknown = sorted(set(value) - set(places.DISTRICTS))
    if unknown:
        raise ValidationError(
            _("Unknown district(s): %(names)s. Known: %(known)s."),
            params={"names": ", ".join(unknown), "known": ", ".join(places.DISTRICTS)},
        )


def validate_postcode(value: str) -> None:
    try:
        places.normalise_postcode(value)
    except places.InvalidPostcode as exc:
        raise ValidationError(str(exc)) from None


class OfficeQuerySet(models.QuerySet["Office"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> OfficeQuerySet:
        """The offices whose data `user` may see: all for coordinators, their own for staff."""
        member = StaffMember.of(user)
        if member is None:
            return self.none()
        if member.is_coordinator:
            return self.all()
        return self.filter(staff_members=member)


class Office(models.Model):
    """A neighbourhood welcome office (Willkommensbüro); owns its requests and staff."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    street = models.CharField(_("street and number"), max_length=120)
    postcode = models.CharField(_("postcode"), max_length=5, validators=[validate_postcode])
    city = models.CharField(_("city"), max_length=80, default="Dortmund")
    districts = models.JSONField(
        _("districts served"), default=list, blank=True, validators=[validate_districts]
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(postcode__regex=r"^[0-9]{5}$"),
                name="office_postcode_five_digits",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


class StaffMember(models.Model):
    """A user's role in the network: staff of one or more offices, or coordinator of all."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Office staff")
        COORDINATOR = "coordinator", _("Coordinator (all offices)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_member"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.STAFF)
    offices = models.ManyToManyField(
        Office, related_name="staff_members", blank=True, verbose_name=_("offices")
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["staff", "coordinator"]),
                name="staff_member_role_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR

    @classmethod
    def of(cls, user: AbstractBaseUser | AnonymousUser | None) -> StaffMember | None:
        """The active user's membership, or None for anonymous users and users without one.

        Cached on the user object: permission checks and queryset scoping in one request
        would otherwise each query it.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not hasattr(user, "_lotse_staff_member"):
            try:
                member: StaffMember | None = cls.objects.get(user=user)
            except cls.DoesNotExist:
                member = None
            user._lotse_staff_member = member  # type: ignore[union-attr]
        return user._lotse_staff_member  # type: ignore[union-attr]
