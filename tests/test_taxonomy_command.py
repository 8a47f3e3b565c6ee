"""`disproof narratives taxonomy`: show a taxonomy, check it, convert it to the project's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from disproof.narratives.taxonomy import builtin_taxonomy, load_taxonomy


def test_the_shipped_taxonomy_as_a_tree(cli: Any) -> None:
    result = cli("narratives", "taxonomy")
    assert result.code == 0, result.err
    taxonomy = builtin_taxonomy()
    assert f"({taxonomy.id}, {len(taxonomy.narratives)} nodes)" in result.out
    assert "Protests are Western-staged colour revolutions" in result.out
    assert "10 keywords: Colour revolutions" in result.out


def test_a_semeval_taxonomy_converts_to_json_that_loads_back(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "taxonomy.json").write_text(
        json.dumps({"URW": {"Discrediting Ukraine": ["Ukraine is a puppet of the West"]}}),
        encoding="utf-8",
    )
    (tmp_path / "narrative_definitions.csv").write_text(
        'narrative,definition,example\nDiscrediting Ukraine,Undermines Ukraine.,"A.\nB."\n',
        encoding="utf-8",
    )
    source = str(tmp_path / "taxonomy.json")
    shown = cli("narratives", "taxonomy", source, "--format", "semeval")
    assert shown.code == 0 and "URW: Discrediting Ukraine" in shown.out
    assert "Undermines Ukraine." in shown.out and "2 examples" in shown.out
    converted = cli("narratives", "taxonomy", source, "--format", "semeval", "--json")
    (tmp_path / "converted.json").write_text(converted.out, encoding="utf-8")
    taxonomy = load_taxonomy(tmp_path / "converted.json")
    assert taxonomy.id == "semeval2025-t10"
    node = {n.id: n for n in taxonomy.narratives}["URW: Discrediting Ukraine"]
    assert node.examples == ["A.", "B."] and node.parent == "URW"
    assert cli("narratives", "taxonomy", "--format", "semeval").code == 2  # needs the file


def test_a_bad_taxonomy_is_named_with_the_problem(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"id": "x", "name": "X", "narratives": [{"id": "a"}]}), "utf-8")
    result = cli("narratives", "taxonomy", str(path))
    assert result.code == 1
    assert f"{path}: not a valid taxonomy: narratives[0].name: Field required" in result.err
    path.write_text(
        json.dumps(
            {"id": "x", "name": "X", "narratives": [{"id": "a", "name": "A", "parent": "b"}]}
        ),
        "utf-8",
    )
    assert "narrative 'a' has unknown parent 'b'" in cli("narratives", "taxonomy", str(path)).err


def test_hostile_taxonomy_text_reaches_the_terminal_inert(cli: Any, tmp_path: Path) -> None:
    node = {"id": "n", "name": "[bold red]Alarm[/] \x1b[31mred\x1b[0m", "description": "[link=x]y"}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"id": "h", "name": "H", "narratives": [node]}), "utf-8")
    result = cli("narratives", "taxonomy", str(path))
    assert result.code == 0, result.err
    assert "[bold red]Alarm[/]" in result.out and "[link=x]y" in result.out
    assert "\x1b" not in result.out
