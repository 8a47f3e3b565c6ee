"""Inferred narratives on the real EUvsDisinfo cases, scored against the hand-labelled sample
(``benchmarks/data/narrative_labels.*``; the numbers are in docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scored() -> dict[str, tuple[float, float, float, float]]:
    from benchmarks import narrative_inference as bench

    from disproof.narratives.mapping import builtin_mapping

    if not all((bench.DATA / name).exists() for name in bench.FILES):
        pytest.skip("../shared/data is not here")

    labels = bench.load_labels()
    pools = bench.pools(bench.load_cases(None))
    out = {}
    for narrative, units in pools.items():
        old = bench.estimate(units, labels[narrative], bench.first_version_flags(narrative))
        new = bench.estimate(
            units, labels[narrative], bench.product_flags(builtin_mapping(), narrative)
        )
        out[narrative] = (old.precision, new.precision, new.recall, new.flagged / old.flagged)
    return out


def test_every_label_finds_its_case(shared_data: Path) -> None:
    """The labels are keyed by title and date: each must still name a case of the data."""
    from benchmarks import narrative_inference as bench

    keys = {bench.case_key(case) for case in bench.load_cases(None)}
    labels = bench.load_labels()
    assert sum(len(v) for v in labels.values()) == 471
    assert all(key in keys for found in labels.values() for key in found)


def test_subject_narratives_meet_the_target_where_the_subject_is_a_keyword(
    scored: dict[str, tuple[float, float, float, float]],
) -> None:
    for narrative in ("mh17-ukraine-guilty", "skripal-staged"):
        _, precision, recall, _ = scored[narrative]
        assert precision >= 0.90 and recall >= 0.70, narrative


def test_inference_is_far_more_precise_than_any_related_keyword(
    scored: dict[str, tuple[float, float, float, float]],
) -> None:
    """Version 1 (any one related keyword implies the narrative) against the shipped rules:
    every evaluated narrative gains precision, keeps most recall (0.70 or more: Georgia 2008's
    subject check costs it 0.72 on this sample) and flags far fewer cases."""
    for narrative, (old, new, recall, shrink) in scored.items():
        assert new >= old + 0.15, narrative
        assert recall >= 0.70, narrative
        assert shrink <= 0.6, narrative


def test_every_heldout_label_finds_its_case_and_none_was_in_the_first_sample(
    shared_data: Path,
) -> None:
    from benchmarks import narrative_inference as bench

    keys = {bench.case_key(case) for case in bench.load_cases(None)}
    first = bench.load_labels()
    held = bench.load_labels(bench.HELDOUT)
    assert sum(len(v) for v in held.values()) == 128
    for narrative, found in held.items():
        assert all(key in keys for key in found), narrative
        assert not set(found) & set(first.get(narrative, {})), narrative


def test_the_fresh_labels_find_their_cases_and_none_was_in_an_earlier_sample(
    shared_data: Path,
) -> None:
    from benchmarks import narrative_inference as bench

    keys = {bench.case_key(case) for case in bench.load_cases(None)}
    earlier = [bench.load_labels(), bench.load_labels(bench.HELDOUT)]
    fresh = bench.load_labels(bench.FRESH)
    assert sum(len(v) for v in fresh.values()) == 120
    for narrative, found in fresh.items():
        assert all(key in keys for key in found), narrative
        for sample in earlier:
            assert not set(found) & set(sample.get(narrative, {})), narrative


@pytest.mark.model
def test_v5_gains_precision_on_every_sample(shared_data: Path) -> None:
    """v5 (rule, subject check for Syria and Georgia 2008, semantic check with learned margins,
    on the case vectors) against v2 (rule and definition term alone): precision at least as
    high (or at 0.93 or more) on every sample, the fourth (nothing fitted or chosen on it)
    included, with fewer cases flagged; on the samples it was chosen on (1-3), precision 0.90
    or more except Georgia 2008 (0.81 there: docs/benchmarks.md, v5) and recall 0.70 or more
    (the vectors are cached under benchmarks/.work: a first run encodes the pools)."""
    from benchmarks import narrative_inference as bench
    from benchmarks.narrative_margins import merged

    from disproof.narratives.mapping import KeywordMapping, builtin_mapping

    mapping = builtin_mapping()
    vectors = bench._vectors(mapping)
    if vectors is None:
        pytest.skip("no claim vectors for the installed encoder")
    rule_only = KeywordMapping(mapping.taxonomy)
    pools = bench.pools(bench.load_cases(None))
    fitted = merged(*(bench.load_labels(p) for p in (bench.LABELS, bench.HELDOUT, bench.FRESH)))
    for sample in (fitted, bench.load_labels(bench.FOURTH)):
        for narrative, labels in sample.items():
            before = bench.estimate(
                pools[narrative], labels, bench.product_flags(rule_only, narrative), bootstrap=0
            )
            after = bench.estimate(
                pools[narrative],
                labels,
                bench.product_flags(mapping, narrative, vectors),
                bootstrap=0,
            )
            assert after.flagged < before.flagged, narrative
            if after.precision == after.precision:  # no labelled case flagged: no precision
                # Skripal: 0.94 either way (v4 drops one positive of 34 flagged)
                assert after.precision >= min(before.precision, 0.93), narrative
    for narrative, labels in fitted.items():
        after = bench.estimate(
            pools[narrative], labels, bench.product_flags(mapping, narrative, vectors), bootstrap=0
        )
        floor = 0.80 if narrative == "georgia-2008-aggressor" else 0.90
        assert after.precision >= floor, narrative
        assert after.recall >= 0.70, narrative


def test_the_fourth_labels_find_their_cases_and_none_was_in_an_earlier_sample(
    shared_data: Path,
) -> None:
    from benchmarks import narrative_inference as bench

    keys = {bench.case_key(case) for case in bench.load_cases(None)}
    earlier = [bench.load_labels(p) for p in (bench.LABELS, bench.HELDOUT, bench.FRESH)]
    fourth = bench.load_labels(bench.FOURTH)
    assert {n: len(v) for n, v in fourth.items()} == {
        "syria-chemical-attacks-staged": 60,
        "georgia-2008-aggressor": 20,
    }
    for narrative, found in fourth.items():
        assert all(key in keys for key in found), narrative
        for sample in earlier:
            assert not set(found) & set(sample.get(narrative, {})), narrative
