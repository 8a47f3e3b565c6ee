"""Narratives: taxonomies of recurring disinformation narratives and a classifier for them.

The names below are imported from their modules on first use (``disproof._lazy``): reading the
taxonomy must not load the classifier's numpy code.
"""

from typing import TYPE_CHECKING

from disproof._lazy import lazy_exports

if TYPE_CHECKING:
    from disproof.narratives.classify import (
        LabelScore as LabelScore,
    )
    from disproof.narratives.classify import (
        NarrativeModel as NarrativeModel,
    )
    from disproof.narratives.classify import (
        NarrativePrediction as NarrativePrediction,
    )
    from disproof.narratives.classify import (
        TrainingOptions as TrainingOptions,
    )
    from disproof.narratives.classify import (
        load_model as load_model,
    )
    from disproof.narratives.classify import (
        save_model as save_model,
    )
    from disproof.narratives.classify import (
        train as train,
    )
    from disproof.narratives.metrics import samples_f1 as samples_f1
    from disproof.narratives.pipeline import (
        NarrativeClassifier as NarrativeClassifier,
    )
    from disproof.narratives.pipeline import (
        train_semeval as train_semeval,
    )
    from disproof.narratives.semeval import (
        load_semeval_documents as load_semeval_documents,
    )
    from disproof.narratives.semeval import (
        load_semeval_taxonomy as load_semeval_taxonomy,
    )
    from disproof.narratives.taxonomy import (
        BUILTIN_TAXONOMY as BUILTIN_TAXONOMY,
    )
    from disproof.narratives.taxonomy import (
        builtin_taxonomy as builtin_taxonomy,
    )
    from disproof.narratives.taxonomy import (
        load_taxonomy as load_taxonomy,
    )

_CLASSIFY = ["LabelScore", "NarrativeModel", "NarrativePrediction", "TrainingOptions"]
_EXPORTS = {
    **dict.fromkeys([*_CLASSIFY, "load_model", "save_model", "train"], f"{__name__}.classify"),
    "samples_f1": f"{__name__}.metrics",
    **dict.fromkeys(["NarrativeClassifier", "train_semeval"], f"{__name__}.pipeline"),
    **dict.fromkeys(["load_semeval_documents", "load_semeval_taxonomy"], f"{__name__}.semeval"),
    **dict.fromkeys(
        ["BUILTIN_TAXONOMY", "builtin_taxonomy", "load_taxonomy"], f"{__name__}.taxonomy"
    ),
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
