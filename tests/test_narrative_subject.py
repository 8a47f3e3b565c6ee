"""v5 of inferred narratives: a narrative with a subject lexicon is inferred only when the case's
own text names its subject (``disproof.narratives.subject``), as the amended labelling rule
reads it: a White Helmets or "false flag" claim that names no chemical attack does not advance
"chemical attacks in Syria were staged"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from disproof.models import Case, KeywordRule, Narrative, Taxonomy
from disproof.narratives.mapping import KeywordMapping, builtin_mapping
from disproof.narratives.semantic import NO_MARGIN, builtin_claims
from disproof.narratives.subject import (
    SubjectLexicon,
    builtin_subjects,
    lexicons,
    load_subjects,
)
from disproof.settings import Settings

SYRIA = "syria-chemical-attacks-staged"
GEORGIA = "georgia-2008-aggressor"

TAXONOMY = Taxonomy(
    id="t",
    name="T",
    narratives=[
        Narrative(
            id="moon-fake",
            name="The moon landing was faked",
            description="Apollo hoax studio",
            implied_by=[KeywordRule(keywords=["Moon landing"], precision=0.5)],
        ),
        Narrative(id="other", name="Something else entirely"),
    ],
)
MOON = lexicons([("moon-fake", ["moon", "apollo", "лун", "sea of tranquil"])])


def test_terms_match_at_the_start_of_a_word_in_any_case_and_script() -> None:
    lexicon = SubjectLexicon("x", ("chemi", "gas attack", "осети", "خان شيخون", "khan sh"))
    assert lexicon.named("CHEMICAL weapons") == ("chemical",)
    assert lexicon.named("Южная Осетия и осетины") == ("осетия", "осетины")
    assert lexicon.named("the gas-attack and the gas  attack") == ("gas-attack", "gas  attack")
    assert lexicon.named("هجوم خان شيخون") == ("خان شيخون",)
    assert lexicon.named("Khan Shaykhun") == ("khan shaykhun",)
    # inside a word, or a term's words apart: no
    assert lexicon.named("biochemistry; a gas pipeline; an attack") == ()
    # full-width and composed letters are folded (NFKC) before matching
    assert lexicon.named("ＣＨＥＭＩＣＡＬ") == ("chemical",)


def test_terms_are_literal_text_never_patterns() -> None:
    lexicon = SubjectLexicon("x", ("a.b", "(x|y)*", "08.08.08"))
    assert lexicon.named("axb, xyxy, 08x08x08") == ()
    assert lexicon.named("a.b and (x|y)* on 08.08.08") == ("a.b", "(x|y)*", "08.08.08")
    assert SubjectLexicon("x", ()).named("anything") == ()
    # hostile text of any length is read in one linear pass
    assert lexicon.named("(" * 100_000 + "a" * 100_000) == ()


def test_a_lexicon_keeps_a_narrative_to_cases_that_name_its_subject() -> None:
    mapping = KeywordMapping(TAXONOMY, subjects=MOON)
    (found,) = mapping.narratives([], ["Moon landing"], "The Apollo hoax was shot in a studio")
    assert found.id == "moon-fake" and found.support == ("apollo",)
    # the keywords and a definition term ("studio"), but no word for the subject: not inferred
    assert mapping.narratives([], ["Moon landing"], "NASA staged it all in a studio") == []
    # the lexicon replaces the definition's (English) terms: a subject named in Russian will do
    (russian,) = mapping.narratives([], ["Moon landing"], "Полёт на Луну снят в павильоне")
    assert russian.support == ("луну",)
    # without a lexicon the rule and the definition's terms decide as before
    (plain,) = KeywordMapping(TAXONOMY).narratives([], ["Moon landing"], "hoax in a studio")
    assert plain.support == ("hoax", "studio")
    # the analysts' own narratives are never second-guessed
    (given,) = mapping.narratives(["moon-fake"], ["Moon landing"], "nothing relevant")
    assert given.source == "analyst"


def test_a_lexicon_is_part_of_the_mapping_fingerprint() -> None:
    from disproof.store.derived import mapping_fingerprint

    base = mapping_fingerprint(KeywordMapping(TAXONOMY, subjects=MOON))
    assert mapping_fingerprint(KeywordMapping(TAXONOMY)) != base
    wider = lexicons([("moon-fake", ["moon", "apollo", "лун", "sea of tranquil", "lunar"])])
    assert mapping_fingerprint(KeywordMapping(TAXONOMY, subjects=wider)) != base
    assert mapping_fingerprint(KeywordMapping(TAXONOMY, subjects=dict(MOON))) == base


def test_lexicons_load_only_for_narratives_that_have_one() -> None:
    text = '{"narratives": {"a": {"claims": ["x"], "subject": ["s"]}, "b": {"claims": ["y"]}}}'
    assert load_subjects(text) == {"a": SubjectLexicon("a", ("s",))}
    shipped = builtin_subjects()
    assert set(shipped) == {SYRIA, GEORGIA}
    # v5 ships the subject check alone for both: the claims' margin lets every case through
    assert builtin_claims()[SYRIA].margin == NO_MARGIN
    assert builtin_claims()[GEORGIA].margin == NO_MARGIN


@pytest.mark.parametrize(
    ("keywords", "title", "advances"),
    [
        # the amended rule's examples (benchmarks/data/narrative_labels.md)
        (["White Helmets"], "The White Helmets are preparing new provocations in Syria", False),
        (["White Helmets"], "White Helmets produce fake videos of their rescue work", False),
        (["White Helmets"], "The White Helmets are terrorists linked to al-Qaeda", False),
        (["White Helmets"], "The White Helmets staged the chemical attack in Douma", True),
        (["White Helmets"], "White Helmets plot a false-flag chemical attack in Idlib", True),
        (["Douma"], "There was no chemical attack in Douma; the videos were staged", True),
        (["White Helmets"], "Белые каски готовят химическую провокацию", True),
        (["South Ossetia"], "NATO exercises in Georgia threaten Russia", False),
        (["South Ossetia"], "Georgia attacked Tskhinvali in August 2008", True),
        (["Abkhazia"], "Russian troops in Abkhazia are peacekeepers, not occupiers", True),
    ],
)
def test_the_shipped_lexicons_follow_the_amended_labelling_rule(
    keywords: list[str], title: str, advances: bool
) -> None:
    narrative = GEORGIA if keywords[0] in ("South Ossetia", "Abkhazia") else SYRIA
    # the rule alone (no case vectors): with NO_MARGIN, the check would not change it, so the
    # narrative is not marked "rule only" and carries the precision measured for it
    found = {n.id: n for n in builtin_mapping().narratives([], keywords, title)}
    assert (narrative in found) is advances, title
    if advances:
        assert not found[narrative].unchecked
        assert found[narrative].confidence == builtin_claims()[narrative].precision


@pytest.fixture
def shipped_subjects(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """The shipped lexicons; replace ``["subjects"]`` to ship others."""
    from disproof.narratives import mapping

    shipped: dict[str, object] = {"subjects": builtin_subjects()}
    monkeypatch.setattr(mapping, "builtin_subjects", lambda: shipped["subjects"])
    monkeypatch.setattr(mapping, "builtin_claim_vectors", lambda: None)
    mapping.builtin_mapping.cache_clear()
    yield shipped
    mapping.builtin_mapping.cache_clear()


def test_facets_and_trends_recount_when_a_lexicon_changes(
    settings: Settings,
    shipped_subjects: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from disproof.narratives import mapping
    from disproof.service import Disproof
    from disproof.store import derived
    from tests.fakes import add_cases

    day = dt.date(2026, 11, 20)
    service = Disproof.open(settings)
    add_cases(
        service,
        Case(
            id="chem", title="The chemical attack in Douma was staged", keywords=["Douma"], date=day
        ),
        Case(
            id="wh",
            title="White Helmets are preparing new provocations in Syria",
            keywords=["White Helmets"],
            date=day,
        ),
    )

    def counts(found: Disproof) -> tuple[int, int]:
        facet = next((f.count for f in found.facets("narrative") if f.value == SYRIA), 0)
        trends = found.trends("narrative", "month", date_from=day, date_to=day)
        return facet, next((s.total for s in trends.series if s.key == SYRIA), 0)

    assert counts(service) == (1, 1)
    # a release without the lexicon (v4's rule alone) counts the White Helmets case too
    shipped_subjects["subjects"] = {}
    mapping.builtin_mapping.cache_clear()
    monkeypatch.setattr(derived, "mapping_source", lambda: "files of another release")
    assert counts(Disproof.open(settings)) == (2, 2)
