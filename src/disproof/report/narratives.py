"""The narratives a text advances, from two kinds of evidence, each kept apart:

* the **matched cases**: the narratives analysts listed on them; for a case without any (an
  import that only has keywords), the narratives its keywords imply under the taxonomy's
  ``implied_by`` rules (specific keywords or combinations, never one broad keyword);
* a trained **classifier** (``disproof narratives train``) run on the text itself.

Pure functions over the report's cases and a taxonomy; nothing here matches or embeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from disproof.models import Taxonomy
from disproof.narratives.classify import OTHER, NarrativePrediction
from disproof.narratives.mapping import KeywordMapping, builtin_mapping
from disproof.narratives.semantic import Matrix
from disproof.narratives.taxonomy import builtin_taxonomy
from disproof.report.model import NarrativeSource, ReportCase, ReportNarrative


@dataclass
class _Evidence:
    cases: list[str] = field(default_factory=list)  # case ids listing the narrative
    keywords: list[str] = field(default_factory=list)  # case keywords signalling it
    keyword_cases: list[str] = field(default_factory=list)
    best: float = 0.0

    def support(self) -> int:
        return len(self.cases) + len(self.keyword_cases)


def narratives_from_cases(
    cases: Sequence[ReportCase],
    taxonomy: Taxonomy,
    fields: Mapping[str, Matrix | None] | None = None,
) -> list[ReportNarrative]:
    """The narratives of the matched ``cases``: those analysts listed on a case or, for a case
    with none listed (an import that only has keywords), those its keyword rules imply (with
    the semantic check where ``fields`` has the case's stored vectors, as its page does). Most
    supporting cases first, then by the best match score."""
    names = {n.id: n.name for n in taxonomy.narratives}
    # the shipped taxonomy's mapping is built once per process (its definitions are analysed)
    mapping = builtin_mapping() if taxonomy is builtin_taxonomy() else KeywordMapping(taxonomy)
    found: dict[str, _Evidence] = {}
    for case in cases:
        for narrative in case.narratives:
            evidence = found.setdefault(narrative, _Evidence())
            evidence.cases.append(case.case_id)
            evidence.best = max(evidence.best, case.score)
        if case.narratives:
            continue
        text = f"{case.title}\n{case.summary}"
        vectors = (fields or {}).get(case.case_id)
        for narrative, implied in mapping.implied(case.keywords, text, vectors).items():
            evidence = found.setdefault(narrative, _Evidence())
            if case.case_id not in evidence.keyword_cases:
                evidence.keyword_cases.append(case.case_id)
            evidence.best = max(evidence.best, case.score)
            for keyword in implied.via:
                if keyword not in evidence.keywords:
                    evidence.keywords.append(keyword)

    def order(item: tuple[str, _Evidence]) -> tuple[int, int, float, str]:
        narrative, evidence = item
        return (-evidence.support(), -len(evidence.cases), -evidence.best, narrative)

    out: list[ReportNarrative] = []
    for narrative, evidence in sorted(found.items(), key=order):
        sources: list[NarrativeSource] = []
        if evidence.cases:
            sources.append("cases")
        if evidence.keywords:
            sources.append("keywords")
        out.append(
            ReportNarrative(
                id=narrative,
                name=names.get(narrative, narrative),
                sources=sources,
                cases=[*evidence.cases, *evidence.keyword_cases],
                keywords=evidence.keywords,
            )
        )
    return out


def narratives_from_classifier(prediction: NarrativePrediction) -> list[ReportNarrative]:
    """A classifier's predicted narratives, then subnarratives (``Other`` means none)."""
    labels = [*prediction.narratives, *prediction.subnarratives]
    return [
        ReportNarrative(
            id=item.label,
            name=item.label,
            sources=["classifier"],
            classifier_score=round(item.score, 4),
        )
        for item in labels
        if item.label != OTHER
    ]
