"""Which narratives a case advances: the ones analysts gave it, and the ones its keywords imply.

The shipped taxonomy maps database keywords to narratives (each node's ``keywords``). A case's
narratives are its own ``narratives`` plus those its keywords map to, plus the ancestors of
both in the taxonomy (a case advancing a sub-narrative advances its parent too). The case itself
is not changed: the derived narratives are what search, facets, trends and the emerging-narrative
detector count, and what the case page shows as "from keywords".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from disproof.models import Taxonomy
from disproof.narratives.taxonomy import builtin_taxonomy
from disproof.normalize import keyword_key

NarrativeSource = Literal["analyst", "keywords", "parent"]


@dataclass(frozen=True)
class CaseNarrative:
    """A narrative of a case and why: given by an analyst, implied by a keyword, or a parent."""

    id: str
    source: NarrativeSource
    #: For ``keywords``: the case keywords that imply it; for ``parent``: the child narrative.
    via: tuple[str, ...] = ()


class KeywordMapping:
    """Keyword → narratives and narrative → parent, read from one taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.by_keyword: dict[str, tuple[str, ...]] = {}
        mapped: dict[str, list[str]] = {}
        for narrative in taxonomy.narratives:
            for keyword in narrative.keywords:
                ids = mapped.setdefault(keyword_key(keyword), [])
                if narrative.id not in ids:
                    ids.append(narrative.id)
        self.by_keyword = {key: tuple(ids) for key, ids in mapped.items()}
        self.parent = {n.id: n.parent for n in taxonomy.narratives if n.parent}

    def ancestors(self, narrative_id: str) -> list[str]:
        out: list[str] = []
        current = self.parent.get(narrative_id)
        while current and current not in out and current != narrative_id:
            out.append(current)
            current = self.parent.get(current)
        return out

    def narratives(self, explicit: Iterable[str], keywords: Iterable[str]) -> list[CaseNarrative]:
        """Explicit narratives first, then keyword-implied ones, then parents; each id once."""
        found: dict[str, CaseNarrative] = {}
        for narrative_id in explicit:
            found.setdefault(narrative_id.casefold(), CaseNarrative(narrative_id, "analyst"))
        implied: dict[str, list[str]] = {}
        for keyword in keywords:
            for narrative_id in self.by_keyword.get(keyword_key(keyword), ()):
                implied.setdefault(narrative_id, []).append(keyword)
        for narrative_id, via in implied.items():
            found.setdefault(
                narrative_id.casefold(), CaseNarrative(narrative_id, "keywords", tuple(via))
            )
        for item in list(found.values()):
            for parent in self.ancestors(item.id):
                found.setdefault(parent.casefold(), CaseNarrative(parent, "parent", (item.id,)))
        return list(found.values())


@cache
def builtin_mapping() -> KeywordMapping:
    """The mapping of the shipped taxonomy."""
    return KeywordMapping(builtin_taxonomy())


def case_narratives(explicit: Iterable[str], keywords: Iterable[str]) -> list[CaseNarrative]:
    """A case's narratives under the shipped taxonomy (see the module docstring)."""
    return builtin_mapping().narratives(explicit, keywords)
