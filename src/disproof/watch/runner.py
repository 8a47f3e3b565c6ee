"""The watch loop of ``disproof watch``: poll the due sources, sleep until the next is due."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from disproof.store.sources import SourceRecords
from disproof.watch.poll import Poller, PollReport

#: The longest sleep between two looks at the schedule (a source added meanwhile is noticed).
MAX_SLEEP = 60.0


def seconds_to_next(sources: SourceRecords, now: dt.datetime) -> float:
    """Seconds until the next source is due (:data:`MAX_SLEEP` at most; 0 when one is due)."""
    upcoming = [s.next_due_at for s in sources.all()]
    if not upcoming:
        return MAX_SLEEP
    return max(0.0, min(MAX_SLEEP, (min(upcoming) - now).total_seconds()))


def run(
    poller: Poller,
    report: Callable[[PollReport], None],
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    after: Callable[[], object] | None = None,
) -> None:
    """Poll until ``stop`` is set (or once). Each source's report goes to ``report``;
    ``after`` runs after each round (alerts: evaluate the rules, deliver the webhooks)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        for done in poller.poll_due(stop):
            report(done)
        if after is not None:
            after()
        if once:
            return
        stop.wait(seconds_to_next(poller.sources, poller.clock()))
