"""Who may be asked for a request: every hard constraint as named steps of ONE database query.

`eligible` is a queryset of volunteers who:

- are active, not erased, not paused on the appointment's Berlin date, not absent that day;
- speak every needed language (or a close one, by CLDR's matching data) at the request's least
  level (staff's choice, else `MATCHING_INTERPRETING_MIN_LEVEL` (B2) for interpreting and
  `MATCHING_MIN_LEVEL` (B1) otherwise);
- offer the skill;
- are free then by their own rule: someone who said "only at my stated times" has a weekly slot
  covering the whole appointment in Berlin wall-clock time; everyone else may be asked at any
  time (those outside their times form a lower tier, see `matching.features.tiers`); a request
  limited to exact matches asks only those in their stated times;
- hold no accepted offer for an overlapping appointment (cancelled ones do not count);
- hold a certificate of conduct not older than `MATCHING_CERTIFICATE_MAX_AGE_YEARS` at the
  appointment's date, when the request needs one; have the gender, when the request asks for one;
- have fewer accepted offers in the appointment's Berlin calendar month than their own cap;
- were not offered this request before (whatever became of that offer, except an offer withdrawn
  because the place was taken: when a place comes free again, those people are asked again);
- are within their own travel distance of the place (flexible people: up to
  `features.BEYOND_LIMIT_FACTOR` times it), or, for phone/video, willing to help remotely.

An appointment that has started, crosses midnight or has no known place rules everyone out
(`unmatchable`); the queryset is then empty in the same shape.

Distances are computed in SQL without trigonometry (SQLite has none): the equirectangular
approximation around the request's point, whose cosine Python computes once. Across a city it is
off by far less than a postcode's area point is off from the real address.

At scale (100k volunteers, `make bench`, docs/benchmarks.md), on PostgreSQL, the query starts
from the volunteers' match keys (`matching.sql.MatchKeys`): a column of keys for what each person
speaks (at every level up to their own), offers, and when in the week they are free, kept by
triggers from those rows (volunteers/migrations/0005_match_keys.py), with a GIN index. One index
scan gives the people who speak the languages and offer the skill; then the person's row, their
times, distance and the exclusions are checked on those left. The few people busy at the time and
those already asked are read once as small sets. SQLite has no such column and checks the related
rows directly; a test compares the two ways on PostgreSQL.

`matching.pool` then loads the columns scoring needs for those people.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from django.db import connections
from django.db.models import (
    Case,
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
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from matching import features
from matching.conf import matching_settings
from matching.features import Demand
from matching.sql import MatchKeys
from requests.lifecycle import MAX_DURATION
from requests.models import Offer, Request
from volunteers import directory, languages, places
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
DAY_SECONDS = 86400.0


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
    # Staff's least language level for this request ("" = the setting for its kind of task).
    level: str = ""
    # Only exact matches: everyone must be in their stated times and within their limit.
    exact_only: bool = False

    @property
    def local_start(self) -> dt.datetime:
        return directory.local_moment(self.starts_at)

    @property
    def local_end(self) -> dt.datetime:
        return directory.local_moment(self.ends_at)

    @property
    def min_level(self) -> str:
        if self.level:
            return self.level
        knobs = matching_settings()
        return knobs.interpreting_min_level if self.skill_code == INTERPRETING else knobs.min_level

    def acceptable(self) -> tuple[Mapping[str, int], ...]:
        threshold = matching_settings().language_closeness
        return tuple(acceptable_languages(code, threshold=threshold) for code in self.languages)

    def demand(self, *, now: dt.datetime | None = None) -> Demand:
        """What scoring needs; with `now`, also the lead time and the local start hour."""
        if now is None:
            return Demand(
                languages=self.languages, acceptable=self.acceptable(), remote=self.remote
            )
        local = self.local_start
        return Demand(
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
        level=request.min_level,
        exact_only=request.exact_only,
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
    start = dt.datetime(local.year, local.month, 1, tzinfo=places.BERLIN)
    following = dt.datetime(
        local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=places.BERLIN
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
        if appointment.exact_only:
            narrow = (MatchKeys(cell_keys(appointment)),)
    elif use_match_keys:
        # The match keys answer languages and skill exactly (and, for exact matches only,
        # narrow the weekday's slots).
        all_of, any_of = match_keys(appointment)
        common = [key for key in all_of if key.startswith(LOCAL_LANGUAGE_KEY)]
        rare = [key for key in all_of if key not in common]
        if not rare and not any_of:
            rare, common = common, []
        languages = (MatchKeys(rare, any_of, on_rows=common),)
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
        cutoff = _certificate_cutoff(day, matching_settings().certificate_max_age_years)
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
        Step(TIME, (*narrow, _time_condition(appointment))),
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


def covering_slot(appointment: Appointment) -> QuerySet[AvailabilitySlot]:
    """The outer volunteer's weekly slots that cover the whole appointment (Berlin time)."""
    local_start, local_end = appointment.local_start, appointment.local_end
    return AvailabilitySlot.objects.filter(
        volunteer=OuterRef("pk"),
        weekday=local_start.weekday(),
        start__lte=local_start.time().replace(tzinfo=None),
        end__gte=local_end.time().replace(tzinfo=None),
    )


def _time_condition(appointment: Appointment) -> Condition:
    """In their stated times, unless they are flexible: then any time will do, as it will for
    someone who stated no times (they are flexible by definition). Only exact matches: always
    in their stated times."""
    covering = Exists(covering_slot(appointment))
    if appointment.exact_only:
        return covering
    no_times = ~Exists(AvailabilitySlot.objects.filter(volunteer=OuterRef("pk")))
    return Q(only_at_stated_times=False) | covering | no_times


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


# The local language's keys: nearly every volunteer has one, so they are checked on the rows
# the rarer keys leave rather than read from the index (see `sql.MatchKeys`).
LOCAL_LANGUAGE_KEY = "l:de:"


def uses_match_keys() -> bool:
    """Whether the database keeps match keys (PostgreSQL; see volunteers/migrations/0005)."""
    return connections[Volunteer.objects.db].vendor == "postgresql"


def match_keys(appointment: Appointment) -> tuple[list[str], list[list[str]]]:
    """The keys a volunteer needs for `appointment`: all of the first list, and at least one of
    each list in the second (the languages that can stand in for a needed one). The weekday's
    cells only for exact matches: flexible people are candidates at any time."""
    languages_all, any_of = language_keys(appointment)
    cells = cell_keys(appointment) if appointment.exact_only else []
    return [*skill_keys(appointment), *cells, *languages_all], any_of


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
    (in person only: it has a point), or, if they are flexible, within
    `features.BEYOND_LIMIT_FACTOR` times it.

    Checked on the rows the other conditions leave. No bounding box on an index: each person has
    their own limit, so a box for all of them must be as large as the largest (up to 100 km),
    and that spans the whole city.
    """
    lat0, lon0 = appointment.lat, appointment.lon
    km_per_degree_lon = math.cos(math.radians(lat0)) * KM_PER_DEGREE_LON_AT_EQUATOR
    dx = (F("lon") - Value(lon0)) * Value(km_per_degree_lon)
    dy = (F("lat") - Value(lat0)) * Value(KM_PER_DEGREE_LAT)
    limit = Cast("max_distance_km", FloatField())
    if not appointment.exact_only:
        # Flexible people may be asked a little beyond their limit (a lower tier).
        limit = limit * Case(
            When(only_at_stated_times=True, then=Value(1.0)),
            default=Value(features.BEYOND_LIMIT_FACTOR),
            output_field=FloatField(),
        )
    # lat NULL (a postcode outside the place data) makes the square NULL: never within reach.
    return volunteers.annotate(
        distance_squared_km2=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField())
    ).filter(distance_squared_km2__lte=limit * limit)
