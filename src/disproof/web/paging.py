"""Page numbers for a paged list: which pages to link, and their URLs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None for a gap ("…")
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    first: int  # 1-based number of the first item shown
    last: int
    previous: str | None
    next: str | None
    links: list[PageLink]


def pager(total: int, page: int, size: int, url_for_page: Callable[[int], str]) -> Pager:
    """The pager for ``total`` items, ``size`` per page, on ``page`` (1-based)."""
    pages = max(1, -(-total // size))
    shown = {1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}
    links: list[PageLink] = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            links.append(PageLink(None))
        links.append(PageLink(number, url_for_page(number), number == page))
        previous = number
    first = (page - 1) * size + 1 if total else 0
    return Pager(
        page=page,
        pages=pages,
        total=total,
        first=min(first, total),
        last=min(page * size, total),
        previous=url_for_page(page - 1) if page > 1 else None,
        next=url_for_page(page + 1) if page < pages else None,
        links=links,
    )
