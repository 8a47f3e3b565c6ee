"""The Propaganda Diary benchmark's offline rescoring (``benchmarks.propaganda_diary_record``,
``benchmarks.propaganda_diary_situations``) lists each quote's cases exactly as the matcher
does, so scoring rules compared on recorded candidates are compared on the production path."""

from __future__ import annotations

from benchmarks.propaganda_diary_data import Query
from benchmarks.propaganda_diary_record import recording_for, run_recorded
from benchmarks.propaganda_diary_situations import ranking, shipped, via

from disproof.models import Appearance, Case
from disproof.service import Disproof
from disproof.store.corpus import CorpusStore
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases

CASES = [
    Case(
        id="pd-coup",
        title="Nazi coup d'état",
        appearances=[Appearance(outlet="RT DE", language="de", text="Der Maidan war ein Putsch")],
    ),
    Case(id="pd-labs", title="The U.S. has secret laboratories all over Ukraine"),
    Case(id="eu-1", title="NATO is making provocations and advancing to the borders of Russia"),
    Case(id="eu-2", title="Ukraine shot down flight MH17 with its own Buk missile system"),
]
QUOTES = [
    Query("q1", "de", "Der Maidan war ein Putsch von Nazis, sagen sie.", "g1"),
    Query(
        "q2",
        "en",
        "The Americans run secret labs in Ukraine, and NATO is making provocations at the border"
        " of Russia, while Kyiv shot down MH17 with a Buk.",
        "g2",
    ),
    Query("q3", "en", "Simmer the tomatoes for twenty minutes.", "g3"),
]


def test_rescoring_recorded_candidates_reproduces_the_matchers_lists(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    add_cases(service, *CASES)
    matcher = service.matcher()
    recorder, recording = recording_for(matcher, CorpusStore(service.store.engine))
    results = run_recorded(recorder, QUOTES)
    assert {s.qid for s in recording.spans} == {q.qid for q in QUOTES}
    assert len([s for s in recording.spans if s.qid == "q2"]) >= 2  # cut into clauses
    assert any(via(s).any() for s in recording.spans)  # one went through the RT DE quote
    rescored = ranking(recording.spans, shipped(calibration=FAKE_CALIBRATION), recording)
    for quote in QUOTES:
        assert rescored[quote.qid] == [m.case_id for m in results[quote.qid].matches]
