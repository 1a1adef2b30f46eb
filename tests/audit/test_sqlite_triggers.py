"""On SQLite (the embedded default of `make run`) the database keeps the trail unedited too.

The suite's own SQLite test database drops the delete trigger so that transactional tests can
be flushed (tests/conftest.py); this test migrates a SQLite database of its own instead.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from tests.processes import manage, process_env

COLUMNS = (
    "content_type_id, object_pk, object_repr, action, changes_text, timestamp, kind, event, "
    "channel, actor_name, office_name, pseudonym, detail, volunteer_id"
)


def insert(db: sqlite3.Connection, *, at: dt.datetime, volunteer_id: int | None = 7) -> int:
    cursor = db.execute(
        f"INSERT INTO volunteers_auditentry ({COLUMNS}) "  # noqa: S608 - fixed column list
        "VALUES (1, '7', 'volunteer #7', 3, '', ?, 'read', 'profile_viewed', 'page', "
        "'mengede', 'lokal willkommen Mengede', '', '', ?)",
        (at.strftime("%Y-%m-%d %H:%M:%S.%f"), volunteer_id),
    )
    db.commit()
    return int(cursor.lastrowid)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("sqlite") / "trail.sqlite3"
    done = manage("migrate", "--no-input", env=process_env(DATABASE_URL=f"sqlite:///{path}"))
    assert done.returncode == 0, done.stderr
    connection = sqlite3.connect(path)
    yield connection
    connection.close()


def test_sqlite_refuses_to_change_an_entry(db):
    entry = insert(db, at=dt.datetime.now(dt.UTC))
    for statement in (
        "UPDATE volunteers_auditentry SET actor_name = 'someone else' WHERE id = ?",
        "UPDATE volunteers_auditentry SET timestamp = '2001-01-01 00:00:00' WHERE id = ?",
        "UPDATE volunteers_auditentry SET event = 'logged_in' WHERE id = ?",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
            db.execute(statement, (entry,))
    db.rollback()
    assert db.execute(
        "SELECT actor_name FROM volunteers_auditentry WHERE id = ?", (entry,)
    ).fetchone() == ("mengede",)


def test_sqlite_allows_only_the_pseudonymisation_of_the_person(db):
    entry = insert(db, at=dt.datetime.now(dt.UTC))
    db.execute(
        "UPDATE volunteers_auditentry SET volunteer_id = NULL, pseudonym = 'abc' WHERE id = ?",
        (entry,),
    )
    db.commit()
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE volunteers_auditentry SET pseudonym = 'other' WHERE id = ?", (entry,))
    db.rollback()


def test_sqlite_deletes_only_entries_past_retention(db):
    young = insert(db, at=dt.datetime.now(dt.UTC) - dt.timedelta(days=700))
    old = insert(db, at=dt.datetime.now(dt.UTC) - dt.timedelta(days=800))
    with pytest.raises(sqlite3.IntegrityError, match="retention"):
        db.execute("DELETE FROM volunteers_auditentry WHERE id = ?", (young,))
    db.rollback()
    db.execute("DELETE FROM volunteers_auditentry WHERE id = ?", (old,))
    db.commit()
    remaining = {row[0] for row in db.execute("SELECT id FROM volunteers_auditentry")}
    assert young in remaining and old not in remaining
