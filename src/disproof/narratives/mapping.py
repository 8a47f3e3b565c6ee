"""Which narratives a case advances: the ones analysts gave it, and the ones disproof infers.

A case's narratives are

* its own ``narratives``: the analysts' word (source ``analyst``);
* those inferred from its keywords and its text (source ``keywords``): a narrative of the
  shipped taxonomy is inferred when every keyword of one of its ``implied_by`` rules is on the
  case **and** the case's own text (title and claim summary) shares a term with the narrative's
  definition (its name, description, examples and rule keywords) that is *specific* to it: a
  term of at most ``SPECIFIC_IN`` narratives' definitions, so "Russia", "Ukraine" or "West" never
  count. A rule names the narrative's own subject ("MH17", "Sergei Skripal") or a combination
  specific enough ("Chemical weapons/attack" + "Syrian War"); broad keywords that merely co-occur
  with a narrative ("Donbas", "Provocation", "Russophobia") infer nothing, because on real cases
  they were wrong most of the time. The text check drops cases whose keyword was given for a
  passing mention (a World Cup claim tagged "MH17" and "Sergei Skripal"). Precision and recall
  of both, measured on a hand-labelled sample of EUvsDisinfo cases: ``docs/benchmarks.md``,
  *Inferred narratives*. Each inferred narrative carries the rule that fired, the supporting
  terms, and the rule's measured precision where it was measured;

  for a narrative with a subject lexicon (``disproof.narratives.subject``: Syria's chemical
  attacks, Georgia 2008) the text check is stricter and multilingual: the case's text must
  *name its subject* (sarin, Douma, South Ossetia … in any of the lexicon's languages), so a
  White Helmets claim naming no chemical attack does not advance "chemical attacks in Syria were
  staged", whatever its keywords;

  given the case's field vectors (what the match index stores for its title and claim summary),
  a narrative with written claims (``disproof.narratives.semantic``) also needs *semantic
  support*: the case must be about as near one of the narrative's claims as to any foil or other
  narrative's claim, within the narrative's learned margin. That drops the cases that name the
  subject without taking the narrative's position (Ukrainian sabotage in Crimea, White Helmets
  without a chemical attack). Such a narrative then carries the precision measured for rule +
  semantic check, and the nearest claim and margin as its reason. Without vectors (no index, or
  one built with another model) the decision is the rule's alone, marked so
  (``CaseNarrative.semantic`` is None);
* the ancestors of both in the taxonomy (source ``parent``).

The case itself is not changed: the derived narratives are what search, facets, trends and the
emerging-narrative detector count, and what case pages and the API show apart from the
analysts' own labels.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal

from disproof.models import Case, CasePublic, CaseView, InferredNarrative, Narrative, Taxonomy
from disproof.narratives.semantic import (
    NO_MARGIN,
    ClaimVectors,
    Matrix,
    Support,
    builtin_claim_vectors,
)
from disproof.narratives.subject import SubjectLexicon, builtin_subjects, subjects_content
from disproof.narratives.taxonomy import builtin_taxonomy
from disproof.normalize import keyword_key
from disproof.text.analyze import Analyzer

#: A definition term counts as text support when at most this many narratives' definitions use it.
SPECIFIC_IN = 2
#: Case text and definitions are analysed alike (the shipped definitions are English).
_ANALYZER = Analyzer()
_WORD = re.compile(r"[\w'’-]+")

NarrativeSource = Literal["analyst", "keywords", "parent"]


@dataclass(frozen=True)
class CaseNarrative:
    """A narrative of a case and why: given by an analyst, implied by keywords, or a parent."""

    id: str
    source: NarrativeSource
    #: For ``keywords``: the case keywords of the rule that fired; for ``parent``: the child.
    via: tuple[str, ...] = ()
    #: For ``keywords``: the rule's measured precision (None where it was not measured).
    confidence: float | None = None
    #: For ``keywords``: the words of the case's text whose terms the definition shares, or
    #: for a narrative with a subject lexicon the words that name its subject.
    support: tuple[str, ...] = ()
    #: For ``keywords``: how near the case's claim is to the narrative's (None: not checked,
    #: the rule decided alone — no case vectors, or no claims written for the narrative).
    semantic: Support | None = None
    #: For ``keywords``: the narrative has claims to check but the case had no current stored
    #: vectors (no index, or edited since), so the rule decided alone.
    unchecked: bool = False

    @property
    def inferred(self) -> bool:
        return self.source != "analyst"


@dataclass(frozen=True)
class _Rule:
    narrative: str
    keys: frozenset[str]
    precision: float | None


class KeywordMapping:
    """Keyword rules → narratives and narrative → parent, read from one taxonomy."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        claims: ClaimVectors | None = None,
        subjects: dict[str, SubjectLexicon] | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        #: The narratives' claim vectors for the semantic check (None: rules decide alone).
        self.claims = claims
        #: The narratives whose case text must name their subject, with its lexicon.
        self.subjects = subjects or {}
        self.rules: list[_Rule] = [
            _Rule(n.id, frozenset(keyword_key(k) for k in rule.keywords), rule.precision)
            for n in taxonomy.narratives
            for rule in n.implied_by
        ]
        #: keyword key → the rules that mention it (to test only rules a case can satisfy)
        self.by_keyword: dict[str, tuple[int, ...]] = {}
        mentions: dict[str, list[int]] = {}
        for index, rule in enumerate(self.rules):
            for key in rule.keys:
                mentions.setdefault(key, []).append(index)
        self.by_keyword = {key: tuple(found) for key, found in mentions.items()}
        self.parent = {n.id: n.parent for n in taxonomy.narratives if n.parent}

    @cached_property
    def specific(self) -> dict[str, frozenset[str]]:
        """Per narrative, the terms specific to its definition, analysed on first use (stemming
        ~800 words): a case needs them only when all the keywords of a rule of a narrative
        its analysts did not give it are on it (`disproof show` paid for them on every case)."""
        return _specific_terms(self.taxonomy.narratives)

    def fingerprint_content(self) -> dict[str, object]:
        """What decides derived narratives, as plain data (for the store's fingerprint)."""
        return {
            "rules": sorted((r.narrative, sorted(r.keys), r.precision) for r in self.rules),
            "parents": sorted(self.parent.items()),
            "specific": sorted((n, sorted(terms)) for n, terms in self.specific.items()),
            "specific_in": SPECIFIC_IN,
            "claims": [self.claims.model_id, self.claims.digest] if self.claims else None,
            "margins": sorted((n, c.margin) for n, c in self.claims.claims.items())
            if self.claims
            else None,
            "subjects": subjects_content(self.subjects),
        }

    def ancestors(self, narrative_id: str) -> list[str]:
        out: list[str] = []
        current = self.parent.get(narrative_id)
        while current and current not in out and current != narrative_id:
            out.append(current)
            current = self.parent.get(current)
        return out

    def implied(
        self,
        keywords: Iterable[str],
        text: str,
        fields: Matrix | None = None,
        known: Collection[str] = (),
    ) -> dict[str, CaseNarrative]:
        """Narratives the keywords imply and the text supports, each with its most precise
        rule; with the case's field vectors ``fields``, also semantically supported. The
        rules of ``known`` narratives (case-folded ids) are not tried."""
        spelled: dict[str, str] = {}
        for keyword in keywords:
            spelled.setdefault(keyword_key(keyword), keyword)
        found: dict[str, CaseNarrative] = {}
        candidates = sorted({i for key in spelled for i in self.by_keyword.get(key, ())})
        terms: set[str] | None = None
        for index in candidates:
            rule = self.rules[index]
            if not rule.keys <= spelled.keys() or rule.narrative.casefold() in known:
                continue
            named = self._named(rule.narrative, text)
            if named is None:
                if terms is None:
                    terms = set(_ANALYZER.tokens(text, "en"))
                shared = terms & self.specific.get(rule.narrative, frozenset())
                if not shared:
                    continue
                support = _words_of(text, shared)
            elif named:
                support = named
            else:
                continue
            checked, semantic = self._semantic(rule.narrative, fields)
            if not checked:
                continue
            # a narrative whose margin lets every case through is decided alike with or
            # without vectors, so it carries the precision measured for it either way
            bypassed = self._checkable(rule.narrative) and self._no_margin(rule.narrative)
            confidence = rule.precision
            if (semantic is not None or bypassed) and self.claims is not None:
                confidence = self.claims.claims[rule.narrative].precision
            via = tuple(sorted(spelled[key] for key in rule.keys))
            unchecked = semantic is None and self._checkable(rule.narrative) and not bypassed
            item = CaseNarrative(
                rule.narrative, "keywords", via, confidence, support, semantic, unchecked
            )
            best = found.get(rule.narrative)
            if best is None or (item.confidence or 0.0) > (best.confidence or 0.0):
                found[rule.narrative] = item
        return found

    def may_infer(self, explicit: Iterable[str], keywords: Iterable[str]) -> bool:
        """Whether the keywords complete a rule of a narrative not in ``explicit``: only then is
        the case's text (and its stored vectors) worth reading."""
        spelled = {keyword_key(keyword) for keyword in keywords}
        known = {narrative.casefold() for narrative in explicit}
        return any(
            rule.keys <= spelled and rule.narrative.casefold() not in known
            for index in {i for key in spelled for i in self.by_keyword.get(key, ())}
            for rule in (self.rules[index],)
        )

    def _named(self, narrative: str, text: str) -> tuple[str, ...] | None:
        """The words of ``text`` naming the narrative's subject (None: no lexicon, no check)."""
        lexicon = self.subjects.get(narrative)
        return lexicon.named(text) if lexicon is not None else None

    def _no_margin(self, narrative: str) -> bool:
        """Whether the narrative's margin lets every case through (``NO_MARGIN``)."""
        return self.claims is not None and self.claims.claims[narrative].margin <= NO_MARGIN

    def _checkable(self, narrative: str) -> bool:
        return self.claims is not None and narrative in self.claims.claims

    def _semantic(self, narrative: str, fields: Matrix | None) -> tuple[bool, Support | None]:
        """Whether the semantic check lets the narrative through, and its support (None when
        it was not checked: no vectors, or no claims for this narrative)."""
        if fields is None or self.claims is None or narrative not in self.claims.claims:
            return True, None
        passed, support = self.claims.supports(narrative, fields)
        return (passed, support) if support is not None else (True, None)

    def narratives(
        self,
        explicit: Iterable[str],
        keywords: Iterable[str],
        text: str,
        fields: Matrix | None = None,
    ) -> list[CaseNarrative]:
        """Explicit narratives first, then inferred ones, then parents; each id once.

        ``text`` is what the case says (:func:`claim_text`): an inferred narrative needs its
        support; ``fields`` the vectors of its title and summary, for the semantic check."""
        found: dict[str, CaseNarrative] = {}
        for narrative_id in explicit:
            found.setdefault(narrative_id.casefold(), CaseNarrative(narrative_id, "analyst"))
        for narrative_id, item in self.implied(keywords, text, fields, found.keys()).items():
            found.setdefault(narrative_id.casefold(), item)
        for item in list(found.values()):
            for parent in self.ancestors(item.id):
                found.setdefault(parent.casefold(), CaseNarrative(parent, "parent", (item.id,)))
        return list(found.values())

    def of_case(self, case: Case, fields: Matrix | None = None) -> list[CaseNarrative]:
        """The narratives of one case (``fields``: its stored field vectors, when known)."""
        return self.narratives(case.narratives, case.keywords, claim_text(case), fields)


def claim_text(case: Case) -> str:
    """What the text check reads of a case: its title and claim summary (not the disproof,
    which names the subject as background)."""
    return f"{case.title}\n{case.summary}"


def _words_of(text: str, terms: set[str]) -> tuple[str, ...]:
    """The words of ``text`` (lower-cased, first spelling of each) whose terms are ``terms``:
    what a reader recognises, where the terms are stems ("investigators", not "investig")."""
    words: dict[str, str] = {}
    for word in _WORD.findall(text):
        for term in _ANALYZER.tokens(word, "en"):
            if term in terms:
                words.setdefault(term, word.casefold())
    return tuple(sorted(words.values()))


def _definition_terms(narrative: Narrative) -> set[str]:
    parts = [narrative.name, narrative.description, *narrative.examples]
    parts += [k for rule in narrative.implied_by for k in rule.keywords]
    return set(_ANALYZER.tokens("\n".join(parts), "en"))


def _specific_terms(narratives: Iterable[Narrative]) -> dict[str, frozenset[str]]:
    """Per narrative, the terms of its definition used by at most ``SPECIFIC_IN`` definitions."""
    terms = {n.id: _definition_terms(n) for n in narratives}
    uses: dict[str, int] = {}
    for found in terms.values():
        for term in found:
            uses[term] = uses.get(term, 0) + 1
    return {
        narrative: frozenset(t for t in found if uses[t] <= SPECIFIC_IN)
        for narrative, found in terms.items()
    }


@cache
def builtin_mapping() -> KeywordMapping:
    """The mapping of the shipped taxonomy, with the shipped claim vectors and subjects."""
    return KeywordMapping(builtin_taxonomy(), builtin_claim_vectors(), builtin_subjects())


def case_narratives(case: Case, fields: Matrix | None = None) -> list[CaseNarrative]:
    """A case's narratives under the shipped taxonomy (see the module docstring); ``fields``:
    its stored field vectors (``disproof.narratives.stored``), None to decide by rules alone."""
    return builtin_mapping().of_case(case, fields)


def inferred_narratives(case: Case, fields: Matrix | None = None) -> list[InferredNarrative]:
    """The narratives the shipped taxonomy infers for a case (not the analysts' own)."""
    names = {n.id: n.name for n in builtin_taxonomy().narratives}
    return [
        InferredNarrative(
            id=n.id,
            name=names.get(n.id, n.id),
            source=n.source,
            keywords=list(n.via) if n.source == "keywords" else [],
            terms=list(n.support),
            via=list(n.via) if n.source == "parent" else [],
            precision=n.confidence,
            claim=n.semantic.nearest if n.semantic else None,
            margin=round(n.semantic.margin, 4) if n.semantic else None,
        )
        for n in case_narratives(case, fields)
        if n.source != "analyst"
    ]


def case_view(case: CasePublic, fields: Matrix | None = None) -> CaseView:
    """A case as the API reads it: with its inferred narratives beside the analysts' own."""
    return CaseView.model_validate(
        case.model_dump() | {"inferred_narratives": inferred_narratives(case, fields)}
    )
