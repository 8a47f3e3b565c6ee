"""Building a matcher: load the saved match index if it is current, else build it, saying so.

Building the index encodes every case text that has no stored vector yet: seconds for the demo,
minutes to half an hour for tens of thousands of cases on a small machine. Whoever waits is
told (:class:`BuildProgress`): the command line shows a line and a bar with rate and ETA, the
server logs it and answers with lexical matching meanwhile (``disproof.matchers``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from disproof.embed import Embedder
    from disproof.match.index import CaseIndex
    from disproof.match.matcher import Matcher
    from disproof.settings import Settings
    from disproof.store import CaseStore


class BuildProgress(Protocol):
    """What a build reports: that the index must be built, then texts encoded so far."""

    def building(self, cases: int, fresh: bool) -> None:
        """The index must be built for ``cases`` cases: from scratch (``fresh``: there is none
        saved, or it is for another model or format) or updated for changed cases."""

    def __call__(self, done: int, total: int) -> None:
        """``done`` of ``total`` case texts encoded."""


#: The note on an answer given while the index is being built (docs/matching.md).
LEXICAL_NOTE = (
    "index still being built — lexical matching only (BM25): other languages and paraphrases "
    "are not matched until it is ready{progress}"
)
#: The note on an answer given when the last build failed (the server log says why).
FAILED_NOTE = (
    "the match index could not be built ({error}; see the server log) — lexical matching only "
    "(BM25): other languages and paraphrases are not matched"
)
#: The note on an answer from the index as it was before the latest changes.
STALE_NOTE = (
    "index being updated for the latest changes — cases added or changed since are not "
    "matched yet{progress}"
)


def progress_text(done: int, total: int) -> str:
    """``" (120 of 4,000 case texts encoded)"`` for a note, or nothing before encoding starts."""
    return f" ({done:,} of {total:,} case texts encoded)" if total else ""


class MatcherBuilder:
    """Builds the matchers of one database; loads each embedding backend once."""

    def __init__(self, settings: Settings, store: CaseStore) -> None:
        self.settings = settings
        self.store = store
        self._embedders: dict[str | None, tuple[Embedder | None, list[str]]] = {}
        #: The last index built, for updating when none is saved (a PostgreSQL store).
        self._last: CaseIndex | None = None

    def embedder(self, name: str | None) -> tuple[Embedder | None, list[str]]:
        """The loaded embedding backend (loaded once) and notes about it."""
        from disproof.embed import EmbedderUnavailable, load_embedder

        if name not in self._embedders:
            try:
                self._embedders[name] = load_embedder(name)
            except EmbedderUnavailable as exc:
                self._embedders[name] = (None, [f"{exc}; matching with BM25 only"])
        embedder, notes = self._embedders[name]
        return embedder, list(notes)

    def build(self, backend: str | None = None, progress: BuildProgress | None = None) -> Matcher:
        """A matcher over the current cases; the index is loaded if current, else updated for
        the cases changed since it was saved, or (re)built (``progress.building`` first, then
        per batch of texts encoded) and saved."""
        from disproof.match.calibration import calibration_for
        from disproof.match.index import build_index
        from disproof.match.matcher import Matcher
        from disproof.match.scale import ann_dir, attach_ann
        from disproof.match.update import current_state, update_index
        from disproof.store.changes import prune_if_long
        from disproof.store.corpus import CorpusStore
        from disproof.text import Analyzer

        embedder, notes = self.embedder(backend or self.settings.embedder)
        corpus = CorpusStore(self.store.engine)
        model_id = embedder.model_id if embedder else None
        folder = self.settings.index_dir()
        analyzer = Analyzer()
        fingerprint = corpus.fingerprint()
        saved = self._saved(folder, model_id)
        index = saved if saved is not None and saved.fingerprint == fingerprint else None
        if index is None:
            state = current_state(saved, corpus) if saved is not None else None
            if progress is not None:
                cases = state.cases if state is not None else self.store.count()
                progress.building(cases, fresh=saved is None)
            if saved is not None and state is not None:
                index = update_index(saved, state, corpus, embedder, analyzer, progress=progress)
            if index is None:
                index = build_index(corpus, embedder, analyzer, progress=progress)
            if folder is not None:
                index.save(folder)
            prune_if_long(self.store.engine, index.cases)
        self._last = index
        graphs = ann_dir(folder) if folder else None
        notes += attach_ann(index, graphs, self.settings.ann_threshold, self.store.engine)
        calibration = calibration_for(model_id) if model_id else None
        if embedder is not None and calibration is None:
            notes.append(f"no calibration for {model_id}: matches are never 'confirmed'")
        return Matcher(index, corpus, embedder, calibration, analyzer, notes=notes)

    def _saved(self, folder: Path | None, model_id: str | None) -> CaseIndex | None:
        """The saved index for this model, or the last one this builder built or loaded when
        it is the one saved (its fingerprint; at a million cases reading the files again costs
        ~0.3 s) or none is saved (a PostgreSQL store). A copy without graphs: the one serving
        is left as it is."""
        from disproof.match.index import CaseIndex, saved_fingerprint

        last = self._last if self._last is not None and self._last.model_id == model_id else None
        if folder is not None and (
            last is None or saved_fingerprint(folder, model_id) != last.fingerprint
        ):
            return CaseIndex.load_saved(folder, model_id)
        return dataclasses.replace(last, ann={}) if last is not None else None

    def lexical(self) -> Matcher:
        """A BM25-only matcher over the current cases (seconds: nothing is encoded), for
        answering while the full index is built; never saved."""
        from disproof.match.index import build_index
        from disproof.match.matcher import Matcher
        from disproof.store.corpus import CorpusStore
        from disproof.text import Analyzer

        corpus = CorpusStore(self.store.engine)
        analyzer = Analyzer()
        return Matcher(build_index(corpus, None, analyzer), corpus, None, None, analyzer)
