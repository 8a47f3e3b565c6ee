"""The TF-IDF baseline representation (:mod:`disproof.keywords.tfidf`) and a tokenizer for it."""

from __future__ import annotations

from collections.abc import Sequence

from disproof.keywords.tfidf import TfIdf, fit_tfidf
from disproof.text import Analyzer

__all__ = ["TfIdf", "fit_tfidf", "tokenize"]


def tokenize(texts: Sequence[str], languages: Sequence[str]) -> list[list[str]]:
    """Analyzer terms (stop words removed, stemmed where a stemmer exists) of each text."""
    analyzer = Analyzer()
    return [analyzer.tokens(t, language) for t, language in zip(texts, languages, strict=True)]
