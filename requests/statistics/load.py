"""The facts behind the statistics, read for a user's offices and a period, and the report.

Scoped like every staff page (`scope_to_offices`): staff see the numbers of their own offices,
coordinators those of every office. Five queries for the requests, offers and outcomes,
whatever the period: values, never model instances. The volunteers per language are the
network's (the directory is not scoped): how many active people could serve a language today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from requests.access import scope_to_offices
from requests.models import Offer, Office, Outcome, Request, RequestLanguage
from requests.statistics import numbers
from requests.statistics.allowances import allowance_stats
from volunteers import directory
from volunteers.models import Level, SpokenLanguage, Volunteer

# German is spoken by every volunteer and needed by nearly every request: as a "gap" it says
# nothing, so the languages table leaves it out.
LEAVE_OUT = ("de",)


def period_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of `first`'s month, start of the month after `last`) in Berlin, as instants."""
    start = dt.datetime.combine(first.replace(day=1), dt.time(), tzinfo=numbers.BERLIN)
    after = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return start, dt.datetime.combine(after, dt.time(), tzinfo=numbers.BERLIN)


def scoped_requests(
    user: Any, *, office: Office | None, first: dt.date, last: dt.date
) -> QuerySet[Request]:
    start, end = period_bounds(first, last)
    requests = scope_to_offices(Request.objects.all(), user).filter(
        starts_at__gte=start, starts_at__lt=end
    )
    if office is not None:
        requests = requests.filter(office=office)
    return requests


def request_facts(requests: QuerySet[Request]) -> list[numbers.RequestFact]:
    codes: defaultdict[int, list[str]] = defaultdict(list)
    for request_id, code in (
        RequestLanguage.objects.filter(request__in=requests.values("pk"))
        .order_by("request_id", "position")
        .values_list("request_id", "code")
    ):
        codes[request_id].append(code)
    rows = requests.order_by().values_list(
        "pk",
        "office__name",
        "status",
        "starts_at",
        "created_at",
        "filled_at",
        "found_exact",
        "found_outside_times",
        "found_beyond_limit",
    )
    return [
        numbers.RequestFact(
            office=office,
            status=status,
            starts_at=starts_at,
            created_at=created_at,
            filled_at=filled_at,
            languages=tuple(codes.get(pk, ())),
            found=None if exact is None else exact + (outside or 0) + (beyond or 0),
            found_exact=exact,
        )
        for pk, office, status, starts_at, created_at, filled_at, exact, outside, beyond in rows
    ]


def offer_facts(requests: QuerySet[Request]) -> list[numbers.OfferFact]:
    rows = (
        Offer.objects.filter(request__in=requests.values("pk"))
        .filter(
            Q(status__in=[Offer.Status.ACCEPTED, Offer.Status.DECLINED])
            | Q(released_at__isnull=False)
        )
        .order_by()
        .values_list(
            "request__office__name",
            "request__starts_at",
            "status",
            "decline_reason",
            "hours",
            "released_at",
        )
    )
    return [
        numbers.OfferFact(
            office=office,
            starts_at=starts_at,
            status=numbers.DROPPED_OUT if released_at is not None else status,
            decline_reason=reason,
            hours=hours,
        )
        for office, starts_at, status, reason, hours, released_at in rows
    ]


def outcome_facts(requests: QuerySet[Request]) -> list[numbers.OutcomeFact]:
    """The outcomes of the requests' accepted assignments (two queries: outcomes, languages)."""
    rows = list(
        Outcome.objects.filter(offer__request__in=requests.values("pk"))
        .order_by()
        .values_list(
            "offer__request_id",
            "offer__request__office__name",
            "offer__request__starts_at",
            "result",
            "hours",
            "confirmed_at",
        )
    )
    codes: defaultdict[int, list[str]] = defaultdict(list)
    if rows:
        for request_id, code in (
            RequestLanguage.objects.filter(request_id__in={row[0] for row in rows})
            .order_by("request_id", "position")
            .values_list("request_id", "code")
        ):
            codes[request_id].append(code)
    return [
        numbers.OutcomeFact(
            office=office,
            starts_at=starts_at,
            result=result,
            hours=hours,
            confirmed=confirmed_at is not None,
            languages=tuple(codes.get(request_id, ())),
        )
        for request_id, office, starts_at, result, hours, confirmed_at in rows
    ]


def volunteers_per_language(*, today: dt.date | None = None) -> dict[str, int]:
    """Active volunteers (today) per language they speak at `MATCHING_MIN_LEVEL` or better."""
    active = directory.active_on(
        Volunteer.objects.not_erased(), day=today or directory.local_today()
    )
    rows = (
        SpokenLanguage.objects.filter(
            volunteer__in=active, level__in=Level.at_least(settings.MATCHING_MIN_LEVEL)
        )
        .order_by()
        .values("code")
        .annotate(people=Count("volunteer", distinct=True))
        .values_list("code", "people")
    )
    return dict(rows)


# SMS segments sent per (first day of the month, office name) for office ids in [start, end):
# the SMS outbox belongs to the workers app, above this one, which registers its counter.
SegmentCounter = Callable[[list[int], dt.datetime, dt.datetime], dict[tuple[dt.date, str], int]]
_segment_counters: list[SegmentCounter] = []


def register_segment_counter(counter: SegmentCounter) -> None:
    _segment_counters[:] = [counter]


def sms_segments(
    *, office_ids: list[int], first: dt.date, last: dt.date, months: list[dt.date], shown: list[str]
) -> numbers.MonthTable:
    start, end = period_bounds(first, last)
    cells = _segment_counters[0](office_ids, start, end) if _segment_counters else {}
    return numbers.MonthTable(
        months=months, columns=shown, cells={key: float(n) for key, n in cells.items()}
    )


@dataclass(frozen=True)
class Report:
    offices: list[str]
    months: list[dt.date]
    per_month: numbers.MonthTable
    fill: numbers.FillRate
    fill_per_month: dict[dt.date, numbers.FillRate]
    languages: list[numbers.LanguageDemand]
    hours: numbers.MonthTable
    declines: list[tuple[str, int]]
    sms_segments: numbers.MonthTable
    # What became of the accepted assignments (check-ins and confirmations).
    outcomes: numbers.MonthTable | None = None
    outcome_languages: list[numbers.LanguageOutcomes] | None = None
    # Allowances paid (requests.statistics.allowances).
    allowances: Any = None

    @property
    def total_requests(self) -> int:
        return int(sum(self.per_month.cells.values()))

    @property
    def total_hours(self) -> float:
        return sum(self.hours.cells.values())


def build_report(
    user: Any,
    *,
    offices: list[Office],
    office: Office | None,
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
) -> Report:
    """Every number of the statistics page for `user`'s `offices` (or the one `office`)."""
    now = now or timezone.now()
    requests = scoped_requests(user, office=office, first=first, last=last)
    facts = request_facts(requests)
    offer_rows = offer_facts(requests)
    outcome_rows = outcome_facts(requests)
    months = numbers.months_between(first, last)
    shown = [office.name] if office is not None else [o.name for o in offices]
    # Requests of an office closed since still count, under its name.
    shown += sorted({fact.office for fact in facts} - set(shown))
    return Report(
        offices=shown,
        months=months,
        per_month=numbers.requests_per_month(facts, months=months, offices=shown),
        fill=numbers.fill_rate(facts, now=now),
        fill_per_month=numbers.fill_rate_per_month(facts, months=months, now=now),
        languages=numbers.language_demand(
            facts, volunteers=volunteers_per_language(), now=now, leave_out=LEAVE_OUT
        ),
        hours=numbers.hours_per_month(offer_rows, months=months),
        declines=numbers.declines_and_drop_outs(offer_rows),
        sms_segments=sms_segments(
            office_ids=[office.pk] if office is not None else [o.pk for o in offices],
            first=first,
            last=last,
            months=months,
            shown=shown,
        ),
        outcomes=numbers.outcomes_per_month(outcome_rows, months=months),
        outcome_languages=numbers.outcomes_per_language(outcome_rows, leave_out=LEAVE_OUT),
        allowances=allowance_stats(
            user, offices=shown, office=office, months=months, leave_out=LEAVE_OUT
        ),
    )
