"""Persuasion techniques: the data reader, training on a toy set, detection, CLI and API.

Every text here is written for these tests (cue phrases stand for techniques)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import numpy as np
import pytest

from disproof.errors import DisproofError
from disproof.techniques import (
    NAMES,
    Detector,
    TechniqueModel,
    detect,
    load_model,
    technique_info,
)
from disproof.techniques.corpus import Article, paragraph_bounds, read_corpus
from disproof.techniques.fit import FeatureSpec, fit_model, micro_thresholds
from disproof.techniques.training import train
from tests.fakes import FakeEmbedder

CUES = {
    "Name_Calling-Labeling": "those corrupt clowns in the capital",
    "Appeal_to_Popularity": "everyone already agrees with us",
    "Doubt": "can anyone really trust the ministry figures",
}
NEUTRAL = [
    "The committee met on Tuesday to review the budget.",
    "Rainfall in the north was close to the seasonal average.",
    "The new bridge opens to traffic next month.",
    "Officials published the annual report on schools.",
    "The museum extended its opening hours for the summer.",
    "Farmers expect a normal harvest this year.",
]
SPEC = FeatureSpec(buckets=512)


def write_article(rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
    """A title, a blank line and four paragraphs; some sentences carry a cue."""
    lines, spans, offset = ["A report on local affairs", ""], [], 0
    offset = len(lines[0]) + 1 + 1
    for _ in range(4):
        sentences = rng.sample(NEUTRAL, 2)
        if rng.random() < 0.6:
            technique = rng.choice(sorted(CUES))
            cue = f"Frankly, {CUES[technique]}."
            position = rng.randint(0, 2)
            sentences.insert(position, cue)
            start = offset + sum(len(s) + 1 for s in sentences[:position])
            spans.append((start + len("Frankly, "), start + len(cue) - 1, technique))
        line = " ".join(sentences)
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), spans


def write_corpus(root: Path, articles: int = 40, seed: int = 0) -> None:
    rng = random.Random(seed)
    labels = []
    for number in range(articles):
        lang = "aa" if number % 2 else "bb"
        text, spans = write_article(rng)
        folder = root / "articles" / lang
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number}.txt").write_bytes(text.encode("utf-8"))
        for start, end, technique in spans:
            assert text[start:end] == text[start:end].strip()
            labels.append({"lang": lang, "article": str(number), "start": start, "end": end,
                           "technique": technique})  # fmt: skip
    (root / "labels.jsonl").write_text("".join(json.dumps(x) + "\n" for x in labels), "utf-8")


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("persuasion")
    write_corpus(root)
    return root


@pytest.fixture(scope="module")
def toy_model(toy: Path) -> TechniqueModel:
    return fit_model(read_corpus(toy), spec=SPEC)


# -- reader ---------------------------------------------------------------------------------------


def test_offsets_count_crlf_and_bom(tmp_path: Path) -> None:
    text = "\ufeffTitle here\r\n\r\nFirst line, those corrupt clowns.\r\nSecond one\r\n"
    (tmp_path / "articles" / "xx").mkdir(parents=True)
    (tmp_path / "articles" / "xx" / "7.txt").write_bytes(text.encode("utf-8"))
    start = text.index("those")
    label = {"lang": "xx", "article": "7", "start": start, "end": start + 20,
             "technique": "Name_Calling-Labeling"}  # fmt: skip
    (tmp_path / "labels.jsonl").write_text(json.dumps(label) + "\n", "utf-8")
    paragraph = {"lang": "xx", "article": "7", "line": 4, "techniques": ["Doubt"]}
    (tmp_path / "paragraph_labels.jsonl").write_text(json.dumps(paragraph) + "\n", "utf-8")
    [article] = read_corpus(tmp_path)
    assert article.text == text  # no newline translation, the BOM kept
    span = article.spans[0]
    assert article.text[span.start : span.end] == "those corrupt clowns"
    first, second, third = article.paragraphs
    assert (first.line, article.text[first.start : first.end]) == (1, "\ufeffTitle here")
    assert second.line == 3 and second.techniques == {"Name_Calling-Labeling"}  # from the span
    assert third.line == 4 and third.techniques == {"Doubt"}  # the official label wins
    assert article.text[third.start : third.end] == "Second one"  # the \r is not in it


def test_paragraph_bounds_skip_blank_lines() -> None:
    assert paragraph_bounds("a\n\n  b c \n\t\n") == [(1, 0, 1), (3, 5, 8)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "labels.jsonl, line 2: malformed JSON"),
        ('{"lang": "xx", "article": "9", "start": 0, "end": 2, "technique": "Doubt"}',
         "line 2: no article articles/xx/9.txt"),
        ('{"lang": "xx", "article": "1", "start": 0, "end": 999, "technique": "Doubt"}',
         "line 2: span 0-999 outside the text"),
        ('{"lang": "xx", "article": "1", "start": 0, "end": 2, "technique": "Lies"}',
         "line 2: unknown technique 'Lies'"),
        ('{"lang": "xx", "article": "1", "start": "0", "end": 2, "technique": "Doubt"}',
         "line 2: field 'start' must be int"),
    ],
)  # fmt: skip
def test_bad_label_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "articles" / "xx").mkdir(parents=True)
    (tmp_path / "articles" / "xx" / "1.txt").write_text("Some text here.", "utf-8")
    good = '{"lang": "xx", "article": "1", "start": 0, "end": 4, "technique": "Doubt"}'
    (tmp_path / "labels.jsonl").write_text(good + "\n" + line + "\n", "utf-8")
    with pytest.raises(DisproofError, match=message.replace("(", r"\(")):
        read_corpus(tmp_path)


def test_missing_folders_and_bad_utf8_are_named(tmp_path: Path) -> None:
    with pytest.raises(DisproofError, match="no articles/ folder"):
        read_corpus(tmp_path)
    (tmp_path / "articles" / "xx").mkdir(parents=True)
    (tmp_path / "articles" / "xx" / "1.txt").write_bytes(b"caf\xe9")
    with pytest.raises(DisproofError, match=r"1\.txt: not UTF-8"):
        read_corpus(tmp_path)


# -- training and detection -----------------------------------------------------------------------


def test_thresholds_maximise_micro_f1() -> None:
    logits = np.array([[3.0, -1.0], [2.0, 0.5], [-2.0, 1.5], [-3.0, -2.0]])
    gold = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], bool)
    thresholds = micro_thresholds(logits, gold)
    assert ((logits >= thresholds) == gold).all()


def test_toy_model_finds_the_cue_and_places_the_span(toy_model: TechniqueModel) -> None:
    text = (
        "Weekly news\n\nThe new bridge opens to traffic next month. Frankly, everyone already "
        "agrees with us. Farmers expect a normal harvest this year.\nThe museum extended its "
        "opening hours for the summer."
    )
    spans = detect(text, toy_model)
    assert [s.technique for s in spans] == ["Appeal_to_Popularity"]
    span = spans[0]
    assert "everyone already agrees" in text[span.start : span.end]
    assert "harvest" not in text[span.start : span.end]  # the sentence, not the paragraph
    assert 0.5 < span.score <= 1.0
    assert detect("", toy_model) == [] and detect("\n \r\n", toy_model) == []


def test_paragraph_labels_follow_from_spans(toy: Path, toy_model: TechniqueModel) -> None:
    articles = read_corpus(toy)[:6]
    found = Detector(toy_model).detect_many([a.text for a in articles])
    for article, spans in zip(articles, found, strict=True):
        for span in spans:
            assert 0 <= span.start < span.end <= len(article.text)
            inside = [p for p in article.paragraphs if p.start <= span.start and span.end <= p.end]
            assert len(inside) == 1  # a span never crosses a paragraph


def test_training_with_embeddings_round_trips(tmp_path: Path, toy: Path) -> None:
    embedder = FakeEmbedder()
    model = train(read_corpus(toy), embedder=embedder, spec=SPEC)
    assert model.embedder_id == embedder.model_id and model.embedding_dim == embedder.dim
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = load_model(path)
    text = "Title\n\nFrankly, can anyone really trust the ministry figures. Rain fell."
    expected = Detector(model, embedder).detect(text)
    assert [s.technique for s in Detector(loaded, embedder).detect(text)] == [
        s.technique for s in expected
    ]
    assert expected and expected[0].technique == "Doubt"
    with pytest.raises(DisproofError, match="reads fake-embedder/1 vectors"):
        Detector(model, _OtherEmbedder()).detect(text)


class _OtherEmbedder(FakeEmbedder):
    model_id = "other/1"


def test_language_heads_are_fitted_saved_and_chosen_by_language(tmp_path: Path, toy: Path) -> None:
    """Two languages with enough paragraphs each get a head (own regression plus half the
    pooled one); a text reads its language's head, another language the shared model."""
    embedder = FakeEmbedder()
    spec = FeatureSpec(buckets=512, language_paragraphs=50)
    model = train(read_corpus(toy), embedder=embedder, spec=spec)
    assert sorted(model.language_heads) == ["aa", "bb"]
    assert not train(read_corpus(toy, ["aa"]), embedder=embedder, spec=spec).language_heads
    assert not train(read_corpus(toy), embed=False, spec=spec).language_heads  # e5 only
    path = tmp_path / "heads.npz"
    model.save(path)
    loaded = load_model(path)
    assert sorted(loaded.language_heads) == ["aa", "bb"]
    for code, head in model.language_heads.items():
        weights, bias, thresholds = loaded.head(code)
        assert np.allclose(weights, head.weights, atol=1e-2) and (bias == head.bias).all()
        assert (thresholds == head.thresholds).all()
    assert loaded.head("zz")[2] is loaded.thresholds and loaded.head(None)[2] is loaded.thresholds
    text = "Title\n\nFrankly, can anyone really trust the ministry figures. Rain fell."
    detector = Detector(loaded, embedder)
    margins = {
        code: detector._paragraph_margins([text.split("\n")[-1]], [False], [code])[0]
        for code in ("aa", "bb", None)
    }
    assert not np.allclose(margins["aa"], margins[None])
    assert not np.allclose(margins["aa"], margins["bb"])
    for code in ("aa", "bb", None):
        found = detector.detect(text, code)
        expected = {NAMES[j] for j in np.flatnonzero(margins[code] >= 0)}
        assert {s.technique for s in found} == expected
    assert Detector(loaded, embedder).detect_many([text, text], ["aa", "zz"])[1] == (
        Detector(loaded, embedder).detect(text, None)
    )


def test_bad_model_files_are_refused(tmp_path: Path, toy_model: TechniqueModel) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(DisproofError, match="not a technique model"):
        load_model(junk)
    np.savez(tmp_path / "other.npz", header=np.array(json.dumps({"format": "x"})))
    with pytest.raises(DisproofError, match="format 'x'"):
        load_model(tmp_path / "other.npz")


def test_every_technique_has_a_display_name_and_a_one_line_definition() -> None:
    assert len(NAMES) == 23 == len(set(NAMES))
    for name in NAMES:
        info = technique_info(name)
        assert info.display and "\n" not in info.definition and len(info.definition) < 100
    with pytest.raises(DisproofError, match="unknown persuasion technique"):
        technique_info("Lies")


# -- CLI and API ----------------------------------------------------------------------------------


def test_cli_train_and_detect(
    cli: object, toy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("disproof.techniques.fit.BUCKETS", 512)
    monkeypatch.setattr("disproof.techniques.fit.DEFAULT_SPEC", SPEC)
    monkeypatch.setattr("disproof.techniques.training.DEFAULT_SPEC", SPEC)
    out = tmp_path / "model.npz"
    trained = cli("techniques", "train", "--data", str(toy), "--out", str(out), "--no-embed")  # type: ignore[operator]
    assert trained.code == 0, trained.err
    assert out.is_file() and "learning from 40 articles" in trained.err
    text = "Frankly, those corrupt clowns in the capital. \x1b[31mRed"
    shown = cli("techniques", "detect", "--model", str(out), text)  # type: ignore[operator]
    assert shown.code == 0, shown.err
    assert "Name calling" in shown.out and "model output" in shown.out
    assert "\x1b" not in shown.out  # hostile text is made inert
    lines = [{"id": 1, "text": "Frankly, everyone already agrees with us."}, {"id": "b"}]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    batch = cli("techniques", "detect", "--model", str(out), "--jsonl")  # type: ignore[operator]
    assert batch.code == 1 and "2 of 3 line(s)" in batch.err
    first, second, third = (json.loads(line) for line in batch.out.splitlines())
    assert first["id"] == 1
    assert first["techniques"][0]["technique"] == "Appeal_to_Popularity"
    assert set(first["techniques"][0]) == {"technique", "start", "end", "score"}
    assert second == {"id": "b", "line": 2, "error": second["error"]}
    assert third["line"] == 3 and "malformed JSON" in third["error"]
    neither = cli("techniques", "detect", "--model", str(out))  # type: ignore[operator]
    assert neither.code == 2


def test_api_returns_spans_with_definitions(
    api: object, toy_model: TechniqueModel, settings: object
) -> None:
    from disproof.techniques.model import beside_database

    target = beside_database(settings)  # type: ignore[arg-type]
    if target is None:
        pytest.skip("a server database has no folder for the model")
    toy_model.save(target)
    client = api.client  # type: ignore[attr-defined]
    text = "Frankly, can anyone really trust the ministry figures. The weather was mild."
    response = client.post("/api/v1/techniques", json={"text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "model output" in body["note"]
    [span] = body["techniques"]
    assert span["technique"] == "Doubt" and span["name"] == "Casting doubt"
    assert text[span["start"] : span["end"]].startswith("Frankly, can anyone")
    assert client.post("/api/v1/techniques", json={"text": "x" * 20_001}).status_code == 422
    assert client.post("/api/v1/techniques", json={"txt": "x"}).status_code == 422


@pytest.mark.slow
def test_reader_reads_the_shared_persuasion_data(shared_data: Path) -> None:
    articles: list[Article] = read_corpus(shared_data / "persuasion")
    assert len(articles) == 1261
    assert sum(len(a.paragraphs) for a in articles) == 20339
    assert sum(len(a.spans) for a in articles) == 29711
    for article in articles:
        for span in article.spans:
            fragment = article.text[span.start : span.end]
            assert fragment and fragment == fragment.strip()


@pytest.mark.model
@pytest.mark.parametrize("choice", ["ngrams", "auto"])
def test_shipped_default_model_loads_and_reads_a_text(
    choice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both shipped models: the n-gram one, and the e5 one that ``auto`` takes where e5 runs
    (as it does wherever the model tests run)."""
    from disproof.techniques import default_model_path

    monkeypatch.setenv("DISPROOF_TECHNIQUES_MODEL", choice)
    if default_model_path() is None:
        pytest.skip("this install ships no technique model")
    model = load_model()
    assert model.techniques == NAMES
    assert (model.embedder_id is None) == (choice == "ngrams")
    text = (
        "Outrage as corrupt, lying elites betray the nation yet again! They will destroy "
        "everything we love.\n"
        "The council approved the new timetable for buses on Monday."
    )
    spans = detect(text, model)
    assert all(0 <= s.start < s.end <= len(text) and s.technique in NAMES for s in spans)
    assert any(s.technique == "Loaded_Language" and s.start < 61 for s in spans)
    assert all(s.start < text.index("\n") for s in spans)  # nothing in the plain line
