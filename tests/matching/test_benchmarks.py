"""The scale benchmark's guard rails (the benchmark itself is `make bench`, not a test)."""

from __future__ import annotations

import pytest

from labs import benchmarks


def test_it_refuses_every_database_but_a_dedicated_postgresql_one(db):
    """It empties tables, so neither SQLite nor a database with another name will do."""
    with pytest.raises(benchmarks.Refused):
        benchmarks.check_database()


def test_it_replaces_only_its_own_section(tmp_path):
    """A rerun replaces "## rank() at scale" and keeps what other commands wrote around it."""
    path = tmp_path / "benchmarks.md"
    path.write_text(
        "# Benchmarks\n\n## Simulation\n\nfill rate 0.9\n\n"
        "## rank() at scale\n\nold table\n\n## Other\n\nkept\n",
        encoding="utf-8",
    )
    benchmarks.write_section(path, "## rank() at scale\n\nnew table\n")
    text = path.read_text(encoding="utf-8")
    assert "new table" in text
    assert "old table" not in text
    assert text.index("## Simulation") < text.index("new table") < text.index("## Other")
    assert "fill rate 0.9" in text
    assert "kept" in text


def test_it_appends_its_section_to_a_file_without_one(tmp_path):
    path = tmp_path / "benchmarks.md"
    benchmarks.write_section(path, "## rank() at scale\n\ntable\n")
    benchmarks.write_section(path, "## rank() at scale\n\ntable again\n")
    assert path.read_text(encoding="utf-8") == "# Benchmarks\n\n## rank() at scale\n\ntable again\n"
