"""Fetching over HTTP, politely and defensively.

One :class:`HttpFetcher` per watcher: a connection timeout and a read timeout, a whole-response
deadline (a server that trickles a byte at a time is cut off), a size limit checked while the
body streams in (and against ``Content-Length`` before), redirects followed by hand up to a
limit (and only to http/https), conditional GET with ``If-None-Match``/``If-Modified-Since``,
and a minimum delay between two requests to the same host.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from disproof import __version__
from disproof.sources.items import SourceError

USER_AGENT = f"disproof/{__version__} (source monitoring)"


@dataclass(frozen=True)
class HttpLimits:
    timeout: float = 10.0  # seconds to connect, and between two reads
    deadline: float = 30.0  # seconds for a whole response
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    host_delay: float = 1.0  # seconds between two requests to one host


@dataclass(frozen=True)
class HttpResponse:
    url: str  # after redirects
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


def _check_scheme(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"not an http(s) URL: {url[:200]!r}")
    return parts.hostname.lower()


class HttpFetcher:
    """GET requests with the limits of :class:`HttpLimits`; every failure is a
    :class:`SourceError` that says what happened."""

    def __init__(self, limits: HttpLimits | None = None) -> None:
        self.limits = limits or HttpLimits()
        timeout = httpx.Timeout(self.limits.timeout)
        self.client = httpx.Client(
            follow_redirects=False, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _wait_turn(self, host: str) -> None:
        """Sleep until ``host`` was last asked at least ``host_delay`` seconds ago."""
        with self._lock:
            now = time.monotonic()
            ready = self._last.get(host, 0.0) + self.limits.host_delay
            self._last[host] = max(now, ready)
        if ready > now:
            time.sleep(ready - now)

    def get(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> HttpResponse:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(self.limits.max_redirects + 1):
            host = _check_scheme(url)
            self._wait_turn(host)
            try:
                response = self._get_once(url, headers)
            except httpx.TimeoutException:
                raise SourceError(f"timed out after {self.limits.timeout:g} s: {url}") from None
            except httpx.HTTPError as exc:
                raise SourceError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from None
            if isinstance(response, str):  # a redirect: where to
                url, headers = response, {}
                continue
            return response
        raise SourceError(f"more than {self.limits.max_redirects} redirects, last to {url}")

    def _get_once(self, url: str, headers: dict[str, str]) -> HttpResponse | str:
        with self.client.stream("GET", url, headers=headers) as response:
            meta = (response.headers.get("etag"), response.headers.get("last-modified"))
            if response.status_code == 304:
                return HttpResponse(url, b"", "", *meta, not_modified=True)
            if response.is_redirect:
                location = response.headers.get("location", "")
                if not location:
                    raise SourceError(f"a redirect without a Location from {url}")
                return str(urljoin(url, location))
            if response.status_code >= 400:
                raise SourceError(f"HTTP {response.status_code} from {url}")
            body = self._body(response, url)
            content_type = response.headers.get("content-type", "")
            return HttpResponse(url, body, content_type, *meta)

    def _body(self, response: httpx.Response, url: str) -> bytes:
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise SourceError(f"{url} is {int(declared):,} bytes, over the {limit:,}-byte limit")
        started = time.monotonic()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise SourceError(f"{url} is over the {limit:,}-byte limit")
            if time.monotonic() - started > self.limits.deadline:
                raise SourceError(f"{url} took over {self.limits.deadline:g} s to send")
            chunks.append(chunk)
        return b"".join(chunks)
