"""A taxonomy's descriptions and examples as training texts: import, labels, training, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from disproof.errors import DisproofError
from disproof.narratives.classify import TrainingOptions, train
from disproof.narratives.descriptions import description_texts
from disproof.narratives.mapping import builtin_mapping
from disproof.narratives.pipeline import NarrativeClassifier
from disproof.narratives.semeval import load_semeval_taxonomy
from disproof.narratives.taxonomy import builtin_taxonomy
from tests.fakes import FakeEmbedder

TAXONOMY = {
    "URW": {
        "Discrediting Ukraine": ["Ukraine is a puppet of the West", "Other"],
        "Praise of Russia": ["Russian army is invincible"],
    },
}
NARRATIVES = (
    "narrative,definition,example,instruction for annotator\n"
    'Discrediting Ukraine,Undermines Ukraine.,"Kyiv is corrupt.\nIts army is a rabble.",Look.\n'
    "Praise of Russia,Glorifies Russia.,,\n"
)
SUBNARRATIVES = (
    "subnarrative,definition,examples,instruction for annotators\n"
    "Ukraine is a puppet of the West,Kyiv obeys Washington.,Zelensky takes orders from the US.,\n"
)


def semeval_taxonomy(folder: Path) -> Path:
    path = folder / "taxonomy.json"
    path.write_text(json.dumps(TAXONOMY), encoding="utf-8")
    (folder / "narrative_definitions.csv").write_text(NARRATIVES, encoding="utf-8")
    (folder / "subnarrative_definitions.csv").write_text(SUBNARRATIVES, encoding="utf-8")
    return path


def test_semeval_definitions_and_examples_are_imported(tmp_path: Path) -> None:
    taxonomy = load_semeval_taxonomy(semeval_taxonomy(tmp_path))
    nodes = {n.id: n for n in taxonomy.narratives}
    discrediting = nodes["URW: Discrediting Ukraine"]
    assert discrediting.description == "Undermines Ukraine."
    assert discrediting.examples == ["Kyiv is corrupt.", "Its army is a rabble."]
    puppet = nodes["URW: Discrediting Ukraine: Ukraine is a puppet of the West"]
    assert puppet.examples == ["Zelensky takes orders from the US."]
    assert nodes["URW: Praise of Russia"].examples == []
    # "Other" listed among the subnarratives is the same node the importer adds to each
    assert [n.id for n in taxonomy.narratives].count("URW: Discrediting Ukraine: Other") == 1


def test_a_definitions_row_without_a_name_is_named(tmp_path: Path) -> None:
    path = semeval_taxonomy(tmp_path)
    (tmp_path / "narrative_definitions.csv").write_text(
        "narrative,definition\nA,x\n,y\n", encoding="utf-8"
    )
    with pytest.raises(DisproofError, match=r"narrative_definitions.csv, line 3: no 'narrative'"):
        load_semeval_taxonomy(path)


def test_the_shared_semeval_taxonomy_imports_with_its_definitions(shared_data: Path) -> None:
    taxonomy = load_semeval_taxonomy(shared_data / "semeval2025_t10" / "taxonomy.json")
    texts = description_texts(taxonomy)
    narratives = {t.narratives[0] for t in texts}
    assert len(narratives) >= 20 and all(n.startswith(("URW: ", "CC: ")) for n in narratives)
    assert all(t.text.strip() for t in texts)


def test_semeval_texts_are_labelled_like_annotated_documents(tmp_path: Path) -> None:
    texts = description_texts(load_semeval_taxonomy(semeval_taxonomy(tmp_path)))
    by_labels = {(t.narratives, t.subnarratives): t.text for t in texts}
    assert set(by_labels) == {
        (("URW: Discrediting Ukraine",), ("URW: Discrediting Ukraine: Other",)),
        (
            ("URW: Discrediting Ukraine",),
            ("URW: Discrediting Ukraine: Ukraine is a puppet of the West",),
        ),
        (("URW: Praise of Russia",), ("URW: Praise of Russia: Other",)),
    }  # no text for the domain, the top-level Other, or a subnarrative without definition
    puppet = by_labels[
        (
            ("URW: Discrediting Ukraine",),
            ("URW: Discrediting Ukraine: Ukraine is a puppet of the West",),
        )
    ]
    assert puppet.splitlines() == [
        "Discrediting Ukraine",
        "Ukraine is a puppet of the West",
        "Kyiv obeys Washington.",
        "Zelensky takes orders from the US.",
    ]


def test_the_shipped_taxonomy_gives_a_text_per_narrative_with_its_parent() -> None:
    taxonomy = builtin_taxonomy()
    parent = builtin_mapping().parent
    texts = description_texts(taxonomy)
    assert len(texts) == len(taxonomy.narratives)  # every node is described
    for text in texts:
        (narrative,) = text.narratives
        assert narrative not in parent  # a top-level narrative
        assert all(parent[sub] == narrative for sub in text.subnarratives)
    assert sum(1 for t in texts if t.subnarratives) == len(parent)


def test_described_rows_teach_a_label_no_document_has_and_are_not_documents() -> None:
    embedder = FakeEmbedder()
    texts = [f"sanctions hurt europe w{i}" for i in range(12)] + [
        f"a recipe for soup w{i}" for i in range(12)
    ]
    coarse = [["URW: Blame"]] * 12 + [["Other"]] * 12
    fine = [["URW: Blame: Other"]] * 12 + [["Other"]] * 12
    described = ["URW: Praise", "army invincible glorious army"]
    x = embedder.encode_documents([*texts, *[described[1]] * 3])
    mask = np.arange(len(x)) >= len(texts)
    model = train(
        x,
        [*coarse, *[[described[0]]] * 3],
        [*fine, *[["URW: Praise: Army"]] * 3],
        options=TrainingOptions(l2=1.0, folds=4),
        meta={"model_id": embedder.model_id},
        described=mask,
    )
    assert "URW: Praise: Army" in model.subnarratives
    assert model.meta["documents"] == 24 and model.meta["taxonomy_texts"] == 3
    (prediction,) = model.predict(embedder.encode_documents(["army invincible glorious army"]))
    assert [s.label for s in prediction.narratives] == ["URW: Praise"]
    with pytest.raises(DisproofError, match="at least 8 documents to train, got 6"):
        train(
            x[18:],
            [*coarse[18:], *[[described[0]]] * 3],
            [*fine[18:], *[["URW: Praise: Army"]] * 3],
            options=TrainingOptions(l2=1.0, folds=4),
            described=mask[18:],
        )


def semeval_folder(root: Path) -> Path:
    """A tiny SemEval language folder (and taxonomy beside it) in ``root``."""
    folder = root / "EN"
    (folder / "raw-documents").mkdir(parents=True)
    lines = []
    for i in range(24):
        if i % 2:
            text, labels = f"Kyiv corrupt rabble puppet w{i}", "URW: Discrediting Ukraine"
            subs = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
        else:
            text, labels, subs = f"A soup recipe with leeks w{i}", "Other", "Other"
        (folder / "raw-documents" / f"d{i}.txt").write_text(text, encoding="utf-8")
        lines.append(f"d{i}.txt\t{labels}\t{subs}")
    (folder / "subtask-2-annotations.txt").write_text("\n".join(lines), encoding="utf-8")
    semeval_taxonomy(root)
    return folder


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SemEval language folder with its taxonomy beside it; the CLI gets the fake embedder."""
    embedder = FakeEmbedder()
    monkeypatch.setattr(
        "disproof.embed.load_embedder", lambda name=None, fallback=True: (embedder, [])
    )
    return semeval_folder(tmp_path / "data")


def test_cli_learns_the_definitions_beside_the_folders(
    cli: Any, tmp_path: Path, folder: Path
) -> None:
    out = tmp_path / "model"
    result = cli("narratives", "train", str(folder), "--out", str(out), "--features", "e5")
    assert result.code == 0, result.err
    assert "trained on 24 documents and 3 taxonomy descriptions" in result.err
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["taxonomy"] == "semeval2025-t10" and meta["taxonomy_texts"] == 3
    classifier = NarrativeClassifier.load(out, FakeEmbedder())
    assert "URW: Praise of Russia" in classifier.model.narratives  # only its definition says it

    plain = cli("narratives", "train", str(folder), "--out", str(out), "--no-descriptions")
    assert plain.code == 0, plain.err
    assert "trained on 24 documents (" in plain.err
    assert json.loads((out / "meta.json").read_text(encoding="utf-8"))["taxonomy"] is None

    refused = cli(
        "narratives", "train", "--format", "cases", "--taxonomy", "t.json", "--out", str(out)
    )
    assert refused.code == 2 and "shipped taxonomy" in " ".join(refused.err.split())


def test_a_taxonomy_foreign_to_the_documents_is_refused(
    cli: Any, tmp_path: Path, folder: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "taxonomy.json").write_text(json.dumps({"CC": {"Doom": ["Soon"]}}), encoding="utf-8")
    (other / "narrative_definitions.csv").write_text("narrative,definition\nDoom,x\n", "utf-8")
    args = ["narratives", "train", str(folder), "--out", str(tmp_path / "m")]
    result = cli(*args, "--taxonomy", str(other / "taxonomy.json"))
    assert result.code == 1 and "names none of the documents' narratives" in result.err
    assert not (tmp_path / "m").exists()
    mixed = cli(*args, "--taxonomy", str(other / "taxonomy.json"), "--no-descriptions")
    assert mixed.code == 2 and "only for its descriptions" in " ".join(mixed.err.split())


def test_training_replaces_a_model_whole_and_never_a_foreign_folder(
    cli: Any, tmp_path: Path, folder: Path
) -> None:
    out = tmp_path / "model"
    assert cli("narratives", "train", str(folder), "--out", str(out)).code == 0
    (out / "stale.npy").write_bytes(b"")  # a file the next model does not write
    assert cli("narratives", "train", str(folder), "--out", str(out)).code == 0
    assert not (out / "stale.npy").exists() and (out / "dense" / "meta.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    refused = cli("narratives", "train", str(folder), "--out", str(mine))
    assert refused.code == 1 and "is not a narrative model" in refused.err
    assert "trained on" not in refused.err  # refused before training
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_taxonomy_without_definitions_adds_nothing_and_is_no_error(
    cli: Any, tmp_path: Path, folder: Path
) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "taxonomy.json").write_text(json.dumps(TAXONOMY), encoding="utf-8")
    args = ["--taxonomy", str(bare / "taxonomy.json"), "--out", str(tmp_path / "m")]
    result = cli("narratives", "train", str(folder), *args)
    assert result.code == 0, result.err
    assert "trained on 24 documents (" in result.err
