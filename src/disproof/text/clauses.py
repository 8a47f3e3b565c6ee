"""Split a sentence that makes several claims into its clauses, with exact offsets.

"The protests in Kazakhstan are a Western-organised colour revolution, and Ukraine is stacking
military equipment in Donbas" makes two claims; matched as one span, the known case of either
half scores worse than a case that half-resembles both. :func:`split_clauses` cuts

- at ``;`` (both sides need only :data:`MIN_WORDS` words);
- before a coordinating conjunction that follows a comma (", and", ", but", ", while", "; и",
  ", а", ", но", ", und", ", mais", ", ma", ", ale", ", pero" …) and, for the plain "and/but"
  of each language (``bare`` in ``clauses.json``), also without a comma when the words after
  it, up to the next comma or dash, hold a verb (Cyrillic "и/і/та" only after a comma: they
  join names far more often than clauses);
- before a conjunction that gives a reason ("because", "потому что", "бо", "weil", "parce
  que", "perché", "ponieważ", "porque" …): "X because Y" is two claims, X and Y.

A cut is made only when both sides look like clauses: at least :data:`MIN_WORDS` words and a
verb (the check-worthiness verb lists and endings plus ``clauses.json``'s), so "Donetsk and
Luhansk were shelled" or "bread and circuses" stay whole. The conjunction (and the comma before
it) belongs to neither clause; each clause is ``text[start:end]`` with no outer spaces or
trailing commas. Languages: en, ru, uk, de, fr, it, pl, es, cs, bg, pt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from disproof.text._tables import load_table, string_lists
from disproof.text.claims import ClaimSpan, claim_spans, verb_in
from disproof.text.sentences import Span, split_sentences

__all__ = ["MAX_CHARS", "MIN_WORDS", "claim_clauses", "split_clauses"]

#: Fewest words on either side of a cut.
MIN_WORDS = 4
#: A "sentence" longer than this is not prose (a list, a dump): it is not cut.
MAX_CHARS = 2_000

_WORD = re.compile(r"[^\W_][^\W_]*(?:['’-][^\W_]+)*")
_TRIM = " \t\n\r,;:—–-"
_PAUSE = re.compile(r"[,;:()]|\s[—–-]\s")


@dataclass(frozen=True, slots=True)
class _Rules:
    cuts: re.Pattern[str]
    verbs: frozenset[str]
    suffixes: tuple[str, ...]
    #: Endings that do not make the words after a bare conjunction a clause ("and the price
    #: of heating": a noun; "and USSR vying for influence": a participle).
    nonfinite: tuple[str, ...]
    #: Words (reporting verbs, "that") after which a bare "and" joins the reported subject.
    complement_markers: frozenset[str]


def _alternatives(words: list[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


@cache
def _rules(language: str) -> _Rules | None:
    data = load_table("clauses.json")
    coordinators = string_lists(data.get("coordinators"), "coordinators").get(language)
    if not coordinators:
        return None
    bare = string_lists(data.get("bare"), "bare").get(language, [])
    subordinators = string_lists(data.get("subordinators"), "subordinators").get(language, [])
    # each cut starts right after a non-space (so a run of spaces is tried once, not at each of
    # its characters) and has one way to match spaces around a comma: linear on hostile text
    parts = [r"(?P<semi>(?<!\s)\s*;\s*)"]
    parts.append(rf"(?P<coord>(?<!\s)\s*,\s*(?:{_alternatives(coordinators)})(?!\w)\s*)")
    if bare:
        parts.append(rf"(?P<bare>(?<!\s)\s+(?:{_alternatives(bare)})\s+)")
    if subordinators:
        subs = _alternatives(subordinators)
        parts.append(rf"(?P<sub>(?<!\s)(?:\s*,\s*|\s+)(?:{subs})(?!\w)\s*)")
    verbs = string_lists(data.get("verbs"), "verbs").get(language, [])
    suffixes = string_lists(data.get("verb_suffixes"), "verb_suffixes").get(language, [])
    nonfinite = string_lists(data.get("nonfinite_suffixes"), "nonfinite_suffixes")
    return _Rules(
        cuts=re.compile("|".join(parts), re.IGNORECASE),
        verbs=frozenset(v.casefold() for v in verbs),
        suffixes=tuple(suffixes),
        nonfinite=tuple(nonfinite.get(language, [])),
        complement_markers=_words(data, "complement_markers", language),
    )


def _words(data: dict[str, object], key: str, language: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in string_lists(data.get(key), key).get(language, []))


def _clause_like(
    text: str, language: str, rules: _Rules, *, semicolon: bool = False, finite: bool = False
) -> bool:
    """Whether ``text`` looks like a clause: enough words and a verb (``finite``: not one
    known only by a ``rules.nonfinite`` ending)."""
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return False
    if semicolon or verb_in(words, language):
        return True
    suffixes = tuple(s for s in rules.suffixes if not (finite and s in rules.nonfinite))
    for word in words[1:]:  # the first word is often a capitalised name or a conjunction
        key = word.casefold()
        if key in rules.verbs or (len(key) >= 5 and key.endswith(suffixes or ("\0",))):
            return True
    return False


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def split_clauses(text: str, language: str, *, offset: int = 0) -> list[Span]:
    """The clauses of one sentence ``text`` (offsets shifted by ``offset``, so that a sentence
    cut from a document gives offsets into the document). A sentence that is one clause, or in
    a language without rules, comes back whole (trimmed)."""
    start, end = _trimmed(text, 0, len(text))
    if start == end:
        return []
    rules = _rules(language) if end - start <= MAX_CHARS else None
    pieces: list[tuple[int, int]] = []
    if rules is not None:
        left = start
        for cut in rules.cuts.finditer(text, start, end):
            if cut.start() <= left:
                continue
            head = _trimmed(text, left, cut.start())
            tail = _trimmed(text, cut.end(), end)
            semicolon = cut.lastgroup == "semi"
            if not _clause_like(text[head[0] : head[1]], language, rules, semicolon=semicolon):
                continue
            if not _clause_like(text[tail[0] : tail[1]], language, rules, semicolon=semicolon):
                continue
            if cut.lastgroup in ("coord", "bare") and _shares_subject(text, tail, language):
                continue
            if cut.lastgroup == "bare" and not _bare_cut(text, head, tail, language, rules):
                continue
            pieces.append(head)
            left = tail[0]
        pieces.append(_trimmed(text, left, end))
    else:
        pieces.append((start, end))
    return [Span(a + offset, b + offset, text[a:b]) for a, b in pieces if b > a]


def _shares_subject(text: str, tail: tuple[int, int], language: str) -> bool:
    """Whether the words after a coordinator start with a verb: they then share the first
    clause's subject ("… asked a court to ban Meta, and was told …"), not a claim of their own."""
    first = _WORD.match(text, tail[0], tail[1])
    return first is not None and verb_in([first.group()], language)


def _bare_cut(
    text: str, head: tuple[int, int], tail: tuple[int, int], language: str, rules: _Rules
) -> bool:
    """Whether a bare "and/but" (no comma) between ``head`` and ``tail`` joins two clauses:
    the tail's own words (up to the next comma or dash) hold a verb that is not an -ing word
    ("and the price of heating"), and the conjunction does not join the subject of reported
    speech ("said Russia and China should …")."""
    stop = _PAUSE.search(text, tail[0], tail[1])
    if not _clause_like(
        text[tail[0] : stop.start() if stop else tail[1]], language, rules, finite=True
    ):
        return False
    before = _WORD.findall(text, head[0], head[1])
    return not any(w.casefold() in rules.complement_markers for w in before[-3:])


def _within_sentences(span: ClaimSpan) -> list[Span]:
    """The clauses of a short input checked whole (a post of a few sentences), each inside
    one sentence: a cut at "and" must not make a piece of one sentence's end and the next
    one's start ("…local officials. According to … winter")."""
    return [
        piece
        for sentence in split_sentences(span.text)
        for piece in split_clauses(sentence.text, span.language, offset=span.start + sentence.start)
    ]


def claim_clauses(
    text: str, *, language: str | None = None, max_spans: int | None = 200
) -> tuple[list[ClaimSpan], bool]:
    """The claim spans of ``text`` (:func:`disproof.text.claim_spans`, at most ``max_spans``
    of them, None: all), each cut into its clauses, and whether ``text`` is a long text (more
    than one short input). A clause keeps its sentence's score, language and reasons, plus
    "clause" when the sentence was cut."""
    spans = claim_spans(text, language=language, max_spans=max_spans)
    long = not (len(spans) == 1 and "whole-input" in spans[0].reasons)
    out: list[ClaimSpan] = []
    for span in spans:
        pieces = split_clauses(span.text, span.language, offset=span.start)
        if len(pieces) > 1 and not long:
            # a short post: its clauses within their sentences, and the post whole as well
            # (a clause alone may lack what names its subject; see docs/benchmarks.md,
            # "Short posts: clauses within sentences, and the post whole")
            pieces = _within_sentences(span)
            out.append(span)
        reasons = span.reasons + (("clause",) if len(pieces) > 1 else ())
        out += [
            ClaimSpan(p.start, p.end, p.text, span.score, span.language, reasons) for p in pieces
        ]
    return out, long
