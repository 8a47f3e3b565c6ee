"""Document vectors kept between trainings, so that retraining re-encodes nothing it has seen.

Encoding is by far the slowest stage of training a narrative model (e5 over a 1,200-character
lead costs ~0.8 CPU-s a text; everything else for ~1,600 texts under a minute:
docs/benchmarks.md). :class:`VectorCache` is one ``.npz`` file of pooled document vectors, each
keyed by the SHA-256 of its text; the file also records the embedder's ``model_id`` and the
chunking, and a file made with other ones is not used (it is replaced on the next write). It is
written whole to a temporary file and renamed over the old one (every 30 s of encoding and at
its end: :func:`.chunks.embed_documents`), so an interrupted training leaves most of the vectors
encoded so far and never a half-written file. Reading needs no pickle.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from disproof.embed.base import Vectors
from disproof.narratives.chunks import Chunking

#: What names a cache file beside a model folder (``<model>.vectors.npz``).
SUFFIX = ".vectors.npz"


def digest(text: str) -> str:
    """The key of a text: the hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cache_beside(model_folder: Path) -> Path:
    """Where ``narratives train`` keeps the vectors of a model folder by default."""
    folder = model_folder.resolve()
    return folder.with_name(folder.name + SUFFIX)


class VectorCache:
    """Pooled document vectors of one embedder and chunking, by text digest (module docstring)."""

    def __init__(self, path: Path, model_id: str, chunking: Chunking, dim: int) -> None:
        self.path = path
        self.model_id = model_id
        self.chunking = chunking
        self.dim = dim
        self._vectors: dict[str, Vectors] = {}
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            with np.load(self.path, allow_pickle=False) as saved:
                if str(saved["model_id"]) != self.model_id:
                    return
                if str(saved["chunking"]) != self.chunking.key:
                    return
                keys, vectors = saved["digests"], saved["vectors"]
        except FileNotFoundError:
            return
        except (
            OSError,
            EOFError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            zipfile.BadZipFile,
        ):
            return  # an unreadable cache is no cache; the next write replaces it
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(keys) != len(vectors):
            return
        self._vectors = {str(k): v for k, v in zip(keys, vectors.astype(np.float32), strict=True)}

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> Vectors | None:
        return self._vectors.get(digest(text))

    def put(self, text: str, vector: Vectors) -> None:
        self._vectors[digest(text)] = np.asarray(vector, np.float32)
        self._dirty = True

    def save(self) -> None:
        """Write the file (atomically) if anything was added since it was read or written."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(
                    out,
                    model_id=np.array(self.model_id),
                    chunking=np.array(self.chunking.key),
                    digests=np.array(keys, dtype="U64"),
                    vectors=np.stack([self._vectors[k] for k in keys])
                    if keys
                    else np.zeros((0, self.dim), np.float32),
                )
            os.replace(name, self.path)
        finally:
            if os.path.exists(name):
                os.unlink(name)
        self._dirty = False
