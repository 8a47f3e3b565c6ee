"""The shared matcher of a service: built once, reused until the cases change."""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from disproof.indexing import (
    FAILED_NOTE,
    LEXICAL_NOTE,
    STALE_NOTE,
    BuildProgress,
    progress_text,
)

if TYPE_CHECKING:
    from disproof.match.matcher import Matcher

logger = logging.getLogger(__name__)


class _Watch:
    """A background build's progress: kept for the notes of answers given meanwhile, and
    passed on to a listener (``disproof serve`` prints it)."""

    def __init__(self, listener: BuildProgress | None) -> None:
        self.listener = listener
        self.done = self.total = 0

    def building(self, cases: int, fresh: bool) -> None:
        if self.listener is not None:
            self.listener.building(cases, fresh)

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.listener is not None:
            self.listener(done, total)


class MatcherCache:
    """One built matcher, reused until the cases change (building one takes seconds to minutes).

    ``invalidate`` marks it stale at once (the service calls it on every write); changes made
    by another process (an import from the command line) are noticed by comparing the store's
    fingerprint, at most once every ``check_every`` seconds.

    ``get()`` answers with a current matcher, building one in the caller's thread if needed
    (one build at a time; ``progress`` hears of it: the command line). ``get(wait=seconds)``
    never waits longer (the server): the build runs in a background thread, and when it is not
    done in time the answer comes from what there is — the previous matcher, noted as being
    updated, or else a BM25-only matcher (``lexical``), noted as lexical only.
    ``get(stale_ok=True)`` is for advisory uses (related cases on a case page, duplicate
    warnings in the editor): while the cases changed it answers at once with the matcher it has
    and rebuilds in the background, so a busy editing desk does not make every page view
    wait for a rebuild. A stale matcher leaves out cases deleted since it was built.
    """

    def __init__(
        self,
        build: Callable[[BuildProgress | None], Matcher],
        fingerprint: Callable[[], str],
        check_every: float = 1.0,
        lexical: Callable[[], Matcher] | None = None,
    ) -> None:
        self._build = build
        self._fingerprint = fingerprint
        self._lexical_build = lexical
        self.check_every = check_every
        self._lock = threading.Lock()  # guards the fields below, never held during a build
        self._build_lock = threading.Lock()  # one build at a time
        self._lexical_lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._built_for = ""  # the fingerprint the matcher was built from
        self._checked = 0.0
        self._generation = 0  # counts invalidations
        self._built_generation = -1
        self._background: threading.Thread | None = None
        self._watch = _Watch(None)
        self._lexical: tuple[str, Matcher] | None = None  # (fingerprint, BM25-only matcher)
        self._failure: str | None = None  # why the last background build failed

    def _current(self) -> Matcher | None:
        """The matcher if it is up to date (call with ``_lock`` held)."""
        if self._matcher is None or self._built_generation != self._generation:
            return None
        now = time.monotonic()
        if now - self._checked < self.check_every:
            return self._matcher
        self._checked = now
        return self._matcher if self._fingerprint() == self._built_for else None

    def get(
        self,
        *,
        stale_ok: bool = False,
        wait: float | None = None,
        progress: BuildProgress | None = None,
    ) -> Matcher:
        with self._lock:
            current = self._current()
            if current is not None:
                return current
            stale = self._matcher
        if wait is None and (stale is None or not stale_ok):
            return self._rebuild(progress)
        background = self.start()
        if stale_ok and stale is not None:
            return stale
        background.join(wait)
        with self._lock:
            current = self._current()
            stale = self._matcher
        if current is not None:
            return current
        return self._meanwhile(stale)

    def start(self, progress: BuildProgress | None = None) -> threading.Thread:
        """Build in a background thread unless one is building already (``disproof serve``
        starts one at start-up; ``progress`` hears of it). Returns the thread."""
        with self._lock:
            if self._background is None or not self._background.is_alive():
                self._watch = _Watch(progress)
                self._background = threading.Thread(
                    target=self._build_in_background,
                    name="disproof-matcher-build",
                    daemon=True,
                )
                self._background.start()
            return self._background

    def _build_in_background(self) -> None:
        try:
            self._rebuild(self._watch)
        except Exception as exc:  # the answers meanwhile say so; the next request tries again
            logger.exception("building the match index failed")
            self._failure = f"{type(exc).__name__}: {exc}"
        else:
            self._failure = None

    def _meanwhile(self, stale: Matcher | None) -> Matcher:
        """What answers while the index is built: the previous matcher, or BM25 alone."""
        done = progress_text(self._watch.done, self._watch.total)
        if stale is not None:
            return _noted(stale, STALE_NOTE.format(progress=done))
        if self._lexical_build is None:  # nothing to answer with: wait for the build
            return self._rebuild(None)
        failure = self._failure
        note = FAILED_NOTE.format(error=failure) if failure else LEXICAL_NOTE.format(progress=done)
        return _noted(self._lexical_matcher(), note)

    def _lexical_matcher(self) -> Matcher:
        assert self._lexical_build is not None
        with self._lexical_lock:
            fingerprint = self._fingerprint()
            if self._lexical is None or self._lexical[0] != fingerprint:
                self._lexical = (fingerprint, self._lexical_build())
            return self._lexical[1]

    def _rebuild(self, progress: BuildProgress | None) -> Matcher:
        with self._build_lock:
            with self._lock:  # another thread may have built it meanwhile
                current = self._current()
                if current is not None:
                    return current
                generation = self._generation  # a write during the build leaves it stale
            fingerprint = self._fingerprint()
            matcher = self._build(progress)
            with self._lock:
                self._matcher = matcher
                self._built_for, self._built_generation = fingerprint, generation
                self._checked = time.monotonic()
                self._lexical = None  # not needed any more
            return matcher

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background build to finish (tests, and orderly shutdown)."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def invalidate(self) -> None:
        """The cases changed: rebuild on the next ``get``."""
        with self._lock:
            self._generation += 1


def _noted(matcher: Matcher, note: str) -> Matcher:
    """``matcher`` with ``note`` first among its notes (a shallow copy: the index is shared)."""
    noted = copy.copy(matcher)
    noted.notes = [note, *matcher.notes]
    return noted
