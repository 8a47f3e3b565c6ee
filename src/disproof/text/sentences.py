"""Rule-based, multilingual sentence splitting with exact character offsets.

``split_sentences`` returns :class:`Span` objects whose ``text`` is always
``source[start:end]`` (the web UI highlights spans by offset), so the splitter only ever
moves indices over the original string and never rewrites it.

Rules, in order:

1. **Blocks.** Blank lines always separate blocks.  A single line break separates two
   lines when the next line starts with a bullet or list number, when the first line
   ends a sentence (``. ! ? … : ;`` and the like), is short (< 50 characters: headings,
   menu items, bylines, dates) or is a title-case/all-caps heading, or when the next
   line starts with a capital letter and the text is not hard-wrapped.  Hard-wrapped
   text (most lines 35-100 characters, like e-mail or PDF text) and lines ending in a
   comma or hyphen are joined to the next line.
2. **Sentences.** Inside a block a sentence ends at ``. ! ? …`` (also ``؟ ۔ । ॥ ։ ‼``)
   plus any closing quotes/brackets, when followed by whitespace and a sentence start:
   a letter that is not lower case (so caseless scripts such as Arabic or Georgian
   count), a digit, an opening quote/bracket, or a dash that opens direct speech.
   CJK ``。！？`` end a sentence without a following space.  Because whitespace is
   required, decimals (3.5), URLs and e-mail addresses never split.  A full stop does
   not end a sentence after a known abbreviation (``sentences.json``: "Dr.", "z.B.",
   "т.е.", "г.", "tzv." ...), a single letter (initials: "V. Putin", "В. Путин"),
   letter groups like "U.S." or "e.g.", "No."/"Nr."/"ст." before a number, or a German
   ordinal date ("am 24. Februar").  An ellipsis inside an open quotation does not
   end a sentence.
3. **Length.** A sentence longer than ``max_chars`` (600) is cut at the last ``; : ,``
   (or their CJK/Arabic forms) followed by a space in the window, else at the last
   space, else hard at ``max_chars``.
4. **Trimming.** Whitespace, control and format characters are trimmed from both ends
   (the offsets move with them); spans without any letter or digit are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from disproof.text._tables import load_table, string_list, string_lists

__all__ = ["MAX_SENTENCE_CHARS", "Span", "split_sentences"]

MAX_SENTENCE_CHARS = 600
SHORT_LINE_CHARS = 50
_MIN_PIECE_FRACTION = 3  # a long sentence is never cut in its first third

_TERMINATOR = re.compile(r"([.!?…‼⁇⁈⁉؟۔।॥։።]+|[。！？｡]+)([\"'”’»›)\]}」』）〕】]*)")
_CJK_STOPS = frozenset("。！？｡")
_OPENERS = frozenset("\"'“‘„‚«‹([{¿¡「『（【")
_DASHES = frozenset("—–-")
_LINE_END = re.compile(r"[.!?…‼؟۔।॥։。！？:;][\"'”’»›)\]」』）]*$")
_BULLET = re.compile(r"(?:[-*•·‣▪▫►▸○●◦–—✓✔→»]|\d{1,3}[.)]|[A-Za-z][.)]|\(\d{1,3}\)|#{1,6})\s")
_JOINING_END = frozenset(",-‐–—(/&")
_CLAUSE_PUNCT = frozenset(";:,；：，、،؛")
_ALNUM = re.compile(r"[^\W_]")
_LETTER_GROUPS = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
_WORD = re.compile(r"[^\W\d_]+")
_TRIM_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a source text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class _Tables:
    abbreviations: frozenset[str]
    before_digit: frozenset[str]
    ordinal_months: frozenset[str]
    ordinal_context: frozenset[str]


@cache
def _tables() -> _Tables:
    data = load_table("sentences.json")
    abbreviations = {
        word.casefold()
        for words in string_lists(data.get("abbreviations"), "abbreviations").values()
        for word in words
    }

    def words(name: str) -> frozenset[str]:
        return frozenset(w.casefold() for w in string_list(data.get(name), name))

    return _Tables(
        frozenset(abbreviations),
        words("before_digit"),
        words("ordinal_months"),
        words("ordinal_context"),
    )


# --------------------------------------------------------------------------- helpers


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in _TRIM_CATEGORIES


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and _is_space(text[start]):
        start += 1
    while end > start and _is_space(text[end - 1]):
        end -= 1
    return start, end


# --------------------------------------------------------------------------- blocks


def _lines(text: str) -> list[tuple[int, int] | None]:
    """Trimmed (start, end) of every line; ``None`` for a blank line."""
    lines: list[tuple[int, int] | None] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        start, end = _trim(text, pos, pos + len(raw))
        lines.append((start, end) if start < end else None)
        pos += len(raw)
    return lines


def _is_heading(line: str) -> bool:
    words = _WORD.findall(line)
    if len(words) < 2:
        return False
    if line.isupper():
        return True
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised / len(words) >= 0.6


def _hard_wrapped(lines: list[tuple[int, int] | None]) -> bool:
    inner = [
        cur[1] - cur[0]
        for cur, nxt in zip(lines, lines[1:], strict=False)
        if cur is not None and nxt is not None
    ]
    if len(inner) < 4:
        return False
    wrapped = sum(1 for length in inner if 35 <= length <= 100)
    return wrapped / len(inner) >= 0.75


def _line_break(first: str, second: str, wrapped: bool) -> bool:
    """Does a single line break between these two (trimmed) lines separate them?"""
    if _BULLET.match(second) or _LINE_END.search(first):
        return True
    if first[-1] in _JOINING_END:
        return False
    if len(first) < SHORT_LINE_CHARS or _is_heading(first):
        return True
    starts_upper = second[0].isalpha() and not second[0].islower()
    return starts_upper and not wrapped


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    lines = _lines(text)
    wrapped = _hard_wrapped(lines)
    block: tuple[int, int] | None = None
    previous = ""
    for line in lines:
        if line is None:
            if block is not None:
                yield block
            block = None
            continue
        current = text[line[0] : line[1]]
        if block is None:
            block = line
        elif _line_break(previous, current, wrapped):
            yield block
            block = line
        else:
            block = (block[0], line[1])
        previous = current
    if block is not None:
        yield block


# --------------------------------------------------------------------------- sentences


def _sentence_start(text: str, pos: int, end: int) -> bool:
    ch = text[pos]
    if ch.isalpha():
        return not ch.islower()
    if ch.isdigit() or ch in _OPENERS:
        return True
    if ch in _DASHES:
        nxt = pos + 1
        while nxt < end and text[nxt].isspace():
            nxt += 1
        return nxt > pos + 1 and nxt < end and text[nxt].isalpha() and not text[nxt].islower()
    return False


def _token_before(text: str, stop: int, floor: int) -> str:
    """The whitespace-delimited token that ends at ``stop`` without its opening quotes."""
    begin = stop
    while begin > floor and stop - begin < 40 and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:stop].lstrip("\"'“‘„‚«‹([{")


def _word_before(text: str, stop: int, floor: int) -> str:
    pos = stop
    while pos > floor and text[pos - 1].isspace():
        pos -= 1
    return _token_before(text, pos, floor).casefold()


def _is_abbreviation(text: str, dot: int, nxt: int, floor: int) -> bool:
    """Is the full stop at ``dot`` part of an abbreviation rather than a sentence end?"""
    token = _token_before(text, dot, floor)
    if not token:
        return False
    key = token.casefold()
    tables = _tables()
    if (len(token) == 1 and token.isalpha()) or key in tables.abbreviations:
        return True
    if _LETTER_GROUPS.fullmatch(token):
        return True
    if text[nxt].isdigit():
        return key in tables.before_digit
    if token.isdigit() and len(token) <= 2:
        following = _WORD.match(text, nxt)
        month = following is not None and following.group().casefold() in tables.ordinal_months
        begin = dot - len(token)
        return month or _word_before(text, begin, floor) in tables.ordinal_context
    return False


class _QuoteTracker:
    """Counts quotation marks incrementally to tell whether a position is inside a quote."""

    _MARKS = '"«»„“”'

    def __init__(self, start: int) -> None:
        self.reset(start)

    def reset(self, start: int) -> None:
        self.pos = start
        self.counts = dict.fromkeys(self._MARKS, 0)

    def inside(self, text: str, upto: int) -> bool:
        if upto > self.pos:
            for mark in self._MARKS:
                self.counts[mark] += text.count(mark, self.pos, upto)
            self.pos = upto
        c = self.counts
        if c['"'] % 2 or c["«"] > c["»"]:
            return True
        if c["„"]:
            return c["„"] > c["“"] + c["”"]
        return c["“"] > c["”"]


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    quotes = _QuoteTracker(start)
    for match in _TERMINATOR.finditer(text, start, end):
        stop = match.end()
        marks = match.group(1)
        if marks[-1] in _CJK_STOPS:
            if stop < end:
                yield start, stop
                start = stop
                quotes.reset(stop)
            continue
        if stop >= end or not text[stop].isspace():
            continue
        nxt = stop
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt >= end or not _sentence_start(text, nxt, end):
            continue
        if marks == "." and _is_abbreviation(text, match.start(), nxt, start):
            continue
        ellipsis = "…" in marks or ".." in marks
        if ellipsis and quotes.inside(text, match.start()):
            continue
        yield start, stop
        start = nxt
        quotes.reset(nxt)
    yield start, end


def _cut_point(text: str, start: int, limit: int) -> int:
    """Where to cut a too-long sentence that starts at ``start`` (exclusive end)."""
    floor = start + (limit - start) // _MIN_PIECE_FRACTION
    space = -1
    for pos in range(limit - 1, floor, -1):
        ch = text[pos]
        if ch.isspace():
            if pos > 0 and text[pos - 1] in _CLAUSE_PUNCT:
                return pos
            if space < 0:
                space = pos
    if space > 0:
        return space
    for pos in range(floor, start, -1):
        if text[pos].isspace():
            return pos
    cut = limit
    while cut > start + 1 and unicodedata.combining(text[cut]):
        cut -= 1
    return cut


def _cut_long(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    while end - start > max_chars:
        cut = _cut_point(text, start, start + max_chars)
        yield start, cut
        start, _ = _trim(text, cut, end)
    if start < end:
        yield start, end


def split_sentences(text: str, *, max_chars: int = MAX_SENTENCE_CHARS) -> list[Span]:
    """Split ``text`` into sentence spans (see the module docstring for the rules)."""
    max_chars = max(2, max_chars)
    spans: list[Span] = []
    for block_start, block_end in _blocks(text):
        for s_start, s_end in _sentences(text, block_start, block_end):
            first, last = _trim(text, s_start, s_end)
            for start, end in _cut_long(text, first, last, max_chars):
                start, end = _trim(text, start, end)
                if start < end and _ALNUM.search(text, start, end):
                    spans.append(Span(start, end, text[start:end]))
    return spans
