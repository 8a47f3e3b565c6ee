"""The helpers of the persuasion-technique variant benchmarks (issue 21): model-free checks."""

from __future__ import annotations

import numpy as np
from benchmarks.techniques_heads import article_mean, signed_counts, weighted_block
from benchmarks.techniques_sentences import pooled_sentences, sentences

from disproof.techniques.hashing import _block, _word_hashes


def test_weighted_block_without_idf_is_the_detectors_hashed_block() -> None:
    texts = ["Traitors everywhere, traitors!", "A calm and factual report.", ""]
    counts = np.stack([signed_counts(_word_hashes(t)) for t in texts])
    rows = weighted_block(counts, np.arange(len(texts)), idf=False)
    for text, row in zip(texts, rows, strict=True):
        assert np.allclose(row, _block(_word_hashes(text), 4096), atol=1e-6)


def test_idf_weighs_rare_buckets_above_common_ones() -> None:
    counts = np.zeros((3, 4))
    counts[:, 0] = 1.0  # in every row
    counts[0, 1] = 1.0  # in one row only
    row = weighted_block(counts, np.arange(3), idf=True)[0]
    assert row[1] > row[0] > 0
    assert np.isclose(np.linalg.norm(row), 1.0)
    assert np.allclose(weighted_block(np.zeros((1, 4)), np.arange(1), idf=True), 0.0)


def test_article_mean_reads_only_the_other_paragraphs_of_the_same_article() -> None:
    z = np.array([[1.0], [3.0], [5.0], [7.0]])
    out = article_mean(z, np.array([4, 4, 4, 9]))
    assert out[:, 0].tolist() == [4.0, 3.0, 2.0, 0.0]


def test_sentences_are_pooled_per_paragraph() -> None:
    vectors = {"One.": np.array([1.0, 0.0]), "Two.": np.array([0.0, 2.0])}
    assert sentences("One. Two.") == ["One.", "Two."]
    assert sentences("") == [""]
    mean, top, bottom = pooled_sentences(["One. Two.", "Two."], vectors.__getitem__)
    assert mean.tolist() == [[0.5, 1.0], [0.0, 2.0]]
    assert top.tolist() == [[1.0, 2.0], [0.0, 2.0]]
    assert bottom.tolist() == [[0.0, 0.0], [0.0, 2.0]]
