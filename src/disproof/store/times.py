"""Timestamps read back from the database: stored as UTC, returned aware (SQLite forgets the
zone, PostgreSQL keeps it)."""

from __future__ import annotations

import datetime as dt
from typing import overload


@overload
def utc(value: dt.datetime) -> dt.datetime: ...
@overload
def utc(value: None) -> None: ...
@overload
def utc(value: dt.datetime | None) -> dt.datetime | None: ...


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` as an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
