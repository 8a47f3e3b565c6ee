"""The case vectors the semantic check reads: those the match index stored, never encoded here.

Inferred narratives are derived whenever a case is written, its terms recomputed, or its page
shown, so encoding its text there would put the encoder on every read. Instead the check reads
the vectors ``disproof index`` keeps in ``case_vectors`` (one per case field: title, claim
summary), and only those that are

* of the model the narratives' claim vectors were computed with (``ClaimVectors.model_id``:
  the default e5 encoder), and
* current: their text hash is that of the case's present title / summary, as the index computes
  it (``match.index.field_text`` with the model's document prefix).

A case without such vectors — no index yet, an index built with another encoder, a case created
or edited since the last ``disproof index`` — is decided by its keyword rules alone, and its
inferred narratives say so (``CaseNarrative.semantic`` is None). Every reader (case page, API,
``show``, scan summaries) and every writer of the derived narrative terms (case writes, the
index saving new vectors, the recompute on open) goes through this module, so facets, trends
and emerging alerts count what case pages show.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from disproof.match.index import FIELDS, field_text
from disproof.models import Case
from disproof.narratives.semantic import ClaimVectors, Matrix, builtin_claim_vectors
from disproof.store.corpus import CaseText, text_hash
from disproof.store.schema import case_vectors, cases


def expected_hashes(case: Case, claims: ClaimVectors) -> dict[str, str]:
    """Per field, the hash a current stored vector of the case has."""
    text = CaseText(0, case.id, case.title, case.summary, case.date, "")
    return {
        field: text_hash(f"{claims.document_prefix}\x1f{value}")
        for field in FIELDS
        if (value := field_text(text, field))
    }


def _matrix(
    case: Case, claims: ClaimVectors, rows: Iterable[tuple[str, str, bytes]]
) -> Matrix | None:
    wanted = expected_hashes(case, claims)
    found = [
        np.frombuffer(blob, dtype=np.float32)
        for field, digest, blob in rows
        if wanted.get(field) == digest
    ]
    return np.stack(found) if found else None


def _query(claims: ClaimVectors) -> sa.Select[str, str, bytes]:
    return sa.select(case_vectors.c.field, case_vectors.c.text_hash, case_vectors.c.vector).where(
        case_vectors.c.model == claims.model_id
    )


def fields_of_pk(connection: Connection, pk: int, case: Case) -> Matrix | None:
    """The current stored field vectors of the case stored under ``pk`` (None: none)."""
    claims = builtin_claim_vectors()
    if claims is None:
        return None
    rows = connection.execute(_query(claims).where(case_vectors.c.case_pk == pk))
    return _matrix(case, claims, rows)


def stored_fields(engine: Engine, case: Case) -> Matrix | None:
    """The current stored field vectors of a case, found by its id (for readers)."""
    claims = builtin_claim_vectors()
    if claims is None:
        return None
    query = _query(claims).join(cases, cases.c.pk == case_vectors.c.case_pk)
    with engine.connect() as connection:
        rows = connection.execute(query.where(cases.c.id == case.id)).all()
    return _matrix(case, claims, rows)


class AllFields:
    """The stored vectors of the claims' model of every case (or of ``pks``), read at once."""

    def __init__(self, connection: Connection, pks: list[int] | None = None) -> None:
        self.claims = builtin_claim_vectors()
        self.rows: dict[int, list[tuple[str, str, bytes]]] = {}
        if self.claims is None:
            return
        query = _query(self.claims).add_columns(case_vectors.c.case_pk)
        if pks is not None:
            query = query.where(case_vectors.c.case_pk.in_(pks))
        for field, digest, blob, pk in connection.execute(query):
            self.rows.setdefault(int(pk), []).append((field, digest, blob))

    def of(self, pk: int, case: Case) -> Matrix | None:
        if self.claims is None or pk not in self.rows:
            return None
        return _matrix(case, self.claims, self.rows[pk])
