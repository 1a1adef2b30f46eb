"""The columns scoring needs about the eligible volunteers, read as plain rows.

`gather` loads them in at most ten queries, whatever their number: the volunteers' own
columns (through `matching.eligibility`), their spoken languages that serve a needed language,
their level in the skill, their offers read from one index, the accepted appointments among them
that have started, their stated times, and their attended appointments (outcomes); late
drop-outs come with the offers.
Plain rows read with the cursor (`matching.sql.fetch`), never model instances or prefetches on
this path (see docs/architecture.md, "Cost model"). `matching.features` turns them into the feature
matrix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from matching import features
from matching.conf import matching_settings
from matching.eligibility import DAY_SECONDS, Appointment, appointment_of, eligible_for
from matching.features import Demand, Pool
from matching.sql import AmongIds, EpochMicroseconds, columns, epoch_microseconds, fetch
from requests.models import Offer, Outcome, Request
from volunteers import directory
from volunteers.models import AvailabilitySlot, Level, SpokenLanguage, Volunteer, VolunteerSkill

RECENT_LOAD_DAYS = features.RECENT_DAYS
DAY_US = DAY_SECONDS * 1e6
HOUR_US = 3600.0 * 1e6


def gather(
    request: Request, *, now: dt.datetime | None = None, exact: bool = False
) -> tuple[Demand, Pool]:
    """What scoring needs about the eligible volunteers, in at most ten queries.

    The request's languages and skill (unless prefetched/selected), the eligible volunteers'
    columns, their spoken languages that serve a needed language, their level in the skill, their
    offers (rows from one index) and the accepted appointments among them that have started,
    and their stated times (two scans). Never model instances. `exact`: only the exact tier
    (in their stated times and within their limit), which the match keys find fastest.
    """
    now = now or timezone.now()
    appointment = appointment_of(request)
    if exact:
        appointment = dataclasses.replace(appointment, exact_only=True)
    demand = appointment.demand(now=now)
    fields = ["pk", "max_distance_km", "registered"]
    if not appointment.remote:
        fields.append("distance_squared_km2")
    # order_by(): scoring orders; the model's default ordering would only cost a sort.
    eligible_now = eligible_for(appointment, now=now).order_by()
    rows = fetch(
        eligible_now.annotate(registered=EpochMicroseconds("created_at")).values_list(*fields)
    )
    if not rows:
        return demand, Pool.empty()
    cols = columns(rows, len(fields))
    ids = np.array(cols[0], dtype=np.int64)
    max_distance = np.array(cols[1], dtype=float)
    tenure_days = (epoch_microseconds(now) - np.array(cols[2], dtype=float)) / DAY_US
    if appointment.remote:
        distance_km = np.full(len(rows), np.nan)
    else:
        distance_km = np.sqrt(np.array(cols[3], dtype=float))
    position = {int(pk): i for i, pk in enumerate(ids)}
    owner, code, level = _spoken(ids, appointment=appointment, demand=demand, position=position)
    history = _history(ids, now=now, position=position, office_id=request.office_id)
    if appointment.exact_only:
        # Only people a stated slot covers passed: no need to read the slots again.
        in_times, no_times = np.ones(len(ids)), np.zeros(len(ids))
    else:
        in_times, no_times = _stated_times(ids, appointment=appointment, position=position)
    attended, outcomes_due = _attendance(ids, now=now, position=position)
    pool = Pool(
        volunteer_id=ids,
        distance_km=distance_km,
        max_distance_km=max_distance,
        accepted=history.accepted,
        decided=history.decided,
        recent_accepted=history.recent_accepted,
        spoken_owner=owner,
        spoken_code=code,
        spoken_level=level,
        skill_level=_skill_levels(ids, skill_id=appointment.skill_id, position=position),
        offers_recent=history.offers_recent,
        days_since_asked=history.days_since_asked,
        days_since_task=history.days_since_task,
        response_hours=history.response_hours,
        office_tasks=history.office_tasks,
        tenure_days=tenure_days,
        in_times=in_times,
        no_times=no_times,
        outside_accepted=history.outside_accepted,
        outside_decided=history.outside_decided,
        attended=attended,
        attendance_due=outcomes_due + history.late_dropouts,
    )
    return demand, pool


def _stated_times(
    ids: np.ndarray, *, appointment: Appointment, position: Mapping[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Per volunteer of `ids`: 1.0 if a stated weekly slot covers the appointment, and 1.0 if
    they stated no slot at all. Two index scans of the slots, whatever the number of ids."""
    n = len(ids)
    in_times, has_times = np.zeros(n), np.zeros(n)
    local_start, local_end = appointment.local_start, appointment.local_end
    among = AmongIds("volunteer_id", ids.tolist())
    covering = AvailabilitySlot.objects.filter(
        among,
        weekday=local_start.weekday(),
        start__lte=local_start.time().replace(tzinfo=None),
        end__gte=local_end.time().replace(tzinfo=None),
    )
    for (pk,) in fetch(covering.order_by().values_list("volunteer_id")):
        in_times[position[pk]] = 1.0
    for (pk,) in fetch(
        AvailabilitySlot.objects.filter(among).order_by().values_list("volunteer_id").distinct()
    ):
        has_times[position[pk]] = 1.0
    return in_times, 1.0 - has_times


def _attendance(
    ids: np.ndarray, *, now: dt.datetime, position: Mapping[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Per volunteer of `ids`: accepted assignments attended, and those with an outcome that
    counts for reliability (attended or their own no-show), in one query by index. Late
    drop-outs count too; `_history` reads them with the offers."""
    n = len(ids)
    attended, due = np.zeros(n), np.zeros(n)
    counted = (Outcome.Result.TOOK_PLACE, Outcome.Result.VOLUNTEER_NO_SHOW)
    rows = (
        Outcome.objects.filter(
            AmongIds("volunteer_id", ids.tolist()),
            result__in=counted,
            offer__request__starts_at__lte=now,
        )
        .order_by()
        .values_list("volunteer_id", "result")
    )
    for pk, result in fetch(rows):
        due[position[pk]] += 1
        if result == Outcome.Result.TOOK_PLACE:
            attended[position[pk]] += 1
    return attended, due


def _spoken(
    ids: np.ndarray, *, appointment: Appointment, demand: Demand, position: Mapping[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The spoken languages of `ids` that can serve a needed language, as three columns."""
    codes = sorted({code for acceptable in demand.acceptable for code in acceptable})
    rows = (
        SpokenLanguage.objects.filter(
            AmongIds("volunteer_id", ids.tolist()),
            code__in=codes,
            level__in=Level.at_least(appointment.min_level),
        )
        # The model's ordering would join the volunteers to sort by name.
        .order_by()
        .values_list("volunteer_id", "code", "level")
    )
    owner, code, level = columns(fetch(rows), 3)
    return (
        np.array([position[pk] for pk in owner], dtype=np.int64),
        np.array(code, dtype=str),
        np.array(level, dtype=str),
    )


def _skill_levels(ids: np.ndarray, *, skill_id: int, position: Mapping[int, int]) -> np.ndarray:
    """Each volunteer's own level in the skill, as a number (see features.SKILL_LEVEL)."""
    levels = np.zeros(len(ids))
    rows = (
        VolunteerSkill.objects.filter(AmongIds("volunteer_id", ids.tolist()), skill_id=skill_id)
        .order_by()
        .values_list("volunteer_id", "level")
    )
    for pk, level in fetch(rows):
        levels[position[pk]] = features.SKILL_LEVEL.get(level, 0.0)
    return levels


@dataclass(frozen=True)
class History:
    """Per volunteer (in the order of the pool), what their offers say about them."""

    accepted: np.ndarray
    decided: np.ndarray
    recent_accepted: np.ndarray
    offers_recent: np.ndarray
    days_since_asked: np.ndarray
    days_since_task: np.ndarray
    response_hours: np.ndarray
    office_tasks: np.ndarray
    # Offers made outside their stated times: accepted, and decided.
    outside_accepted: np.ndarray
    outside_decided: np.ndarray
    # Places given back within `late_dropout` of the start (they count against reliability).
    late_dropouts: np.ndarray


def _history(
    ids: np.ndarray, *, now: dt.datetime, position: Mapping[int, int], office_id: int | None
) -> History:
    """What the offers of `ids` say, as seen at `now`: their offers as rows read from one index,
    counted in NumPy, and the requests they accepted or gave back (one query by key).

    Accepted and decided (accepted, declined or expired) offers ever; accepted ones answered in
    the last 30 days; offers sent in the last 30 days; the last time they were sent one; the
    start of their last accepted appointment and how many of those were for `office_id`; the
    median time from sending to their answer; and the places they gave back late (within
    `late_dropout` of the start, by `now`).

    Counting here rather than in SQL: an aggregate per person (a median needs a sort per group)
    cost the database twice what reading the rows did (measured at 100k volunteers).
    """
    n = len(ids)
    # Instants as microseconds in floats: exact (below 2**53), and NULL becomes NaN.
    now_us = epoch_microseconds(now)
    recent_start = now_us - RECENT_LOAD_DAYS * DAY_US
    # Only columns of `offer_volunteer_history`, so the rows come from the index alone.
    offers = (
        Offer.objects.filter(AmongIds("volunteer_id", ids.tolist()))
        .order_by()
        .values_list(
            "volunteer_id",
            "status",
            "request_id",
            EpochMicroseconds("sent_at"),
            EpochMicroseconds("responded_at"),
            "outside_times",
            EpochMicroseconds("released_at"),
        )
    )
    owner_ids, statuses, request_ids, sent, responded, outside_flags, released = columns(
        fetch(offers), 7
    )
    owner = np.array([position[pk] for pk in owner_ids], dtype=np.int64)
    status = np.array(statuses, dtype=str)
    # NULL instants become NaN, and every comparison with NaN is False.
    sent_at = np.array(sent, dtype=float)
    responded_at = np.array(responded, dtype=float)
    released_at = np.array(released, dtype=float)
    offer_request = np.array(request_ids, dtype=np.int64)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(owner[mask], minlength=n)

    accepted = status == Offer.Status.ACCEPTED
    outside = np.array(outside_flags, dtype=bool)
    decided = np.isin(status, Offer.DECIDED)
    answered = accepted | (status == Offer.Status.DECLINED)
    answered &= ~np.isnan(sent_at) & ~np.isnan(responded_at)
    answered &= responded_at <= now_us
    sent_by_now = sent_at <= now_us
    days_since_asked = np.full(n, np.nan)
    last_sent = np.full(n, -np.inf)
    np.maximum.at(last_sent, owner[sent_by_now], sent_at[sent_by_now])
    asked = np.isfinite(last_sent)
    days_since_asked[asked] = (now_us - last_sent[asked]) / DAY_US
    days_since_task = np.full(n, np.nan)
    office_tasks = np.zeros(n, dtype=np.int64)
    late_dropouts = np.zeros(n)
    # Given back by `now`: whether late depends on the start of the request.
    given_back = (status == Offer.Status.WITHDRAWN) & (released_at <= now_us)
    if accepted.any() or given_back.any():
        # The requests they accepted or gave back: by key, a few index lookups.
        starts = {
            pk: (starts_at, office)
            for pk, starts_at, office in fetch(
                Request.objects.filter(
                    AmongIds("id", np.unique(offer_request[accepted | given_back]).tolist())
                )
                .order_by()
                .values_list("id", EpochMicroseconds("starts_at"), "office_id")
            )
        }
        late_us = matching_settings().late_dropout.total_seconds() * 1e6
        for i, request_id, released_us in zip(
            owner[given_back].tolist(),
            offer_request[given_back].tolist(),
            released_at[given_back].tolist(),
            strict=True,
        ):
            if released_us >= starts[request_id][0] - late_us:
                late_dropouts[i] += 1
        for i, request_id in zip(
            owner[accepted].tolist(), offer_request[accepted].tolist(), strict=True
        ):
            starts_at, office = starts[request_id]
            if starts_at > now_us:
                continue
            since = (now_us - starts_at) / DAY_US
            if np.isnan(days_since_task[i]) or since < days_since_task[i]:
                days_since_task[i] = since
            if office_id is not None and office == office_id:
                office_tasks[i] += 1
    return History(
        accepted=count(accepted),
        decided=count(decided),
        outside_accepted=count(accepted & outside),
        outside_decided=count(decided & outside),
        late_dropouts=late_dropouts,
        recent_accepted=count(accepted & (responded_at > recent_start) & (responded_at <= now_us)),
        offers_recent=count((sent_at > recent_start) & sent_by_now),
        office_tasks=office_tasks,
        days_since_asked=days_since_asked,
        days_since_task=days_since_task,
        response_hours=_median_by_group(
            owner[answered], (responded_at - sent_at)[answered] / HOUR_US, n
        ).clip(min=0.0),
    )


def _median_by_group(group: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """The median of `value` per group 0..n-1 (NaN for a group without values)."""
    medians = np.full(n, np.nan)
    if len(group) == 0:
        return medians
    order = np.lexsort((value, group))
    group, value = group[order], value[order]
    sizes = np.bincount(group, minlength=n)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    present = sizes > 0
    low = starts[present] + (sizes[present] - 1) // 2
    high = starts[present] + sizes[present] // 2
    medians[present] = (value[low] + value[high]) / 2
    return medians


def free_windows(
    request: Request, volunteer_ids: Sequence[int]
) -> tuple[int, dict[int, tuple[dt.time, dt.time]]]:
    """The appointment's weekday (0 = Monday) and, per volunteer, the weekly slot that covers
    it (Berlin time), in one query. Slots of one person never overlap, so at most one does."""
    local_start = directory.local_moment(request.starts_at)
    local_end = directory.local_moment(request.ends_at)
    weekday = local_start.weekday()
    rows = AvailabilitySlot.objects.filter(
        AmongIds("volunteer_id", list(volunteer_ids)),
        weekday=weekday,
        start__lte=local_start.time().replace(tzinfo=None),
        end__gte=local_end.time().replace(tzinfo=None),
    ).values_list("volunteer_id", "start", "end")
    return weekday, {pk: (start, end) for pk, start, end in rows.order_by()}


def names_of(volunteer_ids: Iterable[int]) -> dict[int, str]:
    """The names of the given volunteers, in one query (for showing a ranked list)."""
    return dict(Volunteer.objects.filter(pk__in=list(volunteer_ids)).values_list("pk", "name"))
