"""What analysts already wrote about related cases, read out of a case's disproof.

EUvsDisinfo disproofs point to earlier cases in three ways: a link to the case's page
("…/report/<slug>/"), a list of case titles after a cue ("Read also related cases: A, B or C",
"see other examples of …", "similar cases claiming that …"), and a sentence naming the recurring
narrative ("This claim advances a recurring pro-Kremlin disinformation narrative about …").
``mine_references`` finds the first two as candidates to resolve against the database, and
``framing_sentences`` the third, to compare between cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Cues after which analysts list other cases by title, up to the end of the sentence/paragraph.
_CUES = re.compile(
    r"""(?ix)
    \b(?:
        read\s+(?:also|more)(?:\s+(?:about|on))?(?:\s+(?:the\s+)?related\s+cases?)?
      | see\s+(?:also|more)
      | see\s+(?:other\s+|more\s+|similar\s+)?(?:examples|cases)(?:\s+of)?
      | (?:other|similar|earlier|related)\s+(?:examples|cases|claims)(?:\s+(?:claiming|of|about))?
      | related\s+cases?
    )
    (?:\s+(?:that|here|below))?
    \s*[:\-–—]?\s*
    (?P<rest>.{3,1000}?)(?=\.\s+[A-Z"“]|\.?\s*\n|\.?\s*$)
    """
)
#: Separators between titles in such a list ("and" is tried both ways: titles contain it too).
_LIST_SPLIT = re.compile(r"\s*(?:;|,\s*(?:or|and)?\s*|\s+or\s+)\s*")
_AND = re.compile(r"\s+and\s+")
_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_TRAILING = ".,;:!?»”’\"'"
#: Sentences in which analysts name the narrative a claim serves.
_FRAMING = re.compile(
    r"(?i)\b(?:recurring|narrative|conspiracy theor|myth|long-standing|well-known|"
    r"repeated(?:ly)? (?:debunked|claim))"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z0-9])|\n+")

#: Shortest and longest list item still taken for a case title (characters).
TITLE_MIN, TITLE_MAX = 12, 300


@dataclass(frozen=True)
class References:
    """Candidates for other cases a disproof points to, before they are resolved."""

    urls: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    cues: tuple[str, ...] = field(default=(), compare=False)


def normalize_url(url: str) -> str:
    """A link as a comparison key: no scheme, no ``www.``, no query/fragment or trailing slash."""
    url = url.strip().rstrip(_TRAILING)
    url = re.sub(r"(?i)^https?://(www\.)?", "", url)
    url = re.split(r"[?#]", url, maxsplit=1)[0]
    return url.rstrip("/").casefold()


def _titles(rest: str) -> list[str]:
    """The case titles in the text after a cue: items of a list, each long enough to be one."""
    rest = _URL.sub(" ", rest)
    out: list[str] = []
    for item in _LIST_SPLIT.split(rest):
        for part in [item, *(_AND.split(item) if _AND.search(item) else [])]:
            part = part.strip().strip(_TRAILING + "“‘«").strip()
            if TITLE_MIN <= len(part) <= TITLE_MAX and not part.lower().startswith("http"):
                out.append(part)
    return out


def mine_references(text: str) -> References:
    """Links and listed case titles in a disproof (see the module docstring)."""
    urls = tuple(dict.fromkeys(u.rstrip(_TRAILING) for u in _URL.findall(text)))
    titles: list[str] = []
    cues: list[str] = []
    for match in _CUES.finditer(text):
        found = _titles(match.group("rest"))
        if found:
            cues.append(match.group(0)[: match.start("rest") - match.start()].strip())
            titles += found
    return References(urls, tuple(dict.fromkeys(titles)), tuple(cues))


def framing_sentences(text: str, limit: int = 3) -> list[str]:
    """The sentences of a disproof that name the narrative or call the claim recurring."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
    return [s for s in sentences if _FRAMING.search(s)][:limit]
