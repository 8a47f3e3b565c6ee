"""v4 of inferred narratives: one semantic margin per narrative, learned from labels
(``disproof.narratives.semantic``, ``benchmarks.narrative_margins``), and every count that
reads derived narratives — facets, trends, emerging alerts — following a change of margin."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator

import numpy as np
import pytest

from disproof.narratives.mapping import KeywordMapping
from disproof.narratives.semantic import (
    MARGIN,
    NO_MARGIN,
    ClaimVectors,
    builtin_claims,
    load_claims,
)
from disproof.settings import Settings
from tests.fakes import FakeEmbedder
from tests.test_narrative_semantic import CLAIMS, TAXONOMY

POSITION = "The people of Crimea chose to join Russia in a free and democratic referendum."
SUBJECT = "Ukraine is preparing sabotage and terrorist attacks in Crimea."


def _claims(**margins: float) -> ClaimVectors:
    chosen = {n: dataclasses.replace(c, margin=margins.get(n, c.margin)) for n, c in CLAIMS.items()}
    return ClaimVectors.encode(FakeEmbedder(), chosen)


def test_each_narrative_is_decided_by_its_own_margin() -> None:
    text = "nobody ever walked on the moon, it was filmed"
    fields = FakeEmbedder().encode_documents([text])
    found = _claims().support("moon-fake", fields)
    assert found is not None and 0 < found.margin < 1
    assert _claims(**{"moon-fake": found.margin - 0.01}).supports("moon-fake", fields)[0]
    assert not _claims(**{"moon-fake": found.margin + 0.01}).supports("moon-fake", fields)[0]
    # the mapping follows the narrative's margin; without vectors the rule decides, unchecked
    strict = KeywordMapping(TAXONOMY, _claims(**{"moon-fake": found.margin + 0.01}))
    assert strict.narratives([], ["Moon landing"], "Apollo hoax", fields) == []
    (alone,) = strict.narratives([], ["Moon landing"], "Apollo hoax")
    assert alone.unchecked and alone.semantic is None


def test_margins_load_from_the_claims_and_default_to_the_v3_margin() -> None:
    text = (
        '{"narratives": {"a": {"claims": ["x"], "precision": 0.9, "margin": 0.01},'
        ' "b": {"claims": ["y"], "precision": null}}}'
    )
    loaded = load_claims(text)
    assert loaded["a"].margin == 0.01 and loaded["b"].margin == MARGIN
    # the shipped claims have a learned margin (or none, where the subject check decides alone:
    # v5) and a measured precision for every narrative
    for entry in builtin_claims().values():
        assert -0.1 < entry.margin < 0.1 or entry.margin == NO_MARGIN
        assert entry.precision is not None


def test_a_new_margin_changes_the_mapping_fingerprint() -> None:
    from disproof.store.derived import mapping_fingerprint

    base = mapping_fingerprint(KeywordMapping(TAXONOMY, _claims()))
    assert mapping_fingerprint(KeywordMapping(TAXONOMY, _claims(**{"moon-fake": 0.5}))) != base
    assert mapping_fingerprint(KeywordMapping(TAXONOMY, _claims())) == base


@pytest.fixture
def shipped_with(
    monkeypatch: pytest.MonkeyPatch, fake_matching: FakeEmbedder
) -> Iterator[dict[str, ClaimVectors]]:
    """The shipped claims encoded by the fake embedder; replace ``["claims"]`` to ship others."""
    from disproof.narratives import mapping, semantic, stored

    shipped = {"claims": ClaimVectors.encode(fake_matching, builtin_claims())}
    for module in (semantic, stored, mapping):
        monkeypatch.setattr(module, "builtin_claim_vectors", lambda: shipped["claims"])
    mapping.builtin_mapping.cache_clear()
    yield shipped
    mapping.builtin_mapping.cache_clear()


def test_facets_trends_and_emerging_recount_when_a_margin_changes(
    settings: Settings,
    shipped_with: dict[str, ClaimVectors],
    monkeypatch: pytest.MonkeyPatch,
    fake_matching: FakeEmbedder,
) -> None:
    from disproof.models import Case
    from disproof.narratives import mapping
    from disproof.service import Disproof
    from disproof.store import derived
    from tests.fakes import add_cases

    day = dt.date(2026, 11, 20)
    service = Disproof.open(settings)
    add_cases(
        service,
        Case(id="pos", title=POSITION, keywords=["Crimea"], date=day),
        Case(id="subj", title=SUBJECT, keywords=["Crimea"], date=day),
    )
    service.matcher()  # stores the case vectors: the check decides with the shipped margin

    def counts(found: Disproof) -> tuple[int, int, int]:
        facet = next((f.count for f in found.facets("narrative") if f.value == "crimea-russian"), 0)
        trends = found.trends("narrative", "month", date_from=day, date_to=day)
        series = next((s.total for s in trends.series if s.key == "crimea-russian"), 0)
        return facet, series, found.emerging(day, by="narrative", clusters=True).unlabelled

    assert counts(service) == (1, 1, 1)
    # a new release ships a margin no case clears: the next open recomputes every count
    stricter = dict(builtin_claims())
    stricter["crimea-russian"] = dataclasses.replace(stricter["crimea-russian"], margin=math.inf)
    shipped_with["claims"] = ClaimVectors.encode(fake_matching, stricter)
    mapping.builtin_mapping.cache_clear()
    monkeypatch.setattr(derived, "mapping_source", lambda: "files of the new release")
    assert counts(Disproof.open(settings)) == (0, 0, 2)


def test_fit_margin_takes_the_largest_recall_at_the_precision_asked() -> None:
    from benchmarks.narrative_inference import Unit
    from benchmarks.narrative_margins import fit_margin, out_of_fold

    margins = {"a": 0.05, "b": 0.03, "c": 0.01, "d": -0.01, "e": -0.03}
    labels = {"a": 1, "b": 1, "c": 0, "d": 1, "e": 0, "f": 1}
    units = {k: Unit(k, 0, set(), []) for k in labels}
    # keep a, b (precision 1, recall 2/4) or a..d (3/4, 3/4): the first at 0.9, the second at 0.7
    assert fit_margin(units, labels, margins, 0.9) == pytest.approx(0.02)
    assert fit_margin(units, labels, margins, 0.7) == pytest.approx(-0.02)
    # no margin reaches the precision: the most precise one (then the larger recall)
    mixed = {"a": 0, "b": 1, "c": 0, "d": 1, "e": 0}
    assert fit_margin(units, mixed, margins, 0.9) == pytest.approx(-0.02)
    precision, recall = out_of_fold(units, labels, margins, 0.9)
    assert 0 <= precision <= 1 and 0 <= recall <= 1


def test_unit_vectors_of_another_model_leave_the_rule_alone() -> None:
    claims = _claims()
    other = np.ones((1, 8), np.float32) / np.sqrt(8)
    assert claims.supports("moon-fake", other) == (False, None)
    # and a narrative without claims is never checked, whatever its vectors
    assert KeywordMapping(TAXONOMY, claims)._semantic("other", other) == (True, None)
