"""Bounded work per request: text limits by role, a per-client budget for expensive requests
and a turn in a small pool of worker threads for the work itself.

Matching a text, building a report and counting trends cost seconds of CPU; reading a case costs
milliseconds. So that one client cannot hold the server:

- a text is at most ``max_text_anonymous`` characters without a token, ``max_text_signed_in``
  with one (:func:`text_limit`);
- each client (its token's name when signed in, else its address) has a token bucket of
  ``budget_burst`` units refilled at ``budget_per_minute``; a request costs
  :func:`text_cost` units, and an empty bucket answers 429 with ``Retry-After``
  (:class:`~disproof.errors.TooManyRequests`);
- the work runs in worker threads, at most ``expensive_workers`` at once, so the event loop
  keeps answering reads; when ``expensive_queue`` requests already wait for a turn, the next
  one is answered 503 with ``Retry-After`` at once (:class:`~disproof.errors.Overloaded`).

Like the sign-in limiter, the budget lives in one process and is forgotten on restart.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar, cast

import anyio
import anyio.to_thread
from starlette.requests import Request

from disproof.api.deps import current_principal, get_settings
from disproof.errors import InvalidInput, Overloaded, TooManyRequests
from disproof.settings import Settings

__all__ = ["Expensive", "TokenBucket", "check_text", "run_expensive", "text_cost", "text_limit"]

T = TypeVar("T")

#: Characters of text that cost one more unit of the budget.
CHARS_PER_UNIT = 1_000
#: ``Retry-After`` (seconds) when every worker is busy and the queue is full.
OVERLOADED_RETRY_AFTER = 5


class TokenBucket:
    """Per key, ``capacity`` units refilled continuously at ``per_second``; a request takes its
    cost or is told how long to wait. At most ``max_keys`` keys are kept (full buckets are
    forgotten first, then the longest-idle ones)."""

    def __init__(
        self,
        capacity: float,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if capacity <= 0 or per_second <= 0 or max_keys < 1:
            raise ValueError("capacity, per_second and max_keys must be positive")
        self.capacity = capacity
        self.per_second = per_second
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (units, when)
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        units, when = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, units + (now - when) * self.per_second)

    def take(self, key: str, cost: float) -> int | None:
        """Take ``cost`` units (at most the capacity) from ``key``'s bucket: None when taken,
        else the whole seconds to wait until there are enough (nothing is taken then)."""
        cost = min(max(cost, 0.0), self.capacity)
        with self._lock:
            now = self._clock()
            level = self._level(key, now)
            if level < cost:
                return max(1, math.ceil((cost - level) / self.per_second))
            self._buckets.pop(key, None)  # most recently used last
            self._forget(now)
            self._buckets[key] = (level - cost, now)
            return None

    def _forget(self, now: float) -> None:
        if len(self._buckets) < self.max_keys:
            return
        for key in [k for k in self._buckets if self._level(k, now) >= self.capacity]:
            del self._buckets[key]
        while len(self._buckets) >= self.max_keys:
            del self._buckets[next(iter(self._buckets))]


@dataclass
class Expensive:
    """An app's budget and worker pool for expensive requests (``app.state.expensive``)."""

    bucket: TokenBucket
    workers: anyio.CapacityLimiter
    queue: int
    waiting: int = field(default=0)

    @classmethod
    def from_settings(cls, settings: Settings) -> Expensive:
        bucket = TokenBucket(settings.budget_burst, settings.budget_per_minute / 60.0)
        workers = anyio.CapacityLimiter(settings.expensive_workers)
        return cls(bucket, workers, settings.expensive_queue)


def _expensive(request: Request) -> Expensive:
    state = request.app.state
    if not hasattr(state, "expensive"):
        state.expensive = Expensive.from_settings(get_settings(request))
    return cast(Expensive, state.expensive)


def client_key(request: Request) -> str:
    """Whose budget a request spends: its token's name when signed in, else its address (the
    proxy's, unless the proxy is trusted: see ``DISPROOF_TRUSTED_PROXIES``)."""
    principal = current_principal(request)
    if principal is not None:
        return f"token:{principal.name}"
    return f"address:{request.client.host if request.client else 'unknown'}"


def text_limit(request: Request) -> int:
    """The longest text this request may send: smaller without a token."""
    settings = get_settings(request)
    if current_principal(request) is None:
        return settings.max_text_anonymous
    return settings.max_text_signed_in


def check_text(request: Request, text: str, loc: tuple[str, ...] = ("body", "text")) -> None:
    """Refuse (422, naming the limit) a text longer than :func:`text_limit`."""
    limit = text_limit(request)
    if len(text) > limit:
        who = "without a token" if current_principal(request) is None else "with a token"
        message = f"String should have at most {limit} characters ({who})"
        problem: dict[str, object] = {"loc": list(loc), "msg": message, "type": "string_too_long"}
        raise InvalidInput(message, [problem])


def text_cost(text: str) -> float:
    """Budget units of a request about ``text``: 1, plus 1 per 1,000 characters (matching
    costs roughly in proportion to the text: ~0.7 s of CPU per 1,000 characters of article)."""
    return 1.0 + len(text) // CHARS_PER_UNIT


async def run_expensive(
    request: Request, cost: float, function: Callable[..., T], *args: object
) -> T:
    """Charge ``cost`` to the client's budget, then run ``function(*args)`` in a worker thread
    when one is free (see the module docstring for the 429 and 503 answers)."""
    expensive = _expensive(request)
    wait = expensive.bucket.take(client_key(request), cost)
    if wait is not None:
        raise TooManyRequests(wait)
    if expensive.waiting >= expensive.queue + expensive.workers.total_tokens:
        raise Overloaded(OVERLOADED_RETRY_AFTER)
    expensive.waiting += 1
    try:
        return await anyio.to_thread.run_sync(partial(function, *args), limiter=expensive.workers)
    finally:
        expensive.waiting -= 1
