"""The labelled sample of real articles against the real database (``benchmarks.real_articles``)
points into the shared data it was drawn from: every passage is inside its SemEval document and
starts and ends on a word, every label is 0 or 1, and the scorer reads the file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from benchmarks.real_articles import LABELS, SEMEVAL, read_labels


def test_every_labelled_passage_is_a_passage_of_its_document() -> None:
    if not SEMEVAL.exists():
        pytest.skip(f"the shared SemEval data is not at {SEMEVAL}")
    with LABELS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) >= 250
    documents: dict[str, str] = {}
    for row in rows:
        path = SEMEVAL / "EN" / "raw-documents" / row["doc"]
        text = documents.setdefault(row["doc"], Path(path).read_text(encoding="utf-8"))
        start, end = int(row["start"]), int(row["end"])
        assert 0 <= start < end <= len(text), row
        passage = text[start:end]
        assert passage == passage.strip() and any(ch.isalnum() for ch in passage), row
        assert row["label"] in {"0", "1"}, row
        assert row["case_id"], row
    labels = read_labels(LABELS)
    assert len(labels) == len(rows)  # one label per pair
    assert 10 <= sum(labels.values()) <= len(labels) // 2
