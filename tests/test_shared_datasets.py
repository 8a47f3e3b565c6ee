"""The three shared datasets import completely: every row accounted for, a second import adds
nothing, and the canonical export round-trips byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from disproof.models import CaseQuery
from disproof.service import Disproof
from disproof.settings import Settings

pytestmark = pytest.mark.slow

FILES = {
    "euvsdisinfo/cases_2015_2017.csv": "euvsdisinfo-csv",
    "euvsdisinfo/case_index_2015_2019.csv": "euvsdisinfo-index",
    "checkthat2022/vclaims.jsonl": "checkthat-vclaims",
}


def data_rows(path: Path) -> int:
    import csv

    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return sum(1 for _ in csv.DictReader(handle))
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Disproof, dict[str, object]]:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not here")
    service = Disproof.open(Settings(db=str(tmp_path_factory.mktemp("db") / "all.db")))
    reports = {name: service.import_file(SHARED_DATA / name) for name in FILES}
    return service, reports  # type: ignore[return-value]


@pytest.mark.parametrize("name", FILES)
def test_every_row_has_a_place(loaded: tuple[Disproof, dict], name: str) -> None:
    from tests.conftest import SHARED_DATA

    _, reports = loaded
    report = reports[name]
    assert report.format == FILES[name]
    assert report.rows == data_rows(SHARED_DATA / name)
    assert report.accounted() == report.rows
    assert not report.rejected


def test_full_csv_merges_republished_claims(loaded: tuple[Disproof, dict]) -> None:
    service, reports = loaded
    report = reports["euvsdisinfo/cases_2015_2017.csv"]
    republished = [m for m in report.merged if m.adds == "appearance"]
    assert len(republished) > 100  # the same claim from several outlets is common there
    case = service.get(republished[0].case_id)
    assert len(case.appearances) >= 2


@pytest.mark.parametrize("name", FILES)
def test_second_import_adds_nothing(loaded: tuple[Disproof, dict], name: str) -> None:
    from tests.conftest import SHARED_DATA

    service, _ = loaded
    before = service.count()
    again = service.import_file(SHARED_DATA / name)
    assert (len(again.created), len(again.updated)) == (0, 0)
    assert service.count() == before


def test_export_import_export_is_byte_identical(
    loaded: tuple[Disproof, dict], tmp_path: Path
) -> None:
    service, _ = loaded
    first = tmp_path / "first.jsonl"
    assert service.export_to_path(first) == service.count()
    copy = Disproof.open(Settings(db=str(tmp_path / "copy.db")))
    report = copy.import_file(first)
    assert len(report.created) == service.count() and not report.merged
    second = tmp_path / "second.jsonl"
    copy.export_to_path(second)
    assert first.read_bytes() == second.read_bytes()


def test_search_and_filters_on_real_data(loaded: tuple[Disproof, dict]) -> None:
    service, _ = loaded
    page = service.search(CaseQuery(text="MH17", limit=5))
    assert page.total > 50 and all(
        "mh17" in (c.title + c.summary + c.disproof).lower() for c in page.results
    )
    ukraine_ru = service.search(CaseQuery(countries=["Ukraine"], languages=["Russian"], limit=1))
    assert ukraine_ru.total > 500
    sputnik = service.search(CaseQuery(outlets=["sputnik"], date_from="2019-01-01", limit=3))
    assert sputnik.total > 100
    assert all(str(c.date) >= "2019-01-01" for c in sputnik.results)
