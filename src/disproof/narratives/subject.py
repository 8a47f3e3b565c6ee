"""Does a case's own text name a narrative's subject? A lexicon check before any inference.

A keyword rule says which subject analysts tagged ("White Helmets", "South Ossetia"); the tag
is sometimes given for the outlet's wider story, so the case's own title and summary may be
about something else (White Helmets as "terrorists", NATO exercises in Georgia). For the
narratives whose subject has a name in every language — chemical weapons, sarin, chlorine,
Douma, Khan Shaykhun; South Ossetia, Abkhazia, Tskhinvali, the 2008 war — the project wrote a
multilingual lexicon (``subject`` in ``data/taxonomies/disproof.claims.json``: English, Russian,
Ukrainian, German, French, Spanish, Italian, Polish, Czech, Baltic, Arabic, Georgian, with
transliterations), and a narrative that has one is inferred only when the case's text names one
of its terms; that replaces, for it, the check of a term shared with its (English) definition
(``disproof.narratives.mapping``), so a case written in another language can qualify. What a
case must name follows the written labelling rule (``benchmarks/data/narrative_labels.md``): a
claim about the White Helmets or a "false flag" in Syria that names no chemical attack does not
concern *chemical attacks in Syria*.

A term matches at the start of a word, case-folded after NFKC normalisation, so a stem
("chemi", "осети", "abkhaz") covers its inflections and derived words; a space in a term
matches any run of spaces or hyphens. Terms are literal text (escaped), never patterns: case
text is hostile, and the alternation of literals cannot backtrack badly.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

_PACKAGE = "disproof.data.taxonomies"
_FILE = "disproof.claims.json"


def fold(text: str) -> str:
    """What the lexicon is matched against: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class SubjectLexicon:
    """The terms naming one narrative's subject."""

    narrative: str
    terms: tuple[str, ...]

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        spelled = sorted({fold(t).strip() for t in self.terms if t.strip()}, key=len, reverse=True)
        parts = [r"[\s\-]+".join(re.escape(w) for w in t.split()) for t in spelled]
        return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")" if parts else r"(?!)")

    def named(self, text: str) -> tuple[str, ...]:
        """The words of ``text`` (folded, each once, in order) that name the subject."""
        folded = fold(text)
        found: dict[str, None] = {}
        for match in self._pattern.finditer(folded):
            end = match.end()
            while end < len(folded) and folded[end].isalnum():
                end += 1
            found.setdefault(folded[match.start() : end], None)
        return tuple(found)


def load_subjects(text: str) -> dict[str, SubjectLexicon]:
    """The narratives' subject lexicons from the JSON of ``disproof.claims.json`` (narratives
    without a ``subject`` list have none: no check)."""
    data = json.loads(text)
    return {
        narrative: SubjectLexicon(narrative, tuple(str(t) for t in entry["subject"]))
        for narrative, entry in data["narratives"].items()
        if entry.get("subject")
    }


@cache
def builtin_subjects() -> dict[str, SubjectLexicon]:
    """The subject lexicons shipped for the shipped taxonomy."""
    return load_subjects(resources.files(_PACKAGE).joinpath(_FILE).read_text("utf-8"))


def subjects_content(subjects: Mapping[str, SubjectLexicon]) -> list[tuple[str, list[str]]]:
    """The lexicons as plain data (for the derived narratives' fingerprint)."""
    return sorted((n, sorted(s.terms)) for n, s in subjects.items())


def lexicons(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, SubjectLexicon]:
    """Lexicons from (narrative, terms) pairs (tests and benchmarks)."""
    return {n: SubjectLexicon(n, tuple(terms)) for n, terms in pairs}
