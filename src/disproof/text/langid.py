"""Language identification of claims, posts and articles.

``detect_language`` wraps the naive-Bayes model that ships inside ``py3langid``
(no download) and adds what claim matching needs:

* **Normalised probabilities.** The model is loaded with ``norm_probs=True``; the
  confidence is a probability in ``0..1``.
* **A candidate set.** By default only the ~35 languages of the EUvsDisinfo database
  (:data:`DEFAULT_LANGUAGES`) can be returned; the model ranks all of its languages and
  the probabilities of the candidates are renormalised (the same as a softmax over the
  candidates alone).  When less than ``2 %`` of the probability mass falls on the
  candidates the text is in some other language and ``"und"`` is returned.  Pass
  ``languages=None`` to allow every language of the model.
* **Abstaining.** Text with fewer than three words (after URLs, e-mail addresses,
  @mentions, hashtags and digits are removed), or whose best guess is below
  ``min_confidence``, gets the code ``"und"`` with a low confidence instead of a wild
  guess.  Scripts written without spaces (Chinese, Japanese, Thai...) count characters
  instead of words.
* **Function words.** When the model's best probability is below ``0.9`` (typical of
  short claims), each probability with a stop-word list (en ru uk de fr pl cs es it sk
  bg) is multiplied by ``1 + hits`` (stop words of that language in the text, at most
  3) and the ranking renormalised: "The US biolabs in Ukraine" is English.
* **Character evidence for close relatives.** When the best probability is still below
  ``0.9``, letters that only some languages use break the tie among the contenders:
  Ukrainian і ї є ґ, Belarusian ў, Russian ы э ё, Bulgarian ъ used as a vowel, Serbian
  ђ ћ, Macedonian ѓ ќ ѕ, Kazakh ә ғ қ ң ө ұ ү һ, Czech ě ř ů, Slovak ä ľ ĺ ŕ ô, plus a
  few function words (Czech "jsou", "se" / Slovak "sú", "sa").  A contender whose
  alphabet lacks a letter that the text uses is dropped (Russian has no ї; Ukrainian
  has no ы).  The table is ``langid.json``.

Codes are ISO 639-1 where the language has one (the model's "arz"/"ary" fold into
"ar", "nn" into "no" when "nn" is not a candidate).  The model is loaded lazily, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from disproof.text._tables import load_table, section, string_list
from disproof.text.lexicon import stopword_languages, stopwords

__all__ = [
    "DEFAULT_LANGUAGES",
    "UNDETERMINED",
    "LanguageGuess",
    "detect_language",
]

UNDETERMINED = "und"

#: Languages of the EUvsDisinfo database: the default candidate set.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "ru", "uk", "de", "fr", "es", "it", "pl", "cs", "sk", "bg", "hu", "ro", "sr",
    "hr", "bs", "mk", "sl", "lt", "lv", "et", "fi", "sv", "no", "da", "nl", "el", "ka",
    "hy", "az", "kk", "be", "ar", "tr", "pt",
)  # fmt: skip

MIN_WORDS = 3
MIN_UNSPACED_CHARS = 6
DEFAULT_MIN_CONFIDENCE = 0.35
WEAK_CONFIDENCE = 0.9
MIN_CANDIDATE_MASS = 0.02
MAX_SAMPLE_CHARS = 20_000
_CONTENDER_FLOOR = 0.01
_CONTENDERS = 5
_EVIDENCE_CAP = 0.9
_MAX_STOPWORD_HITS = 3
_NEGLIGIBLE_REST = 0.9999

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"\S*@\S+|#\S+")
_DIGITS = re.compile(r"[\d_]+")
_WORD = re.compile(r"[^\W\d_]+")
# Scripts written without spaces between words: Han, kana, Thai, Lao, Khmer, Myanmar.
_UNSPACED = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1780-\u17ff"
    r"\u1000-\u109f]"
)


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A language code (ISO 639-1, or ``"und"``) and the probability behind it."""

    code: str
    confidence: float

    @property
    def is_known(self) -> bool:
        return self.code != UNDETERMINED


class _Ranker(Protocol):
    def rank(self, text: str) -> list[tuple[str, float]]: ...


@dataclass(frozen=True, slots=True)
class _Markers:
    positive: frozenset[str]
    negative: frozenset[str]
    positive_pattern: re.Pattern[str] | None
    negative_pattern: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Rules:
    markers: dict[str, _Markers]
    aliases: dict[str, str]
    non_languages: frozenset[str]


@cache
def _model() -> _Ranker:
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    ranker: _Ranker = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return ranker


def _pattern(raw: object, words: object = ()) -> re.Pattern[str] | None:
    parts = [raw] if isinstance(raw, str) and raw else []
    if isinstance(words, list) and words:
        alternatives = "|".join(re.escape(str(word)) for word in words)
        parts.append(rf"(?<!\w)(?:{alternatives})(?!\w)")
    return re.compile("|".join(parts)) if parts else None


@cache
def _rules() -> _Rules:
    data = load_table("langid.json")
    markers = {
        code: _Markers(
            positive=frozenset(str(spec.get("positive", ""))),
            negative=frozenset(str(spec.get("negative", ""))),
            positive_pattern=_pattern(spec.get("positive_pattern"), spec.get("positive_words")),
            negative_pattern=_pattern(spec.get("negative_pattern")),
        )
        for code, spec in section(data, "markers").items()
    }
    aliases = {str(k): str(v) for k, v in section(data, "aliases").items()}
    non_languages = frozenset(string_list(data.get("non_languages", []), "non_languages"))
    return _Rules(markers, aliases, non_languages)


def _clean(text: str) -> str:
    """Remove URLs, e-mail addresses, @mentions, #hashtags and digits."""
    text = text[:MAX_SAMPLE_CHARS]
    lowered = text.lower()
    if "http" in lowered or "www." in lowered:
        text = _URL.sub(" ", text)
    if "@" in text or "#" in text:
        text = _HANDLE.sub(" ", text)
    return _DIGITS.sub(" ", text)


def _too_short(cleaned: str) -> bool:
    words = _WORD.findall(cleaned)
    if len(words) >= MIN_WORDS:
        return False
    return len(_UNSPACED.findall(cleaned)) < MIN_UNSPACED_CHARS


def _candidate_scores(
    ranked: Iterable[tuple[str, float]], languages: frozenset[str] | None, rules: _Rules
) -> dict[str, float]:
    """Model probabilities folded onto ISO codes and restricted to the candidates."""
    scores: dict[str, float] = {}
    seen = 0.0
    for label, prob in ranked:
        if seen > _NEGLIGIBLE_REST:  # sorted: what is left cannot change the answer
            break
        seen += prob
        if label in rules.non_languages:
            continue
        code = label
        if languages is None or label not in languages:
            code = rules.aliases.get(label, label)
        if languages is not None and code not in languages:
            continue
        scores[code] = scores.get(code, 0.0) + prob
    return scores


def _count(text: str, letters: frozenset[str], pattern: re.Pattern[str] | None) -> int:
    total = sum(text.count(letter) for letter in letters)
    if pattern is not None:
        total += sum(1 for _ in pattern.finditer(text))
    return total


def _with_function_words(cleaned: str, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Reweight a weak ranking by stop-word hits: ``p * (1 + hits)``, hits capped at 3."""
    words = [w for w in _WORD.findall(cleaned.casefold()) if len(w) > 1]
    weighted = []
    for code, prob in ranked:
        hits = sum(1 for w in words if w in stopwords(code)) if code in _listed() else 0
        weighted.append((code, prob * (1 + min(hits, _MAX_STOPWORD_HITS))))
    total = sum(p for _, p in weighted) or 1.0
    return sorted(((c, p / total) for c, p in weighted), key=lambda i: -i[1])


@cache
def _listed() -> frozenset[str]:
    return frozenset(stopword_languages())


def _break_tie(text: str, ranked: list[tuple[str, float]]) -> tuple[str, float] | None:
    """Pick among close contenders by letters; ``None`` when letters say nothing new."""
    rules = _rules()
    contenders = [(c, p) for c, p in ranked[:_CONTENDERS] if p >= _CONTENDER_FLOOR]
    if len(contenders) < 2 or not any(c in rules.markers for c, _ in contenders):
        return None
    lowered = text.lower()
    letters = sum(1 for ch in lowered if ch.isalpha())
    threshold = max(1, int(letters * 0.005))

    def forbidden(code: str) -> bool:
        m = rules.markers.get(code)
        return m is not None and _count(lowered, m.negative, m.negative_pattern) >= threshold

    def evidenced(code: str) -> bool:
        m = rules.markers.get(code)
        return m is not None and _count(lowered, m.positive, m.positive_pattern) >= threshold

    pool = [(c, p) for c, p in contenders if not forbidden(c)] or contenders
    pool = [(c, p) for c, p in pool if evidenced(c)] or pool
    if len(pool) == len(contenders):
        return None
    code, prob = max(pool, key=lambda item: item[1])
    share = prob / sum(p for _, p in pool)
    return code, max(prob, min(_EVIDENCE_CAP, share))


def detect_language(
    text: str,
    *,
    languages: tuple[str, ...] | None = DEFAULT_LANGUAGES,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> LanguageGuess:
    """Guess the language of ``text``; ``"und"`` when it is too short or too unclear.

    ``languages`` restricts the answer to these ISO codes (``None``: any language the
    model knows).  Never raises.
    """
    cleaned = _clean(text)
    if _too_short(cleaned):
        return LanguageGuess(UNDETERMINED, 0.0)
    candidates = frozenset(languages) if languages is not None else None
    scores = _candidate_scores(_model().rank(cleaned), candidates, _rules())
    mass = sum(scores.values())
    if mass < MIN_CANDIDATE_MASS:
        return LanguageGuess(UNDETERMINED, round(mass, 4))
    ranked = sorted(((c, p / mass) for c, p in scores.items()), key=lambda i: -i[1])
    if ranked[0][1] < WEAK_CONFIDENCE:
        ranked = _with_function_words(cleaned, ranked)
    code, confidence = ranked[0]
    if confidence < WEAK_CONFIDENCE:
        decided = _break_tie(cleaned, ranked)
        if decided is not None:
            code, confidence = decided
    confidence = round(min(1.0, confidence), 4)
    if confidence < min_confidence:
        return LanguageGuess(UNDETERMINED, confidence)
    return LanguageGuess(code, confidence)
