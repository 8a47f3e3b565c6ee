"""Period arithmetic: labels of weeks (their Monday, ``YYYY-MM-DD``) and months (``YYYY-MM``)."""

from __future__ import annotations

import datetime as dt

from disproof.errors import InvalidInput
from disproof.store.trends import Period, bucket_label

__all__ = [
    "EARLIEST",
    "LATEST",
    "bucket_label",
    "check_date",
    "label_start",
    "labels_between",
    "period_start",
    "shift",
]

#: The dates trends and emerging terms accept: far enough inside the calendar (years 1 to
#: 9999) that a period after the last one, or a baseline of 520 periods before the first, can
#: still be computed ("year 10000 is out of range" was a 500 and a traceback).
EARLIEST = dt.date(1000, 1, 1)
LATEST = dt.date(9998, 12, 31)


def check_date(value: dt.date | None, name: str) -> dt.date | None:
    """``value`` if it is between :data:`EARLIEST` and :data:`LATEST` (or None); otherwise
    :class:`InvalidInput` naming the field (``name``)."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise InvalidInput(
            f"{name} {value.isoformat()} is out of range: dates from {EARLIEST.isoformat()} "
            f"to {LATEST.isoformat()} are supported"
        )
    return value


def period_start(day: dt.date, period: Period) -> dt.date:
    """The first day of the period holding ``day``."""
    if period == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def shift(start: dt.date, period: Period, n: int) -> dt.date:
    """The start of the period ``n`` periods after (``n`` < 0: before) the one starting at
    ``start``."""
    start = period_start(start, period)
    if period == "week":
        return start + dt.timedelta(weeks=n)
    months = start.year * 12 + start.month - 1 + n
    return dt.date(months // 12, months % 12 + 1, 1)


def label_start(label: str, period: Period) -> dt.date:
    """The first day of the period a label names."""
    return dt.date.fromisoformat(label + "-01" if period == "month" else label)


def labels_between(first: str, last: str, period: Period) -> list[str]:
    """Every period label from ``first`` to ``last`` inclusive (gaps filled)."""
    start, end = label_start(first, period), label_start(last, period)
    out: list[str] = []
    while start <= end:
        out.append(bucket_label(start, period))
        start = shift(start, period, 1)
    return out
