"""When an SMS may go: the quiet hours, and who may be woken for an urgent task.

No SMS between SMS_QUIET_HOURS (21:00–08:00 Berlin time by default). Held SMS go when the
quiet hours end (beat: `tasks.send_held_sms`). Two kinds are never held: answers to an SMS
the person just sent (they are awake and waiting for it), and messages about an appointment
within MATCHING_URGENT_HOURS to a volunteer who allowed urgent SMS at night.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings

from matching.waves import is_urgent
from requests.models import Request
from volunteers.models import Volunteer
from volunteers.places import BERLIN

# A message within this long of the person's own SMS answers it (e.g. the confirmation of an
# accept by "JA"): it goes at once, at any hour.
CONVERSATION = dt.timedelta(minutes=15)


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def quiet_until(now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in, or None outside them."""
    start_text, end_text = settings.SMS_QUIET_HOURS.split("-")
    start, end = _clock(start_text), _clock(end_text)
    local = now.astimezone(BERLIN)
    clock = local.time()
    if start == end:
        return None
    over_midnight = start > end
    quiet = (clock >= start or clock < end) if over_midnight else (start <= clock < end)
    if not quiet:
        return None
    day = local.date()
    if over_midnight and clock >= start:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=BERLIN)


def held_until(
    *,
    volunteer: Volunteer,
    request: Request | None,
    answering: bool,
    now: dt.datetime,
) -> dt.datetime | None:
    """Until when an SMS to `volunteer` (about `request`) must wait; None: it may go now."""
    if answering:
        return None
    until = quiet_until(now)
    if until is None:
        return None
    if (
        request is not None
        and volunteer.sms_urgent_at_night
        and is_urgent(now=now, starts_at=request.starts_at)
    ):
        return None
    return until


def all_by_sms_now(request: Request, volunteer_ids: Sequence[int], now: dt.datetime) -> bool:
    """Every offer of a wave reaches its person by SMS at once (chosen, confirmed, and not held
    back by the quiet hours): answers then come within minutes, and the wave waits less
    (`matching.offering.ReachedAtOnce`)."""
    people = list(Volunteer.objects.filter(pk__in=list(volunteer_ids)))
    return bool(people) and all(
        person.sms_ready
        and held_until(volunteer=person, request=request, answering=False, now=now) is None
        for person in people
    )
