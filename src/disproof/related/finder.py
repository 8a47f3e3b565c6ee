"""Related cases of one case, each with why it is related.

Two kinds of evidence are combined. What analysts wrote is taken as given: the case's own
``related`` list, cases its disproof links or names ("Read also related cases: …"), and cases
whose disproof cites it. Everything else is scored:

    score = 0.55 · similarity + 0.30 · shared terms + 0.10 · same framing + 0.05 · closeness in time

``similarity`` is the larger of the matcher's calibrated score of the other case for this
case's title and summary (the probability it is the *same* claim) and how much closer it is than
the farthest of the ``POOL`` nearest cases: (cos − cos_farthest) / (1 − cos_farthest), with the
best dense cosine (the lexical coverage without vectors); ``shared terms`` the idf-weighted
share of this case's keywords and narratives (inferred ones
included) the other case has; ``same framing`` the word overlap of the
sentences in which both disproofs name the narrative; ``closeness`` exp(−days apart / 365).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from disproof.models import Case, CaseMatch, RelatedCase
from disproof.related.mining import framing_sentences, mine_references
from disproof.store.cases import CaseStore
from disproof.store.relations import RelationStore, SharedTerms

WEIGHTS = {"similarity": 0.55, "terms": 0.30, "framing": 0.10, "time": 0.05}
#: Below this a scored candidate is not listed.
MIN_SCORE = 0.12
#: How many nearest cases and term-sharing cases are scored.
POOL = 30
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")
_STOP = frozenset(
    "this that with from have been were their they which about also into than other such "
    "claim claims disinformation pro-kremlin kremlin narrative narratives recurring case".split()
)

Nearest = Callable[[str, int], list[CaseMatch]]


def _framing_words(case: Case) -> frozenset[str]:
    words = " ".join(framing_sentences(case.disproof)).casefold()
    return frozenset(w for w in _CONTENT_WORD.findall(words) if w not in _STOP)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _closeness(match: CaseMatch) -> float:
    dense = [v for v in (match.why.dense_title, match.why.dense_summary) if v is not None]
    return max(dense) if dense else match.why.lexical_coverage


def _similarities(matches: list[CaseMatch]) -> list[tuple[str, float]]:
    """(case id, similarity in 0–1) of the nearest cases (see the module docstring)."""
    if not matches:
        return []
    floor = min(_closeness(m) for m in matches)
    return [
        (m.case_id, max(m.score, (_closeness(m) - floor) / max(1e-6, 1.0 - floor))) for m in matches
    ]


@dataclass
class _Candidate:
    case_id: str
    given: list[str] = field(default_factory=list)  # kinds analysts wrote
    similarity: float = 0.0
    shared: SharedTerms | None = None


#: Kinds written by analysts, strongest first, with the reason shown for each.
GIVEN = {
    "linked": "linked by analysts",
    "named": "named in this case's disproof",
    "cited": "linked from this case's disproof",
    "cites-this": "its disproof refers to this case",
}


class RelatedFinder:
    def __init__(
        self,
        store: CaseStore,
        nearest: Nearest,
        narrative_names: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.relations = RelationStore(store.engine)
        self.nearest = nearest
        self.narrative_names = dict(narrative_names or {})

    def _given(self, case: Case) -> dict[str, _Candidate]:
        found: dict[str, _Candidate] = {}

        def add(case_id: str, kind: str) -> None:
            if case_id != case.id:
                item = found.setdefault(case_id, _Candidate(case_id))
                if kind not in item.given:
                    item.given.append(kind)

        for related_id in case.related:
            add(related_id, "linked")
        references = mine_references(case.disproof)
        for case_id in self.relations.ids_by_title(references.titles).values():
            add(case_id, "named")
        for case_id in self.relations.ids_by_url(references.urls).values():
            add(case_id, "cited")
        for case_id in self.relations.citing(case.id, case.title):
            add(case_id, "cites-this")
        return found

    def find(self, case: Case, limit: int = 10) -> list[RelatedCase]:
        """Up to ``limit`` related cases: analysts' links first, then the best scored."""
        candidates = self._given(case)
        text = ". ".join(part for part in (case.title, case.summary) if part)
        for case_id, similarity in _similarities(self.nearest(text, POOL) if text.strip() else []):
            if case_id != case.id:
                item = candidates.setdefault(case_id, _Candidate(case_id))
                item.similarity = max(item.similarity, similarity)
        for rank, shared in enumerate(self.relations.sharing_terms(case.id)):
            if rank < POOL:
                candidates.setdefault(shared.case_id, _Candidate(shared.case_id))
            if shared.case_id in candidates:
                candidates[shared.case_id].shared = shared
        others = self.store.get_many(candidates)
        framing = _framing_words(case)
        out = [
            self._rank(case, candidates[case_id], other, framing)
            for case_id, other in others.items()
        ]
        listed = [r for r in out if r.kinds[0] in GIVEN or r.score >= MIN_SCORE]
        listed.sort(key=lambda r: (r.kinds[0] not in GIVEN, -r.score, r.case_id))
        return listed[:limit]

    def _rank(
        self, case: Case, item: _Candidate, other: Case, framing: frozenset[str]
    ) -> RelatedCase:
        shared = item.shared or SharedTerms(other.id)
        same_framing = _jaccard(framing, _framing_words(other))
        days = abs((other.date - case.date).days) if other.date and case.date else None
        closeness = math.exp(-days / 365) if days is not None else 0.0
        score = (
            WEIGHTS["similarity"] * item.similarity
            + WEIGHTS["terms"] * min(1.0, shared.overlap)
            + WEIGHTS["framing"] * same_framing
            + WEIGHTS["time"] * closeness
        )
        kinds = list(item.given)
        reasons = [GIVEN[k] for k in item.given]
        if item.similarity >= 0.05:
            kinds.append("similar")
            reasons.append(f"similar claim (similarity {item.similarity:.2f})")
        if shared.narratives:
            kinds.append("shared-narratives")
            names = [self.narrative_names.get(n, n) for n in shared.narratives]
            reasons.append("same narrative: " + "; ".join(names[:3]))
        if shared.keywords:
            kinds.append("shared-keywords")
            more = f" (+{len(shared.keywords) - 4})" if len(shared.keywords) > 4 else ""
            reasons.append("shared keywords: " + ", ".join(shared.keywords[:4]) + more)
        if same_framing >= 0.2:
            kinds.append("same-framing")
            reasons.append("the disproofs describe the narrative in the same words")
        if days is not None and other.date is not None and case.date is not None:
            when = "earlier" if other.date < case.date else "later"
            reasons.append("same day" if days == 0 else f"{days} days {when}")
        if not kinds:
            kinds.append("close-in-time")
        return RelatedCase(
            case_id=other.id,
            title=other.title or other.summary[:120] or other.id,
            date=other.date,
            reasons=reasons,
            kinds=kinds,
            score=round(1.0 if item.given else score, 4),
            shared_keywords=len(shared.keywords),
            shared_narratives=shared.narratives,
            days_apart=days,
        )
