"""Narrative classification: SemEval import, the metric, calibration, the decision, the model."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from disproof.errors import DisproofError
from disproof.narratives.chunks import Chunking, document_chunks, embed_documents
from disproof.narratives.classify import TrainingOptions, load_model, save_model, train
from disproof.narratives.decide import Platt, decide
from disproof.narratives.logistic import conjugate_gradient, fit_binary, sigmoid
from disproof.narratives.metrics import samples_f1, samples_f1_matrix
from disproof.narratives.pipeline import NarrativeClassifier
from disproof.narratives.semeval import (
    load_semeval_documents,
    load_semeval_taxonomy,
    parse_annotations,
)
from tests.fakes import FakeEmbedder

TAXONOMY = {
    "URW": {"Discrediting Ukraine": ["Ukraine is a puppet of the West", "Situation is hopeless"]},
    "CC": {"Amplifying Climate Fears": ["Doomsday"]},
}


class WordEmbedder(FakeEmbedder):
    """The shared fake embedder, with vectors wide enough for the classifier tests."""

    model_id = "fake-words/1"
    dim = 128


# --- SemEval import ---------------------------------------------------------------------------


def test_semeval_taxonomy_has_two_levels_and_other(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(TAXONOMY), encoding="utf-8")
    (tmp_path / "narrative_definitions.csv").write_text(
        "narrative,definition\nDiscrediting Ukraine,Undermines Ukraine.\n", encoding="utf-8"
    )
    taxonomy = load_semeval_taxonomy(path)
    nodes = {n.id: n for n in taxonomy.narratives}
    puppet = nodes["URW: Discrediting Ukraine: Ukraine is a puppet of the West"]
    assert puppet.name == "Ukraine is a puppet of the West"
    assert puppet.parent == "URW: Discrediting Ukraine"
    assert nodes["URW: Discrediting Ukraine"].parent == "URW"
    assert nodes["URW: Discrediting Ukraine"].description == "Undermines Ukraine."
    assert nodes["CC: Amplifying Climate Fears: Other"].parent == "CC: Amplifying Climate Fears"
    assert nodes["Other"].parent is None and nodes["URW"].name == "Ukraine–Russia war"


def test_annotations_are_parsed_and_bad_lines_named() -> None:
    text = "a.txt\tURW: X;URW: Y\tURW: X: s;URW: Y: Other\nb.txt\tOther\tOther\n"
    parsed = parse_annotations(text, "ann.txt")
    assert parsed["a.txt"] == (("URW: X", "URW: Y"), ("URW: X: s", "URW: Y: Other"))
    assert parsed["b.txt"] == (("Other",), ("Other",))
    with pytest.raises(DisproofError, match=r"ann.txt, line 2: expected file"):
        parse_annotations("a.txt\tOther\tOther\nb.txt\tOther\n", "ann.txt")
    with pytest.raises(DisproofError, match=r"line 2: a.txt is annotated twice"):
        parse_annotations("a.txt\tOther\tOther\na.txt\tOther\tOther\n", "ann.txt")


def test_semeval_documents_and_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "raw-documents").mkdir()
    (tmp_path / "raw-documents" / "a.txt").write_text("Title\n\nBody.", encoding="utf-8")
    (tmp_path / "subtask-2-annotations.txt").write_text("a.txt\tOther\tOther\n", encoding="utf-8")
    (document,) = load_semeval_documents(tmp_path)
    assert document.text == "Title\n\nBody." and document.narratives == ("Other",)
    (tmp_path / "subtask-2-annotations.txt").write_text("b.txt\tOther\tOther\n", encoding="utf-8")
    with pytest.raises(DisproofError, match=r"b.txt: cannot read"):
        load_semeval_documents(tmp_path)


def test_chunks_are_windows_of_whole_sentences() -> None:
    text = "Title here\n\n" + " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = document_chunks(text, Chunking(max_chunks=3, max_chars=100))
    assert len(chunks) == 3 and all(len(c) <= 100 for c in chunks)
    assert chunks[0].startswith("Title here") and chunks[1].startswith("Sentence number")
    assert document_chunks("") == ["empty"]


# --- metric -------------------------------------------------------------------------------------


def test_samples_f1_on_hand_made_examples() -> None:
    assert samples_f1([{"A", "B"}], [{"A"}]) == pytest.approx(2 / 3)
    assert samples_f1([{"Other"}], [{"Other"}]) == 1.0
    assert samples_f1([{"Other"}], [{"A"}]) == 0.0
    assert samples_f1([set()], [set()]) == 1.0
    gold = [{"A"}, {"A", "B"}, {"Other"}]
    predicted = [{"A"}, {"B", "C"}, {"A"}]
    assert samples_f1(gold, predicted) == pytest.approx((1 + 0.5 + 0) / 3)
    matrix = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], bool)
    guess = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0]], bool)
    assert samples_f1_matrix(matrix, guess) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        samples_f1([{"A"}], [])


# --- logistic regression, decision, calibration -------------------------------------------------


def test_primal_and_woodbury_newton_agree() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 10))
    y = (x[:, 0] + 0.3 * rng.normal(size=30) > 0).astype(float)
    wide = np.column_stack([x, np.zeros((30, 40))])  # more features than rows: Woodbury path
    w1, b1 = fit_binary(x, y, l2=1.0)
    w2, b2 = fit_binary(wide, y, l2=1.0)
    assert np.allclose(w1, w2[:10], atol=1e-5) and b1 == pytest.approx(b2, abs=1e-5)
    assert np.allclose(w2[10:], 0, atol=1e-8)
    assert ((sigmoid(x @ w1 + b1) > 0.5) == (y > 0)).mean() > 0.8


def test_conjugate_gradient_solves_a_positive_definite_system() -> None:
    rng = np.random.default_rng(1)
    m = rng.normal(size=(40, 40))
    a = m @ m.T + 0.1 * np.eye(40)
    b = rng.normal(size=40)
    x = conjugate_gradient(lambda v: a @ v, b, tol=1e-12)
    assert np.allclose(a @ x, b, atol=1e-8)
    assert np.array_equal(conjugate_gradient(lambda v: a @ v, np.zeros(40)), np.zeros(40))


PARENTS = np.array([0, 0, 1], np.intp)  # fine 0, 1 under narrative 0; fine 2 under narrative 1


def test_decision_is_hierarchical_and_says_other() -> None:
    coarse = np.array([[0.9, 0.1], [0.2, 0.1], [0.1, 0.8]])
    fine = np.array([[0.05, 0.3, 0.9], [0.9, 0.1, 0.1], [0.1, 0.1, 0.2]])
    other = np.array([0.05, 0.7, 0.1])
    decision = decide(coarse, fine, other, PARENTS)
    # row 0: narrative 0 and its best child (1), not the unlikely 0; fine 2 is not under it
    assert decision.coarse[0].tolist() == [True, False, False]
    assert decision.fine[0].tolist() == [False, True, False, False]
    # row 1: "Other" is the better bet (0.7 against 2·0.2 / (1 + 1.0)), at both levels
    assert decision.coarse[1].tolist() == [False, False, True]
    assert decision.fine[1].tolist() == [False, False, False, True]
    # row 2: narrative 1 and its only child
    assert decision.fine[2].tolist() == [False, False, True, False]


def test_the_decision_maximises_expected_f1_over_label_sets() -> None:
    parents = np.array([0, 1, 2], np.intp)
    other = np.array([0.0, 0.0, 0.0])
    coarse = np.array(
        [
            [0.9, 0.85, 0.05],  # two likely narratives: both
            [0.9, 0.2, 0.05],  # one likely, one unlikely: the likely one only
            [0.3, 0.3, 0.3],  # three even ones: predicting all is the best bet
        ]
    )
    decision = decide(coarse, coarse.copy(), other, parents)
    assert decision.coarse[:, :3].tolist() == [
        [True, True, False],
        [True, False, False],
        [True, True, True],
    ]

    rng = np.random.default_rng(4)  # and no set of size ≤ 3 does better by the same estimate
    for _ in range(50):
        p = rng.random((1, 3)) ** 2
        q = float(rng.random() * 0.5)
        got = decide(p, p.copy(), np.array([q]), parents).coarse[0]
        expected = q + p.sum()

        def value(
            mask: tuple[bool, ...], p: np.ndarray = p, q: float = q, e: float = expected
        ) -> float:
            chosen = np.array(mask)
            return q if not chosen.any() else 2 * p[0, chosen].sum() / (chosen.sum() + e)

        best = max(itertools.product([False, True], repeat=3), key=value)
        assert value(tuple(got[:3])) == pytest.approx(value(best))


def test_a_narrative_takes_further_children_only_when_they_pay() -> None:
    parents = np.array([0, 0, 0], np.intp)
    coarse = np.array([[0.95], [0.95]])
    fine = np.array([[0.8, 0.75, 0.02], [0.3, 0.05, 0.02]])
    decision = decide(coarse, fine, np.zeros(2), parents)
    assert decision.fine[0].tolist() == [True, True, False, False]
    assert decision.fine[1].tolist() == [True, False, False, False]  # the best child, always


def test_platt_scaling_turns_weighted_scores_into_frequencies() -> None:
    rng = np.random.default_rng(1)
    n = 4000
    logits = rng.normal(0.0, 2.0, n)
    truth = sigmoid(0.5 * logits - 1.5)  # the regression over-rates the label
    labels = rng.random(n) < truth
    curve = Platt.fit(logits, labels)
    assert curve.slope == pytest.approx(0.5, abs=0.1)
    assert curve.intercept == pytest.approx(-1.5, abs=0.2)
    probabilities = curve.apply(logits)
    for low in (0.0, 0.2, 0.4):  # reliability: predicted ≈ observed within each bin
        inside = (probabilities >= low) & (probabilities < low + 0.2)
        assert abs(probabilities[inside].mean() - labels[inside].mean()) < 0.05
    assert sigmoid(logits).mean() > labels.mean() + 0.2 > probabilities.mean() + 0.15


def test_calibration_lets_a_rare_label_through_that_a_half_cut_would_miss() -> None:
    rng = np.random.default_rng(2)
    n = 400
    positive = rng.random(n) < 0.1
    logits = np.where(positive, rng.normal(-1.2, 0.25, n), rng.normal(-3.0, 0.4, n))
    curve = Platt.fit(logits, positive)
    coarse = curve.apply(logits)[:, None]
    decision = decide(coarse, np.zeros((n, 0)), 1.0 - coarse[:, 0], np.zeros(0, np.intp))
    gold = np.column_stack([positive, ~positive])
    assert not (sigmoid(logits) >= 0.5).any()  # a cut at 0.5 finds none of them
    assert samples_f1_matrix(gold, decision.coarse) > 0.9


# --- the model ----------------------------------------------------------------------------------

TOPICS = {
    "puppet": ("URW: Discrediting Ukraine", "URW: Discrediting Ukraine: Ukraine is a puppet"),
    "hopeless": ("URW: Discrediting Ukraine", "URW: Discrediting Ukraine: Situation is hopeless"),
    "doomsday": ("CC: Amplifying Climate Fears", "CC: Amplifying Climate Fears: Doomsday"),
    "recipe": ("Other", "Other"),
}


def synthetic(n: int, seed: int) -> tuple[list[str], list[list[str]], list[list[str]]]:
    rng = np.random.default_rng(seed)
    texts, coarse, fine = [], [], []
    names = sorted(TOPICS)
    for i in range(n):
        topic = names[i % len(names)]
        noise = " ".join(f"w{rng.integers(0, 50)}" for _ in range(3))
        texts.append(f"{topic} {topic} {noise}")
        coarse.append([TOPICS[topic][0]])
        fine.append([TOPICS[topic][1]])
    return texts, coarse, fine


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    embedder = WordEmbedder()
    texts, coarse, fine = synthetic(80, seed=2)
    model = train(
        embedder.encode_documents(texts),
        coarse,
        fine,
        options=TrainingOptions(l2=1.0, folds=4),
        meta={"model_id": embedder.model_id, "chunking": {"max_chunks": 1, "max_chars": 1200}},
    )
    save_model(model, tmp_path / "model")
    return tmp_path / "model"


def test_train_save_load_predict_round_trip(model_dir: Path) -> None:
    assert {p.name for p in model_dir.iterdir()} == {
        "weights.npy",
        "bias.npy",
        "labels.json",
        "calibration.json",
        "meta.json",
    }
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["model_id"] == WordEmbedder.model_id and meta["dim"] == 128 and meta["version"] == 3
    classifier = NarrativeClassifier.load(model_dir, WordEmbedder())
    texts, coarse, fine = synthetic(20, seed=3)
    predictions = classifier.classify(texts)
    got_coarse = [[s.label for s in p.narratives] for p in predictions]
    got_fine = [[s.label for s in p.subnarratives] for p in predictions]
    assert samples_f1(coarse, got_coarse) > 0.9 and samples_f1(fine, got_fine) > 0.9
    for prediction in predictions:  # every subnarrative under a predicted narrative
        narratives = {s.label for s in prediction.narratives}
        for sub in prediction.subnarratives:
            assert sub.label == "Other" or sub.label.rsplit(": ", 1)[0] in narratives


def test_other_when_nothing_fits(model_dir: Path) -> None:
    classifier = NarrativeClassifier.load(model_dir, WordEmbedder())
    (prediction,) = classifier.classify(["recipe recipe w1 w2"])
    assert [s.label for s in prediction.narratives] == ["Other"]
    assert [s.label for s in prediction.subnarratives] == ["Other"]


def test_a_model_refuses_another_embedder(model_dir: Path) -> None:
    with pytest.raises(DisproofError, match="built with embedder 'fake-words/1'"):
        load_model(model_dir, "other-model/2")
    (model_dir / "bias.npy").unlink()
    with pytest.raises(DisproofError, match="incomplete"):
        load_model(model_dir)
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    (model_dir / "meta.json").write_text(json.dumps({**meta, "version": 1}), encoding="utf-8")
    with pytest.raises(DisproofError, match="version 1 .* retrain it"):
        load_model(model_dir)
    (model_dir / "meta.json").write_text(json.dumps({**meta, "version": 2}), encoding="utf-8")
    with pytest.raises(DisproofError, match="version 2 .*unit length.* retrain it"):
        load_model(model_dir)


def test_cli_classify_jsonl(cli: object, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = WordEmbedder()
    monkeypatch.setattr(
        "disproof.embed.load_embedder", lambda name=None, fallback=True: (embedder, [])
    )
    lines = [{"id": 1, "text": "puppet puppet w3"}, {"id": "b", "text": "recipe w4"}]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines)))
    result = cli("narratives", "classify", "--model", str(model_dir), "--jsonl")  # type: ignore[operator]
    assert result.code == 0, result.err
    first, second = (json.loads(line) for line in result.out.splitlines())
    assert first["id"] == 1 and set(first) == {"id", "narratives", "subnarratives"}
    assert first["narratives"][0]["label"] == "URW: Discrediting Ukraine"
    assert first["subnarratives"][0] == {
        "label": "URW: Discrediting Ukraine: Ukraine is a puppet",
        "score": first["subnarratives"][0]["score"],
    }
    assert second["narratives"][0]["label"] == "Other"
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1, "text": "x"}\nnot json\n'))
    bad = cli("narratives", "classify", "--model", str(model_dir), "--jsonl")  # type: ignore[operator]
    assert bad.code == 1 and "stdin, line 2: malformed JSON" in bad.err


def test_e5_plus_tfidf_round_trip_folds_the_scaling_into_the_weights(tmp_path: Path) -> None:
    from disproof.narratives.pipeline import CHARS_FILE, DENSE_FOLDER, TFIDF_FILE, train_documents

    embedder = WordEmbedder()
    texts, coarse, fine = synthetic(80, seed=2)
    trained = train_documents(
        texts,
        coarse,
        fine,
        embedder,
        options=TrainingOptions(l2=1.0, folds=4, standardize=False),
        chars=True,
    )
    assert trained.meta["features"] == "e5+tfidf" and trained.lexical is not None
    assert trained.lexical.chars is not None and trained.meta["char_terms"] > 0
    trained.save(tmp_path / "m")
    assert (tmp_path / "m" / TFIDF_FILE).exists() and (tmp_path / "m" / CHARS_FILE).exists()
    classifier = NarrativeClassifier.load(tmp_path / "m", embedder)
    tests, test_coarse, _ = synthetic(20, seed=3)
    rows = classifier.features(tests)
    assert rows.width == embedder.dim + trained.lexical.width
    # the saved model reads raw embeddings: its scores equal the trained model's on them
    assert np.allclose(classifier.model.scores(rows), trained.model.scores(rows), atol=1e-5)
    predictions = classifier.classify(tests)
    assert samples_f1(test_coarse, [[s.label for s in p.narratives] for p in predictions]) > 0.9
    assert (tmp_path / "m" / DENSE_FOLDER / "weights.npy").exists()
    (tmp_path / "m" / TFIDF_FILE).write_text('{"terms": ["a"], "idf": [1.0]}', encoding="utf-8")
    with pytest.raises(DisproofError, match="features"):
        NarrativeClassifier.load(tmp_path / "m", embedder)


def test_texts_the_vocabularies_barely_know_go_to_the_embedding_only_model(
    cli: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from disproof.narratives.pipeline import train_documents

    embedder = WordEmbedder()
    texts, coarse, fine = synthetic(40, seed=2)
    options = TrainingOptions(l2=1.0, folds=4, standardize=False)
    trained = train_documents(texts, coarse, fine, embedder, languages=["EN"] * 40, options=options)
    assert trained.meta["languages"] == {"en": 40}
    trained.save(tmp_path / "m")
    classifier = NarrativeClassifier.load(tmp_path / "m", embedder)
    known = texts[0]  # a training text
    foreign = "марионетка марионетка запад"  # a script no training text used
    half = "puppet марионетка запад война мир правительство"
    rows = classifier.features([known, foreign, half])
    assert classifier.lexical is not None and classifier.lexical.chars is None  # words only
    coverage = classifier.lexical.coverage(rows.sparse) if rows.sparse is not None else None
    assert coverage is not None
    assert (
        coverage[0] > 0.9 and coverage[1] == 0.0 and 0 < coverage[2] < classifier.routing_coverage
    )
    assert classifier.routed(rows).tolist() == [False, True, True]
    assert classifier.fallback is not None
    dense = embed_documents(embedder, [known, foreign, half], classifier.chunking)
    got, routed = classifier.classify_rows([known, foreign, half])
    assert routed.tolist() == [False, True, True]
    assert got[0] == classifier.model.predict(classifier.features([known]))[0]
    assert got[1:] == classifier.fallback.predict(dense[1:])
    assert classifier.classify([foreign]) == [got[1]]  # all routed
    monkeypatch.setattr(
        "disproof.embed.load_embedder", lambda name=None, fallback=True: (embedder, [])
    )
    lines = [{"id": 1, "text": known}, {"id": 2, "text": foreign}]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines)))
    result = cli("narratives", "classify", "--model", str(tmp_path / "m"), "--jsonl")  # type: ignore[operator]
    assert result.code == 0 and len(result.out.splitlines()) == 2
    said = " ".join(result.err.split())
    assert "1 text(s) whose words this model's vocabularies barely know" in said
    e5_only = train_documents(texts, coarse, fine, embedder, features="e5", options=options)
    e5_only.save(tmp_path / "e5")
    plain = NarrativeClassifier.load(tmp_path / "e5", embedder)
    assert plain.fallback is None  # the embedding carries across languages
    assert plain.classify_rows([foreign])[1].tolist() == [False]


def test_training_reports_each_stage_to_the_end() -> None:
    from disproof.narratives.pipeline import train_documents

    heard: list[tuple[str, int, int]] = []
    texts, coarse, fine = synthetic(40, seed=2)
    options = TrainingOptions(l2=1.0, folds=4, standardize=False)
    train_documents(
        texts,
        coarse,
        fine,
        WordEmbedder(),
        options=options,
        progress=lambda *event: heard.append(event),
    )
    stages = list(dict.fromkeys(stage for stage, _, _ in heard))
    assert stages == ["embedding", "TF-IDF", "combined model", "embedding-only model"]
    for stage in stages:
        events = [(done, total) for name, done, total in heard if name == stage]
        assert events[-1][0] == events[-1][1] and [d for d, _ in events] == sorted(
            d for d, _ in events
        )
    assert [e for e in heard if e[0] == "combined model"][-1][1:] == (5, 5)  # 4 folds + final


def test_folding_the_scaling_gives_the_scores_of_the_scaled_features() -> None:
    from disproof.narratives.classify import train
    from disproof.narratives.features import Scaling

    rng = np.random.default_rng(0)
    dense = rng.normal(size=(60, 5)) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 1, 0]
    lexical = rng.random((60, 7))
    texts, coarse, fine = synthetic(60, seed=1)
    scaling = Scaling.fit(dense, 0.5)
    scaled = np.hstack([scaling.apply(dense), lexical])
    model = train(scaled, coarse, fine, options=TrainingOptions(l2=1.0, folds=3, standardize=False))
    folded = scaling.fold(model)
    raw = np.hstack([dense, lexical])
    assert np.allclose(folded.scores(raw), model.scores(scaled), atol=1e-5)


# -- keyword → narrative mapping -------------------------------------------------------------------


def _narratives_of(keywords: list[str], text: str, explicit: list[str] | None = None) -> dict:
    from disproof.models import Case
    from disproof.narratives.mapping import case_narratives

    case = Case(id="c", title=text, keywords=keywords, narratives=explicit or [])
    return {n.id: n for n in case_narratives(case)}


def test_case_narratives_combine_analysts_keywords_and_parents() -> None:
    by_id = _narratives_of(
        ["Azov Battalion", "azov battalion", "Pizza"],
        "The Azov battalion marches through Kyiv",
        ["western-russophobia"],
    )
    assert list(by_id)[0] == "western-russophobia"
    assert by_id["western-russophobia"].source == "analyst"
    assert not by_id["western-russophobia"].inferred
    assert by_id["ukraine-nazi-state"].source == "keywords"
    assert by_id["ukraine-nazi-state"].via == ("Azov Battalion",)
    assert "azov" in by_id["ukraine-nazi-state"].support
    assert by_id["ukraine-nazi-state"].inferred
    assert by_id["ukraine-illegitimate"].source == "parent"  # a sub-narrative implies its parent
    assert by_id["ukraine-illegitimate"].via == ("ukraine-nazi-state",)
    assert _narratives_of([], "Anything") == {} and _narratives_of(["Pizza"], "Pizza") == {}


def test_a_broad_keyword_alone_implies_no_narrative() -> None:
    """Keywords that merely co-occur with a narrative are not evidence on their own: on the
    EUvsDisinfo cases "Donbas", "Provocation" or "Russophobia" were mostly not about MH17 or
    the Skripal poisoning."""
    text = "The Boeing MH17 was shot down by a Ukrainian jet; Skripal poisoning staged"
    for broad in (["Donbas"], ["Provocation"], ["Donbas", "Provocation", "Eastern Ukraine"]):
        assert "mh17-ukraine-guilty" not in _narratives_of(broad, text)
    assert "skripal-staged" not in _narratives_of(["Russophobia"], text)
    assert set(_narratives_of(["mh17"], text)) == {"mh17-ukraine-guilty"}


def test_a_keyword_needs_the_case_text_to_support_it() -> None:
    """A keyword given for a passing mention infers nothing: the claim's own words must share
    a term specific to the narrative's definition (not "Russia" or "West")."""
    assert _narratives_of(["MH17"], "The West wants to spoil the World Cup in Russia") == {}
    found = _narratives_of(["MH17"], "The Dutch investigators hid the radar data")
    assert set(found["mh17-ukraine-guilty"].support) >= {"dutch"}


def test_a_keyword_combination_implies_a_narrative_only_whole() -> None:
    syria = "syria-chemical-attacks-staged"
    text = "The chemical attack in Douma was staged by the rebels"
    assert syria not in _narratives_of(["Chemical weapons/attack"], text)
    assert syria not in _narratives_of(["Syrian War"], text)
    both = _narratives_of(["Syrian War", "chemical weapons/attack"], text)
    assert both[syria].via == ("Syrian War", "chemical weapons/attack")  # the case's spelling
    assert both["staged-atrocities"].source == "parent"


def test_the_most_precise_rule_explains_an_inferred_narrative() -> None:
    from disproof.models import KeywordRule, Narrative, Taxonomy
    from disproof.narratives.mapping import KeywordMapping

    taxonomy = Taxonomy(
        id="t",
        name="T",
        narratives=[
            Narrative(
                id="a",
                name="Aliens built the pyramids",
                implied_by=[
                    KeywordRule(keywords=["x"], precision=0.6),
                    KeywordRule(keywords=["x", "y"], precision=0.95),
                    KeywordRule(keywords=["z"]),
                ],
            ),
            Narrative(id="b", name="Pyramids are tombs"),
            Narrative(id="c", name="Pyramids are grain stores"),
        ],
    )
    mapping = KeywordMapping(taxonomy)
    assert "pyramid" not in mapping.specific["a"]  # in three definitions: not specific
    (found,) = mapping.narratives([], ["Y", "X", "Z"], "aliens landed")
    assert (found.via, found.confidence, found.support) == (("X", "Y"), 0.95, ("aliens",))
    (only_z,) = mapping.narratives([], ["z"], "aliens")
    assert only_z.confidence is None  # never measured: no number is made up
    assert mapping.narratives([], ["z"], "pyramids") == []


def test_a_keyword_rule_needs_at_least_one_keyword() -> None:
    from pydantic import ValidationError

    from disproof.models import KeywordRule

    with pytest.raises(ValidationError):
        KeywordRule(keywords=[])
    with pytest.raises(ValidationError):
        KeywordRule(keywords=["x"], precision=1.5)


def test_a_cycle_in_a_taxonomy_does_not_hang() -> None:
    from disproof.models import KeywordRule, Narrative, Taxonomy
    from disproof.narratives.mapping import KeywordMapping

    looped = Taxonomy(
        id="t",
        name="T",
        narratives=[
            Narrative(id="a", name="Alpha", parent="b", implied_by=[KeywordRule(keywords=["x"])]),
            Narrative(id="b", name="B", parent="a"),
        ],
    )
    assert [n.id for n in KeywordMapping(looped).narratives([], ["X"], "alpha")] == ["a", "b"]


# -- training on the cases of the database ---------------------------------------------------------


def test_case_labels_split_narratives_and_subnarratives() -> None:
    from disproof.models import Case
    from disproof.narratives.mapping import builtin_mapping
    from disproof.narratives.pipeline import case_labels

    case = Case(
        id="x", title="Azov fighters", keywords=["Azov Battalion"], narratives=["nato-aggression"]
    )
    coarse, fine = case_labels(case, builtin_mapping())
    assert set(coarse) == {"nato-aggression", "ukraine-illegitimate"}
    assert fine == ["ukraine-nazi-state"]
    assert case_labels(Case(id="y", title="t"), builtin_mapping()) == (["Other"], ["Other"])


def test_cli_trains_on_the_database_cases(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = WordEmbedder()
    monkeypatch.setattr(
        "disproof.embed.load_embedder", lambda name=None, fallback=True: (embedder, [])
    )
    assert cli("demo").code == 0
    out = tmp_path / "cases-model"
    result = cli("narratives", "train", "--format", "cases", "--out", str(out), "--l2", "1")
    assert result.code == 0, result.err
    for stage in ("embedding:", "TF-IDF:", "combined model: 6 fits", "embedding-only model:"):
        assert stage in result.err  # each stage's time, also without a terminal
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["trained_on"] == ["cases:disproof"] and meta["documents"] == 43
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    assert "colour-revolutions" in labels["narratives"]
    assert labels["parents"].get("maidan-coup") == "ukraine-illegitimate"
    assert (tmp_path / "cases-model.vectors.npz").exists()  # the default --vector-cache
    again = cli("narratives", "train", "--format", "cases", "--out", str(out), "--l2", "1")
    assert again.code == 0 and "embedding: 0 chunks" in again.err
    refused = cli("narratives", "train", "x", "--format", "cases", "--out", str(out))
    said = " ".join(refused.err.replace("│", " ").split())
    assert refused.code == 2 and "--format cases trains on the database" in said
    assert cli("narratives", "train", "--out", str(out)).code == 2  # semeval needs folders


def test_training_on_cases_without_any_narrative_is_refused() -> None:
    from disproof.models import Case
    from disproof.narratives.pipeline import train_cases

    cases = [Case(id=f"c{i}", title=f"Some claim number {i}") for i in range(20)]
    with pytest.raises(DisproofError, match="nothing to learn"):
        train_cases(cases, WordEmbedder())


@pytest.mark.model
def test_a_classifier_trained_on_the_demo_cases_with_e5(tmp_path: Path) -> None:
    from disproof.embed import load_embedder
    from disproof.narratives.pipeline import train_cases
    from disproof.service import Disproof
    from disproof.settings import Settings

    service = Disproof.open(Settings(db=str(tmp_path / "demo.db")))
    service.load_demo()
    embedder, _ = load_embedder("e5", fallback=False)
    trained = train_cases(
        service.store.iter_cases(), embedder, TrainingOptions(l2=10.0, folds=4), features="e5"
    )
    trained.save(tmp_path / "m")
    classifier = NarrativeClassifier.load(tmp_path / "m", embedder)
    (prediction,) = classifier.classify(
        [
            "Die Proteste in Tiflis werden von westlichen NGOs und Soros bezahlt, ein weiterer "
            "Versuch einer Farbrevolution gegen Russland."
        ]
    )
    assert "colour-revolutions" in [s.label for s in prediction.narratives]


# --- the solver, sparse rows, character n-grams ------------------------------------------------


def test_all_labels_at_once_match_each_label_alone() -> None:
    from disproof.narratives.logistic import fit_one_vs_rest

    rng = np.random.default_rng(3)
    for d in (6, 80):  # primal (fewer features than rows) and row space (more)
        x = rng.normal(size=(40, d))
        targets = np.column_stack(
            [x[:, 0] > 0, x[:, 1] + x[:, 2] > 1, np.zeros(40, bool), np.ones(40, bool)]
        )
        weights, bias = fit_one_vs_rest(x, targets, l2=1.0)
        for j in range(2):
            w, b = fit_binary(x, targets[:, j].astype(float), l2=1.0)
            assert np.allclose(weights[:, j], w, atol=1e-4) and bias[j] == pytest.approx(
                b, abs=1e-3
            )
        assert bias[2] < -10 and bias[3] > 10 and not weights[:, 2:].any()  # constant labels


def test_a_design_of_dense_and_sparse_blocks_fits_like_the_dense_matrix() -> None:
    from disproof.narratives.design import Design
    from disproof.text.sparse import SparseRows

    rng = np.random.default_rng(5)
    texts, coarse, fine = synthetic(60, seed=4)
    dense = rng.normal(size=(60, 4))
    wide = (rng.random((60, 90)) > 0.9) * rng.random((60, 90))
    sparse = SparseRows.from_rows(
        [{int(c): float(row[c]) for c in np.flatnonzero(row)} for row in wide], 90
    )
    design = Design(dense, sparse)
    full = np.hstack([dense, wide])
    assert np.allclose(design.gram(), full @ full.T, atol=1e-5)
    assert np.allclose(design.dot(np.eye(94)[:, :3]), full[:, :3], atol=1e-6)
    options = TrainingOptions(l2=1.0, folds=3, standardize=False)
    a = train(design, coarse, fine, options=options)
    b = train(full, coarse, fine, options=options)
    assert np.allclose(a.scores(design), b.scores(full), atol=1e-4)


def test_sparse_blocks_side_by_side() -> None:
    from disproof.text.sparse import SparseRows, hstack

    a = SparseRows.from_rows([{0: 1.0}, {}, {1: 2.0, 2: 3.0}], 3)
    b = SparseRows.from_rows([{1: 5.0}, {0: 1.0}, {}], 2)
    joined = hstack([(a, 1.0), (b, 0.5)])
    assert joined.toarray().tolist() == [
        [1, 0, 0, 0, 2.5],
        [0, 0, 0, 0.5, 0],
        [0, 2, 3, 0, 0],
    ]


def test_character_ngrams_and_evidence_scaled_rows() -> None:
    from disproof.text.tfidf import char_ngrams, fit_tfidf

    assert char_ngrams("Ab, xyz") == [
        *(" ab", "ab ", " ab "),
        *(" xy", "xyz", "yz ", " xyz", "xyz ", " xyz "),
    ]
    assert char_ngrams("Мир")[:2] == [" ми", "мир"]  # casefolded, any script
    tfidf = fit_tfidf([["war", "west"], ["war", "gas"], ["war", "west"]], min_df=2)
    plain = tfidf.weights(["war", "west", "unknown"])
    scaled = tfidf.weights(["war", "west", "unknown"], evidence=True)
    assert sum(v * v for v in plain.values()) == pytest.approx(1.0)
    # the unknown term still counts in the norm: the row is shorter, its direction the same
    assert 0.3 < sum(v * v for v in scaled.values()) < 1.0
    assert scaled[0] / scaled[1] == pytest.approx(plain[0] / plain[1])
    assert tfidf.weights(["война", "запад"], evidence=True) == {}


# --- vectors kept between trainings --------------------------------------------------------------


class CountingEmbedder(WordEmbedder):
    """Keeps the texts it encodes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode_documents(self, texts: Any, batch_size: int = 32) -> Any:
        self.texts.extend(texts)
        return super().encode_documents(texts, batch_size)


def test_retraining_with_a_vector_cache_encodes_only_new_texts(tmp_path: Path) -> None:
    from disproof.narratives.pipeline import train_documents

    texts, coarse, fine = synthetic(40, seed=3)
    options = TrainingOptions(l2=1.0, folds=4, standardize=False)
    cache = tmp_path / "model.vectors.npz"
    first = CountingEmbedder()
    trained = train_documents(texts, coarse, fine, first, options=options, vector_cache=cache)
    assert len(first.texts) == 40 and cache.exists()
    again = CountingEmbedder()
    heard: list[tuple[str, int, int]] = []
    retrained = train_documents(
        [*texts, "A new text about the harvest"],
        [*coarse, ["Other"]],
        [*fine, ["Other"]],
        again,
        options=options,
        vector_cache=cache,
        progress=lambda *event: heard.append(event),
    )
    assert again.texts == ["A new text about the harvest"]
    assert ("vectors from the cache", 40, 41) in heard
    assert retrained.model.narratives == trained.model.narratives


def test_a_vector_cache_of_another_embedder_or_chunking_is_not_used(tmp_path: Path) -> None:
    from disproof.narratives.vectors import VectorCache

    path = tmp_path / "v.npz"
    lead = Chunking(max_chunks=1, max_chars=1200)
    cache = VectorCache(path, "fake-words/1", lead, 4)
    cache.put("a text", np.ones(4, np.float32))
    cache.save()
    assert VectorCache(path, "fake-words/1", lead, 4).get("a text") is not None
    assert VectorCache(path, "another/1", lead, 4).get("a text") is None
    assert VectorCache(path, "fake-words/1", Chunking(1, 600), 4).get("a text") is None
    assert VectorCache(path, "fake-words/1", lead, 8).get("a text") is None
    path.write_bytes(b"not a zip file")  # unreadable: no cache, and replaced on the next write
    broken = VectorCache(path, "fake-words/1", lead, 4)
    assert len(broken) == 0
    broken.put("a text", np.ones(4, np.float32))
    broken.save()
    assert VectorCache(path, "fake-words/1", lead, 4).get("a text") is not None
    assert [p.name for p in tmp_path.iterdir()] == ["v.npz"]  # no temporary file left


def test_cached_vectors_equal_encoded_ones(tmp_path: Path) -> None:
    from disproof.narratives.vectors import VectorCache

    embedder = WordEmbedder()
    texts = [f"Sentence {i} about a dam. And a second one on rivers." for i in range(70)]
    chunking = Chunking(max_chunks=2, max_chars=30)
    plain = embed_documents(embedder, texts, chunking)
    cache = VectorCache(tmp_path / "v.npz", embedder.model_id, chunking, embedder.dim)
    assert np.allclose(embed_documents(embedder, texts, chunking, cache=cache), plain)
    reread = VectorCache(tmp_path / "v.npz", embedder.model_id, chunking, embedder.dim)
    assert len(reread) == 70
    counting = CountingEmbedder()
    assert np.allclose(embed_documents(counting, texts, chunking, cache=reread), plain)
    assert counting.texts == []


def test_an_empty_or_foreign_file_is_no_vector_cache(tmp_path: Path) -> None:
    from disproof.narratives.vectors import VectorCache

    lead = Chunking(max_chunks=1, max_chars=1200)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    array = tmp_path / "array.npz"
    with array.open("wb") as out:
        np.save(out, np.ones(3))  # an .npy under an .npz name
    for path in (empty, array):
        assert len(VectorCache(path, "fake-words/1", lead, 4)) == 0
