"""The simulation's channels: SMS answered in minutes and email in hours, quiet hours for SMS, and
the time-to-fill table by the share of SMS volunteers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import statistics
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from labs import simulation
from labs.simulation import Behaviour, Config, World
from labs.simulation.run import Run, SimOffer, after_quiet_hours, quiet
from labs.simulation.world import BOTH, EMAIL, SMS, hours_at, local, moment
from matching import waves

SMALL = Config(volunteers=800, requests=100, days=30, seed=2027)


def world_with(**behaviour: float) -> World:
    return World(dataclasses.replace(SMALL, behaviour=Behaviour(**behaviour)))


def ran(world: World, policy: simulation.Policy | None = None) -> Run:
    run = Run(world, policy or simulation.LotseWaves())
    run.run()
    return run


def answer_hours(run: Run, *, sms: bool) -> list[float]:
    """Hours from sending to the answer of offers by SMS alone (sent outside the quiet hours,
    so the SMS went out at once) or by email alone, sent in the daytime."""
    v = run.world.volunteers
    return [
        offer.responded - offer.sent
        for offer in run.offers
        if offer.responded is not None
        and 8 <= local(offer.sent).hour < 17
        and (v.channel[offer.volunteer] == (SMS if sms else EMAIL))
    ]


def test_the_sms_share_gives_sms_to_that_share_and_keeps_them_as_it_grows():
    """About the configured share of people get offers by SMS (some of them by email too);
    everyone who texts at a share still texts at a larger one; 0 leaves every offer an email."""
    shares = [0.0, 0.3, 0.6]
    worlds = [world_with(sms_share=share) for share in shares]
    texting = [w.volunteers.by_sms for w in worlds]
    for share, by_sms in zip(shares, texting, strict=True):
        assert abs(by_sms.mean() - share) < 0.06
    assert (texting[1] <= texting[2]).all()
    channel = worlds[2].volunteers.channel
    assert {EMAIL, SMS, BOTH} == set(channel)
    assert (worlds[2].volunteers.by_email == (channel != SMS)).all()

    email_only = ran(worlds[0])
    assert email_only.offers and all(o.sms_at is None and o.by_email for o in email_only.offers)
    assert email_only.result().sms_offers == 0


def test_sms_answers_come_in_minutes_and_email_answers_in_hours():
    """In the daytime, someone who gets an offer by SMS answers within minutes, someone by email
    within hours; a slower configured SMS median makes SMS answers slower by about as much."""
    quick = ran(world_with(sms_share=0.5))
    sms, email = answer_hours(quick, sms=True), answer_hours(quick, sms=False)
    assert len(sms) > 30 and len(email) > 30
    assert statistics.median(sms) < 0.5
    assert statistics.median(email) > 1.5
    assert statistics.median(email) > 6 * statistics.median(sms)

    # The same people and draws with an SMS median four times as long.
    slow = ran(world_with(sms_share=0.5, sms_delay_median_minutes=60))
    assert statistics.median(answer_hours(slow, sms=True)) > 2.5 * statistics.median(sms)
    assert statistics.median(answer_hours(slow, sms=False)) == pytest.approx(
        statistics.median(email), rel=0.2
    )


def test_no_sms_goes_out_in_the_quiet_hours_except_urgent_ones_to_those_who_allow_them():
    """Offers made between 21:00 and 08:00 reach SMS volunteers at 08:00, unless the appointment
    is urgent and the person allows urgent SMS at night; email goes at once; nobody answers at
    night."""
    world = world_with(sms_share=1.0, both_share=0.3, night_sms_share=0.3)
    # With the email wait, waves go out at night as well (with the SMS wait of an hour, the
    # small world's pools are asked through by the evening).
    run = ran(world, simulation.LotseWaves(sms_wait=False))
    v = world.volunteers
    held = 0
    for offer in run.offers:
        assert offer.sms_at is not None
        request = world.requests[offer.request]
        urgent = waves.is_urgent(now=moment(offer.sent), starts_at=moment(request.starts))
        if quiet(offer.sms_at):
            assert offer.sms_at == offer.sent
            assert urgent and v.night_sms[offer.volunteer]
        elif quiet(offer.sent):
            assert local(offer.sms_at).hour == 8 and local(offer.sms_at).minute == 0
            assert offer.sms_at - offer.sent < 11
            held += 1
        else:
            assert offer.sms_at == offer.sent
        if offer.responded is not None:
            assert 7 <= local(offer.responded).hour < 23
    assert held > 0

    # An offer at 22:00 the evening before (urgent) and two evenings before (not urgent).
    request = next(r for r in world.requests if len(r.candidates))
    night = [p for p in (int(c) for c in request.candidates) if v.night_sms[p]]
    day = [p for p in (int(c) for c in request.candidates) if not v.night_sms[p]]
    assert night and day
    evening = local(request.starts).replace(hour=22, minute=0)
    for days_before, person, goes_now in (
        (1, night[0], True),
        (1, day[0], False),
        (2, night[0], False),
    ):
        at = hours_at(evening - dt.timedelta(days=days_before))
        offer = SimOffer(request.index, person, at, {}, outside=False)
        run.route(request, offer, at)
        assert offer.sms_at == (at if goes_now else after_quiet_hours(at))
        assert goes_now or local(offer.sms_at).hour == 8


def test_a_wave_that_reached_everyone_by_sms_waits_less():
    """With everyone by SMS, Lotse's next wave follows sooner than with the email wait, never
    later; with nobody by SMS the two are the same policy."""
    everyone = world_with(sms_share=1.0, both_share=0.0, night_sms_share=0.0)
    gaps = {}
    for policy in (simulation.LotseWaves(), simulation.LotseWaves(sms_wait=False)):
        run = ran(everyone, policy)
        first_two = {}
        for offer in run.offers:
            first_two.setdefault(offer.request, [])
            if offer.sent not in first_two[offer.request]:
                first_two[offer.request].append(offer.sent)
        gaps[policy.name] = [
            times[1] - times[0]
            for times in first_two.values()
            if len(times) > 1 and not quiet(times[0])
        ]
    assert max(gaps["lotse"]) <= waves.SMS_WAVE_TIMEOUT.total_seconds() / 3600 + 1e-9
    assert statistics.median(gaps["lotse"]) < statistics.median(gaps["lotse_email_wait"])

    nobody = World(SMALL)
    a, b = (
        ran(nobody, p).result()
        for p in (simulation.LotseWaves(), simulation.LotseWaves(sms_wait=False))
    )
    assert (a.filled, a.offers, a.median_hours_to_fill) == (
        b.filled,
        b.offers,
        b.median_hours_to_fill,
    )


def test_the_command_shows_time_to_fill_by_the_share_of_sms_volunteers():
    """The command's SMS table has a row per share with fill rate, the median time to fill and
    that of requests within 48 hours, and the goal against email alone, met or missed."""
    out = StringIO()
    call_command(
        "simulate_matching",
        *("--volunteers", "300", "--requests", "40", "--days", "14", "--seed", "5"),
        *("--sms-shares", "0,0.3,0.6"),
        "--no-docs",
        stdout=out,
    )
    text = out.getvalue()
    assert "#### Offers by SMS (300 volunteers)" in text
    for share in ("0%", "30%", "60%"):
        assert re.search(
            rf"\| {share} \| lotse \| \d+\.\d% \| (\d+\.\d\d|nan) h \| (\d+\.\d\d|nan) h "
            r"\| \d+ of \d+ \| [\d,]+ \| \d+% \|",
            text,
        ), share
    assert "| 60% | lotse_email_wait |" in text
    assert re.search(
        r"- (met|missed): With 60% SMS volunteers, requests within 48 hours fill in half the "
        r"median time of email alone: ",
        text,
    )

    out = StringIO()
    call_command(
        "simulate_matching",
        *("--volunteers", "300", "--requests", "20", "--days", "14", "--seed", "5"),
        *("--sms-shares", ""),
        "--no-docs",
        stdout=out,
    )
    assert "Offers by SMS" not in out.getvalue()


def test_the_command_refuses_a_share_that_is_not_one():
    with pytest.raises(CommandError, match="not a share from 0 to 1"):
        call_command("simulate_matching", "--sms-shares", "0,60", "--no-docs")
    with pytest.raises(CommandError, match="not a share from 0 to 1"):
        call_command("simulate_matching", "--sms-shares", "0,lots", "--no-docs")


def test_the_goal_compares_requests_within_48_hours_at_60_percent_with_email_alone():
    """Met when the median within 48 hours at 60 % SMS is at most half that at 0 %; absent
    without both shares."""

    def run(share: float, soon_hours: float) -> simulation.ChannelRun:
        result = simulation.Result(
            policy="lotse",
            requests=10,
            filled=8,
            offers=40,
            median_hours_to_fill=5.0,
            gini=0.5,
            without_candidates=0,
            median_hours_to_fill_soon=soon_hours,
            soon=4,
            filled_soon=3,
        )
        return simulation.ChannelRun(share=share, result=result, email_wait=result)

    met = simulation.sms_goal([run(0.0, 3.0), run(0.3, 2.0), run(0.6, 1.5)])
    assert met is not None and met.met and "1.50 h against 3.00 h" in met.detail
    missed = simulation.sms_goal([run(0.0, 3.0), run(0.6, 1.6)])
    assert missed is not None and not missed.met
    assert simulation.sms_goal([run(0.0, 3.0), run(0.3, 1.0)]) is None
