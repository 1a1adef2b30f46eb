"""The matching simulation: its findings on a small world, its arithmetic, and that its in-memory
eligibility is the database's."""

from __future__ import annotations

import dataclasses
import json
import re
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from labs import simulation
from labs.demo import volunteers as demo
from labs.simulation import Behaviour, Config, World
from labs.simulation.world import START, SimRequest
from matching import eligibility, features
from matching.features import FEATURES
from requests import lifecycle
from tests.factories.volunteers import skill
from volunteers import consent
from volunteers.models import Volunteer
from volunteers.profiles import save_profile

# 200 people in the demo's narrow weekly windows leave most requests with nobody or one person
# eligible, where every policy does the same; 800 people over a month give pools where the
# policies differ, and still run in a few seconds.
SMALL = Config(volunteers=800, requests=100, days=30, seed=2027)


@pytest.fixture(scope="module")
def small_world() -> World:
    return World(SMALL)


def test_it_reaches_more_than_todays_filter_with_fewer_emails_than_broadcast(small_world):
    """On a small world: Lotse fills more requests than the exact tier alone (today's reach),
    with fewer offer emails than broadcast and no worse a fill rate than random_k."""
    policies = [simulation.LotseWaves(), *simulation.baselines(SMALL)]
    results = simulation.compare(small_world, policies)[0]
    lotse, strict, broadcast, random_k, _nearest = results
    assert [r.policy for r in results] == list(simulation.POLICIES)

    assert lotse.filled > 20
    assert lotse.fill_rate > strict.fill_rate
    assert lotse.offers < broadcast.offers
    assert lotse.fill_rate >= random_k.fill_rate
    assert {r.requests for r in results} == {SMALL.requests}


def test_lotse_strict_asks_only_the_exact_tier(small_world):
    """lotse_strict's pool is exactly the candidates in their stated times and within their
    limit; lotse's is everyone who passes the hard constraints."""
    strict = simulation.Run(small_world, simulation.LotseWaves(exact_only=True))
    lotse = simulation.Run(small_world, simulation.LotseWaves())
    checked = 0
    for request in small_world.requests:
        positions = strict.still_eligible(request, request.created)
        assert set(positions.tolist()) == set(np.flatnonzero(request.exact).tolist())
        if len(positions):
            demand, pool = strict.pool(request, request.created, positions)
            x = features.matrix(demand, pool)
            assert (features.tiers(x) == features.EXACT).all()
            assert len(pool) == len(positions)
            checked += 1
        assert len(lotse.still_eligible(request, request.created)) == len(request.candidates)
    assert checked >= 10
    assert sum(len(r.candidates) for r in small_world.requests) > sum(
        int(r.exact.sum()) for r in small_world.requests
    )


def test_a_flexible_person_outside_their_times_is_asked_only_by_lotse(small_world):
    """Someone flexible whose stated times do not cover the appointment is in lotse's pool (in
    the outside-times tier) but not lotse_strict's; the same person made strict is in neither."""
    world = World(SMALL)
    v = world.volunteers
    request, person = next(
        (r, int(c))
        for r in world.requests
        for c, in_times, no_times in zip(r.candidates, r.in_times, r.no_times, strict=True)
        if not in_times
        and not no_times
        and not r.remote
        and np.isfinite(r.distance_km[np.searchsorted(r.candidates, c)])
        and r.distance_km[np.searchsorted(r.candidates, c)] <= v.max_km[c]
    )
    assert not v.strict[person] and not v.no_times[person]

    def pools(need: SimRequest) -> tuple[set[int], set[int]]:
        found = []
        for policy in (simulation.LotseWaves(), simulation.LotseWaves(exact_only=True)):
            positions = simulation.Run(world, policy).still_eligible(need, need.created)
            found.append({int(i) for i in need.candidates[positions]})
        return found[0], found[1]

    lotse, strict = pools(request)
    assert person in lotse and person not in strict
    run = simulation.Run(world, simulation.LotseWaves())
    positions = run.still_eligible(request, request.created)
    demand, pool = run.pool(request, request.created, positions)
    tier = features.tiers(features.matrix(demand, pool))
    assert tier[list(pool.volunteer_id).index(person)] == features.OUTSIDE_TIMES

    v.strict[person] = True
    world._static_candidates(request)
    lotse, strict = pools(request)
    assert person not in lotse and person not in strict


def test_it_records_what_each_lotse_offer_was_ranked_on(small_world):
    """Lotse's decided offers carry the features of their match, as the database would keep
    them, and both outcomes occur; the baselines rank nothing, so they record no features."""
    run = simulation.Run(small_world, simulation.LotseWaves())
    run.run()
    rows, outcomes, times = run.history()
    assert len(rows) == len(outcomes) == len(times) > 100
    assert 0 < outcomes.mean() < 1
    assert times == sorted(times)
    assert set(rows[0]) == set(FEATURES)
    broadcast = simulation.Run(small_world, simulation.Broadcast())
    broadcast.run()
    assert broadcast.history()[0] == []


def test_it_spreads_offers_more_with_the_fairness_term(small_world):
    """Switching the fairness term off concentrates offers on fewer people."""
    fair, unfair = simulation.compare(
        small_world, [simulation.LotseWaves(), simulation.LotseWaves(fair=False)]
    )[0]
    assert fair.gini < unfair.gini


def test_it_measures_inequality_with_the_gini_coefficient():
    """0 when everyone got as many offers, (n-1)/n when one person got them all."""
    assert simulation.gini(np.array([3, 3, 3, 3])) == pytest.approx(0.0)
    assert simulation.gini(np.array([0, 0, 0, 8])) == pytest.approx(0.75)
    assert simulation.gini(np.array([1, 2, 3, 4])) == pytest.approx(0.25)
    assert simulation.gini(np.zeros(5)) == 0.0


def test_it_replaces_only_its_own_section_of_the_benchmarks(tmp_path: Path):
    """A rerun rewrites "## Matching simulation" and leaves the other sections alone."""
    docs = tmp_path / "benchmarks.md"
    simulation.write_section(docs, "## Matching simulation", "first run")
    assert docs.read_text() == "# Benchmarks\n\n## Matching simulation\n\nfirst run\n"

    docs.write_text(
        "# Benchmarks\n\n## Scale\n\nrank() at 100k\n\n## Matching simulation\n\nold\n\n"
        "### Learning\n\nold table\n\n## API throughput\n\n840 need/s\n"
    )
    simulation.write_section(docs, "## Matching simulation", "new\n\n### Learning\n\nnew table")
    assert docs.read_text() == (
        "# Benchmarks\n\n## Scale\n\nrank() at 100k\n\n## Matching simulation\n\nnew\n\n"
        "### Learning\n\nnew table\n\n## API throughput\n\n840 need/s\n"
    )

    docs.write_text("# Benchmarks\n\n## Scale\n\nrank() at 100k\n")
    simulation.write_section(docs, "## Matching simulation", "appended")
    assert docs.read_text().endswith("rank() at 100k\n\n## Matching simulation\n\nappended\n")


@pytest.mark.django_db
def test_its_eligibility_is_the_database_query(office_a):
    """The in-memory filter lets through exactly whom `eligibility.eligible` lets through, for
    the same people (saved as registration saves them, with the world's strict people and
    people without times) and the same requests; its exact tier is the database's exact-only
    reach."""
    config = Config(volunteers=150, requests=40, days=20, seed=11)
    world = World(config)
    people = demo.invent_volunteers(count=config.volunteers, seed=config.seed, today=START.date())
    assert world.volunteers.strict.any() and world.volunteers.no_times.any()
    ids = []
    for i, person in enumerate(people):
        volunteer = Volunteer(
            status=person.status,
            paused_until=person.paused_until,
            only_at_stated_times=bool(world.volunteers.strict[i]),
            consent_version=consent.CURRENT_VERSION,
            consent_language="de",
            consent_at=simulation.moment(-1),
        )
        # The world's own draw of who is strict, not the demo's.
        data = {**person.data, "only_at_stated_times": bool(world.volunteers.strict[i])}
        if world.volunteers.no_times[i]:
            data["availability"] = []
        ids.append(save_profile(volunteer=volunteer, data=data).pk)
    checked = 0
    for request in world.requests:
        recorded = lifecycle.create_request(
            office=office_a,
            created_by=None,
            skill=skill(request.skill),
            languages=list(request.languages),
            starts_at=simulation.moment(request.starts),
            ends_at=simulation.moment(request.ends),
            remote=request.remote,
            postcode=request.postcode,
            gender_preference=request.gender,
            certificate_required=request.certificate,
            auto_offer=False,
            now=simulation.moment(request.created),
        )
        now = simulation.moment(request.created)
        expected = set(eligibility.eligible(recorded, now=now).values_list("pk", flat=True))
        assert {ids[i] for i in request.candidates} == expected, request
        exact = dataclasses.replace(eligibility.appointment_of(recorded), exact_only=True)
        expected_exact = set(eligibility.eligible_for(exact, now=now).values_list("pk", flat=True))
        assert {ids[i] for i in request.candidates[request.exact]} == expected_exact, request
        checked += bool(expected_exact) and len(expected) > len(expected_exact)
    assert checked >= 5


def test_the_command_prints_the_comparison_with_progress():
    """`manage.py simulate_matching` shows progress, the table and each goal, met or missed."""
    out = StringIO()
    call_command(
        "simulate_matching",
        *("--volunteers", "800", "--requests", "100", "--days", "30", "--seed", "2027"),
        "--no-docs",
        stdout=out,
    )
    text = out.getvalue()
    assert "lotse: 100/100 requests" in text
    for policy in simulation.POLICIES:
        assert re.search(rf"\| {policy} \| \d+\.\d% \|", text), policy
    assert re.search(r"- (met|missed): Lotse fills at least 80 % of requests: \d+\.\d%", text)
    assert "Learning from the simulated history (800 volunteers)" in text
    assert "Written to" not in text


def test_the_command_refuses_an_unknown_behaviour_key():
    """A typo in --behaviour stops the command with the keys it knows, before any work."""
    with pytest.raises(CommandError) as refused:
        call_command("simulate_matching", "--behaviour", "free_outsid=0.3", "--no-docs")
    message = str(refused.value)
    assert "free_outsid" in message
    for field in dataclasses.fields(Behaviour):
        assert field.name in message
    with pytest.raises(CommandError, match="not a number"):
        call_command("simulate_matching", "--behaviour", "free_outside=lots", "--no-docs")


def test_the_command_writes_every_setting_and_policy_as_json(tmp_path: Path):
    """--json writes the configuration with every Behaviour field (as given on the command
    line) and, per policy, the fill rate as a fraction and the other measures."""
    path = tmp_path / "run.json"
    call_command(
        "simulate_matching",
        *("--volunteers", "300", "--requests", "30", "--days", "14", "--seed", "5", "--k", "3"),
        *("--behaviour", "free_outside=0.25", "--behaviour", "strict_share=0.5"),
        "--json",
        str(path),
        "--no-docs",
        stdout=StringIO(),
    )
    data = json.loads(path.read_text())
    behaviour = {f.name: getattr(Behaviour(), f.name) for f in dataclasses.fields(Behaviour)}
    behaviour.update(free_outside=0.25, strict_share=0.5)
    assert data["config"] == {
        "seed": 5,
        "volunteers": 300,
        "requests": 30,
        "days": 14,
        "k": 3,
        "behaviour": behaviour,
    }
    assert set(simulation.POLICIES) <= set(data["policies"])
    for measures in data["policies"].values():
        assert set(measures) == {
            "fill_rate",
            "median_hours_to_fill",
            "messages_per_filled",
            "messages",
            "gini",
        }
        assert 0.0 <= measures["fill_rate"] <= 1.0
        assert isinstance(measures["messages"], int)
    # Lotse at 0, 30 and 60 % SMS volunteers, with and without the shorter SMS wait.
    assert [(c["sms_share"], c["policy"]) for c in data["channels"]] == [
        (share, policy) for share in (0.0, 0.3, 0.6) for policy in ("lotse", "lotse_email_wait")
    ]
    assert all(c["sms"] == 0 for c in data["channels"] if c["sms_share"] == 0)
    assert all(0 < c["sms"] <= c["messages"] for c in data["channels"] if c["sms_share"] > 0)
    assert isinstance(data["sms_goal"]["met"], bool)
