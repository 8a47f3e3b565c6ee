"""Narratives: taxonomies of recurring disinformation narratives and a classifier for them."""

from disproof.narratives.classify import (
    LabelScore,
    NarrativeModel,
    NarrativePrediction,
    TrainingOptions,
    load_model,
    save_model,
    train,
)
from disproof.narratives.metrics import samples_f1
from disproof.narratives.pipeline import NarrativeClassifier, train_semeval
from disproof.narratives.semeval import load_semeval_documents, load_semeval_taxonomy
from disproof.narratives.taxonomy import BUILTIN_TAXONOMY, builtin_taxonomy, load_taxonomy

__all__ = [
    "BUILTIN_TAXONOMY",
    "LabelScore",
    "NarrativeClassifier",
    "NarrativeModel",
    "NarrativePrediction",
    "TrainingOptions",
    "builtin_taxonomy",
    "load_model",
    "load_semeval_documents",
    "load_semeval_taxonomy",
    "load_taxonomy",
    "samples_f1",
    "save_model",
    "train",
    "train_semeval",
]
