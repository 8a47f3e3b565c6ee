"""Keyword suggestion: a multi-label model trained on the cases' keywords.

``train_from_store`` learns from the database's cases (``disproof keywords train``), ``save_model``
and ``load_model`` keep it as plain files, and ``KeywordSuggester`` predicts the keywords of new
texts (``disproof keywords suggest``, the case editor).
"""

from disproof.keywords.calibrate import Thresholds, calibrate, decide
from disproof.keywords.corpus import labelled_cases, train_from_store
from disproof.keywords.model import KeywordModel, KeywordScore, case_text, load_model, save_model
from disproof.keywords.suggest import KeywordSuggester, SavedModel
from disproof.keywords.train import KeywordOptions, LabelledText, train

__all__ = [
    "KeywordModel",
    "KeywordOptions",
    "KeywordScore",
    "KeywordSuggester",
    "LabelledText",
    "SavedModel",
    "Thresholds",
    "calibrate",
    "case_text",
    "decide",
    "labelled_cases",
    "load_model",
    "save_model",
    "train",
    "train_from_store",
]
