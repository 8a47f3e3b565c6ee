"""Table definitions. A case is kept whole as a JSON document (``cases.doc``, lossless) with the
columns search needs beside it; ``case_terms`` lists its facet values (keywords, countries,
languages, outlets, narratives, related ids) for filtering and counting. Full-text search uses an
SQLite FTS5 table kept in step by triggers (created in the migration)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(500), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("disproof", Text, nullable=False),
    Column("date", Date, nullable=True, index=True),
    Column("dataset", String(2000), nullable=True, index=True),
    Column("appearance_count", Integer, nullable=False),
    Column("doc", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: kinds of rows in ``case_terms``
TERM_KINDS = ("keyword", "country", "language", "outlet", "narrative", "related", "alias")

case_terms = Table(
    "case_terms",
    metadata,
    Column("case_pk", Integer, ForeignKey("cases.pk", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("value", String(2000), nullable=False),
    Column("value_key", String(2000), nullable=False),
    Index("ix_case_terms_kind_key", "kind", "value_key"),
)

imports = Table(
    "imports",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("file", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("format", String(50), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("merged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("joined", Integer, nullable=False, server_default=text("0")),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)

#: Embeddings of case fields ("title", "summary"), one row per case × model × field. Derived data:
#: ``text_hash`` tells whether the stored vector still belongs to the case's current text.
#: The change log of the cases (migration 0014): a row per case inserted, deleted, or updated
#: in its key or content hash, written by triggers in the same transaction, so every way of
#: writing a case is logged. ``seq`` grows in commit order (SQLite: one writer at a time;
#: PostgreSQL: stamped at commit, under a lock, by a deferred trigger — NULL until then).
#: What an index reflects is a position in this log (``disproof.store.changes``).
case_changes = Table(
    "case_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=True),
    Column("case_pk", Integer, nullable=False),
    Index("ix_case_changes_seq", "seq"),
    Index(
        "ix_case_changes_unstamped",
        "id",
        sqlite_where=text("seq IS NULL"),
        postgresql_where=text("seq IS NULL"),
    ),
)

case_vectors = Table(
    "case_vectors",
    metadata,
    Column("case_pk", Integer, ForeignKey("cases.pk", ondelete="CASCADE"), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("text_hash", String(64), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Index("ix_case_vectors_model", "model"),
)

#: API tokens: only the SHA-256 of each secret is kept. A name is unique among active tokens
#: (enforced by ``TokenRecords``); revoked and expired rows stay for the record.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

#: Web sessions (migration 0007): the SHA-256 of a signed-in browser's random session id, the
#: token it was opened with, when it was last used and when it ends whatever happens.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("session_hash", String(64), nullable=False, unique=True),
    Column("token_pk", Integer, ForeignKey("api_tokens.pk", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_web_sessions_token_pk", "token_pk"),
)

#: The history of each case: who created, changed, imported, deleted or restored it, when, and
#: the whole case after the change (``snapshot``; for a delete, the last state), numbered by the
#: case's ``version``. Kept after a case is deleted (that is how it can be restored). Rows written
#: before migration 0004 have no role, version or snapshot.
case_edits = Table(
    "case_edits",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(500), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("author", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("role", String(16), nullable=True),
    Column("version", Integer, nullable=True),
    Column("note", String(2000), nullable=True),
    Column("snapshot", JSON(none_as_null=True), nullable=True),
)

#: Facts about the stored data (key → value), e.g. the fingerprint of the narrative inference
#: mapping the derived narrative terms were computed with (``disproof.store.derived``).
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)


#: Watched sources (migration 0009): a feed, a Telegram export, a JSONL drop or a folder, with
#: its polling state — conditional-GET validators, the last success, consecutive failures and
#: the last error, and when it is next due (pushed back after each failure).
watch_sources = Table(
    "watch_sources",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("location", Text, nullable=False),
    Column("outlet", String(500), nullable=True),
    Column("language", String(16), nullable=True),
    Column("interval_seconds", Integer, nullable=False),
    Column("follow_links", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("etag", String(500), nullable=True),
    Column("last_modified", String(100), nullable=True),
    Column("last_success_at", DateTime(timezone=True), nullable=True),
    Column("last_polled_at", DateTime(timezone=True), nullable=True),
    Column("failures", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Column("next_due_at", DateTime(timezone=True), nullable=False, index=True),
    Column("items_seen", Integer, nullable=False, server_default=text("0")),
)

#: Items read from a source, each once: unique per source by URL and by content hash. An item
#: and its sightings are written in one transaction, so a crash never half-records one.
watch_items = Table(
    "watch_items",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column(
        "source_pk", Integer, ForeignKey("watch_sources.pk", ondelete="CASCADE"), nullable=False
    ),
    Column("url", String(2000), nullable=True),
    Column("content_hash", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("date", Date, nullable=True),
    Column("language", String(16), nullable=True),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source_pk", "content_hash", name="uq_watch_items_hash"),
    UniqueConstraint("source_pk", "url", name="uq_watch_items_url"),
)

#: What a sighting's status can be.
SIGHTING_STATUSES = ("new", "added", "dismissed")

#: One case an item repeats: the span that matched it best, the score and band.
sightings = Table(
    "sightings",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("item_pk", Integer, ForeignKey("watch_items.pk", ondelete="CASCADE"), nullable=False),
    Column("case_id", String(500), nullable=False, index=True),
    Column("span_start", Integer, nullable=False),
    Column("span_end", Integer, nullable=False),
    Column("span_text", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("band", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    #: When the item appeared, for surge windows (migration 0012): its publication day when
    #: that is before the day it was recorded (a feed's backlog, a source added late), else
    #: ``created_at`` (which rows that predate the column keep).
    Column("observed_at", DateTime(timezone=True), nullable=False, index=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("item_pk", "case_id", name="uq_sightings_item_case"),
    Index("ix_sightings_status_band", "status", "band"),
)

#: Dismissed (item, case) pairs, by the item's content hash and URL: the same item — again,
#: or from another source — never comes back for that case.
dismissals = Table(
    "dismissals",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(500), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("url", String(2000), nullable=True),
    Column("author", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_dismissals_hash", "content_hash", "case_id"),
    Index("ix_dismissals_url", "url", "case_id"),
)


#: Alert rules (migration 0009): sightings of a case, narrative, keyword, outlet or source at or
#: above a band, for their owner's Atom feed and, with ``webhook_url``, a signed webhook. The
#: secret signs the webhook bodies (HMAC-SHA256), so it is kept as given.
alert_rules = Table(
    "alert_rules",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("owner", String(200), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("value", String(500), nullable=False),
    Column("min_band", String(16), nullable=False),
    Column("webhook_url", String(2000), nullable=True),
    Column("secret", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # a surge rule's window and baseline (migration 0010)
    Column("options", JSON, nullable=True),
)

#: One alert per (rule, sighting), with its webhook delivery state: ``pending`` (due at
#: ``next_attempt_at``), ``delivered``, ``failed`` (gave up) or ``none`` (no webhook).
alerts = Table(
    "alerts",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("rule_pk", Integer, ForeignKey("alert_rules.pk", ondelete="CASCADE"), nullable=False),
    Column("sighting_pk", Integer, ForeignKey("sightings.pk", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivery", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("rule_pk", "sighting_pk", name="uq_alerts_rule_sighting"),
    Index("ix_alerts_delivery", "delivery", "next_attempt_at"),
)

#: The delivery log: every webhook attempt, its HTTP status or error.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("alert_pk", Integer, ForeignKey("alerts.pk", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", String(2000), nullable=True),
    Index("ix_alert_deliveries_alert_pk", "alert_pk"),
)

#: A surge alert's narrative and window (migration 0010): one per (rule, narrative, window),
#: ever; ``detail`` holds the counts, the baseline share and the test's p- and q-values. Its
#: alert points at the newest sighting of the narrative in the window.
alert_surges = Table(
    "alert_surges",
    metadata,
    Column("alert_pk", Integer, ForeignKey("alerts.pk", ondelete="CASCADE"), primary_key=True),
    Column("rule_pk", Integer, ForeignKey("alert_rules.pk", ondelete="CASCADE"), nullable=False),
    Column("narrative", String(2000), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("detail", JSON, nullable=False),
    UniqueConstraint("rule_pk", "narrative", "window_start", name="uq_alert_surges_rule_window"),
)


def case_window(
    dataset: str | None, date_from: dt.date | None, date_to: dt.date | None
) -> list[ColumnElement[bool]]:
    """Conditions on ``cases`` for one dataset and a date range (each bound inclusive; None: no
    condition), shared by search and trends."""
    out: list[ColumnElement[bool]] = []
    if dataset:
        out.append(cases.c.dataset == dataset)
    if date_from:
        out.append(cases.c.date >= date_from)
    if date_to:
        out.append(cases.c.date <= date_to)
    return out


#: Persuasion techniques found in a text (migration 0013): derived data, keyed by the sha256 of
#: the text and the id of the model file (``disproof.techniques.loaded.model_id``), so each case
#: text is read once per model; a changed text or a new model simply misses. ``spans`` is the
#: JSON list of ``{"technique", "start", "end", "score"}``. Never copied or exported.
technique_results = Table(
    "technique_results",
    metadata,
    Column("text_hash", String(64), primary_key=True),
    Column("model_id", String(64), primary_key=True),
    Column("spans", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
