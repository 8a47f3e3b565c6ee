"""The watcher as a background thread of ``disproof serve --watch`` (off by default): the same
loop as ``disproof watch``, stopped when the server stops. A failure of one round is logged and
the loop goes on at the next."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from disproof.watch.runner import run

if TYPE_CHECKING:
    from disproof.service import Disproof
    from disproof.watch.poll import PollReport

logger = logging.getLogger(__name__)


def _report(report: PollReport) -> None:
    if report.error:
        logger.warning("source %s failed: %s", report.source, report.error)
    elif report.new_items:
        logger.info(
            "source %s: %d new items, %d sightings",
            report.source,
            report.new_items,
            report.sightings,
        )


def start(service: Disproof) -> tuple[threading.Thread, threading.Event]:
    """Start watching in a daemon thread; set the returned event to stop it."""
    from disproof.sources import HttpFetcher
    from disproof.watch.service import Monitoring

    stop = threading.Event()
    monitoring = Monitoring(service)

    def loop() -> None:
        fetcher = HttpFetcher()
        engine = monitoring.alert_engine()
        try:
            while not stop.is_set():
                try:
                    run(monitoring.poller(fetcher), _report, stop=stop, after=engine.run_once)
                except Exception:  # a database hiccup, say: log it, wait, go on
                    logger.exception("the background watcher failed; retrying in a minute")
                    stop.wait(60)
        finally:
            fetcher.close()

    thread = threading.Thread(target=loop, name="disproof-watch", daemon=True)
    thread.start()
    return thread, stop
