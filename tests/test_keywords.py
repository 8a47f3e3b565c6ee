"""Keyword suggestion: sparse products, the many-label regression, calibration, the model's
files, the CLI, and the service's use of a trained model."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from disproof.errors import DisproofError
from disproof.keywords import (
    KeywordModel,
    KeywordOptions,
    KeywordSuggester,
    LabelledText,
    Thresholds,
    calibrate,
    decide,
    load_model,
    save_model,
    train,
    train_from_store,
)
from disproof.keywords.linear import fit_logistic_multilabel
from disproof.keywords.metrics import macro_f1, micro_f1, precision_at, samples_f1
from disproof.keywords.recency import recency_weights
from disproof.keywords.scorers import Features
from disproof.keywords.train import analyse, chronological_split, label_space
from disproof.models import Case
from disproof.service import Disproof
from disproof.text.sparse import SparseRows
from tests.fakes import FakeEmbedder, add_cases

# -- pieces --------------------------------------------------------------------------------------


def test_sparse_rows_multiply_like_dense_ones() -> None:
    rng = np.random.default_rng(0)
    dense = rng.random((7, 5)).astype(np.float32) * (rng.random((7, 5)) < 0.4)
    dense[3] = 0.0  # an empty row
    rows = SparseRows.from_rows([{c: float(v) for c, v in enumerate(row) if v} for row in dense], 5)
    weights = rng.random((5, 3)).astype(np.float32)
    np.testing.assert_allclose(rows.dot(weights), dense @ weights, rtol=1e-5)
    np.testing.assert_allclose(rows.transpose().toarray(), dense.T)
    np.testing.assert_allclose(rows.take(np.array([4, 3, 0])).toarray(), dense[[4, 3, 0]])
    np.testing.assert_allclose(rows.row_sums(), dense.sum(axis=1), rtol=1e-5)


def test_dense_and_sparse_regressions_learn_the_same_labels() -> None:
    rng = np.random.default_rng(1)
    x = (rng.random((300, 6)) < 0.3).astype(np.float32)
    targets = np.column_stack([x[:, 0] > 0, (x[:, 1] > 0) & (x[:, 2] > 0)])
    sparse = SparseRows.from_rows([{c: float(v) for c, v in enumerate(r) if v} for r in x], 6)
    for features in (x, sparse):
        weights, bias = fit_logistic_multilabel(features, targets, 1e-3, iterations=300)
        probability = 1 / (1 + np.exp(-(x @ weights + bias)))
        assert ((probability > 0.5) == targets).mean() > 0.97


def test_metrics_count_unknown_gold_keywords_as_misses() -> None:
    gold = np.array([[True, False], [False, True]])
    predicted = np.array([[True, True], [False, False]])
    assert micro_f1(gold, predicted) == pytest.approx(0.5)
    assert micro_f1(gold, predicted, np.array([2, 1])) == pytest.approx(2 / 5)
    assert samples_f1(gold, predicted, np.array([2, 1])) == pytest.approx((2 / 4 + 0) / 2)
    assert macro_f1(gold, predicted) == pytest.approx((1.0 + 0.0) / 2)
    scores = np.array([[0.9, 0.1], [0.8, 0.3]])
    assert precision_at(gold, scores, 1) == pytest.approx(0.5)


def test_decision_threshold_top_and_floor() -> None:
    scores = np.array([[0.9, 0.6, 0.7], [0.2, 0.1, 0.05], [0.01, 0.02, 0.03]])
    thresholds = Thresholds(np.array([0.5, 0.5, 0.5]), floor=0.15)
    assert decide(scores, thresholds).tolist() == [
        [True, True, True],
        [True, False, False],  # nothing passes: the best alone, above the floor
        [False, False, False],  # nothing passes and the best is below the floor
    ]
    assert decide(scores, thresholds, top=2)[0].tolist() == [True, False, True]


def test_calibration_beats_one_half_on_a_synthetic_set() -> None:
    rng = np.random.default_rng(2)
    n, labels = 600, 6
    gold = rng.random((n, labels)) < np.linspace(0.05, 0.3, labels)
    # scores that rank well but sit low, as class-weighted scores of rare labels do
    scores = np.clip(np.where(gold, 0.35, 0.1) + rng.normal(0, 0.08, gold.shape), 0, 1)
    half = Thresholds(np.full(labels, 0.5), floor=1.01)
    for own in (None, 5):
        chosen = calibrate(scores, gold, min_positives=own)
        assert micro_f1(gold, decide(scores, chosen)) > micro_f1(gold, decide(scores, half)) + 0.3
        assert (chosen.per_label < 0.5).all()
        assert len(set(chosen.per_label)) == 1 or own is not None


def test_label_space_keeps_frequent_keywords_in_their_usual_spelling() -> None:
    space = label_space([["NATO", "War"], ["nato"], ["NATO", "rare"], ["war"]], min_count=2)
    assert space.labels == ("NATO", "War")
    assert space.targets.tolist() == [[True, True], [True, False], [True, False], [False, True]]
    assert space.gold_counts.tolist() == [2, 1, 2, 1]
    assert space.cases == {"NATO": 3, "War": 2}


def test_the_newest_cases_are_held_out_for_calibration() -> None:
    dates = [dt.date(2020, 1, d) for d in (5, 1, 9, 3)] + [None]
    older, newest = chronological_split(dates, 0.4)
    assert newest.tolist() == [0, 2] and older.tolist() == [1, 3, 4]


def test_recency_weights_halve_every_half_life() -> None:
    dates = [dt.date(2020, 1, 1), dt.date(2020, 1, 11), None, dt.date(2019, 12, 22)]
    weights = recency_weights(dates, half_life_days=10)
    assert weights is not None
    np.testing.assert_allclose(weights, [0.5, 1.0, 0.25, 0.25])
    assert recency_weights([None, None], 10) is None


def test_weighted_regression_follows_the_heavier_rows() -> None:
    rng = np.random.default_rng(3)
    x = (rng.random((400, 4)) < 0.5).astype(np.float32)
    old, new = x[:, 0] > 0, x[:, 1] > 0  # the label meant feature 0, then feature 1
    targets = np.concatenate([old[:200], new[200:]])[:, None]
    weights = np.where(np.arange(400) < 200, 0.01, 1.0)
    sparse = SparseRows.from_rows([{c: float(v) for c, v in enumerate(r) if v} for r in x], 4)
    for features in (x, sparse):
        w, _ = fit_logistic_multilabel(
            features, targets, 1e-3, iterations=300, sample_weight=weights
        )
        assert w[1, 0] > 2 * abs(w[0, 0])
        same, _ = fit_logistic_multilabel(features, targets, 1e-3, sample_weight=np.ones(400))
        plain, _ = fit_logistic_multilabel(features, targets, 1e-3)
        np.testing.assert_allclose(same, plain, atol=1e-6)
    with pytest.raises(ValueError, match="sample weights"):
        fit_logistic_multilabel(x, targets, 1e-3, sample_weight=np.zeros(400))


# -- a model on synthetic cases ------------------------------------------------------------------

TOPICS = {
    "alliance bases border": ["NATO", "Encircling Russia"],
    "laboratory pathogens pentagon": ["Biological weapons"],
    "peninsula referendum sevastopol": ["Crimea"],
    "vaccine chip microchip": ["Conspiracy theory", "Vaccines"],
}


def synthetic_cases(n: int, seed: int, start: dt.date = dt.date(2020, 1, 1)) -> list[Case]:
    rng = np.random.default_rng(seed)
    topics = sorted(TOPICS)
    cases = []
    for i in range(n):
        topic = topics[i % len(topics)]
        noise = " ".join(f"w{rng.integers(0, 40)}" for _ in range(3))
        cases.append(
            Case(
                id=f"case-{seed}-{i}",
                title=f"{topic} {noise}",
                summary=f"{topic.split()[0]} w{rng.integers(0, 40)}",
                date=start + dt.timedelta(days=i),
                keywords=TOPICS[topic],
            )
        )
    return cases


def labelled(cases: list[Case]) -> list[LabelledText]:
    return [LabelledText(f"{c.title}\n{c.summary}", tuple(c.keywords), c.date) for c in cases]


FAST = KeywordOptions(min_count=3, tfidf_steps=60, linear_steps=40, neighbours=5)


@pytest.fixture
def trained(tmp_path: Path) -> tuple[KeywordModel, Path]:
    embedder = FakeEmbedder()
    items = labelled(synthetic_cases(80, seed=3))
    vectors = embedder.encode_documents([item.text for item in items])
    model = train(items, vectors, FAST, model_id=embedder.model_id, meta={"backend": "fake"})
    save_model(model, tmp_path / "model")
    return model, tmp_path / "model"


@pytest.fixture
def model_dir(trained: tuple[KeywordModel, Path]) -> Path:
    return trained[1]


def test_train_save_load_round_trip_gives_identical_scores(
    trained: tuple[KeywordModel, Path],
) -> None:
    model, folder = trained
    embedder = FakeEmbedder()
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["model_id"] == FakeEmbedder.model_id and meta["version"] == 2
    assert meta["blend"] == ["tfidf", "linear", "knn"] and meta["names"] is True
    assert not list(folder.glob("*.pkl")) and (folder / "tfidf.weights.npy").exists()
    texts = [f"{c.title}\n{c.summary}" for c in synthetic_cases(12, seed=4)]
    features = Features(analyse(texts), embedder.encode_documents(texts))
    reloaded = load_model(folder, embedder.model_id)
    np.testing.assert_array_equal(model.scores(features), reloaded.scores(features))
    assert reloaded.labels == model.labels and reloaded.thresholds.floor == model.thresholds.floor
    np.testing.assert_array_equal(reloaded.thresholds.per_label, model.thresholds.per_label)
    predicted = KeywordSuggester.load(folder, lambda name: embedder).suggest(texts)
    for case, keywords in zip(synthetic_cases(12, seed=4), predicted, strict=True):
        assert {k.keyword for k in keywords} == set(case.keywords)
        assert [k.score for k in keywords] == sorted((k.score for k in keywords), reverse=True)


def test_a_model_refuses_another_embedder(model_dir: Path) -> None:
    with pytest.raises(DisproofError, match="trained with embedder 'fake-embedder/1'"):
        load_model(model_dir, "other-model/2")
    (model_dir / "knn.vectors.npy").unlink()
    with pytest.raises(DisproofError, match="incomplete"):
        load_model(model_dir, FakeEmbedder.model_id)


def test_saving_never_replaces_a_folder_that_is_not_a_model(
    model_dir: Path, tmp_path: Path
) -> None:
    model = load_model(model_dir, FakeEmbedder.model_id)
    other = tmp_path / "precious"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(DisproofError, match="not a keyword model"):
        save_model(model, other)
    save_model(model, model_dir)  # a model folder is replaced
    assert (other / "notes.txt").exists() and (model_dir / "meta.json").exists()


def test_training_needs_frequent_keywords() -> None:
    items = labelled(synthetic_cases(12, seed=5))
    with pytest.raises(DisproofError, match="no keyword is used by 50 or more"):
        train(items, None, KeywordOptions(min_count=50, blend=("tfidf",)))


def test_rare_keywords_are_suggested_by_name_only(tmp_path: Path) -> None:
    cases = synthetic_cases(80, seed=9)
    for i in (0, 4):  # a keyword of two cases, both naming it
        cases[i] = cases[i].model_copy(
            update={
                "title": f"Nord Stream pipeline {cases[i].title}",
                "keywords": [*cases[i].keywords, "Nord Stream"],
            }
        )
    items = labelled(cases)
    embedder = FakeEmbedder()
    vectors = embedder.encode_documents([item.text for item in items])
    model = train(items, vectors, FAST, model_id=embedder.model_id)
    assert "Nord Stream" in model.labels[model.learnt_count :]
    assert "Nord Stream" not in model.labels[: model.learnt_count]
    save_model(model, tmp_path / "model")
    entries = json.loads((tmp_path / "model" / "labels.json").read_text(encoding="utf-8"))
    assert {e["keyword"]: e["learnt"] for e in entries["labels"]}["Nord Stream"] is False
    reloaded = load_model(tmp_path / "model", embedder.model_id)
    assert reloaded.learnt_count == model.learnt_count
    text = "nord stream pipeline alliance bases border w3"
    suggested = KeywordSuggester(reloaded, embedder).suggest([text])[0]
    assert "Nord Stream" in {k.keyword for k in suggested}
    plain = train(items, vectors, replace(FAST, name_only=False), model_id=embedder.model_id)
    assert plain.learnt_count == len(plain.labels) and "Nord Stream" not in plain.labels


def test_a_model_of_the_first_format_asks_to_be_retrained(model_dir: Path) -> None:
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    (model_dir / "meta.json").write_text(json.dumps({**meta, "version": 1}), encoding="utf-8")
    with pytest.raises(DisproofError, match="not a keyword model of version 2.*retrain"):
        load_model(model_dir, FakeEmbedder.model_id)


# -- command line and service --------------------------------------------------------------------


def test_cli_train_and_suggest_jsonl(
    cli: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = FakeEmbedder()
    monkeypatch.setattr(
        "disproof.embed.load_embedder", lambda name=None, fallback=True: (embedder, [])
    )
    source = tmp_path / "cases.jsonl"
    source.write_text(
        "".join(c.model_dump_json() + "\n" for c in synthetic_cases(60, seed=6)), encoding="utf-8"
    )
    assert cli("import", str(source)).code == 0  # type: ignore[operator]
    trained = cli("keywords", "train", "--min-count", "3", "--until", "2020-02-20")  # type: ignore[operator]
    assert trained.code == 0, trained.err
    assert "trained on 51 cases" in trained.err
    folder = tmp_path / "cli.db.keywords"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["until"] == "2020-02-20" and meta["cases"] == 51
    lines = [
        {"id": 1, "text": "alliance bases border w1"},
        {"id": "b", "text": "vaccine chip microchip"},
        {"id": None, "text": "zzz qqq"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines)))
    result = cli("keywords", "suggest", "--jsonl", "--top", "3")  # type: ignore[operator]
    assert result.code == 0, result.err
    first, second, third = (json.loads(line) for line in result.out.splitlines())
    assert set(first) == {"id", "keywords"} and first["id"] == 1
    assert {k["keyword"] for k in first["keywords"]} == {"NATO", "Encircling Russia"}
    assert all(set(k) == {"keyword", "score"} and 0 < k["score"] <= 1 for k in first["keywords"])
    assert {k["keyword"] for k in second["keywords"]} == {"Conspiracy theory", "Vaccines"}
    assert third["id"] is None and isinstance(third["keywords"], list)
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1, "text": "x"}\n{"id": 2}\n'))
    bad = cli("keywords", "suggest", "--jsonl")  # type: ignore[operator]
    assert bad.code == 1 and "stdin, line 2" in bad.err
    missing = cli("keywords", "suggest", "--jsonl", "--model", str(tmp_path / "nowhere"))  # type: ignore[operator]
    assert missing.code == 1 and "no keyword model here" in missing.err


def test_the_editor_suggestions_come_from_a_trained_model(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    add_cases(service, *synthetic_cases(60, seed=7))
    text = "peninsula referendum sevastopol w2"
    neighbour_vote = service.suggest_keywords(text, limit=3)
    assert neighbour_vote and neighbour_vote[0] == "Crimea"  # no model yet: similar cases vote
    model = train_from_store(service.store, fake_matching, FAST, backend=None)
    folder = service.settings.keywords_dir()
    assert folder is not None
    save_model(model, folder)
    expected = KeywordSuggester(model, fake_matching).suggest([text], top=3)[0]
    assert service.suggest_keywords(text, limit=3) == [k.keyword for k in expected]
    assert service.suggest_keywords(text, limit=3) == ["Crimea"]
    assert service.suggest_keywords("  ", limit=3) == []


def test_a_model_for_another_embedder_is_not_used_by_the_service(
    service: Disproof, fake_matching: FakeEmbedder, model_dir: Path
) -> None:
    add_cases(service, *synthetic_cases(20, seed=8))
    folder = service.settings.keywords_dir()
    assert folder is not None
    model = load_model(model_dir, FakeEmbedder.model_id)
    save_model(replace(model, model_id="other/1", meta={}), folder)
    assert service.keyword_model.get() is None  # refused (logged), so the neighbours vote
    suggested = service.suggest_keywords("alliance bases border", limit=2)
    assert set(suggested) == {"NATO", "Encircling Russia"}


@pytest.mark.model
def test_a_model_on_the_demo_cases_with_the_real_embedder(service: Disproof) -> None:
    service.load_demo()
    options = KeywordOptions(min_count=2, tfidf_steps=50, linear_steps=30, neighbours=5)
    embedder, _ = service._embedder(None)
    assert embedder is not None
    model = train_from_store(service.store, embedder, options, backend="e5")
    folder = service.settings.keywords_dir()
    assert folder is not None
    save_model(model, folder)
    suggester = service.keyword_model.get()
    assert suggester is not None and suggester.model.model_id == embedder.model_id
    demo = list(service.store.iter_cases())[:5]
    for case, keywords in zip(demo, suggester.suggest([c.title for c in demo], top=5), strict=True):
        assert all(k.keyword in model.labels for k in keywords)
        if keywords:
            assert {k.keyword for k in keywords} & set(case.keywords)
