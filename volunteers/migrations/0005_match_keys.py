"""Match keys: on PostgreSQL, each volunteer row carries the keys of what they offer, kept by
triggers, with a GIN index, so that ranking finds the people who speak the languages, offer the
skill and are free on the weekday with one index scan (see `matching.eligibility` and `matching.sql.MatchKeys`).

The column is the database's alone: it is no model field, so Django never writes it and a stale
instance saved later cannot overwrite it. Triggers on the three tables it is derived from
recompute it for the volunteers a statement touched; a trigger on the volunteers themselves
computes it when a row is inserted (e.g. loaded after its languages). Keys:

- `l:<code>:<level>` for every level up to the one they speak (B2 gives A1, A2, B1 and B2), so
  "speaks fa at B2 or better" is the one key `l:fa:B2`;
- `s:<skill id>`;
- `w:<weekday>:<cell>` for every half hour of the week (cell 0 is 00:00–00:30) that one of their
  weekly slots overlaps. Someone whose slot covers an appointment has every cell the appointment
  overlaps, so the cells only narrow the search: the slot itself is still checked.

Nothing to do on SQLite, where ranking checks the related rows directly.
"""

from django.db import migrations

CREATE = """
ALTER TABLE volunteers_volunteer ADD COLUMN match_keys text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION lotse_match_keys(vid bigint) RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(key ORDER BY key), '{}') FROM (
    SELECT 'l:' || spoken.code || ':' || threshold.level
      FROM volunteers_spokenlanguage spoken,
           unnest(ARRAY['A1', 'A2', 'B1', 'B2', 'C1', 'C2', 'native'])
             WITH ORDINALITY AS threshold(level, position)
     WHERE spoken.volunteer_id = vid
       AND threshold.position
           <= array_position(ARRAY['A1', 'A2', 'B1', 'B2', 'C1', 'C2', 'native'], spoken.level::text)
    UNION
    SELECT 's:' || skill_id FROM volunteers_volunteerskill WHERE volunteer_id = vid
    UNION
    SELECT 'w:' || slot.weekday || ':' || cell
      FROM volunteers_availabilityslot slot, generate_series(0, 47) AS cell
     WHERE slot.volunteer_id = vid
       AND cell * 1800 < extract(epoch FROM slot."end")
       AND (cell + 1) * 1800 > extract(epoch FROM slot.start)
  ) AS keys(key)
$$;

-- Locks the volunteers first, in id order, then recomputes in a statement of its own: under
-- READ COMMITTED that statement's snapshot sees what a concurrent transaction, which held the
-- lock, committed for the same person, so two edits at once cannot leave stale keys.
CREATE FUNCTION lotse_refresh_match_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT volunteer_id) INTO ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT volunteer_id) INTO ids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT volunteer_id) INTO ids
      FROM (SELECT volunteer_id FROM new_rows UNION SELECT volunteer_id FROM old_rows) AS changed;
  END IF;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM volunteers_volunteer WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
  UPDATE volunteers_volunteer SET match_keys = lotse_match_keys(id) WHERE id = ANY (ids);
  RETURN NULL;
END
$$;

CREATE FUNCTION lotse_new_volunteer_match_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.match_keys := lotse_match_keys(NEW.id);
  RETURN NEW;
END
$$;

CREATE TRIGGER match_keys_on_insert BEFORE INSERT ON volunteers_volunteer
  FOR EACH ROW EXECUTE FUNCTION lotse_new_volunteer_match_keys();
"""

# The rows the keys come from: each statement that changes them recomputes its people's keys.
SOURCES = ("volunteers_spokenlanguage", "volunteers_volunteerskill", "volunteers_availabilityslot")
TRIGGERS = """
CREATE TRIGGER match_keys_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION lotse_refresh_match_keys();
CREATE TRIGGER match_keys_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION lotse_refresh_match_keys();
CREATE TRIGGER match_keys_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION lotse_refresh_match_keys();
"""
# Table names are the constants above, not input.
CREATE += "".join(TRIGGERS.format(table=table) for table in SOURCES)  # noqa: S608
CREATE += """
UPDATE volunteers_volunteer SET match_keys = lotse_match_keys(id);
CREATE INDEX volunteer_match_keys ON volunteers_volunteer USING gin (match_keys);
"""

# Dropping the trigger functions drops their triggers with them (CASCADE).
DROP = """
DROP INDEX IF EXISTS volunteer_match_keys;
DROP FUNCTION IF EXISTS lotse_new_volunteer_match_keys() CASCADE;
DROP FUNCTION IF EXISTS lotse_refresh_match_keys() CASCADE;
DROP FUNCTION IF EXISTS lotse_match_keys(bigint);
ALTER TABLE volunteers_volunteer DROP COLUMN IF EXISTS match_keys;
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0004_matching_indexes"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
