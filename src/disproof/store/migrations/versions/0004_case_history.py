"""Case history: each edit row gets the editor's role, the case version it made, a note and the
whole case after the change (a snapshot), so that versions can be compared and restored.

Existing edit rows keep what they had (no role, version or snapshot: unknown). Nothing is copied
now: the state of an existing case is kept (as a ``baseline`` entry) when a change first
replaces it, see ``disproof.store.history``.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_edits", sa.Column("role", sa.String(16), nullable=True))
    op.add_column("case_edits", sa.Column("version", sa.Integer, nullable=True))
    op.add_column("case_edits", sa.Column("note", sa.String(2000), nullable=True))
    op.add_column("case_edits", sa.Column("snapshot", sa.JSON, nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM case_edits WHERE action = 'baseline'")
    with op.batch_alter_table("case_edits") as batch:
        for column in ("snapshot", "note", "version", "role"):
            batch.drop_column(column)
