"""Labs: what Lotse ships beside the product but never runs to serve a request.

- `labs.demo`: the demo network `make run` starts with (offices, staff, 200 invented
  volunteers, a year of history, allowances) and the one function that loads it, `seed_demo`;
- `labs.simulation`: a synthetic Dortmund in memory that replays the real ranking and waves
  against simple baselines (`simulate_matching`, `make bench-matching`);
- `labs.benchmarks`: `rank()` against 1k–100k synthetic volunteers in PostgreSQL
  (`bench_matching_scale`, `make bench`);
- their management commands, under the names the Makefile, README and docs use.

Why one top-level app rather than subpackages of each app: these are about 4,400 lines (the
simulation and the benchmark alone were two fifths of `matching`), and a reader of the product's
runtime code should not have to tell them apart from it. They are also the only code that needs
every app at once (the demo writes volunteers, requests and the workers' record of sent emails),
so inside any one app they pulled imports upwards. Here they sit on top of the layers: labs may
import every app, and no app imports labs (`lint-imports` checks both, see `[tool.importlinter]`
in pyproject.toml). It is an installed app only so that its management commands exist; it has no
models, URLs or templates, and the running product works without it.
"""
