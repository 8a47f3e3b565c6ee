"""Technique spans as people see them: numbered, with the technique's display name, family and
definition and the passage they cover. What the web pages, reports and the API show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from disproof.excerpts import excerpt
from disproof.techniques.taxonomy import technique_info

#: Said wherever technique labels are shown.
NOTE = "Technique labels are model output, not an analyst's judgement."
#: Longest passage quoted for one span (characters; cut at a word with an ellipsis).
MAX_QUOTE = 400


class SpanLike(Protocol):
    """A :class:`~disproof.techniques.TechniqueSpan` or a :class:`StoredSpan`."""

    @property
    def technique(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def score(self) -> float: ...


@dataclass(frozen=True)
class StoredSpan:
    """A span read back from the cache of results (:mod:`disproof.techniques.cached`)."""

    technique: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class ShownSpan:
    """``text[start:end]`` (``quote``, whitespace collapsed and cut to :data:`MAX_QUOTE`) uses
    ``technique`` in the model's view. ``number`` numbers the *passages* from 1 in text order:
    spans of several techniques over the same passage share it."""

    number: int
    technique: str
    name: str
    category: str
    definition: str
    start: int
    end: int
    score: float
    quote: str


def shown_spans(text: str, spans: Iterable[SpanLike]) -> list[ShownSpan]:
    """``spans`` in text order, their passages numbered from 1, with what a reader needs;
    offsets are clamped to ``text``, empty spans dropped."""
    out: list[ShownSpan] = []
    numbers: dict[tuple[int, int], int] = {}
    for span in sorted(spans, key=lambda s: (s.start, s.end, s.technique)):
        start = max(0, min(span.start, len(text)))
        end = max(start, min(span.end, len(text)))
        if end == start:
            continue
        number = numbers.setdefault((start, end), len(numbers) + 1)
        info = technique_info(span.technique)
        out.append(
            ShownSpan(
                number=number,
                technique=span.technique,
                name=info.display,
                category=info.category,
                definition=info.definition,
                start=start,
                end=end,
                score=float(span.score),
                quote=excerpt(text[start:end], MAX_QUOTE),
            )
        )
    return out


def passages(spans: Iterable[ShownSpan]) -> list[list[ShownSpan]]:
    """:func:`shown_spans` grouped by passage (its ``number``), in order."""
    groups: dict[int, list[ShownSpan]] = {}
    for span in spans:
        groups.setdefault(span.number, []).append(span)
    return [groups[n] for n in sorted(groups)]


def counts(spans: Iterable[ShownSpan]) -> list[tuple[str, str, int]]:
    """(display name, definition, passages) per technique found, most frequent first."""
    found: dict[str, list[ShownSpan]] = {}
    for span in spans:
        found.setdefault(span.technique, []).append(span)
    rows = [(group[0].name, group[0].definition, len(group)) for group in found.values()]
    return sorted(rows, key=lambda row: (-row[2], row[0]))
