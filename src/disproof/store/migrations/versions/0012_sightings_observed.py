"""Sightings count in surge windows by when their item appeared: ``sightings.observed_at`` (the
item's publication day when it was published before the day it was recorded, else the
recording time). Rows already there get their recording time.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sightings", sa.Column("observed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE sightings SET observed_at = created_at")
    with op.batch_alter_table("sightings") as batch:
        batch.alter_column("observed_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index("ix_sightings_observed_at", "sightings", ["observed_at"])


def downgrade() -> None:
    op.drop_index("ix_sightings_observed_at", table_name="sightings")
    with op.batch_alter_table("sightings") as batch:
        batch.drop_column("observed_at")
