"""The import log counts the rows merged with the same claim already stored from another source
(``joined``; see ``disproof.joining``). Earlier imports joined nothing: 0.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "imports", sa.Column("joined", sa.Integer, nullable=False, server_default=sa.text("0"))
    )


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("joined")
