"""Matching: the pipeline with a fake embedder (fast), then with the real model (marked)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from disproof.match.calibration import calibration_for
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.corpus import CorpusStore
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases

DATA = Path(__file__).parent / "data"


@pytest.fixture
def fake(fake_matching: FakeEmbedder, service: Disproof) -> FakeEmbedder:
    return fake_matching


add = add_cases


CASES = [
    Case(
        id="nato",
        title="NATO is encircling Russia with military bases",
        summary="The alliance builds bases on every Russian border.",
    ),
    Case(
        id="labs",
        title="The US runs secret biolabs in Ukraine",
        summary="American laboratories develop bioweapons near Russia.",
    ),
    Case(
        id="mh17",
        title="Ukraine shot down flight MH17 with its own Buk",
        summary="A Ukrainian missile destroyed the Malaysian airliner.",
    ),
]


def test_a_repeated_claim_is_matched_with_offsets_and_reasons(
    service: Disproof, fake: FakeEmbedder
) -> None:
    add(service, *CASES)
    text = "The US runs secret biolabs in Ukraine, a blogger wrote."
    result = service.matcher().match(text)
    top = result.matches[0]
    assert top.case_id == "labs" and top.band in ("confirmed", "suggested")
    assert text[top.span.start : top.span.end] == top.span.text
    assert {"biolab", "ukrain"} <= set(top.why.shared_terms)
    assert "dense_title" in top.why.retrievers
    assert [m.score for m in result.matches] == sorted(
        (m.score for m in result.matches), reverse=True
    )


def test_unrelated_text_gets_no_confirmed_match(service: Disproof, fake: FakeEmbedder) -> None:
    add(service, *CASES)
    result = service.matcher().match("Simmer the tomatoes for twenty minutes and add basil.")
    assert all(m.band != "confirmed" for m in result.matches)


def test_an_article_lists_only_spans_with_matches(service: Disproof, fake: FakeEmbedder) -> None:
    add(service, *CASES)
    article = (
        "Home | World | Politics | Sport\n\nSubscribe to our newsletter\n\n"
        "The weather in the capital was mild on Sunday and many families went to the park. "
        "Officials said that NATO is encircling Russia with military bases on every border. "
        "The city council also discussed a new tram line for the northern district. "
        "Work on the line is expected to start next spring and to last about two years, "
        "according to the transport department, which published the plans on Friday. "
        "Residents of the northern district have asked for a faster connection to the centre "
        "for years, and local shops hope that the tram will bring them more customers.\n\n"
        "© 2024 Example News. All rights reserved."
    )
    assert len(article) > 600  # longer than a post: checked sentence by sentence
    result = service.matcher().match(article)
    assert result.spans_checked >= 2
    assert {m.case_id for m in result.matches} == {"nato"}
    for match in result.matches:
        assert article[match.span.start : match.span.end] == match.span.text
        assert match.band != "none"


def test_index_is_saved_reused_and_updated_incrementally(
    service: Disproof, fake: FakeEmbedder, settings: Settings
) -> None:
    add(service, *CASES)
    service.matcher()
    assert fake.encoded == 6  # two fields of three cases
    folder = settings.index_dir()
    assert folder is not None and json.loads((folder / "meta.json").read_text())["cases"] == 3
    service.matcher()
    assert fake.encoded == 6  # current index reused: nothing encoded
    add(service, Case(id="new", title="Migrants are destroying Europe"))
    matcher = service.matcher()
    assert fake.encoded == 7  # one new case, one field: one encode
    assert len(matcher.index) == 4
    assert matcher.match("Migrants are destroying Europe").matches[0].case_id == "new"


def test_a_case_deleted_while_the_index_encodes_is_left_out(
    service: Disproof, fake: FakeEmbedder
) -> None:
    # found by the soak benchmark: a server rebuilding its index while an editor deleted a case
    # failed with "FOREIGN KEY constraint failed" when it stored the deleted case's vectors
    add(service, *CASES)
    encode = fake.encode_documents

    def encode_then_delete(texts: Sequence[str], batch_size: int = 32) -> Any:
        if service.store.count() == len(CASES):
            service.delete_case("labs", "editor")
        return encode(texts, batch_size)

    fake.encode_documents = encode_then_delete  # type: ignore[method-assign]
    matcher = service.matcher()
    stored = CorpusStore(service.store.engine).vectors(fake.model_id)
    assert len(stored) == 4  # two fields of the two cases left
    assert "labs" not in {m.case_id for m in matcher.match(CASES[1].title).matches}


def test_a_case_deleted_after_the_index_was_built_is_not_matched(
    service: Disproof, fake: FakeEmbedder
) -> None:
    # found by the soak benchmark: a shared matcher answering after a delete raised KeyError
    add(service, *CASES)
    matcher = service.matcher()
    service.delete_case("labs", "editor")
    found = {m.case_id for m in matcher.match(CASES[1].title, min_band="none").matches}
    assert "labs" not in found and found <= {"nato", "mh17"}
    assert matcher.match(CASES[0].title).matches[0].case_id == "nato"


def test_an_empty_database_and_empty_text(service: Disproof, fake: FakeEmbedder) -> None:
    matcher = service.matcher()
    assert matcher.match("Anything at all here").matches == []
    add(service, *CASES)
    assert service.matcher().match("").matches == []


def test_match_jsonl_contract(cli: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    embedder = FakeEmbedder()
    monkeypatch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
    monkeypatch.setattr(
        "disproof.match.calibration.calibration_for", lambda model_id: FAKE_CALIBRATION
    )
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(c.model_dump_json() for c in CASES) + "\n", encoding="utf-8")
    assert cli("import", str(source)).code == 0  # type: ignore[operator]
    lines = [{"id": 1, "text": "Ukraine shot down MH17 with a Buk"}, {"id": "b", "text": ""}]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines)))
    result = cli("match", "--jsonl", "--top-k", "2")  # type: ignore[operator]
    assert result.code == 0, result.err
    first, second = (json.loads(line) for line in result.out.splitlines())
    assert first["id"] == 1 and len(first["matches"]) == 2
    top = first["matches"][0]
    assert top["case_id"] == "mh17" and top["band"] in ("confirmed", "suggested", "none")
    assert {"case_id", "score", "band", "title", "date", "outlets", "span"} <= set(top)
    assert top["span"]["start"] == 0 and second == {"id": "b", "matches": []}
    bad = cli("match", "text", "--file", "x")  # type: ignore[operator]
    assert bad.code == 2
    # one bad line does not cost the good ones their answers: an error object in its place
    mixed = ['{"id": 7, "text": "Ukraine shot down MH17 with a Buk"}', "{not json", '{"id": 9}', ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(mixed)))
    result = cli("match", "--jsonl", "--top-k", "1")  # type: ignore[operator]
    assert result.code == 1 and "2 of 3 line(s)" in result.err
    good, broken, idless = (json.loads(line) for line in result.out.splitlines())
    assert good["id"] == 7 and good["matches"][0]["case_id"] == "mh17"
    assert broken == {"id": None, "line": 2, "error": broken["error"]}
    assert "malformed JSON" in broken["error"]
    assert idless["id"] == 9 and idless["line"] == 3 and "expected" in idless["error"]


# -- with the real model --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_matcher(tmp_path_factory: pytest.TempPathFactory) -> object:
    service = Disproof.open(Settings(db=str(tmp_path_factory.mktemp("demo") / "demo.db")))
    service.load_demo()
    return service.matcher()


@pytest.mark.model
def test_shipped_calibration_exists_for_the_default_model(demo_matcher: object) -> None:
    from disproof.match.matcher import Matcher

    assert isinstance(demo_matcher, Matcher) and demo_matcher.embedder is not None
    assert calibration_for(demo_matcher.embedder.model_id) is not None
    assert demo_matcher.notes == []


@pytest.mark.model
def test_unrelated_texts_are_never_confirmed(demo_matcher: object) -> None:
    from disproof.match.matcher import Matcher

    assert isinstance(demo_matcher, Matcher)
    # everyday text; the political-sounding "hard-" negatives are measured in
    # benchmarks/multilingual.py and reported in docs/benchmarks.md
    lines = [json.loads(x) for x in (DATA / "unrelated.jsonl").read_text().splitlines() if x]
    lines = [x for x in lines if not x["id"].startswith("hard-")]
    assert len(lines) >= 40
    results = demo_matcher.match_many([x["text"] for x in lines], top_k=3, min_band="none")
    confirmed = [
        (x["id"], m.case_id)
        for x, r in zip(lines, results, strict=True)
        for m in r.matches
        if m.band == "confirmed"
    ]
    assert confirmed == []


@pytest.mark.model
@pytest.mark.parametrize("lang", ["ru", "uk", "de", "fr", "pl", "cs"])
def test_restated_claims_find_their_english_case(demo_matcher: object, lang: str) -> None:
    from disproof.match.matcher import Matcher

    assert isinstance(demo_matcher, Matcher)
    path = Path(__file__).parents[1] / "benchmarks" / "data" / "multilingual_claims.jsonl"
    claims = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
    claims = [c for c in claims if c["lang"] == lang]
    results = demo_matcher.match_many([c["text"] for c in claims], top_k=1, min_band="none")
    right = sum(r.matches[0].case_id == c["case_id"] for c, r in zip(claims, results, strict=True))
    assert right / len(claims) >= 0.85


@pytest.mark.model
@pytest.mark.parametrize("name", ["article_en.txt", "article_ru.txt"])
def test_articles_return_their_claims_not_their_boilerplate(
    demo_matcher: object, name: str
) -> None:
    from disproof.match.matcher import Matcher

    assert isinstance(demo_matcher, Matcher)
    text = (DATA / name).read_text(encoding="utf-8")
    expected = json.loads((DATA / "articles.json").read_text(encoding="utf-8"))[name]["claims"]
    result = demo_matcher.match(text)
    for match in result.matches:
        assert text[match.span.start : match.span.end] == match.span.text
        assert "©" not in match.span.text and "newsletter" not in match.span.text.lower()
    found = {
        (m.case_id)
        for m in result.matches
        if any(m.span.text in c["sentence"] or c["sentence"] in m.span.text for c in expected)
    }
    # a long text lists only what passes the article rule; the rule is fitted on English, and a
    # Russian span is listed from the claim-level band "suggested" (probability >= 0.5) up
    minimum = 3 if name == "article_en.txt" else 2
    assert len(found & {c["case_id"] for c in expected}) >= minimum
    assert all(m.band != "none" for m in result.matches)


def test_without_calibration_ranking_uses_rrf_and_never_confirms(
    service: Disproof, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = FakeEmbedder()
    monkeypatch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
    monkeypatch.setattr("disproof.match.calibration.calibration_for", lambda model_id: None)
    add(service, *CASES)
    matcher = service.matcher()
    assert any("no calibration" in note for note in matcher.notes)
    result = matcher.match("NATO is encircling Russia with military bases")
    assert result.matches[0].case_id == "nato" and result.matches[0].band == "suggested"
    assert all(m.band != "confirmed" for m in result.matches)
    assert 0 < result.matches[0].score <= 1


SEED_CLAIM = (
    "The protests in Kazakhstan are a Western-organised colour revolution, and Ukraine is "
    "stacking military equipment in Donbas"
)


@pytest.mark.model
def test_a_two_claim_sentence_is_matched_clause_by_clause(demo_matcher: object) -> None:
    from disproof.match.matcher import Matcher

    assert isinstance(demo_matcher, Matcher)
    result = demo_matcher.match(SEED_CLAIM)
    kazakhstan = "demo-kazakhstan-2022-foreign-terrorists"
    assert result.spans_checked == 3  # the two clauses, and the sentence whole
    assert result.matches[0].case_id == kazakhstan
    assert result.matches[0].band == "confirmed"
    assert result.matches[0].span.text.startswith("The protests in Kazakhstan")
    assert "Donbas" not in result.matches[0].span.text
    for match in result.matches:  # each match says which passage it is about
        assert SEED_CLAIM[match.span.start : match.span.end] == match.span.text


@pytest.mark.model
def test_a_generic_headline_is_not_confirmed(demo_matcher: object) -> None:
    from disproof.match.matcher import Matcher

    assert isinstance(demo_matcher, Matcher)
    headline = "What the Western media will not tell you about Ukraine"
    alone = demo_matcher.match(headline)
    assert all(m.band == "none" for m in alone.matches)
    article = (
        headline
        + "\n\n"
        + "The weather in the capital was mild on Sunday and many families went to the park. "
        "The city council also discussed a new tram line for the northern district. "
        "Work on the line is expected to start next spring and to last about two years, "
        "according to the transport department, which published the plans on Friday. "
        "Residents have asked for a faster connection to the centre for years, and local "
        "shops hope that the tram will bring them more customers. The mayor said that the "
        "budget for the line had been approved by a large majority of the council, and that "
        "the first trams would be bought from a manufacturer in the region."
    )
    assert len(article) > 600  # an article, not a post
    result = demo_matcher.match(article)
    assert result.article
    assert not [m for m in result.matches if m.span.start == 0 and m.band == "confirmed"]


def test_a_long_text_is_checked_whole_not_its_first_200_passages(
    service: Disproof, fake: FakeEmbedder
) -> None:
    # issue 16: a 5 MB file had only the passages of its first 185,000 characters checked
    add(service, *CASES)
    towns = "Alder Birch Cedar Dover Elm Fenwick Glen Harlow Ivy Juniper Kent Linden Maple".split()
    topics = "roads schools parks bridges libraries buses clinics markets ports museums".split()
    days = "Monday Tuesday Wednesday Thursday".split()
    filler = [
        f"The city council of {town} met on {day} and approved the budget for new {topic}."
        for town in towns
        for topic in topics
        for day in days
    ]
    text = " ".join([*filler, "The US runs secret biolabs in Ukraine, a blogger claimed."])
    steps: list[tuple[int, int]] = []
    result = service.matcher().match(
        text, min_band="suggested", progress=lambda *s: steps.append(s)
    )
    assert result.spans_checked > 400 and result.characters == len(text)
    assert steps[-1] == (result.spans_checked, result.spans_checked) and len(steps) > 1
    last = [m for m in result.matches if m.case_id == "labs"]
    assert last and last[0].span.start > len(text) - 100


def test_a_case_without_disproof_says_so(service: Disproof, fake: FakeEmbedder) -> None:
    add(service, CASES[0], CASES[1].model_copy(update={"disproof": "They are public-health labs."}))
    found = {m.case_id: m for m in service.matcher().match(CASES[0].title).matches}
    assert found["nato"].has_disproof is False
    labs = service.matcher().match(CASES[1].title).matches[0]
    assert labs.case_id == "labs" and labs.has_disproof is True
