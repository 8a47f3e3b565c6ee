"""disproof: a self-hosted database of disinformation cases and their disproofs."""

import os

# Matching multiplies one query vector by the case matrix (a BLAS matrix-vector product) right
# after the embedding engine's OpenMP threads ran; a multi-threaded BLAS pool then competes with
# them for the cores. One BLAS thread is as fast for a matrix-vector product and halved the
# single-claim latency on 2 cores (43 → 23 ms, docs/benchmarks.md). A user's setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from disproof.errors import CaseNotFound, DisproofError, ImportFailed
from disproof.models import Appearance, Case, CaseQuery, Link, Narrative, SearchPage, Taxonomy

__version__ = "0.1.0"

__all__ = [
    "Appearance",
    "Case",
    "CaseNotFound",
    "CaseQuery",
    "DisproofError",
    "ImportFailed",
    "Link",
    "Narrative",
    "SearchPage",
    "Taxonomy",
    "__version__",
]
