"""A case's language (which decides the calibration of each pair, and its stemming) is told
from text long and clear enough to tell it; a short title takes the database's common
language (``match/index.py``, ``languages_of``; docs/benchmarks.md, issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

from disproof.match.calibration import Scorer, Thresholds
from disproof.match.index import common_language, languages_of
from disproof.models import Case, CaseCreate
from disproof.service import Disproof
from disproof.store.corpus import CaseText
from disproof.text import Analyzer
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases

SHORT = "Nazi coup d'état"
ENGLISH = [
    "Maidan led to the separation of Donetsk and Luhansk and civil war in the region",
    "NATO is making provocations and advancing to the borders of Russia every single year",
]
GERMAN = "Die USA betreiben geheime Biolabore in der Ukraine, sagen die Sprecher des Ministeriums"


def text(pk: int, title: str, summary: str = "") -> CaseText:
    return CaseText(pk, f"c{pk}", title, summary, None, f"h{pk}")


def test_a_short_title_takes_the_common_language_and_a_long_text_keeps_its_own() -> None:
    analyzer = Analyzer()
    alone = languages_of([text(1, SHORT)], analyzer)
    assert alone == [analyzer.language_of(f"{SHORT}\n", None)] and alone != ["en"]  # misread
    texts = [text(1, SHORT), text(2, ENGLISH[0]), text(3, ENGLISH[1]), text(4, GERMAN)]
    assert languages_of(texts, analyzer) == ["en", "en", "en", "de"]
    # an update passes the index's common language, asked only when a case needs it
    assert languages_of([text(1, SHORT)], analyzer, lambda: "uk") == ["uk"]

    def never() -> str:
        raise AssertionError("asked for the common language with every case told")

    assert languages_of([text(2, ENGLISH[0]), text(4, GERMAN)], analyzer, never) == ["en", "de"]


#: A cross-language model that reads only the cosine, and never confirms.
CROSS = Scorer(
    weights=[3.0, 3.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    bias=-4.0,
    mean=[0.0] * 9,
    scale=[1.0] * 9,
    thresholds=Thresholds(confirmed=1.01, suggested=0.3),
    fitted_on="test",
)


def test_an_english_span_and_a_short_english_title_are_one_language(
    service: Disproof, fake_matching: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = FAKE_CALIBRATION.model_copy(update={"cross_language": CROSS})
    monkeypatch.setattr("disproof.match.calibration.calibration_for", lambda model_id: both)
    add_cases(
        service,
        Case(id="coup", title=SHORT),
        *(Case(id=f"en{i}", title=title) for i, title in enumerate(ENGLISH)),
        Case(id="de", title=GERMAN),
    )
    matcher = service.matcher()
    by_id = {c.id: c.pk for c in matcher.corpus.case_texts()}  # type: ignore[attr-defined]
    languages = dict(zip(matcher.index.pks.tolist(), matcher.index.languages.tolist(), strict=True))
    assert languages[by_id["coup"]] == "en" and languages[by_id["de"]] == "de"
    found = {
        m.case_id: m for m in matcher.match("It was a Nazi coup d'état in Kyiv", top_k=4).matches
    }
    assert found["coup"].why.calibration != "cross-language"
    assert found["de"].why.calibration == "cross-language"
    # a short case added later is told by the index's common language, as a full build would
    service.create_case(CaseCreate(id="later", title="Schismatic Ukrainian Church"), "t")
    updated = service.matcher()
    pk = {c.id: c.pk for c in updated.corpus.case_texts()}["later"]  # type: ignore[attr-defined]
    row = updated.index.pks.tolist().index(pk)
    assert updated.index.languages[row] == "en"


def test_the_common_language_leaves_undetermined_out_and_breaks_ties_by_code() -> None:
    assert common_language(np.array(["und", "und"])) is None
    assert common_language(np.array(["und", "und", "ru", "de", "ru", "de"])) == "de"
    many = np.array(["en"] * 30_000 + ["uk"] * 20_000)  # more than the sample: counted evenly
    assert common_language(many) == "en"
