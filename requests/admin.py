"""Admin pages for offices and staff: coordinators manage the network here."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from requests.models import Office, StaffMember


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
