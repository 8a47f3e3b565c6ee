"""SightingRecords: the items read from watched sources, the sightings (an item repeating a
case) and the dismissals. An item and its sightings are written in one transaction: after a
crash an item is either recorded whole or not at all (and then read again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from disproof.errors import NotFound
from disproof.store.engine import begin_write
from disproof.store.schema import (
    case_terms,
    cases,
    dismissals,
    sightings,
    watch_items,
    watch_sources,
)
from disproof.store.times import utc
from disproof.watch.models import Sighting, SightingPage, SightingQuery, SightingSpan

#: Bands in queue order (confirmed first).
_BAND_RANK = sa.case((sightings.c.band == "confirmed", 0), else_=1)


@dataclass(frozen=True)
class NewItem:
    """An item to record, with what it repeats: (case id, start, end, span text, score, band)."""

    url: str | None
    content_hash: str
    title: str
    text: str
    date: dt.date | None
    language: str | None
    matches: Sequence[tuple[str, int, int, str, float, str]]


@dataclass(frozen=True)
class ItemRow:
    """What triage needs of a sighting's item and source."""

    sighting: Sighting
    content_hash: str


def observed_at(published: dt.date | None, recorded: dt.datetime) -> dt.datetime:
    """When an item counts as seen, for surge windows: the start of its publication day (UTC)
    when it was published before the day it is recorded — the backlog of a feed polled for
    the first time is not news of today — else the time it is recorded."""
    if published is None or published >= recorded.astimezone(dt.UTC).date():
        return recorded
    return dt.datetime.combine(published, dt.time(0), dt.UTC)


def sighting_of(row: sa.Row[Any]) -> Sighting:
    return Sighting(
        id=row.pk,
        case_id=row.case_id,
        case_title=row.case_title,
        score=row.score,
        band=row.band,
        span=SightingSpan(start=row.span_start, end=row.span_end, text=row.span_text),
        status=row.status,
        source=row.source,
        outlet=row.outlet,
        url=row.url,
        title=row.title,
        date=row.date,
        language=row.language,
        created_at=utc(row.created_at),
        decided_by=row.decided_by,
        decided_at=utc(row.decided_at),
    )


def sighting_select() -> sa.Select[Any]:
    return (
        sa.select(
            sightings,
            cases.c.title.label("case_title"),
            watch_sources.c.name.label("source"),
            watch_sources.c.outlet,
            watch_items.c.url,
            watch_items.c.title,
            watch_items.c.date,
            watch_items.c.language,
            watch_items.c.content_hash,
        )
        .join(watch_items, watch_items.c.pk == sightings.c.item_pk)
        .join(watch_sources, watch_sources.c.pk == watch_items.c.source_pk)
        .outerjoin(cases, cases.c.id == sightings.c.case_id)
    )


class SightingRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- watching --------------------------------------------------------------------------------

    def seen(
        self, source_pk: int, urls: Iterable[str], hashes: Iterable[str]
    ) -> tuple[set[str], set[str]]:
        """Which of ``urls`` and ``hashes`` the source's stored items have already."""
        url_list, hash_list = list(urls), list(hashes)
        item = watch_items.c
        found_urls: set[str] = set()
        found_hashes: set[str] = set()
        with self.engine.connect() as connection:
            for start in range(0, max(len(url_list), len(hash_list)), 500):
                urls_part, hashes_part = (
                    url_list[start : start + 500],
                    hash_list[start : start + 500],
                )
                rows = connection.execute(
                    sa.select(item.url, item.content_hash).where(
                        item.source_pk == source_pk,
                        sa.or_(item.url.in_(urls_part), item.content_hash.in_(hashes_part)),
                    )
                )
                for url, content_hash in rows:
                    found_urls.add(url)
                    found_hashes.add(content_hash)
        return found_urls, found_hashes

    def record(self, source_pk: int, item: NewItem, now: dt.datetime) -> int | None:
        """Record an item and its sightings in one transaction; None (nothing written) when the
        source has it already (by URL or content hash). Sightings of a pair dismissed before
        are recorded as dismissed."""
        with begin_write(self.engine) as connection:
            if self._exists(connection, source_pk, item):
                return None
            inserted = connection.execute(
                sa.insert(watch_items).values(
                    source_pk=source_pk,
                    url=item.url,
                    content_hash=item.content_hash,
                    title=item.title,
                    text=item.text,
                    date=item.date,
                    language=item.language,
                    fetched_at=now,
                )
            )
            item_pk = int(inserted.inserted_primary_key[0])  # type: ignore[index]
            dismissed = self._dismissed(connection, item, [m[0] for m in item.matches])
            rows = [
                {
                    "item_pk": item_pk,
                    "case_id": case_id,
                    "span_start": start,
                    "span_end": end,
                    "span_text": text,
                    "score": score,
                    "band": band,
                    "status": "dismissed" if case_id in dismissed else "new",
                    "created_at": now,
                    "observed_at": observed_at(item.date, now),
                }
                for case_id, start, end, text, score, band in item.matches
            ]
            if rows:
                connection.execute(sa.insert(sightings), rows)
        return int(item_pk)

    @staticmethod
    def _exists(connection: Connection, source_pk: int, item: NewItem) -> bool:
        same = watch_items.c.content_hash == item.content_hash
        if item.url is not None:
            same = sa.or_(same, watch_items.c.url == item.url)
        query = sa.select(watch_items.c.pk).where(watch_items.c.source_pk == source_pk, same)
        return connection.execute(query.limit(1)).first() is not None

    @staticmethod
    def _dismissed(connection: Connection, item: NewItem, case_ids: list[str]) -> set[str]:
        if not case_ids:
            return set()
        same = dismissals.c.content_hash == item.content_hash
        if item.url is not None:
            same = sa.or_(same, dismissals.c.url == item.url)
        query = sa.select(dismissals.c.case_id).where(same, dismissals.c.case_id.in_(case_ids))
        return set(connection.execute(query).scalars())

    def counts(self) -> dict[str, int]:
        """Items stored and sightings per status."""
        with self.engine.connect() as connection:
            items = connection.execute(
                sa.select(sa.func.count()).select_from(watch_items)
            ).scalar_one()
            by_status = connection.execute(
                sa.select(sightings.c.status, sa.func.count()).group_by(sightings.c.status)
            ).all()
        return {"items": int(items)} | {status: int(n) for status, n in by_status}

    # -- triage ----------------------------------------------------------------------------------

    def page(self, query: SightingQuery) -> SightingPage:
        """Sightings ``query`` selects: confirmed first, then suggested; newest first within."""
        conditions = self._conditions(query)
        select = sighting_select().where(*conditions)
        total_query = (
            sa.select(sa.func.count())
            .select_from(sightings.join(watch_items).join(watch_sources))
            .where(*conditions)
        )
        ordered = select.order_by(_BAND_RANK, sightings.c.created_at.desc(), sightings.c.pk.desc())
        with self.engine.connect() as connection:
            total = connection.execute(total_query).scalar_one()
            rows = connection.execute(ordered.limit(query.limit).offset(query.offset)).all()
        return SightingPage(
            total=int(total), offset=query.offset, results=[sighting_of(r) for r in rows]
        )

    @staticmethod
    def _conditions(query: SightingQuery) -> list[sa.ColumnElement[bool]]:
        out: list[sa.ColumnElement[bool]] = []
        if query.status:
            out.append(sightings.c.status == query.status)
        if query.band:
            out.append(sightings.c.band == query.band)
        if query.source:
            out.append(watch_sources.c.name == query.source)
        if query.language:
            out.append(watch_items.c.language == query.language)
        if query.case_id:
            out.append(sightings.c.case_id == query.case_id)
        if query.narrative:
            narrative_cases = (
                sa.select(cases.c.id)
                .join(case_terms, case_terms.c.case_pk == cases.c.pk)
                .where(
                    case_terms.c.kind == "narrative",
                    case_terms.c.value_key == query.narrative.casefold(),
                )
            )
            out.append(sightings.c.case_id.in_(narrative_cases))
        return out

    def get(self, pk: int) -> ItemRow:
        if not 0 < pk < 2**63:  # no row id is out of 64 bits (the drivers refuse to send one)
            raise NotFound(f"no sighting {pk}")
        with self.engine.connect() as connection:
            row = connection.execute(sighting_select().where(sightings.c.pk == pk)).first()
        if row is None:
            raise NotFound(f"no sighting {pk}")
        return ItemRow(sighting_of(row), row.content_hash)

    def decide(self, pk: int, status: str, author: str, now: dt.datetime) -> Sighting:
        """Set a sighting's status; a dismissal is also remembered by the item's content hash
        and URL, so the same item never comes back for that case."""
        found = self.get(pk)
        with begin_write(self.engine) as connection:
            connection.execute(
                sa.update(sightings)
                .where(sightings.c.pk == pk)
                .values(status=status, decided_by=author, decided_at=now)
            )
            if status == "dismissed":
                connection.execute(
                    sa.insert(dismissals).values(
                        case_id=found.sighting.case_id,
                        content_hash=found.content_hash,
                        url=found.sighting.url,
                        author=author,
                        at=now,
                    )
                )
        return self.get(pk).sighting
