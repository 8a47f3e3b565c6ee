"""A mistyped --db is refused, not taken for a new, empty database (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliResult


def run(cli: object, *args: str) -> CliResult:
    result: CliResult = cli(*args)  # type: ignore[operator]
    return result


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["search", "x"],
        ["show", "x"],
        ["export", "out.jsonl"],
        ["match", "some claim"],
        ["trends"],
        ["history", "x"],
        ["token", "list"],
        ["backup", "copy.db"],
    ],
)
def test_commands_refuse_a_missing_database(cli: object, tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "no-such-dir" / "x.db"
    result = run(cli, "--db", str(db), *args)
    assert result.code == 1
    assert f"no database at {db}" in result.err and "disproof init" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not db.parent.exists()


def test_the_commands_that_fill_a_database_create_it(cli: object, tmp_path: Path) -> None:
    made = tmp_path / "new" / "a.db"
    assert run(cli, "--db", str(made), "init").code == 0 and made.exists()
    source = tmp_path / "one.jsonl"
    source.write_text('{"id": "a", "title": "A claim that was made"}\n', encoding="utf-8")
    imported = tmp_path / "b.db"
    assert run(cli, "--db", str(imported), "import", str(source)).code == 0
    assert imported.exists()
    assert run(cli, "--db", str(imported), "stats").code == 0
