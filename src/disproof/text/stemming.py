"""Stemmers by ISO language code: Snowball where it exists, light suffix stripping else.

* **Snowball** (``snowballstemmer``): en ru de fr es it pt nl sv no da fi hu ro tr el ar
  hy lt et pl cs sr, and also ca eu ga id hi ne ta fa eo yi.  Slovak uses the Czech
  algorithm and Croatian/Bosnian the Serbian one (close relatives; the Serbian
  algorithm also transliterates Cyrillic to Latin, so Serbian in either script meets).
* **Light suffix stripping** (``analysis.json``): Ukrainian and Bulgarian, which
  Snowball lacks.  One pass: a reflexive ending, then the longest inflectional ending
  whose removal leaves at least ``min_stem`` letters.  It groups regular inflections
  ("протести", "протестів", "протестами" -> "протест") but not stem alternations
  ("Київ" / "Києва").
* **None**: every other language (be, mk, sl, lv, kk, ka, az, ...).

``stemmer_for(code)`` returns a ``str -> str`` function or ``None``; it is cached and
safe to call from several threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from disproof.text._tables import load_table, section, string_list

__all__ = ["Stemmer", "stemmer_for", "stemming_languages"]

Stemmer = Callable[[str], str]
LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _LightStemmer:
    """Strip one reflexive and one inflectional ending, longest first."""

    reflexive: tuple[str, ...]
    endings: tuple[str, ...]
    min_stem: int

    def __call__(self, word: str) -> str:
        for ending in self.reflexive:
            if word.endswith(ending) and len(word) - len(ending) >= self.min_stem + 1:
                word = word[: -len(ending)]
                break
        for ending in self.endings:
            if word.endswith(ending) and len(word) - len(ending) >= self.min_stem:
                return word[: -len(ending)]
        return word


class _Locked:
    """A Snowball stemmer keeps state between calls: serialise calls across threads."""

    def __init__(self, stem: Stemmer) -> None:
        self._stem = stem
        self._lock = threading.Lock()

    def __call__(self, word: str) -> str:
        with self._lock:
            return self._stem(word)


@cache
def _snowball_names() -> dict[str, str]:
    return {str(k): str(v) for k, v in section(load_table("analysis.json"), "snowball").items()}


@cache
def _light_specs() -> dict[str, _LightStemmer]:
    specs: dict[str, _LightStemmer] = {}
    for code, spec in section(load_table("analysis.json"), "light_suffixes").items():
        endings = set(string_list(spec.get("endings"), f"{code}.endings"))
        reflexive = set(string_list(spec.get("reflexive"), f"{code}.reflexive"))
        specs[code] = _LightStemmer(
            reflexive=tuple(sorted(reflexive, key=len, reverse=True)),
            endings=tuple(sorted(endings, key=lambda e: (-len(e), e))),
            min_stem=int(spec.get("min_stem", 3)),
        )
    return specs


def stemming_languages() -> dict[str, str]:
    """ISO code -> how it is stemmed ("snowball:<algorithm>" or "light")."""
    found = {code: f"snowball:{name}" for code, name in _snowball_names().items()}
    found.update(dict.fromkeys(_light_specs(), "light"))
    return found


@cache
def stemmer_for(code: str) -> Stemmer | None:
    """The stemmer for ISO 639-1 ``code``, or ``None`` when the language has none."""
    name = _snowball_names().get(code)
    if name is not None:
        import snowballstemmer  # type: ignore[import-untyped]

        try:
            return _Locked(snowballstemmer.stemmer(name).stemWord)
        except (KeyError, ValueError):  # e.g. a PyStemmer build without this algorithm
            LOGGER.warning("no Snowball stemmer %r: %s is not stemmed", name, code)
            return None
    return _light_specs().get(code)
