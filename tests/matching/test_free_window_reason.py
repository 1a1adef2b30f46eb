"""The weekly window that covers the appointment, as a reason staff read ("free Mon 9–12"), for
candidates whose other reasons leave room for it."""

from __future__ import annotations

import pytest
from django.utils import translation

from matching import rank
from requests.models import Offer
from tests.factories.matching import RECORDED_AT, appointment, fitting_volunteer

pytestmark = pytest.mark.django_db


def test_it_says_when_in_the_week_a_new_volunteer_is_free(office_a):
    """Nobody asked yet: the three basics leave room, and the window comes last."""
    fitting_volunteer(availability=[(0, "09:00", "12:00")])
    need = appointment(office_a)  # Monday 10–11
    with translation.override("en"):
        (match,) = rank(need, now=RECORDED_AT)
    assert match.reasons == [
        "Persian native, German C1",
        "same postcode area",
        "no answered offers yet",
        "free Mon 9–12",
    ]
    with translation.override("de"):
        (match,) = rank(need, now=RECORDED_AT)
    assert match.reasons[-1] == "frei Mo 9–12"


def test_it_gives_the_minutes_of_a_window_that_starts_within_the_hour(office_a):
    fitting_volunteer(availability=[(0, "09:30", "11:15"), (0, "14:00", "16:00")])
    with translation.override("en"):
        (match,) = rank(appointment(office_a), now=RECORDED_AT)
    assert match.reasons[-1] == "free Mon 9:30–11:15"


def test_it_leaves_the_window_out_when_something_said_more(office_a):
    """Asked an hour ago: that moved the score and takes the fourth place."""
    volunteer = fitting_volunteer()
    earlier = appointment(office_a, languages=["ar", "de"])
    Offer.objects.create(request=earlier, volunteer=volunteer, sent_at=RECORDED_AT)
    with translation.override("en"):
        (match,) = rank(appointment(office_a), now=RECORDED_AT)
    assert len(match.reasons) == 4
    assert match.reasons[-1] == "last asked today"
