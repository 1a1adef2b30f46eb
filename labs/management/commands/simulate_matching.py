"""`manage.py simulate_matching`: Lotse against today's reach, broadcast, random-k and nearest-k.

Runs `labs.simulation` (in memory, no database) on one world, prints the table and the goals,
and writes them to the world's size's subsection of "Matching simulation" in
docs/benchmarks.md (`make bench-matching` runs 600 and 2,000 volunteers). `--behaviour KEY=VALUE`
changes a field of the simulated behaviour; `--sms-shares` the shares of SMS volunteers Lotse is
run with for the time-to-fill table by channel; `--json PATH` writes the numbers for scripts.
"""

import dataclasses
import json
import math
import os
import platform
import shlex
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from labs import simulation

HEADING = "## Matching simulation"


def docs_file() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "benchmarks.md"


def subheading(volunteers: int) -> str:
    return f"### {volunteers:,} volunteers"


def machine() -> str:
    """The CPU, cores and software versions, for the record next to the numbers."""
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, scikit-learn {sklearn.__version__}"
    )


def behaviour(pairs: list[str]) -> simulation.Behaviour:
    """The default Behaviour with each KEY=VALUE applied; CommandError for an unknown key or a
    value that is not a finite number."""
    known = {f.name: f for f in dataclasses.fields(simulation.Behaviour)}
    changes: dict[str, float] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            raise CommandError(f"--behaviour takes KEY=VALUE, not {pair!r}.")
        if key not in known:
            raise CommandError(
                f"--behaviour: unknown key {key!r}. Known keys: {', '.join(sorted(known))}."
            )
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise CommandError(f"--behaviour {key}: {value!r} is not a number.")
        changes[key] = number
    try:
        return dataclasses.replace(simulation.Behaviour(), **changes)
    except ValueError as error:
        raise CommandError(f"--behaviour: {error}") from error


# The shares of SMS volunteers the channel table compares by default.
SMS_SHARES = "0,0.3,0.6"


def sms_shares(text: str) -> list[float]:
    """The comma-separated shares (each 0–1, in the order given, no repeats); "" for none."""
    shares: list[float] = []
    for word in text.split(","):
        if not word.strip():
            continue
        try:
            share = float(word)
        except ValueError:
            share = math.nan
        if not 0.0 <= share <= 1.0:
            raise CommandError(f"--sms-shares: {word.strip()!r} is not a share from 0 to 1.")
        if share not in shares:
            shares.append(share)
    return shares


def command_line(config: simulation.Config, shares: str = SMS_SHARES) -> str:
    """The shortest command that reproduces `config` (and the SMS shares)."""
    defaults = simulation.Config()
    words = ["python", "manage.py", "simulate_matching"]
    for name in ("volunteers", "requests", "days", "seed", "k"):
        if getattr(config, name) != getattr(defaults, name):
            words += [f"--{name}", str(getattr(config, name))]
    for field in dataclasses.fields(simulation.Behaviour):
        value = getattr(config.behaviour, field.name)
        if value != getattr(defaults.behaviour, field.name):
            words += ["--behaviour", f"{field.name}={value:g}"]
    if sms_shares(shares) != sms_shares(SMS_SHARES):
        words += ["--sms-shares", shares]
    return shlex.join(words)


class Command(BaseCommand):
    help = (
        "Simulate a synthetic Dortmund: Lotse's ranking and waves against today's reach "
        "(lotse_strict), broadcast, random_k and nearest_k on the same requests, then the "
        "acceptance model trained on the simulated history. Prints the results and writes them "
        "to docs/benchmarks.md."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        defaults = simulation.Config()
        parser.add_argument("--volunteers", type=int, default=defaults.volunteers)
        parser.add_argument("--requests", type=int, default=defaults.requests)
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--k", type=int, default=defaults.k, help="Wave size of random_k and nearest_k."
        )
        fields = ", ".join(f.name for f in dataclasses.fields(simulation.Behaviour))
        parser.add_argument(
            "--behaviour",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=f"Change the simulated behaviour (repeatable). Keys: {fields}.",
        )
        parser.add_argument(
            "--sms-shares",
            default=SMS_SHARES,
            metavar="SHARES",
            help=(
                "Shares of volunteers getting offers by SMS to run Lotse with, for the time to "
                f'fill by channel (comma-separated, default {SMS_SHARES}; "" for none).'
            ),
        )
        parser.add_argument(
            "--json", type=Path, metavar="PATH", help="Also write the numbers as JSON to PATH."
        )
        parser.add_argument(
            "--no-docs", action="store_true", help="Do not write docs/benchmarks.md; only print."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("volunteers", "requests", "days", "k"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        config = simulation.Config(
            volunteers=options["volunteers"],
            requests=options["requests"],
            days=options["days"],
            seed=options["seed"],
            k=options["k"],
            behaviour=behaviour(options["behaviour"]),
        )
        shares = sms_shares(options["sms_shares"])
        started = time.perf_counter()
        report = simulation.simulate(
            config, progress=lambda line: self.stdout.write(f"  {line}"), sms_shares=shares
        )
        seconds = time.perf_counter() - started
        body = simulation.markdown(
            report,
            command=command_line(config, options["sms_shares"]),
            machine=machine(),
            seconds=seconds,
        )
        heading = subheading(config.volunteers)
        self.stdout.write("")
        self.stdout.write(heading)
        self.stdout.write("")
        self.stdout.write(body)
        if options["json"]:
            path: Path = options["json"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(simulation.as_json(report), indent=2) + "\n")
            self.stdout.write(f"JSON written to {path}.")
        if not options["no_docs"]:
            docs = docs_file()
            simulation.write_section(docs, heading, body, within=HEADING)
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Written to {docs} ({heading[4:]})."))
