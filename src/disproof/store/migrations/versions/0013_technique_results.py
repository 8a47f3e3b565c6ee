"""A cache of the persuasion techniques found in case texts (derived data: the text's sha256
and the model's id → the spans), so trends and case pages read each text once per model.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "technique_results",
        sa.Column("text_hash", sa.String(64), primary_key=True),
        sa.Column("model_id", sa.String(64), primary_key=True),
        sa.Column("spans", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("technique_results")
