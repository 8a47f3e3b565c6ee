"""The shared matcher of a service: built once, reused until the cases change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from disproof.match.matcher import Matcher


class MatcherCache:
    """One built matcher, reused until the cases change (building one takes seconds).

    ``invalidate`` marks it stale at once (the service calls it on every write); changes made
    by another process (an import from the command line) are noticed by comparing the store's
    fingerprint, at most once every ``check_every`` seconds.

    ``get()`` always answers with a current matcher, building one if needed (one build at a
    time). ``get(stale_ok=True)`` is for advisory uses (related cases on a case page, duplicate
    warnings in the editor): while the cases changed it answers at once with the matcher it has
    and rebuilds in a background thread, so a busy editing desk does not make every page view
    wait for a rebuild. A stale matcher leaves out cases deleted since it was built.
    """

    def __init__(
        self, build: Callable[[], Matcher], fingerprint: Callable[[], str], check_every: float = 1.0
    ) -> None:
        self._build = build
        self._fingerprint = fingerprint
        self.check_every = check_every
        self._lock = threading.Lock()  # guards the fields below, never held during a build
        self._build_lock = threading.Lock()  # one build at a time
        self._matcher: Matcher | None = None
        self._built_for = ""  # the fingerprint the matcher was built from
        self._checked = 0.0
        self._generation = 0  # counts invalidations
        self._built_generation = -1
        self._background: threading.Thread | None = None

    def _current(self) -> Matcher | None:
        """The matcher if it is up to date (call with ``_lock`` held)."""
        if self._matcher is None or self._built_generation != self._generation:
            return None
        now = time.monotonic()
        if now - self._checked < self.check_every:
            return self._matcher
        self._checked = now
        return self._matcher if self._fingerprint() == self._built_for else None

    def get(self, *, stale_ok: bool = False) -> Matcher:
        with self._lock:
            current = self._current()
            if current is not None:
                return current
            if stale_ok and self._matcher is not None:
                if self._background is None or not self._background.is_alive():
                    self._background = threading.Thread(
                        target=self._rebuild, name="disproof-matcher-rebuild", daemon=True
                    )
                    self._background.start()
                return self._matcher
        return self._rebuild()

    def _rebuild(self) -> Matcher:
        with self._build_lock:
            with self._lock:  # another thread may have built it meanwhile
                current = self._current()
                if current is not None:
                    return current
                generation = self._generation  # a write during the build leaves it stale
            fingerprint = self._fingerprint()
            matcher = self._build()
            with self._lock:
                self._matcher = matcher
                self._built_for, self._built_generation = fingerprint, generation
                self._checked = time.monotonic()
            return matcher

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background rebuild to finish (tests, and orderly shutdown)."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def invalidate(self) -> None:
        """The cases changed: rebuild on the next ``get``."""
        with self._lock:
            self._generation += 1
