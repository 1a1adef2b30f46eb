"""Admin pages of the volunteers app: the skill catalogue, and volunteers for coordinators.

The volunteer pages check what the API checks: postcodes are normalised and their district
derived, language tags are stored canonical, slots may not overlap, and someone asked "only at
these times" keeps at least one. Volunteers are not added here (registration records their
consent), and an erased person's row is read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from volunteers import languages, places, profiles, selfservice
from volunteers.models import (
    Absence,
    AvailabilitySlot,
    Skill,
    SpokenLanguage,
    Volunteer,
    VolunteerSkill,
)
from volunteers.translation import active_language


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name_de", "name_en", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["code", "name_de", "name_en"]


# --- Volunteers -----------------------------------------------------------------------------


class SpokenLanguageForm(forms.ModelForm):
    class Meta:
        model = SpokenLanguage
        fields = ["code", "level"]

    def clean_code(self) -> str:
        # Stored canonical, or the directory's language filter would not find the person.
        try:
            return languages.canonical_tag(self.cleaned_data["code"])
        except languages.InvalidLanguage:
            raise ValidationError(
                _("“%(code)s” is not a language we know."),
                params={"code": self.cleaned_data["code"]},
            ) from None


class SpokenLanguageInline(admin.TabularInline):
    model = SpokenLanguage
    form = SpokenLanguageForm
    extra = 0


class VolunteerSkillInline(admin.TabularInline):
    model = VolunteerSkill
    extra = 0

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "skill" and field is not None:
            # Each inline row would load the catalogue for its <select> again; one list per
            # request, shared by all rows, keeps the page at a fixed number of queries.
            cached = getattr(request, "_lotse_skill_choices", None)
            if cached is None:
                cached = list(field.choices)
                request._lotse_skill_choices = cached  # type: ignore[attr-defined]
            field.choices = cached
        return field


class AvailabilityFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """The rule of `profiles.check_slots`: no two slots of one day overlap."""
        super().clean()
        slots = [
            profiles.Slot(
                form.cleaned_data["weekday"], form.cleaned_data["start"], form.cleaned_data["end"]
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and {"weekday", "start", "end"} <= form.cleaned_data.keys()
        ]
        try:
            joined = profiles.check_slots(slots)
            # The admin builds this formset for the volunteer as the main form changed it.
            profiles.check_times_choice(
                only_at_stated_times=self.instance.only_at_stated_times, has_slots=bool(slots)
            )
        except ValidationError as exc:
            raise ValidationError(
                [m for messages in exc.message_dict.values() for m in messages]
            ) from None
        if len(joined) < len(slots):
            # Elsewhere touching slots are joined on saving; rows of this form are saved as
            # they are, so staff join them.
            raise ValidationError(
                _("Two slots of one day touch: enter them as one (9–15, not 9–12 and 12–15).")
            )


class AvailabilityInline(admin.TabularInline):
    model = AvailabilitySlot
    formset = AvailabilityFormSet
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


class LanguageListFilter(admin.SimpleListFilter):
    """The languages volunteers actually speak, by name in the admin's language."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        codes = SpokenLanguage.objects.order_by("code").values_list("code", flat=True).distinct()
        lang = active_language()
        return sorted(
            ((code, languages.display_name(code, lang)) for code in codes), key=lambda c: c[1]
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
        if not self.value():
            return queryset
        # One row per (volunteer, code) by constraint, so the join cannot repeat a volunteer.
        return queryset.filter(languages__code=self.value())


class VolunteerAdminForm(forms.ModelForm):
    # Longer than the stored five digits: people type " 44 263", which clean_postcode tidies.
    postcode = forms.CharField(label=_("postcode"), max_length=12, required=False)

    class Meta:
        model = Volunteer
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"]
        if not postcode:
            return postcode
        try:
            return places.normalise_postcode(postcode)
        except places.InvalidPostcode:
            raise ValidationError(
                _("Enter a German postcode of five digits, e.g. 44147.")
            ) from None


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    form = VolunteerAdminForm
    list_display = [
        "name",
        "email",
        "status",
        "paused_until",
        "language_list",
        "postcode",
        "district",
        "postcode_known",
        "remote_ok",
        "only_at_stated_times",
    ]
    list_filter = [
        "status",
        "district",
        LanguageListFilter,
        "skills",
        "remote_ok",
        "only_at_stated_times",
    ]
    radio_fields = {"only_at_stated_times": admin.HORIZONTAL}
    search_fields = ["name", "email", "postcode"]
    # Volunteer has no foreign keys to join (list_select_related would add nothing); the one
    # related list shown per row is prefetched in get_queryset.
    list_select_related = False
    actions = ["erase_selected"]
    inlines = [SpokenLanguageInline, VolunteerSkillInline, AvailabilityInline, AbsenceInline]
    readonly_fields = [
        "district",
        "postcode_known",
        "lat",
        "lon",
        "consent_version",
        "consent_language",
        "consent_at",
        "created_at",
        "confirmed_at",
        "updated_at",
        "erased_at",
        # The volunteer chooses the channel (profile, API); the number is confirmed by reply.
        "offer_channel",
        "phone_confirmed_at",
        "sms_stopped_at",
        "sms_urgent_at_night",
    ]
    fieldsets = [
        (None, {"fields": ["name", "email", "phone", "email_language", "status", "paused_until"]}),
        (
            _("Place"),
            {
                "fields": [
                    "postcode",
                    "district",
                    "postcode_known",
                    "lat",
                    "lon",
                    "max_distance_km",
                    "remote_ok",
                    "only_at_stated_times",
                ]
            },
        ),
        (
            _("Offers"),
            {
                "fields": [
                    "max_tasks_per_month",
                    "gender",
                    "certificate_date",
                    "offer_channel",
                    "phone_confirmed_at",
                    "sms_stopped_at",
                    "sms_urgent_at_night",
                ]
            },
        ),
        (
            _("Record"),
            {
                "fields": [
                    "consent_version",
                    "consent_language",
                    "consent_at",
                    "created_at",
                    "confirmed_at",
                    "updated_at",
                    "erased_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Volunteer]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("languages", queryset=SpokenLanguage.objects.order_by("code"))
            )
        )

    @admin.display(description=_("languages"))
    def language_list(self, volunteer: Volunteer) -> str:
        return ", ".join(f"{spoken.code} {spoken.level}" for spoken in volunteer.languages.all())

    def has_add_permission(self, request: HttpRequest) -> bool:
        # People register themselves: that is where consent and the confirmed address come from.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Volunteer | None = None) -> bool:
        # Deleting would skip what erasure does (release future tasks, keep the anonymous
        # statistics) and fails anyway for anyone ever offered a task: the action below erases.
        return False

    @admin.action(description=_("Erase personal data of the selected volunteers"))
    def erase_selected(self, request: HttpRequest, queryset: QuerySet[Volunteer]) -> None:
        erased = 0
        for volunteer in queryset.filter(erased_at__isnull=True):
            with transaction.atomic():
                selfservice.erase(volunteer=volunteer)
            erased += 1
        self.message_user(
            request,
            ngettext(
                "Erased the personal data of %(count)d volunteer.",
                "Erased the personal data of %(count)d volunteers.",
                erased,
            )
            % {"count": erased},
            messages.SUCCESS,
        )

    def has_change_permission(self, request: HttpRequest, obj: Volunteer | None = None) -> bool:
        if obj is not None and obj.erased_at is not None:
            return False  # an erased person's data must not come back
        return super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Volunteer, form: forms.ModelForm, change: bool
    ) -> None:
        if "postcode" in form.changed_data:
            fields = (
                profiles.place_fields(obj.postcode)
                if obj.postcode
                else {"district": "", "lat": None, "lon": None, "postcode_known": False}
            )
            for name, value in fields.items():
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)
