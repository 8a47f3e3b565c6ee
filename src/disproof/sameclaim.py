"""Recognising one claim across sources (pure functions, no I/O).

The EUvsDisinfo full-case CSV (summary and disproof, an id derived from the text) and the case
index (the case URL as id, countries and keywords, no text) describe the same claims. Two records
are the same claim when they are *complementary* — one has a summary or disproof, the other has
neither — belong to the same dataset, the text-less one's date is one of the other's dates (its
date or an appearance's), and their titles agree once normalised (case, accents, whitespace,
punctuation and quotes ignored):

* ``title``: the same title;
* ``prefix``: the index shortens long titles to ten words and "…"; a title of at least
  :data:`MIN_PREFIX_WORDS` words that starts the other one;
* ``near``: the index often gives only the first claim of a longer title, or rewords it
  slightly; a title of at least :data:`MIN_PREFIX_WORDS` words whose words are, all but a fifth
  (:data:`NEAR_SHARE`), in the other title.

A text-less record goes with the text record it has the strongest rule with (``title`` over
``prefix`` over ``near``); one that two texts claim equally is *ambiguous* and stays a case of
its own, as does one that no rule links. A record whose id (or alias, or case URL) is a stored
case's is that case. The rules and what they find in the shared data are in docs/data.md.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from disproof.merge import merge_cases
from disproof.models import Case

#: ``extra`` key listing the other ids a merged case answers to (``; ``-separated, sorted)
ALIASES = "aliases"
#: the shortest title taken as the start of a longer one (shorter ones are too generic)
MIN_PREFIX_WORDS = 4
ELLIPSES = ("\u2026", "...")
CASE_URL = re.compile(r"^https?://(?:www\.)?euvsdisinfo\.eu/report/", re.IGNORECASE)

#: the share of a text-less record's title words the text record's title must hold (``near``)
NEAR_SHARE = 0.8

Rule = Literal["title", "prefix", "near"]
STRENGTH: dict[str, int] = {"title": 3, "prefix": 2, "near": 1}


def title_words(title: str) -> tuple[str, ...]:
    """The words of a title, case-, accent-, quote- and punctuation-insensitively; a trailing
    ellipsis (a shortened title) is dropped."""
    text = title.strip()
    for mark in ELLIPSES:
        text = text.removesuffix(mark)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return tuple(re.sub(r"[\W_]+", " ", text).split())


def same_text(first: str, second: str) -> bool:
    """Whether two texts differ at most in whitespace."""
    return first.split() == second.split()


def aliases_of(extra: Mapping[str, str]) -> list[str]:
    return [a for a in (extra.get(ALIASES) or "").split("; ") if a]


@dataclass(frozen=True)
class Claim:
    """What the rules look at in a case (cheap to build from a stored document)."""

    id: str
    title: tuple[str, ...]
    date: dt.date | None
    dates: frozenset[dt.date]
    text: bool
    dataset: str | None
    names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, case: Case) -> Claim:
        return cls.from_doc(case.model_dump(mode="json"))

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Claim:
        date = dt.date.fromisoformat(doc["date"]) if doc.get("date") else None
        dates = {
            dt.date.fromisoformat(a["date"]) for a in doc.get("appearances") or [] if a.get("date")
        }
        if date:
            dates.add(date)
        extra = doc.get("extra") or {}
        return cls(
            id=doc["id"],
            title=title_words(doc.get("title") or ""),
            date=date,
            dates=frozenset(dates),
            text=bool((doc.get("summary") or "").strip() or (doc.get("disproof") or "").strip()),
            dataset=(doc.get("source") or {}).get("dataset"),
            names=frozenset([doc["id"], *aliases_of(extra)]),
        )


def relation(first: Claim, second: Claim) -> Rule | None:
    """The rule by which two complementary records are one claim, or None."""
    if first.text == second.text or not first.dataset or first.dataset != second.dataset:
        return None
    primary, secondary = (first, second) if first.text else (second, first)
    if secondary.date is None or secondary.date not in primary.dates or not secondary.title:
        return None
    if secondary.title == primary.title:
        return "title"
    size = len(secondary.title)
    if size >= MIN_PREFIX_WORDS and size < len(primary.title):
        if primary.title[:size] == secondary.title:
            return "prefix"
    if size >= MIN_PREFIX_WORDS:
        words = set(secondary.title)
        if len(words & set(primary.title)) >= NEAR_SHARE * len(words):
            return "near"
    return None


@dataclass
class Links:
    """Which text-less records go to which texts, and which stay apart (ambiguous)."""

    #: primary id → (secondary id, rule), for each unambiguous pair
    groups: dict[str, list[tuple[str, Rule]]] = field(default_factory=dict)
    #: secondary id → the primaries that claim it equally
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


def link(claims: Iterable[Claim]) -> Links:
    """Pair every text-less record with the text record of its claim. All pairs are looked at
    together, so the outcome does not depend on which records were stored first."""
    texts: dict[dt.date, list[Claim]] = defaultdict(list)
    bare: list[Claim] = []
    for claim in claims:
        if claim.text:
            for date in claim.dates:
                texts[date].append(claim)
        elif claim.date is not None:
            bare.append(claim)
    out = Links()
    for secondary in sorted(bare, key=lambda c: c.id):
        edges: dict[str, Rule] = {}
        for primary in texts.get(secondary.date, ()) if secondary.date else ():
            rule = relation(primary, secondary)
            if rule:
                edges[primary.id] = rule
        if not edges:
            continue
        best = max(STRENGTH[r] for r in edges.values())
        top = sorted(p for p, r in edges.items() if STRENGTH[r] == best)
        if len(top) > 1:
            out.ambiguous[secondary.id] = top
        else:
            out.groups.setdefault(top[0], []).append((secondary.id, edges[top[0]]))
    return out


def _order(case: Case) -> tuple[dt.date, int, str]:
    return (case.date or dt.date.max, len(case.id), case.id)


def canonical_id(cases: Iterable[Case]) -> str:
    """The id of the merged case: the shortest (then first) EUvsDisinfo case URL any of the
    records has as id, alias or source URL; failing that the first record's id."""
    cases = list(cases)
    urls = {
        name
        for case in cases
        for name in [case.id, *aliases_of(case.extra), case.source.url or ""]
        if CASE_URL.match(name)
    }
    return min(urls, key=lambda u: (len(u), u)) if urls else cases[0].id


def _settle(merged: Case, members: list[Case]) -> Case:
    """``merged`` under the canonical id of ``members``, every other id of theirs an alias."""
    new_id = canonical_id(members)
    names = {n for case in members for n in (case.id, *aliases_of(case.extra))} - {new_id}
    extra = {k: v for k, v in merged.extra.items() if k != ALIASES}
    if names:
        extra[ALIASES] = "; ".join(sorted(names))
    source = merged.source
    if CASE_URL.match(new_id) and not source.url:
        source = source.model_copy(update={"url": new_id})
    return merged.model_copy(update={"id": new_id, "extra": extra, "source": source})


def fold(primary: Case, secondaries: Iterable[Case]) -> Case:
    """One case of a claim from its text record and its text-less records: the text, title and
    order of the text record, everything else united, under :func:`canonical_id`, with every
    other id kept as an alias. The secondaries are folded in a fixed order, so the result does
    not depend on which source was imported first."""
    parts = sorted(secondaries, key=_order)
    merged = primary
    for part in parts:
        merged = merge_cases(merged, part)
    return _settle(merged, [primary, *parts])


def refresh(stored: Case, record: Case) -> Case:
    """A stored case updated by a record it already holds (same id or an alias): a text
    record's title and text replace the stored ones (the file is the newer truth for them), the
    rest is united; a text-less record only adds what the case lacks."""
    if record.summary or record.disproof:
        merged = merge_cases(record, stored).model_copy(
            update={"title": record.title, "summary": record.summary, "disproof": record.disproof}
        )
    else:
        merged = merge_cases(stored, record)
    return _settle(merged, [stored, record])
