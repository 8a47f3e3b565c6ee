"""Case text to safe HTML: paragraphs with links, highlighted spans, excerpts, JSON-LD.

Case text is hostile input. Everything here builds markup from *escaped pieces*: text is split
first (by offsets or by a URL pattern) and each piece is escaped on its own; markup is never
produced by replacing strings inside HTML.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from disproof.web.urls import web_url

_URL = re.compile(r"https?://[^\s<>\"'\u00a0]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"»”’"
_PARAGRAPH = re.compile(r"\n\s*\n")
LINK_REL = "nofollow noopener noreferrer"


def _split_url(found: str) -> tuple[str, str]:
    """A URL found in prose, without the punctuation that ends the sentence around it."""
    url = found
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # a balanced parenthesis belongs to the URL (Wikipedia links)
        url = url[:-1]
    return url, found[len(url) :]


def external_link(url: str, label: str | None = None) -> Markup:
    """``<a>`` to an untrusted http(s) URL (escaped, ``rel`` set); plain text for anything else."""
    href = web_url(url)
    text = escape(label if label is not None else url)
    if href is None:
        return Markup(text)
    return Markup('<a href="{}" rel="{}">{}</a>').format(href, LINK_REL, text)


def linkify(text: str) -> Markup:
    """Escaped ``text`` with its http(s) URLs as links; single newlines become ``<br>``."""
    out: list[Markup] = []
    cursor = 0
    for found in _URL.finditer(text):
        url, rest = _split_url(found.group())
        out.append(escape(text[cursor : found.start()]))
        out.append(external_link(url) if url else escape(""))
        out.append(escape(rest))
        cursor = found.end()
    out.append(escape(text[cursor:]))
    return Markup("").join(out).replace("\n", Markup("<br>\n"))


def paragraphs(text: str) -> list[Markup]:
    """``text`` split at blank lines into linkified paragraphs (empty ones dropped)."""
    return [linkify(p.strip()) for p in _PARAGRAPH.split(text) if p.strip()]


_JSON_IN_HTML = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def json_for_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` element: ``<``, ``>`` and ``&`` are
    ``\\u`` escapes (still the same JSON), so ``</script>`` in case text cannot end the element."""
    return Markup(json.dumps(data, ensure_ascii=False).translate(_JSON_IN_HTML))


@dataclass(frozen=True)
class Segment:
    """A piece of the checked text: plain, or a highlighted span linked to a match card."""

    text: str
    mark: int | None = None  # number of the highlighted span (1-based), None for plain text
    card: int | None = None  # number of the card the mark links to
    band: str | None = None


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    card: int
    band: str


def segments(text: str, highlights: list[Highlight]) -> list[Segment]:
    """``text`` cut into plain and highlighted segments by character offsets.

    Highlights are taken in order of their start; one that overlaps an earlier one is clipped
    to begin where that one ends (and dropped if nothing is left), so segments never nest.
    Offsets outside the text are clamped.
    """
    out: list[Segment] = []
    cursor = 0
    number = 0
    for h in sorted(highlights, key=lambda h: (h.start, h.end)):
        start = max(cursor, min(h.start, len(text)))
        end = max(start, min(h.end, len(text)))
        if end <= start:
            continue
        if start > cursor:
            out.append(Segment(text[cursor:start]))
        number += 1
        out.append(Segment(text[start:end], mark=number, card=h.card, band=h.band))
        cursor = end
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out
