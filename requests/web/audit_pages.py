"""The audit trail for staff: who saw or changed whose data, filtered, and as CSV.

Coordinators see every entry. Office staff see the entries about their own offices' requests
(an offer, an answer, a change of the request), nothing else: not who read which profile in
other offices, not security events. Nobody can change or delete an entry here or anywhere in
Lotse (volunteers/audit.py; the database refuses it too). The CSV export is itself a read of
personal data, and recorded as one.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from requests.models import Office, StaffMember
from requests.statistics.export import spreadsheet_text
from requests.web.guards import offices_of, staff_page
from volunteers import audit
from volunteers.audit import AuditEntry
from volunteers.models import Volunteer

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


def visible_entries(user: Any) -> QuerySet[AuditEntry]:
    """The entries `user` may see: all for coordinators, their offices' requests' for staff."""
    member = StaffMember.of(user)
    entries = AuditEntry.objects.order_by("-timestamp", "-pk")
    if member is None:
        return entries.none()
    if member.is_coordinator:
        return entries
    return entries.filter(request_id__isnull=False, office_id__in=member.offices.values("pk"))


class AuditFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        label=gettext_lazy("Volunteer (name or number)"), method="filter_person"
    )
    staff = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="icontains", label=gettext_lazy("Staff member")
    )
    office = django_filters.ChoiceFilter(
        field_name="office_id", label=gettext_lazy("Office"), empty_label=gettext_lazy("all")
    )
    kind = django_filters.ChoiceFilter(
        choices=audit.Kind.choices, label=gettext_lazy("Kind"), empty_label=gettext_lazy("all")
    )
    since = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__gte",
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__lte",
        label=gettext_lazy("Until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["office"].extra["choices"] = [(str(o.pk), o.name) for o in offices]

    def filter_person(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> Any:
        value = value.strip().lstrip("#")
        if value.isdigit():
            return queryset.filter(volunteer_id=int(value))
        ids = Volunteer.objects.filter(name__icontains=value).values("pk")
        return queryset.filter(Q(volunteer_id__in=ids) | Q(pseudonym=value.lower()))


def _filtered(request: HttpRequest) -> tuple[AuditFilter, QuerySet[AuditEntry]]:
    offices = offices_of(request.user)
    filters = AuditFilter(
        request.GET or None, queryset=visible_entries(request.user), offices=offices
    )
    entries = filters.qs if filters.is_bound and filters.is_valid() else filters.queryset
    if filters.is_bound and not filters.is_valid():
        entries = entries.none()
    return filters, entries


def _names(entries: list[AuditEntry]) -> dict[int, str]:
    ids = {e.volunteer_id for e in entries if e.volunteer_id is not None}
    return dict(Volunteer.objects.filter(pk__in=ids).values_list("pk", "name"))


def _who(entry: AuditEntry, names: dict[int, str]) -> str:
    if entry.pseudonym:
        return _("erased person %(pseudonym)s") % {"pseudonym": entry.pseudonym[:12]}
    if entry.volunteer_id is None:
        return ""
    return f"{names.get(entry.volunteer_id) or ''} (#{entry.volunteer_id})".strip()


def _rows(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    names = _names(entries)
    return [
        {
            "entry": entry,
            "at": timezone.localtime(entry.timestamp),
            "kind": entry.get_kind_display(),
            "event": entry.get_event_display(),
            "channel": entry.get_channel_display(),
            "staff": entry.actor_name,
            "office": entry.office_name,
            "person": _who(entry, names),
            "about": entry.object_repr,
            "detail": _detail(entry),
        }
        for entry in entries
    ]


def _detail(entry: AuditEntry) -> str:
    if entry.kind == audit.Kind.CHANGE and entry.changes:
        return ", ".join(sorted(entry.changes))
    return entry.detail


@require_GET
@staff_page
def audit_trail(request: HttpRequest) -> HttpResponse:
    filters, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests/web/audit.html",
        {
            "filters": filters,
            "page": page,
            "rows": _rows(list(page.object_list)),
            "query": query.urlencode(),
            "coordinator": StaffMember.of(request.user).is_coordinator,  # type: ignore[union-attr]
        },
        status=400 if filters.is_bound and filters.errors else 200,
    )


@require_GET
@staff_page
def audit_trail_csv(request: HttpRequest) -> HttpResponse:
    filters, entries = _filtered(request)
    if filters.is_bound and filters.errors:
        return HttpResponse(_("Check the filters."), status=400, content_type="text/plain")
    rows = _rows(list(entries[:EXPORT_LIMIT]))
    audit.record_read(event=audit.Event.TRAIL_EXPORTED, detail=request.GET.urlencode())
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("time"),
            _("kind"),
            _("event"),
            _("channel"),
            _("staff member"),
            _("office"),
            _("volunteer"),
            _("about"),
            _("detail"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                spreadsheet_text(str(cell))
                for cell in (
                    row["at"].isoformat(),
                    row["kind"],
                    row["event"],
                    row["channel"],
                    row["staff"],
                    row["office"],
                    row["person"],
                    row["about"],
                    row["detail"],
                )
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lotse-audit-trail.csv"'
    return response
