"""The matching pipeline: text → claim spans → candidates → calibrated, banded matches.

For each span, four retrievers propose candidates (BM25 and cosine, on title and on claim
summary), and a fifth where cases have appearance texts (cosine to the nearest of them); their
union is scored by the calibrated model over ``features.FEATURES``, ranked by
that probability and banded. Nothing here touches SQL or a terminal.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from disproof.embed import Embedder
from disproof.match.article import (
    WINDOW,
    ArticleRule,
    SpanEvidence,
    max_cases,
    one_per_case,
    span_features,
    window_spans,
)
from disproof.match.calibration import Band, Calibration, Situation
from disproof.match.domain import sampled_density
from disproof.match.features import FieldScores, feature_matrix
from disproof.match.index import FIELDS, CaseIndex
from disproof.match.retrieval import one_text, retrieve, stored_vectors
from disproof.models import (
    CaseMatch,
    MatchedAppearance,
    MatchExplanation,
    MatchResult,
    MatchSpan,
)
from disproof.retrieve import Hit, reciprocal_rank_fusion
from disproof.retrieve.fusion import RRF_K
from disproof.store.corpus import CaseDetail
from disproof.text import Analyzer, ClaimSpan, document_language
from disproof.text.clauses import claim_clauses
from disproof.text.langid import UNDETERMINED

logger = logging.getLogger(__name__)

_CLOSE = "\"'”’»)] "
_LINK = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)


def matching_text(text: str) -> str:
    """The words of a span for lexical matching: links (article URLs, ``pic.twitter.com``
    media links) never appear in a case's claim, so their pieces are dropped. The embedding sees
    the span as written (on CheckThat! dev, stripping links from it did not help)."""
    return " ".join(_LINK.sub(" ", text).split()) or text


BAND_ORDER: dict[str, int] = {"none": 0, "suggested": 1, "confirmed": 2}
#: The language of the data the article rule was fitted on; spans in other languages are
#: listed by the claim-level band of their best case (docs/matching.md).
RULE_LANGUAGE = "en"
#: The span check caps ``confirmed`` only in a database at least this large: its specificity
#: feature (idf mass) was fitted on a 4,768-claim vocabulary, and in a few dozen cases every
#: span's idf mass is small (log N), so there it would hold back right answers for their size.
SPAN_CHECK_MIN_CASES = 1000
#: Without a calibration for the active model, only a lexical coverage this high suggests.
UNCALIBRATED_SUGGEST = 0.6
#: The note of every answer from a database outside the calibration's domain.
OUTSIDE_NOTE = (
    "this database's cases are much closer to one another (density {measured:.3f}) than the "
    "claims the calibration was fitted on ({reference:.3f}): there, scores rank the nearest "
    "cases but do not tell a repeat from a neighbour on the same topic, so nothing is "
    "confirmed and a long text lists only its strongest passages (docs/matching.md)"
)
#: The note of a long text that had a passage the rule would have confirmed.
LONG_TEXT_NOTE = (
    "a long text confirms no case: passages of real articles that scored confirmed against the "
    "real database were right 8-15 % of the time (most passages of an article repeat no known "
    "case, and a case on the same topic scores as high as a repeat), so its best passages are "
    "listed as suggested: read them (docs/matching.md)"
)
#: Spans encoded and scored at a time: a long text (a book, a dump) is checked whole, in
#: batches of this many spans, so memory stays flat and progress can be shown.
SPAN_BATCH = 256


@dataclass(frozen=True)
class Candidate:
    row: int
    probability: float
    band: Band
    features: npt.NDArray[np.float64]
    retrievers: tuple[str, ...]
    #: Which calibration scored the pair (span and case in one language, or not).
    situation: Situation = "same-language"
    #: The span check's probability (``match/article.py``) for the pair's span, where it
    #: applies (an English span and an article rule on file); None elsewhere.
    span_check: float | None = None
    #: The claim-level band said ``confirmed`` and the span check did not: shown ``suggested``.
    capped: bool = False
    #: It would be ``confirmed``, but the database is outside the calibration's domain.
    outside: bool = False
    #: It would be ``confirmed``, but it is a passage of a long text, which confirms nothing.
    long_text: bool = False
    #: The appearance row (``CaseIndex.appearances``) whose text gave the claim-side cosine,
    #: or -1 (the case's own text did).
    via: int = -1


class CaseDetails(Protocol):
    """Where a matcher reads what a match shows of its cases: the store
    (:class:`~disproof.store.corpus.CorpusStore`), or a scan's saved copy of it on a worker
    (:class:`disproof.scan.bundle.SavedDetails`)."""

    def details(self, pks: Iterable[int]) -> dict[int, CaseDetail]: ...


#: One span's kept candidates, with the span and its terms.
Picked = list[tuple[Candidate, ClaimSpan, list[str]]]


#: The density measured for each main dense matrix (``DenseIndex.base_id``), the latest last.
_DENSITIES: dict[str, float] = {}


class Matcher:
    """Matches text against the cases of one store. Build with ``disproof.service``."""

    def __init__(
        self,
        index: CaseIndex,
        corpus: CaseDetails,
        embedder: Embedder | None,
        calibration: Calibration | None,
        analyzer: Analyzer,
        *,
        candidates_per_retriever: int = 20,
        notes: Sequence[str] = (),
    ) -> None:
        self.index = index
        self.corpus = corpus
        self.embedder = embedder
        self.calibration = calibration
        self.analyzer = analyzer
        self.depth = candidates_per_retriever
        self.notes = list(notes)
        domain = calibration.domain if calibration is not None else None
        #: The database's density (``match/domain.py``) where its calibration has a domain
        #: and it holds ``SPAN_CHECK_MIN_CASES`` or more (a few dozen cases have few neighbours).
        self.density = self._density() if domain is not None else None
        #: Denser than the calibration's database: nothing is confirmed (docs/matching.md).
        self.outside = (
            domain is not None and self.density is not None and domain.outside(self.density)
        )
        if self.outside and domain is not None:
            self.notes.append(OUTSIDE_NOTE.format(measured=self.density, reference=domain.density))

    def _density(self) -> float | None:
        vectors = self.index.dense.get("summary")
        if vectors is None or self.index.cases < SPAN_CHECK_MIN_CASES:
            return None
        # measured once per main matrix: the rows added beside it (at most a 16th of them)
        # barely move a median over 2,000 sampled cases, and measuring it again on every
        # update cost ~60 ms at a million cases
        known = _DENSITIES.get(vectors.base_id)
        if known is not None:
            return known
        # the sampled rows only: ``vectors.vectors`` would copy the whole matrix when rows
        # were added since it was saved (1.5 GB and ~13 s at a million cases, on every build);
        # read through the graph when there is one (the same numbers): the matrix's pages are
        # left alone while serving (docs/scale.md)
        measured = sampled_density(
            len(vectors), lambda rows: stored_vectors(self.index, "summary", rows)
        )
        _DENSITIES[vectors.base_id] = measured
        while len(_DENSITIES) > 8:
            _DENSITIES.pop(next(iter(_DENSITIES)))
        return measured

    # -- scoring ---------------------------------------------------------------------------------

    def cross_language(
        self, rows: npt.NDArray[np.intp], language: str | None
    ) -> npt.NDArray[np.bool_]:
        """Which candidate cases are in another language than the span (a language that could
        not be told, on either side, counts as the same)."""
        if not language or language == UNDETERMINED or not len(self.index.languages):
            return np.zeros(len(rows), dtype=bool)
        theirs = self.index.languages[rows]
        return np.asarray((theirs != language) & (theirs != UNDETERMINED))

    def _probabilities(
        self,
        x: npt.NDArray[np.float64],
        rows: npt.NDArray[np.intp],
        rankings: list[list[Hit]],
        cross: npt.NDArray[np.bool_],
        single: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.float64]:
        if self.calibration is not None:
            return self.calibration.probability(x, cross, single)
        # No calibration for this model: rank by reciprocal rank fusion of the retrievers,
        # scaled to 0..1 (1 = first for every retriever); such scores are never "confirmed".
        fused = {f.doc: f.score for f in reciprocal_rank_fusion(rankings)}
        best_possible = len(rankings) / (RRF_K + 1)
        return np.array([fused.get(int(r), 0.0) / best_possible for r in rows])

    def _band(self, probability: float, lexical: float, situation: Situation) -> Band:
        if self.calibration is not None:
            return self.calibration.band(probability, situation)
        return "suggested" if lexical >= UNCALIBRATED_SUGGEST else "none"

    def candidate_scores(
        self, text: str, language: str | None = None
    ) -> tuple[npt.NDArray[np.intp], FieldScores]:
        """Candidate rows for ``text`` taken as one claim, with their per-field scores (for
        calibration and evaluation: the code path ``match`` scores with)."""
        tokens = self.analyzer.tokens(matching_text(text), language)
        vector = None
        if self.embedder is not None and self.index.dense:
            vector = self.embedder.encode_queries([text])[0]
        return self.candidates(tokens, vector)

    def candidates(
        self, tokens: list[str], vector: npt.NDArray[np.float32] | None
    ) -> tuple[npt.NDArray[np.intp], FieldScores]:
        """Candidate rows of an analysed span (its terms and its vector), with their scores."""
        found = retrieve(self.index, tokens, vector, self.depth)
        return found.rows, found.scores

    def score_span(
        self,
        tokens: list[str],
        vector: npt.NDArray[np.float32] | None,
        top_k: int,
        language: str | None = None,
    ) -> list[Candidate]:
        """The best ``top_k`` candidates for one span (in ``language``), highest probability
        first; each pair is scored by the calibration of its situation (same or cross
        language, a case with one text or two). A list longer than the matcher's depth is
        retrieved that deep: the nearest 100 cases are the nearest 100, not the union of each
        retriever's first 20."""
        if self.index.cases == 0:
            return []
        retrieved = retrieve(self.index, tokens, vector, max(top_k, self.depth))
        found, rows = retrieved.found, retrieved.rows
        if not found:
            return []
        x = feature_matrix(retrieved.scores, np.arange(len(rows)))
        cross = self.cross_language(rows, language)
        single = one_text(self.index, rows)
        probabilities = self._probabilities(x, rows, retrieved.rankings, cross, single)
        order = np.lexsort((rows, -probabilities))[:top_k]
        out = []
        for i in order:
            situation = self._situation(bool(cross[i]), bool(single[i]))
            probability = float(probabilities[i])
            lexical = float(max(x[i, 2], x[i, 3]))
            out.append(
                Candidate(
                    int(rows[i]),
                    probability,
                    self._band(probability, lexical, situation),
                    x[i],
                    tuple(found[int(rows[i])]),
                    situation,
                    via=int(retrieved.via[i]),
                )
            )
        return out

    def _situation(self, cross: bool, single: bool = False) -> Situation:
        if self.calibration is None:
            return "cross-language" if cross else "same-language"
        return self.calibration.situation(cross, single)

    # -- the pipeline ----------------------------------------------------------------------------

    def match(
        self,
        text: str,
        *,
        top_k: int = 5,
        min_band: Band | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> MatchResult:
        """Matches for one text, one per case, best first. A single claim or a post lists its
        top candidates (``min_band`` "none" by default: each with its band); a long text lists
        only the cases that pass the article rule (``match/article.py``), unless ``min_band``
        is given. Every claim-like span of the text is checked, however many."""
        return self.match_many([text], top_k=top_k, min_band=min_band, progress=progress)[0]

    def match_many(
        self,
        texts: Sequence[str],
        *,
        top_k: int = 5,
        min_band: Band | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[MatchResult]:
        """Matches for several texts, their spans encoded ``SPAN_BATCH`` at a time;
        ``progress(done, total)`` is called with the spans checked after each batch (a long
        text's windows of two adjacent spans, ``match/article.py``, count among them)."""
        units = [claim_clauses(text, max_spans=None) for text in texts]
        work = [(i, span, long) for i, (group, long) in enumerate(units) for span in group]
        if self._window_rule is not None and min_band is None:
            work += [
                (i, window, True)
                for i, (group, long) in enumerate(units)
                if long
                for window in window_spans(texts[i], group, RULE_LANGUAGE)
            ]
        found: list[Picked] = [[] for _ in texts]
        for start in range(0, len(work), SPAN_BATCH):
            batch = work[start : start + SPAN_BATCH]
            for (i, _, _), picked in zip(batch, self._pick(batch, top_k, min_band), strict=True):
                found[i] += picked
            if progress is not None:
                progress(start + len(batch), len(work))
        rows = {int(self.index.pks[c.row]) for group in found for c, _, _ in group}
        details = self.corpus.details(rows)  # a case deleted since the index was built is gone
        results = []
        for text, (group, long), kept in zip(texts, units, found, strict=True):
            matches = [
                self._to_match(c, span, tokens, details)
                for c, span, tokens in kept
                if int(self.index.pks[c.row]) in details
            ]
            limit = max_cases(len(text.split())) if long and min_band is None else None
            held = [LONG_TEXT_NOTE] if any(m.why.long_text for m in matches) else []
            results.append(
                MatchResult(
                    language=document_language(text).code if text.strip() else None,
                    spans_checked=len(group),
                    characters=len(text),
                    article=long,
                    matches=one_per_case(matches, limit),
                    notes=self.notes + held,
                    outside_calibration=self.outside,
                )
            )
        return results

    def _pick(
        self, batch: Sequence[tuple[int, ClaimSpan, bool]], top_k: int, min_band: Band | None
    ) -> list[Picked]:
        """The kept candidates of each span of a batch (encoded together)."""
        vectors: npt.NDArray[np.float32] | None = None
        if self.embedder is not None and batch and self.index.dense:
            vectors = self.embedder.encode_queries([span.text for _, span, _ in batch])
        out: list[Picked] = []
        for row, (_, span, long) in enumerate(batch):
            tokens = self.analyzer.tokens(matching_text(span.text), span.language)
            vector = vectors[row] if vectors is not None else None
            candidates = self.score_span(tokens, vector, max(top_k, 2), span.language)
            if WINDOW in span.reasons:  # (only in a long text, only without min_band)
                kept = self._window_pick(candidates, span, tokens)
            elif long and min_band is None:
                kept = self._article_pick(self._span_checked(candidates, span, tokens))
            else:
                kept = self._span_checked(candidates, span, tokens)[:top_k]
            if long:
                kept = self._held_back(kept)
            floor = BAND_ORDER[min_band or "none"]
            out.append([(c, span, tokens) for c in kept if BAND_ORDER[c.band] >= floor])
        return out

    @staticmethod
    def _held_back(candidates: list[Candidate]) -> list[Candidate]:
        """A long text's candidates, none ``confirmed``: measured on real articles against
        the real database, its passages' confirmations were mostly wrong (docs/matching.md)."""
        return [
            dataclasses.replace(c, band="suggested", long_text=True) if c.band == "confirmed" else c
            for c in candidates
        ]

    def idf_mass(self, tokens: list[str]) -> float:
        """The idf mass of a span's distinct terms in the cases' vocabulary (best field)."""
        best = 0.0
        for field in FIELDS:
            bm25 = self.index.bm25[field]
            ids = [bm25.vocabulary[t] for t in set(tokens) if t in bm25.vocabulary]
            best = max(best, float(bm25.idf[ids].sum()) if ids else 0.0)
        return best

    def span_evidence(
        self, candidates: list[Candidate], span: ClaimSpan, tokens: list[str]
    ) -> SpanEvidence:
        small = self.index.cases < SPAN_CHECK_MIN_CASES  # specificity is not measured there
        return SpanEvidence(
            probabilities=[c.probability for c in candidates],
            idf_mass=None if small else self.idf_mass(tokens),
            words=len(span.text.split()),
            question="question" in span.reasons or span.text.rstrip(_CLOSE).endswith("?"),
            worthiness=span.score,
        )

    def _span_checked(
        self, candidates: list[Candidate], span: ClaimSpan, tokens: list[str]
    ) -> list[Candidate]:
        """The candidates with the span check applied: a span that, taken as a sentence of a
        text, does not pass the article rule's ``confirmed`` cannot confirm a case however well
        it scores against it (a short generic clause — "then it is staged." — covers a case's
        few common words). The claim-level probability is kept as the score; only the band is
        capped at ``suggested``. English spans only (the rule has seen no other language), in a
        database of ``SPAN_CHECK_MIN_CASES`` or more (the check is still reported below)."""
        if self.outside:
            candidates = [
                dataclasses.replace(c, band="suggested", outside=True)
                if c.band == "confirmed"
                else c
                for c in candidates
            ]
        rule = self.calibration.article if self.calibration is not None else None
        if rule is None or not candidates or span.language != RULE_LANGUAGE:
            return candidates
        x = span_features(self.span_evidence(candidates, span, tokens))
        check = float(rule.probability(x[None, :])[0])
        holds_back = rule.band(check) != "confirmed" and self.index.cases >= SPAN_CHECK_MIN_CASES
        return [
            dataclasses.replace(c, span_check=check, band="suggested", capped=True)
            if holds_back and c.band == "confirmed"
            else dataclasses.replace(c, span_check=check)
            for c in candidates
        ]

    def _article_pick(self, candidates: list[Candidate]) -> list[Candidate]:
        """The span's best candidate when the article rule lets it through (with the rule's
        probability as its score and band), else nothing."""
        if not candidates:
            return []
        best = candidates[0]
        rule = self.calibration.article if self.calibration is not None else None
        if rule is None:
            return [best] if best.band == "confirmed" else []
        if best.span_check is None:  # a span the rule does not know: its claim-level band
            if self.outside:  # only what would have been confirmed
                return [best] if best.outside else []
            return [best] if best.band != "none" else []
        band = rule.band(best.span_check)
        if self.outside:  # only what the rule would confirm, and not as confirmed
            if band != "confirmed":
                return []
            return [
                dataclasses.replace(
                    best, probability=best.span_check, band="suggested", capped=False, outside=True
                )
            ]
        if band == "none":
            return []
        return [dataclasses.replace(best, probability=best.span_check, band=band, capped=False)]

    @property
    def _window_rule(self) -> ArticleRule | None:
        """The article rule's rule for windows of two adjacent spans; None where windows list
        nothing (no such rule, or a database outside the calibration's domain), so they are
        neither encoded nor scored there."""
        article = self.calibration.article if self.calibration is not None else None
        if article is None or self.outside:
            return None
        return article.window

    def _window_pick(
        self, candidates: list[Candidate], span: ClaimSpan, tokens: list[str]
    ) -> list[Candidate]:
        """A window's best candidate when the window rule lets it through (its probability as
        score and band); nothing outside the calibration's domain."""
        rule = self._window_rule
        if rule is None or not candidates:
            return []
        x = span_features(self.span_evidence(candidates, span, tokens))
        probability = float(rule.probability(x[None, :])[0])
        band = rule.band(probability)
        if band == "none":
            return []
        return [dataclasses.replace(candidates[0], probability=probability, band=band)]

    def _to_match(
        self,
        candidate: Candidate,
        span: ClaimSpan,
        tokens: list[str],
        details: dict[int, CaseDetail],
    ) -> CaseMatch:
        case = details[int(self.index.pks[candidate.row])]
        x = candidate.features
        case_tokens = set(self.analyzer.tokens(f"{case.title} {case.summary}"))
        return CaseMatch(
            case_id=case.id,
            score=round(candidate.probability, 4),
            band=candidate.band,
            title=case.title or case.summary[:200],
            date=case.date,
            outlets=case.outlets,
            has_disproof=case.has_disproof,
            span=MatchSpan(start=span.start, end=span.end, text=span.text, language=span.language),
            why=MatchExplanation(
                dense_title=round(float(x[0]), 4) if "title" in self.index.dense else None,
                dense_summary=round(float(x[1]), 4) if "summary" in self.index.dense else None,
                lexical_coverage=round(float(max(x[2], x[3])), 4),
                shared_terms=sorted(set(tokens) & case_tokens)[:20],
                retrievers=list(candidate.retrievers),
                calibration=candidate.situation,
                span_check=(
                    round(candidate.span_check, 4) if candidate.span_check is not None else None
                ),
                capped=candidate.capped,
                outside_calibration=candidate.outside,
                long_text=candidate.long_text,
                appearance=self._appearance(candidate),
            ),
        )

    def _appearance(self, candidate: Candidate) -> MatchedAppearance | None:
        """The appearance a match went through, if it did."""
        rows = self.index.appearances
        if candidate.via < 0 or rows is None or candidate.via >= len(rows):
            return None
        at = candidate.via
        return MatchedAppearance(
            position=int(rows.positions[at]),
            outlet=rows.outlets[at] or None,
            language=rows.languages[at] or None,
            cosine=round(float(candidate.features[1]), 4),
        )
