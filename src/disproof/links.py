"""Which links are safe to publish: case text is hostile, so only absolute http(s) URLs pass."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Spaces and control characters (code points below 33), which no published link may hold.
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20]")


def http_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL without spaces or control characters (fit
    for an ``href`` or a JSON-LD ``url``), else None — ``javascript:``, ``data:`` and relative
    links never pass."""
    if not value or _SPACE_OR_CONTROL.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value
    return None


def public_base_url(value: str) -> str:
    """``value`` as the public address of a disproof site (``https://host[/prefix]``, without a
    trailing slash), for links such as ``{base}/cases/{id}``; ValueError says what is wrong."""
    base = value.strip().rstrip("/")
    if http_url(base) is None:
        raise ValueError(
            f"{value!r} is not an absolute http(s) address (e.g. https://disproof.example)"
        )
    parts = urlsplit(base)
    if parts.query or parts.fragment or base.endswith(("?", "#")):
        raise ValueError(f"{value!r} has a query or fragment; give the site's address only")
    return base
