"""The ORM side of the ranking: who may be asked for a request, and the columns scoring needs.

`eligible` is every hard constraint as ONE database query (a queryset of volunteers):

- status active, not erased, not paused on the appointment's Berlin date, not absent that day;
- speaks every needed language (or a close one, by CLDR's matching data) at the needed level:
  `MATCHING_INTERPRETING_MIN_LEVEL` (B2) for interpreting, `MATCHING_MIN_LEVEL` (B1) otherwise;
- offers the skill; a weekly slot covers the whole appointment in Berlin wall-clock time (an
  appointment crossing midnight matches nobody);
- no accepted offer for an overlapping appointment (cancelled ones do not count);
- a certificate of conduct not older than `MATCHING_CERTIFICATE_MAX_AGE_YEARS` at the
  appointment's date, when the request needs one; the gender, when the request asks for one;
- fewer accepted offers in the appointment's Berlin calendar month than their own monthly cap;
- not offered this request before (whatever became of that offer, except an offer withdrawn
  because the place was taken: when a place comes free again, those people are asked again);
- within their own travel distance of the place, or, for phone/video, willing to help remotely.

Distances are computed in SQL without trigonometry (SQLite has none): the equirectangular
approximation around the request's point, whose cosine Python computes once. Across a city it is
off by far less than a postcode's area point is off from the real address.

At scale (100k volunteers, `make bench`, docs/benchmarks.md), on PostgreSQL, the query starts
from the volunteers' match keys: a column of keys for what each person speaks (at every level up
to their own), offers, and when in the week they are free, kept by triggers from those rows
(volunteers/migrations/0005_match_keys.py), with a GIN index. One index scan gives the people who
speak the languages, offer the skill and are free in the appointment's half hours; then the
slot itself, the person's row, distance and the exclusions are checked on the few left. The few
people busy at the time and those already asked are read once as small sets. SQLite has no such
column and checks the related rows directly; a test compares the two ways on PostgreSQL.

`gather` then loads the eligible volunteers' columns in five queries (volunteers, their spoken
languages, their level in the skill, their offers read from one index, and the accepted
appointments that have started), whatever their number: plain rows read with the cursor, never
model instances or prefetches on this path (see ARCHITECTURE.md, "Cost model").
`matching.features` turns them into the feature matrix.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from matching import features
from matching.features import Need, Pool
from matching.sql import EpochMicroseconds, epoch_microseconds
from requests.lifecycle import MAX_DURATION
from requests.models import Offer, Request
from volunteers import directory, languages
from volunteers.models import (
    Absence,
    AvailabilitySlot,
    Level,
    SpokenLanguage,
    Volunteer,
    VolunteerQuerySet,
    VolunteerSkill,
)

logger = logging.getLogger(__name__)

INTERPRETING = "interpreting"
# Kilometres per degree for the equirectangular approximation (WGS 84, mid latitudes).
KM_PER_DEGREE_LAT = 110.57
KM_PER_DEGREE_LON_AT_EQUATOR = 111.32
RECENT_LOAD_DAYS = features.RECENT_DAYS
DAY_SECONDS = 86400.0
DAY_US = DAY_SECONDS * 1e6
HOUR_US = 3600.0 * 1e6
# Offers whose outcome says something about the person: a yes, a no, or no answer in time.
DECIDED = (Offer.Status.ACCEPTED, Offer.Status.DECLINED, Offer.Status.EXPIRED)


def interpreting_min_level() -> str:
    return getattr(settings, "MATCHING_INTERPRETING_MIN_LEVEL", "B2")


def min_level() -> str:
    return getattr(settings, "MATCHING_MIN_LEVEL", "B1")


def certificate_max_age_years() -> int:
    return int(getattr(settings, "MATCHING_CERTIFICATE_MAX_AGE_YEARS", 3))


def language_closeness() -> int:
    return int(getattr(settings, "MATCHING_LANGUAGE_CLOSENESS", 10))


@lru_cache(maxsize=1024)
def acceptable_languages(code: str, *, threshold: int) -> Mapping[str, int]:
    """Every catalogue language that can stand in for `code`, with its CLDR distance.

    `code` itself is always in (distance 0), even if the catalogue lacks it (e.g. "sr-Latn").
    Cached per process: the catalogue and CLDR's data do not change while it runs.
    """
    found = {code: 0}
    for info in languages.catalogue():
        if info.code != code:
            distance = languages.distance(code, info.code)
            if distance <= threshold:
                found[info.code] = distance
    return MappingProxyType(found)


@dataclass(frozen=True)
class Appointment:
    """The facts of a request that the hard constraints need, read from the database once."""

    request_id: int
    skill_id: int
    skill_code: str
    languages: tuple[str, ...]
    starts_at: dt.datetime
    ends_at: dt.datetime
    remote: bool
    postcode: str
    lat: float | None
    lon: float | None
    gender: str
    certificate_required: bool

    @property
    def local_start(self) -> dt.datetime:
        return directory.local_moment(self.starts_at)

    @property
    def local_end(self) -> dt.datetime:
        return directory.local_moment(self.ends_at)

    @property
    def min_level(self) -> str:
        return interpreting_min_level() if self.skill_code == INTERPRETING else min_level()

    def acceptable(self) -> tuple[Mapping[str, int], ...]:
        threshold = language_closeness()
        return tuple(acceptable_languages(code, threshold=threshold) for code in self.languages)

    def need(self, *, now: dt.datetime | None = None) -> Need:
        """What scoring needs; with `now`, also the lead time and the local start hour."""
        if now is None:
            return Need(languages=self.languages, acceptable=self.acceptable(), remote=self.remote)
        local = self.local_start
        return Need(
            languages=self.languages,
            acceptable=self.acceptable(),
            remote=self.remote,
            lead_days=max((self.starts_at - now).total_seconds() / DAY_SECONDS, 0.0),
            start_hour=local.hour + local.minute / 60,
        )


def appointment_of(request: Request) -> Appointment:
    """Read what ranking needs from `request`: one query for its languages (none if prefetched)
    and one for its skill (none if selected with it)."""
    return Appointment(
        request_id=request.pk,
        skill_id=request.skill_id,
        skill_code=request.skill.code,
        languages=tuple(request.language_codes),
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        remote=request.remote,
        postcode=request.postcode,
        lat=request.lat,
        lon=request.lon,
        gender=request.gender_preference,
        certificate_required=request.certificate_required,
    )


def eligible(request: Request, *, now: dt.datetime | None = None) -> VolunteerQuerySet:
    """The volunteers who pass every hard constraint for `request` (see the module docstring).

    One query when evaluated. Nobody is eligible for an appointment that has started by `now`.
    For an in-person request each row is annotated with `distance_squared_km2`, also when the
    queryset is empty because the appointment itself rules everyone out (`unmatchable`).
    """
    return eligible_for(appointment_of(request), now=now)


def _certificate_cutoff(day: dt.date, years: int) -> dt.date:
    """The oldest issue date still valid on `day`. From 29 February back to a year without one,
    the certificate of 28 February is a day too old, so the cutoff is 1 March."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 3, 1)


def _month_bounds(local: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The Berlin calendar month of `local` as aware instants [start, next start)."""
    start = dt.datetime(local.year, local.month, 1, tzinfo=directory.LOCAL_ZONE)
    following = dt.datetime(
        local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=directory.LOCAL_ZONE
    )
    return start, following


Condition = Q | Exists | Expression

# Why nobody at all can be matched, before any volunteer is looked at.
STARTED = "started"
CROSSES_MIDNIGHT = "crosses_midnight"
NO_PLACE = "no_place"


def unmatchable(appointment: Appointment, *, now: dt.datetime) -> str | None:
    """STARTED, CROSSES_MIDNIGHT or NO_PLACE when the appointment itself rules everyone out."""
    if appointment.starts_at <= now:
        return STARTED
    if appointment.local_end.date() != appointment.local_start.date():
        # Weekly slots end by midnight, so no slot can cover an appointment past it.
        return CROSSES_MIDNIGHT
    if not appointment.remote and (appointment.lat is None or appointment.lon is None):
        return NO_PLACE
    return None


@dataclass(frozen=True)
class Step:
    """One group of the hard constraints, named for staff (see `matching.funnel`)."""

    key: str
    conditions: tuple[Condition, ...]


# The steps in the order the funnel counts them: from what rules most people out to what
# depends on the request's own history. `eligible_for` applies them all at once.
ACTIVE, LANGUAGES, SKILL, TIME, REACH, WANTED, FREE, NOT_ASKED = (
    "active", "languages", "skill", "time", "reach", "wanted", "free", "not_asked",
)  # fmt: skip


def steps(
    appointment: Appointment, *, use_match_keys: bool, one_step_at_a_time: bool = False
) -> list[Step]:
    """The hard constraints on a volunteer row for `appointment`, as named steps.

    ACTIVE is "not absent that day"; the status and pause of `directory.active_on` complete it,
    and callers apply those first. REACH in person is `within_reach`, applied to the result.
    With `use_match_keys`, LANGUAGES is the match keys (which also answer SKILL, then empty);
    `one_step_at_a_time` gives each step its own keys instead, so that it can be counted alone.
    """
    local_start, local_end = appointment.local_start, appointment.local_end
    day = local_start.date()
    levels = Level.at_least(appointment.min_level)
    month_start, month_end = _month_bounds(local_start)
    # Conditions on a person's own related rows are correlated EXISTS / NOT EXISTS, checked on
    # the few people the match keys (or, on SQLite, the first index) leave.
    narrow: tuple[Condition, ...] = ()
    if use_match_keys and one_step_at_a_time:
        languages: tuple[Condition, ...] = (MatchKeys(*language_keys(appointment)),)
        skill: tuple[Condition, ...] = (MatchKeys(skill_keys(appointment)),)
        narrow = (MatchKeys(cell_keys(appointment)),)
    elif use_match_keys:
        # The match keys answer languages and skill exactly and narrow the weekday's slots.
        languages = (MatchKeys.of(appointment),)
        skill = ()
    else:
        languages = tuple(
            Exists(
                SpokenLanguage.objects.filter(
                    volunteer=OuterRef("pk"), code__in=sorted(acceptable), level__in=levels
                )
            )
            for acceptable in appointment.acceptable()
        )
        skill = (
            Exists(
                VolunteerSkill.objects.filter(
                    volunteer=OuterRef("pk"), skill_id=appointment.skill_id
                )
            ),
        )
    wanted: list[Condition] = []
    if appointment.certificate_required:
        cutoff = _certificate_cutoff(day, certificate_max_age_years())
        wanted.append(Q(certificate_date__gte=cutoff))
    if appointment.gender:
        wanted.append(Q(gender=appointment.gender))
    return [
        Step(
            ACTIVE,
            (
                ~Exists(
                    Absence.objects.filter(
                        volunteer=OuterRef("pk"), start__lte=local_end.date(), end__gte=day
                    )
                ),
            ),
        ),
        Step(LANGUAGES, languages),
        Step(SKILL, skill),
        Step(
            TIME,
            (
                *narrow,
                Exists(
                    AvailabilitySlot.objects.filter(
                        volunteer=OuterRef("pk"),
                        weekday=local_start.weekday(),
                        start__lte=local_start.time().replace(tzinfo=None),
                        end__gte=local_end.time().replace(tzinfo=None),
                    )
                ),
            ),
        ),
        Step(REACH, (Q(remote_ok=True),) if appointment.remote else ()),
        Step(WANTED, tuple(wanted)),
        Step(
            FREE,
            (
                # Busy at the time: the few appointments around it, found by start time, give
                # a set of people that is hashed once (per candidate, their accepted offers and
                # each offer's request were read: measured twice as slow at 100k volunteers).
                # The lower bound is implied (no appointment lasts longer than MAX_DURATION);
                # it narrows the range.
                ~Q(
                    pk__in=Offer.objects.filter(
                        ~Q(request__status=Request.Status.CANCELLED),
                        status=Offer.Status.ACCEPTED,
                        request__starts_at__gt=appointment.starts_at - MAX_DURATION,
                        request__starts_at__lt=appointment.ends_at,
                        request__ends_at__gt=appointment.starts_at,
                    ).values("volunteer_id")
                ),
                # Fewer accepted offers in the month than their cap: a count per candidate, so
                # its cost follows the candidates rather than all of the month's offers.
                # COUNT(*), not of a column, so that the count comes from the index alone.
                Q(
                    max_tasks_per_month__gt=_accepted(
                        request__starts_at__gte=month_start, request__starts_at__lt=month_end
                    ).values(taken=Func(template="COUNT(*)", output_field=IntegerField()))
                ),
            ),
        ),
        Step(
            NOT_ASKED,
            # Not asked for this request before: its offers, a small set read once. A draft
            # (no id yet) has none. Those told the place was taken are asked again when one
            # comes free; those who dropped out are not.
            (
                ~Q(
                    pk__in=Offer.objects.filter(request_id=appointment.request_id)
                    .exclude(Offer.NO_LONGER_NEEDED)
                    .values("volunteer_id")
                ),
            )
            if appointment.request_id is not None
            else (),
        ),
    ]


def eligible_for(appointment: Appointment, *, now: dt.datetime | None = None) -> VolunteerQuerySet:
    """`eligible` for an appointment already read (see `appointment_of`)."""
    now = now or timezone.now()
    reason = unmatchable(appointment, now=now)
    if reason == CROSSES_MIDNIGHT:
        logger.info(
            "request %s crosses midnight in Europe/Berlin: no weekly slot covers it, nobody "
            "matches",
            appointment.request_id,
        )
    elif reason == NO_PLACE:
        logger.info(
            "request %s: postcode %r has no known place, so nobody can be matched in person",
            appointment.request_id,
            appointment.postcode,
        )
    if reason is not None:
        # Nobody, in the same shape as everybody: callers select the same columns either way.
        nobody = Volunteer.objects.none()
        if appointment.remote:
            return nobody
        return nobody.annotate(distance_squared_km2=Value(None, output_field=FloatField()))
    day = appointment.local_start.date()
    # Built with one `filter` call: building and compiling the queryset is a fixed cost of
    # every call.
    conditions = [
        condition
        for step in steps(appointment, use_match_keys=uses_match_keys())
        for condition in step.conditions
    ]
    volunteers = directory.active_on(Volunteer.objects.not_erased(), day=day).filter(*conditions)
    if appointment.remote:
        return volunteers
    return within_reach(volunteers, appointment)


# Match keys (PostgreSQL only; see volunteers/migrations/0005_match_keys.py for how the database
# derives them from the languages, skills and slots): a half-hour cell of the week per key.
CELL_SECONDS = 30 * 60


def cells(start: dt.time, end: dt.time) -> range:
    """The half-hour cells of a day (0 is 00:00–00:30) that the time [start, end) overlaps."""
    first = _seconds(start) // CELL_SECONDS
    last = -(-_seconds(end) // CELL_SECONDS)  # ceiling division
    return range(first, last)


def _seconds(moment: dt.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def uses_match_keys() -> bool:
    """Whether the database keeps match keys (PostgreSQL; see volunteers/migrations/0005)."""
    return connections[Volunteer.objects.db].vendor == "postgresql"


def match_keys(appointment: Appointment) -> tuple[list[str], list[list[str]]]:
    """The keys a volunteer needs for `appointment`: all of the first list, and at least one of
    each list in the second (the languages that can stand in for a needed one)."""
    languages_all, any_of = language_keys(appointment)
    return [*skill_keys(appointment), *cell_keys(appointment), *languages_all], any_of


def language_keys(appointment: Appointment) -> tuple[list[str], list[list[str]]]:
    """The language part of `match_keys`: a needed language that nothing else can stand in for
    is one key of the first list; one with close languages is a list of its own."""
    level = appointment.min_level
    all_of: list[str] = []
    any_of: list[list[str]] = []
    for acceptable in appointment.acceptable():
        keys = [f"l:{code}:{level}" for code in sorted(acceptable)]
        if len(keys) == 1:
            all_of += keys
        else:
            any_of.append(keys)
    return all_of, any_of


def skill_keys(appointment: Appointment) -> list[str]:
    return [f"s:{appointment.skill_id}"]


def cell_keys(appointment: Appointment) -> list[str]:
    """The weekday's half-hour cells the appointment overlaps (Berlin time)."""
    local_start, local_end = appointment.local_start, appointment.local_end
    weekday = local_start.weekday()
    return [f"w:{weekday}:{cell}" for cell in cells(local_start.time(), local_end.time())]


class MatchKeys(Expression):
    """The volunteer's match keys include all of `all_of` and one of each list in `any_of`
    (PostgreSQL only): answered by one scan of a GIN index."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, all_of: Sequence[str], any_of: Sequence[Sequence[str]] = ()) -> None:
        super().__init__()
        self.all_of = list(all_of)
        self.any_of = [list(keys) for keys in any_of]

    @classmethod
    def of(cls, appointment: Appointment) -> MatchKeys:
        """Every key `appointment` needs: languages, skill and the weekday's cells."""
        return cls(*match_keys(appointment))

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[object]]:
        column = f"{compiler.quote_name_unless_alias(Volunteer._meta.db_table)}.match_keys"
        sql = [f"{column} @> %s::text[]", *(f"{column} && %s::text[]" for _ in self.any_of)]
        return " AND ".join(sql), [self.all_of, *self.any_of]


def _accepted(**lookups: object) -> QuerySet[Offer]:
    """The outer volunteer's accepted offers for requests not cancelled, narrowed by `lookups`
    (for a subquery of `eligible_for`)."""
    return Offer.objects.order_by().filter(
        ~Q(request__status=Request.Status.CANCELLED),
        volunteer=OuterRef("pk"),
        status=Offer.Status.ACCEPTED,
        **lookups,
    )


def within_reach(volunteers: VolunteerQuerySet, appointment: Appointment) -> VolunteerQuerySet:
    """Volunteers whose point lies within their own travel distance of the appointment's place
    (in person only: it has a point).

    Checked on the rows the other conditions leave. No bounding box on an index: each person has
    their own limit, so a box for all of them must be as large as the largest (up to 100 km),
    and that spans the whole city.
    """
    lat0, lon0 = appointment.lat, appointment.lon
    km_per_degree_lon = math.cos(math.radians(lat0)) * KM_PER_DEGREE_LON_AT_EQUATOR
    dx = (F("lon") - Value(lon0)) * Value(km_per_degree_lon)
    dy = (F("lat") - Value(lat0)) * Value(KM_PER_DEGREE_LAT)
    limit = Cast("max_distance_km", FloatField())
    # lat NULL (a postcode outside the place data) makes the square NULL: never within reach.
    return volunteers.annotate(
        distance_squared_km2=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField())
    ).filter(distance_squared_km2__lte=limit * limit)


class AmongIds(Expression):
    """`column IN (ids)` with all the ids as ONE query parameter: an array on PostgreSQL, a JSON
    list on SQLite.

    `volunteer_id__in=[...]` would cost Django a conversion and a placeholder per id (about a
    third of a second for 6,500 ids, measured) and runs into SQLite's limit on parameters.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: Sequence[int]) -> None:
        super().__init__()
        self.column: Expression | F = F(column)
        self.ids = [int(pk) for pk in ids]

    def get_source_expressions(self) -> list[Expression | F]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Expression]) -> None:
        (self.column,) = exprs

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[object]]:
        column, params = compiler.compile(self.column)
        # `column` is SQL Django compiled; the ids travel as a parameter.
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return sql, [*params, json.dumps(self.ids)]

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[object]]:
        column, params = compiler.compile(self.column)
        # An array literal as text: psycopg's adaptation of a list costs ~7 µs per element.
        literal = "{" + ",".join(map(str, self.ids)) + "}"
        return f"{column} = ANY(%s::bigint[])", [*params, literal]


def gather(request: Request, *, now: dt.datetime | None = None) -> tuple[Need, Pool]:
    """What scoring needs about the eligible volunteers, in at most seven queries.

    The request's languages and skill (unless prefetched/selected), the eligible volunteers'
    columns, their spoken languages that serve a needed language, their level in the skill, their
    offers (rows from one index) and the accepted appointments among them that have started.
    Never model instances.
    """
    now = now or timezone.now()
    appointment = appointment_of(request)
    need = appointment.need(now=now)
    fields = ["pk", "max_distance_km", "registered"]
    if not appointment.remote:
        fields.append("distance_squared_km2")
    # order_by(): scoring orders; the model's default ordering would only cost a sort.
    eligible_now = eligible_for(appointment, now=now).order_by()
    rows = _fetch(
        eligible_now.annotate(registered=EpochMicroseconds("created_at")).values_list(*fields)
    )
    if not rows:
        return need, Pool.empty()
    columns = _columns(rows, len(fields))
    ids = np.array(columns[0], dtype=np.int64)
    max_distance = np.array(columns[1], dtype=float)
    tenure_days = (epoch_microseconds(now) - np.array(columns[2], dtype=float)) / DAY_US
    if appointment.remote:
        distance_km = np.full(len(rows), np.nan)
    else:
        distance_km = np.sqrt(np.array(columns[3], dtype=float))
    position = {int(pk): i for i, pk in enumerate(ids)}
    owner, code, level = _spoken(ids, appointment=appointment, need=need, position=position)
    history = _history(ids, now=now, position=position, office_id=request.office_id)
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
    )
    return need, pool


def _spoken(
    ids: np.ndarray, *, appointment: Appointment, need: Need, position: Mapping[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The spoken languages of `ids` that can serve a needed language, as three columns."""
    codes = sorted({code for acceptable in need.acceptable for code in acceptable})
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
    owner, code, level = _columns(_fetch(rows), 3)
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
    for pk, level in _fetch(rows):
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


def _history(
    ids: np.ndarray, *, now: dt.datetime, position: Mapping[int, int], office_id: int | None
) -> History:
    """What the offers of `ids` say, as seen at `now`: their offers as rows read from one index,
    counted in NumPy, and the accepted appointments that have started (one query by key).

    Accepted and decided (accepted, declined or expired) offers ever; accepted ones answered in
    the last 30 days; offers sent in the last 30 days; the last time they were sent one; the
    start of their last accepted appointment and how many of those were for `office_id`; and the
    median time from sending to their answer.

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
        )
    )
    owner_ids, statuses, request_ids, sent, responded = _columns(_fetch(offers), 5)
    owner = np.array([position[pk] for pk in owner_ids], dtype=np.int64)
    status = np.array(statuses, dtype=str)
    # NULL instants become NaN, and every comparison with NaN is False.
    sent_at = np.array(sent, dtype=float)
    responded_at = np.array(responded, dtype=float)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(owner[mask], minlength=n)

    accepted = status == Offer.Status.ACCEPTED
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
    if accepted.any():
        taken_owner = owner[accepted]
        taken_request = np.array(request_ids, dtype=np.int64)[accepted]
        # Their accepted appointments that have started: by key, a few index lookups.
        started = {
            pk: (starts_at, office)
            for pk, starts_at, office in _fetch(
                Request.objects.filter(
                    AmongIds("id", np.unique(taken_request).tolist()), starts_at__lte=now
                )
                .order_by()
                .values_list("id", EpochMicroseconds("starts_at"), "office_id")
            )
        }
        for i, request_id in zip(taken_owner.tolist(), taken_request.tolist(), strict=True):
            if request_id not in started:
                continue
            starts_at, office = started[request_id]
            since = (now_us - starts_at) / DAY_US
            if np.isnan(days_since_task[i]) or since < days_since_task[i]:
                days_since_task[i] = since
            if office_id is not None and office == office_id:
                office_tasks[i] += 1
    return History(
        accepted=count(accepted),
        decided=count(np.isin(status, DECIDED)),
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


def _fetch(queryset: QuerySet) -> list[tuple]:
    """The rows of a `values_list` queryset of numbers and strings, read with the cursor.

    Django's row iterator converts value by value; for the thousands of rows ranking reads per
    call that cost more than the query (measured). Only for columns that need no conversion:
    numbers, strings, and `EpochMicroseconds`. A queryset that can match nothing (`none()`)
    gives no rows, as Django's own iterator would.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _columns(rows: Iterable[tuple], width: int) -> list[tuple]:
    """Rows of `width` values as `width` columns (empty columns when there are no rows)."""
    return list(zip(*rows, strict=True)) or [() for _ in range(width)]


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
