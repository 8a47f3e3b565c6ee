"""Cases, their facet terms, the import log, and (on SQLite) the FTS5 index.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FTS_SQLITE = [
    """CREATE VIRTUAL TABLE cases_fts USING fts5(
        title, summary, disproof, content='cases', content_rowid='pk',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
        INSERT INTO cases_fts(rowid, title, summary, disproof)
        VALUES (new.pk, new.title, new.summary, new.disproof);
    END""",
    """CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
        INSERT INTO cases_fts(cases_fts, rowid, title, summary, disproof)
        VALUES ('delete', old.pk, old.title, old.summary, old.disproof);
    END""",
    """CREATE TRIGGER cases_fts_update AFTER UPDATE OF title, summary, disproof ON cases BEGIN
        INSERT INTO cases_fts(cases_fts, rowid, title, summary, disproof)
        VALUES ('delete', old.pk, old.title, old.summary, old.disproof);
        INSERT INTO cases_fts(rowid, title, summary, disproof)
        VALUES (new.pk, new.title, new.summary, new.disproof);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(500), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("disproof", sa.Text, nullable=False),
        sa.Column("date", sa.Date, nullable=True),
        sa.Column("dataset", sa.String(2000), nullable=True),
        sa.Column("appearance_count", sa.Integer, nullable=False),
        sa.Column("doc", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cases_date", "cases", ["date"])
    op.create_index("ix_cases_dataset", "cases", ["dataset"])
    op.create_table(
        "case_terms",
        sa.Column(
            "case_pk",
            sa.Integer,
            sa.ForeignKey("cases.pk", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("value", sa.String(2000), nullable=False),
        sa.Column("value_key", sa.String(2000), nullable=False),
    )
    op.create_index("ix_case_terms_kind_key", "case_terms", ["kind", "value_key"])
    op.create_table(
        "imports",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(50), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("merged", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS cases_fts")
    op.drop_table("imports")
    op.drop_table("case_terms")
    op.drop_table("cases")
