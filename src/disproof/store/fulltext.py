"""Full-text search on either database, behind one interface.

A search text is read as terms (:func:`parse`): words, all of which must occur; a ``"quoted
phrase"`` whose words must occur in that order; a trailing ``*`` makes the (last) word a prefix
(``vacc*``). Only runs of letters and digits ever reach the database, each written out by this
module in the database's own query syntax, so no user text is ever query syntax.

- SQLite: the FTS5 table ``cases_fts`` (title, summary, disproof; migration 0001), ranked by
  ``bm25`` with the field weights 10, 3 and 1.
- PostgreSQL: the generated ``tsvector`` column ``cases.search`` (migration 0008: title
  weighted A, summary B, disproof C, in the language-neutral configuration ``disproof_text``,
  ``simple`` + ``unaccent``, as FTS5's ``unicode61 remove_diacritics`` tokenizer is), searched
  through a GIN index and ranked by ``ts_rank`` with the same 10 : 3 : 1 weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from disproof.errors import StoreError
from disproof.store.schema import cases

_WORD = re.compile(r"[^\W_]+")  # letters and digits: never query syntax
_TERM = re.compile(r'"(?P<phrase>[^"]*)(?:"|$)|(?P<word>[^\W_]+)(?P<star>\*)?')

#: The PostgreSQL text search configuration of migration 0008.
PG_CONFIG = "disproof_text"
#: ``ts_rank`` weights of the D, C, B and A labels: disproof 1, summary 3, title 10 (as bm25's).
PG_WEIGHTS = "{0.0, 0.1, 0.3, 1.0}"


@dataclass(frozen=True)
class Term:
    """Words that must occur in this order (one word: anywhere); ``prefix``: the last one may
    be the start of a longer word."""

    words: tuple[str, ...]
    prefix: bool = False


def parse(text: str) -> list[Term]:
    """The terms of a search text (punctuation other than quotes and ``*`` separates words)."""
    terms: list[Term] = []
    for found in _TERM.finditer(text):
        if found["phrase"] is not None:
            words = tuple(_WORD.findall(found["phrase"]))
            prefix = found["phrase"].rstrip().endswith("*")
        else:
            words, prefix = (found["word"],), found["star"] is not None
        if words:
            terms.append(Term(words, prefix))
    return terms


@dataclass(frozen=True)
class Match:
    """What a search adds to a query of ``cases``: the FROM clause, the condition, and the
    ranking expression (best first when ordered ascending)."""

    source: Any
    condition: Any
    rank: Any


class FullText:
    """The full-text search of one database (see :func:`for_engine`)."""

    def match(self, terms: list[Term]) -> Match:
        raise NotImplementedError

    def disproof_phrase(self, words: list[str]) -> Any:
        """A condition on ``cases``: the disproof contains these words in this order."""
        raise NotImplementedError


_fts = sa.table("cases_fts", sa.column("rowid"))


class SqliteFts5(FullText):
    @staticmethod
    def _quoted(words: tuple[str, ...] | list[str]) -> str:
        return '"' + " ".join(w.replace('"', '""') for w in words) + '"'

    def match(self, terms: list[Term]) -> Match:
        query = " ".join(self._quoted(t.words) + (" *" if t.prefix else "") for t in terms)
        condition = sa.text("cases_fts MATCH :match").bindparams(match=query)
        rank = sa.func.bm25(sa.literal_column("cases_fts"), 10.0, 3.0, 1.0)
        return Match(cases.join(_fts, _fts.c.rowid == cases.c.pk), condition, rank)

    def disproof_phrase(self, words: list[str]) -> Any:
        phrase = "disproof : " + self._quoted(words)
        fts = sa.text("SELECT rowid FROM cases_fts WHERE cases_fts MATCH :m").bindparams(m=phrase)
        return cases.c.pk.in_(fts.columns(sa.column("rowid", sa.Integer)))


_search: sa.ColumnElement[Any] = sa.literal_column("cases.search")


class PostgresTsearch(FullText):
    @staticmethod
    def _tsquery(terms: list[Term], label: str = "") -> Any:
        """``to_tsquery`` of the terms: ``(a <-> b) & c:*``, each word run through the
        configuration (case and accents folded) like the indexed text."""
        parts = []
        for term in terms:
            words = [w + ":" + label if label else w for w in term.words]
            if term.prefix:
                words[-1] = term.words[-1] + ":*" + label
            parts.append("(" + " <-> ".join(words) + ")")
        return sa.func.to_tsquery(sa.literal_column(f"'{PG_CONFIG}'"), " & ".join(parts))

    def match(self, terms: list[Term]) -> Match:
        query = self._tsquery(terms)
        condition = _search.op("@@")(query)
        weights: sa.ColumnElement[Any] = sa.literal_column(f"'{PG_WEIGHTS}'::float4[]")
        rank = -sa.func.ts_rank(weights, _search, query)
        return Match(cases, condition, rank)

    def disproof_phrase(self, words: list[str]) -> Any:
        query = self._tsquery([Term(tuple(words))], label="C")
        return _search.op("@@")(query)


def for_engine(engine: Engine) -> FullText:
    """The full-text search of ``engine``'s database (SQLite or PostgreSQL)."""
    name = engine.dialect.name
    if name == "sqlite":
        return SqliteFts5()
    if name == "postgresql":
        return PostgresTsearch()
    raise StoreError(f"disproof stores cases in SQLite or PostgreSQL, not in {name}")
