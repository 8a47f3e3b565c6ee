"""Polling: read each due source, match every new item, record it with its sightings.

Exactly once across crashes and restarts: an item and its sightings are written in one
transaction, and a source's validators (ETag, Last-Modified) and next due time are written only
after all its new items are. A poll cut short (a crash, a kill) leaves the source due with its
old validators: the next poll reads it again and skips the items already recorded (by URL or
content hash). A source that fails is retried with exponential backoff and shown as failing;
its failure never stops the other sources.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from disproof.errors import DisproofError
from disproof.models import MatchResult
from disproof.sources import Fetched, FetchedItem, HttpFetcher, SourceError, read_source
from disproof.sources.articles import follow_links
from disproof.store.sightings import NewItem, SightingRecords
from disproof.store.sources import SourceRecords
from disproof.watch.models import WatchedSource

logger = logging.getLogger(__name__)

#: The longest wait before retrying a failing source.
MAX_BACKOFF = dt.timedelta(hours=6)
#: Matches kept per item (one sighting each).
TOP_K = 5
#: New items matched at a time (each is recorded in its own transaction either way). Measured
#: on 64 feed items with e5 under load 10 on 2 cores: the same CPU time one by one as in
#: batches of 32 (8.4–9.0 s against 8.2–8.3 s), but batches took 1.5–1.9× the wall time (the
#: encoder's threads wait on busy cores). So one at a time; the interface takes a list so a
#: machine with cores to spare can batch.
MATCH_BATCH = 1

#: Matches texts: one result per text, in order.
Match = Callable[[list[str]], list[MatchResult]]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff(interval: int, failures: int) -> dt.timedelta:
    """How long to wait after the ``failures``-th failure in a row: the interval, doubled
    each time, at most :data:`MAX_BACKOFF` (or the interval, if longer)."""
    delay = dt.timedelta(seconds=interval * 2 ** min(failures, 20))
    return min(delay, max(MAX_BACKOFF, dt.timedelta(seconds=interval)))


@dataclass
class PollReport:
    """What one poll of one source did."""

    source: str
    new_items: int = 0
    sightings: int = 0
    skipped: int = 0
    not_modified: bool = False
    error: str | None = None
    problems: list[str] = field(default_factory=list)


def to_new_item(item: FetchedItem, result: MatchResult) -> NewItem:
    matches = [
        (m.case_id, m.span.start, m.span.end, m.span.text[:5000], float(m.score), m.band)
        for m in result.matches
        if m.band in ("confirmed", "suggested")
    ]
    language = item.language or result.language
    return NewItem(item.url, item.content_hash, item.title, item.body, item.date, language, matches)


class Poller:
    """Polls the due sources of one database with one matcher and one HTTP client."""

    def __init__(
        self,
        sources: SourceRecords,
        records: SightingRecords,
        match: Match,
        fetcher: HttpFetcher | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.sources = sources
        self.records = records
        self.match = match
        self.fetcher = fetcher or HttpFetcher()
        self.clock = clock

    def poll_due(self, stop: threading.Event | None = None) -> list[PollReport]:
        """Poll every source due now, one after another; never raises for one source."""
        reports = []
        for pk, source in self.sources.due(self.clock()):
            if stop is not None and stop.is_set():
                break
            reports.append(self.poll(pk, source))
        return reports

    def poll(self, pk: int, source: WatchedSource) -> PollReport:
        report = PollReport(source.name)
        try:
            fetched = read_source(source, self.fetcher)
            report.problems = fetched.problems
            self._record(pk, source, fetched, report)
        except (SourceError, DisproofError) as exc:
            return self._failed(pk, source, report, str(exc))
        except Exception as exc:  # a bug or an odd input: that source fails, not the watcher
            logger.exception("polling source %r failed", source.name)
            return self._failed(pk, source, report, f"{type(exc).__name__}: {exc}")
        now = self.clock()
        next_due = now + dt.timedelta(seconds=source.interval_seconds)
        validators = (fetched.etag, fetched.last_modified)
        self.sources.succeeded(pk, now, next_due, validators, report.new_items)
        return report

    def _record(self, pk: int, source: WatchedSource, fetched: Fetched, report: PollReport) -> None:
        if fetched.not_modified:
            report.not_modified = True
            return
        items = _unique(fetched.items)
        urls = [i.url for i in items if i.url]
        seen_urls, seen_hashes = self.records.seen(pk, urls, [i.content_hash for i in items])
        fresh = [i for i in items if i.url not in seen_urls and i.content_hash not in seen_hashes]
        report.skipped += len(items) - len(fresh)
        if source.follow_links:
            fresh = follow_links(fresh, self.fetcher, report.problems)
        for start in range(0, len(fresh), MATCH_BATCH):
            batch = fresh[start : start + MATCH_BATCH]
            results = self.match([item.body for item in batch])
            for item, result in zip(batch, results, strict=True):
                new = to_new_item(item, result)
                if self.records.record(pk, new, self.clock()) is None:
                    report.skipped += 1  # recorded meanwhile (another watcher)
                    continue
                report.new_items += 1
                report.sightings += len(new.matches)

    def _failed(self, pk: int, source: WatchedSource, report: PollReport, error: str) -> PollReport:
        now = self.clock()
        self.sources.failed(
            pk, now, error, now + backoff(source.interval_seconds, source.failures + 1)
        )
        report.error = error
        logger.warning("source %r failed: %s", source.name, error)
        return report


def _unique(items: list[FetchedItem]) -> list[FetchedItem]:
    """Items without repeats within one read (by URL, then by content hash), first kept."""
    urls: set[str] = set()
    hashes: set[str] = set()
    out = []
    for item in items:
        if (item.url and item.url in urls) or item.content_hash in hashes:
            continue
        if item.url:
            urls.add(item.url)
        hashes.add(item.content_hash)
        out.append(item)
    return out
