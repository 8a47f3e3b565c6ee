"""Calibration per situation: a span and a case in one language, or in two; a case with one
text or with two (fake embedder)."""

from __future__ import annotations

import numpy as np
import pytest

from disproof.match.calibration import Scorer, Thresholds
from disproof.models import Case
from disproof.service import Disproof
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases

CASES = [
    Case(id="one-text", title="NATO troops are massing on the Russian border"),
    Case(id="labs", title="The US runs secret biolabs in Ukraine", summary="Labs near Russia."),
    Case(id="mh17", title="Ukraine shot down flight MH17 with its own Buk", summary="A missile."),
    Case(
        id="labs-de",
        title="Die USA betreiben geheime Biolabore in der Ukraine",
        summary="Amerikanische Labore entwickeln Biowaffen nahe Russland.",
    ),
]

#: A cross-language model that can never confirm and ignores the lexical features.
CROSS = Scorer(
    weights=[3.0, 3.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    bias=-4.0,
    mean=[0.0] * 9,
    scale=[1.0] * 9,
    thresholds=Thresholds(confirmed=1.01, suggested=0.3),
    fitted_on="test",
)

#: A one-text model that can never confirm.
ONE_TEXT = CROSS.model_copy(update={"bias": -2.0})


@pytest.fixture
def calibrated(fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    both = FAKE_CALIBRATION.model_copy(update={"cross_language": CROSS, "one_text": ONE_TEXT})
    monkeypatch.setattr("disproof.match.calibration.calibration_for", lambda model_id: both)


def test_probability_and_band_follow_each_pairs_situation() -> None:
    both = FAKE_CALIBRATION.model_copy(update={"cross_language": CROSS})
    x = np.ones((2, 9))
    same, cross = both.probability(x, np.array([False, True]))
    assert same == pytest.approx(FAKE_CALIBRATION.probability(x[:1])[0])
    assert cross == pytest.approx(CROSS.probability(x[:1])[0]) and cross != same
    assert both.band(0.99, "cross-language") == "suggested"
    assert both.band(0.99, "same-language") == "confirmed"
    # without a cross-language model every pair is scored (and reported) as same-language
    assert FAKE_CALIBRATION.situation(True) == "same-language"
    assert both.situation(True) == "cross-language" and both.situation(False) == "same-language"


def test_a_case_with_one_text_is_scored_by_the_one_text_model() -> None:
    every = FAKE_CALIBRATION.model_copy(update={"cross_language": CROSS, "one_text": ONE_TEXT})
    x = np.ones((3, 9))
    two, one, cross = every.probability(
        x, np.array([False, False, True]), np.array([False, True, True])
    )
    assert two == pytest.approx(FAKE_CALIBRATION.probability(x[:1])[0])
    assert one == pytest.approx(ONE_TEXT.probability(x[:1])[0]) and one != two
    assert cross == pytest.approx(CROSS.probability(x[:1])[0])  # another language comes first
    assert every.situation(False, True) == "one-text"
    assert every.situation(True, True) == "cross-language"
    assert FAKE_CALIBRATION.situation(False, True) == "same-language"  # no one-text model
    assert every.band(0.99, "one-text") == "suggested"


def test_each_match_says_which_calibration_scored_it(service: Disproof, calibrated: None) -> None:
    add_cases(service, *CASES)
    matcher = service.matcher()
    assert sorted(matcher.index.languages.tolist()) == ["de", "en", "en", "en"]
    result = matcher.match("The US runs secret biolabs in Ukraine, they say.", top_k=3)
    by_case = {m.case_id: m for m in result.matches}
    assert by_case["labs"].why.calibration == "same-language"
    assert by_case["labs-de"].why.calibration == "cross-language"
    assert by_case["labs-de"].band != "confirmed"  # the cross-language model never confirms here
    alone = matcher.match("NATO troops are massing on the Russian border", top_k=1).matches[0]
    assert alone.case_id == "one-text" and alone.why.calibration == "one-text"
    assert alone.band != "confirmed"  # the one-text model never confirms here


def test_a_deep_list_is_retrieved_that_deep(service: Disproof, fake_matching: FakeEmbedder) -> None:
    many = [Case(id=f"c{i:03d}", title=f"Claim number {i} about topic {i % 7}") for i in range(60)]
    add_cases(service, *many)
    matcher = service.matcher()
    matcher.depth = 5
    assert len(matcher.match("Claim about topic 3", top_k=40).matches) == 40
    assert len(matcher.match("Claim about topic 3", top_k=3).matches) == 3


def test_nearest_cases_across_languages_read_not_confirmed_rather_than_not_a_match(
    service: Disproof, calibrated: None
) -> None:
    from rich.console import Console

    from disproof import render
    from disproof.report import build_report, to_html, to_markdown

    add_cases(service, CASES[3])  # the German case alone: every pair is cross-language
    query = "Completely unrelated words about a football match on Sunday"
    result = service.matcher().match(query, top_k=3)
    assert result.matches and all(m.band == "none" for m in result.matches)
    assert all(m.why.calibration == "cross-language" for m in result.matches)
    console = Console(record=True, width=200)
    render.match_report(console, result)
    shown = console.export_text()
    assert "not confirmed across languages" in shown and "not a match" not in shown
    report = build_report(service, query)
    assert report.nearest and report.nearest[0].calibration == "cross-language"
    for document in (to_markdown(report), to_html(report)):
        assert "across languages the score ranks cases but cannot confirm one" in document
        assert "none is a match" not in document


def test_nearest_cases_in_the_same_language_are_still_not_a_match(
    service: Disproof, calibrated: None
) -> None:
    from disproof.report import build_report, to_markdown

    add_cases(service, CASES[1])
    report = build_report(service, "Completely unrelated words about a football match")
    assert report.nearest and report.nearest[0].calibration == "same-language"
    assert "none is a match" in to_markdown(report)


def test_nearest_cases_filed_twice_under_one_title_are_told_apart_by_date(
    service: Disproof, calibrated: None
) -> None:
    """EUvsDisinfo files one claim again for another outlet or date, under the same title: the
    CLI's one line of nearest cases then names each with its date, not the same words twice."""
    import datetime as dt

    from rich.console import Console

    from disproof import render

    title = "New evidence shows the suspected chemical attack in Douma was staged"
    add_cases(
        service,
        Case(id="douma-1", title=title, date=dt.date(2018, 4, 22)),
        Case(id="douma-2", title=title, date=dt.date(2018, 4, 26)),
    )
    result = service.matcher().match("Completely unrelated words about a football match", top_k=3)
    assert {m.case_id for m in result.matches} == {"douma-1", "douma-2"}
    console = Console(record=True, width=400)
    render.match_report(console, result)
    shown = console.export_text()
    assert "(2018-04-22)" in shown and "(2018-04-26)" in shown
