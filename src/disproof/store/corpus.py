"""What matching needs from the store: case texts in bulk, and case vectors per model.

Vectors are derived data kept in ``case_vectors``: one row per case, model and field, with the
hash of the text it was computed from, so a changed case is re-encoded and nothing else is.
Each batch is committed on its own, so an interrupted encoding run resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy import Engine

from disproof.store.changes import ChangedCases, Position, changed_since, current, position
from disproof.store.derived import refresh_narratives_of
from disproof.store.engine import begin_write, insert_or_keep, snapshot
from disproof.store.schema import case_terms, case_vectors, cases


@dataclass(frozen=True, slots=True)
class AppearanceText:
    """The text of one appearance of a case (a quote as published), with where it appeared:
    ``position`` is its place among the case's appearances."""

    position: int
    text: str
    outlet: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class CaseText:
    """The parts of a case that matching reads (no full validation: this is the hot path)."""

    pk: int
    id: str
    title: str
    summary: str
    date: dt.date | None
    content_hash: str
    #: The texts of its appearances that have one (most cases: none).
    appearances: tuple[AppearanceText, ...] = ()


def appearance_texts(doc: Any) -> tuple[AppearanceText, ...]:
    """The appearance texts of a stored case document (anything malformed is skipped: the
    document was validated when it was written)."""
    items = doc.get("appearances") if isinstance(doc, dict) else None
    out = []
    for place, item in enumerate(items if isinstance(items, list) else []):
        text = item.get("text") if isinstance(item, dict) else None
        if isinstance(text, str) and text.strip():
            outlet, language = item.get("outlet"), item.get("language")
            out.append(
                AppearanceText(
                    place,
                    text,
                    outlet if isinstance(outlet, str) else None,
                    language if isinstance(language, str) else None,
                )
            )
    return tuple(out)


def _maybe_appearance_texts() -> sa.ColumnElement[Any]:
    """The case document, only where it may hold an appearance text (its JSON has a key
    ``"text"``; a string value cannot spell that, its quotes are escaped): most cases have none,
    and their documents are not read."""
    return sa.case((sa.cast(cases.c.doc, sa.Text).like('%"text"%'), cases.c.doc), else_=None)


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """What a match shows of a case."""

    id: str
    title: str
    summary: str
    date: dt.date | None
    outlets: list[str]
    has_disproof: bool = True


@dataclass(frozen=True, slots=True)
class StoredVector:
    text_hash: str
    vector: npt.NDArray[np.float32]


@dataclass(frozen=True)
class CorpusState:
    """Which cases there are and what they hold: primary keys ascending, a 64-bit digest of
    each case's content hash, and the store's fingerprint (as :meth:`CorpusStore.fingerprint`,
    read before them: the state may be newer than it says, never older)."""

    pks: npt.NDArray[np.int64]
    digests: npt.NDArray[np.bytes_]
    fingerprint: str
    #: Rows of ``pks`` whose case is gone (ascending): a state laid over a match index's own
    #: rows (``match.update.state_after``) keeps a deleted case's row as a tombstone. None:
    #: every key is a case.
    dead: npt.NDArray[np.int64] | None = None

    @property
    def cases(self) -> int:
        """How many cases: the keys less the tombstones."""
        return len(self.pks) - (0 if self.dead is None else len(self.dead))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_digests(content_hashes: list[str]) -> npt.NDArray[np.bytes_]:
    """64 bits of each case's content hash (a SHA-256 in hex): its first 16 characters, as
    ``S16`` (anything not ASCII is hashed again first)."""
    try:
        return np.array(content_hashes, dtype="S16")
    except UnicodeEncodeError:
        return np.array(
            [hashlib.blake2b(h.encode(), digest_size=8).hexdigest() for h in content_hashes],
            dtype="S16",
        )


def _case_text(row: Any) -> CaseText:
    pk, case_id, title, summary, date, content, doc = row
    texts = appearance_texts(doc) if doc is not None else ()
    return CaseText(pk, case_id, title, summary, date, content, texts)


#: Primary keys per ``IN (…)`` list (well under SQLite's limit on bound parameters).
CHUNK = 900


class CorpusStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def case_texts(self, pks: Iterable[int] | None = None) -> list[CaseText]:
        """Every case's matchable text (or only the given cases'), ordered by primary key."""
        query = sa.select(
            cases.c.pk,
            cases.c.id,
            cases.c.title,
            cases.c.summary,
            cases.c.date,
            cases.c.content_hash,
            _maybe_appearance_texts(),
        ).order_by(cases.c.pk)
        with self.engine.connect() as connection:
            if pks is None:
                return [_case_text(row) for row in connection.execute(query)]
            wanted = sorted(set(pks))
            found = [
                _case_text(row)
                for start in range(0, len(wanted), CHUNK)
                for row in connection.execute(
                    query.where(cases.c.pk.in_(wanted[start : start + CHUNK]))
                )
            ]
            return found

    def state(self) -> CorpusState:
        """The primary keys and content digests of every case, read in one snapshot after the
        change log's position: what an index update compares with what it holds when the log
        cannot say what changed (``store.changes``)."""
        query = sa.select(cases.c.pk, cases.c.content_hash).order_by(cases.c.pk)
        with snapshot(self.engine) as connection:
            where = position(connection)
            rows = connection.execute(query).all()
        hashes = [content for _, content in rows]
        return CorpusState(
            np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows)),
            content_digests(hashes),
            str(where),
        )

    def fingerprint(self) -> str:
        """Changes whenever any case is added, changed or removed: the change log's position
        (one indexed lookup, whatever the number of cases)."""
        return str(current(self.engine))

    def content_fingerprint(self) -> str:
        """A digest of every case's key and content hash: the same for two databases holding
        the same cases (for caches keyed by content; reads every case)."""
        query = sa.select(cases.c.pk, cases.c.content_hash).order_by(cases.c.pk)
        digest = hashlib.sha256()
        with self.engine.connect() as connection:
            for pk, content in connection.execute(query):
                digest.update(f"{pk}:{content};".encode())
        return digest.hexdigest()

    def changed_since(self, fingerprint: str, limit: int) -> ChangedCases | None:
        """The cases changed since the state ``fingerprint`` names (``store.changes``); None
        when the log cannot vouch for it, or more than ``limit`` changed."""
        since = Position.parse(fingerprint)
        return None if since is None else changed_since(self.engine, since, limit)

    def details(self, pks: Iterable[int]) -> dict[int, CaseDetail]:
        """Title, summary, date and outlets of the given cases (by primary key)."""
        wanted = list(pks)
        outlets = self.outlets(wanted)
        has_disproof = sa.func.length(sa.func.trim(cases.c.disproof)) > 0
        query = sa.select(
            cases.c.pk, cases.c.id, cases.c.title, cases.c.summary, cases.c.date, has_disproof
        ).where(cases.c.pk.in_(wanted))
        with self.engine.connect() as connection:
            return {
                pk: CaseDetail(case_id, title, summary, date, outlets.get(pk, []), bool(disproof))
                for pk, case_id, title, summary, date, disproof in connection.execute(query)
            }

    def outlets(self, pks: Iterable[int]) -> dict[int, list[str]]:
        """Outlet names per case, in appearance order."""
        wanted = list(pks)
        out: dict[int, list[str]] = {pk: [] for pk in wanted}
        query = (
            sa.select(case_terms.c.case_pk, case_terms.c.value)
            .where(case_terms.c.kind == "outlet", case_terms.c.case_pk.in_(wanted))
            .order_by(case_terms.c.case_pk, case_terms.c.position)
        )
        with self.engine.connect() as connection:
            for pk, value in connection.execute(query):
                out[pk].append(value)
        return out

    def vectors(
        self, model: str, pks: Iterable[int] | None = None
    ) -> dict[tuple[int, str], StoredVector]:
        """All stored vectors of a model (or only the given cases'): (case pk, field) → hash
        and vector."""
        query = sa.select(
            case_vectors.c.case_pk,
            case_vectors.c.field,
            case_vectors.c.text_hash,
            case_vectors.c.vector,
        ).where(case_vectors.c.model == model)
        wanted = None if pks is None else sorted(set(pks))
        queries = (
            [query]
            if wanted is None
            else [
                query.where(case_vectors.c.case_pk.in_(wanted[start : start + CHUNK]))
                for start in range(0, len(wanted), CHUNK)
            ]
        )
        out: dict[tuple[int, str], StoredVector] = {}
        with self.engine.connect() as connection:
            for each in queries:
                for pk, field, digest, blob in connection.execute(each):
                    out[(pk, field)] = StoredVector(digest, np.frombuffer(blob, dtype=np.float32))
        return out

    def drop_vectors(self, model: str, keys: list[tuple[int, str]]) -> None:
        """Delete the stored vectors of some (case pk, field) keys of a model."""
        with begin_write(self.engine) as connection:
            _delete_vectors(connection, model, keys)

    def save_vectors(
        self, model: str, rows: list[tuple[int, str, str, npt.NDArray[np.float32]]]
    ) -> None:
        """Store (case pk, field, text hash, vector) rows in one transaction (upsert).

        Rows of cases deleted meanwhile (encoding takes a while; a server keeps taking edits)
        are dropped: the transaction holds the write lock (SQLite) or ``FOR KEY SHARE`` locks
        of the cases (elsewhere) while it looks which cases still exist.
        """
        if not rows:
            return
        keys = [(pk, field) for pk, field, _, _ in rows]
        with begin_write(self.engine) as connection:
            _delete_vectors(connection, model, keys)
            wanted = sorted({pk for pk, _ in keys})
            alive = set(
                connection.scalars(
                    sa.select(cases.c.pk)
                    .where(cases.c.pk.in_(wanted))
                    .with_for_update(key_share=True)
                )
            )
            kept = [row for row in rows if row[0] in alive]
            if not kept:
                return
            # another worker may have stored the same vector meanwhile (both encoded a new
            # case): keep its row; a row of an older text is re-encoded by its text hash
            connection.execute(
                insert_or_keep(case_vectors, connection.dialect.name),
                [
                    {
                        "case_pk": pk,
                        "model": model,
                        "field": field,
                        "text_hash": digest,
                        "dim": int(vector.shape[0]),
                        "vector": np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
                    }
                    for pk, field, digest, vector in kept
                ],
            )
            # the semantic check of inferred narratives reads these vectors: recount them
            refresh_narratives_of(connection, sorted({row[0] for row in kept}), model)


def _delete_vectors(connection: sa.Connection, model: str, keys: list[tuple[int, str]]) -> None:
    """Delete the stored vectors of some (case pk, field) keys of a model."""
    for pk, field in keys:
        connection.execute(
            sa.delete(case_vectors).where(
                case_vectors.c.case_pk == pk,
                case_vectors.c.model == model,
                case_vectors.c.field == field,
            )
        )
