"""Checking a search's filter values before searching: a mistyped narrative, country or language
would otherwise select nothing and look like an answer ("no case").

A value is known when the vocabulary used on import knows it (countries and languages, in any
spelling ``disproof.normalize`` accepts; narratives by id or name in the shipped taxonomy) or
when a stored case carries it (a narrative or country outside the vocabularies, kept as
imported). An unknown value is refused with :class:`InvalidInput` naming the filter, the value
and up to ``CLOSEST`` known values that look like it (``difflib``): HTTP 422 in the API, exit 1
on the command line. Narrative names are turned into ids, and so are words that name one
narrative of the taxonomy ("MH17" for "Ukraine, not Russia, shot down flight MH17"; words that
fit several are refused, naming them); countries and languages are normalised by the store as
on import.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from disproof.errors import InvalidInput
from disproof.models import CaseQuery
from disproof.normalize import (
    country_names,
    is_known_country,
    is_known_language,
    language_names,
    normalize_country,
    normalize_language,
)

#: How many look-alike known values an error suggests.
CLOSEST = 3

#: Stored values of one term kind ("narrative", "country", "language"): key → spelling.
StoredValues = Callable[[str], dict[str, str]]


@dataclass(frozen=True)
class Problem:
    """One unknown filter value and the known values closest to it."""

    field: str
    value: str
    closest: list[str]
    #: The value names several known ones (each of its words is in each of their names).
    ambiguous: bool = False

    def message(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:79] + "…"
        if self.ambiguous:
            return f"{self.field} {shown!r} could be any of: {', '.join(self.closest)}; give one"
        hint = f"; closest known: {', '.join(self.closest)}" if self.closest else ""
        return f"unknown {self.field} {shown!r}{hint}"

    def as_error(self) -> dict[str, object]:
        return {
            "loc": ["query", self.field],
            "msg": self.message(),
            "type": "value_error.ambiguous" if self.ambiguous else "value_error.unknown",
            "closest": self.closest,
        }


def closest(value: str, known: list[str], n: int = CLOSEST) -> list[str]:
    """Up to ``n`` of ``known`` that look like ``value`` (case ignored), most alike first."""
    by_key: dict[str, str] = {}
    for item in known:
        by_key.setdefault(item.casefold(), item)
    found = difflib.get_close_matches(value.casefold(), list(by_key), n=n, cutoff=0.6)
    return [by_key[key] for key in found]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _named_by_words(value: str) -> list[str]:
    """Ids of the taxonomy's narratives whose id or name holds every word of ``value`` ("MH17",
    "Skripal", "shot down"): how a user names a narrative without its id."""
    from disproof.narratives.taxonomy import builtin_taxonomy

    wanted = _words(value)
    if not wanted:
        return []
    return [
        n.id
        for n in builtin_taxonomy().narratives
        if wanted <= _words(n.id.replace("-", " ")) | _words(n.name)
    ]


def _narrative_ids(values: list[str], stored: StoredValues, found: list[Problem]) -> list[str]:
    """Each value as a narrative id: an id or name of the taxonomy or a stored id (any case),
    else the one taxonomy narrative whose id or name holds all of its words; several such
    narratives, or none, is a problem naming them or the closest known ones."""
    from disproof.narratives.taxonomy import builtin_taxonomy

    by_key = {n.id.casefold(): n.id for n in builtin_taxonomy().narratives}
    by_key |= {n.name.casefold(): n.id for n in builtin_taxonomy().narratives}
    ids = []
    for value in values:
        key = value.strip().casefold()
        if key not in by_key:
            by_key |= stored("narrative")
        if key in by_key:
            ids.append(by_key[key])
            continue
        named = _named_by_words(value)
        if len(named) == 1:
            ids.append(named[0])
            continue
        if named:
            found.append(Problem("narrative", value, named, ambiguous=True))
        else:
            names = [n.name for n in builtin_taxonomy().narratives]
            known = sorted(by_key.values()) + names
            found.append(Problem("narrative", value, closest(value, known)))
        ids.append(value)
    return ids


def _check(
    field: str,
    values: list[str],
    known: tuple[Callable[[str], bool], Callable[[str], str], Callable[[], list[str]]],
    stored: StoredValues,
    found: list[Problem],
) -> None:
    is_known, normalized, names = known
    for value in values:
        if is_known(value) or normalized(value).casefold() in stored(field):
            continue
        candidates = names() + sorted(set(stored(field).values()))
        found.append(Problem(field, value, closest(value, candidates)))


def check_filters(query: CaseQuery, stored: StoredValues) -> CaseQuery:
    """``query`` with narrative names turned into ids, once every filter value is known;
    :class:`InvalidInput` listing every unknown one otherwise."""
    found: list[Problem] = []
    narratives = _narrative_ids(query.narratives, stored, found)
    countries = (is_known_country, normalize_country, country_names)
    _check("country", query.countries, countries, stored, found)
    languages = (is_known_language, normalize_language, language_names)
    _check("language", query.languages, languages, stored, found)
    if found:
        message = "; ".join(p.message() for p in found)
        raise InvalidInput(message, [p.as_error() for p in found])
    return query.model_copy(update={"narratives": narratives}) if narratives else query
