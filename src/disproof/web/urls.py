"""URLs the pages build: case links (ids may themselves be URLs), search links, safe targets.

Case ids can hold slashes, colons, ``?``, ``#``, ``%`` and spaces; :func:`case_path` quotes
them so the id survives the round trip through a browser and the ``{case_id:path}`` route.
Untrusted URLs (evidence, appearances) only become ``href`` when :func:`web_url` accepts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode, urlsplit

from starlette.requests import Request

from disproof.links import http_url

# Characters kept as they are in a case id inside a path: the readable parts of a URL-shaped id.
_PATH_SAFE = "/:@!$&'()*+,;=~"


def quote_case_id(case_id: str) -> str:
    """``case_id`` as a path part. Slashes stay readable unless a segment is ``.`` or ``..``
    (browsers would collapse it), in which case they are quoted as ``%2F`` too."""
    segments = case_id.split("/")
    safe = _PATH_SAFE if not any(s in (".", "..") for s in segments) else ":@"
    return quote(case_id, safe=safe)


def root_path(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def case_path(request: Request, case_id: str, action: str = "") -> str:
    """The page of a case (``action="edit"`` for its editor), as a path from the site root."""
    path = f"{root_path(request)}/cases/{quote_case_id(case_id)}"
    return f"{path}/{action}" if action else path


def page_path(
    request: Request, name: str, params: Mapping[str, str | Iterable[str]] | None = None
) -> str:
    """The path of the named web route, with an optional query string."""
    path = request.app.url_path_for(name)
    url = f"{root_path(request)}{path}"
    return f"{url}?{query_string(params)}" if params else url


def query_string(params: Mapping[str, str | Iterable[str]]) -> str:
    """A query string; list values repeat the key; empty values are left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = [value] if isinstance(value, str) else list(value)
        pairs += [(key, v) for v in values if v]
    return urlencode(pairs)


def web_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL (fit for an ``href``), else None."""
    return http_url(value)


def local_path(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path on this site (for ``next`` after sign-in), else ``default``.

    Refuses anything a browser could resolve to another host: a scheme, ``//host``, a
    backslash (``/\\host``), control characters or whitespace (browsers strip tabs and newlines).
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return default
    if value.startswith("//") or "\\" in value or any(ord(c) < 33 or ord(c) == 127 for c in value):
        return default
    try:
        parts = urlsplit(value)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return value
