"""`manage.py simulate_matching`: Lotse's waves against broadcast, random-k and nearest-first.

Runs `matching.simulation` (in memory, no database), prints the tables and writes them to the
"Matching simulation" section of docs/benchmarks.md. `make bench-matching` runs it.
"""

import os
import platform
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching import simulation

HEADING = "## Matching simulation"


def docs_file() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "benchmarks.md"


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


class Command(BaseCommand):
    help = (
        "Simulate a synthetic Dortmund: Lotse's wave policy and three baselines on the same "
        "requests, then the acceptance model trained on the simulated history. Prints the "
        "results and writes them to docs/benchmarks.md."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        defaults = simulation.Config()
        parser.add_argument("--volunteers", type=int, default=defaults.volunteers)
        parser.add_argument("--requests", type=int, default=defaults.requests)
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--k", type=int, default=defaults.k, help="Wave size of random-k and nearest-first."
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
        )
        started = time.perf_counter()
        report = simulation.simulate(config, progress=lambda line: self.stdout.write(f"  {line}"))
        seconds = time.perf_counter() - started
        command = (
            "make bench-matching"
            if config == simulation.Config()
            else "python manage.py simulate_matching "
            f"--volunteers {config.volunteers} --requests {config.requests} "
            f"--days {config.days} --seed {config.seed} --k {config.k}"
        )
        body = simulation.markdown(report, command=command, machine=machine(), seconds=seconds)
        self.stdout.write("")
        self.stdout.write(HEADING)
        self.stdout.write("")
        self.stdout.write(body)
        if not options["no_docs"]:
            docs = docs_file()
            simulation.write_section(docs, HEADING, body)
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Written to {docs} ({HEADING[3:]})."))
