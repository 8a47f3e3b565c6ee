"""The use cases behind the API and the web pages: editing cases, facets, related and similar
cases, keyword suggestions, semantic search, and the shared matcher cache."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest

from disproof.errors import CaseNotFound, ConflictError, InvalidInput
from disproof.matchers import MatcherCache
from disproof.models import Case, CaseCreate, CaseQuery, CaseUpdate
from disproof.service import Disproof

pytestmark = pytest.mark.both_backends


def create(service: Disproof, **fields: object) -> Case:
    return service.create_case(CaseCreate.model_validate(fields), "tester")


@pytest.fixture
def cases(service: Disproof, fake_matching: object) -> Disproof:
    create(
        service,
        id="nato",
        title="NATO is encircling Russia with military bases",
        summary="The alliance builds bases on every Russian border.",
        date="2021-05-01",
        keywords=["NATO", "Encirclement"],
        countries=["RU"],
        related=["mh17", "missing-case"],
    )
    create(
        service,
        id="bases",
        title="NATO builds new military bases near Russia",
        summary="More bases on the Russian border, says the alliance.",
        date="2021-06-01",
        keywords=["NATO", "military"],
        countries=["RU", "PL"],
    )
    create(
        service,
        id="labs",
        title="The US runs secret biolabs in Ukraine",
        summary="American laboratories develop bioweapons near Russia.",
        date="2022-03-06",
        keywords=["Biolabs"],
        countries=["UA"],
    )
    create(
        service,
        id="mh17",
        title="Ukraine shot down flight MH17 with its own Buk",
        summary="A Ukrainian missile destroyed the Malaysian airliner.",
        keywords=["MH17"],
        countries=["UA"],
    )
    return service


# -- editing ---------------------------------------------------------------------------------------


def test_create_derives_the_id_the_jsonl_importer_would(service: Disproof, tmp_path: Path) -> None:
    line = (
        '{"title": "Migrants are destroying Europe", "date": "2020-01-02", '
        '"source": {"dataset": "d"}}'
    )
    (tmp_path / "one.jsonl").write_text(line + "\n", encoding="utf-8")
    imported = service.import_file(tmp_path / "one.jsonl").created[0]
    service.delete_case(imported, "tester")
    created = create(
        service, title="Migrants are destroying Europe", date="2020-01-02", source={"dataset": "d"}
    )
    assert created.id == imported
    with pytest.raises(ConflictError):
        create(
            service,
            title="Migrants are destroying Europe",
            date="2020-01-02",
            source={"dataset": "d"},
        )


def test_created_cases_are_normalised_and_take_the_database_keyword_spelling(
    cases: Disproof,
) -> None:
    case = create(cases, title="  x  ", keywords=["nato", "New one"], countries=["Germany"])
    assert case.title == "x" and case.keywords == ["NATO", "New one"] and case.countries == ["DE"]
    assert case.created_at is not None and case.created_at == case.updated_at


def test_update_changes_only_what_is_set_and_logs_real_changes(cases: Disproof) -> None:
    before = cases.get("labs")
    after = cases.update_case("labs", CaseUpdate(disproof="No such labs.", rating=None), "ed")
    assert after.disproof == "No such labs." and after.title == before.title
    assert after.keywords == before.keywords and after.created_at == before.created_at
    assert after.updated_at is not None and before.updated_at is not None
    assert after.updated_at >= before.updated_at
    same = cases.update_case("labs", CaseUpdate(disproof="No such labs."), "ed")
    assert same == after
    assert [(a, who) for a, who, _ in cases.store.edits("labs")] == [
        ("create", "tester"),
        ("update", "ed"),
    ]
    cleared = cases.update_case("labs", CaseUpdate.model_validate({"keywords": None}), "ed")
    assert cleared.keywords == []


def test_update_validates_the_whole_case(cases: Disproof) -> None:
    with pytest.raises(InvalidInput) as raised:
        cases.update_case("labs", CaseUpdate(title="", summary=""), "ed")
    assert raised.value.errors and raised.value.errors[0]["loc"] == []
    assert "a case needs a title or a claim summary" in str(raised.value)
    with pytest.raises(InvalidInput):
        cases.update_case("labs", CaseUpdate(keywords=["x" * 2001]), "ed")
    with pytest.raises(CaseNotFound):
        cases.update_case("nope", CaseUpdate(title="t"), "ed")
    assert cases.get("labs").title


def test_delete_removes_and_logs(cases: Disproof) -> None:
    cases.delete_case("labs", "boss")
    with pytest.raises(CaseNotFound):
        cases.get("labs")
    with pytest.raises(CaseNotFound):
        cases.delete_case("labs", "boss")
    assert cases.store.edits("labs")[-1][:2] == ("delete", "boss")
    assert cases.search(CaseQuery(text="biolabs")).total == 0  # gone from full-text search too


# -- facets ----------------------------------------------------------------------------------------


def test_two_editors_changing_one_case_at_once_keep_both_changes(
    cases: Disproof, monkeypatch: pytest.MonkeyPatch
) -> None:
    # found by the soak work: an update read the case before it held the write lock, so a
    # concurrent update of another field committed in between was written back over (lost)
    read = cases.store.current
    others: list[threading.Thread] = []

    def read_while_another_editor_writes(connection: Any, case_id: str, **kwargs: Any) -> Any:
        current = read(connection, case_id, **kwargs)
        if not others:  # the first read: let a second editor change another field now
            other = threading.Thread(
                target=cases.update_case, args=("nato", CaseUpdate(keywords=["B"]), "b")
            )
            others.append(other)
            other.start()
            other.join(timeout=1)  # it finishes at once without the lock, else waits for us
        return current

    monkeypatch.setattr(cases.store, "current", read_while_another_editor_writes)
    cases.update_case("nato", CaseUpdate(summary="Changed by A."), "a")
    others[0].join()
    monkeypatch.undo()
    case = cases.get("nato")
    assert (case.summary, case.keywords) == ("Changed by A.", ["B"])


def test_concurrent_creates_of_one_id_are_one_case_and_conflicts(cases: Disproof) -> None:
    outcomes: list[str] = []

    def add() -> None:
        try:
            create(cases, id="same", title="The same case, sent twice")
            outcomes.append("created")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]


def test_facets_count_all_cases_or_a_query_s_cases(cases: Disproof) -> None:
    top = [(f.value, f.count) for f in cases.facets("keyword", limit=2)]
    assert top == [("NATO", 2), ("Biolabs", 1)]  # ties by key
    countries = {f.value: f.count for f in cases.facets("country")}
    assert countries == {"RU": 2, "UA": 2, "PL": 1}
    within = cases.facets("country", query=CaseQuery(keywords=["nato"]))
    assert {f.value: f.count for f in within} == {"RU": 2, "PL": 1}
    text = cases.facets("keyword", query=CaseQuery(text="airliner"))
    assert [f.value for f in text] == ["MH17"]
    years = cases.facets("year")
    assert [(f.value, f.count) for f in years] == [("2022", 1), ("2021", 2)]  # undated left out
    assert cases.facets("year", query=CaseQuery(countries=["UA"]))[0].value == "2022"
    # no case names a narrative, but the shipped taxonomy maps the keyword MH17 to one
    assert [(f.value, f.count) for f in cases.facets("narrative")] == [("mh17-ukraine-guilty", 1)]
    with pytest.raises(InvalidInput):
        cases.facets("colour")


# -- related, similar, suggestions -----------------------------------------------------------------


def test_related_cases_put_analyst_links_first(cases: Disproof) -> None:
    related = cases.related_cases("nato")
    assert related[0].case_id == "mh17" and related[0].reasons[0] == "linked by analysts"
    assert related[0].score == 1.0 and related[0].kinds[0] == "linked"
    assert all(r.case_id not in ("nato", "missing-case") for r in related)
    similar = related[1]
    assert similar.case_id == "bases" and similar.reasons[0].startswith(
        "similar claim (similarity "
    )
    assert similar.kinds[:2] == ["similar", "shared-keywords"]
    assert similar.shared_keywords == 1 and "shared keywords: NATO" in similar.reasons
    assert similar.days_apart == 31 and "31 days later" in similar.reasons
    assert [r.score for r in related[1:]] == sorted((r.score for r in related[1:]), reverse=True)
    assert len({r.case_id for r in related}) == len(related)
    assert [r.case_id for r in cases.related_cases("nato", limit=1)] == ["mh17"]
    with pytest.raises(CaseNotFound):
        cases.related_cases("nope")


def test_similar_to_and_keyword_suggestions(cases: Disproof) -> None:
    similar = cases.similar_to("NATO builds military bases around Russia", limit=2)
    assert [m.case_id for m in similar][:1] in (["bases"], ["nato"])
    assert len(similar) <= 2 and len({m.case_id for m in similar}) == len(similar)
    assert cases.similar_to("   ") == []
    keywords = cases.suggest_keywords("NATO builds military bases around Russia", limit=3)
    assert keywords[0] == "NATO" and len(keywords) <= 3
    assert cases.suggest_keywords("") == []


def test_semantic_search_ranks_by_the_matcher_and_filters_within(cases: Disproof) -> None:
    page = cases.search_semantic(CaseQuery(text="secret biolabs in Ukraine", limit=2))
    assert page.results[0].id == "labs" and len(page.results) <= 2 and page.total >= 1
    filtered = cases.search_semantic(CaseQuery(text="NATO military bases", countries=["PL"]))
    assert [c.id for c in filtered.results] == ["bases"] and filtered.total == 1
    with pytest.raises(InvalidInput):
        cases.search_semantic(CaseQuery(text=" "))


# -- the shared matcher ----------------------------------------------------------------------------


def test_the_shared_matcher_is_reused_until_the_cases_change(cases: Disproof) -> None:
    first = cases.matchers.get()
    assert cases.matchers.get() is first
    create(cases, id="new", title="Migrants are destroying Europe")
    second = cases.matchers.get()
    assert second is not first and len(second.index) == 5
    assert cases.match("Migrants are destroying Europe").matches[0].case_id == "new"


def test_the_matcher_cache_notices_changes_made_elsewhere() -> None:
    built: list[int] = []
    state = {"fingerprint": "a"}

    def build(progress: object = None) -> object:
        built.append(1)
        return object()

    cache = MatcherCache(build, lambda: state["fingerprint"], check_every=0.0)  # type: ignore[arg-type]
    one = cache.get()
    assert cache.get() is one and len(built) == 1
    state["fingerprint"] = "b"  # another process imported cases
    assert cache.get() is not one and len(built) == 2
    slow = MatcherCache(build, lambda: state["fingerprint"], check_every=3600)  # type: ignore[arg-type]
    kept = slow.get()
    state["fingerprint"] = "c"
    assert slow.get() is kept  # not checked again yet
    slow.invalidate()
    assert slow.get() is not kept


def test_advisory_readers_get_the_old_matcher_while_a_new_one_is_built() -> None:
    import threading

    release = threading.Event()
    built: list[object] = []

    def build(progress: object = None) -> object:
        if built:  # every rebuild waits until the test lets it finish
            assert release.wait(5)
        built.append(object())
        return built[-1]

    cache = MatcherCache(build, lambda: "same", check_every=3600)  # type: ignore[arg-type]
    first = cache.get()
    cache.invalidate()  # a case was edited
    assert cache.get(stale_ok=True) is first  # at once, while the rebuild runs
    assert cache.get(stale_ok=True) is first  # still building: no second build started
    release.set()
    cache.wait(5)
    assert len(built) == 2 and cache.get(stale_ok=True) is built[1]
    cache.invalidate()
    assert cache.get() is built[2]  # a reader that needs current results waits for it


def test_created_at_is_utc(cases: Disproof) -> None:
    case = cases.get("labs")
    assert case.created_at is not None and case.created_at.tzinfo == dt.UTC
