"""Suggesting keywords with a saved model: the model plus the embedder it was trained with.

:class:`KeywordSuggester` scores texts. :class:`SavedModel` is what a long-running service keeps:
the model saved beside the database, loaded on first use and again whenever it is retrained;
when there is no model (or it cannot be used here) it says so, and the caller falls back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from disproof.embed import Embedder
from disproof.errors import DisproofError
from disproof.keywords.model import (
    KeywordModel,
    KeywordScore,
    check_embedder,
    load_model,
    read_meta,
)
from disproof.keywords.scorers import Features
from disproof.keywords.train import analyse

logger = logging.getLogger(__name__)

#: Loads an embedding backend by name ("e5", "use"; None = default), or None if it cannot run.
EmbedderFor = Callable[[str | None], Embedder | None]


@dataclass(frozen=True)
class KeywordSuggester:
    """A loaded keyword model and the embedder its scorers read (None if they read none)."""

    model: KeywordModel
    embedder: Embedder | None

    @classmethod
    def load(cls, folder: Path, embedder_for: EmbedderFor) -> KeywordSuggester:
        """The model in ``folder`` with its embedder; a clear error if that cannot be had."""
        meta = read_meta(folder)
        embedder = None
        if meta.get("model_id") is not None:
            embedder = embedder_for(meta.get("backend"))
            if embedder is None:
                raise DisproofError(
                    f"{folder}: needs the {meta.get('backend')!r} embedder, which cannot run here"
                )
            check_embedder(folder, meta, embedder.model_id)
        return cls(load_model(folder, embedder.model_id if embedder else None), embedder)

    def features(self, texts: Sequence[str]) -> Features:
        vectors = None
        if self.model.needs_vectors and self.embedder is not None:
            vectors = self.embedder.encode_documents(list(texts))
        return Features(analyse(texts), vectors)

    def suggest(self, texts: Sequence[str], top: int | None = None) -> list[list[KeywordScore]]:
        """Each text's predicted keywords, best first (empty when none is likely enough)."""
        if not texts:
            return []
        return self.model.predict(self.features(texts), top)


class SavedModel:
    """The keyword model saved in ``folder``, (re)loaded when it appears or changes."""

    def __init__(self, folder: Path | None, embedder_for: EmbedderFor) -> None:
        self.folder = folder
        self._embedder_for = embedder_for
        self._lock = threading.Lock()
        self._loaded_for: float | None = None  # mtime of the meta.json it was loaded from
        self._suggester: KeywordSuggester | None = None

    def get(self) -> KeywordSuggester | None:
        """The current model's suggester, or None when there is none usable (logged)."""
        if self.folder is None:
            return None
        try:
            stamp = (self.folder / "meta.json").stat().st_mtime
        except OSError:
            return None
        with self._lock:
            if stamp != self._loaded_for:
                self._loaded_for = stamp
                try:
                    self._suggester = KeywordSuggester.load(self.folder, self._embedder_for)
                except DisproofError as exc:
                    logger.warning("keyword model not used: %s", exc)
                    self._suggester = None
            return self._suggester

    def suggest(self, text: str, limit: int) -> list[str] | None:
        """Predicted keywords of ``text`` (at most ``limit``), or None without a usable model."""
        suggester = self.get()
        if suggester is None:
            return None
        if not text.strip():
            return []
        return [item.keyword for item in suggester.suggest([text], top=limit)[0]]
