"""Admin pages of the volunteers app: the skill catalogue."""

from django.contrib import admin

from volunteers.models import Skill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name_de", "name_en", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["code", "name_de", "name_en"]
