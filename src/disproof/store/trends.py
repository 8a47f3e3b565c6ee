"""What trends and emerging-narrative alerts need from the store: case counts per period bucket
and term, window totals, and the recent cases no narrative covers.

Period buckets are computed in SQL from ``cases.date``: on SQLite with ``strftime`` (month
``YYYY-MM``) and ``date(d, 'weekday 0', '-6 days')`` (the Monday starting the week,
``YYYY-MM-DD``). Other dialects group by day in SQL and bucket the (few) day rows in Python, with
the same labels. Undated cases are never counted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from disproof.store.schema import case_terms, case_window, cases

Period = Literal["week", "month"]


def bucket_label(day: dt.date, period: Period) -> str:
    """The label of the period holding ``day``: ``YYYY-MM`` or the week's Monday ``YYYY-MM-DD``."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return (day - dt.timedelta(days=day.weekday())).isoformat()


@dataclass(frozen=True, slots=True)
class CaseScope:
    """Which cases are counted: an optional dataset and an inclusive date range; optionally only
    the cases of one narrative (its id, case-folded) or of an outlet (a part of its key)."""

    dataset: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    narrative: str | None = None
    outlet: str | None = None

    def conditions(self) -> list[Any]:
        out = [cases.c.date.is_not(None), *case_window(self.dataset, self.date_from, self.date_to)]
        if self.narrative:
            out.append(_has_term("narrative", self.narrative, substring=False))
        if self.outlet:
            out.append(_has_term("outlet", self.outlet, substring=True))
        return out


def _has_term(kind: str, key: str, *, substring: bool) -> Any:
    """Whether the case has a term of ``kind`` with ``key`` (or containing it). On an alias of
    ``case_terms``, so that it stays a subquery in queries that join ``case_terms`` too."""
    terms = case_terms.alias(f"scope_{kind}")
    match = (
        terms.c.value_key.contains(key, autoescape=True) if substring else terms.c.value_key == key
    )
    return sa.exists().where(terms.c.case_pk == cases.c.pk, terms.c.kind == kind, match)


@dataclass(frozen=True, slots=True)
class TermTotal:
    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Distinct cases carrying a term in the recent and in the baseline window."""

    key: str
    label: str
    recent: int
    baseline: int


@dataclass(frozen=True, slots=True)
class UnlabelledCase:
    """A case without any narrative, with its keyword keys and their spellings."""

    id: str
    title: str
    date: dt.date | None
    keywords: tuple[str, ...]
    keyword_labels: tuple[str, ...]


class TrendStore:
    """Aggregate queries over ``cases`` and ``case_terms`` (read only)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"

    def _kind_is(self, kind: str) -> Any:
        """``case_terms.kind = kind``; on SQLite written so that the (kind, value_key) index is
        not used: for a whole kind it makes SQLite read ``case_terms`` rows in random order
        (3-10x slower than scanning the table, or walking the cases of a date range)."""
        if self.is_sqlite:
            return case_terms.c.kind.concat("") == kind
        return case_terms.c.kind == kind

    def _bucket(self, period: Period) -> Any:
        if period == "month":
            return sa.func.strftime("%Y-%m", cases.c.date)
        return sa.func.date(cases.c.date, "weekday 0", "-6 days")

    def _grouped(
        self, connection: Connection, period: Period, columns: Sequence[Any], query: Any
    ) -> list[tuple[Any, ...]]:
        """Rows ``(bucket, *columns, count)``: bucketed in SQL on SQLite, else by day in SQL and
        summed into buckets here. ``query`` is a select of ``count`` with its FROM and WHERE."""
        if self.is_sqlite:
            bucket = self._bucket(period).label("bucket")
            rows = connection.execute(
                query.add_columns(bucket, *columns).group_by(bucket, *columns)
            ).all()
            return [(r[1], *r[2:], int(r[0])) for r in rows]
        rows = connection.execute(
            query.add_columns(cases.c.date, *columns).group_by(cases.c.date, *columns)
        ).all()
        summed: dict[tuple[Any, ...], int] = defaultdict(int)
        for row in rows:
            summed[(bucket_label(row[1], period), *row[2:])] += int(row[0])
        return [(*key, n) for key, n in summed.items()]

    def period_totals(self, scope: CaseScope, period: Period) -> dict[str, int]:
        """Cases per period bucket (every case in scope, whatever its terms)."""
        query = sa.select(sa.func.count()).select_from(cases).where(*scope.conditions())
        with self.engine.connect() as connection:
            return {b: n for b, n in self._grouped(connection, period, [], query)}

    def count_cases(self, scope: CaseScope) -> int:
        """Dated cases in scope."""
        query = sa.select(sa.func.count()).select_from(cases).where(*scope.conditions())
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def top_terms(self, kind: str, scope: CaseScope, top: int) -> list[TermTotal]:
        """The ``top`` values of a term kind by number of cases in scope (ties by key)."""
        n = sa.func.count(sa.distinct(case_terms.c.case_pk)).label("n")
        query = (
            sa.select(case_terms.c.value_key, sa.func.min(case_terms.c.value), n)
            .select_from(case_terms.join(cases, cases.c.pk == case_terms.c.case_pk))
            .where(self._kind_is(kind), *scope.conditions())
            .group_by(case_terms.c.value_key)
            .order_by(sa.desc(n), case_terms.c.value_key)
            .limit(top)
        )
        with self.engine.connect() as connection:
            return [TermTotal(k, v, int(c)) for k, v, c in connection.execute(query)]

    def term_counts(
        self, kind: str, keys: Sequence[str], scope: CaseScope, period: Period
    ) -> dict[tuple[str, str], int]:
        """(bucket, value key) → cases in scope carrying that term, for the given keys."""
        if not keys:
            return {}
        query = (
            sa.select(sa.func.count(sa.distinct(case_terms.c.case_pk)))
            .select_from(case_terms.join(cases, cases.c.pk == case_terms.c.case_pk))
            .where(
                case_terms.c.kind == kind,
                case_terms.c.value_key.in_(list(keys)),
                *scope.conditions(),
            )
        )
        with self.engine.connect() as connection:
            rows = self._grouped(connection, period, [case_terms.c.value_key], query)
        return {(b, k): n for b, k, n in rows}

    def window_counts(
        self,
        kind: str,
        baseline_from: dt.date,
        since: dt.date,
        until: dt.date | None,
        dataset: str | None = None,
    ) -> tuple[list[WindowCounts], int, int]:
        """Per term: distinct cases in the recent window ``[since, until]`` and the baseline
        window ``[baseline_from, since)``; plus the total cases of each window."""
        scope = CaseScope(dataset, baseline_from, until)
        recent = cases.c.date >= since
        per_window = [
            sa.func.count(sa.distinct(sa.case((recent, case_terms.c.case_pk)))),
            sa.func.count(sa.distinct(sa.case((~recent, case_terms.c.case_pk)))),
        ]
        query = (
            sa.select(case_terms.c.value_key, sa.func.min(case_terms.c.value), *per_window)
            .select_from(case_terms.join(cases, cases.c.pk == case_terms.c.case_pk))
            .where(self._kind_is(kind), *scope.conditions())
            .group_by(case_terms.c.value_key)
        )
        totals = sa.select(
            sa.func.count(sa.case((recent, cases.c.pk))),
            sa.func.count(sa.case((~recent, cases.c.pk))),
        ).where(*scope.conditions())
        with self.engine.connect() as connection:
            rows = [WindowCounts(k, v, int(r), int(b)) for k, v, r, b in connection.execute(query)]
            recent_total, baseline_total = connection.execute(totals).one()
        return rows, int(recent_total), int(baseline_total)

    def unlabelled_cases(
        self, since: dt.date, until: dt.date | None, dataset: str | None, limit: int
    ) -> tuple[list[UnlabelledCase], int]:
        """The newest ``limit`` cases of ``[since, until]`` that have no narrative, with their
        keywords; and how many such cases there are in all."""
        has_narrative = sa.exists().where(
            case_terms.c.case_pk == cases.c.pk, case_terms.c.kind == "narrative"
        )
        conditions = [*CaseScope(dataset, since, until).conditions(), ~has_narrative]
        count = sa.select(sa.func.count()).select_from(cases).where(*conditions)
        chosen = (
            sa.select(cases.c.pk, cases.c.id, cases.c.title, cases.c.summary, cases.c.date)
            .where(*conditions)
            .order_by(cases.c.date.desc(), cases.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            total = int(connection.execute(count).scalar_one())
            rows = connection.execute(chosen).all()
            words: dict[int, list[tuple[str, str]]] = defaultdict(list)
            pks = [r.pk for r in rows]
            for start in range(0, len(pks), 500):
                terms = sa.select(
                    case_terms.c.case_pk, case_terms.c.value_key, case_terms.c.value
                ).where(
                    case_terms.c.kind == "keyword",
                    case_terms.c.case_pk.in_(pks[start : start + 500]),
                )
                for pk, key, value in connection.execute(terms.order_by(case_terms.c.position)):
                    words[pk].append((key, value))
        out = [
            UnlabelledCase(
                id=r.id,
                title=r.title or r.summary[:200],
                date=r.date,
                keywords=tuple(k for k, _ in words[r.pk]),
                keyword_labels=tuple(v for _, v in words[r.pk]),
            )
            for r in rows
        ]
        return out, total
