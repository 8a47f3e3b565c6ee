"""Monitoring: watched sources with their polling state, the items read from them (unique per
source by URL and by content hash), the sightings (an item repeating a case), dismissals, and
alert rules with their alerts and webhook delivery log.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watch_sources",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("outlet", sa.String(500), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("interval_seconds", sa.Integer, nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("last_success_at", _STAMP, nullable=True),
        sa.Column("last_polled_at", _STAMP, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_due_at", _STAMP, nullable=False),
        sa.Column("items_seen", sa.Integer, nullable=False, server_default=sa.text("0")),
    )
    op.create_index("ix_watch_sources_next_due_at", "watch_sources", ["next_due_at"])
    op.create_table(
        "watch_items",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "source_pk",
            sa.Integer,
            sa.ForeignKey("watch_sources.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("date", sa.Date, nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("fetched_at", _STAMP, nullable=False),
        sa.UniqueConstraint("source_pk", "content_hash", name="uq_watch_items_hash"),
        sa.UniqueConstraint("source_pk", "url", name="uq_watch_items_url"),
    )
    op.create_table(
        "sightings",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "item_pk",
            sa.Integer,
            sa.ForeignKey("watch_items.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("case_id", sa.String(500), nullable=False),
        sa.Column("span_start", sa.Integer, nullable=False),
        sa.Column("span_end", sa.Integer, nullable=False),
        sa.Column("span_text", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", _STAMP, nullable=True),
        sa.UniqueConstraint("item_pk", "case_id", name="uq_sightings_item_case"),
    )
    op.create_index("ix_sightings_case_id", "sightings", ["case_id"])
    op.create_index("ix_sightings_status_band", "sightings", ["status", "band"])
    op.create_table(
        "dismissals",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("at", _STAMP, nullable=False),
    )
    op.create_index("ix_dismissals_hash", "dismissals", ["content_hash", "case_id"])
    op.create_index("ix_dismissals_url", "dismissals", ["url", "case_id"])
    _alerts()


def _alerts() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.Column("min_band", sa.String(16), nullable=False),
        sa.Column("webhook_url", sa.String(2000), nullable=True),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("created_at", _STAMP, nullable=False),
    )
    op.create_index("ix_alert_rules_owner", "alert_rules", ["owner"])
    op.create_table(
        "alerts",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "rule_pk",
            sa.Integer,
            sa.ForeignKey("alert_rules.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "sighting_pk",
            sa.Integer,
            sa.ForeignKey("sightings.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", _STAMP, nullable=True),
        sa.UniqueConstraint("rule_pk", "sighting_pk", name="uq_alerts_rule_sighting"),
    )
    op.create_index("ix_alerts_delivery", "alerts", ["delivery", "next_attempt_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "alert_pk",
            sa.Integer,
            sa.ForeignKey("alerts.pk", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", _STAMP, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.String(2000), nullable=True),
    )
    op.create_index("ix_alert_deliveries_alert_pk", "alert_deliveries", ["alert_pk"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alerts")
    op.drop_table("alert_rules")
    op.drop_table("dismissals")
    op.drop_table("sightings")
    op.drop_table("watch_items")
    op.drop_table("watch_sources")
