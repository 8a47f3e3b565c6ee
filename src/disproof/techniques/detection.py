"""Finding persuasion techniques in a text: which paragraphs carry which technique, and where.

A paragraph is a non-blank line (:func:`~disproof.techniques.corpus.paragraph_bounds`), as in
the task's data. The paragraph model decides its techniques; for each one the sentence model
picks the sentences that carry it (every sentence over its threshold, at least the best one), and
neighbouring picked sentences make one span. So a paragraph carries a technique exactly when one
of the returned spans overlaps it, the relation between the task's paragraph labels and spans.

Labels are model output, not an analyst's judgement: ``score`` is ``sigmoid(logit −
threshold)``, above 0.5 for everything returned and higher when the model is surer; it is not a
calibrated probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from disproof import embed as embedding
from disproof.embed import Embedder
from disproof.errors import DisproofError
from disproof.narratives.logistic import sigmoid
from disproof.techniques.corpus import paragraph_bounds
from disproof.techniques.hashing import hashed_features, paragraph_features
from disproof.techniques.model import TechniqueModel
from disproof.text.sentences import split_sentences

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TechniqueSpan:
    """``text[start:end]`` uses ``technique`` (a name of :data:`~.taxonomy.NAMES`), in the
    model's view; ``score`` in (0.5, 1]."""

    technique: str
    start: int
    end: int
    score: float

    def as_json(self) -> dict[str, object]:
        return {
            "technique": self.technique,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
        }


@cache
def _embedder(model_id: str) -> Embedder:
    embedder, _ = embedding.load_embedder("e5")
    if embedder.model_id != model_id:
        raise DisproofError(
            f"the technique model was trained on {model_id} vectors; this install has "
            f"{embedder.model_id}: retrain it (`disproof techniques train`)"
        )
    return embedder


class Detector:
    """A model and the embedder it reads (loaded on first use when the model needs one)."""

    def __init__(self, model: TechniqueModel, embedder: Embedder | None = None) -> None:
        self.model = model
        self._given = embedder

    def embedder(self) -> Embedder | None:
        if self.model.embedder_id is None:
            return None
        if self._given is not None:
            if self._given.model_id != self.model.embedder_id:
                raise DisproofError(
                    f"the technique model reads {self.model.embedder_id} vectors, "
                    f"not {self._given.model_id}"
                )
            return self._given
        return _embedder(self.model.embedder_id)

    def detect(self, text: str, language: str | None = None) -> list[TechniqueSpan]:
        return self.detect_many([text], None if language is None else [language])[0]

    def detect_many(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[list[TechniqueSpan]]:
        """The spans of each text, sorted by start then technique; paragraphs of all texts are
        encoded together. A model with language heads reads each text with the head of its
        language (``languages``, one per text, else identified from the text)."""
        codes = self._languages(texts, languages)
        bounds = [paragraph_bounds(text) for text in texts]
        pieces = [text[s:e] for text, b in zip(texts, bounds, strict=True) for _, s, e in b]
        first = [i == 0 for b in bounds for i in range(len(b))]
        row_codes = [code for code, b in zip(codes, bounds, strict=True) for _ in b]
        margins = self._paragraph_margins(pieces, first, row_codes)
        out: list[list[TechniqueSpan]] = []
        row = 0
        for text, paragraphs in zip(texts, bounds, strict=True):
            spans: list[TechniqueSpan] = []
            for _, start, end in paragraphs:
                spans.extend(self._place(text, start, end, margins[row]))
                row += 1
            out.append(sorted(spans, key=lambda s: (s.start, s.end, s.technique)))
        return out

    def _languages(
        self, texts: Sequence[str], given: Sequence[str | None] | None
    ) -> list[str | None]:
        """The head each text uses (None: the shared model)."""
        heads = self.model.language_heads
        if not heads:
            return [None] * len(texts)
        if given is None:
            from disproof.text import document_language

            given = [document_language(text).code for text in texts]
        return [code if code in heads else None for code in given]

    def _paragraph_margins(
        self, pieces: list[str], first: list[bool], codes: list[str | None]
    ) -> Array:
        """Each paragraph's logits minus their thresholds, by its text's head."""
        model = self.model
        if not pieces:
            return np.zeros((0, len(model.techniques)))
        x = paragraph_features(pieces, first, model.buckets)
        embedder = self.embedder()
        if embedder is not None:
            x = np.hstack([x, embedder.encode_queries(pieces, batch_size=16)])
        out: Array = np.zeros((len(pieces), len(model.techniques)))
        of_row = np.array(codes, dtype=object)
        for code in set(codes):
            rows = np.flatnonzero(of_row == code)
            weights, bias, thresholds = model.head(code)
            out[rows] = (x[rows] @ weights + bias - thresholds).astype(np.float64)
        return out

    def _place(self, text: str, start: int, end: int, margins: Array) -> list[TechniqueSpan]:
        """Spans inside the paragraph ``text[start:end]`` for each technique it carries
        (``margins``: its logits minus their thresholds)."""
        model = self.model
        chosen = np.flatnonzero(margins >= 0)
        if len(chosen) == 0:
            return []
        sentences = [(start + s.start, start + s.end) for s in split_sentences(text[start:end])]
        sentences = sentences or [(start, end)]
        pieces = [text[s:e] for s, e in sentences]
        sentence_logits = (
            hashed_features(pieces, model.buckets) @ model.sentence_weights + model.sentence_bias
        )
        spans: list[TechniqueSpan] = []
        for column in chosen:
            score = float(sigmoid(np.array([margins[column]]))[0])
            column_logits = sentence_logits[:, column]
            picked = column_logits >= model.sentence_thresholds[column]
            picked[int(np.argmax(column_logits))] = True
            for first, last in _runs(picked):
                spans.append(
                    TechniqueSpan(
                        model.techniques[column], sentences[first][0], sentences[last][1], score
                    )
                )
        return spans


def _runs(picked: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``(first, last)`` index of each run of consecutive True values."""
    runs: list[tuple[int, int]] = []
    for index in np.flatnonzero(picked):
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], int(index))
        else:
            runs.append((int(index), int(index)))
    return runs


def detect(
    text: str, model: TechniqueModel, *, embedder: Embedder | None = None
) -> list[TechniqueSpan]:
    """The technique spans of ``text`` (offsets into it), by ``model``; ``embedder`` is loaded
    when the model needs one and none is given."""
    return Detector(model, embedder).detect(text)
