"""Every span's candidates as the matcher saw them, for choosing how to score them offline.

    python -m benchmarks.propaganda_diary --appearances cv --record PATH

A :class:`RecordingMatcher` is the production matcher that also keeps, for each span it scores,
every retrieved candidate's raw evidence: the cosine to the case's title and claim summary and
to its nearest appearance text (before they are folded together), the lexical coverage of the
case's fields and of that appearance text, the case's and the appearance's languages. Rescoring
them (``propaganda_diary_situations``) then takes seconds instead of a six-minute run per idea,
with the same candidates, the same per-span cut and the same one-match-per-case merge as
``Matcher.match_many``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.propaganda_diary_data import Query
from disproof.match.calibration import Band
from disproof.match.index import FIELDS
from disproof.match.matcher import Candidate, Matcher, Picked
from disproof.match.retrieval import NearestAppearances, cosines, one_text, retrieve
from disproof.models import MatchResult
from disproof.store.corpus import CorpusStore
from disproof.text import ClaimSpan

#: Candidates listed per query (as ``propaganda_diary.DEPTH``).
DEPTH = 100


@dataclass
class SpanRecord:
    qid: str
    start: int
    language: str
    rows: npt.NDArray[np.intp]
    #: title cosine, summary cosine, nearest appearance cosine (0: none), lexical coverage of
    #: title, of summary, of the nearest appearance text; one row per candidate.
    raw: npt.NDArray[np.float32]
    appearance_row: npt.NDArray[np.int64]
    appearance_language: list[str]
    single: npt.NDArray[np.bool_]


@dataclass
class Recording:
    case_ids: list[str]
    case_languages: list[str]
    spans: list[SpanRecord] = field(default_factory=list)


class RecordingMatcher(Matcher):
    """The production matcher, recording each span's candidates into ``recording``."""

    recording: Recording
    qids: list[str]
    _texts: list[int]
    _appearance_tokens: dict[int, set[str]]

    def start(self, recording: Recording, corpus: CorpusStore) -> None:
        self.recording, self.qids, self._texts = recording, [], []
        rows = self.index.appearances
        by_key = {
            (case.pk, item.position): (item.text, item.language)
            for case in corpus.case_texts()
            for item in case.appearances
        }
        self._appearance_tokens = {}
        if rows is not None:
            for at, (owner, position) in enumerate(
                zip(rows.owners.tolist(), rows.positions.tolist(), strict=True)
            ):
                text, language = by_key[(owner, position)]
                self._appearance_tokens[at] = set(self.analyzer.tokens(text, language))

    def _pick(
        self, batch: Sequence[tuple[int, ClaimSpan, bool]], top_k: int, min_band: Band | None
    ) -> list[Picked]:
        self._texts = [i for i, _, _ in batch]
        self._spans = [span for _, span, _ in batch]
        self._at = 0
        return super()._pick(batch, top_k, min_band)

    def score_span(
        self,
        tokens: list[str],
        vector: npt.NDArray[np.float32] | None,
        top_k: int,
        language: str | None = None,
    ) -> list[Candidate]:
        out = super().score_span(tokens, vector, top_k, language)
        span = self._spans[self._at]
        qid = self.qids[self._texts[self._at]]
        self._at += 1
        found = retrieve(self.index, tokens, vector, max(top_k, self.depth))
        rows = found.rows
        nearest = NearestAppearances.of(self.index, vector)
        near, at = nearest.of_rows(rows)
        lexical = [self.index.bm25[f].coverage_of(tokens, rows) for f in FIELDS]
        bm25 = self.index.bm25["title"]
        app_lex = np.zeros(len(rows), dtype=np.float32)
        if (at >= 0).any():
            weights = {t: _idf(bm25, t) for t in set(tokens)}
            total = sum(weights.values())
            for i in np.flatnonzero(at >= 0):
                held = self._appearance_tokens[int(at[i])]
                app_lex[i] = sum(w for t, w in weights.items() if t in held) / total if total else 0
        raw = np.column_stack(
            [
                cosines(self.index, "title", vector, rows),
                cosines(self.index, "summary", vector, rows),
                near,
                *lexical,
                app_lex,
            ]
        ).astype(np.float32)
        languages = self.index.appearances.languages if self.index.appearances else []
        self.recording.spans.append(
            SpanRecord(
                qid,
                span.start,
                language or "",
                rows,
                raw,
                at,
                [languages[a] if a >= 0 else "" for a in at.tolist()],
                one_text(self.index, rows),
            )
        )
        return out


def _idf(bm25: Any, term: str) -> float:
    index = bm25.vocabulary.get(term)
    df = int(bm25.df[index]) if index is not None else 0
    return float(bm25._idf_of(df))


def recording_for(matcher: Matcher, corpus: CorpusStore) -> tuple[RecordingMatcher, Recording]:
    """A recording copy of ``matcher`` (same index, embedder, calibration)."""
    recorder = RecordingMatcher(
        matcher.index, matcher.corpus, matcher.embedder, matcher.calibration, matcher.analyzer
    )
    by_pk = {case.pk: case.id for case in corpus.case_texts()}
    recording = Recording(
        [by_pk[int(pk)] for pk in matcher.index.pks], [str(x) for x in matcher.index.languages]
    )
    recorder.start(recording, corpus)
    return recorder, recording


def run_recorded(
    recorder: RecordingMatcher, queries: list[Query], batch: int = 64
) -> dict[str, MatchResult]:
    results: dict[str, MatchResult] = {}
    for start in range(0, len(queries), batch):
        part = queries[start : start + batch]
        recorder.qids = [q.qid for q in part]
        found = recorder.match_many([q.text for q in part], top_k=DEPTH, min_band="none")
        results.update(zip((q.qid for q in part), found, strict=True))
    return results


def save_recordings(path: Path, recordings: dict[str, Recording]) -> None:
    """One pickle of plain arrays (benchmark scratch, never read from untrusted places)."""
    import pickle

    path.write_bytes(pickle.dumps(recordings))
