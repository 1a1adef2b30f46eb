"""The allowance API: payout lists (JSON and CSV), cap decisions, and each office's rule.

Scoped like every staff endpoint (`requests.access.scope_to_offices`): another office is an
unknown office (400 on the list's filter, 404 on a path). Each view checks the input, makes one
call to `requests.allowances`, and answers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from requests import allowances
from requests.access import scope_to_offices
from requests.models import AllowanceEntry, AllowanceRule, Office
from requests.serializers import ConflictSerializer
from requests.statistics import export

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class CSVRenderer(BaseRenderer):
    """A payout list as a spreadsheet (`?format=csv`); the view hands it the finished text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        if isinstance(data, str):
            return data.encode("utf-8")
        return json.dumps(data).encode("utf-8")


class MonthField(serializers.CharField):
    default_error_messages = {"month": gettext_lazy("Enter a month as YYYY-MM, e.g. 2026-03.")}

    def to_internal_value(self, data: Any) -> dt.date:
        text = super().to_internal_value(data).strip()
        match = _MONTH.match(text)
        if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            self.fail("month")
        return dt.date(int(match[1]), int(match[2]), 1)


class PayoutQuerySerializer(serializers.Serializer):
    office = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The office's id."
    )
    month = MonthField(help_text="The month of the appointments, YYYY-MM.")

    def validate_office(self, value: int) -> Office:
        visible = scope_to_offices(Office.objects.all(), self.context["user"], office_field="pk")
        office = visible.filter(pk=value).first()
        if office is None:
            raise serializers.ValidationError(_("Unknown office."))
        return office


class PayoutVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PayoutRowSerializer(serializers.Serializer):
    volunteer = serializers.SerializerMethodField()
    assignments = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    allowance_cents = serializers.IntegerField(help_text="Allowance paid (held against the cap).")
    travel_cents = serializers.IntegerField(help_text="Travel costs reimbursed (outside the cap).")
    amount_cents = serializers.IntegerField(help_text="What the office pays: allowance + travel.")
    waiting_cents = serializers.IntegerField(
        help_text="Over the yearly cap and not paid until a coordinator decides."
    )
    year_to_date_cents = serializers.IntegerField(
        help_text="The volunteer's allowances counted this year to the month's end, all offices."
    )
    year_cap_cents = serializers.IntegerField()
    over_cap = serializers.BooleanField(
        help_text="The year to date passes the cap, or an entry waits for a decision."
    )
    waiting_entries = serializers.SerializerMethodField()

    def get_volunteer(self, row: allowances.PayoutRow) -> dict[str, Any]:
        return {"id": row.volunteer_id, "name": row.name}

    def get_waiting_entries(self, row: allowances.PayoutRow) -> list[int]:
        return [e.pk for e in row.entries if e.status == AllowanceEntry.Status.OVER_CAP]


class PayoutSerializer(serializers.Serializer):
    office = serializers.IntegerField(source="office.pk")
    month = serializers.SerializerMethodField()
    year_cap_cents = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    waiting_cents = serializers.IntegerField()
    rows = PayoutRowSerializer(many=True)

    def get_month(self, payout: allowances.Payout) -> str:
        return payout.month.strftime("%Y-%m")


def _euros(cents: int) -> float:
    return round(cents / 100, 2)


def payout_table(payout: allowances.Payout) -> export.Table:
    """The payout list as the statistics' tables are written: German Excel opens its CSV."""
    return export.Table(
        "allowances",
        _("Allowances for %(month)s") % {"month": export.month_label(payout.month)},
        [
            _("Volunteer"),
            _("assignments"),
            _("hours"),
            _("allowance (€)"),
            _("travel costs (€)"),
            _("amount (€)"),
            _("waiting for a decision (€)"),
            _("year to date (€)"),
            _("yearly cap (€)"),
            _("over the cap"),
        ],
        [
            [
                row.name,
                row.assignments,
                float(row.hours),
                _euros(row.allowance_cents),
                _euros(row.travel_cents),
                _euros(row.amount_cents),
                _euros(row.waiting_cents),
                _euros(row.year_to_date_cents),
                _euros(row.year_cap_cents),
                _("yes") if row.over_cap else _("no"),
            ]
            for row in payout.rows
        ],
    )


class PayoutList(APIView):
    """What an office pays for a month, per volunteer."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # `?format=` names neither json nor csv: a bad parameter like any other, not a 404.
            raise ValidationError({"format": [_("Choose json or csv.")]}) from None

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON, also when the CSV was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        description="The payout list of one office and month (the appointments' month): per "
        "volunteer the assignments, hours, amounts in euro cents, the year to date against the "
        "yearly cap (all offices), and whether it is passed. Entries over the cap are not paid "
        "until a coordinator decides (`waiting_cents`). `?format=csv` (or `Accept: text/csv`) "
        "gives the same as a spreadsheet in euros: in German with `;` and a decimal comma, "
        "UTF-8 with a byte order mark. Amounts and rules are configurable; no tax advice.",
        parameters=[
            OpenApiParameter("office", OpenApiTypes.INT, required=True),
            OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM"),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], required=False),
        ],
        responses={
            (200, "application/json"): PayoutSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The list as CSV."),
            400: OpenApiResponse(description="`{field: [messages]}`"),
        },
    )
    def get(self, request: Request) -> Response:
        query = PayoutQuerySerializer(data=request.query_params, context={"user": request.user})
        query.is_valid(raise_exception=True)
        payout = allowances.payout_list(
            office=query.validated_data["office"], month=query.validated_data["month"]
        )
        if request.accepted_renderer.format == "csv":
            name = f"lotse-allowances-{payout.office.pk}-{payout.month:%Y-%m}.csv"
            return Response(
                export.to_csv(payout_table(payout)),
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return Response(PayoutSerializer(payout).data)


class AllowanceEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AllowanceEntry
        fields = [
            "id",
            "volunteer",
            "office",
            "service_date",
            "took_place",
            "hours",
            "km",
            "ticket_cents",
            "languages",
            "rule",
            "computed_cents",
            "allowance_cents",
            "travel_cents",
            "status",
            "confirmed_at",
            "decided_at",
        ]


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=allowances.DECISIONS,
        help_text="approve: pay it all; cap: pay what the year's cap leaves; reject: nothing.",
    )


class EntryDecision(generics.GenericAPIView):
    """A coordinator decides about an entry over the yearly cap."""

    serializer_class = AllowanceEntrySerializer

    def get_queryset(self) -> QuerySet[AllowanceEntry]:
        entries = AllowanceEntry.objects.select_related("office")
        return scope_to_offices(entries, self.request.user).order_by("pk")

    @extend_schema(
        description="Decide about an entry over the yearly cap: `approve` (pay it all), `cap` "
        "(pay what the cap leaves) or `reject`. Coordinators only (403); 409 `decided` for an "
        "entry that does not wait. Audited.",
        request=DecisionSerializer,
        responses={200: AllowanceEntrySerializer, 409: ConflictSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        given = DecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        decided = allowances.decide(
            entry=entry, by=request.user, decision=given.validated_data["decision"]
        )
        return Response(AllowanceEntrySerializer(decided).data)


class AllowanceRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AllowanceRule
        fields = ["kind", "flat_cents", "hourly_cents", "km_cents", "reimburse_tickets"]


class OfficeAllowanceRule(APIView):
    """An office's allowance rule: staff of the office read it, coordinators change it."""

    def _office(self) -> Office:
        offices = scope_to_offices(Office.objects.all(), self.request.user, office_field="pk")
        office = offices.filter(pk=self.kwargs["pk"]).first()
        if office is None:
            raise NotFound()
        return office

    @extend_schema(responses={200: AllowanceRuleSerializer})
    def get(self, request: Request, pk: int) -> Response:
        rule = AllowanceRule.objects.filter(office=self._office()).first()
        return Response(AllowanceRuleSerializer(rule or AllowanceRule()).data)

    @extend_schema(
        description="Set the office's rule: `kind` none | flat (`flat_cents` per assignment) | "
        "hourly (`hourly_cents` per hour plus `km_cents` per km); tickets are reimbursed as "
        "given unless `reimburse_tickets` is false. New confirmations use it. Coordinators "
        "only (403). Audited.",
        request=AllowanceRuleSerializer,
        responses={200: AllowanceRuleSerializer},
    )
    def put(self, request: Request, pk: int) -> Response:
        office = self._office()
        if not allowances.is_coordinator(request.user):
            return Response(
                {"detail": _("Only a coordinator changes an office's allowance rule.")},
                status=403,
            )
        data = request.data if isinstance(request.data, dict) else {}
        rule = allowances.set_rule(office=office, data=dict(data))
        return Response(AllowanceRuleSerializer(rule).data)
