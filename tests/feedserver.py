"""A real threaded HTTP server on 127.0.0.1 serving the feeds the tests write (started once per
test session by the ``feed_server`` fixture of conftest.py): well-behaved feeds with ETags, and
hostile ones — endless redirects, a server that never finishes, an oversized body."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait between two bytes of the body (a slow server)
    trickle: float = 0.0
    #: a redirect to this same path with a counter appended, forever
    endless_redirect: bool = False


class FeedServer:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.routes: dict[str, Route] = {}
        #: (path, request headers) of every request, in order
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, body: bytes | str = b"", **options: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **options)  # type: ignore[arg-type]
        return self.base + path

    def seen(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [h for p, h in self.requests if p == path]


class _Handler(BaseHTTPRequestHandler):
    server_version = "feedserver"
    feeds: FeedServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        with self.feeds.lock:
            self.feeds.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.feeds.routes.get(path)
        if route is None:
            self.send_error(404)
            return
        if route.endless_redirect:
            self.send_response(302)
            self.send_header("Location", f"{path}?hop={time.monotonic_ns()}")
            self.end_headers()
            return
        etag = route.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if not route.trickle:
            self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        try:
            if route.trickle:
                for byte in route.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(route.trickle)
            else:
                self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    feeds = FeedServer(server)
    handler.feeds = feeds  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        server.shutdown()
        server.server_close()


def rss(*items: tuple[str, str, str], language: str = "en", encoding: str = "utf-8") -> str:
    """An RSS 2.0 document of (title, link, description) items."""
    from xml.sax.saxutils import escape

    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<description>{escape(d)}</description>"
        "<pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate></item>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>Test feed</title><language>{language}</language>{entries}</channel></rss>"
    )
