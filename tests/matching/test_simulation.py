"""The matching simulation: its findings on a small world, its arithmetic, and that its in-memory
eligibility is the database's."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from matching import candidates, simulation
from matching.features import FEATURES
from matching.simulation import Config, World
from matching.simulation.world import START
from requests import lifecycle
from tests.volunteer_factories import skill
from volunteers import consent, demo
from volunteers.models import Volunteer
from volunteers.profiles import save_profile

# 200 people in the demo's narrow weekly windows leave most requests with nobody or one person
# eligible, where every policy does the same; 800 people over a month give pools where the
# policies differ, and still run in a few seconds.
SMALL = Config(volunteers=800, requests=100, days=30, seed=2027)


@pytest.fixture(scope="module")
def small_world() -> World:
    return World(SMALL)


def test_it_asks_fewer_people_than_broadcast_and_spreads_offers_better_than_nearest_first(
    small_world,
):
    """The done-when relations on a small world: markedly fewer offer emails per filled request
    than broadcast at an equal or better fill rate, and a lower Gini than nearest-first."""
    policies = [simulation.LotseWaves(), *simulation.baselines(SMALL)]
    lotse, broadcast, random_k, nearest = simulation.compare(small_world, policies)[0]

    assert lotse.filled > 20
    assert lotse.fill_rate >= broadcast.fill_rate
    assert lotse.offers_per_filled < 0.9 * broadcast.offers_per_filled
    assert lotse.gini < nearest.gini
    assert broadcast.offers > lotse.offers
    assert {r.requests for r in (lotse, broadcast, random_k, nearest)} == {SMALL.requests}


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
        "### Learning\n\nold table\n\n## API throughput\n\n840 req/s\n"
    )
    simulation.write_section(docs, "## Matching simulation", "new\n\n### Learning\n\nnew table")
    assert docs.read_text() == (
        "# Benchmarks\n\n## Scale\n\nrank() at 100k\n\n## Matching simulation\n\nnew\n\n"
        "### Learning\n\nnew table\n\n## API throughput\n\n840 req/s\n"
    )

    docs.write_text("# Benchmarks\n\n## Scale\n\nrank() at 100k\n")
    simulation.write_section(docs, "## Matching simulation", "appended")
    assert docs.read_text().endswith("rank() at 100k\n\n## Matching simulation\n\nappended\n")


@pytest.mark.django_db
def test_its_eligibility_is_the_database_query(office_a):
    """The in-memory filter lets through exactly whom `candidates.eligible` lets through, for
    the same people (saved as registration saves them) and the same requests."""
    config = Config(volunteers=150, requests=40, days=20, seed=11)
    world = World(config)
    people = demo.invent_volunteers(count=config.volunteers, seed=config.seed, today=START.date())
    ids = []
    for person in people:
        volunteer = Volunteer(
            status=person.status,
            paused_until=person.paused_until,
            consent_version=consent.CURRENT_VERSION,
            consent_language="de",
            consent_at=simulation.moment(-1),
        )
        ids.append(save_profile(volunteer=volunteer, data=person.data).pk)
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
        expected = set(
            candidates.eligible(recorded, now=simulation.moment(request.created)).values_list(
                "pk", flat=True
            )
        )
        assert {ids[i] for i in request.candidates} == expected, request
        checked += bool(expected)
    assert checked >= 10


def test_the_command_prints_the_comparison_with_progress():
    """`manage.py simulate_matching` shows progress, the table and the findings in words."""
    out = StringIO()
    call_command(
        "simulate_matching",
        *("--volunteers", "800", "--requests", "100", "--days", "30", "--seed", "2027"),
        "--no-docs",
        stdout=out,
    )
    text = out.getvalue()
    assert "Lotse waves: 100/100 requests" in text
    assert "| Lotse waves | 46.0% |" in text
    assert "| Broadcast to all |" in text
    assert "Lotse needs 5.7 offer emails per filled request against 7.4 for broadcast" in text
    assert "No model was trained" in text  # 100 requests leave too little history
    assert "Written to" not in text
