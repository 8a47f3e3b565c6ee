"""Character classes the standard ``re`` module lacks: combining marks.

``\\w`` in Python's ``re`` does not match combining marks (Unicode categories Mn, Mc, Me), so
``[^\\W_]+`` cuts words of scripts that write vowels as marks — Hindi "भारत में" became "भ", "रत",
"म" — and drops accents written as combining characters. :data:`WORD_CHAR` is a letter, digit or
mark; a word should still *start* with a letter or digit (``[^\\W_]``).
"""

from __future__ import annotations

import unicodedata


def _mark_ranges() -> str:
    """A regex class body of the combining marks (and ZWNJ/ZWJ) of the BMP's scripts."""
    marks = [
        cp for cp in range(0x0300, 0x2000) if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me")
    ]
    marks += [*range(0x200C, 0x200E), *range(0xFE20, 0xFE30)]
    ranges: list[tuple[int, int]] = []
    for cp in marks:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


#: Combining marks, as the body of a regex character class.
MARKS = _mark_ranges()
#: One character of a word: a letter, a digit or a combining mark (not "_").
WORD_CHAR = f"(?:[^\\W_]|[{MARKS}])"
