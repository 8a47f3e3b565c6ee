"""The TF-IDF representation lives in the package (``disproof.narratives.tfidf``); the
benchmarks import it from here as before."""

from disproof.narratives.tfidf import Matrix, TfIdf, fit_tfidf, tokenize

__all__ = ["Matrix", "TfIdf", "fit_tfidf", "tokenize"]
