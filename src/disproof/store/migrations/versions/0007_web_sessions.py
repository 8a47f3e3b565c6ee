"""Web sessions: a signed-in browser holds a random session id of its own (never the API
token); only the SHA-256 of the id is stored, with the token it was opened with and its idle
and absolute lifetimes. Revoking the token (or deleting it) ends its sessions.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "token_pk",
            sa.Integer,
            sa.ForeignKey("api_tokens.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_sessions_token_pk", "web_sessions", ["token_pk"])


def downgrade() -> None:
    op.drop_table("web_sessions")
