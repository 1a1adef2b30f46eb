"""`manage.py bench_matching_scale`: time `rank()` with 1k, 10k and 100k volunteers in PostgreSQL.

A benchmark, not a test: it needs a dedicated PostgreSQL database named `lotse_bench*` (created
if missing, then migrated and emptied: never point it at real data), prints p50/p95 and the
queries per call for each size and writes the section "## rank() at scale" of
docs/benchmarks.md. `make bench` runs it. See `labs/benchmarks.py` for the data.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from labs import benchmarks


class Command(BaseCommand):
    help = "Benchmark matching.rank() with 1k/10k/100k synthetic volunteers (PostgreSQL only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sizes",
            default=",".join(str(size) for size in benchmarks.SIZES),
            help="Comma-separated numbers of volunteers (default: %(default)s).",
        )
        parser.add_argument("--rounds", type=int, default=20, help="Timed rounds per size.")
        parser.add_argument("--warmup", type=int, default=2, help="Untimed rounds first.")
        parser.add_argument(
            "--limit", type=int, default=20, help="rank(limit=...), as the candidates API asks."
        )
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "docs" / "benchmarks.md"),
            help="Markdown file whose '## rank() at scale' section is replaced.",
        )
        parser.add_argument(
            "--no-write", action="store_true", help="Print only; leave the Markdown file alone."
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            name = benchmarks.check_database()
        except benchmarks.Refused as exc:
            raise CommandError(str(exc)) from None
        sizes = [int(part) for part in str(options["sizes"]).split(",") if part.strip()]
        if benchmarks.create_database_if_missing(name):
            self.stdout.write(f"Created database {name}.")
        call_command("migrate", verbosity=0, interactive=False)
        info = benchmarks.machine()
        info["reference_ms"] = f"{benchmarks.reference_ms():.1f}"
        self.stdout.write(
            f"{info['cpu']}, {info['cores']} cores, PostgreSQL {info['postgres']}; "
            f"load {info['load']}; LogisticRegression scores {benchmarks.REFERENCE_ROWS:,} rows "
            f"in {info['reference_ms']} ms (reference machine: about "
            f"{benchmarks.REFERENCE_DESIGN_MS} ms)"
        )
        results = []
        for size in sizes:
            result = benchmarks.measure(
                size,
                rounds=int(options["rounds"]),
                warmup=int(options["warmup"]),
                limit=options["limit"],
                progress=self._progress,
            )
            results.append(result)
            self.stdout.write(
                f"{size:>7,} volunteers: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms, "
                f"queries {sorted(set(result.queries))}, candidates {sorted(result.candidates)}"
            )
        # The last size's data stay, for EXPLAIN ANALYZE by hand.
        load_after = benchmarks.machine()["load"]
        self.stdout.write("")
        self.stdout.write(benchmarks.table(results))
        self.stdout.write(f"load after: {load_after}")
        if not options["no_write"]:
            command = "python " + shlex.join(["manage.py", *sys.argv[1:]])
            text = benchmarks.section(
                results,
                info=info,
                load_after=load_after,
                command=command,
                limit=options["limit"],
                rounds=int(options["rounds"]),
            )
            benchmarks.write_section(Path(str(options["output"])), text)
            self.stdout.write(f"Wrote the section '{benchmarks.SECTION}' of {options['output']}.")

    def _progress(self, text: str) -> None:
        self.stderr.write(text)
