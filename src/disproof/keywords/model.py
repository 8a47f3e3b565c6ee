"""A trained keyword model: its keywords, scorers, thresholds, and its folder of plain files.

The model's keywords are of two kinds: the *learnt* ones (keywords of at least ``min_count``
training cases), scored by the blended scorers (TF-IDF and embedding logistic regressions,
neighbour votes; :mod:`.scorers`), and after them the *name-only* ones (rarer keywords of the
training cases), scored by their name alone. The score of a keyword for a text is the mean of
the blended scorers' scores (0 for a name-only keyword), raised to the name scorer's when the
text contains the keyword's name. Which keywords are predicted is then decided by the calibrated
thresholds (:mod:`.calibrate`).

A model is a folder: ``meta.json`` (format, version, embedder, options, training counts),
``labels.json`` (each keyword with its threshold, number of training cases and whether it is
learnt) and one ``.npy`` per array of each scorer (``tfidf.weights.npy`` …). No pickle; arrays
load memory-mapped. A model that uses embeddings belongs to the embedder whose ``model_id`` it
records and refuses to load for another. Version 2 added the name-only keywords and the
neighbours' recency weights; a version 1 folder is refused with a request to retrain.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from disproof.errors import DisproofError
from disproof.folders import replaceable, staged_folder
from disproof.io.base import read_json_object
from disproof.keywords.calibrate import Thresholds, decide
from disproof.keywords.scorers import SCORERS, Features, NameScorer, Scorer
from disproof.models import Case

FORMAT = "disproof-keyword-model"
VERSION = 2
Array = npt.NDArray[np.float64]
#: Scorers that read text embeddings.
EMBEDDING_SCORERS = frozenset({"linear", "knn"})


def case_text(case: Case) -> str:
    """The text a keyword model reads of a case: its title and claim summary."""
    return "\n".join(part for part in (case.title.strip(), case.summary.strip()) if part)


@dataclass(frozen=True, slots=True)
class KeywordScore:
    """A suggested keyword and its score (0–1)."""

    keyword: str
    score: float


def combine(blend: Sequence[Array], names: Array | None, shape: tuple[int, int]) -> Array:
    """The model's score: the mean of the blended scores (which cover the first, learnt,
    columns; the others score 0), raised to the name score."""
    out = np.zeros(shape)
    if blend:
        mean = np.mean(blend, axis=0)
        out[:, : mean.shape[1]] = mean
    return np.maximum(out, names) if names is not None else out


@dataclass(frozen=True)
class KeywordModel:
    """Keywords (label columns), the scorers that score them, thresholds, and metadata."""

    labels: tuple[str, ...]
    blend: tuple[Scorer, ...]
    names: NameScorer | None
    thresholds: Thresholds
    model_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: How many of ``labels`` (the first) the blended scorers score; None: all of them.
    learnt: int | None = None

    def __post_init__(self) -> None:
        widths = {scorer.width for scorer in self.blend}
        if widths - {self.learnt_count} or (
            self.names is not None and self.names.width != len(self.labels)
        ):
            raise ValueError(
                f"scorers of widths {sorted(widths)} do not fit {self.learnt_count} learnt "
                f"of {len(self.labels)} keywords"
            )

    @property
    def learnt_count(self) -> int:
        """How many keywords (the first) the blended scorers learnt; the rest are name-only."""
        return len(self.labels) if self.learnt is None else self.learnt

    @property
    def needs_vectors(self) -> bool:
        return any(scorer.kind in EMBEDDING_SCORERS for scorer in self.blend)

    def scores(self, features: Features) -> Array:
        """``(texts, keywords)`` scores."""
        blend = [scorer.scores(features) for scorer in self.blend]
        names = self.names.scores(features) if self.names is not None else None
        return combine(blend, names, (len(features), len(self.labels)))

    def predict(self, features: Features, top: int | None = None) -> list[list[KeywordScore]]:
        """Each text's predicted keywords with their scores, best first (at most ``top``)."""
        scores = self.scores(features)
        chosen = decide(scores, self.thresholds, top)
        out = []
        for row in range(len(scores)):
            picked = sorted(np.flatnonzero(chosen[row]), key=lambda j: (-scores[row, j], j))
            out.append(
                [KeywordScore(self.labels[j], round(float(scores[row, j]), 4)) for j in picked]
            )
        return out


# -- files ---------------------------------------------------------------------------------------


def _write_json(path: Path, content: object) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def save_model(model: KeywordModel, folder: Path) -> None:
    """Write the model into ``folder`` atomically (a temporary folder swapped in).

    Refuses to overwrite a folder that holds anything but a keyword model.
    """
    if not replaceable(folder, FORMAT):
        raise DisproofError(f"{folder} exists and is not a keyword model; choose another folder")
    with staged_folder(folder) as staging:
        scorers = [*model.blend, *([model.names] if model.names is not None else [])]
        for scorer in scorers:
            for key, array in scorer.arrays().items():
                np.save(staging / f"{scorer.kind}.{key}.npy", array, allow_pickle=False)
        counts = model.meta.get("label_cases", {})
        labels = [
            {
                "keyword": label,
                "threshold": float(t),
                "cases": counts.get(label),
                "learnt": i < model.learnt_count,
            }
            for i, (label, t) in enumerate(
                zip(model.labels, model.thresholds.per_label, strict=True)
            )
        ]
        _write_json(staging / "labels.json", {"floor": model.thresholds.floor, "labels": labels})
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "model_id": model.model_id,
            "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "blend": [scorer.kind for scorer in model.blend],
            "names": model.names is not None,
            "scorers": {scorer.kind: scorer.params() for scorer in scorers},
            **{k: v for k, v in model.meta.items() if k != "label_cases"},
        }
        _write_json(staging / "meta.json", meta)


def _read_json(path: Path) -> dict[str, Any]:
    return read_json_object(path, "keyword model")


def read_meta(folder: Path) -> dict[str, Any]:
    """The model's ``meta.json``, checked to be a keyword model of this version."""
    if not (folder / "meta.json").exists():
        raise DisproofError(
            f"{folder}: no keyword model here; train one with `disproof keywords train`"
        )
    meta = _read_json(folder / "meta.json")
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise DisproofError(
            f"{folder}: not a keyword model of version {VERSION} "
            f"(format {meta.get('format')!r}, version {meta.get('version')!r}); retrain it"
        )
    return meta


def check_embedder(folder: Path, meta: dict[str, Any], model_id: str | None) -> None:
    """Refuse a model built on another embedder than ``model_id``."""
    wanted = meta.get("model_id")
    if wanted is not None and wanted != model_id:
        raise DisproofError(
            f"{folder}: trained with embedder {wanted!r}, not {model_id!r}; "
            "use that embedder or retrain the model with this one"
        )


def _scorer(folder: Path, kind: str, params: dict[str, Any]) -> Scorer:
    cls = SCORERS.get(kind)
    if cls is None:
        raise DisproofError(f"{folder}: unknown scorer {kind!r}")
    arrays = {
        path.name[len(kind) + 1 : -4]: np.load(path, mmap_mode="r", allow_pickle=False)
        for path in folder.glob(f"{kind}.*.npy")
    }
    loaded: Scorer = cls.load(arrays, params)
    return loaded


def load_model(folder: Path, model_id: str | None = None) -> KeywordModel:
    """The model saved in ``folder``; refuses one that uses another embedder than ``model_id``."""
    meta = read_meta(folder)
    check_embedder(folder, meta, model_id)
    labels_file = _read_json(folder / "labels.json")
    try:
        entries = labels_file["labels"]
        labels = tuple(str(entry["keyword"]) for entry in entries)
        thresholds = Thresholds(
            np.array([float(entry["threshold"]) for entry in entries]), float(labels_file["floor"])
        )
        params = meta["scorers"]
        blend = tuple(_scorer(folder, str(kind), params[kind]) for kind in meta["blend"])
        names = _scorer(folder, "names", params["names"]) if meta["names"] else None
        learnt = sum(bool(entry["learnt"]) for entry in entries)
        if any(entry["learnt"] for entry in entries[learnt:]):
            raise ValueError("learnt keywords must come before the name-only ones")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DisproofError(f"{folder}: incomplete or inconsistent keyword model: {exc}") from exc
    if names is not None and not isinstance(names, NameScorer):
        raise DisproofError(f"{folder}: the names scorer is not one")
    dim = meta.get("dim")
    for scorer in (*blend, *([names] if names else [])):
        width = len(labels) if scorer is names else learnt
        if scorer.width != width or scorer.dim not in (None, dim):
            raise DisproofError(
                f"{folder}: scorer {scorer.kind!r} does not fit {width} keywords "
                f"and embedding dimension {dim}"
            )
    kept = {k: v for k, v in meta.items() if k not in ("format", "version", "saved", "scorers")}
    kept["label_cases"] = {str(e["keyword"]): e.get("cases") for e in entries}
    return KeywordModel(labels, blend, names, thresholds, meta.get("model_id"), kept, learnt)
