"""Sources of items to watch: RSS/Atom feeds (over HTTP or from files), Telegram Desktop
exports, JSONL drops and folders of .txt/.html files (see docs/monitoring.md)."""

from disproof.sources.http import HttpFetcher, HttpLimits
from disproof.sources.items import Fetched, FetchedItem, SourceError
from disproof.sources.reading import read_source

__all__ = ["Fetched", "FetchedItem", "HttpFetcher", "HttpLimits", "SourceError", "read_source"]
