"""One case per claim across sources on the real EUvsDisinfo files (full cases + case index),
imported in both orders: the same cases either way, nothing new on a second import, and each
merged case holding what both files know. Skipped when ../shared/data is absent."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from disproof.importing import ImportReport, _collect
from disproof.io import importer, read_text
from disproof.models import Case
from disproof.normalize import keyword_key
from disproof.sameclaim import ALIASES, CASE_URL, Claim, relation
from disproof.service import Disproof
from disproof.settings import Settings

pytestmark = pytest.mark.slow

FULL = "euvsdisinfo/cases_2015_2017.csv"
INDEX = "euvsdisinfo/case_index_2015_2019.csv"


def _records(path: Path, fmt: str) -> dict[str, Case]:
    report = ImportReport(str(path), fmt)
    return {
        cid: case
        for cid, (_, case) in _collect(path, importer(fmt), read_text(path), report).items()
    }


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Disproof, list[ImportReport]]]:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not here")
    out = {}
    for name, files in {"full first": [FULL, INDEX], "index first": [INDEX, FULL]}.items():
        service = Disproof.open(Settings(db=str(tmp_path_factory.mktemp("db") / "cases.db")))
        out[name] = (service, [service.import_file(SHARED_DATA / f) for f in files])
    return out


def _state(service: Disproof) -> dict[str, dict[str, object]]:
    return {case.id: case.content() for case in service.store.iter_cases()}


def test_both_orders_give_the_same_cases(imported: dict) -> None:
    (first, reports), (second, _) = imported["full first"], imported["index first"]
    assert all(r.accounted() == r.rows and not r.rejected for r in reports)
    rows = sum(r.rows - len(r.merged) for r in reports)  # 2,553 + 7,197
    assert first.count() == rows - len(reports[1].joined) < rows - 2000
    assert _state(first) == _state(second)


def test_one_case_per_claim(imported: dict) -> None:
    service, reports = imported["full first"]
    claims = [Claim.of(case) for case in service.store.iter_cases()]
    by_key: dict[tuple[object, ...], list[Claim]] = defaultdict(list)
    for claim in claims:
        by_key[(claim.title, claim.date)].append(claim)
    doubles = [k for k, cs in by_key.items() if len({c.text for c in cs}) == 2]
    texts = [c for c in claims if c.text]
    apart = {
        c.id for c in claims if not c.text and any(relation(t, c) for t in texts)
    }  # text-less cases a text still claims: only the ambiguous ones
    assert apart == set(reports[1].ambiguous)
    assert len(doubles) <= len(apart)


def test_second_imports_in_either_order_change_nothing(imported: dict) -> None:
    from tests.conftest import SHARED_DATA

    for name, (service, _) in imported.items():
        before = _state(service)
        for f in [FULL, INDEX] if name == "index first" else [INDEX, FULL]:
            again = service.import_file(SHARED_DATA / f)
            assert (len(again.created), len(again.updated), len(again.joined)) == (0, 0, 0), f
        assert _state(service) == before


def test_merged_cases_hold_what_both_files_know(imported: dict) -> None:
    from tests.conftest import SHARED_DATA

    service, _ = imported["index first"]
    full = _records(SHARED_DATA / FULL, "euvsdisinfo-csv")
    index = _records(SHARED_DATA / INDEX, "euvsdisinfo-index")
    merged = [c for c in service.store.iter_cases() if ALIASES in c.extra]
    assert len(merged) > 2000
    for case in merged:
        names = [case.id, *case.extra[ALIASES].split("; ")]
        assert CASE_URL.match(case.id) and case.source.url == case.id
        texts = [full[n] for n in names if n in full]
        entries = [index[n] for n in names if n in index]
        assert len(texts) == 1 and entries, case.id
        assert (case.summary, case.disproof, case.title) == (
            texts[0].summary,
            texts[0].disproof,
            texts[0].title,
        )
        countries, keywords = set(case.countries), {keyword_key(k) for k in case.keywords}
        for part in [*texts, *entries]:
            assert set(part.countries) <= countries
            assert {keyword_key(k) for k in part.keywords} <= keywords
        assert all(relation(Claim.of(texts[0]), Claim.of(e)) for e in entries), case.id
        assert service.get(texts[0].id).id == case.id  # the old id still finds the case
