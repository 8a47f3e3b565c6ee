"""Searching and counting cases: full-text search with filters, facets and statistics.

:class:`CaseQueries` is the reading half of :class:`disproof.store.cases.CaseStore` (which
inherits it); it needs the store's ``engine``, ``fulltext`` and ``_to_case``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from disproof.errors import InvalidInput
from disproof.models import FACET_KINDS, Case, CaseQuery, Facet, SearchPage, Stats
from disproof.normalize import keyword_key, normalize_country, normalize_language
from disproof.store import counting, fulltext
from disproof.store.schema import case_terms, case_window, cases


class CaseQueries:
    engine: Engine
    is_sqlite: bool
    fulltext: fulltext.FullText

    @staticmethod
    def _to_case(row: sa.Row[Any]) -> Case:
        raise NotImplementedError

    # -- searching -------------------------------------------------------------------------------

    @staticmethod
    def _has_term(kind: str, key: str, *, substring: bool = False) -> Any:
        match = (
            case_terms.c.value_key.contains(key, autoescape=True)
            if substring
            else case_terms.c.value_key == key
        )
        return sa.exists().where(
            case_terms.c.case_pk == cases.c.pk, case_terms.c.kind == kind, match
        )

    def _filters(self, query: CaseQuery) -> list[Any]:
        conditions: list[Any] = []
        conditions += [self._has_term("keyword", keyword_key(k)) for k in query.keywords]
        conditions += [
            self._has_term("country", normalize_country(c).casefold()) for c in query.countries
        ]
        conditions += [
            self._has_term("language", normalize_language(lang).casefold())
            for lang in query.languages
        ]
        conditions += [
            self._has_term("outlet", keyword_key(o), substring=True) for o in query.outlets
        ]
        conditions += [self._has_term("narrative", n.casefold()) for n in query.narratives]
        return conditions + case_window(query.dataset, query.date_from, query.date_to)

    def _scope(self, query: CaseQuery) -> tuple[Any, list[Any], Any]:
        """The FROM clause, WHERE conditions and full-text rank (or None) of a query's cases."""
        conditions = self._filters(query)
        terms = fulltext.parse(query.text)
        if not terms:
            return cases, conditions, None
        match = self.fulltext.match(terms)
        return match.source, [*conditions, match.condition], match.rank

    def search(self, query: CaseQuery) -> SearchPage:
        source, conditions, rank = self._scope(query)
        order: list[Any] = [cases.c.date.desc().nulls_last(), cases.c.id]
        if rank is not None:
            order = [rank, *order]
        base = (
            sa.select(cases)
            .select_from(source)
            .where(*conditions)
            .order_by(*order)
            .limit(query.limit)
            .offset(query.offset)
        )
        count = sa.select(sa.func.count()).select_from(source).where(*conditions)
        with self.engine.connect() as connection:
            total = int(connection.execute(count).scalar_one())
            rows = connection.execute(base).all()
        return SearchPage(
            total=total, offset=query.offset, results=[self._to_case(r) for r in rows]
        )

    # -- counting --------------------------------------------------------------------------------

    def filter_ids(self, query: CaseQuery, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` whose cases the query selects (its filters and its text)."""
        source, conditions, _ = self._scope(query)
        found: set[str] = set()
        with self.engine.connect() as connection:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                select = sa.select(cases.c.id).select_from(source)
                found |= set(connection.scalars(select.where(*conditions, cases.c.id.in_(chunk))))
        return found

    def facets(self, kind: str, limit: int = 50, query: CaseQuery | None = None) -> list[Facet]:
        """Case counts per keyword, country, language, outlet, narrative (most cases first) or
        year (newest first; undated cases are not counted), over the cases ``query`` selects
        (all cases when None)."""
        if kind not in FACET_KINDS:
            raise InvalidInput(f"unknown facet {kind!r}; choose one of {', '.join(FACET_KINDS)}")
        scope = None
        if query is not None:
            source, conditions, _ = self._scope(query)
            if conditions:
                scope = sa.select(cases.c.pk).select_from(source).where(*conditions)
        with self.engine.connect() as connection:
            if kind == "year":
                return counting.year_facet(connection, limit, scope)
            return counting.term_facet(connection, kind, limit, scope)

    def term_values(self, kind: str) -> dict[str, str]:
        """Every stored value of one term kind: its lookup key → a spelling of it."""
        query = (
            sa.select(case_terms.c.value_key, sa.func.min(case_terms.c.value))
            .where(case_terms.c.kind == kind)
            .group_by(case_terms.c.value_key)
        )
        with self.engine.connect() as connection:
            return {key: value for key, value in connection.execute(query)}

    def stats(self, top: int = 15) -> Stats:
        with self.engine.connect() as connection:
            return counting.stats(connection, top)
