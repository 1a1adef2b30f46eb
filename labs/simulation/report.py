"""The whole benchmark, and its tables for the terminal and docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from labs.simulation.policies import LotseWaves, baselines
from labs.simulation.run import SOON_HOURS, Result, compare
from labs.simulation.world import (
    HOURS_PER_DAY,
    QUIET_FROM,
    QUIET_UNTIL,
    Behaviour,
    Config,
    World,
    moment,
)
from matching import features, model, waves
from matching.conf import matching_settings
from matching.model import Evaluation, NotEnoughHistory

# --- Reporting -------------------------------------------------------------------------------

# The policies every comparison runs, in the order of the tables (see `policies`).
POLICIES: tuple[str, ...] = ("lotse", "lotse_strict", "broadcast", "random_k", "nearest_k")


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


def _level(heading: str) -> int:
    return len(heading) - len(heading.lstrip("#"))


def _section_end(lines: list[str], begin: int, level: int) -> int:
    """The line after the section that starts at `begin`: the next heading of the same or a
    higher level, or the end."""
    for i in range(begin + 1, len(lines)):
        stripped = lines[i].lstrip()
        marks = len(stripped) - len(stripped.lstrip("#"))
        if 0 < marks <= level and stripped[marks : marks + 1] == " ":
            return i
    return len(lines)


def write_section(path: Path, heading: str, body: str, *, within: str | None = None) -> None:
    """Put `body` under `heading` in the Markdown file, replacing only that section (up to the
    next heading of the same or a higher level). A new section goes at the end of the file, or
    at the end of the section `within` (made if missing)."""
    level = _level(heading)
    section = f"{heading}\n\n{body.strip()}\n"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Benchmarks\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        begin = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        if within is not None:
            if not any(line.strip() == within for line in lines):
                write_section(path, within, "")
                lines = path.read_text(encoding="utf-8").splitlines()
            parent = next(i for i, line in enumerate(lines) if line.strip() == within)
            at = _section_end(lines, parent, _level(within))
            lines[at:at] = ["", *section.splitlines(), ""]
            text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip() + "\n")
            path.write_text(text, encoding="utf-8")
            return
        text = "\n".join(lines).rstrip() + "\n\n" + section
        path.write_text(text, encoding="utf-8")
        return
    end = _section_end(lines, begin, level)
    before = "\n".join(lines[:begin]).rstrip()
    after = "\n".join(lines[end:]).strip()
    text = (before + "\n\n" if before else "") + section + ("\n" + after + "\n" if after else "")
    path.write_text(text, encoding="utf-8")


# --- The whole benchmark ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelRun:
    """Lotse on the same world with `share` of the volunteers getting offers by SMS."""

    share: float
    result: Result
    # The same without the shorter wait for waves that went out by SMS.
    email_wait: Result


@dataclass(frozen=True)
class Report:
    config: Config
    results: list[Result]
    median_candidates: float
    median_exact: float
    history_offers: int
    evaluation: Evaluation | None
    shortage: str
    fresh: list[Result]
    channels: list[ChannelRun] = field(default_factory=list)

    def result(self, policy: str) -> Result:
        return next(r for r in self.results if r.policy == policy)

    @property
    def lotse(self) -> Result:
        return self.result("lotse")


def channels(
    config: Config,
    shares: Sequence[float],
    *,
    progress: Callable[[str], None] | None = None,
) -> list[ChannelRun]:
    """Lotse (with and without the shorter SMS wait) on the world of `config` with each share of
    SMS volunteers: the same people, requests and draws; a larger share gives SMS to more of
    the same people."""
    out = []
    for share in shares:
        say = progress or (lambda _: None)
        say(f"{share:.0%} of the volunteers by SMS ...")
        world = World(replace(config, behaviour=replace(config.behaviour, sms_share=share)))
        result, email_wait = compare(
            world, [LotseWaves(), LotseWaves(sms_wait=False)], progress=progress
        )[0]
        out.append(ChannelRun(share=share, result=result, email_wait=email_wait))
    return out


def simulate(
    config: Config,
    *,
    progress: Callable[[str], None] | None = None,
    sms_shares: Sequence[float] = (),
) -> Report:
    """Lotse, today's reach and the baselines on one world; the acceptance model trained on
    Lotse's history there (time-based hold-out against the prior); then Lotse with the prior
    and with the model on a fresh stream of requests for the same people; and Lotse with each
    of `sms_shares` of the volunteers getting offers by SMS."""
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
            holdout_share=matching_settings().model_holdout_share,
            min_offers=matching_settings().model_min_offers,
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
        median_exact=float(np.median([int(r.exact.sum()) for r in world.requests])),
        history_offers=len(outcomes),
        evaluation=evaluation,
        shortage=shortage,
        fresh=fresh,
        channels=channels(config, sms_shares, progress=say),
    )


@dataclass(frozen=True)
class Goal:
    """One of the goals Lotse is measured against, and how this run did."""

    text: str
    met: bool
    detail: str


def goals(report: Report) -> list[Goal]:
    """The goals of the matching (issue 8), each met or missed, and by how much."""
    lotse, strict, broadcast = (report.result(p) for p in ("lotse", "lotse_strict", "broadcast"))
    random_k, nearest = report.result("random_k"), report.result("nearest_k")

    def points(x: float) -> str:
        return f"{100 * x:+.1f} points"

    out = [
        Goal(
            "Lotse fills at least 80 % of requests",
            lotse.fill_rate >= 0.8,
            f"{lotse.fill_rate:.1%} ({points(lotse.fill_rate - 0.8)})",
        ),
        Goal(
            "… and at least 20 points more than lotse_strict",
            lotse.fill_rate - strict.fill_rate >= 0.2,
            f"{points(lotse.fill_rate - strict.fill_rate)} ({strict.fill_rate:.1%})",
        ),
    ]
    share = lotse.fill_rate / broadcast.fill_rate if broadcast.fill_rate else math.inf
    out.append(
        Goal(
            "At least 97 % of broadcast's fill rate",
            share >= 0.97,
            f"{share:.1%} ({lotse.fill_rate:.1%} against {broadcast.fill_rate:.1%})",
        )
    )
    emails = lotse.offers / broadcast.offers if broadcast.offers else math.inf
    out.append(
        Goal(
            "At most 0.35 × broadcast's offer emails",
            emails <= 0.35,
            f"{emails:.2f} × ({lotse.offers:,} against {broadcast.offers:,})",
        )
    )
    for other in (random_k, nearest):
        out.append(
            Goal(
                f"Fewer emails per filled request than {other.policy} at an equal or higher "
                "fill rate",
                lotse.offers_per_filled < other.offers_per_filled
                and lotse.fill_rate >= other.fill_rate,
                f"{lotse.offers_per_filled:.1f} against {other.offers_per_filled:.1f}; fill "
                f"{points(lotse.fill_rate - other.fill_rate)}",
            )
        )
    out.append(
        Goal(
            "Gini of offers no higher than nearest_k's",
            lotse.gini <= nearest.gini,
            f"{lotse.gini:.2f} against {nearest.gini:.2f}",
        )
    )
    e = report.evaluation
    out.append(
        Goal(
            "The learned model beats the prior on the hold-out",
            e is not None and e.beats_prior,
            (
                f"log loss {e.model.log_loss:.4f} against {e.prior.log_loss:.4f}, ROC AUC "
                f"{e.model.roc_auc:.3f} against {e.prior.roc_auc:.3f}"
                if e is not None
                else f"no model trained: {report.shortage}"
            ),
        )
    )
    return out


# The goal of the SMS channel (issue 16), against email alone.
SMS_GOAL_SHARE = 0.6
SMS_GOAL_RATIO = 0.5


def sms_goal(runs: Sequence[ChannelRun]) -> Goal | None:
    """With 60 % SMS volunteers, requests within 48 hours of their appointment fill in half the
    median time of email alone (the same requests at 0 %); None without both shares."""
    by_share = {run.share: run.result for run in runs}
    email, sms = by_share.get(0.0), by_share.get(SMS_GOAL_SHARE)
    if email is None or sms is None:
        return None
    ratio = sms.median_hours_to_fill_soon / email.median_hours_to_fill_soon
    met = math.isfinite(ratio) and ratio <= SMS_GOAL_RATIO
    return Goal(
        f"With {SMS_GOAL_SHARE:.0%} SMS volunteers, requests within {SOON_HOURS:.0f} hours "
        f"fill in half the median time of email alone",
        met,
        f"{sms.median_hours_to_fill_soon:.2f} h against {email.median_hours_to_fill_soon:.2f} h "
        f"({ratio:.2f} ×, {'under' if met else 'over'} the {SMS_GOAL_RATIO:.2f} × aimed at "
        f"by {abs(SMS_GOAL_RATIO - ratio):.2f})",
    )


def channel_table(runs: Sequence[ChannelRun]) -> list[str]:
    """Time to fill and fill rate by the share of SMS volunteers, as Markdown table lines."""
    lines = [
        "| SMS volunteers | Policy | Fill rate | Median time to fill | Within "
        f"{SOON_HOURS:.0f} h: median time to fill | Within {SOON_HOURS:.0f} h: filled "
        "| Offers | of them by SMS |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        shown = [run.result] if run.share == 0 else [run.result, run.email_wait]
        for r in shown:
            lines.append(
                f"| {run.share:.0%} | {r.policy} | {r.fill_rate:.1%} "
                f"| {r.median_hours_to_fill:.2f} h | {r.median_hours_to_fill_soon:.2f} h "
                f"| {r.filled_soon} of {r.soon} | {r.offers:,} "
                f"| {r.sms_offers / r.offers if r.offers else 0:.0%} |"
            )
    return lines


def as_json(report: Report) -> dict[str, object]:
    """The run as `--json` writes it: the configuration (every Behaviour field) and, per
    policy, fill rate (a fraction), median hours to fill, emails per filled request, emails
    and the Gini of offers; non-finite numbers (nothing filled) as null."""
    c = report.config

    def number(x: float) -> float | None:
        return x if math.isfinite(x) else None

    e = report.evaluation
    return {
        "config": {
            "seed": c.seed,
            "volunteers": c.volunteers,
            "requests": c.requests,
            "days": c.days,
            "k": c.k,
            "behaviour": asdict(c.behaviour),
        },
        "policies": {
            r.policy: {
                "fill_rate": r.fill_rate,
                "median_hours_to_fill": number(r.median_hours_to_fill),
                "messages_per_filled": number(r.offers_per_filled),
                "messages": r.offers,
                "gini": r.gini,
            }
            for r in report.results
        },
        "model": {
            "trained": e is not None,
            "beats_prior": bool(e is not None and e.beats_prior),
            "holdout_log_loss": None
            if e is None
            else {"model": e.model.log_loss, "prior": e.prior.log_loss},
            "holdout_roc_auc": None
            if e is None
            else {"model": e.model.roc_auc, "prior": e.prior.roc_auc},
        },
        "goals": [{"goal": g.text, "met": g.met, "detail": g.detail} for g in goals(report)],
        "channels": [
            {
                "sms_share": run.share,
                "policy": r.policy,
                "fill_rate": r.fill_rate,
                "median_hours_to_fill": number(r.median_hours_to_fill),
                "median_hours_to_fill_within_48h": number(r.median_hours_to_fill_soon),
                "within_48h": r.soon,
                "filled_within_48h": r.filled_soon,
                "messages": r.offers,
                "sms": r.sms_offers,
            }
            for run in report.channels
            for r in (run.result, run.email_wait)
        ],
        "sms_goal": (
            None
            if (g := sms_goal(report.channels)) is None
            else {"goal": g.text, "met": g.met, "detail": g.detail}
        ),
    }


def behaviour_line(b: Behaviour) -> str:
    """The hidden behaviour's parameters, so that the numbers can be judged (and reproduced)."""

    def signed(x: float) -> str:
        return f"{x:+.1f}".replace("-", "−")

    return (
        f"Behaviour (log-odds of accepting): {signed(b.base)}, + propensity ~ N(0, "
        f"{b.propensity_sd:.1f}), − {b.distance:.1f} × true km / own limit, − "
        f"{b.beyond_limit:.1f} × the share beyond the limit, {signed(b.outside_times)} outside "
        f"stated times, − {b.load:.2f} × tasks in 30 days, − {b.fatigue:.1f} × ln(1 + offers in "
        f"7 days), {signed(b.early_morning)} before 9:30, {signed(b.midday)} at 12–14, "
        f"{signed(b.evening)} from 17:00, "
        f"{signed(b.same_day)} under 24 h ahead, {signed(b.short_notice)} at 1–3 days, "
        f"{signed(b.far_ahead)} beyond 10 days; only if free then. Stated times: "
        f"{b.no_times_share:.0%} state none, {b.strict_share:.0%} of the others are strict; "
        f"free outside their times {b.free_outside:.0%}, busy inside them {b.busy_inside:.0%}, "
        f"free without times {b.free_no_times:.0%}. Answers after a personal median of "
        f"{b.delay_median_hours:g} h to an email, {b.sms_delay_median_minutes:g} min to an SMS "
        f"(log-normal, faster for eager people). {b.sms_share:.0%} get offers by SMS "
        f"({b.both_share:.0%} of them by email too; no SMS {QUIET_FROM}:00–{QUIET_UNTIL:02d}:00 "
        f"except urgent ones to the {b.night_sms_share:.0%} who allow them). Lotse sees none "
        "of this directly: its features are the postcode distance, stated times, counts over "
        "30 days, its own acceptance history and the appointment's hour and lead time."
    )


def channel_section(report: Report) -> list[str]:
    """The SMS subsection's lines (none without channel runs)."""
    if not report.channels:
        return []
    c = report.config
    b = c.behaviour
    lines = [
        f"#### Offers by SMS ({c.volunteers:,} volunteers)",
        "",
        "Lotse on the same world with a share of the volunteers getting offers by SMS (the same "
        "people at every share, plus more of them at a larger one): an SMS is answered after "
        f"a personal median of {b.sms_delay_median_minutes:g} min instead of "
        f"{b.delay_median_hours:g} h, waits for {QUIET_UNTIL:02d}:00 in the quiet hours "
        f"({QUIET_FROM}:00–{QUIET_UNTIL:02d}:00) unless the appointment is urgent and the "
        f"person allows night messages ({b.night_sms_share:.0%} of them), and "
        f"{b.both_share:.0%} of them get the email too. `lotse` waits at most "
        f"{waves.SMS_WAVE_TIMEOUT.total_seconds() / 3600:g} h for a wave that reached everyone "
        "by SMS at once (`waves.wave_timeout`'s `by_sms`); `lotse_email_wait` waits as for "
        f"email. Within {SOON_HOURS:.0f} h: requests made less than {SOON_HOURS:.0f} hours "
        "before their appointment.",
        "",
        *channel_table(report.channels),
        "",
    ]
    goal = sms_goal(report.channels)
    if goal is not None:
        lines += [f"- {'met' if goal.met else 'missed'}: {goal.text}: {goal.detail}.", ""]
    return lines


def markdown(report: Report, *, command: str, machine: str, seconds: float) -> str:
    """The docs section for one world (without its heading)."""
    c = report.config
    lotse = report.lotse
    lines = [
        f"Run with `{command}` on {machine}; {seconds:.0f} s from start to end "
        f"({dt.date.today():%Y-%m-%d}).",
        "",
        f"{c.volunteers:,} volunteers, {c.requests:,} requests over {c.days} days (seed "
        f"{c.seed}); random_k and nearest_k ask {c.k} people per wave.",
        "",
        behaviour_line(c.behaviour),
        "",
        *table(report.results),
        "",
        f"{lotse.without_candidates:,} of {lotse.requests:,} requests had nobody who passes "
        f"the hard constraints; the median request had {report.median_candidates:.0f} such "
        f"people, {report.median_exact:.0f} of them in the exact tier (in their stated times "
        "and within their limit: lotse_strict's pool).",
        "",
        "Goals:",
        "",
        *[f"- {'met' if g.met else 'missed'}: {g.text}: {g.detail}." for g in goals(report)],
        "",
        *channel_section(report),
        f"#### Learning from the simulated history ({c.volunteers:,} volunteers)",
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
