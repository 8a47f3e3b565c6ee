"""A change log of the cases, so that a match index learns what changed since it was built by
reading only the changes (not every case's key and content hash).

``case_changes``: one row per case inserted, deleted, or updated in its key or content hash,
written by triggers on ``cases`` in the same transaction as the write (every writer is logged:
imports, edits, merges, deletes, a copy, raw SQL). ``seq`` grows in commit order:

- SQLite has one writer at a time: the trigger writes ``max(seq) + 1``.
- PostgreSQL commits concurrent writers in any order, and a sequence value taken during a
  transaction may become visible after a larger one: a reader that saw seq 11 could miss a
  seq 10 committed later. So rows are written with ``seq`` NULL, and a deferred constraint
  trigger stamps them at commit, under a transaction-scoped advisory lock taken as the very
  last thing the transaction does (it waits for nothing else while holding it: no deadlock);
  the lock is released only once the commit is visible, so stamps are taken in commit order.

``store_meta['case_changes_log']`` names this log (random): an index remembers the log and
position it reflects; another database, a restored backup or a copy has another name, and is
compared in full. See ``disproof.store.changes``.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: The advisory lock the stamping takes (two-int form: apart from the one-bigint case-id locks).
LOCK = (1_684_632_432, 14)

SQLITE_TRIGGERS = (
    """CREATE TRIGGER case_changes_insert AFTER INSERT ON cases BEGIN
        INSERT INTO case_changes (seq, case_pk)
        VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM case_changes), NEW.pk);
    END""",
    """CREATE TRIGGER case_changes_update AFTER UPDATE OF pk, content_hash ON cases
    WHEN OLD.pk IS NOT NEW.pk OR OLD.content_hash IS NOT NEW.content_hash BEGIN
        INSERT INTO case_changes (seq, case_pk)
        VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM case_changes), OLD.pk);
        INSERT INTO case_changes (seq, case_pk)
        SELECT (SELECT coalesce(max(seq), 0) + 1 FROM case_changes), NEW.pk
        WHERE NEW.pk IS NOT OLD.pk;
    END""",
    """CREATE TRIGGER case_changes_delete AFTER DELETE ON cases BEGIN
        INSERT INTO case_changes (seq, case_pk)
        VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM case_changes), OLD.pk);
    END""",
)

POSTGRES = (
    "CREATE SEQUENCE case_changes_stamps",
    """CREATE FUNCTION disproof_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO case_changes (case_pk) VALUES (NEW.pk);
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO case_changes (case_pk) VALUES (OLD.pk);
        ELSIF NEW.pk IS DISTINCT FROM OLD.pk
              OR NEW.content_hash IS DISTINCT FROM OLD.content_hash THEN
            INSERT INTO case_changes (case_pk) VALUES (OLD.pk);
            IF NEW.pk IS DISTINCT FROM OLD.pk THEN
                INSERT INTO case_changes (case_pk) VALUES (NEW.pk);
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER case_changes_log AFTER INSERT OR UPDATE OR DELETE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION disproof_case_changed()",
    f"""CREATE FUNCTION disproof_case_changes_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE stamp bigint;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM case_changes WHERE seq IS NULL) THEN
            RETURN NULL;  -- stamped by an earlier firing in this commit
        END IF;
        PERFORM pg_advisory_xact_lock({LOCK[0]}, {LOCK[1]});
        stamp := nextval('case_changes_stamps');
        UPDATE case_changes SET seq = stamp WHERE seq IS NULL;
        RETURN NULL;
    END $$""",
    "CREATE CONSTRAINT TRIGGER case_changes_stamp AFTER INSERT ON case_changes "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION disproof_case_changes_stamp()",
)


def upgrade() -> None:
    op.create_table(
        "case_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=True),
        sa.Column("case_pk", sa.Integer, nullable=False),
    )
    op.create_index("ix_case_changes_seq", "case_changes", ["seq"])
    op.create_index(
        "ix_case_changes_unstamped",
        "case_changes",
        ["id"],
        sqlite_where=sa.text("seq IS NULL"),
        postgresql_where=sa.text("seq IS NULL"),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES:
        op.execute(statement)
    op.execute(
        sa.text(
            "INSERT INTO store_meta (key, value) VALUES ('case_changes_log', :name)"
        ).bindparams(name=uuid.uuid4().hex)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS case_changes_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_changes_log ON cases")
        op.execute("DROP FUNCTION IF EXISTS disproof_case_changed()")
        op.execute("DROP SEQUENCE IF EXISTS case_changes_stamps")
    op.execute("DELETE FROM store_meta WHERE key = 'case_changes_log'")
    op.drop_table("case_changes")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS disproof_case_changes_stamp()")
