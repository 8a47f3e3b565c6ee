"""The data shipped in the package is consistent: demo cases, taxonomy, vocabularies."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from disproof.errors import DisproofError
from disproof.io import jsonl
from disproof.io.base import Record
from disproof.narratives import builtin_taxonomy, load_taxonomy
from disproof.normalize import is_known_country, is_known_language


def demo_records() -> list[Record]:
    text = (resources.files("disproof.data.demo") / "cases.jsonl").read_text(encoding="utf-8")
    items = list(jsonl.read(Path("cases.jsonl"), text))
    assert all(isinstance(item, Record) for item in items), items
    return [item for item in items if isinstance(item, Record)]


def test_builtin_taxonomy_is_a_valid_hierarchy() -> None:
    taxonomy = builtin_taxonomy()
    ids = {n.id for n in taxonomy.narratives}
    assert 15 <= len(ids) <= 30
    assert any(n.parent for n in taxonomy.narratives)
    assert all(n.description and n.keywords for n in taxonomy.narratives)
    assert "colour-revolutions" in ids


def test_demo_cases_are_complete_and_consistent() -> None:
    records = demo_records()
    cases = [r.case for r in records]
    ids = {c.id for c in cases}
    narratives = {n.id for n in builtin_taxonomy().narratives}
    assert 35 <= len(cases) == len(ids)
    for case in cases:
        assert case.title and case.summary and case.disproof and case.date, case.id
        assert case.keywords and case.narratives and case.evidence and case.appearances, case.id
        assert set(case.narratives) <= narratives, case.id
        assert set(case.related) <= ids - {case.id}, case.id
        assert all(is_known_country(c) for c in case.countries), case.id
        assert all(is_known_language(lang) for lang in case.languages), case.id
        assert case.source.dataset == "disproof-demo"


def test_demo_cases_are_in_canonical_form() -> None:
    """Loading and re-serialising a demo case changes nothing but the absent timestamps."""
    for record in demo_records():
        line = json.loads(jsonl.dumps(record.case))
        assert line["created_at"] is None and line["updated_at"] is None


def test_a_broken_taxonomy_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "tax.json"
    path.write_text(
        json.dumps(
            {"id": "t", "name": "T", "narratives": [{"id": "a", "name": "A", "parent": "missing"}]}
        ),
        encoding="utf-8",
    )
    with pytest.raises(DisproofError, match="tax.json.*unknown parent"):
        load_taxonomy(path)
