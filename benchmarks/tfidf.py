"""The TF-IDF representation lives in the package (``disproof.text.tfidf``); the
benchmarks import it from here as before."""

from disproof.text.tfidf import Matrix, TfIdf, fit_tfidf, tokenize

__all__ = ["Matrix", "TfIdf", "fit_tfidf", "tokenize"]
