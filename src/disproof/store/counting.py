"""Counting cases: facet counts (by term or year, optionally within a query's cases) and the
database-wide :class:`~disproof.models.Stats`."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from disproof.models import Facet, Stats
from disproof.store.schema import case_terms, cases


def term_facet(connection: Connection, kind: str, top: int, scope: Any = None) -> list[Facet]:
    """The ``top`` values of one term kind by number of cases; ``scope`` is an optional
    subquery of case primary keys to count within."""
    query = (
        sa.select(
            case_terms.c.value_key,
            sa.func.min(case_terms.c.value),
            sa.func.count(sa.distinct(case_terms.c.case_pk)).label("n"),
        )
        .where(case_terms.c.kind == kind)
        .group_by(case_terms.c.value_key)
        .order_by(sa.desc("n"), case_terms.c.value_key)
        .limit(top)
    )
    if scope is not None:
        query = query.where(case_terms.c.case_pk.in_(scope))
    return [Facet(value=value, count=n) for _, value, n in connection.execute(query)]


def year_facet(connection: Connection, top: int, scope: Any = None) -> list[Facet]:
    """Cases per year of their date, newest year first (undated cases are not counted)."""
    year = sa.extract("year", cases.c.date).label("year")
    query = (
        sa.select(year, sa.func.count())
        .where(cases.c.date.is_not(None))
        .group_by(year)
        .order_by(sa.desc(year))
        .limit(top)
    )
    if scope is not None:
        query = query.where(cases.c.pk.in_(scope))
    return [Facet(value=str(int(y)), count=n) for y, n in connection.execute(query)]


def stats(connection: Connection, top: int) -> Stats:
    total = connection.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(cases.c.appearance_count), 0))
    ).one()
    years: Counter[str] = Counter()
    for day, n in connection.execute(
        sa.select(cases.c.date, sa.func.count()).group_by(cases.c.date)
    ):
        years[str(day.year) if day else "undated"] += n
    datasets = connection.execute(
        sa.select(cases.c.dataset, sa.func.count()).group_by(cases.c.dataset)
    ).all()
    return Stats(
        cases=int(total[0]),
        appearances=int(total[1]),
        by_year=[Facet(value=y, count=n) for y, n in sorted(years.items())],
        by_keyword=term_facet(connection, "keyword", top),
        by_country=term_facet(connection, "country", top),
        by_language=term_facet(connection, "language", top),
        by_outlet=term_facet(connection, "outlet", top),
        by_dataset=sorted(
            (Facet(value=d or "unknown", count=n) for d, n in datasets),
            key=lambda f: -f.count,
        ),
    )
