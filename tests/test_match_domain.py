"""A database denser than the calibration's: measured, said, and nothing confirmed there."""

from __future__ import annotations

import numpy as np
import pytest

from disproof.match import matcher as matcher_module
from disproof.match.domain import Domain, density
from disproof.models import Case
from disproof.service import Disproof
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases

CASES = [
    Case(id="labs", title="The US runs secret biolabs in Ukraine", summary="Labs near Russia."),
    Case(id="mh17", title="Ukraine shot down flight MH17 with its own Buk", summary="A missile."),
    Case(id="nato", title="NATO troops are massing on the Russian border", summary="Tanks."),
]


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_density_is_the_median_nearest_other_case() -> None:
    rng = np.random.default_rng(1)
    spread = _unit(rng.normal(size=(500, 64)))
    centre = rng.normal(size=64)
    crowded = _unit(centre + 0.3 * rng.normal(size=(500, 64)))
    assert density(spread) < 0.5 < density(crowded)
    # copies of one case are not neighbours; a sample of the same size measures any database
    assert density(np.vstack([spread, spread])) == pytest.approx(density(spread), abs=0.05)
    assert density(spread[:1]) == 0.0
    assert density(crowded, sample=100, seed=3) == density(crowded, sample=100, seed=3)
    assert Domain(density=0.87, tolerance=0.014).outside(0.90)
    assert not Domain(density=0.87, tolerance=0.014).outside(0.88)


def _calibrated(monkeypatch: pytest.MonkeyPatch, reference: float) -> None:
    domain = Domain(density=reference, tolerance=0.0, measured_on="test")
    calibration = FAKE_CALIBRATION.model_copy(update={"domain": domain})
    monkeypatch.setattr("disproof.match.calibration.calibration_for", lambda model_id: calibration)
    monkeypatch.setattr(matcher_module, "SPAN_CHECK_MIN_CASES", 1)


def test_a_database_like_the_calibrations_confirms(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _calibrated(monkeypatch, reference=2.0)  # nothing is denser than that
    add_cases(service, *CASES)
    result = service.matcher().match("The US runs secret biolabs in Ukraine", top_k=1)
    assert result.matches[0].band == "confirmed"
    assert not result.matches[0].why.outside_calibration
    assert not any("closer to one another" in note for note in result.notes)


def test_a_denser_database_confirms_nothing_and_says_why(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _calibrated(monkeypatch, reference=-2.0)  # every database is denser than that
    add_cases(service, *CASES)
    matcher = service.matcher()
    assert matcher.outside and matcher.density is not None
    result = matcher.match("The US runs secret biolabs in Ukraine", top_k=1)
    best = result.matches[0]
    assert best.case_id == "labs" and best.band == "suggested"
    assert best.why.outside_calibration
    assert any("closer to one another" in note for note in result.notes)
    # a long text lists only what its rule would have confirmed, and not as confirmed
    article = " ".join(
        ["The weather was mild and the markets were calm on Tuesday afternoon."] * 14
        + ["The US runs secret biolabs in Ukraine."]
    )
    result = matcher.match(article)
    listed = result.matches
    assert result.article, result
    assert [m.case_id for m in listed] == ["labs"]
    assert all(m.band != "confirmed" for m in listed)
    assert all(m.why.outside_calibration for m in listed)


def test_outside_the_calibration_the_nearest_cases_are_not_ruled_out(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where scores cannot tell a repeat from a neighbour, the nearest cases below the bands are
    "not confirmed (read them)", never "not a match": in the real EUvsDisinfo database the
    exact claim "NATO promised not to expand eastwards", filed several times, scored 0.27."""
    from fastapi.testclient import TestClient
    from rich.console import Console

    from disproof import render
    from disproof.api.app import create_app
    from disproof.report import build_report, to_html, to_markdown

    _calibrated(monkeypatch, reference=-2.0)
    add_cases(service, *CASES)
    query = "Completely unrelated words about a football match on Sunday"
    result = service.matcher().match(query, top_k=3)
    assert result.outside_calibration
    assert result.matches and all(m.band == "none" for m in result.matches)
    console = Console(record=True, width=200)
    render.match_report(console, result)
    shown = console.export_text()
    assert "not confirmed: outside the calibration (read them)" in shown
    assert "not a match" not in shown
    report = build_report(service, query)
    assert report.outside_calibration and report.nearest
    for document in (to_markdown(report), to_html(report)):
        assert "a low score does not rule a case out" in document
        assert "none is a match" not in document
    app = create_app(service.settings, service=service)
    with TestClient(app) as client:
        page = client.post("/check", data={"text": query}).text
    assert "a low score does not rule a case out" in page
    assert "Not confirmed" in page and "Not a match" not in page


def test_inside_the_calibration_the_nearest_cases_are_not_a_match(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from disproof.report import build_report, to_markdown

    _calibrated(monkeypatch, reference=2.0)
    add_cases(service, *CASES)
    query = "Completely unrelated words about a football match on Sunday"
    assert not service.matcher().match(query, top_k=3).outside_calibration
    report = build_report(service, query)
    assert not report.outside_calibration
    assert "none is a match" in to_markdown(report)
