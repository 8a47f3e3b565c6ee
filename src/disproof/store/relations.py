"""What finding related cases needs from the store: cases by title or page link, the cases whose
disproof cites a case, and the cases sharing (rare) keywords and narratives with one."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from disproof.related.mining import normalize_url
from disproof.store import fulltext
from disproof.store.schema import case_terms, cases

_WORD = re.compile(r"[^\W_]+")  # letters and digits (full-text search ignores the rest)
#: A title shorter than this (words) is too common a phrase to look for in other disproofs.
CITED_TITLE_MIN_WORDS = 4
#: The term kinds two cases can share.
SHARED_KINDS = ("keyword", "narrative")


@dataclass
class SharedTerms:
    """The keywords and narratives another case shares with one case, and their weight."""

    case_id: str
    keywords: list[str] = field(default_factory=list)
    narratives: list[str] = field(default_factory=list)
    #: Σ idf of the shared terms / Σ idf of the case's own terms (0–1).
    overlap: float = 0.0


class RelationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.fulltext = fulltext.for_engine(engine)

    def ids_by_title(self, titles: Iterable[str]) -> dict[str, str]:
        """Title (as given) → id of a case with exactly that title, ignoring case (as the
        database's ``lower()`` folds it: ASCII letters on SQLite, all letters on PostgreSQL)."""
        given = list(dict.fromkeys(titles))
        out: dict[str, str] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(given), 200):
                chunk = given[start : start + 200]
                keys = connection.execute(
                    sa.select(*[sa.func.lower(sa.literal(t.strip(), sa.Text)) for t in chunk])
                ).one()
                wanted: dict[str, list[str]] = {}
                for key, title in zip(keys, chunk, strict=True):
                    wanted.setdefault(key, []).append(title)
                query = (
                    sa.select(sa.func.lower(cases.c.title), cases.c.id)
                    .where(sa.func.lower(cases.c.title).in_(list(wanted)))
                    .order_by(cases.c.date, cases.c.pk)
                )
                for key, case_id in connection.execute(query):
                    for title in wanted.get(key, []):
                        out.setdefault(title, case_id)
        return out

    def ids_by_url(self, urls: Iterable[str]) -> dict[str, str]:
        """Link (as given) → id of the case whose id is that page (http/https, www, slash)."""
        variants: dict[str, str] = {}
        for url in urls:
            key = normalize_url(url)
            if not key or "/" not in key:
                continue
            for scheme in ("https://", "http://", "https://www.", "http://www."):
                for tail in ("/", ""):
                    variants[scheme + key + tail] = url
        if not variants:
            return {}
        out: dict[str, str] = {}
        with self.engine.connect() as connection:
            names = list(variants)
            for start in range(0, len(names), 400):
                query = sa.select(cases.c.id).where(cases.c.id.in_(names[start : start + 400]))
                for (case_id,) in connection.execute(query):
                    out.setdefault(variants[case_id], case_id)
        return out

    def citing(self, case_id: str, title: str, limit: int = 20) -> list[str]:
        """Ids of other cases whose disproof names this case's title or links its page."""
        conditions: list[sa.ColumnElement[bool]] = []
        words = _WORD.findall(title)
        if len(words) >= CITED_TITLE_MIN_WORDS:
            conditions.append(self.fulltext.disproof_phrase(words))
        page = normalize_url(case_id)
        if "/" in page and len(page.rsplit("/", 1)[-1]) >= 8:
            escaped = page.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(cases.c.disproof.ilike(f"%{escaped}%", escape="\\"))
        if not conditions:
            return []
        query = (
            sa.select(cases.c.id)
            .where(sa.or_(*conditions), cases.c.id != case_id)
            .order_by(cases.c.date.desc(), cases.c.pk)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [row.id for row in connection.execute(query)]

    def sharing_terms(self, case_id: str, limit: int | None = None) -> list[SharedTerms]:
        """The cases sharing the most (idf-weighted) keywords and narratives with a case."""
        with self.engine.connect() as connection:
            pk = connection.execute(sa.select(cases.c.pk).where(cases.c.id == case_id)).scalar()
            if pk is None:
                return []
            total = connection.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()
            mine = [
                (kind, key, value)
                for kind, key, value in connection.execute(
                    sa.select(case_terms.c.kind, case_terms.c.value_key, case_terms.c.value).where(
                        case_terms.c.case_pk == pk, case_terms.c.kind.in_(SHARED_KINDS)
                    )
                )
            ]
            if not mine:
                return []
            pairs = sa.or_(
                *[
                    sa.and_(case_terms.c.kind == kind, case_terms.c.value_key == key)
                    for kind, key, _ in mine
                ]
            )
            frequency = (
                sa.select(
                    case_terms.c.kind,
                    case_terms.c.value_key,
                    sa.func.count(sa.distinct(case_terms.c.case_pk)),
                )
                .where(pairs)
                .group_by(case_terms.c.kind, case_terms.c.value_key)
            )
            idf = {
                (kind, key): math.log((1 + total) / (1 + df)) + 1e-6
                for kind, key, df in connection.execute(frequency)
            }
            weight_of_mine = sum(idf.values())
            query = (
                sa.select(cases.c.id, case_terms.c.kind, case_terms.c.value_key, case_terms.c.value)
                .join(cases, cases.c.pk == case_terms.c.case_pk)
                .where(pairs, case_terms.c.case_pk != pk)
            )
            shared: dict[str, SharedTerms] = {}
            for other_id, kind, key, value in connection.execute(query):
                item = shared.setdefault(other_id, SharedTerms(other_id))
                (item.keywords if kind == "keyword" else item.narratives).append(value)
                item.overlap += idf.get((kind, key), 0.0) / weight_of_mine
        ranked = sorted(shared.values(), key=lambda s: (-s.overlap, s.case_id))
        return ranked if limit is None else ranked[:limit]
