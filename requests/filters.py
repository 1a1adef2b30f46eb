"""Query parameters of the staff's request list (`GET /api/requests/`): a django-filter FilterSet.

As in the volunteer directory (`volunteers.filters`), a value that means nothing (an unknown
status or language, a skill not in the catalogue, a time without an offset) is a 400 naming the
parameter, never silently ignored: a list that quietly ignores a filter looks like a real answer.
Office scoping is not a filter: the view's queryset is scoped before any filter runs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django_filters import rest_framework as filters

from requests.access import scope_to_offices
from requests.models import Office, Request, RequestLanguage
from volunteers.filters import AwareDateTimeFilter, LanguageFilter, SkillFilter, StrictFilterSet


class CommaSeparatedChoiceField(forms.MultipleChoiceField):
    """Several choices, repeated (`?status=open&status=filled`) or comma-separated."""

    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class StatusFilter(filters.MultipleChoiceFilter):
    field_class = CommaSeparatedChoiceField


def callers_offices(request: HttpRequest | None) -> QuerySet[Office]:
    """The offices the caller may filter by: their own (coordinators: all)."""
    if request is None:  # the schema generator asks without a request
        return Office.objects.none()
    return scope_to_offices(Office.objects.all(), request.user, office_field="pk")


class RequestFilter(StrictFilterSet):
    """The filters of `GET /api/requests/`; given together, all must hold."""

    status = StatusFilter(
        method="filter_status",
        choices=Request.Status.choices,
        help_text="One or more statuses, repeated or comma-separated (open,offering).",
    )
    office = filters.ModelChoiceFilter(
        queryset=callers_offices,
        field_name="office",
        help_text="Requests of this office (the id of one of the caller's offices).",
    )
    skill = SkillFilter(field_name="skill__code", help_text="Asks for this skill (its code).")
    language = LanguageFilter(
        method="filter_language",
        help_text="Needs this language (any BCP 47 / ISO 639 tag: fa, per, fa-IR are the same).",
    )
    starts_after = AwareDateTimeFilter(
        field_name="starts_at",
        lookup_expr="gte",
        help_text="Starts at or after this instant (ISO 8601 with offset).",
    )
    starts_before = AwareDateTimeFilter(
        field_name="starts_at",
        lookup_expr="lt",
        help_text="Starts before this instant (ISO 8601 with offset).",
    )

    class Meta:
        model = Request
        fields: list[str] = []

    def filter_status(
        self, queryset: QuerySet[Request], name: str, value: list[str]
    ) -> QuerySet[Request]:
        return queryset.filter(status__in=value) if value else queryset

    def filter_language(
        self, queryset: QuerySet[Request], name: str, value: str
    ) -> QuerySet[Request]:
        # A subquery, not a join: a request needing the language appears once.
        needs = RequestLanguage.objects.filter(request=OuterRef("pk"), code=value)
        return queryset.filter(Exists(needs))
