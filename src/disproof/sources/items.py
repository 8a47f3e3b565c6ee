"""What a source yields: items (one article, post or message each) and a poll's result."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from disproof.errors import DisproofError

#: The longest text kept of one item (characters); a longer one is cut there and noted.
MAX_ITEM_CHARS = 100_000
#: The most items one poll of one source yields (a feed or drop with more is read in part).
MAX_ITEMS = 2_000


class SourceError(DisproofError):
    """One source cannot be read this time (unreachable, too large, not a feed, an XML bomb…);
    the message says why. It fails that source's poll and never the others'."""


@dataclass(frozen=True)
class FetchedItem:
    """One item as read: its link (None when it has none), title, plain text, date, language."""

    url: str | None
    title: str
    text: str
    date: dt.date | None = None
    language: str | None = None

    @property
    def content_hash(self) -> str:
        """SHA-256 of the item's words (whitespace-insensitive): the same text is one item."""
        words = " ".join(f"{self.title}\n{self.text}".split())
        return hashlib.sha256(words.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def body(self) -> str:
        """What is matched: the title (when the text does not start with it) and the text."""
        if not self.title or self.text.startswith(self.title):
            return self.text
        return f"{self.title}\n\n{self.text}" if self.text else self.title


@dataclass
class Fetched:
    """A poll's result: the items, and the validators to send next time (ETag and
    Last-Modified for HTTP; size and modification time for a local file). ``not_modified``:
    nothing changed since the validators sent. ``problems``: what was skipped, per line or
    file, without failing the source."""

    items: list[FetchedItem] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    problems: list[str] = field(default_factory=list)


def clipped(text: str, problems: list[str], where: str) -> str:
    """``text`` cut to :data:`MAX_ITEM_CHARS`, noting it in ``problems``."""
    if len(text) <= MAX_ITEM_CHARS:
        return text
    problems.append(f"{where}: {len(text):,} characters, only the first {MAX_ITEM_CHARS:,} kept")
    return text[:MAX_ITEM_CHARS]


def parse_day(value: object) -> dt.date | None:
    """A date from an ISO date or date-time string (None when there is none or it is not one)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
