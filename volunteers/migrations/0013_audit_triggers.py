"""The database keeps the audit trail unedited (volunteers/audit.py).

UPDATE of an entry is refused, with two exceptions that change no fact: erasure replacing the
person's identity with a pseudonym, once (pseudonym from empty to set, volunteer id to NULL),
and a deleted staff account leaving the actor column empty (its name stays in `actor_name`).
DELETE is refused for an entry younger than the retention in `volunteers_auditretention`
(written from LOTSE_AUDIT_RETENTION_DAYS by the retention task; 730 days while it is empty).
"""

from django.db import migrations

TABLE = "volunteers_auditentry"
# Columns that say what happened: never changed.
FACTS = [
    "id",
    "timestamp",
    "kind",
    "event",
    "channel",
    "action",
    "content_type_id",
    "office_id",
    "office_name",
    "request_id",
    "actor_name",
    "detail",
    "changes",
    "changes_text",
    "serialized_data",
    "additional_data",
    "cid",
    "remote_addr",
    "remote_port",
    "actor_email",
]
# Columns that name the person: changed only by pseudonymisation.
IDENTITY = ["volunteer_id", "pseudonym", "object_pk", "object_id", "object_repr"]


def _same(columns, distinct):
    return " AND ".join(f"NEW.{c} {distinct} OLD.{c}" for c in columns)


def _allowed(distinct):
    facts = _same(FACTS, distinct)
    identity = _same(IDENTITY, distinct)
    actor = _same(["actor_id"], distinct)
    return (
        f"({facts}) AND ("
        f"(OLD.pseudonym = '' AND NEW.pseudonym <> '' AND NEW.volunteer_id IS NULL AND {actor})"
        f" OR (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND {identity}))"
    )


POSTGRES = f"""
CREATE FUNCTION lotse_audit_refuse_update() RETURNS trigger AS $$
BEGIN
    IF {_allowed("IS NOT DISTINCT FROM")} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lotse_audit_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION lotse_audit_refuse_update();

CREATE FUNCTION lotse_audit_refuse_delete() RETURNS trigger AS $$
BEGIN
    IF OLD.timestamp >= now() - make_interval(days => COALESCE(
        (SELECT days FROM volunteers_auditretention WHERE id = 1), 730)) THEN
        RAISE EXCEPTION 'audit entries are kept until their retention has passed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lotse_audit_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION lotse_audit_refuse_delete();
"""

POSTGRES_REVERSE = f"""
DROP TRIGGER IF EXISTS lotse_audit_no_update ON {TABLE};
DROP TRIGGER IF EXISTS lotse_audit_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS lotse_audit_refuse_update();
DROP FUNCTION IF EXISTS lotse_audit_refuse_delete();
"""

# SQLite stores datetimes as text "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC: text order is time order.
SQLITE = [
    f"""
CREATE TRIGGER lotse_audit_no_update BEFORE UPDATE ON {TABLE}
WHEN NOT ({_allowed("IS")})
BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be changed');
END;
""",
    f"""
CREATE TRIGGER lotse_audit_no_delete BEFORE DELETE ON {TABLE}
WHEN OLD.timestamp >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || COALESCE(
    (SELECT days FROM volunteers_auditretention WHERE id = 1), 730) || ' days')
BEGIN
    SELECT RAISE(ABORT, 'audit entries are kept until their retention has passed');
END;
""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS lotse_audit_no_update;",
    "DROP TRIGGER IF EXISTS lotse_audit_no_delete;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0012_audit_trail")]

    operations = [migrations.RunPython(forwards, backwards)]
