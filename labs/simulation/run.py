"""One policy through the world's requests in simulated time: offers, answers, fills."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.test import override_settings

from labs.simulation.policies import Policy
from labs.simulation.world import (
    HOURS_PER_DAY,
    QUIET_FROM,
    QUIET_UNTIL,
    RECENT_HOURS,
    WEEK_HOURS,
    SimRequest,
    World,
    hours_at,
    local,
    moment,
)
from matching import waves
from matching.features import LEVELS, Demand, Pool

# --- One run ---------------------------------------------------------------------------------

SENT, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN = (
    "sent",
    "accepted",
    "declined",
    "expired",
    "withdrawn",
)
# Requests made less than this before their appointment are "soon" (their own median to fill).
SOON_HOURS = 48.0
# Event kinds, in the order they are handled at the same instant.
CREATED, ANSWER, WAVE, STARTS = 0, 1, 2, 3


# The decline reason of someone asked outside their stated times who is not free then.
NOT_USUAL_TIME = "not_usual_time"


class SimOffer:
    __slots__ = (
        "answer",
        "by_email",
        "features",
        "outside",
        "reason",
        "request",
        "responded",
        "sent",
        "sms_at",
        "status",
        "volunteer",
    )

    def __init__(
        self, request: int, volunteer: int, sent: float, features: dict, *, outside: bool
    ) -> None:
        self.request = request
        self.volunteer = volunteer
        self.sent = sent
        self.features = features
        # Made outside their stated times (they stated some): as Offer.outside_times.
        self.outside = outside
        self.status = SENT
        # When the offer's SMS went out (None: no SMS), and whether it went by email too.
        self.sms_at: float | None = None
        self.by_email = True
        self.responded: float | None = None
        self.answer = ""
        self.reason = ""


@dataclass(frozen=True)
class Result:
    """What one policy achieved on one world."""

    policy: str
    requests: int
    filled: int
    offers: int
    median_hours_to_fill: float
    gini: float
    without_candidates: int
    # The same for requests made within SOON_HOURS of their appointment, and how many there were
    # and were filled.
    median_hours_to_fill_soon: float = math.nan
    soon: int = 0
    filled_soon: int = 0
    # Offers with an SMS (the others went by email alone).
    sms_offers: int = 0

    @property
    def fill_rate(self) -> float:
        return self.filled / self.requests if self.requests else 0.0

    @property
    def offers_per_filled(self) -> float:
        return self.offers / self.filled if self.filled else math.inf


class Run:
    """One policy through the world's requests in simulated time (an event queue)."""

    def __init__(
        self, world: World, policy: Policy, *, progress: Callable[[str], None] | None = None
    ) -> None:
        self.world = world
        self.policy = policy
        self.progress = progress
        n = world.volunteers.n
        self.accepted = np.zeros(n, dtype=np.int64)
        self.decided = np.zeros(n, dtype=np.int64)
        # Offers made outside their stated times: accepted, and decided.
        self.outside_accepted = np.zeros(n, dtype=np.int64)
        self.outside_decided = np.zeros(n, dtype=np.int64)
        self.offers_total = np.zeros(n, dtype=np.int64)
        self.sent_times: list[list[float]] = [[] for _ in range(n)]
        self.accept_times: list[list[float]] = [[] for _ in range(n)]
        self.response_hours: list[list[float]] = [[] for _ in range(n)]
        # (starts, ends, office) of each accepted appointment.
        self.tasks: list[list[tuple[float, float, str]]] = [[] for _ in range(n)]
        self.month_tasks: dict[tuple[int, tuple[int, int]], int] = {}
        requests = world.requests
        self.taken = [0] * len(requests)
        self.filled_at: list[float | None] = [None] * len(requests)
        self.offered: list[set[int]] = [set() for _ in requests]
        self.open: list[list[SimOffer]] = [[] for _ in requests]
        self.offers: list[SimOffer] = []
        self.without_candidates = 0
        self._events: list[tuple[float, int, int, object]] = []
        self._seq = 0

    def _push(self, at: float, kind: int, payload: object) -> None:
        self._seq += 1
        heapq.heappush(self._events, (at, kind, self._seq, payload))

    def run(self) -> Result:
        with override_settings(**self.policy.overrides):
            return self._run()

    def _run(self) -> Result:
        requests = self.world.requests
        for request in requests:
            self._push(request.created, CREATED, request)
            self._push(request.starts, STARTS, request)
        created = 0
        step = max(1, len(requests) // 4)
        while self._events:
            now, kind, _, payload = heapq.heappop(self._events)
            if kind == CREATED:
                request = payload  # type: ignore[assignment]
                if len(request.candidates) == 0:
                    self.without_candidates += 1
                self._wave(request, now)
                created += 1
                if self.progress and (created % step == 0 or created == len(requests)):
                    self.progress(f"{self.policy.name}: {created}/{len(requests)} requests")
            elif kind == WAVE:
                self._wave(payload, now)  # type: ignore[arg-type]
            elif kind == ANSWER:
                self._answer(payload, now)  # type: ignore[arg-type]
            else:
                self._expire(payload)  # type: ignore[arg-type]
        return self.result()

    # -- what Lotse sees -----------------------------------------------------------------------

    def still_eligible(self, request: SimRequest, now: float) -> np.ndarray:
        """Positions in `request.candidates` that pass the changing constraints at `now`: not
        offered this request, no overlapping accepted task, under their monthly cap; only the
        exact tier for a policy that keeps to it."""
        if now >= request.starts or self.filled_at[request.index] is not None:
            return np.zeros(0, dtype=np.int64)
        month = request.month
        offered = self.offered[request.index]
        caps = self.world.volunteers.max_tasks
        keep = []
        reach = request.exact if self.policy.exact_only else np.ones(len(request.candidates), bool)
        for p, v in enumerate(request.candidates.tolist()):
            if not reach[p] or v in offered:
                continue
            if self.month_tasks.get((v, month), 0) >= caps[v]:
                continue
            if any(s < request.ends and e > request.starts for s, e, _ in self.tasks[v]):
                continue
            keep.append(p)
        return np.array(keep, dtype=np.int64)

    def pool(self, request: SimRequest, now: float, positions: np.ndarray) -> tuple[Demand, Pool]:
        """What `candidates.gather` would load for these candidates at `now`."""
        volunteers = self.world.volunteers
        ids = request.candidates[positions]
        n = len(ids)
        recent_from = now - RECENT_HOURS
        columns = {name: np.zeros(n) for name in ("recent", "offers", "office", "skill", "tenure")}
        since_asked = np.full(n, np.nan)
        since_task = np.full(n, np.nan)
        response = np.full(n, np.nan)
        skill = volunteers.skills[request.skill]
        owner: list[int] = []
        code: list[str] = []
        level: list[str] = []
        codes = {c for acceptable in request.acceptable for c in acceptable}
        for i, v in enumerate(ids.tolist()):
            sent = self.sent_times[v]
            accepts = self.accept_times[v]
            columns["recent"][i] = len(accepts) - bisect.bisect_right(accepts, recent_from)
            columns["offers"][i] = len(sent) - bisect.bisect_right(sent, recent_from)
            if sent:
                since_asked[i] = (now - sent[-1]) / HOURS_PER_DAY
            started = [s for s, _, _ in self.tasks[v] if s <= now]
            if started:
                since_task[i] = (now - max(started)) / HOURS_PER_DAY
            columns["office"][i] = sum(
                1 for s, _, office in self.tasks[v] if s <= now and office == request.office
            )
            if self.response_hours[v]:
                response[i] = statistics.median(self.response_hours[v])
            columns["skill"][i] = skill[v]
            columns["tenure"][i] = (now - volunteers.registered[v]) / HOURS_PER_DAY
            for spoken_code, spoken_level in volunteers.spoken[v]:
                if spoken_code in codes and spoken_level >= request.min_level:
                    owner.append(i)
                    code.append(spoken_code)
                    level.append(LEVELS[spoken_level])
        start = local(request.starts)
        demand = Demand(
            languages=request.languages,
            acceptable=request.acceptable,
            remote=request.remote,
            lead_days=max(request.starts - now, 0.0) / HOURS_PER_DAY,
            start_hour=start.hour + start.minute / 60,
        )
        pool = Pool(
            volunteer_id=ids.astype(np.int64),
            distance_km=request.distance_km[positions],
            max_distance_km=volunteers.max_km[ids],
            accepted=self.accepted[ids],
            decided=self.decided[ids],
            recent_accepted=columns["recent"],
            spoken_owner=np.array(owner, dtype=np.int64),
            spoken_code=np.array(code, dtype=str),
            spoken_level=np.array(level, dtype=str),
            skill_level=columns["skill"],
            offers_recent=columns["offers"],
            days_since_asked=since_asked,
            days_since_task=since_task,
            response_hours=response,
            office_tasks=columns["office"],
            tenure_days=columns["tenure"],
            in_times=request.in_times[positions].astype(float),
            no_times=request.no_times[positions].astype(float),
            outside_accepted=self.outside_accepted[ids],
            outside_decided=self.outside_decided[ids],
        )
        return demand, pool

    # -- what happens ---------------------------------------------------------------------------

    def _wave(self, request: SimRequest, now: float) -> None:
        positions = self.still_eligible(request, now)
        if len(positions) == 0:
            return
        sent = [
            self._send(request, volunteer, now, ranked_on)
            for volunteer, ranked_on in self.policy.choose(self, request, now, positions)
        ]
        if self.policy.repeats:
            # Every offer of the wave went out by SMS now (none held back by quiet hours).
            by_sms = self.policy.knows_channels and all(o.sms_at == now for o in sent)
            wait = waves.wave_timeout(
                now=moment(now), starts_at=moment(request.starts), by_sms=by_sms
            )
            self._push(now + wait.total_seconds() / 3600, WAVE, request)

    def chance(self, request: SimRequest, volunteer: int, now: float) -> float:
        """The hidden probability that `volunteer` accepts `request`, asked at `now`, if they
        are free then (see `free`)."""
        b = self.world.behaviour
        v = self.world.volunteers
        accepts = self.accept_times[volunteer]
        tasks_30d = len(accepts) - bisect.bisect_right(accepts, now - RECENT_HOURS)
        sent = self.sent_times[volunteer]
        offers_7d = len(sent) - bisect.bisect_right(sent, now - WEEK_HOURS)
        p = int(np.searchsorted(request.candidates, volunteer))
        share = 0.0
        if not request.remote:
            share = float(request.true_distance_km[p]) / float(v.max_km[volunteer])
        outside = not request.in_times[p] and not request.no_times[p]
        logit = (
            b.base
            + v.propensity[volunteer]
            - b.distance * share
            - b.beyond_limit * max(share - 1.0, 0.0)
            + (b.outside_times if outside else 0.0)
            - b.load * tasks_30d
            - b.fatigue * math.log1p(offers_7d)
            + b.hour_effect(request.start_hour)
            + b.lead_effect(request.starts - now)
        )
        return 1 / (1 + math.exp(-logit))

    def free(self, request: SimRequest, volunteer: int) -> bool:
        """Whether `volunteer` is actually free at the appointment: likely inside their stated
        times, less so outside them (Behaviour); one shared draw per request and person."""
        b = self.world.behaviour
        p = int(np.searchsorted(request.candidates, volunteer))
        if request.no_times[p]:
            chance = b.free_no_times
        elif request.in_times[p]:
            chance = 1.0 - b.busy_inside
        else:
            chance = b.free_outside
        return bool(self.world.u_free[request.index, volunteer] < chance)

    def _send(self, request: SimRequest, volunteer: int, now: float, ranked_on: dict) -> SimOffer:
        world = self.world
        p = int(np.searchsorted(request.candidates, volunteer))
        outside = not request.in_times[p] and not request.no_times[p]
        offer = SimOffer(request.index, volunteer, now, ranked_on, outside=outside)
        self.route(request, offer, now)
        free = self.free(request, volunteer)
        chance = self.chance(request, volunteer, now) if free else 0.0
        self.offers.append(offer)
        self.open[request.index].append(offer)
        self.offered[request.index].add(volunteer)
        self.sent_times[volunteer].append(now)
        self.offers_total[volunteer] += 1
        r = request.index
        if world.u_accept[r, volunteer] < chance:
            offer.answer = ACCEPTED
        elif world.u_answer[r, volunteer] >= world.volunteers.ignore[volunteer]:
            offer.answer = DECLINED
            if outside and not free:
                offer.reason = NOT_USUAL_TIME
        else:
            return offer  # never answered: expires when the appointment starts
        at = self.answered_at(request, offer, now)
        if at < request.starts:
            self._push(at, ANSWER, offer)
        return offer

    def route(self, request: SimRequest, offer: SimOffer, now: float) -> None:
        """By the volunteer's channel: email at once; an SMS at once, or in the quiet hours
        at QUIET_UNTIL unless the appointment is urgent and they allow urgent SMS at night."""
        v = self.world.volunteers
        person = offer.volunteer
        offer.by_email = bool(v.by_email[person])
        if not v.by_sms[person]:
            return
        offer.sms_at = now
        if quiet(now) and not (
            v.night_sms[person]
            and waves.is_urgent(now=moment(now), starts_at=moment(request.starts))
        ):
            offer.sms_at = after_quiet_hours(now)

    def answered_at(self, request: SimRequest, offer: SimOffer, now: float) -> float:
        """When the answer comes: the personal delay of the channel it is read on (the faster
        one for both), drawn once per request and person, after the message arrives; never at
        night."""
        world = self.world
        r, person = request.index, offer.volunteer
        spread = math.exp(world.behaviour.delay_answer_sd * float(world.z_delay[r, person]))
        u = float(world.u_morning[r, person])
        times = []
        if offer.by_email:
            delay = float(world.volunteers.delay_median[person]) * spread
            times.append(self._awake(now + min(max(delay, 0.05), 96.0), u))
        if offer.sms_at is not None:
            delay = float(world.volunteers.sms_delay_median[person]) * spread
            times.append(self._awake(offer.sms_at + min(max(delay, 0.05), 96.0), u))
        return min(times)

    @staticmethod
    def _awake(at: float, u: float) -> float:
        """Nobody answers between 23:00 and 07:00: such an answer comes the next morning."""
        clock = local(at)
        if 7 <= clock.hour < 23:  # waking hours
            return at
        morning = clock.replace(hour=7, minute=0, second=0, microsecond=0)
        if clock.hour >= 23:
            morning += dt.timedelta(days=1)
        return hours_at(morning) + 1.5 * u

    def _answer(self, offer: SimOffer, now: float) -> None:
        if offer.status != SENT:
            return
        request = self.world.requests[offer.request]
        v = offer.volunteer
        answer = offer.answer
        if answer == ACCEPTED:
            clash = any(s < request.ends and e > request.starts for s, e, _ in self.tasks[v])
            full = self.month_tasks.get((v, request.month), 0) >= self.world.volunteers.max_tasks[v]
            if clash or full:
                answer = DECLINED
        offer.status = answer
        offer.responded = now
        self.open[offer.request].remove(offer)
        self.decided[v] += 1
        self.outside_decided[v] += offer.outside
        self.response_hours[v].append(now - offer.sent)
        if answer == DECLINED:
            return
        self.accepted[v] += 1
        self.outside_accepted[v] += offer.outside
        self.accept_times[v].append(now)
        self.tasks[v].append((request.starts, request.ends, request.office))
        key = (v, request.month)
        self.month_tasks[key] = self.month_tasks.get(key, 0) + 1
        self.taken[request.index] += 1
        if self.taken[request.index] >= request.needed:
            self.filled_at[request.index] = now
            for other in self.open[request.index]:
                other.status = WITHDRAWN
            self.open[request.index] = []

    def _expire(self, request: SimRequest) -> None:
        for offer in self.open[request.index]:
            offer.status = EXPIRED
            self.decided[offer.volunteer] += 1
            self.outside_decided[offer.volunteer] += offer.outside
        self.open[request.index] = []

    # -- results --------------------------------------------------------------------------------

    def result(self) -> Result:
        requests = self.world.requests
        hours = [
            filled - request.created
            for request, filled in zip(requests, self.filled_at, strict=True)
            if filled is not None
        ]
        soon = [r for r in requests if r.starts - r.created < SOON_HOURS]
        soon_hours = [
            filled - r.created for r in soon if (filled := self.filled_at[r.index]) is not None
        ]
        return Result(
            policy=self.policy.name,
            requests=len(requests),
            filled=len(hours),
            offers=len(self.offers),
            median_hours_to_fill=statistics.median(hours) if hours else math.nan,
            gini=gini(self.offers_total[self.world_eligible()]),
            without_candidates=self.without_candidates,
            median_hours_to_fill_soon=statistics.median(soon_hours) if soon_hours else math.nan,
            soon=len(soon),
            filled_soon=len(soon_hours),
            sms_offers=sum(1 for offer in self.offers if offer.sms_at is not None),
        )

    def world_eligible(self) -> np.ndarray:
        """Everyone who passed the fixed constraints of at least one request: the people who
        could have been asked, among whom offers should spread."""
        return np.unique(np.concatenate([r.candidates for r in self.world.requests]))

    def history(self) -> tuple[list[dict], np.ndarray, list[dt.datetime]]:
        """The decided offers that carry features, as `train_matching` reads them: features,
        outcome (accepted = 1; declined or expired = 0) and the time of the offer."""
        rows, outcomes, times = [], [], []
        for offer in self.offers:
            if offer.features and offer.status in (ACCEPTED, DECLINED, EXPIRED):
                rows.append(offer.features)
                outcomes.append(1 if offer.status == ACCEPTED else 0)
                times.append(moment(offer.sent))
        return rows, np.array(outcomes, dtype=int), times


def quiet(at: float) -> bool:
    """Within the quiet hours (Berlin time), when no SMS goes out."""
    hour = local(at).hour
    return hour >= QUIET_FROM or hour < QUIET_UNTIL


def after_quiet_hours(at: float) -> float:
    """The end of the quiet hours `at` is in."""
    clock = local(at)
    morning = clock.replace(hour=QUIET_UNTIL, minute=0, second=0, microsecond=0)
    if clock.hour >= QUIET_FROM:
        morning = (clock + dt.timedelta(days=1)).replace(
            hour=QUIET_UNTIL, minute=0, second=0, microsecond=0
        )
    return hours_at(morning)


def gini(counts: np.ndarray) -> float:
    """The Gini coefficient of non-negative counts: 0 when all are equal, near 1 when one person
    has everything."""
    values = np.sort(np.asarray(counts, dtype=float))
    n = len(values)
    if n == 0 or values.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * values).sum()) / (n * values.sum()) - (n + 1) / n)


def compare(
    world: World,
    policies: Sequence[Policy],
    *,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Result], list[Run]]:
    """Each policy through the same world; the results and the runs (for their history)."""
    runs = [Run(world, policy, progress=progress) for policy in policies]
    return [run.run() for run in runs], runs
