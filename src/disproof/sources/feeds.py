"""RSS and Atom feeds, parsed by feedparser after a defusedxml check.

feedparser reads every RSS and Atom dialect, guesses encodings and recovers from small
mistakes, but leaves entity declarations to the XML parser underneath. So a feed is first parsed
by defusedxml, which refuses any document declaring entities (the "billion laughs" bomb and
external entities) before expanding one: such a feed fails with a clear error, unread. A feed
that is not well-formed XML is still given to feedparser (many real feeds have small mistakes);
when feedparser finds no item in it either, the source fails with the XML parser's message.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from typing import Any

from disproof.sources.html import fragment_text
from disproof.sources.items import MAX_ITEMS, FetchedItem, SourceError, clipped


def refuse_entities(data: bytes) -> str | None:
    """Raise :class:`SourceError` if ``data`` declares XML entities; returns the XML parser's
    complaint when it is not well-formed (None when it is)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceError(
            f"refused: the feed declares XML entities ({exc}); entity expansion (an 'XML bomb') "
            "is never attempted"
        ) from None
    except ParseError as exc:
        return f"not well-formed XML: {exc}"
    return None


def _day(entry: Any) -> dt.date | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if isinstance(value, time.struct_time):
            return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC).date()
    return None


def _content(entry: Any) -> str:
    contents = entry.get("content") or []
    values = [c.get("value", "") for c in contents if isinstance(c, dict)]
    best = max(values, key=len, default="")
    summary = entry.get("summary", "") or ""
    return best if len(best) >= len(summary) else summary


def parse_feed(data: bytes, language: str | None = None) -> tuple[list[FetchedItem], list[str]]:
    """The items of an RSS or Atom document, and what was skipped or cut (problems)."""
    import feedparser

    malformed = refuse_entities(data)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    entries = list(parsed.get("entries") or [])
    if not entries:
        if malformed:
            raise SourceError(malformed)
        version = parsed.get("version")
        if not version:
            raise SourceError("not an RSS or Atom feed (no feed element found)")
        return [], []
    problems = [f"recovered from: {malformed}"] if malformed else []
    feed_language = (parsed.get("feed") or {}).get("language") or language
    items: list[FetchedItem] = []
    for number, entry in enumerate(entries[:MAX_ITEMS], start=1):
        title = fragment_text(entry.get("title", "") or "")
        text = clipped(fragment_text(_content(entry)), problems, f"item {number}")
        if not (title or text):
            problems.append(f"item {number}: no title or text, skipped")
            continue
        link = (entry.get("link") or "").strip() or None
        item_language = entry.get("language") or feed_language
        items.append(FetchedItem(link, title, text, _day(entry), item_language))
    if malformed and not items:
        raise SourceError(malformed)
    if len(entries) > MAX_ITEMS:
        problems.append(f"{len(entries):,} items, only the first {MAX_ITEMS:,} read")
    return items, problems
