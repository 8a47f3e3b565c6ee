"""Select the sentences of a text that are worth checking against known false claims.

``claim_spans(text)`` works in four steps:

1. **Short input.** A text of at most 600 characters after trimming (a claim, a post),
   or one that is a single sentence, is returned whole as ONE span with score 1.0, even
   when the rules below would drop it: a user who pastes one claim gets it checked.
2. **Sentences.** Longer texts are split with
   :func:`disproof.text.sentences.split_sentences`.
3. **Boilerplate.** Sentences for which
   :func:`disproof.text.boilerplate.boilerplate_reason` gives a reason (menus, cookie
   and subscription banners, share buttons, "read more", bylines, timestamps,
   copyright, link/hashtag lines, fewer than 4 words or 20 letters, all-caps items) are
   dropped.  A sentence that occurs more than once (case, digits and punctuation
   ignored) is dropped everywhere when it has fewer than 10 words (footers, repeated
   menus) and kept only at its first occurrence otherwise.
4. **Scoring.** The rest get an explainable check-worthiness score in ``0..1``:
   ``base`` plus bonuses for a verb-like token (a small multilingual list of frequent
   verbs and auxiliaries, and per-language verb endings), named entities (capitalised
   words that are not the first word; in German, where every noun is capitalised, only
   acronyms and every third capitalised word count), numbers, claim cues ("said",
   "according to", "заявил", "по словам", "behauptet", "laut", "selon", "według",
   "podle" ...) and a typical sentence length (8-50 words); minus penalties for
   questions, imperatives ("Read...", "Подпишитесь...") and exclamations, and for very
   long sentences.  The names of the features that fired are in ``ClaimSpan.reasons``.
   Sentences scoring below ``min_score`` are dropped; when more than ``max_spans``
   remain, the best-scoring ones are kept.  Spans come back in document order.

Each span has a language: its own guess when that is confident (``>= 0.8``) or agrees
with the document, otherwise the document's language (``document_language``).
The tables live in ``claims.json``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from disproof.text._tables import load_table, string_lists
from disproof.text.boilerplate import boilerplate_reason
from disproof.text.langid import DEFAULT_LANGUAGES, UNDETERMINED, LanguageGuess, detect_language
from disproof.text.sentences import Span, split_sentences

__all__ = [
    "SHORT_INPUT_CHARS",
    "ClaimSpan",
    "ClaimWeights",
    "check_worthiness",
    "claim_spans",
    "document_language",
]

SHORT_INPUT_CHARS = 600
DEFAULT_MIN_SCORE = 0.4
SPAN_LANGUAGE_CONFIDENCE = 0.8
REPEATED_MAX_WORDS = 10

_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’-][^\W\d_]+)*")
_NON_KEY = re.compile(r"[\W\d_]+")
_CLOSING = "\"'”’»›)]}」』）"


@dataclass(frozen=True, slots=True)
class ClaimSpan:
    """A sentence worth checking: offsets into the source, score, language, reasons."""

    start: int
    end: int
    text: str
    score: float
    language: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimWeights:
    """Weights of the check-worthiness features (penalties are subtracted)."""

    base: float = 0.3
    verb: float = 0.2
    entity: float = 0.1
    max_entities: int = 2
    number: float = 0.1
    cue: float = 0.2
    length: float = 0.1
    min_length_words: int = 8
    max_length_words: int = 50
    question: float = 0.3
    imperative: float = 0.2
    exclamation: float = 0.05
    long: float = 0.1
    long_words: int = 80


@dataclass(frozen=True, slots=True)
class _Lexicon:
    cues: re.Pattern[str]
    verbs: dict[str, frozenset[str]]
    all_verbs: frozenset[str]
    verb_suffixes: dict[str, tuple[str, ...]]
    imperatives: frozenset[str]


def _words_pattern(phrases: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


@cache
def _lexicon() -> _Lexicon:
    data = load_table("claims.json")
    cues = string_lists(data.get("cues"), "cues")
    verbs = {
        lang: frozenset(w.casefold() for w in words)
        for lang, words in string_lists(data.get("verbs"), "verbs").items()
    }
    suffixes = string_lists(data.get("verb_suffixes"), "verb_suffixes")
    imperatives = string_lists(data.get("imperatives"), "imperatives")
    return _Lexicon(
        cues=_words_pattern([c for items in cues.values() for c in items]),
        verbs=verbs,
        all_verbs=frozenset(w for words in verbs.values() for w in words),
        verb_suffixes={lang: tuple(items) for lang, items in suffixes.items()},
        imperatives=frozenset(w.casefold() for ws in imperatives.values() for w in ws),
    )


def _has_verb(words: list[str], language: str, lexicon: _Lexicon) -> bool:
    verbs = lexicon.verbs.get(language, lexicon.all_verbs)
    suffixes = lexicon.verb_suffixes.get(language, ())
    for word in words:
        key = word.casefold()
        if key in verbs:
            return True
        if suffixes and len(key) >= 5 and key.endswith(suffixes):
            return True
    return False


def verb_in(words: list[str], language: str) -> bool:
    """Whether ``words`` hold a verb-like token of ``language`` (lists and endings)."""
    return _has_verb(words, language, _lexicon())


def _entities(words: list[str], language: str) -> int:
    rest = [w for w in words[1:] if len(w) > 1 and w[0].isupper()]
    if language != "de":
        return len(rest)
    acronyms = sum(1 for w in rest if w.isupper())
    return acronyms + (len(rest) - acronyms) // 3


def check_worthiness(
    sentence: str, language: str = UNDETERMINED, weights: ClaimWeights | None = None
) -> tuple[float, tuple[str, ...]]:
    """Score ``sentence`` in ``0..1`` and name the features that contributed."""
    w = weights or ClaimWeights()
    lexicon = _lexicon()
    text = sentence.strip()
    words = _WORD.findall(text)
    score, reasons = w.base, []

    def add(name: str, value: float) -> None:
        nonlocal score
        score += value
        reasons.append(name)

    upper = sum(1 for ch in text if ch.isupper())
    shouting = upper > 0.8 * max(1, sum(1 for ch in text if ch.isalpha()))
    if _has_verb(words, language, lexicon):
        add("verb", w.verb)
    entities = 0 if shouting else min(w.max_entities, _entities(words, language))
    if entities:
        add("entities", w.entity * entities)
    if any(ch.isdigit() for ch in text):
        add("number", w.number)
    if lexicon.cues.search(text):
        add("claim-cue", w.cue)
    if w.min_length_words <= len(words) <= w.max_length_words:
        add("length", w.length)
    if len(words) > w.long_words:
        add("very-long", -w.long)
    ending = text.rstrip(_CLOSING)[-1:]
    if ending in ("?", "？", "؟") or text.startswith("¿"):
        add("question", -w.question)
    elif ending in ("!", "！"):
        add("exclamation", -w.exclamation)
    if words and words[0].casefold() in lexicon.imperatives:
        add("imperative", -w.imperative)
    return round(min(1.0, max(0.0, score)), 3), tuple(reasons)


def document_language(
    text: str, *, languages: tuple[str, ...] | None = DEFAULT_LANGUAGES
) -> LanguageGuess:
    """The language of the whole text (its first 20,000 characters)."""
    return detect_language(text, languages=languages)


def _span_language(text: str, document: str, languages: tuple[str, ...] | None) -> str:
    guess = detect_language(text, languages=languages)
    if guess.is_known and (guess.code == document or guess.confidence >= SPAN_LANGUAGE_CONFIDENCE):
        return guess.code
    return document if document != UNDETERMINED else guess.code


def _key(sentence: str) -> str:
    return _NON_KEY.sub(" ", sentence.casefold()).strip()


def _whole(text: str, languages: tuple[str, ...] | None, language: str | None) -> list[ClaimSpan]:
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return []
    body = text[start:end]
    code = language or detect_language(body, languages=languages).code
    return [ClaimSpan(start, end, body, 1.0, code, ("whole-input",))]


def _candidates(
    sentences: list[Span],
    document: str,
    languages: tuple[str, ...] | None,
    min_score: float,
    weights: ClaimWeights | None,
) -> list[ClaimSpan]:
    keys = [_key(s.text) for s in sentences]
    counts = Counter(keys)
    seen: set[str] = set()
    found: list[ClaimSpan] = []
    for sentence, key in zip(sentences, keys, strict=True):
        if counts[key] > 1:
            if key in seen or len(key.split()) < REPEATED_MAX_WORDS:
                continue
            seen.add(key)
        if boilerplate_reason(sentence.text) is not None:
            continue
        language = _span_language(sentence.text, document, languages)
        score, reasons = check_worthiness(sentence.text, language, weights)
        if score >= min_score:
            found.append(
                ClaimSpan(sentence.start, sentence.end, sentence.text, score, language, reasons)
            )
    return found


def claim_spans(
    text: str,
    *,
    max_spans: int | None = 200,
    min_score: float = DEFAULT_MIN_SCORE,
    language: str | None = None,
    languages: tuple[str, ...] | None = DEFAULT_LANGUAGES,
    weights: ClaimWeights | None = None,
) -> list[ClaimSpan]:
    """The sentences of ``text`` worth checking, in document order (module docstring).

    ``language`` forces the document language (e.g. when the source is known); spans
    still get their own language when they are confidently in another one. ``max_spans``
    None keeps every span (the matcher checks a whole text).
    """
    if max_spans is not None and max_spans <= 0:
        return []
    stripped = text.strip()
    if len(stripped) <= SHORT_INPUT_CHARS:
        return _whole(text, languages, language)
    sentences = split_sentences(text)
    if len(sentences) <= 1:
        return _whole(text, languages, language)
    document = language or document_language(text, languages=languages).code
    found = _candidates(sentences, document, languages, min_score, weights)
    if max_spans is not None and len(found) > max_spans:
        best = sorted(found, key=lambda s: (-s.score, s.start))[:max_spans]
        found = sorted(best, key=lambda s: s.start)
    return found
