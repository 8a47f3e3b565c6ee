"""Deterministic case ids for records that carry no identity of their own."""

from __future__ import annotations

import hashlib

from disproof.normalize import keyword_key


def derived_id(prefix: str, *parts: str | None) -> str:
    """``prefix-<16 hex>`` from the parts, insensitive to case, accents and spacing.

    The same inputs always give the same id, so importing a file twice changes nothing.
    """
    key = "\x1f".join(keyword_key(part or "") for part in parts)
    # surrogatepass: a lone surrogate (from a JSON escape) must not crash the derivation; the
    # record is then refused by validation, with its row and field
    return f"{prefix}-{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
