"""Full-text search on PostgreSQL (a no-op on SQLite, whose FTS5 table came with 0001).

A language-neutral text search configuration ``disproof_text``: the ``simple`` dictionary (no
stemming, no stop words: cases are in many languages) after ``unaccent`` (accents folded, as
FTS5's ``remove_diacritics``), where the ``unaccent`` extension is available (it comes with
``postgresql-contrib``; without it, accents count). A ``tsvector`` column kept by the database
(generated, stored): title weighted A, summary B, disproof C — the three columns FTS5 indexes —
and a GIN index on it. See ``disproof.store.fulltext``.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

#: The token types of words (ASCII or not, hyphenated or not, with digits or not).
WORD_TOKENS = (
    "asciiword, word, numword, asciihword, hword, numhword, "
    "hword_asciipart, hword_part, hword_numpart"
)
SEARCH = """ALTER TABLE cases ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('disproof_text'::regconfig, title), 'A')
    || setweight(to_tsvector('disproof_text'::regconfig, summary), 'B')
    || setweight(to_tsvector('disproof_text'::regconfig, disproof), 'C')) STORED"""


def _unaccent_available(bind: sa.Connection) -> bool:
    query = sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'unaccent'")
    return bool(bind.execute(query).scalar())


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE TEXT SEARCH CONFIGURATION disproof_text (COPY = pg_catalog.simple)")
    if _unaccent_available(bind):
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION disproof_text ALTER MAPPING FOR {WORD_TOKENS} "
            "WITH unaccent, simple"
        )
    else:
        logger.warning(
            "the PostgreSQL extension unaccent is not installed (postgresql-contrib): "
            "full-text search will tell accented letters from plain ones"
        )
    op.execute(SEARCH)
    op.execute("CREATE INDEX ix_cases_search ON cases USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_cases_search")
    op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS search")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS disproof_text")
