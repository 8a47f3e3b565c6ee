"""Watched feeds may follow their entries' links: ``watch_sources.follow_links`` (off for every
source there already, as before).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "watch_sources",
        sa.Column("follow_links", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("watch_sources") as batch:
        batch.drop_column("follow_links")
