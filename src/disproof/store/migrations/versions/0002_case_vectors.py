"""Case vectors: embeddings of each case field per model, kept incrementally.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_vectors",
        sa.Column(
            "case_pk", sa.Integer, sa.ForeignKey("cases.pk", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_case_vectors_model", "case_vectors", ["model"])


def downgrade() -> None:
    op.drop_table("case_vectors")
