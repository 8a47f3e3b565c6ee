"""Language-aware analysis of text into index terms for BM25.

``Analyzer().tokens(text, language)`` turns text into a list of terms:

1. **Language.** A known language can be passed ("en", "ru", "en-GB" -> "en"); when it
   is ``None`` or "und" the language is detected per text with
   :func:`disproof.text.langid.detect_language`, and when that abstains the analyzer's
   ``fallback_language`` is used (``None``: no stemming and no stop words).
2. **Normalisation.** NFKC, then case folding ("Straße" -> "strasse"), Cyrillic ё -> е
   (й is kept), typographic apostrophes and hyphens made ASCII.
3. **Tokens.** Runs of letters and digits.  Hyphenated words are split ("pro-Russian"
   -> "pro", "russian") except where a letter part is followed by a digit part, which
   are joined so that identifiers stay whole and agree across spellings: "COVID-19",
   "covid19" -> "covid19"; "MH-17", "MH17" -> "mh17"; "Су-25" -> "су25".  ("covid 19"
   with a space stays two tokens.)  Apostrophes: French/Italian elisions are dropped
   ("l'Ukraine" -> "ukraine"), English clitics are dropped ("Russia's" -> "russia",
   "don't" -> "don", a stop word), anything else is joined ("м'ясо" -> "мясо",
   "O'Brien" -> "obrien").  Runs of Chinese/Japanese/Thai script become one token per
   character.  Tokens shorter than ``min_length`` (2) or longer than 64 characters are
   dropped, except single CJK characters.
4. **Stop words** (``stopwords.json``, written for disproof, 100-230 words each): en ru
   uk de fr pl cs es it, plus sk and bg.  Forms without diacritics are stop words too
   ("ze" as well as "że"), since users often type without them.
5. **Stemming** (:mod:`disproof.text.stemming`): Snowball for en ru de fr es it pt nl
   sv no da fi hu ro tr el ar hy lt et pl cs sr (sk via Czech, hr/bs via Serbian); a
   light suffix stripper for uk and bg; none for the rest.  Only tokens in the
   language's own script are stemmed (an English word inside a Russian text is not put
   through the Russian stemmer).
6. **Diacritics** are removed after stemming (stemmers need them) from every script
   except Cyrillic: "élections" -> "elect", "sankcí" -> "sankk"; Greek accents and
   Arabic vowel marks go too.  "ł" -> "l", "ø" -> "o", "æ" -> "ae", "đ" -> "d".

Per-token work (stop word test, stemming, folding) is memoised with
``functools.lru_cache``, so a corpus is analysed at roughly regex speed.  The
analysis is deterministic: the same text and language always give the same terms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from disproof.text._tables import load_table, section, string_list, string_lists
from disproof.text.chars import WORD_CHAR
from disproof.text.langid import DEFAULT_LANGUAGES, UNDETERMINED, detect_language
from disproof.text.lexicon import fold_diacritics, stopwords
from disproof.text.stemming import stemmer_for

__all__ = ["Analyzer"]

MAX_TOKEN_CHARS = 64
_NO_LANGUAGE = frozenset({"", UNDETERMINED, "mul", "zxx", "mis"})

_NORMALISE = str.maketrans(
    {
        "ё": "е",
        **dict.fromkeys("\u2019\u2018\u02bc\u02bb\u0060\u00b4\u2032\uff07", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d", "-"),
    }
)
_PART = f"[^\\W_]{WORD_CHAR}*"  # a word starts with a letter or digit; marks may follow
_TOKEN = re.compile(f"{_PART}(?:'{_PART})*(?:-{_PART}(?:'{_PART})*)*")
_UNSPACED = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1780-\u17ff"
    r"\u1000-\u109f]"
)
_SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "latin": ((0x41, 0x24F), (0x1E00, 0x1EFF)),
    "cyrillic": ((0x400, 0x52F), (0x1C80, 0x1C8F)),
    "greek": ((0x370, 0x3FF), (0x1F00, 0x1FFF)),
    "arabic": ((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF)),
    "armenian": ((0x530, 0x58F),),
    "georgian": ((0x10A0, 0x10FF), (0x1C90, 0x1CBF)),
    "hebrew": ((0x590, 0x5FF),),
    "devanagari": ((0x900, 0x97F),),
    "tamil": ((0xB80, 0xBFF),),
}


@cache
def _script_of_language(language: str) -> str:
    scripts = string_lists(section(load_table("analysis.json"), "scripts"), "scripts")
    for script, languages in scripts.items():
        if language in languages:
            return script
    return "latin"


def _script_of(token: str) -> str:
    for ch in token:
        if ch.isalpha():
            point = ord(ch)
            for script, ranges in _SCRIPT_RANGES.items():
                if any(low <= point <= high for low, high in ranges):
                    return script
            return "other"
    return "none"


@cache
def _apostrophes() -> tuple[frozenset[str], frozenset[str]]:
    data = load_table("analysis.json")
    return (
        frozenset(string_list(data.get("elisions"), "elisions")),
        frozenset(string_list(data.get("clitics"), "clitics")),
    )


def _resolve_apostrophe(token: str) -> str:
    elisions, clitics = _apostrophes()
    parts = token.split("'")
    while len(parts) > 1 and parts[0] in elisions:
        del parts[0]
    if len(parts) == 2 and parts[1] in clitics:
        return parts[0]
    return "".join(parts)


def _split_compound(token: str) -> list[str]:
    """Split on hyphens (joining letter-digit pairs) and resolve apostrophes."""
    pieces: list[str] = []
    for part in token.split("-"):
        if pieces and part[:1].isdigit() and pieces[-1][-1:].isalpha():
            pieces[-1] += part
        else:
            pieces.append(part)
    return [_resolve_apostrophe(p) if "'" in p else p for p in pieces]


@lru_cache(maxsize=1 << 18)
def _terms(
    token: str, language: str, stem: bool, drop_stopwords: bool, min_length: int
) -> tuple[str, ...]:
    """The index terms of one normalised token (memoised)."""
    if _UNSPACED.search(token):
        return tuple(ch for ch in token if ch.isalnum())
    if len(token) < min_length or len(token) > MAX_TOKEN_CHARS:
        return ()
    if drop_stopwords and token in stopwords(language):
        return ()
    if stem and not token.isdigit():
        stemmer = stemmer_for(language)
        script = _script_of_language(language)
        if stemmer is not None and script in ("any", _script_of(token)):
            token = stemmer(token) or token
    return (fold_diacritics(token),)


def _normalise_code(language: str | None) -> str:
    if language is None:
        return UNDETERMINED
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return UNDETERMINED if code in _NO_LANGUAGE else code


@dataclass(frozen=True, slots=True)
class Analyzer:
    """Turns text into BM25 terms; see the module docstring for every step."""

    stem: bool = True
    remove_stopwords: bool = True
    min_length: int = 2
    fallback_language: str | None = None
    languages: tuple[str, ...] | None = DEFAULT_LANGUAGES

    def language_of(self, text: str, language: str | None = None) -> str:
        """The language used for ``text``: the given one, else detected, else fallback."""
        code = _normalise_code(language)
        if code != UNDETERMINED:
            return code
        detected = detect_language(text, languages=self.languages).code
        if detected == UNDETERMINED:
            return _normalise_code(self.fallback_language)
        return detected

    def tokens(self, text: str, language: str | None = None) -> list[str]:
        """The terms of ``text`` in order (duplicates kept, as BM25 counts them)."""
        code = self.language_of(text, language)
        normal = unicodedata.normalize("NFKC", text).casefold().translate(_NORMALISE)
        args = (code, self.stem, self.remove_stopwords, self.min_length)
        out: list[str] = []
        for token in _TOKEN.findall(normal):
            if "-" in token or "'" in token:
                for piece in _split_compound(token):
                    if piece:
                        out.extend(_terms(piece, *args))
            else:
                out.extend(_terms(token, *args))
        return out
