"""The statistics' numbers, against facts built by hand (no database): each count is visible."""

import datetime as dt
from decimal import Decimal

import pytest

from requests.statistics import numbers
from requests.statistics.numbers import OfferFact, RequestFact

BERLIN = numbers.BERLIN
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=BERLIN)


def at(day: str, clock: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


def fact(
    status: str,
    *,
    office: str = "Eving",
    starts: str = "2026-05-20",
    created: str = "2026-05-10",
    filled_after_hours: float | None = None,
    languages: tuple[str, ...] = ("fa", "de"),
) -> RequestFact:
    created_at = at(created, "09:00")
    filled_at = (
        created_at + dt.timedelta(hours=filled_after_hours)
        if filled_after_hours is not None
        else None
    )
    return RequestFact(
        office=office,
        status=status,
        starts_at=at(starts),
        created_at=created_at,
        filled_at=filled_at,
        languages=languages,
    )


@pytest.fixture
def ten_requests() -> list[RequestFact]:
    """10 decided requests in May 2026: 7 filled (5 completed, 2 filled), 3 not filled."""
    filled = [fact("completed", filled_after_hours=h) for h in (1, 2, 3, 4, 5)] + [
        fact("filled", filled_after_hours=h) for h in (6, 30)
    ]
    not_filled = [
        fact("unfilled"),
        fact("unfilled"),
        fact("offering", starts="2026-05-25"),  # the appointment came while still looking
    ]
    return filled + not_filled


def test_it_computes_a_fill_rate_of_70_percent_for_7_filled_of_10(ten_requests):
    """10 requests, 7 filled → 70 %."""
    fill = numbers.fill_rate(ten_requests, now=NOW)
    assert (fill.filled, fill.not_filled, fill.counted) == (7, 3, 10)
    assert fill.rate == pytest.approx(0.70)


def test_it_leaves_cancelled_and_still_looking_requests_out_of_the_rate(ten_requests):
    """A cancelled request and one still looking for next week change neither count."""
    more = [*ten_requests, fact("cancelled"), fact("offering", starts="2026-06-20")]
    fill = numbers.fill_rate(more, now=NOW)
    assert fill.rate == pytest.approx(0.70)
    assert (fill.cancelled, fill.pending) == (1, 1)


def test_it_takes_the_median_time_to_fill_over_the_filled_requests(ten_requests):
    """Filled after 1, 2, 3, 4, 5, 6 and 30 hours: the median is 4 hours (30 does not pull)."""
    fill = numbers.fill_rate(ten_requests, now=NOW)
    assert fill.median_time_to_fill == dt.timedelta(hours=4)


def test_it_has_no_rate_and_no_median_without_decided_requests():
    """Nothing decided yet: no rate (not 0 %), no median."""
    fill = numbers.fill_rate([fact("open", starts="2026-07-01")], now=NOW)
    assert fill.rate is None
    assert fill.median_time_to_fill is None


def test_it_counts_requests_per_month_and_office_by_the_appointments_berlin_month():
    """Counted in the month of the appointment in Berlin: 31 May 23:30 (UTC+2) is still May."""
    late_may = RequestFact(
        office="Eving",
        status="completed",
        starts_at=dt.datetime(2026, 5, 31, 21, 30, tzinfo=dt.UTC),  # 23:30 in Berlin
        created_at=at("2026-05-01"),
    )
    facts = [
        late_may,
        fact("completed", office="Hörde", starts="2026-05-02"),
        fact("cancelled", office="Hörde", starts="2026-06-02"),
        fact("open", office="Eving", starts="2026-06-30"),
    ]
    months = numbers.months_between(dt.date(2026, 5, 1), dt.date(2026, 6, 1))
    table = numbers.requests_per_month(facts, months=months, offices=["Eving", "Hörde"])
    may, june = months
    assert (table.value(may, "Eving"), table.value(may, "Hörde")) == (1, 1)
    assert (table.value(june, "Eving"), table.value(june, "Hörde")) == (1, 1)
    assert table.total(may) == 2


def test_it_lists_months_across_a_year_end():
    """November to February: four months, first days."""
    months = numbers.months_between(dt.date(2025, 11, 1), dt.date(2026, 2, 1))
    assert months == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]


def test_it_sets_languages_in_demand_beside_the_volunteers_who_speak_them():
    """Tigrinya: 3 requests, 2 not filled, 1 volunteer → first; German is left out."""
    facts = [
        fact("unfilled", languages=("ti", "de")),
        fact("unfilled", languages=("ti", "de")),
        fact("completed", languages=("ti", "de"), filled_after_hours=2),
        fact("completed", languages=("ar", "de"), filled_after_hours=2),
        fact("completed", languages=("ar", "de"), filled_after_hours=2),
        fact("cancelled", languages=("uk", "de")),  # cancelled: no demand
        fact("unfilled", languages=("so", "de")),
    ]
    rows = numbers.language_demand(
        facts, volunteers={"ti": 1, "ar": 20, "de": 200}, now=NOW, leave_out=["de"]
    )
    assert [(r.code, r.requests, r.not_filled, r.volunteers) for r in rows] == [
        ("so", 1, 1, 0),  # nobody speaks it at all: the widest gap
        ("ti", 3, 2, 1),
        ("ar", 2, 0, 20),
    ]
    assert rows[1].requests_per_volunteer == 3


def test_it_sums_volunteer_hours_per_month_from_accepted_offers():
    """Hours of accepted offers by appointment month; declines and missing hours add nothing."""
    offers = [
        OfferFact("Eving", at("2026-05-04"), "accepted", hours=Decimal("1.5")),
        OfferFact("Eving", at("2026-05-20"), "accepted", hours=Decimal("2")),
        OfferFact("Eving", at("2026-05-20"), "accepted", hours=None),
        OfferFact("Eving", at("2026-05-20"), "declined", "no_time"),
        OfferFact("Hörde", at("2026-06-01"), "accepted", hours=Decimal("0.25")),
    ]
    months = numbers.months_between(dt.date(2026, 5, 1), dt.date(2026, 6, 1))
    table = numbers.hours_per_month(offers, months=months)
    assert table.value(months[0], "hours") == pytest.approx(3.5)
    assert table.value(months[1], "hours") == pytest.approx(0.25)


def test_it_counts_places_given_back_after_the_declines():
    """Drop-outs are no declines: their own last row, counted however many there are."""
    offers = [
        OfferFact("Eving", at("2026-05-04"), "declined", "too_far"),
        OfferFact("Eving", at("2026-05-04"), numbers.DROPPED_OUT),
        OfferFact("Eving", at("2026-05-05"), numbers.DROPPED_OUT),
        OfferFact("Eving", at("2026-05-04"), "accepted"),
    ]
    rows = numbers.declines_and_drop_outs(offers)
    assert rows[:-1] == numbers.declines_by_reason(offers)
    assert rows[-1] == (numbers.DROPPED_OUT, 2)
    assert sum(n for _reason, n in rows[:-1]) == 1


def test_it_counts_declines_by_reason_in_a_fixed_order():
    """Every reason listed (0 where none), "no reason given" last."""
    offers = [
        OfferFact("Eving", at("2026-05-04"), "declined", "too_far"),
        OfferFact("Eving", at("2026-05-04"), "declined", "no_time"),
        OfferFact("Eving", at("2026-05-04"), "declined", "no_time"),
        OfferFact("Eving", at("2026-05-04"), "declined", ""),
        OfferFact("Eving", at("2026-05-04"), "accepted"),
    ]
    assert numbers.declines_by_reason(offers) == [
        ("no_time", 2),
        ("too_far", 1),
        ("not_suitable", 0),
        ("other", 0),
        ("", 1),
    ]
