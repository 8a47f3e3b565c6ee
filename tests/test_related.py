"""Related cases: what analysts wrote in disproofs (links, listed titles, framing sentences) and
how it is combined with similarity, shared keywords/narratives and time."""

from __future__ import annotations

import json
from typing import Any

import pytest

from disproof.models import Case, CaseCreate
from disproof.related.mining import framing_sentences, mine_references, normalize_url
from disproof.service import Disproof
from disproof.store.relations import RelationStore

pytestmark = pytest.mark.both_backends

SEED_LIKE = (
    "The pro-Kremlin media frequently portray popular protests as instigated from abroad. "
    "This claim advances a recurring pro-Kremlin disinformation narrative about colour "
    "revolutions. See also the statement by the EU High Representative here. "
    "Read also related cases: US-sponsored protests aimed to undermine CIS stability, "
    "Protests in Kazakhstan are a new Western attempt at a colour revolution or "
    "EU and US aim to generate a new wave of protests in Belarus."
)


def test_listed_titles_are_mined_after_the_analysts_cues() -> None:
    refs = mine_references(SEED_LIKE)
    assert "US-sponsored protests aimed to undermine CIS stability" in refs.titles
    assert "Protests in Kazakhstan are a new Western attempt at a colour revolution" in refs.titles
    # "and" may be part of a title or separate two: both readings are kept for resolution
    assert "EU and US aim to generate a new wave of protests in Belarus" in refs.titles
    assert "US aim to generate a new wave of protests in Belarus" in refs.titles
    assert refs.urls == ()


def test_a_cue_list_ends_with_its_sentence_and_links_are_collected() -> None:
    text = (
        "See also http://bit.ly/2abc. Read more: https://euvsdisinfo.eu/report/foo-bar/. "
        "Similar cases claiming that NATO is about to attack Russia were debunked before."
    )
    refs = mine_references(text)
    assert refs.urls == ("http://bit.ly/2abc", "https://euvsdisinfo.eu/report/foo-bar/")
    assert all("Read more" not in t and "http" not in t for t in refs.titles)
    assert mine_references("") == mine_references("No cue in this text at all.")


def test_framing_sentences_name_the_narrative() -> None:
    found = framing_sentences(SEED_LIKE)
    assert found == [
        "This claim advances a recurring pro-Kremlin disinformation narrative about colour "
        "revolutions."
    ]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.EUvsDisinfo.eu/report/Foo/?x=1#y", "euvsdisinfo.eu/report/foo"),
        ("http://euvsdisinfo.eu/report/foo.", "euvsdisinfo.eu/report/foo"),
        ("  ", ""),
    ],
)
def test_urls_compare_without_scheme_www_query_or_slash(url: str, key: str) -> None:
    assert normalize_url(url) == key


def _create(service: Disproof, **fields: object) -> Case:
    return service.create_case(CaseCreate.model_validate(fields), "tester")


@pytest.fixture
def linked(service: Disproof, fake_matching: object) -> Disproof:
    _create(
        service,
        id="https://euvsdisinfo.eu/report/protests-in-kazakhstan-western-attempt/",
        title="Protests in Kazakhstan are a new Western attempt at a colour revolution",
        summary="The West organised the unrest.",
        date="2022-01-06",
        keywords=["Colour revolutions"],
    )
    _create(
        service,
        id="belarus",
        title="EU and US aim to generate a new wave of protests in Belarus",
        summary="Brussels and Washington plan new unrest in Minsk.",
        date="2021-08-01",
        keywords=["Protest", "Belarus"],
    )
    _create(
        service,
        id="seed",
        title="Colour revolution attempt in Kazakhstan",
        summary="Another attempt of a colour revolution, due to external forces.",
        disproof=SEED_LIKE,
        date="2022-01-10",
        keywords=["Colour revolutions", "Protest"],
    )
    _create(
        service,
        id="later",
        title="Kazakhstan unrest was a coup from abroad",
        summary="Foreign terrorists organised it.",
        disproof=(
            "Recurring narrative. Earlier: https://euvsdisinfo.eu/report/"
            "protests-in-kazakhstan-western-attempt/ and the case Colour revolution attempt in "
            "Kazakhstan."
        ),
        date="2022-02-01",
        keywords=["Coup"],
    )
    _create(
        service,
        id="unrelated",
        title="Vaccines contain microchips",
        summary="A health scare.",
        date="2015-01-01",
        keywords=["Vaccination"],
    )
    return service


def test_cases_the_disproof_names_or_that_cite_it_come_first(linked: Disproof) -> None:
    related = {r.case_id: r for r in linked.related_cases("seed")}
    kazakh = "https://euvsdisinfo.eu/report/protests-in-kazakhstan-western-attempt/"
    assert related[kazakh].kinds[0] == "named" and related[kazakh].score == 1.0
    assert related["belarus"].kinds[0] == "named"
    assert related["later"].kinds[0] == "cites-this"  # its disproof names this case's title
    assert related[kazakh].reasons[0] == "named in this case's disproof"
    assert any(
        r.startswith("same narrative: Protests are Western-staged colour revolutions")
        for r in related[kazakh].reasons
    )
    assert "unrelated" not in related
    order = [r.case_id for r in linked.related_cases("seed")]
    assert order.index("later") < len(order) and set(order[:3]) == {kazakh, "belarus", "later"}


def test_a_link_to_a_case_page_in_a_disproof_is_resolved(linked: Disproof) -> None:
    related = {r.case_id: r for r in linked.related_cases("later")}
    kazakh = "https://euvsdisinfo.eu/report/protests-in-kazakhstan-western-attempt/"
    assert related[kazakh].kinds[0] == "cited"
    # and the cited case sees the citing one
    back = {r.case_id: r for r in linked.related_cases(kazakh)}
    assert back["later"].kinds[0] == "cites-this"


def test_shared_terms_weigh_rare_terms_more(linked: Disproof) -> None:
    relations = RelationStore(linked.store.engine)
    shared = {s.case_id: s for s in relations.sharing_terms("seed")}
    assert set(shared) >= {
        "belarus",
        "https://euvsdisinfo.eu/report/protests-in-kazakhstan-western-attempt/",
    }
    assert "unrelated" not in shared
    assert all(0 < s.overlap <= 1.0 for s in shared.values())
    assert relations.sharing_terms("no-such-case") == []
    assert relations.ids_by_title(
        ["  eu AND us aim to generate a new wave of protests in belarus"]
    ) == {"  eu AND us aim to generate a new wave of protests in belarus": "belarus"}
    assert relations.ids_by_url(["not a url", "bit.ly"]) == {}


def test_hostile_titles_cannot_break_the_citation_query(linked: Disproof) -> None:
    _create(
        linked,
        id="quotes",
        title='He said "NEAR(a b)" OR * AND -x: 100% _true_ \\ really',
        summary="Injection attempt.",
        disproof='See also: He said "NEAR(a b)" OR * AND',
    )
    assert isinstance(linked.related_cases("quotes"), list)


def test_cli_related_lists_cases_with_reasons(cli: Any, fake_matching: object) -> None:
    assert cli("demo").code == 0
    table = cli("related", "demo-maidan-us-five-billion", "--limit", "5")
    assert table.code == 0, table.err
    assert "linked by analysts" in table.out and "related to demo-maidan" in table.out
    listed = json.loads(cli("related", "demo-maidan-us-five-billion", "--json").out)
    assert [r["kinds"][0] for r in listed[:3]] == ["linked"] * 3
    assert {"case_id", "title", "reasons", "kinds", "score", "days_apart"} <= set(listed[0])
    assert cli("related", "no-such-case").code == 1
