"""The statistics as pure functions of plain facts: no ORM, no database, no settings.

Definitions (the same on the page, in the CSV and in the README):

- A request belongs to the Berlin calendar month its appointment starts in.
- Its outcome: *filled* (status filled or completed: every place was taken), *cancelled*,
  *pending* (still looking and the appointment is still ahead: not decided yet), or otherwise
  *not filled* (nobody found, or the appointment came while still looking).
- Fill rate = filled ÷ (filled + not filled): cancelled and pending requests do not count.
- Time to fill = from recording the request to the last place being taken; the median over
  the filled requests.
- Languages in demand: per language, the requests needing it, how many of those were filled
  and how many not, beside the active volunteers who speak it at the least level matching asks
  for; and, of the requests whose first wave was planned, how many found no candidate at all
  and how many none in the exact tier (everyone outside their times or beyond their limit).
- Volunteer hours: the hours recorded when requests were completed, by appointment month.
- Declines: declined offers by the reason the volunteer gave ("" = none given), and after them
  the places given back: accepted, then dropped out ("I can't make it").
- Outcomes: per accepted assignment whose check-in fell due, what happened as the volunteer
  answered it or the office confirmed it: took place, the client did not come, the volunteer
  did not come, called off, or no answer yet; and the hours of those that took place. By the
  month of the appointment, and by each language the request needed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from volunteers.places import BERLIN

FILLED = "filled"
NOT_FILLED = "not_filled"
CANCELLED = "cancelled"
PENDING = "pending"

_FILLED_STATUSES = frozenset({"filled", "completed"})
_LOOKING_STATUSES = frozenset({"open", "offering"})
DECLINE_REASONS = ("no_time", "too_far", "not_suitable", "other", "")
# The status of an offer fact for a place given back after accepting, and its row among the
# declines.
DROPPED_OUT = "dropped_out"


@dataclass(frozen=True)
class RequestFact:
    office: str
    status: str
    starts_at: dt.datetime
    created_at: dt.datetime
    filled_at: dt.datetime | None = None
    languages: tuple[str, ...] = ()
    # Candidates when the first wave was planned: in every tier, in the exact tier (None: no
    # wave was planned).
    found: int | None = None
    found_exact: int | None = None


@dataclass(frozen=True)
class OfferFact:
    office: str
    starts_at: dt.datetime  # the request's appointment
    status: str
    decline_reason: str = ""
    hours: Decimal | None = None


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the Berlin calendar month `moment` falls in."""
    return moment.astimezone(BERLIN).date().replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last` (inclusive), as first days."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def outcome(fact: RequestFact, *, now: dt.datetime) -> str:
    if fact.status in _FILLED_STATUSES:
        return FILLED
    if fact.status == "cancelled":
        return CANCELLED
    if fact.status in _LOOKING_STATUSES and fact.starts_at > now:
        return PENDING
    return NOT_FILLED


@dataclass(frozen=True)
class MonthTable:
    """Counts (or sums) per month and per column, e.g. requests per month and office."""

    months: list[dt.date]
    columns: list[str]
    cells: dict[tuple[dt.date, str], float]

    def value(self, month: dt.date, column: str) -> float:
        return self.cells.get((month, column), 0)

    def total(self, month: dt.date) -> float:
        return sum(self.value(month, column) for column in self.columns)


def requests_per_month(
    requests: Iterable[RequestFact], *, months: Sequence[dt.date], offices: Sequence[str]
) -> MonthTable:
    """Requests per month and office (every request recorded, cancelled ones included)."""
    cells: Counter[tuple[dt.date, str]] = Counter()
    for fact in requests:
        cells[(month_of(fact.starts_at), fact.office)] += 1
    return MonthTable(list(months), list(offices), dict(cells))


@dataclass(frozen=True)
class FillRate:
    filled: int
    not_filled: int
    cancelled: int
    pending: int
    median_time_to_fill: dt.timedelta | None

    @property
    def counted(self) -> int:
        return self.filled + self.not_filled

    @property
    def rate(self) -> float | None:
        """Filled ÷ (filled + not filled), 0–1; None when nothing was decided."""
        return self.filled / self.counted if self.counted else None


def median_time_to_fill(requests: Iterable[RequestFact]) -> dt.timedelta | None:
    waits = [
        fact.filled_at - fact.created_at
        for fact in requests
        if fact.status in _FILLED_STATUSES and fact.filled_at is not None
    ]
    if not waits:
        return None
    return dt.timedelta(seconds=statistics.median(w.total_seconds() for w in waits))


def fill_rate(requests: Iterable[RequestFact], *, now: dt.datetime) -> FillRate:
    facts = list(requests)
    counts = Counter(outcome(fact, now=now) for fact in facts)
    return FillRate(
        filled=counts[FILLED],
        not_filled=counts[NOT_FILLED],
        cancelled=counts[CANCELLED],
        pending=counts[PENDING],
        median_time_to_fill=median_time_to_fill(facts),
    )


def fill_rate_per_month(
    requests: Iterable[RequestFact], *, months: Sequence[dt.date], now: dt.datetime
) -> dict[dt.date, FillRate]:
    by_month: dict[dt.date, list[RequestFact]] = defaultdict(list)
    for fact in requests:
        by_month[month_of(fact.starts_at)].append(fact)
    return {month: fill_rate(by_month.get(month, []), now=now) for month in months}


@dataclass(frozen=True)
class LanguageDemand:
    code: str
    requests: int
    not_filled: int
    volunteers: int
    filled: int = 0
    # Of the requests whose first wave was planned: nobody to ask at all, nobody exact.
    no_candidate: int = 0
    no_exact: int = 0

    @property
    def requests_per_volunteer(self) -> float | None:
        """How many requests each able volunteer would have had to carry; None: nobody."""
        return self.requests / self.volunteers if self.volunteers else None


def language_demand(
    requests: Iterable[RequestFact],
    *,
    volunteers: Mapping[str, int],
    now: dt.datetime,
    leave_out: Iterable[str] = (),
) -> list[LanguageDemand]:
    """Per language asked for: demand beside supply, the widest gaps first.

    Order: languages nobody can serve first, then by requests per volunteer, then by requests.
    `leave_out` drops languages everyone speaks (German, in a German network).
    """
    skip = set(leave_out)
    asked: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    filled: Counter[str] = Counter()
    nobody: Counter[str] = Counter()
    nobody_exact: Counter[str] = Counter()
    for fact in requests:
        result = outcome(fact, now=now)
        if result == CANCELLED:
            continue
        for code in set(fact.languages) - skip:
            asked[code] += 1
            missed[code] += result == NOT_FILLED
            filled[code] += result == FILLED
            nobody[code] += fact.found == 0
            nobody_exact[code] += fact.found_exact == 0
    rows = [
        LanguageDemand(
            code,
            asked[code],
            missed[code],
            volunteers.get(code, 0),
            filled=filled[code],
            no_candidate=nobody[code],
            no_exact=nobody_exact[code],
        )
        for code in asked
    ]
    return sorted(
        rows,
        key=lambda row: (
            row.volunteers > 0,
            -(row.requests_per_volunteer or 0),
            -row.requests,
            row.code,
        ),
    )


def hours_per_month(offers: Iterable[OfferFact], *, months: Sequence[dt.date]) -> MonthTable:
    """Volunteer hours recorded per month (accepted offers of completed requests)."""
    cells: defaultdict[tuple[dt.date, str], float] = defaultdict(float)
    for fact in offers:
        if fact.status == "accepted" and fact.hours is not None:
            cells[(month_of(fact.starts_at), "hours")] += float(fact.hours)
    return MonthTable(list(months), ["hours"], dict(cells))


def declines_by_reason(offers: Iterable[OfferFact]) -> list[tuple[str, int]]:
    """Declined offers per reason, in the reasons' fixed order ("" = no reason given last)."""
    counts = Counter(fact.decline_reason for fact in offers if fact.status == "declined")
    known = [(reason, counts.get(reason, 0)) for reason in DECLINE_REASONS]
    unknown = sorted((r, n) for r, n in counts.items() if r not in DECLINE_REASONS)
    return known + unknown


def declines_and_drop_outs(offers: Iterable[OfferFact]) -> list[tuple[str, int]]:
    """`declines_by_reason`, then the places given back (DROPPED_OUT) as the last row."""
    facts = list(offers)
    given_back = sum(1 for fact in facts if fact.status == DROPPED_OUT)
    return [*declines_by_reason(facts), (DROPPED_OUT, given_back)]


# The results of an outcome (`requests.models.Outcome.Result`), in the order the tables show
# them; "" is an assignment whose check-in nobody has answered yet.
OUTCOME_RESULTS = ("took_place", "client_no_show", "volunteer_no_show", "cancelled", "")


@dataclass(frozen=True)
class OutcomeFact:
    office: str
    starts_at: dt.datetime  # the request's appointment
    result: str
    hours: Decimal | None = None
    confirmed: bool = False
    languages: tuple[str, ...] = ()


def outcomes_per_month(outcomes: Iterable[OutcomeFact], *, months: Sequence[dt.date]) -> MonthTable:
    """Per month: assignments by result (OUTCOME_RESULTS), "hours" of those that took place,
    and how many the office "confirmed"."""
    cells: defaultdict[tuple[dt.date, str], float] = defaultdict(float)
    for fact in outcomes:
        month = month_of(fact.starts_at)
        cells[(month, fact.result)] += 1
        cells[(month, "confirmed")] += fact.confirmed
        if fact.result == "took_place" and fact.hours is not None:
            cells[(month, "hours")] += float(fact.hours)
    return MonthTable(list(months), [*OUTCOME_RESULTS, "hours", "confirmed"], dict(cells))


@dataclass(frozen=True)
class LanguageOutcomes:
    code: str
    counts: dict[str, int]
    hours: float

    def count(self, result: str) -> int:
        return self.counts.get(result, 0)


def outcomes_per_language(
    outcomes: Iterable[OutcomeFact], *, leave_out: Iterable[str] = ()
) -> list[LanguageOutcomes]:
    """Per language the requests needed: assignments by result and hours, most assignments
    first. `leave_out` drops languages every request names (German)."""
    skip = set(leave_out)
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    hours: defaultdict[str, float] = defaultdict(float)
    for fact in outcomes:
        for code in set(fact.languages) - skip:
            counts[code][fact.result] += 1
            if fact.result == "took_place" and fact.hours is not None:
                hours[code] += float(fact.hours)
    rows = [LanguageOutcomes(code, dict(counts[code]), hours[code]) for code in counts]
    return sorted(rows, key=lambda row: (-sum(row.counts.values()), row.code))
