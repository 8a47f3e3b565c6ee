"""Unknown filter values are refused, naming the closest known ones (issue 16)."""

from __future__ import annotations

import json

import pytest

from disproof.errors import InvalidInput
from disproof.filters import closest
from disproof.models import Case, CaseQuery
from disproof.service import Disproof
from tests.conftest import Api, CliResult
from tests.fakes import add_cases

CASES = [
    Case(
        id="labs",
        title="The US runs secret biolabs in Ukraine",
        countries=["Ukraine", "USA"],
        languages=["Russian"],
        narratives=["us-biolabs", "local-label"],
    ),
    Case(id="atlantis", title="Atlantis hides a NATO base", countries=["Atlantis"]),
]


@pytest.fixture
def seeded(service: Disproof) -> Disproof:
    add_cases(service, *CASES)
    return service


@pytest.mark.parametrize(
    ("field", "value", "suggested"),
    [
        ("narratives", "no-such-narrative", None),
        ("narratives", "us-biolab", "us-biolabs"),
        ("countries", "Narnia", None),
        ("countries", "Ukrain", "Ukraine"),
        ("languages", "Klingon", None),
        ("languages", "Rusian", "Russian"),
    ],
)
def test_unknown_values_are_refused_with_the_closest_known(
    seeded: Disproof, field: str, value: str, suggested: str | None
) -> None:
    with pytest.raises(InvalidInput) as raised:
        seeded.check_filters(CaseQuery(**{field: [value]}))  # type: ignore[arg-type]
    [error] = raised.value.errors
    name = {"narratives": "narrative", "countries": "country", "languages": "language"}[field]
    assert error["loc"] == ["query", name] and repr(value) in str(error["msg"])
    closest_known = error["closest"]
    assert isinstance(closest_known, list) and len(closest_known) <= 3
    if suggested:
        assert closest_known[0] == suggested


def test_known_values_in_any_spelling_and_stored_ones_are_accepted(seeded: Disproof) -> None:
    def ids(**filters: list[str]) -> list[str]:
        query = seeded.check_filters(CaseQuery(**filters))  # type: ignore[arg-type]
        return [c.id for c in seeded.search(query).results]

    assert ids(countries=["ukraine"]) == ["labs"] and ids(countries=["UA"]) == ["labs"]
    assert ids(languages=["русский"]) == ["labs"] and ids(languages=["ru"]) == ["labs"]
    assert ids(countries=["Chile"]) == []  # known, just no case about it
    assert ids(narratives=["Secret US biolabs develop biological weapons near Russia's borders"])
    assert ids(narratives=["US-BIOLABS"]) == ["labs"] and ids(narratives=["local-label"]) == [
        "labs"
    ]
    assert ids(countries=["atlantis"]) == ["atlantis"]  # not in the vocabulary, but stored


def test_closest_ignores_case_and_keeps_the_known_spelling() -> None:
    assert closest("ukrain", ["Ukraine", "Bahrain", "France"]) == ["Ukraine", "Bahrain"]
    assert closest("zzz", ["Ukraine"]) == []


def test_the_api_answers_422_naming_field_value_and_closest(api: Api) -> None:
    add_cases(api.service, *CASES)
    response = api.client.get("/api/v1/search", params={"country": "Ukrain", "language": "ru"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["query", "country"] and "'Ukrain'" in problem["msg"]
    assert problem["closest"][0] == "Ukraine"
    ok = api.client.get("/api/v1/search", params={"narrative": "us-biolabs", "country": "ua"})
    assert ok.status_code == 200 and [c["id"] for c in ok.json()["results"]] == ["labs"]
    for path in ("/api/v1/facets/keyword", "/api/v1/cases"):
        assert api.client.get(path, params={"language": "Klingon"}).status_code == 422


def test_the_cli_exits_1_naming_the_value(cli: object, tmp_path: object) -> None:
    run = cli  # type: ignore[assignment]
    assert run("init").code == 0  # type: ignore[operator]
    result: CliResult = run("search", "--country", "Narnia", "--language", "Klingon")  # type: ignore[operator]
    assert result.code == 1 and result.out == ""
    assert "unknown country 'Narnia'" in result.err and "unknown language 'Klingon'" in result.err
    good: CliResult = run("search", "--country", "Ukraine", "--json")  # type: ignore[operator]
    assert good.code == 0 and json.loads(good.out)["total"] == 0


def test_words_that_name_one_narrative_select_it_and_words_that_name_several_are_refused(
    seeded: Disproof,
) -> None:
    def ids(value: str) -> list[str]:
        query = seeded.check_filters(CaseQuery(narratives=[value]))
        return [c.id for c in seeded.search(query).results]

    assert ids("biolabs") == ["labs"] and ids("US BIOLABS") == ["labs"]
    assert seeded.check_filters(CaseQuery(narratives=["MH17"])).narratives == [
        "mh17-ukraine-guilty"
    ]
    with pytest.raises(InvalidInput) as raised:
        seeded.check_filters(CaseQuery(narratives=["Ukraine"]))
    [error] = raised.value.errors
    assert error["type"] == "value_error.ambiguous" and "give one" in str(error["msg"])
    candidates = error["closest"]
    assert isinstance(candidates, list) and "ukraine-illegitimate" in candidates
    assert "mh17-ukraine-guilty" in candidates
    with pytest.raises(InvalidInput):  # a word's prefix is no word of a name
        seeded.check_filters(CaseQuery(narratives=["biolab"]))


def test_the_cli_says_which_narrative_words_were_taken_for(cli: object) -> None:
    run = cli  # type: ignore[assignment]
    assert run("init").code == 0  # type: ignore[operator]
    result: CliResult = run("search", "--narrative", "MH17", "--json")  # type: ignore[operator]
    assert result.code == 0 and json.loads(result.out)["total"] == 0
    assert "narrative 'MH17': Ukraine, not Russia, shot down flight MH17" in result.err
    exact: CliResult = run("search", "--narrative", "us-biolabs", "--json")  # type: ignore[operator]
    assert exact.code == 0 and "narrative" not in exact.err
