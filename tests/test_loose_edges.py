"""Loose edges of the command line, API and check page (issue 16, item 7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.schema import imports
from tests.conftest import Api, CliResult
from tests.fakes import FakeEmbedder, add_cases

Cli = Callable[..., CliResult]

TITLE_ONLY = Case(id="title-only", title="NATO is encircling Russia with military bases")
FULL = Case(
    id="full",
    title="The US runs secret biolabs in Ukraine",
    summary="American laboratories develop bioweapons near Russia.",
    disproof="The labs are Ukrainian public-health laboratories.",
    countries=["Ukraine"],
)


def _cases_file(tmp_path: Path, *cases: Case) -> str:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(c.model_dump_json() + "\n" for c in cases), encoding="utf-8")
    return str(path)


@pytest.mark.usefixtures("fake_matching")
def test_an_empty_text_is_refused_not_checked(cli: Cli, tmp_path: Path, api: Api) -> None:
    for args in (["match", ""], ["match", "  \n "]):
        result = cli(*args)
        assert result.code == 1 and "the text is empty" in result.err and result.out == ""
    (tmp_path / "blank.txt").write_text("\n\n", encoding="utf-8")
    result = cli("match", "--file", str(tmp_path / "blank.txt"))
    assert result.code == 1 and "blank.txt is empty" in result.err
    response = api.client.post("/api/v1/match", json={"text": " "})
    assert response.status_code == 422 and "empty" in response.json()["detail"]


def test_an_empty_import_file_fails_and_records_no_import(
    cli: Cli, tmp_path: Path, settings: Settings
) -> None:
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    result = cli("import", str(tmp_path / "empty.jsonl"), "--format", "jsonl")
    assert result.code == 1 and "holds no jsonl records: nothing was imported" in result.err
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(imports)).scalar() == 0


def test_a_file_that_is_not_a_database_is_one_line_without_sqlalchemy_links(
    cli: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("shopping list\n" * 200, encoding="utf-8")
    result = cli("--db", str(bad), "stats")
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1
    assert "file is not a database" in result.err
    assert "Background on this error" not in result.err and "sqlalche.me" not in result.err


def test_one_case_is_one_case(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", _cases_file(tmp_path, FULL)).code == 0
    assert "1 case for 'biolabs'" in cli("search", "biolabs").out
    stats = cli("stats").out
    assert "1 case, 0 appearances" in stats and "1 cases" not in stats
    assert "database ready" in cli("init").out and "(1 case)" in cli("init").out


def test_zero_results_are_a_line_not_an_empty_table(cli: Cli, tmp_path: Path) -> None:
    empty = cli("stats")
    assert empty.code == 0 and "0 cases" in empty.out and "┏" not in empty.out
    assert cli("import", _cases_file(tmp_path, FULL)).code == 0
    result = cli("search", "penguins")
    assert result.code == 0 and result.out.strip() == "No case found for 'penguins'."
    beyond = cli("search", "biolabs", "--offset", "5")
    assert "none from result 6 on" in beyond.out and "┏" not in beyond.out
    stats = cli("stats").out
    assert "Top countries" in stats and "Top outlets" not in stats  # no outlet: no table


def test_a_case_without_disproof_says_so_on_the_command_line(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", _cases_file(tmp_path, TITLE_ONLY, FULL)).code == 0
    assert "no disproof on file" in cli("show", "title-only").out
    assert "no disproof on file" not in cli("show", "full").out


def test_a_check_card_of_a_title_only_case_says_it_has_no_disproof(
    tmp_path: Path, fake_matching: FakeEmbedder
) -> None:
    service = Disproof.open(Settings(db=str(tmp_path / "web.db")))
    add_cases(service, TITLE_ONLY, FULL)
    app = create_app(service.settings, service=service)
    with TestClient(app) as client:
        page = client.post("/check", data={"text": TITLE_ONLY.title}).text
        assert "No disproof on file for this case" in page
        page = client.post("/check", data={"text": FULL.title}).text
        assert "No disproof on file" not in page.split("Matching cases")[1].split("</article>")[0]
