"""One claim across sources, on small hand-written cases: the rules, the pairing, the fold, and
imports of an invented full-case file and case index in both orders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from disproof.merge import merge_cases
from disproof.models import Case
from disproof.sameclaim import Claim, fold, link, relation, title_words
from disproof.service import Disproof
from tests.test_importers import FULL_HEADER, INDEX_HEADER, full_row, write

URL = "https://euvsdisinfo.eu/report/invented-lake-claim/"
URL_2 = "https://euvsdisinfo.eu/report/invented-lake-claim-2/"
TITLE = "The invented lake was drained by foreign agents to harm farmers"
D = dt.date(2017, 3, 10)


def text_case(**kw: object) -> Case:
    data: dict[str, object] = {
        "id": "euvsdisinfo-aaaa",
        "title": TITLE,
        "summary": "A made-up summary.",
        "disproof": "A made-up disproof.",
        "date": D,
        "appearances": [{"outlet": "Outlet A", "date": D}],
        "countries": ["UA"],
        "keywords": ["Water"],
        "source": {"dataset": "euvsdisinfo"},
    }
    return Case.model_validate(data | kw)


def index_case(**kw: object) -> Case:
    data: dict[str, object] = {
        "id": URL,
        "title": "The invented lake was drained by foreign agents to…",
        "date": D,
        "appearances": [{"outlet": "outlet-a.example", "date": D}],
        "countries": ["UA", "PL"],
        "keywords": ["Water", "Agriculture"],
        "source": {"dataset": "euvsdisinfo", "url": URL},
    }
    return Case.model_validate(data | kw)


def test_titles_compare_without_case_quotes_punctuation_and_ellipsis() -> None:
    assert title_words("It’s  “FAKE”, says Ms. Müller…") == title_words("it's fake says ms muller")
    assert title_words("Shortened title...") == ("shortened", "title")


def test_rules_need_complementary_records_on_a_shared_date() -> None:
    text, index = Claim.of(text_case()), Claim.of(index_case())
    assert relation(text, index) == relation(index, text) == "prefix"
    assert relation(text, Claim.of(index_case(title=TITLE + "."))) == "title"
    later = index_case(date=D + dt.timedelta(days=1), appearances=[])
    assert relation(text, Claim.of(later)) is None  # same title, another date: another claim
    assert relation(text, Claim.of(text_case(id="euvsdisinfo-bbbb"))) is None  # both have text
    other = index_case(source={"dataset": "checkthat2022"})
    assert relation(text, Claim.of(other)) is None
    assert relation(text, Claim.of(index_case(title="The invented lake…"))) is None  # too short


def test_a_later_appearance_date_of_the_text_record_counts() -> None:
    later = D + dt.timedelta(days=5)
    text = text_case(appearances=[{"outlet": "A", "date": D}, {"outlet": "B", "date": later}])
    assert relation(Claim.of(text), Claim.of(index_case(date=later, appearances=[]))) == "prefix"


def test_an_entry_two_texts_claim_equally_is_left_apart() -> None:
    one, two = text_case(), text_case(id="euvsdisinfo-bbbb", summary="Another summary.")
    links = link([Claim.of(one), Claim.of(two), Claim.of(index_case())])
    assert links.groups == {} and links.ambiguous == {URL: ["euvsdisinfo-aaaa", "euvsdisinfo-bbbb"]}
    # a same-title pair beats a shortened-title one
    exact = index_case(title=TITLE)
    two = text_case(id="euvsdisinfo-bbbb", title=TITLE + " and fishermen")
    links = link([Claim.of(one), Claim.of(two), Claim.of(exact)])
    assert links.groups == {"euvsdisinfo-aaaa": [(URL, "title")]}


def test_fold_unites_both_under_the_case_url_keeping_the_other_ids() -> None:
    second = index_case(id=URL_2, source={"dataset": "euvsdisinfo", "url": URL_2})
    merged = fold(text_case(), [second, index_case()])
    assert merged.id == URL and merged.source.url == URL
    assert merged.title == TITLE and merged.disproof == "A made-up disproof."
    assert merged.countries == ["UA", "PL"] and merged.keywords == ["Water", "Agriculture"]
    assert merged.extra["aliases"] == f"euvsdisinfo-aaaa; {URL_2}"
    assert fold(text_case(), [index_case(), second]) == merged  # order of the parts: no matter


def test_merge_does_not_repeat_a_text_that_differs_only_in_spacing() -> None:
    first = text_case(disproof="The crash was caused by a missile.\nSee the report.")
    second = text_case(disproof="The crash  was caused by a missile.  See the report. ")
    assert merge_cases(first, second).disproof == first.disproof
    third = text_case(disproof="Something else.")
    assert merge_cases(first, third).disproof.count("\n\n") == 1


def test_merge_of_extra_values_is_idempotent() -> None:
    one = text_case(extra={"reported_by": "A; B"})
    twice = merge_cases(one, merge_cases(one, text_case(extra={"reported_by": "B; C"})))
    assert twice.extra["reported_by"] == "A; B; C"


# -- imports ---------------------------------------------------------------------------------


def _files(tmp_path: Path) -> tuple[Path, Path]:
    full = write(
        tmp_path,
        "cases.csv",
        FULL_HEADER
        + full_row("Outlet A", "03/10/17", TITLE, disproof="Made up.\nReally.")
        + full_row("Outlet B", "03/10/17", TITLE, disproof="Made up. Really.")
        + full_row("Outlet C", "03/11/17", "A claim only the full file has"),
    )
    index = write(
        tmp_path,
        "index.csv",
        INDEX_HEADER + f"2017-03-10,{URL_2},The invented lake was drained by foreign agents to…,"
        "Ukraine+Poland,Water+Agriculture,Russian,Outlet B\n"
        + f"2017-03-10,{URL},The invented lake was drained by foreign agents to…,"
        "Ukraine,Water,Russian,Outlet A\n"
        + f"2017-03-12,https://euvsdisinfo.eu/report/other/,{TITLE},Ukraine,Water,Russian,X\n",
    )
    return full, index


def _state(service: Disproof) -> dict[str, dict[str, object]]:
    return {c.id: c.content() for c in service.store.iter_cases()}


@pytest.mark.parametrize("order", ["full first", "index first"])
def test_one_case_per_claim_in_either_order(service: Disproof, tmp_path: Path, order: str) -> None:
    full, index = _files(tmp_path)
    files = [full, index] if order == "full first" else [index, full]
    reports = [service.import_file(f) for f in files]
    assert all(r.accounted() == r.rows for r in reports)
    assert [len(r.joined) for r in reports] == ([0, 2] if order == "full first" else [0, 1])
    assert service.count() == 3  # the lake claim, the full file's other claim, the later entry
    case = service.get(URL)
    assert case.disproof == "Made up.\nReally."  # not twice
    assert case.countries == ["UA", "EU", "PL"] and case.keywords[-1] == "Agriculture"
    assert {a.outlet for a in case.appearances} == {"Outlet A", "Outlet B"}
    derived = [a for a in case.extra["aliases"].split("; ") if a.startswith("euvsdisinfo-")]
    assert service.get(derived[0]).id == URL and service.get(URL_2).id == URL  # old ids work
    history = service.history(URL)
    assert history.current_version == 2 and history.entries[0].action == "import"
    state = _state(service)
    for f in [*files, *files]:  # again, in either order: nothing changes
        again = service.import_file(f)
        assert (len(again.created), len(again.updated), len(again.joined)) == (0, 0, 0)
    assert _state(service) == state


def test_both_orders_give_the_same_cases(tmp_path: Path) -> None:
    from disproof.settings import Settings

    full, index = _files(tmp_path)
    states = []
    for name, files in {"ab": [full, index], "ba": [index, full]}.items():
        service = Disproof.open(Settings(db=str(tmp_path / f"{name}.db")))
        for f in files:
            service.import_file(f)
        states.append(_state(service))
    assert states[0] == states[1]


def test_a_folded_stored_case_keeps_its_history(service: Disproof, tmp_path: Path) -> None:
    full, index = _files(tmp_path)
    service.import_file(index)
    report = service.import_file(full)
    assert report.retired == [URL_2]
    history = service.history(URL_2)
    assert not history.exists and history.entries[0].action == "merge"


def test_cli_line_and_json_count_merges_across_sources(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    full, index = _files(tmp_path)
    assert cli("import", str(full)).code == 0
    result = cli("import", str(index), "--json")
    payload = json.loads(result.out)[0]
    assert [j["rule"] for j in payload["merged_across_sources"]] == ["prefix", "prefix"]
    assert payload["created"] == 1 and payload["rows"] == 3
    line = cli("import", str(index)).out
    assert "0 merged across sources" in line


def test_the_api_reads_a_merged_case_by_an_old_id(service: Disproof, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from disproof.api.app import create_app

    for f in _files(tmp_path):
        service.import_file(f)
    client = TestClient(create_app(service=service))
    quoted = URL_2.replace("/", "%2F").replace(":", "%3A")
    answer = client.get(f"/api/v1/cases/{quoted}")
    assert answer.status_code == 200 and answer.json()["id"] == URL


def test_an_entry_left_apart_is_reported_by_the_import_that_meets_it_only(
    service: Disproof, tmp_path: Path
) -> None:
    full = write(
        tmp_path,
        "cases.csv",
        FULL_HEADER
        + full_row("Outlet A", "03/10/17", TITLE)
        + full_row("Outlet C", "03/10/17", TITLE + " and fishermen"),
    )
    index = write(
        tmp_path,
        "index.csv",
        INDEX_HEADER + f"2017-03-10,{URL},The invented lake was drained by foreign agents to…,"
        "Ukraine,Water,Russian,Outlet A\n",
    )
    service.import_file(full)
    assert list(service.import_file(index).ambiguous) == [URL]  # two texts claim it equally
    later = tmp_path / "later.jsonl"
    later.write_text(
        json.dumps(
            {
                "id": "unrelated",
                "title": "Another invented claim",
                "source": {"dataset": "euvsdisinfo"},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    assert service.import_file(later).ambiguous == {}  # no news of this file
