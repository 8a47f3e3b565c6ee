"""ClaimReview export of the whole shared data (issue #13): the three datasets imported with the
product's importers, exported, and every record checked — by the validator, and against its case
(datePublished, url, reviewBody)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from disproof.io import claimreview
from disproof.links import http_url
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.web.urls import quote_case_id

pytestmark = pytest.mark.slow

FILES = [
    "euvsdisinfo/cases_2015_2017.csv",
    "euvsdisinfo/case_index_2015_2019.csv",
    "checkthat2022/vclaims.jsonl",
]
BASE = "https://disproof.example/team"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Disproof:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not here")
    db = tmp_path_factory.mktemp("claimreview") / "all.db"
    service = Disproof.open(Settings(db=str(db), public_url=None))
    for name in FILES:
        report = service.import_file(SHARED_DATA / name)
        assert not report.rejected
    return service


@pytest.fixture(scope="module")
def exported(
    service: Disproof, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Case], dict[str, Any]]:
    out = tmp_path_factory.mktemp("export") / "reviews.jsonld"
    assert service.export_to_path(out, "claimreview", base_url=BASE + "/") == service.count()
    text = out.read_text(encoding="utf-8")
    assert "<" not in text and "&" not in text  # safe to embed in a <script> element
    return list(service.store.iter_cases()), json.loads(text)


def test_every_record_passes_the_validator(exported: tuple[list[Case], dict[str, Any]]) -> None:
    cases, document = exported
    assert len(document["@graph"]) == len(cases) > 20_000
    problems = claimreview.validate_document(document)
    errors = [p.describe() for p in problems if p.severity == "error"]
    assert errors == []
    # Recommended properties only go missing where the data has nothing to say.
    missing = {p.path.split(".", 1)[1] for p in problems if p.severity == "warning"}
    assert missing <= {
        "datePublished",
        "itemReviewed.datePublished",
        "itemReviewed.author",
        "itemReviewed.appearance",
    }


def test_each_record_says_what_its_case_says(
    exported: tuple[list[Case], dict[str, Any]],
) -> None:
    cases, document = exported
    today = dt.datetime.now(dt.UTC).date()
    stored = {c.updated_at.date() for c in cases if c.updated_at is not None}
    assert stored == {today}  # imported just now: a date from the store would show
    undated = on_site = 0
    for case, node in zip(cases, document["@graph"], strict=True):
        expected = claimreview.review_date(case)
        assert node.get("datePublished") == (expected.isoformat() if expected else None), case.id
        undated += expected is None
        source = http_url(case.source.url)
        on_site += source is None
        assert node["url"] == (source or f"{BASE}/cases/{quote_case_id(case.id)}"), case.id
        if case.disproof:
            assert node["reviewBody"] == case.disproof, case.id
        else:
            assert "reviewBody" not in node, case.id
    assert 0 < undated < len(cases) // 10  # CheckThat! rows whose date is scraping debris
    assert on_site > 0  # the full-case CSV has no report URLs


def test_without_a_base_url_the_export_is_refused_whole(
    service: Disproof, exported: tuple[list[Case], dict[str, Any]], tmp_path: Path
) -> None:
    cases, _ = exported
    without_page = sum(http_url(c.source.url) is None for c in cases)
    out = tmp_path / "reviews.jsonld"
    with pytest.raises(claimreview.MissingPublicUrl) as raised:
        service.export_to_path(out, "claimreview")
    assert (raised.value.missing, raised.value.total) == (without_page, len(cases))
    assert not out.exists() and list(tmp_path.iterdir()) == []
    stream = io.StringIO()
    with pytest.raises(claimreview.MissingPublicUrl):
        service.export(stream, "claimreview")
    assert stream.getvalue() == ""
