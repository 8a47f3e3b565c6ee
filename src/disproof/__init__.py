"""disproof: a self-hosted database of disinformation cases and their disproofs."""

import os

# Matching multiplies one query vector by the case matrix (a BLAS matrix-vector product) right
# after the embedding engine's OpenMP threads ran; a multi-threaded BLAS pool then competes with
# them for the cores. One BLAS thread is as fast for a matrix-vector product and halved the
# single-claim latency on 2 cores (43 → 23 ms, docs/benchmarks.md). A user's setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from typing import TYPE_CHECKING

from disproof._lazy import lazy_exports

if TYPE_CHECKING:
    from disproof.errors import (
        CaseNotFound as CaseNotFound,
    )
    from disproof.errors import (
        DisproofError as DisproofError,
    )
    from disproof.errors import (
        ImportFailed as ImportFailed,
    )
    from disproof.models import (
        Appearance as Appearance,
    )
    from disproof.models import (
        Case as Case,
    )
    from disproof.models import (
        CaseQuery as CaseQuery,
    )
    from disproof.models import (
        Link as Link,
    )
    from disproof.models import (
        Narrative as Narrative,
    )
    from disproof.models import (
        SearchPage as SearchPage,
    )
    from disproof.models import (
        Taxonomy as Taxonomy,
    )

__version__ = "0.1.0"

#: Each public name is imported from its module on first use, so that ``disproof --version``
#: and ``--help`` need not build the pydantic models (a quarter of a second).
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(["CaseNotFound", "DisproofError", "ImportFailed"], "disproof.errors"),
        **dict.fromkeys(
            ["Appearance", "Case", "CaseQuery", "Link", "Narrative", "SearchPage", "Taxonomy"],
            "disproof.models",
        ),
    },
)

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
