"""Reading one source, whatever its kind: :func:`read_source` → :class:`Fetched`."""

from __future__ import annotations

from pathlib import Path

from disproof.sources import files
from disproof.sources.feeds import parse_feed
from disproof.sources.http import HttpFetcher
from disproof.sources.items import Fetched, SourceError
from disproof.watch.models import WatchedSource


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _read_feed(source: WatchedSource, fetcher: HttpFetcher) -> Fetched:
    if _is_url(source.location):
        response = fetcher.get(source.location, source.etag, source.last_modified)
        if response.not_modified:
            return Fetched(etag=source.etag, last_modified=source.last_modified, not_modified=True)
        items, problems = parse_feed(response.body, source.language)
        return Fetched(items, response.etag, response.last_modified, problems=problems)
    path = Path(source.location)
    validator = files.stamp(path)
    if validator == source.etag:
        return Fetched(etag=validator, not_modified=True)
    items, problems = parse_feed(files.read_bytes(path), source.language)
    return Fetched(items, validator, problems=problems)


def _read_local(source: WatchedSource) -> Fetched:
    path = Path(source.location).expanduser()
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    validator = files.stamp(path)
    if validator == source.etag:
        return Fetched(etag=validator, not_modified=True)
    if source.kind == "telegram":
        items, problems = files.read_telegram(path, source.language, source.outlet)
    elif source.kind == "jsonl":
        items, problems = files.read_jsonl(path, source.language)
    else:
        items, problems = files.read_folder(path, source.language)
    return Fetched(items, validator, problems=problems)


def read_source(source: WatchedSource, fetcher: HttpFetcher) -> Fetched:
    """The items of ``source`` now (or ``not_modified``); :class:`SourceError` says why not."""
    if source.kind in ("rss", "atom"):
        return _read_feed(source, fetcher)
    if _is_url(source.location):
        raise SourceError(f"a {source.kind} source is a local file or folder, not a URL")
    return _read_local(source)
