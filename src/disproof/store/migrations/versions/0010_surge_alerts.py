"""Surge alerts: a rule's options (a surge rule's window and baseline, as JSON) and one row per
surge alert — its rule, narrative and window (unique: one alert per rule, narrative and window,
ever) with the counts and the test's p- and q-values.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("alert_rules", sa.Column("options", sa.JSON, nullable=True))
    op.create_table(
        "alert_surges",
        sa.Column(
            "alert_pk",
            sa.Integer,
            sa.ForeignKey("alerts.pk", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "rule_pk",
            sa.Integer,
            sa.ForeignKey("alert_rules.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("narrative", sa.String(2000), nullable=False),
        sa.Column("window_start", _STAMP, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint(
            "rule_pk", "narrative", "window_start", name="uq_alert_surges_rule_window"
        ),
    )


def downgrade() -> None:
    op.drop_table("alert_surges")
    with op.batch_alter_table("alert_rules") as batch:
        batch.drop_column("options")
