"""The vocabulary of monitoring: watched sources, the items read from them, sightings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from disproof.normalize import normalize_language

#: Kinds of source: a feed (RSS or Atom, by URL or file), a Telegram Desktop JSON export, a JSONL
#: drop (one ``{"id", "text", "url", "date", "outlet", "lang"}`` per line), a folder of
#: ``.txt``/``.html`` files.
SourceKind = Literal["rss", "atom", "telegram", "jsonl", "folder"]
SOURCE_KINDS: tuple[str, ...] = ("rss", "atom", "telegram", "jsonl", "folder")
Band = Literal["confirmed", "suggested"]
Status = Literal["new", "added", "dismissed"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: The shortest and longest time between two polls of a source.
MIN_INTERVAL = 10
MAX_INTERVAL = 7 * 24 * 3600


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceCreate(_Model):
    """A source to watch, as the command line, the API and the admin page give it."""

    name: str = Field(description="Letters, digits, '.', '_' or '-'; unique.")
    kind: SourceKind
    location: str = Field(
        min_length=1, max_length=2048, description="An http(s) URL (feeds) or a local path."
    )
    outlet: str | None = Field(default=None, max_length=500)
    language: str | None = Field(default=None, max_length=100, description="A language hint.")
    interval_seconds: int = Field(default=900, ge=MIN_INTERVAL, le=MAX_INTERVAL)
    follow_links: bool = Field(
        default=False,
        description="Feeds only: fetch the page each new entry links to and match its main "
        "text (many feeds carry a teaser only); the entry's own text is matched when the page "
        "cannot be read.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a name is 1-100 letters, digits, '.', '_' or '-' (no spaces)")
        return value

    @field_validator("language", mode="after")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return (normalize_language(value) or value.strip().lower()) if value else None

    @field_validator("outlet", mode="after")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("location", mode="after")
    @classmethod
    def _location(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the location is blank: give an http(s) URL or a local path")
        return value.strip()

    @model_validator(mode="after")
    def _links_of_feeds(self) -> SourceCreate:
        if self.follow_links and self.kind not in ("rss", "atom"):
            raise ValueError(
                f"follow_links is for feeds (rss, atom): a {self.kind} source's items carry "
                "their whole text"
            )
        return self


class WatchedSource(SourceCreate):
    """A source with its polling state."""

    created_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None
    last_success_at: dt.datetime | None = None
    last_polled_at: dt.datetime | None = None
    failures: int = 0
    last_error: str | None = None
    next_due_at: dt.datetime
    items_seen: int = 0

    @property
    def failing(self) -> bool:
        """Whether its last poll failed (it is retried with backoff)."""
        return self.failures > 0


class SightingSpan(_Model):
    start: int
    end: int
    text: str


class Sighting(_Model):
    """An item from a watched source that repeats a known case: which span, how sure (score,
    band), and what an analyst decided (status)."""

    id: int
    case_id: str
    case_title: str | None = None
    score: float
    band: str
    span: SightingSpan
    status: str
    source: str
    outlet: str | None = None
    url: str | None = None
    title: str
    date: dt.date | None = None
    language: str | None = None
    created_at: dt.datetime
    decided_by: str | None = None
    decided_at: dt.datetime | None = None


class SightingQuery(_Model):
    """Which sightings to list (every filter optional): confirmed first, then suggested."""

    status: Status | None = "new"
    source: str | None = None
    language: str | None = None
    case_id: str | None = None
    narrative: str | None = None
    band: Band | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class SightingPage(_Model):
    total: int
    offset: int
    results: list[Sighting]


# -- alerts ----------------------------------------------------------------------------------

AlertKind = Literal["case", "narrative", "keyword", "outlet", "source", "surge"]
ALERT_KINDS: tuple[str, ...] = ("case", "narrative", "keyword", "outlet", "source", "surge")


class SurgeOptions(_Model):
    """A surge rule's windows: the current window (``window_hours`` long, aligned to the
    epoch in UTC) against the ``baseline_days`` before it, tested as emerging narratives are
    (binomial test on the narrative's share of sightings, Benjamini–Hochberg at ``alpha``)."""

    window_hours: int = Field(default=24, ge=1, le=7 * 24)
    baseline_days: int = Field(default=28, ge=1, le=365)
    alpha: float = Field(default=0.05, gt=0.0, le=0.5)
    min_count: int = Field(default=5, ge=1, le=10_000)


class AlertRuleCreate(_Model):
    """An alert rule: sightings whose case (``case``: its id; ``narrative``: one of its
    narratives; ``keyword``: one of its keywords, or the word in the item's text), ``outlet``
    (the source's outlet or the item's host) or ``source`` (its name) is ``value``, at
    ``min_band`` or above; or (``surge``) a narrative — ``value``, or any when empty — whose
    share of the sightings rose above its baseline (see :class:`SurgeOptions`). With
    ``webhook_url`` each alert is also POSTed there, signed with ``secret`` (HMAC-SHA256)."""

    name: str = Field(description="Letters, digits, '.', '_' or '-'; unique.")
    kind: AlertKind
    value: str = Field(
        default="", max_length=500, description="Required, except for surge (every narrative)."
    )
    min_band: Band = "suggested"
    webhook_url: str | None = Field(default=None, max_length=2000)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    surge: SurgeOptions | None = Field(default=None, description="Only for kind surge.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return SourceCreate._name(value)

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("a webhook is an http(s) URL")
        return value or None

    @model_validator(mode="after")
    def _signed(self) -> AlertRuleCreate:
        if self.webhook_url and not self.secret:
            raise ValueError("a webhook needs a secret (16+ characters) to sign its bodies")
        self.value = self.value.strip()
        if self.kind == "surge":
            self.surge = self.surge or SurgeOptions()
        elif self.surge is not None:
            raise ValueError("surge options are for surge rules only")
        elif not self.value:
            raise ValueError(f"a {self.kind} rule needs a value")
        return self


class AlertRule(_Model):
    name: str
    owner: str
    kind: str
    value: str
    min_band: str
    webhook_url: str | None = None
    has_secret: bool = False
    created_at: dt.datetime
    surge: SurgeOptions | None = None


class Surge(_Model):
    """Why a surge alert was raised: the narrative's sightings in the window and in the
    baseline, the totals of each, the baseline share, and the test's p- and q-values."""

    narrative: str
    window_start: dt.datetime
    window_end: dt.datetime
    baseline_start: dt.datetime
    recent: int
    baseline: int
    recent_total: int
    baseline_total: int
    baseline_share: float
    expected: float
    rate_ratio: float | None = None
    p_value: float
    q_value: float


class Alert(_Model):
    """A sighting one rule picked, and how its webhook delivery went."""

    id: int
    rule: str
    created_at: dt.datetime
    delivery: str
    attempts: int
    sighting: Sighting
    surge: Surge | None = Field(
        default=None,
        description="For a surge: the counts and the test; the sighting is the "
        "narrative's newest in the window.",
    )
