"""A passage shortened for display: whitespace collapsed, cut at a word, with an ellipsis."""

from __future__ import annotations


def excerpt(text: str, limit: int = 300) -> str:
    """At most ``limit`` characters of ``text``, cut at a word, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
