"""Recognise sentences that are page furniture rather than content.

``boilerplate_reason`` returns why a sentence (or line) is boilerplate, or ``None``.  The
rules are simple and their tables (``claims.json``) cover at least English, Russian,
Ukrainian, German, French, Polish and Czech; every table is applied whatever the
language of the sentence, so a German cookie banner on a Russian page is caught too.

=================  =========================================================================
reason             rule
=================  =========================================================================
``links``          at least half of the non-space characters are URLs, e-mail addresses,
                   @mentions or #hashtags
``too-short``      fewer than 4 words or fewer than 20 letters (unspaced scripts such as
                   Chinese count one word per two characters)
``navigation``     menu lines: two or more ``|`` ``•`` ``·`` ``»`` ``›`` separators with at
                   most three words between them; also "Skip to content", "Leave a comment"
``all-caps``       at most 10 words and at least 80 % of the cased letters upper case
``cookies`` ...    a pattern of a category (cookies, copyright, subscription, share,
                   read_more, navigation, credit) matches and the sentence has at most that
                   category's ``max_words`` words ("Subscribe to our newsletter", "© 2024")
``byline``         "By Jane Doe", "Автор: Иван Петров": a byline prefix, at most 9 words,
                   mostly capitalised words after it
``timestamp``      at most 12 words, a digit, and at most two words that are not dates,
                   times, month or weekday names or words like "updated", "опубликовано"
``share``          at least 60 % of the words are social-network or share-button words
=================  =========================================================================

Repetition ("lines repeated more than once") needs the whole document and is handled by
:func:`disproof.text.claims.claim_spans`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from disproof.text._tables import load_table, section, string_list, string_lists

__all__ = ["MIN_LETTERS", "MIN_WORDS", "boilerplate_reason", "count_words"]

MIN_WORDS = 4
MIN_LETTERS = 20
ALL_CAPS_MAX_WORDS = 10
_LINK_SHARE = 0.5
_SOCIAL_SHARE = 0.6

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_UNSPACED = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1780-\u17ff"
    r"\u1000-\u109f]"
)
_LINKISH = re.compile(
    r"^(?:\W*(?:https?://|www\.)\S+|\S+@\S+\.\w+|\W*[@#][\w.]+\W*|\S+\.[a-z]{2,}/\S*)$",
    re.IGNORECASE,
)
_MENU_SEPARATORS = re.compile(r"\s[|•·»›/]\s|\s*[|•·]\s*")


@dataclass(frozen=True, slots=True)
class _Category:
    name: str
    max_words: int
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Rules:
    categories: tuple[_Category, ...]
    social_words: frozenset[str]
    byline: re.Pattern[str]
    byline_max_words: int
    byline_min_capitalised: float
    byline_connectors: frozenset[str]
    timestamp: re.Pattern[str]
    timestamp_words: frozenset[str]
    timestamp_max_words: int
    timestamp_max_other_words: int


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _by_language(spec: dict[str, Any], where: str) -> list[str]:
    return [p for items in string_lists(spec.get("patterns"), where).values() for p in items]


@cache
def _rules() -> _Rules:
    data = load_table("claims.json")
    categories = tuple(
        _Category(name, int(spec["max_words"]), _alternation(_by_language(spec, name)))
        for name, spec in section(data, "boilerplate").items()
    )
    bylines = section(data, "bylines")
    stamps = section(data, "timestamps")
    stamp_words = string_lists(stamps.get("words"), "timestamps.words")
    return _Rules(
        categories=categories,
        social_words=frozenset(string_list(data.get("social_words"), "social_words")),
        byline=_alternation(_by_language(bylines, "bylines")),
        byline_max_words=int(bylines["max_words"]),
        byline_min_capitalised=float(bylines["min_capitalised"]),
        byline_connectors=frozenset(string_list(bylines.get("connectors"), "connectors")),
        timestamp=_alternation(string_list(stamps.get("patterns"), "timestamps.patterns")),
        timestamp_words=frozenset(w.casefold() for ws in stamp_words.values() for w in ws),
        timestamp_max_words=int(stamps["max_words"]),
        timestamp_max_other_words=int(stamps["max_other_words"]),
    )


def count_words(words: list[str]) -> int:
    """Words in ``words``, counting runs of unspaced script as one word per two characters."""
    total = 0
    for word in words:
        unspaced = len(_UNSPACED.findall(word))
        total += max(1, unspaced // 2) if unspaced else 1
    return total


def _link_heavy(text: str) -> bool:
    pieces = text.split()
    total = sum(len(p) for p in pieces)
    linked = sum(len(p) for p in pieces if _LINKISH.match(p))
    return total > 0 and linked / total >= _LINK_SHARE


def _menu(text: str, n_words: int) -> bool:
    separators = len(_MENU_SEPARATORS.findall(text))
    return separators >= 2 and n_words / (separators + 1) <= 3


def _all_caps(text: str, n_words: int) -> bool:
    upper = sum(1 for ch in text if ch.isupper())
    lower = sum(1 for ch in text if ch.islower())
    return n_words <= ALL_CAPS_MAX_WORDS and upper >= 0.8 * (upper + lower) and upper > 0


def _byline(text: str, n_words: int, rules: _Rules) -> bool:
    if n_words > rules.byline_max_words:
        return False
    match = rules.byline.match(text)
    if match is None:
        return False
    connectors = rules.byline_connectors
    rest = [w for w in _WORD.findall(text[match.end() :]) if w.casefold() not in connectors]
    if not rest:
        return False
    capitalised = sum(1 for w in rest if w[0].isupper())
    return capitalised / len(rest) >= rules.byline_min_capitalised


def _timestamp(text: str, n_words: int, rules: _Rules) -> bool:
    if n_words > rules.timestamp_max_words or not any(ch.isdigit() for ch in text):
        return False
    rest = rules.timestamp.sub(" ", text)
    others = [w for w in _WORD.findall(rest) if w.casefold() not in rules.timestamp_words]
    return len(others) <= rules.timestamp_max_other_words


def _social(words: list[str], rules: _Rules) -> bool:
    social = sum(1 for w in words if w.casefold() in rules.social_words)
    return social >= 2 and social / len(words) >= _SOCIAL_SHARE


def boilerplate_reason(sentence: str) -> str | None:
    """Why ``sentence`` is boilerplate (see the module docstring), or ``None``."""
    text = sentence.strip()
    if _link_heavy(text):
        return "links"
    words = [w for w in _WORD.findall(text) if not w.isdigit()]
    n_words = count_words(words)
    letters = sum(1 for ch in text if ch.isalpha())
    if n_words < MIN_WORDS or letters < MIN_LETTERS:
        return "too-short"
    if _menu(text, n_words):
        return "navigation"
    if _all_caps(text, n_words):
        return "all-caps"
    rules = _rules()
    for category in rules.categories:
        if n_words <= category.max_words and category.pattern.search(text):
            return category.name
    if _byline(text, n_words, rules):
        return "byline"
    if _timestamp(text, n_words, rules):
        return "timestamp"
    if _social(words, rules):
        return "share"
    return None
