"""Allowances: each office's rule, the ledger of confirmed assignments, the yearly cap, payouts.

An office's rule (`AllowanceRule`) says what a confirmed assignment pays, in euro cents: nothing,
a flat amount per assignment, or per hour plus a rate per km. Tickets are reimbursed as the
volunteer gave them under either paying rule (the office can switch that off), also for a trip
to a client who did not come; such a trip pays its travel costs but no allowance.

Each confirmed outcome makes one ledger entry (`AllowanceEntry`), or updates it after a
correction: `record`, run after the `outcome_confirmed` event and again by `reconcile` for any
confirmation whose event was lost. The amount is the office's rule at confirmation time.

The cap: every calendar year a volunteer's allowances, from all offices together, are held
against LOTSE_ALLOWANCE_CAPS for that year (the Ehrenamtspauschale by default; amounts and
rules are configurable and this is no tax advice). Travel costs reimbursed as incurred are
outside it. The year is that of the appointment's day in Berlin. An entry that would pass the
cap waits (`over_cap`): it is shown to the office and the volunteer and paid by no list until
a coordinator approves it anyway, cuts it to what the cap leaves, or rejects it (`decide`;
audited, like every change of rules and entries).

A payout list (`payout_list`) gives per volunteer, for one office and month, the assignments,
hours and amounts, the year to date against the cap, and whether it is passed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from requests.errors import RequestError
from requests.models import AllowanceEntry, AllowanceRule, Office, Outcome, StaffMember
from volunteers.models import Volunteer

Status = AllowanceEntry.Status
Result = Outcome.Result

DECISIONS = ("approve", "cap", "reject")


# --- The cap ----------------------------------------------------------------------------------


def cap_for(year: int) -> int:
    """The yearly cap in cents: the year's own, else the latest listed year before it, else the
    earliest listed."""
    caps: dict[int, int] = settings.LOTSE_ALLOWANCE_CAPS
    known = sorted(caps)
    before = [y for y in known if y <= year]
    return caps[before[-1] if before else known[0]]


def year_to_date(
    *,
    volunteer_id: int,
    year: int,
    through: dt.date | None = None,
    exclude_id: int | None = None,
) -> int:
    """The allowance cents counted for `volunteer_id` in `year` (up to `through`), all offices."""
    entries = AllowanceEntry.objects.filter(
        volunteer_id=volunteer_id, service_date__year=year, status__in=AllowanceEntry.COUNTED
    )
    if through is not None:
        entries = entries.filter(service_date__lte=through)
    if exclude_id is not None:
        entries = entries.exclude(pk=exclude_id)
    return entries.aggregate(total=Sum("allowance_cents"))["total"] or 0


# --- Rules ------------------------------------------------------------------------------------


def rule_snapshot(rule: AllowanceRule | None) -> dict[str, Any]:
    """The rule as an entry keeps it (an office without one pays nothing)."""
    if rule is None:
        return {"kind": AllowanceRule.Kind.NONE}
    return {
        "kind": rule.kind,
        "flat_cents": rule.flat_cents,
        "hourly_cents": rule.hourly_cents,
        "km_cents": rule.km_cents,
        "reimburse_tickets": rule.reimburse_tickets,
    }


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute(
    rule: dict[str, Any], *, result: str, hours: Decimal, km: Decimal, ticket_cents: int
) -> tuple[int, int]:
    """(allowance, travel) in cents for one confirmed assignment under `rule` (a snapshot)."""
    kind = rule.get("kind", AllowanceRule.Kind.NONE)
    if kind == AllowanceRule.Kind.NONE or result == Result.VOLUNTEER_NO_SHOW:
        return 0, 0
    travel = ticket_cents if rule.get("reimburse_tickets", True) else 0
    if kind == AllowanceRule.Kind.HOURLY:
        travel += _cents(km * rule.get("km_cents", 0))
    if result != Result.TOOK_PLACE:
        return 0, travel
    if kind == AllowanceRule.Kind.FLAT:
        return rule.get("flat_cents", 0), travel
    return _cents(hours * rule.get("hourly_cents", 0)), travel


def _amount(data: dict[str, Any], name: str) -> int:
    value = data.get(name, 0)
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({name: [_("Enter a whole number of cents.")]})
    try:
        cents = int(value)
    except ValueError:
        raise ValidationError({name: [_("Enter a whole number of cents.")]}) from None
    if not 0 <= cents <= AllowanceRule.MAX_CENTS:
        raise ValidationError(
            {
                name: [
                    _("Enter a number from %(low)s to %(high)s.")
                    % {"low": 0, "high": AllowanceRule.MAX_CENTS}
                ]
            }
        )
    return cents


def set_rule(*, office: Office, data: dict[str, Any]) -> AllowanceRule:
    """Set `office`'s rule from `data` (kind, flat_cents, hourly_cents, km_cents,
    reimburse_tickets). Audited as a change of the rule. ValidationError keyed by field."""
    kind = data.get("kind")
    if kind not in AllowanceRule.Kind.values:
        raise ValidationError({"kind": [_("Choose none, flat or hourly.")]})
    amounts = {name: _amount(data, name) for name in ("flat_cents", "hourly_cents", "km_cents")}
    if kind == AllowanceRule.Kind.FLAT and not amounts["flat_cents"]:
        raise ValidationError({"flat_cents": [_("Give the amount per assignment.")]})
    if kind == AllowanceRule.Kind.HOURLY and not amounts["hourly_cents"]:
        raise ValidationError({"hourly_cents": [_("Give the amount per hour.")]})
    tickets = data.get("reimburse_tickets", True)
    if not isinstance(tickets, bool):
        raise ValidationError({"reimburse_tickets": [_("Must be true or false.")]})
    with transaction.atomic():
        rule, _created = AllowanceRule.objects.select_for_update().get_or_create(office=office)
        rule.kind = kind
        rule.flat_cents, rule.hourly_cents = amounts["flat_cents"], amounts["hourly_cents"]
        rule.km_cents, rule.reimburse_tickets = amounts["km_cents"], tickets
        rule.save()
    return rule


# --- The ledger -------------------------------------------------------------------------------


def _status_within_cap(entry: AllowanceEntry) -> str:
    if entry.computed_cents == 0:
        return Status.PAYABLE
    before = year_to_date(
        volunteer_id=entry.volunteer_id, year=entry.service_date.year, exclude_id=entry.pk
    )
    if before + entry.computed_cents > cap_for(entry.service_date.year):
        return Status.OVER_CAP
    return Status.PAYABLE


def record(*, outcome_id: int) -> AllowanceEntry | None:
    """Make or update the ledger entry of a confirmed outcome; None if it is not confirmed.

    Idempotent: a second run for the same confirmation changes nothing. The volunteer's row is
    locked, so two confirmations for one person at once are held against the cap in turn.
    """
    with transaction.atomic():
        outcome = (
            Outcome.objects.select_for_update(of=("self",))
            .select_related("offer__request")
            .filter(pk=outcome_id, confirmed_at__isnull=False)
            .first()
        )
        if outcome is None:
            return None
        Volunteer.objects.select_for_update().filter(pk=outcome.volunteer_id).first()
        entry = AllowanceEntry.objects.select_for_update().filter(outcome=outcome).first()
        if entry is not None and entry.confirmed_at == outcome.confirmed_at:
            return entry
        request = outcome.offer.request
        rule = rule_snapshot(AllowanceRule.objects.filter(office_id=request.office_id).first())
        hours, km = outcome.hours or Decimal(0), outcome.km or Decimal(0)
        allowance, travel = compute(
            rule,
            result=outcome.result,
            hours=hours,
            km=km,
            ticket_cents=outcome.ticket_cents or 0,
        )
        if entry is None:
            entry = AllowanceEntry(outcome=outcome, volunteer_id=outcome.volunteer_id)
        same = entry.pk is not None and (entry.computed_cents, entry.travel_cents) == (
            allowance,
            travel,
        )
        entry.office_id = request.office_id
        entry.service_date = timezone.localtime(request.starts_at).date()
        entry.took_place = outcome.result == Result.TOOK_PLACE
        entry.hours = hours if entry.took_place else Decimal(0)
        entry.km, entry.ticket_cents = km, outcome.ticket_cents or 0
        entry.languages = request.language_codes
        entry.rule = rule
        entry.confirmed_at = outcome.confirmed_at
        if not same:
            # A new amount is held against the cap afresh; an earlier decision was about another.
            entry.computed_cents, entry.travel_cents = allowance, travel
            entry.allowance_cents = allowance
            entry.decided_at, entry.decided_by = None, None
            entry.status = Status.PAYABLE
            entry.status = _status_within_cap(entry)
        entry.save()
    return entry


def reconcile(*, limit: int = 500) -> int:
    """Record every confirmed outcome whose entry is missing or older than its confirmation
    (an event lost with a process that stopped after the commit). Returns how many."""
    stale = (
        Outcome.objects.filter(confirmed_at__isnull=False)
        .filter(Q(allowance__isnull=True) | Q(allowance__confirmed_at__lt=F("confirmed_at")))
        .order_by("confirmed_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for outcome_id in list(stale):
        if record(outcome_id=outcome_id) is not None:
            count += 1
    return count


def is_coordinator(user: Any) -> bool:
    member = StaffMember.of(user)
    return member is not None and member.is_coordinator


def decide(
    *, entry: AllowanceEntry, by: Any, decision: str, now: dt.datetime | None = None
) -> AllowanceEntry:
    """A coordinator's decision on an entry over the cap: "approve" (pay it all), "cap" (pay
    what the year's cap leaves) or "reject" (pay nothing). Audited as a change of the entry.

    ValidationError for an unknown decision; RequestError "forbidden" (403) for anyone but a
    coordinator, "decided" (409) for an entry that does not wait for a decision.
    """
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Choose approve, cap or reject.")]})
    if not is_coordinator(by):
        error = RequestError("forbidden", _("Only a coordinator decides about the yearly cap."))
        error.status_code = 403
        raise error
    now = now or timezone.now()
    with transaction.atomic():
        Volunteer.objects.select_for_update().filter(pk=entry.volunteer_id).first()
        row = AllowanceEntry.objects.select_for_update().get(pk=entry.pk)
        if row.status != Status.OVER_CAP:
            raise RequestError("decided", _("This entry does not wait for a decision."))
        if decision == "approve":
            row.status, row.allowance_cents = Status.APPROVED, row.computed_cents
        elif decision == "cap":
            year = row.service_date.year
            left = cap_for(year) - year_to_date(
                volunteer_id=row.volunteer_id, year=year, exclude_id=row.pk
            )
            row.status, row.allowance_cents = Status.CAPPED, max(0, min(row.computed_cents, left))
        else:
            row.status, row.allowance_cents = Status.REJECTED, 0
        row.decided_at, row.decided_by = now, by
        row.save()
    return row


def waiting_for(*, volunteer_id: int) -> list[AllowanceEntry]:
    """The volunteer's entries over the cap that wait for a decision (their profile shows them)."""
    return list(
        AllowanceEntry.objects.filter(volunteer_id=volunteer_id, status=Status.OVER_CAP)
        .select_related("office")
        .order_by("service_date", "pk")
    )


# --- Payout lists -----------------------------------------------------------------------------


def month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


@dataclass
class PayoutRow:
    volunteer_id: int
    name: str
    assignments: int = 0
    hours: Decimal = Decimal(0)
    allowance_cents: int = 0
    travel_cents: int = 0
    amount_cents: int = 0
    waiting_cents: int = 0
    year_to_date_cents: int = 0
    year_cap_cents: int = 0
    over_cap: bool = False
    entries: list[AllowanceEntry] = field(default_factory=list)


@dataclass
class Payout:
    office: Office
    month: dt.date
    year_cap_cents: int
    rows: list[PayoutRow]

    @property
    def amount_cents(self) -> int:
        return sum(row.amount_cents for row in self.rows)

    @property
    def waiting_cents(self) -> int:
        return sum(row.waiting_cents for row in self.rows)


def volunteer_label(volunteer: Volunteer) -> str:
    if volunteer.erased_at is not None:
        return _("erased volunteer #%(id)s") % {"id": volunteer.pk}
    return volunteer.name


def payout_list(*, office: Office, month: dt.date) -> Payout:
    """What `office` pays for `month` (the appointments' days), per volunteer by name."""
    first, last = month_range(month)
    cap = cap_for(first.year)
    entries = (
        AllowanceEntry.objects.filter(office=office, service_date__range=(first, last))
        .select_related("volunteer")
        .order_by("service_date", "pk")
    )
    rows: dict[int, PayoutRow] = {}
    for entry in entries:
        row = rows.get(entry.volunteer_id)
        if row is None:
            row = rows[entry.volunteer_id] = PayoutRow(
                entry.volunteer_id, volunteer_label(entry.volunteer), year_cap_cents=cap
            )
        row.entries.append(entry)
        if entry.took_place:
            row.assignments += 1
            row.hours += entry.hours
        if entry.counted:
            row.allowance_cents += entry.allowance_cents
            row.travel_cents += entry.travel_cents
            row.amount_cents += entry.paid_cents
        elif entry.status == Status.OVER_CAP:
            row.waiting_cents += entry.computed_cents + entry.travel_cents
            row.over_cap = True
    totals = _years_to_date(list(rows), year=first.year, through=last)
    for row in rows.values():
        row.year_to_date_cents = totals.get(row.volunteer_id, 0)
        row.over_cap = row.over_cap or row.year_to_date_cents > cap
    ordered = sorted(rows.values(), key=lambda r: (r.name.casefold(), r.volunteer_id))
    return Payout(office=office, month=first, year_cap_cents=cap, rows=ordered)


def _years_to_date(volunteer_ids: list[int], *, year: int, through: dt.date) -> dict[int, int]:
    sums: dict[int, int] = defaultdict(int)
    for volunteer_id, total in (
        AllowanceEntry.objects.filter(
            volunteer_id__in=volunteer_ids,
            service_date__year=year,
            service_date__lte=through,
            status__in=AllowanceEntry.COUNTED,
        )
        .values_list("volunteer_id")
        .annotate(total=Sum("allowance_cents"))
    ):
        sums[volunteer_id] = total or 0
    return sums


# --- Retention --------------------------------------------------------------------------------


def forget_old(*, now: dt.datetime | None = None) -> int:
    """Delete the entries whose year ended more than LOTSE_LEDGER_RETENTION_YEARS ago."""
    today = timezone.localdate(now or timezone.now())
    oldest_kept = dt.date(today.year - settings.LOTSE_LEDGER_RETENTION_YEARS, 1, 1)
    deleted, _per_model = AllowanceEntry.objects.filter(service_date__lt=oldest_kept).delete()
    return deleted
