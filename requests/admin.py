"""Admin pages for offices and staff (coordinators manage the network here), and requests.

Requests and offers are read-mostly here: they change through `requests.lifecycle` and
`requests.offers` (the API and the staff pages), which check the rules and tell the workers.
A coordinator may only correct a request's note and address, e.g. to remove a client's name
that should never have been written down.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from requests.models import (
    AllowanceEntry,
    AllowanceRule,
    AppointmentKind,
    Offer,
    Office,
    Request,
    RequestLanguage,
    StaffMember,
)


@admin.register(AppointmentKind)
class AppointmentKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name_de", "name_en", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["code", "name_de", "name_en"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "postcode", "district_list", "email", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "street", "postcode", "email"]

    @admin.display(description=_("districts served"))
    def district_list(self, office: Office) -> str:
        return ", ".join(office.districts)


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "office_list"]
    list_filter = ["role", "offices"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    filter_horizontal = ["offices"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffMember]:
        return super().get_queryset(request).select_related("user").prefetch_related("offices")

    @admin.display(description=_("offices"))
    def office_list(self, member: StaffMember) -> str:
        return ", ".join(office.name for office in member.offices.all())


class StaffMemberInline(admin.StackedInline):
    model = StaffMember
    can_delete = False
    filter_horizontal = ["offices"]
    verbose_name_plural = _("role in the network")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class LotseUserAdmin(UserAdmin):
    inlines = [StaffMemberInline]
    list_display = [*UserAdmin.list_display, "role"]
    list_select_related = ["staff_member"]

    @admin.display(description=_("role"))
    def role(self, user: object) -> str:
        member = getattr(user, "staff_member", None)
        return member.get_role_display() if member else "—"


# --- Requests and offers (read-mostly, see the module docstring) ------------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RequestLanguageInline(_ReadOnlyInline):
    model = RequestLanguage
    fields = ["position", "code"]
    readonly_fields = fields


class OfferInline(_ReadOnlyInline):
    model = Offer
    fields = [
        "volunteer",
        "wave",
        "status",
        "sent_at",
        "responded_at",
        "decline_reason",
        "release_reason",
        "hours",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offer]:
        return super().get_queryset(request).select_related("volunteer").order_by("wave", "pk")


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "starts_at",
        "office",
        "skill",
        "kind",
        "language_list",
        "status",
        "volunteers_needed",
        "accepted_count",
    ]
    list_filter = ["status", "office", "skill", "kind"]
    list_select_related = ["office", "skill", "kind"]
    search_fields = ["=id", "note"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-pk"]
    inlines = [RequestLanguageInline, OfferInline]
    fields = [
        "office",
        "created_by",
        "skill",
        "kind",
        "starts_at",
        "ends_at",
        "remote",
        "connection",
        "postcode",
        "district",
        "address",
        "volunteers_needed",
        "accepted_count",
        "gender_preference",
        "certificate_required",
        "note",
        "auto_offer",
        "status",
        "created_at",
        "updated_at",
        "filled_at",
        "closed_at",
    ]
    readonly_fields = [name for name in fields if name not in {"note", "address"}]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Request]:
        return super().get_queryset(request).prefetch_related("languages")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded through the API or the staff pages, which start the offers

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel instead: deleting would lose the offers and the statistics

    @admin.display(description=_("languages"))
    def language_list(self, need: Request) -> str:
        return ", ".join(need.language_codes)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "request",
        "volunteer",
        "wave",
        "status",
        "sent_at",
        "responded_at",
        "hours",
    ]
    list_filter = ["status", "wave"]
    list_select_related = ["request__skill", "volunteer"]
    search_fields = ["=id", "=request__id"]
    ordering = ["-created_at", "-pk"]
    # The link token's digest stays out of sight: it is no one's business, not even a reader's.
    exclude = ["token_digest"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AllowanceRule)
class AllowanceRuleAdmin(admin.ModelAdmin):
    """Each office's allowance rule, in euro cents; changes are audited (no tax advice)."""

    list_display = ["office", "kind", "flat_cents", "hourly_cents", "km_cents", "reimburse_tickets"]
    list_select_related = ["office"]


@admin.register(AllowanceEntry)
class AllowanceEntryAdmin(admin.ModelAdmin):
    """The ledger, read only: entries follow confirmed outcomes; decisions over the cap are made
    on the payout page or through the API."""

    list_display = ["service_date", "office", "volunteer_id", "allowance_cents", "status"]
    list_filter = ["status", "office"]
    date_hierarchy = "service_date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
