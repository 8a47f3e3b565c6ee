"""A limit on failed attempts per client, for the sign-in form.

:class:`FailureLimiter` remembers, per key (the client's IP address), when its recent failures
happened; once ``max_failures`` fall within ``window`` seconds, that key must wait until the
oldest of them is ``window`` seconds old. Other keys are not affected, and a success does not
clear the count (interleaving good and bad attempts must not reset it).

The memory is in-process: it limits one ``disproof serve`` process, is forgotten on restart, and
is not shared between several workers (each would allow ``max_failures`` on its own). The key is
the address of the direct peer, or the client a trusted proxy names (``X-Forwarded-For`` is
believed only from ``DISPROOF_TRUSTED_PROXIES``; without that setting, every client behind a
reverse proxy shares the proxy's address).
At most ``max_keys`` keys are kept; beyond that the longest-idle ones are forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["FailureLimiter"]


class FailureLimiter:
    """At most ``max_failures`` failures per key in any ``window`` seconds (see the module)."""

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if max_failures < 1 or window <= 0 or max_keys < 1:
            raise ValueError("max_failures, window and max_keys must be positive")
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        """The key's failures within the window (older ones dropped); None when there are none."""
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str) -> int | None:
        """Whole seconds ``key`` must wait before its next attempt, or None if it may try now."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            if times is None or len(times) < self.max_failures:
                return None
            return max(1, math.ceil(times[-self.max_failures] + self.window - now))

    def failed(self, key: str) -> None:
        """Record a failed attempt by ``key``."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            if times is None:
                self._forget_idle(now)
                times = self._failures[key] = deque(maxlen=self.max_failures)
            else:  # most recently active last, so the longest-idle keys come first
                self._failures[key] = self._failures.pop(key)
            times.append(now)

    def _forget_idle(self, now: float) -> None:
        """Make room for one more key: drop expired keys, then the longest-idle ones."""
        if len(self._failures) < self.max_keys:
            return
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= self.max_keys:
            del self._failures[next(iter(self._failures))]
