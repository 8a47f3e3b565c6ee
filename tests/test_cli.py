"""The command line as users and scripts see it: output, JSON shapes, exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.test_importers import FULL_HEADER, full_row

pytestmark = pytest.mark.both_backends

Cli = Any


def test_import_search_show_export(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "cases.csv"
    source.write_text(FULL_HEADER + full_row("Outlet A") + full_row("Outlet B"), encoding="utf-8")
    result = cli("import", str(source))
    assert result.code == 0, result.err
    assert "2 rows → 1 created" in result.out and "another outlet" in result.out

    found = cli("search", "invented", "--json")
    page = json.loads(found.out)
    assert (page["total"], page["offset"]) == (1, 0)
    case_id = page["results"][0]["id"]

    shown = cli("show", case_id, "--json")
    assert json.loads(shown.out)["appearances"][1]["outlet"] == "Outlet B"
    assert "Outlet B" in cli("show", case_id).out

    out = tmp_path / "out.jsonl"
    assert cli("export", str(out)).code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == case_id
    assert cli("export", "-", "--format", "csv").out.startswith("id,title")


def test_filters_and_paging(cli: Cli, tmp_path: Path) -> None:
    rows = "".join(
        full_row(
            f"Outlet {i}", title=f"Claim {i}", summary=f"Summary {i}", date=f"10/{i + 1:02d}/17"
        )
        for i in range(5)
    )
    source = tmp_path / "cases.csv"
    source.write_text(FULL_HEADER + rows, encoding="utf-8")
    cli("import", str(source))
    page = json.loads(
        cli("search", "--country", "ukraine", "--limit", "2", "--offset", "2", "--json").out
    )
    assert page["total"] == 5 and [c["title"] for c in page["results"]] == ["Claim 2", "Claim 1"]
    window = json.loads(cli("search", "--from", "2017-10-02", "--to", "2017-10-03", "--json").out)
    assert window["total"] == 2
    assert json.loads(cli("search", "--outlet", "outlet 3", "--json").out)["total"] == 1
    assert json.loads(cli("search", "--keyword", "military", "--json").out)["total"] == 5


def test_errors_are_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    missing = cli("show", "no-such-case")
    assert missing.code == 1 and "no case with id 'no-such-case'" in missing.err
    assert "Traceback" not in missing.err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "title": "ok"}\n{"id": "b"}\n', encoding="utf-8")
    failed = cli("import", str(broken))
    assert failed.code == 1 and "line 2" in failed.err and "nothing was imported" in failed.err
    assert json.loads(cli("search", "--json").out)["total"] == 0
    assert cli("search", "--from", "2019-13-01").code == 2
    assert cli("import", str(tmp_path / "nope.csv")).code == 1


@pytest.mark.parametrize("command", ["match", "report"])
def test_a_file_to_check_that_is_no_text_is_refused_saying_why(
    cli: Cli, tmp_path: Path, command: str
) -> None:
    binary, latin = tmp_path / "a.bin", tmp_path / "latin.txt"
    binary.write_bytes(b"\x7fELF\x00\x00")
    latin.write_bytes(b"first line\ncaf\xe9\n")
    expected = {
        tmp_path / "nope.txt": "no such file",
        tmp_path: "not a regular file",
        binary: "this looks like a binary file",
        latin: "not valid UTF-8 (byte 0xe9 at line 2)",
    }
    for path, message in expected.items():
        result = cli(command, "--file", str(path))
        assert result.code == 1 and f"{path}: {message}" in result.err, result.err
        assert "Traceback" not in result.err and "Errno" not in result.err


def test_hostile_text_is_printed_inert(cli: Cli, tmp_path: Path) -> None:
    payload = {
        "id": "x",
        "title": "[bold red]markup[/] \x1b[31mESC <script>alert(1)</script>",
        "summary": "[link=file:///etc/passwd]click[/link]",
    }
    source = tmp_path / "hostile.jsonl"
    source.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    assert cli("import", str(source)).code == 0
    shown = cli("show", "x").out
    assert "[bold red]markup[/]" in shown and "\x1b" not in shown
    assert "[link=file:///etc/passwd]click[/link]" in shown


def test_stats_json(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "cases.csv"
    source.write_text(FULL_HEADER + full_row(), encoding="utf-8")
    cli("import", str(source))
    stats = json.loads(cli("stats", "--json").out)
    assert stats["cases"] == 1 and stats["by_year"] == [{"value": "2017", "count": 1}]
    assert {"value": "ru", "count": 1} in stats["by_language"]
    assert "Cases by year" in cli("stats").out


@pytest.mark.sqlite_only  # 20 s each, the same on both stores
def test_demo_builds_a_database_worth_looking_at(cli: Cli) -> None:
    result = cli("demo")
    assert result.code == 0, result.err
    assert "created" in result.out and "colour revolution" in result.out.lower()
    stats = json.loads(cli("stats", "--json").out)
    assert stats["cases"] >= 30
    # a watched source: the project's own feed, polled once, its sightings ready to triage
    assert "A watched source" in result.out and "demo-daily: 5 new items" in result.out
    again = cli("demo")
    assert again.code == 0 and "0 created" in again.out
    assert "A watched source" not in again.out  # watched already: not added twice


@pytest.mark.sqlite_only  # 20 s each, the same on both stores
def test_demo_refuses_to_mix_into_a_real_database(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "cases.csv"
    source.write_text(FULL_HEADER + full_row(), encoding="utf-8")
    cli("import", str(source))
    refused = cli("demo")
    assert refused.code == 1 and "--force" in refused.err
    assert cli("demo", "--force").code == 0


def test_version_and_help(cli: Cli) -> None:
    assert cli("--version").out.startswith("disproof ")
    assert "import" in cli("--help").out
    assert cli().code == 2


def test_skip_invalid_writes_a_reject_report(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "cases.csv"
    source.write_text(
        FULL_HEADER + full_row("Good") + full_row(date="99/99/17", title="Bad"), encoding="utf-8"
    )
    assert cli("import", str(source)).code == 1
    result = cli("import", str(source), "--skip-invalid", "--json")
    assert result.code == 0, result.err
    [report] = json.loads(result.out)
    assert (report["rows"], report["created"], len(report["rejected"])) == (2, 1, 1)
    assert report["rejected"][0] == {
        "row": 3,
        "field": "date",
        "reason": "'99/99/17' is not a valid date (expected MM/DD/YY or MM/DD/YYYY or YYYY-MM-DD)",
    }
    assert Path(report["reject_report"]).read_text(encoding="utf-8").count("\n") == 2


def test_history_and_restore_case(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text('{"id": "a", "title": "A <b>claim</b>"}\n', encoding="utf-8")
    assert cli("import", str(source)).code == 0
    shown = cli("history", "a")
    assert shown.code == 0
    assert "History of a (1 of 1 entries)" in shown.out
    assert "import" in shown.out and "new case (1 fields)" in shown.out

    from disproof.service import Disproof
    from disproof.settings import Settings

    Disproof.open(Settings(db=os.environ["DISPROOF_DB"])).delete_case("a", "boss")
    assert cli("show", "a").code == 1
    assert "deleted" in cli("history", "a").out
    restored = cli("restore-case", "a")
    assert restored.code == 0 and "now at version 3" in restored.err
    assert json.loads(cli("show", "a", "--json").out)["title"] == "A <b>claim</b>"

    entries = json.loads(cli("history", "a", "--json").out)["entries"]
    assert [(e["version"], e["action"]) for e in entries] == [
        (3, "restore"),
        (2, "delete"),
        (1, "import"),
    ]
    assert entries[0]["role"] == "cli" and entries[0]["author"]
    again = cli("restore-case", "a")
    assert again.code == 1 and "exists" in again.err
    assert cli("restore-case", "a", "--version", "1").code == 0
    assert cli("history", "nope").code == 1
