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


def _accent_script(ch: str) -> bool:
    """Whether marks on this letter are accents to fold: Latin, Greek, Hebrew and Arabic
    (vowel points) — not Cyrillic (й, ї) nor the Indic and other scripts that write vowels and
    viramas as marks (folding "लोकतंत्र" would change the word)."""
    cp = ord(ch)
    return (
        cp <= 0x024F
        or 0x1E00 <= cp <= 0x1FFF
        or 0x0370 <= cp <= 0x03FF
        or 0x0590 <= cp <= 0x06FF
        or 0x0750 <= cp <= 0x077F
        or 0x08A0 <= cp <= 0x08FF
    )


def fold_diacritics(term: str) -> str:
    """Remove accents (combining marks on Latin, Greek, Hebrew and Arabic letters) and fold
    ł ø æ đ; marks of other scripts stay (see :func:`_accent_script`)."""
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFD", term.translate(_SPECIAL_LETTERS))
    kept: list[str] = []
    fold = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if not fold:
                kept.append(ch)
        else:
            fold = _accent_script(ch)
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
