"""Word lists shared by language identification and analysis: stop words, folding."""

from __future__ import annotations

import unicodedata
from functools import cache

from disproof.text._tables import load_table, string_list

__all__ = ["fold_diacritics", "stopword_languages", "stopwords"]

_SPECIAL_LETTERS = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ı": "i",
     "ŀ": "l", "ħ": "h", "ŧ": "t"}
)  # fmt: skip


def fold_diacritics(term: str) -> str:
    """Remove combining marks (except on Cyrillic letters: й, ї stay) and fold ł ø æ đ."""
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFD", term.translate(_SPECIAL_LETTERS))
    kept: list[str] = []
    cyrillic = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if cyrillic:
                kept.append(ch)
        else:
            cyrillic = "\u0400" <= ch <= "\u052f"
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def stopword_languages() -> tuple[str, ...]:
    """ISO codes that have a stop-word list in ``stopwords.json``."""
    return tuple(k for k in load_table("stopwords.json") if not k.startswith("_"))


@cache
def stopwords(language: str) -> frozenset[str]:
    """The stop words of ``language`` (with and without diacritics); empty if none."""
    data = load_table("stopwords.json")
    if language not in data or language.startswith("_"):
        return frozenset()
    words = {w.casefold().replace("ё", "е") for w in string_list(data[language], language)}
    return frozenset(words | {fold_diacritics(w) for w in words})
