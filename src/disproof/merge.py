"""Folding several records of one claim into one case (pure functions, no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeVar

from disproof.models import Appearance, Case, Link

T = TypeVar("T")


def _union(first: Iterable[T], second: Iterable[T]) -> list[T]:
    out: list[T] = []
    seen: set[object] = set()
    for item in [*first, *second]:
        marker: object = item.casefold() if isinstance(item, str) else item
        if isinstance(item, Appearance):
            marker = item.key()
        elif isinstance(item, Link):
            marker = (item.url, item.title)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def _spaced(text: str) -> str:
    return " ".join(text.split())


def _merge_text(first: str, second: str) -> str:
    """Keep ``first``; add ``second`` as a new paragraph unless it already says nothing new.

    Texts are compared with whitespace collapsed: the same disproof copied with other line
    breaks or spacing (as republished rows of the EUvsDisinfo CSV have it) is not new."""
    one, two = _spaced(first), _spaced(second)
    if not two or two in one:
        return first
    if not one or one in two:
        return second
    return f"{first}\n\n{second}"


def merge_cases(first: Case, second: Case) -> Case:
    """One case holding everything both records say about the same claim.

    Appearances, languages, countries, keywords, narratives, related cases and evidence are
    united (first record's order first); the date is the earliest; a differing disproof is
    appended as a paragraph, so nothing either record said is lost.
    """
    dates = [d for d in (first.date, second.date) if d is not None]
    appearances = _union(first.appearances, second.appearances)
    appearances.sort(key=lambda a: a.date or dt.date.max)
    extra = dict(first.extra)
    for key, value in second.extra.items():
        old = extra.get(key)
        if not old:
            extra[key] = value
            continue
        parts = old.split("; ")
        extra[key] = "; ".join(
            [*parts, *(p for p in dict.fromkeys(value.split("; ")) if p not in parts)]
        )
    return first.model_copy(
        update={
            "title": first.title or second.title,
            "summary": _merge_text(first.summary, second.summary),
            "disproof": _merge_text(first.disproof, second.disproof),
            "date": min(dates) if dates else None,
            "appearances": appearances,
            "languages": _union(first.languages, second.languages),
            "countries": _union(first.countries, second.countries),
            "keywords": _union(first.keywords, second.keywords),
            "narratives": _union(first.narratives, second.narratives),
            "related": _union(first.related, second.related),
            "evidence": _union(first.evidence, second.evidence),
            "rating": first.rating or second.rating,
            "reviewed_by": first.reviewed_by or second.reviewed_by,
            "extra": extra,
        }
    )
