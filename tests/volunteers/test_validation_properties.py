"""Properties of the profile checks, against answers computed the slow, obvious way.

`check_slots` accepts a set of weekly windows iff each starts before it ends and no minute of
a weekday is covered twice, and gives back the same minutes with touching windows joined;
`check_absences` accepts absences iff none ends before it starts.
The expected answer is computed by brute force over the minutes of each day.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteers.profiles import Slot, Span, check_absences, check_slots

MINUTES_PER_DAY = 24 * 60

weekdays = st.one_of(st.integers(min_value=0, max_value=1), st.integers(min_value=0, max_value=6))
any_time = st.integers(min_value=0, max_value=MINUTES_PER_DAY - 1).map(
    lambda minute: dt.time(minute // 60, minute % 60)
)
# Mostly forward windows of whole hours on few weekdays, so that overlapping and merely
# touching windows (9–12 and 12–15) are common; any two times on any day (often backward) too.
hourly_slots = st.builds(
    lambda weekday, start, hours: Slot(weekday, dt.time(start), dt.time(start + hours)),
    weekdays,
    st.integers(min_value=8, max_value=17),
    st.integers(min_value=1, max_value=4),
)
slots = st.one_of(hourly_slots, hourly_slots, st.builds(Slot, weekdays, any_time, any_time))
days = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31))


def _minute(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def slots_acceptable(candidate: list[Slot]) -> bool:
    """The obvious rule: every window is forward, and no minute of a day is taken twice."""
    if any(_minute(slot.start) >= _minute(slot.end) for slot in candidate):
        return False
    taken: set[tuple[int, int]] = set()
    for slot in candidate:
        minutes = {(slot.weekday, m) for m in range(_minute(slot.start), _minute(slot.end))}
        if taken & minutes:
            return False
        taken |= minutes
    return True


def minutes_of(chosen: list[Slot]) -> set[tuple[int, int]]:
    return {
        (slot.weekday, m) for slot in chosen for m in range(_minute(slot.start), _minute(slot.end))
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(slots, max_size=6))
def test_it_accepts_weekly_windows_exactly_when_they_are_forward_and_disjoint(candidate):
    """Slots that touch (9–12, 12–15) are fine and joined (9–15); any shared minute or a
    backward slot is refused."""
    expected = slots_acceptable(candidate)
    try:
        accepted = check_slots(candidate)
    except ValidationError as exc:
        assert not expected, f"refused acceptable slots {candidate}: {exc.messages}"
        assert "availability" in exc.message_dict
    else:
        assert expected, f"accepted unacceptable slots {candidate}"
        assert sorted(accepted, key=lambda s: (s.weekday, s.start)) == accepted
        # The same minutes of the week, with touching slots joined: no two of a day touch.
        assert minutes_of(accepted) == minutes_of(candidate)
        assert not any(
            a.weekday == b.weekday and a.end == b.start for a, b in itertools.pairwise(accepted)
        )
        assert len(accepted) == len(candidate) - sum(
            1 for a in candidate for b in candidate if a.weekday == b.weekday and a.end == b.start
        )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(days, days).map(lambda pair: Span(*pair)), max_size=5))
def test_it_accepts_absences_exactly_when_none_ends_before_it_starts(candidate):
    """A one-day absence (start = end) is fine; an end before the start is refused."""
    expected = all(span.end >= span.start for span in candidate)
    if expected:
        assert sorted(check_absences(candidate), key=repr) == sorted(candidate, key=repr)
    else:
        with pytest.raises(ValidationError) as refused:
            check_absences(candidate)
        assert "absences" in refused.value.message_dict
