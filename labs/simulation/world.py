"""The synthetic Dortmund: volunteers, requests, hidden behaviour and the shared random draws."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from labs.demo import volunteers as demo
from matching import features
from matching.conf import matching_settings
from matching.eligibility import (
    INTERPRETING,
    KM_PER_DEGREE_LAT,
    KM_PER_DEGREE_LON_AT_EQUATOR,
    _certificate_cutoff,
)
from matching.features import LEVELS
from volunteers import languages, places
from volunteers.places import BERLIN

# A Monday; the simulated time is counted in hours from its Berlin midnight.
START = dt.datetime(2026, 4, 6, tzinfo=BERLIN)
_START_UTC = START.astimezone(dt.UTC)
HOURS_PER_DAY = 24.0
RECENT_HOURS = features.RECENT_DAYS * HOURS_PER_DAY
WEEK_HOURS = 7 * HOURS_PER_DAY

# Which languages requests need (besides German), weighted. Derived from docs/languages.md section A
# (BAMF first applications 2024: Syria 79k, Afghanistan 36k, Türkei 31k, Iraq 9k, Somalia 7k,
# Iran 6k, Russia 6k, Colombia 4k, Eritrea 3k), split over each country's languages (an
# inference, as there), plus Ukrainian, whose speakers are not in asylum statistics (section B).
DEMAND: Mapping[str, float] = {
    "ar": 30,
    "kmr": 9,
    "prs": 10,
    "ps": 4,
    "fa": 8,
    "tr": 11,
    "ckb": 3,
    "so": 3,
    "ru": 5,
    "uk": 12,
    "ti": 3,
    "es": 2,
}
# (skill, weight, needs a language besides German, share by phone/video, certificate needed)
SKILLS: tuple[tuple[str, float, bool, float, bool], ...] = (
    (INTERPRETING, 55, True, 0.2, False),
    ("accompaniment", 15, True, 0.0, False),
    ("letters", 10, True, 0.3, False),
    ("homework-help", 8, False, 0.0, True),
    ("it-help", 4, False, 0.2, False),
    ("moving-help", 4, False, 0.0, False),
    ("language-cafe", 4, False, 0.0, False),
)
# Days ahead an appointment is asked for: (low, high, weight).
LEAD_DAYS: tuple[tuple[int, int, float], ...] = ((1, 2, 25), (3, 7, 40), (8, 21, 35))
DURATIONS_MINUTES = (60, 90, 120)
DURATION_WEIGHTS = (50, 35, 15)
# When appointments start (Berlin wall clock), weighted.
OFFICE_HOURS: Mapping[str, float] = {
    **dict.fromkeys(("09:00", "09:30", "10:00", "10:30"), 12),
    **dict.fromkeys(("11:00", "13:00", "14:00", "14:30", "15:00"), 6),
    **dict.fromkeys(("08:30", "17:30", "18:00"), 3),
}
AFTERNOON_HOURS: Mapping[str, float] = {
    **dict.fromkeys(("13:00", "14:00", "15:00"), 4),
    **dict.fromkeys(("16:00", "17:30", "18:00"), 3),
}
# Requests come from where newcomers live (the demo volunteers' newcomer weights).
REQUEST_DISTRICT_WEIGHT = demo.NEWCOMER_DISTRICT_WEIGHT
HOME_JITTER_KM = 1.0
# No SMS between these Berlin hours (the product's quiet hours), except an urgent offer to someone
# who allows that at night.
QUIET_FROM, QUIET_UNTIL = 21, 8
# The channels an offer can go by (a volunteer's `offer_channel`).
EMAIL, SMS, BOTH = "email", "sms", "both"


@dataclass(frozen=True)
class Behaviour:
    """The hidden acceptance model of the simulated volunteers (log-odds terms)."""

    base: float = 0.2
    propensity_sd: float = 1.0
    distance: float = 1.6
    load: float = 0.35
    fatigue: float = 0.5
    early_morning: float = -0.6  # appointments starting before 9:30
    midday: float = 0.2  # 12:00–14:00
    evening: float = -0.4  # from 17:00
    same_day: float = -1.0  # less than 24 hours ahead
    short_notice: float = -0.2  # 1–3 days ahead
    far_ahead: float = -0.3  # more than 10 days ahead (plans change)
    # Median answer delay to an offer email, in hours (log-normal across people), and its spread
    # per answer: email is read a few times a day, between work and family, so the median person
    # answers hours after the offer arrives (3 h, as before channels were simulated).
    delay_median_hours: float = 3.0
    delay_people_sd: float = 0.6
    delay_answer_sd: float = 0.9
    # How much faster eager people answer, per unit of propensity (log scale).
    delay_eagerness: float = 0.3
    # The personal chance of never answering an offer one does not want (logit ~ N(mean, sd)).
    ignore_mean: float = -0.6
    ignore_sd: float = 0.8
    # Stated weekly times are a rough guide, not a timetable. Shares of people:
    # - who state no weekly times at all ("ask me any time"): registration makes the times
    #   optional, and a minority of volunteers with irregular shifts or studies skip them;
    no_times_share: float = 0.15
    # - of those with times, who tick "only at my stated times" (strict): a firm no is a minority
    #   choice when the form's default is flexible, but not a rare one (carers, shift workers);
    strict_share: float = 0.25
    # The chance that someone is actually free at an appointment time:
    # - outside their stated times: people name the windows they are surest of, and many are
    #   free at other hours too (part-time, retired, students), but far from always;
    free_outside: float = 0.4
    # - inside their stated times: a doctor's visit, a shift swap or a cold gets in the way now
    #   and then;
    busy_inside: float = 0.1
    # - for someone without stated times: they said any time, but life still decides;
    free_no_times: float = 0.5
    # Log-odds change for someone asked outside their stated times who is free then: even when
    # free, a time they did not offer is a little less welcome (it was not what they planned).
    outside_times: float = -0.5
    # Extra log-odds per unit of distance share above 1 (beyond their own limit): the limit is
    # a preference, but the way back gets longer and that is felt more steeply past it.
    beyond_limit: float = 2.0
    # Channels. The share of people who get offers by SMS (channel "sms" or "both"); 0 keeps
    # every offer an email, so the figures stay those of email alone.
    sms_share: float = 0.0
    # - of them, the share who chose "both" (SMS and email for every offer): a minority keeps
    #   email as well, to have the offer's details at hand.
    both_share: float = 0.3
    # - the median minutes from an SMS's arrival to the answer (waking hours): an SMS shows on the
    #   lock screen and is read within minutes; answering still needs a look at the calendar and,
    #   for many, a free moment at work, so a quarter of an hour rather than one minute. The same
    #   spread between people and between answers as email (a slow emailer is a slow texter).
    sms_delay_median_minutes: float = 15.0
    # - the share of them who allow urgent SMS at night (off by default in the product, so a
    #   small minority: people on call anyway, or night-shift workers). Without it no SMS goes
    #   out in the quiet hours (QUIET_FROM–QUIET_UNTIL); it waits for the morning.
    night_sms_share: float = 0.1

    def hour_effect(self, hour: float) -> float:
        if hour < 9.5:  # early morning
            return self.early_morning
        if 12 <= hour < 14:  # midday
            return self.midday
        if hour >= 17:  # evening
            return self.evening
        return 0.0

    def lead_effect(self, lead_hours: float) -> float:
        if lead_hours < 24:  # the same day or overnight
            return self.same_day
        if lead_hours < 72:  # one to three days
            return self.short_notice
        if lead_hours > 240:  # more than ten days
            return self.far_ahead
        return 0.0


@dataclass(frozen=True)
class Config:
    volunteers: int = 2000
    requests: int = 1000
    days: int = 120
    seed: int = 2026
    # The wave size of the random-k and nearest-first baselines.
    k: int = 5
    behaviour: Behaviour = field(default_factory=Behaviour)


def moment(hours: float) -> dt.datetime:
    """The aware instant `hours` after the simulation's start."""
    return _START_UTC + dt.timedelta(hours=hours)


def local(hours: float) -> dt.datetime:
    return moment(hours).astimezone(BERLIN)


def hours_at(at: dt.datetime) -> float:
    return (at - START).total_seconds() / 3600


# --- The world -------------------------------------------------------------------------------


class Volunteers:
    """The simulated volunteers as columns (index = volunteer id)."""

    def __init__(self, count: int, seed: int, behaviour: Behaviour) -> None:
        rng = np.random.default_rng([seed, 1])
        people = demo.invent_volunteers(count=count, seed=seed, today=START.date())
        self.n = n = len(people)
        self.lat = np.full(n, np.nan)
        self.lon = np.full(n, np.nan)
        self.max_km = np.zeros(n)
        self.remote_ok = np.zeros(n, dtype=bool)
        self.gender = np.array([p.data["gender"] for p in people], dtype=object)
        self.certificate = np.zeros(n, dtype=np.int64)  # date ordinal, 0 = none
        self.max_tasks = np.zeros(n, dtype=np.int64)
        self.active = np.array([p.status == "active" for p in people])
        self.paused_until = np.zeros(n, dtype=np.int64)
        self.absences: list[list[tuple[int, int]]] = []
        self.spoken: list[list[tuple[str, int]]] = []
        self.levels: dict[str, np.ndarray] = {}
        self.skills: dict[str, np.ndarray] = {}
        # Who states no times and who is strict: drawn here from the behaviour's shares (one
        # uniform number per person, so a larger share adds people and keeps the others), not
        # taken from the demo data, so that --behaviour can vary them.
        stated = np.random.default_rng([seed, 5])
        # The demo already leaves some people without times; the draw tops them up to the share
        # (a share below the demo's own keeps the demo's).
        demo_none = np.array([not p.data["availability"] for p in people], dtype=bool)
        base = float(demo_none.mean()) if n else 0.0
        top_up = max(behaviour.no_times_share - base, 0.0) / max(1.0 - base, 1e-9)
        self.no_times = demo_none | (stated.random(n) < top_up)
        slots = [[] if self.no_times[i] else p.data["availability"] for i, p in enumerate(people)]
        # People without times are flexible by definition.
        self.strict = (stated.random(n) < behaviour.strict_share) & ~self.no_times
        # At least one column, so that a world where nobody states times still has slot arrays.
        width = max([1, *(len(s) for s in slots)])
        self.slot_day = np.full((n, width), -1, dtype=np.int64)
        self.slot_start = np.zeros((n, width), dtype=np.int64)
        self.slot_end = np.zeros((n, width), dtype=np.int64)
        for i, person in enumerate(people):
            data = person.data
            place = places.lookup(data["postcode"])
            if place is not None:
                self.lat[i], self.lon[i] = place.point.lat, place.point.lon
            self.max_km[i] = data["max_distance_km"]
            self.remote_ok[i] = data["remote_ok"]
            if data["certificate_date"]:
                self.certificate[i] = data["certificate_date"].toordinal()
            self.max_tasks[i] = data["max_tasks_per_month"]
            if person.paused_until:
                self.paused_until[i] = person.paused_until.toordinal()
            self.absences.append(
                [(span.start.toordinal(), span.end.toordinal()) for span in data["absences"]]
            )
            spoken = [(code, LEVELS.index(level)) for code, level in data["languages"]]
            self.spoken.append(spoken)
            for code, level in spoken:
                self.levels.setdefault(code, np.full(n, -1, dtype=np.int64))[i] = level
            for code, level in data["skills"]:
                column = self.skills.setdefault(code, np.full(n, np.nan))
                column[i] = features.SKILL_LEVEL.get(level, 0.0)
            for s, slot in enumerate(slots[i]):
                self.slot_day[i, s] = slot.weekday
                self.slot_start[i, s] = slot.start.hour * 60 + slot.start.minute
                self.slot_end[i, s] = slot.end.hour * 60 + slot.end.minute
        # Registered up to four years before the start.
        self.registered = -rng.uniform(0, 4 * 365, n) * HOURS_PER_DAY
        # The true home: the postcode's area point moved by about HOME_JITTER_KM.
        km_lon = math.cos(math.radians(51.5)) * KM_PER_DEGREE_LON_AT_EQUATOR
        self.true_lat = (
            self.lat + rng.normal(0, HOME_JITTER_KM / math.sqrt(2), n) / KM_PER_DEGREE_LAT
        )
        self.true_lon = self.lon + rng.normal(0, HOME_JITTER_KM / math.sqrt(2), n) / km_lon
        # Hidden traits.
        self.propensity = rng.normal(0, behaviour.propensity_sd, n)
        self.ignore = 1 / (1 + np.exp(-rng.normal(behaviour.ignore_mean, behaviour.ignore_sd, n)))
        # The personal answer speed (log scale), the same for email and SMS.
        speed = rng.normal(0, behaviour.delay_people_sd, n) - behaviour.delay_eagerness * (
            self.propensity
        )
        self.delay_median = np.exp(math.log(behaviour.delay_median_hours) + speed)
        self.sms_delay_median = np.exp(math.log(behaviour.sms_delay_median_minutes / 60) + speed)
        # The channel: one uniform number per person against the share (a larger share adds
        # people and keeps the others), from its own stream so the other draws stay the same.
        channel = np.random.default_rng([seed, 6])
        texts = channel.random(n) < behaviour.sms_share
        both = channel.random(n) < behaviour.both_share
        self.channel = np.where(texts, np.where(both, BOTH, SMS), EMAIL).astype(object)
        self.by_sms = texts
        self.by_email = ~texts | both
        self.night_sms = texts & (channel.random(n) < behaviour.night_sms_share)

    def level(self, code: str) -> np.ndarray:
        return self.levels.get(code, np.full(self.n, -1, dtype=np.int64))


@dataclass
class SimRequest:
    index: int
    created: float
    starts: float
    ends: float
    skill: str
    languages: tuple[str, ...]
    acceptable: tuple[Mapping[str, int], ...]
    min_level: int
    remote: bool
    postcode: str
    lat: float
    lon: float
    office: str
    needed: int
    gender: str
    certificate: bool
    start_hour: float
    # Who passes the constraints that do not change while the simulation runs (positions).
    candidates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Lotse's view of the distance to each candidate (NaN for phone/video).
    distance_km: np.ndarray = field(default_factory=lambda: np.zeros(0))
    true_distance_km: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # Per candidate: a stated weekly slot covers the appointment; they stated no times at all;
    # the exact tier (in their times and within their own limit: today's product's reach).
    in_times: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    no_times: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    exact: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def month(self) -> tuple[int, int]:
        start = local(self.starts)
        return start.year, start.month


@cache
def _postcodes_by_district() -> dict[str, list[str]]:
    # Dortmund's postcodes all lie in 44100–44399; `places` knows which of them exist.
    found: dict[str, list[str]] = {}
    for number in range(44100, 44400):
        place = places.lookup(str(number))
        if place is not None:
            found.setdefault(place.district, []).append(place.postcode)
    return found


def _weighted(rng: np.random.Generator, weighted: Mapping[str, float]) -> str:
    keys = list(weighted)
    p = np.array([weighted[key] for key in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


class World:
    """The volunteers, the requests and the random draws every policy shares."""

    def __init__(self, config: Config, *, request_seed: int | None = None) -> None:
        self.config = config
        self.behaviour = config.behaviour
        self.volunteers = Volunteers(config.volunteers, config.seed, config.behaviour)
        seed = config.seed if request_seed is None else request_seed
        rng = np.random.default_rng([seed, 2])
        self._closeness: dict[str, Mapping[str, int]] = {}
        self.requests = [self._request(rng, i) for i in range(config.requests)]
        self.requests.sort(key=lambda r: r.created)
        for i, request in enumerate(self.requests):
            request.index = i
            self._static_candidates(request)
        shape = (len(self.requests), self.volunteers.n)
        draws = np.random.default_rng([seed, 3])
        self.u_accept = draws.random(shape, dtype=np.float32)
        self.u_answer = draws.random(shape, dtype=np.float32)
        self.z_delay = draws.standard_normal(shape, dtype=np.float32)
        self.u_morning = draws.random(shape, dtype=np.float32)
        # Whether someone is actually free at the appointment (against a chance that depends on
        # their stated times, see Behaviour): the same draw for every policy.
        self.u_free = draws.random(shape, dtype=np.float32)

    def acceptable(self, code: str) -> Mapping[str, int]:
        """The spoken languages that can stand in for `code` (CLDR distance ≤ the setting)."""
        if code not in self._closeness:
            threshold = matching_settings().language_closeness
            found = {code: 0}
            for other in self.volunteers.levels:
                if other != code:
                    distance = languages.distance(code, other)
                    if distance <= threshold:
                        found[other] = distance
            self._closeness[code] = found
        return self._closeness[code]

    def _request(self, rng: np.random.Generator, index: int) -> SimRequest:
        days = self.config.days
        while True:
            day = int(rng.integers(0, days))
            if (START + dt.timedelta(days=day)).weekday() < 5:  # weekdays
                break
        created_local = dt.datetime.combine(
            START.date() + dt.timedelta(days=day),
            dt.time(8),
            tzinfo=BERLIN,
        ) + dt.timedelta(minutes=int(rng.integers(0, 9 * 60)))
        weights = [w for _, _, w in LEAD_DAYS]
        low, high, _ = LEAD_DAYS[
            int(rng.choice(len(LEAD_DAYS), p=np.array(weights) / sum(weights)))
        ]
        skill_weights = np.array([s[1] for s in SKILLS], dtype=float)
        skill, _, bilingual, remote_share, certificate = SKILLS[
            int(rng.choice(len(SKILLS), p=skill_weights / skill_weights.sum()))
        ]
        while True:
            date = created_local.date() + dt.timedelta(days=int(rng.integers(low, high + 1)))
            weekday = date.weekday()
            if weekday < 5 or (weekday == 5 and rng.random() < 0.3):
                break
        if weekday == 5:
            clock = "10:00"
        elif bilingual:
            # Offices book mediators in their opening hours, most in the morning.
            clock = _weighted(rng, OFFICE_HOURS)
        else:
            # Homework help, IT help, moving and the language café: after school and work.
            clock = _weighted(rng, AFTERNOON_HOURS)
        start_minutes = int(clock[:2]) * 60 + int(clock[3:])
        duration = int(rng.choice(DURATIONS_MINUTES, p=np.array(DURATION_WEIGHTS) / 100))
        starts_local = dt.datetime.combine(date, dt.time(0), tzinfo=BERLIN) + dt.timedelta(
            minutes=start_minutes
        )
        remote = bool(rng.random() < remote_share)
        codes = (_weighted(rng, DEMAND), "de") if bilingual else ("de",)
        postcode = self._postcode(rng)
        place = places.lookup(postcode)
        if place is None:
            raise ValueError(f"postcode {postcode} is not in the place data")
        starts = hours_at(starts_local)
        return SimRequest(
            index=index,
            created=hours_at(created_local),
            starts=starts,
            ends=starts + duration / 60,
            skill=skill,
            languages=codes,
            acceptable=tuple(self.acceptable(code) for code in codes),
            min_level=LEVELS.index(
                matching_settings().interpreting_min_level
                if skill == INTERPRETING
                else matching_settings().min_level
            ),
            remote=remote,
            postcode="" if remote else postcode,
            lat=place.point.lat,
            lon=place.point.lon,
            office=place.district,
            needed=2 if rng.random() < 0.1 else 1,
            gender="female" if rng.random() < 0.1 else "",
            certificate=certificate,
            start_hour=starts_local.hour + starts_local.minute / 60,
        )

    def _postcode(self, rng: np.random.Generator) -> str:
        by_district = _postcodes_by_district()
        district = _weighted(
            rng, {d: REQUEST_DISTRICT_WEIGHT.get(d, 1) for d in sorted(by_district)}
        )
        return str(rng.choice(by_district[district]))

    def _static_candidates(self, request: SimRequest) -> None:
        """The hard constraints that hold whatever happens in the simulation, vectorised.

        As `eligibility.eligible`: stated times and the travel limit do not rule out flexible
        people (they may be asked at any time and up to BEYOND_LIMIT_FACTOR × their limit);
        strict people only in a stated slot and within their limit.
        """
        v = self.volunteers
        start, end = local(request.starts), local(request.ends)
        day = start.date().toordinal()
        ok = v.active & ((v.paused_until == 0) | (v.paused_until < day))
        for acceptable in request.acceptable:
            speaks = np.zeros(v.n, dtype=bool)
            for code in acceptable:
                speaks |= v.level(code) >= request.min_level
            ok &= speaks
        ok &= ~np.isnan(v.skills.get(request.skill, np.full(v.n, np.nan)))
        if start.date() != end.date():
            # As `eligibility.unmatchable`: an appointment past midnight is matched to nobody.
            ok[:] = False
        s = start.hour * 60 + start.minute
        e = end.hour * 60 + end.minute
        in_times = ((v.slot_day == start.weekday()) & (v.slot_start <= s) & (v.slot_end >= e)).any(
            axis=1
        )
        ok &= in_times | ~v.strict
        if request.certificate:
            cutoff = _certificate_cutoff(
                start.date(), matching_settings().certificate_max_age_years
            )
            ok &= v.certificate >= cutoff.toordinal()
        if request.gender:
            ok &= v.gender == request.gender
        km_lon = math.cos(math.radians(request.lat)) * KM_PER_DEGREE_LON_AT_EQUATOR
        if request.remote:
            ok &= v.remote_ok
            distance = np.full(v.n, np.nan)
            true_distance = np.zeros(v.n)
            within = np.ones(v.n, dtype=bool)
        else:
            dx = (v.lon - request.lon) * km_lon
            dy = (v.lat - request.lat) * KM_PER_DEGREE_LAT
            distance = np.sqrt(dx * dx + dy * dy)
            # NaN (a postcode outside the place data) is never within reach.
            known = np.nan_to_num(distance, nan=np.inf)
            within = known <= v.max_km
            reach = np.where(v.strict, 1.0, features.BEYOND_LIMIT_FACTOR) * v.max_km
            ok &= known <= reach
            tx = (v.true_lon - request.lon) * km_lon
            ty = (v.true_lat - request.lat) * KM_PER_DEGREE_LAT
            true_distance = np.sqrt(tx * tx + ty * ty)
        chosen = np.flatnonzero(ok)
        # Absences are few: checked per candidate.
        chosen = np.array(
            [i for i in chosen if not any(a <= day <= b for a, b in v.absences[i])],
            dtype=np.int64,
        )
        request.candidates = chosen
        request.distance_km = distance[chosen]
        request.true_distance_km = true_distance[chosen]
        request.no_times = v.no_times[chosen]
        request.in_times = in_times[chosen] & ~request.no_times
        request.exact = request.in_times & within[chosen]
