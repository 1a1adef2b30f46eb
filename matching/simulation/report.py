"""The whole benchmark, and its tables for the terminal and docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from matching import features, model
from matching.model import Evaluation, NotEnoughHistory
from matching.simulation.policies import LotseWaves, baselines
from matching.simulation.run import Result, compare
from matching.simulation.world import HOURS_PER_DAY, Behaviour, Config, World, moment

# --- Reporting -------------------------------------------------------------------------------


def table(results: Sequence[Result]) -> list[str]:
    """The comparison as Markdown table lines."""
    lines = [
        "| Policy | Fill rate | Median time to fill | Offer emails per filled request "
        "| Offer emails | Gini of offers |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.policy} | {r.fill_rate:.1%} | {r.median_hours_to_fill:.1f} h "
            f"| {r.offers_per_filled:.1f} | {r.offers:,} | {r.gini:.2f} |"
        )
    return lines


def write_section(path: Path, heading: str, body: str) -> None:
    """Put `body` under `heading` in the Markdown file, replacing only that section (up to the
    next heading of the same or a higher level)."""
    level = len(heading) - len(heading.lstrip("#"))
    section = f"{heading}\n\n{body.strip()}\n"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Benchmarks\n\n{section}", encoding="utf-8")
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        begin = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        text = "\n".join(lines).rstrip() + "\n\n" + section
        path.write_text(text, encoding="utf-8")
        return
    end = len(lines)
    for i in range(begin + 1, len(lines)):
        stripped = lines[i].lstrip()
        marks = len(stripped) - len(stripped.lstrip("#"))
        if 0 < marks <= level and stripped[marks : marks + 1] == " ":
            end = i
            break
    before = "\n".join(lines[:begin]).rstrip()
    after = "\n".join(lines[end:]).strip()
    text = (before + "\n\n" if before else "") + section + ("\n" + after + "\n" if after else "")
    path.write_text(text, encoding="utf-8")


# --- The whole benchmark ---------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    config: Config
    results: list[Result]
    median_candidates: float
    history_offers: int
    evaluation: Evaluation | None
    shortage: str
    fresh: list[Result]

    @property
    def lotse(self) -> Result:
        return self.results[0]


def simulate(config: Config, *, progress: Callable[[str], None] | None = None) -> Report:
    """Lotse and the baselines on one world; the acceptance model trained on Lotse's history
    there (time-based hold-out against the prior); then Lotse with the prior and with the model
    on a fresh stream of requests for the same people."""
    say = progress or (lambda _: None)
    say(
        f"Building a synthetic Dortmund: {config.volunteers:,} volunteers, "
        f"{config.requests:,} requests over {config.days} days (seed {config.seed}) ..."
    )
    world = World(config)
    policies = [LotseWaves(), *baselines(config), LotseWaves(fair=False)]
    results, runs = compare(world, policies, progress=say)
    rows, outcomes, times = runs[0].history()
    x, complete = features.from_dicts(rows)
    say(f"Training the acceptance model on Lotse's {len(outcomes):,} decided offers ...")
    evaluation, learned, shortage = None, None, ""
    try:
        learned, evaluation = model.train(
            x[complete],
            outcomes[complete],
            [t for t, keep in zip(times, complete, strict=True) if keep],
            holdout_share=settings.MATCHING_MODEL_HOLDOUT_SHARE,
            min_offers=settings.MATCHING_MODEL_MIN_OFFERS,
            now=moment(config.days * HOURS_PER_DAY),
        )
    except NotEnoughHistory as error:
        shortage = str(error)
    fresh: list[Result] = []
    if learned is not None and learned.beats_prior:
        say("A fresh stream of requests for the same people, with the prior and the model ...")
        later = World(config, request_seed=config.seed + 1)
        fresh, _ = compare(later, [LotseWaves(), LotseWaves(learned)], progress=say)
    return Report(
        config=config,
        results=results,
        median_candidates=float(np.median([len(r.candidates) for r in world.requests])),
        history_offers=len(outcomes),
        evaluation=evaluation,
        shortage=shortage,
        fresh=fresh,
    )


def findings(report: Report) -> list[str]:
    """The done-when relations in words: emails and fill rate against broadcast, fairness
    against nearest-first."""
    lotse, broadcast, random_k, nearest, unfair = report.results
    fewer = 1 - lotse.offers_per_filled / broadcast.offers_per_filled
    return [
        f"Lotse needs {lotse.offers_per_filled:.1f} offer emails per filled request against "
        f"{broadcast.offers_per_filled:.1f} for broadcast ({fewer:.0%} fewer) at a fill rate of "
        f"{lotse.fill_rate:.1%} against {broadcast.fill_rate:.1%}.",
        f"Offers spread more evenly under Lotse than nearest-first: Gini {lotse.gini:.2f} "
        f"against {nearest.gini:.2f} ({unfair.gini:.2f} without the fairness term).",
        f"Random-k and nearest-first send {random_k.offers_per_filled:.1f} and "
        f"{nearest.offers_per_filled:.1f} emails per filled request and take "
        f"{random_k.median_hours_to_fill:.1f} and {nearest.median_hours_to_fill:.1f} h to fill "
        f"(Lotse {lotse.median_hours_to_fill:.1f} h): fixed waves of {report.config.k}, where "
        f"Lotse sizes each wave to a {settings.MATCHING_WAVE_TARGET:.0%} chance of an accept.",
    ]


def behaviour_line(b: Behaviour) -> str:
    """The hidden behaviour's parameters, so that the numbers can be judged (and reproduced)."""

    def signed(x: float) -> str:
        return f"{x:+.1f}".replace("-", "−")

    return (
        f"Behaviour (log-odds of accepting): {signed(b.base)}, + propensity ~ N(0, "
        f"{b.propensity_sd:.1f}), − {b.distance:.1f} × true km / own limit, − {b.load:.2f} × "
        f"tasks in 30 days, − {b.fatigue:.1f} × ln(1 + offers in 7 days), "
        f"{signed(b.early_morning)} before 9:30, {signed(b.midday)} at 12–14, "
        f"{signed(b.evening)} from 17:00, "
        f"{signed(b.same_day)} under 24 h ahead, {signed(b.short_notice)} at 1–3 days, "
        f"{signed(b.far_ahead)} beyond 10 days. Answers after a personal median of "
        f"{b.delay_median_hours:.0f} h (log-normal, faster for eager people). Lotse sees none "
        "of this directly: its features are the postcode distance, counts over 30 days, its "
        "own acceptance history and the appointment's hour and lead time."
    )


def markdown(report: Report, *, command: str, machine: str, seconds: float) -> str:
    """The docs section (without its heading)."""
    c = report.config
    lotse = report.lotse
    lines = [
        f"Run with `{command}` on {machine}; {seconds:.0f} s from start to end "
        f"({dt.date.today():%Y-%m-%d}).",
        "",
        f"A synthetic Dortmund: {c.volunteers:,} volunteers made by the demo generator "
        "(`volunteers/demo.py`: the BAMF-based language mix of `languages.md`, the real "
        "postcodes, weekly windows by stage of life), and "
        f"{c.requests:,} requests over {c.days} days (seed {c.seed}) for the skills and "
        "languages offices ask for, 1–21 days ahead. Hidden behaviour: the chance to accept falls "
        "with the distance against the person's own limit, tasks taken lately, offers received "
        "in the last week, early or late hours and short notice, and rises with a personal "
        "propensity nobody sees; people answer after a personal delay, never at night, or not "
        "at all. All policies meet the same requests and the same random draws. "
        "The ranking runs in memory: the same `features`, `scoring`, `model` and `waves` "
        "functions `matching.rank` uses, fed by an eligibility filter and history counters "
        "that mirror `candidates.eligible` and `candidates.gather` (no database, so it runs in "
        f"seconds). Random-k and nearest-first ask {c.k} people per wave, with Lotse's wave "
        "timeout.",
        "",
        behaviour_line(c.behaviour),
        "",
        *table(report.results),
        "",
        f"{lotse.without_candidates:,} of {lotse.requests:,} requests had nobody eligible at "
        f"all (language, skill, weekly window and distance together); the median request had "
        f"{report.median_candidates:.0f} eligible volunteers, which caps every policy's fill "
        "rate. Time to fill counts from the request to the accept that fills it; the Gini is "
        "over everyone eligible for at least one request.",
        "",
        *[f"- {line}" for line in findings(report)],
        "",
        "### Learning from the simulated history",
        "",
    ]
    if report.evaluation is None:
        lines.append(f"No model was trained: {report.shortage}.")
        return "\n".join(lines)
    e = report.evaluation
    lines += [
        f"`model.train` (as `manage.py train_matching` calls it) on the {e.offers:,} decided "
        f"offers of Lotse's run ({e.accepted:,} accepted), with the features each was ranked "
        f"on; evaluated on the latest {e.holdout_offers:,} by time after training on the "
        f"{e.train_offers:,} before them.",
        "",
        *model.evaluation_table(e),
        "",
        model.verdict(e),
    ]
    if report.fresh:
        lines += [
            "",
            "The model in the waves, on a fresh stream of requests for the same people "
            f"(request seed {c.seed + 1}):",
            "",
            *table(report.fresh),
        ]
    return "\n".join(lines)
