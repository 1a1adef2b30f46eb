"""A volunteer's coming appointments, for their profile page.

`volunteers` knows nothing of requests and offers (it is the lowest layer), yet the profile
lists the appointments the person accepted. The requests app registers the function that
finds them (in its AppConfig.ready), as `requests.fitting` does for the fit check; without it
the list is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from volunteers.models import Volunteer


@dataclass(frozen=True)
class Appointment:
    title: str
    when: str
    place: str
    url: str  # the appointment's page (details, calendar, "I can't make it")


Finder = Callable[[Volunteer, str], list[Appointment]]

_finder: Finder | None = None


def register(finder: Finder) -> None:
    """Install the function that lists a volunteer's coming accepted appointments; it gets
    the volunteer and the raw manage token of the page (for links that carry it)."""
    global _finder
    _finder = finder


def upcoming(volunteer: Volunteer, *, token: str) -> list[Appointment]:
    return _finder(volunteer, token) if _finder is not None else []
