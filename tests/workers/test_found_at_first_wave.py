"""The first wave keeps how many candidates each tier had, for the statistics of unmet demand;
later waves leave it as it was."""

from __future__ import annotations

from matching import offering
from requests.models import Request
from tests.factories.matching import RECORDED_AT, appointment, fitting_volunteer


def found(request: Request) -> tuple[int | None, int | None, int | None]:
    request.refresh_from_db()
    return (request.found_exact, request.found_outside_times, request.found_beyond_limit)


def test_the_first_wave_keeps_the_candidates_per_tier(office_a):
    fitting_volunteer()
    fitting_volunteer()
    fitting_volunteer(availability=[(2, "09:00", "12:00")])
    fitting_volunteer(postcode="44265", max_distance_km=8)  # about 10 km: beyond the limit
    request = appointment(office_a, auto_offer=False)
    assert found(request) == (None, None, None)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    assert found(request) == (2, 1, 1)
    fitting_volunteer()
    offering.offer_next_wave(request_id=request.pk, wave=2, now=RECORDED_AT)
    assert found(request) == (2, 1, 1)


def test_a_first_wave_with_nobody_keeps_zero(office_a):
    fitting_volunteer(languages=[("ar", "native"), ("de", "C1")])
    request = appointment(office_a, auto_offer=False)
    assert offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT).startswith(
        "unfilled"
    )
    assert found(request) == (0, 0, 0)
