"""Which links are safe to publish: case text is hostile, so only absolute http(s) URLs pass."""

from __future__ import annotations

from urllib.parse import urlsplit


def http_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL without spaces or control characters (fit
    for an ``href`` or a JSON-LD ``url``), else None — ``javascript:``, ``data:`` and relative
    links never pass."""
    if not value or any(ord(c) < 33 for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value
    return None
