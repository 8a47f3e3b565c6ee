"""Derived terms kept in step with the code that derives them.

A case's narrative terms include the narratives its keyword rules imply under the shipped taxonomy
(``disproof.narratives.mapping``). When that mapping changes — a new taxonomy version, or a
database written before narratives were derived — the stored terms are recomputed once, in one
transaction, the next time the database is opened; ``store_meta`` remembers the fingerprint of
the mapping they were computed with.
"""

from __future__ import annotations

import hashlib
import json
import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from disproof.models import Case
from disproof.narratives.mapping import KeywordMapping, builtin_mapping, case_narratives
from disproof.store.engine import begin_write
from disproof.store.schema import case_terms, cases, store_meta

logger = logging.getLogger(__name__)

MAPPING_KEY = "narrative_mapping"
BATCH = 500


def mapping_fingerprint(mapping: KeywordMapping) -> str:
    """A digest of what decides derived narratives: keyword rules and id → parent."""
    content = json.dumps(mapping.fingerprint_content(), ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def _narrative_rows(pk: int, case: Case) -> list[dict[str, object]]:
    return [
        {
            "case_pk": pk,
            "kind": "narrative",
            "position": i,
            "value": n.id,
            "value_key": n.id.casefold(),
        }
        for i, n in enumerate(case_narratives(case))
    ]


def _recompute(connection: Connection) -> int:
    connection.execute(sa.delete(case_terms).where(case_terms.c.kind == "narrative"))
    done = 0
    last = 0
    while True:
        rows = connection.execute(
            sa.select(cases.c.pk, cases.c.doc)
            .where(cases.c.pk > last)
            .order_by(cases.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return done
        terms = [t for pk, doc in rows for t in _narrative_rows(pk, Case.model_validate(doc))]
        if terms:
            connection.execute(sa.insert(case_terms), terms)
        done += len(rows)
        last = rows[-1].pk


def refresh_derived_terms(engine: Engine) -> bool:
    """Recompute the derived narrative terms if the mapping changed; True when it did."""
    wanted = mapping_fingerprint(builtin_mapping())
    with engine.connect() as connection:
        stored = connection.execute(
            sa.select(store_meta.c.value).where(store_meta.c.key == MAPPING_KEY)
        ).scalar()
    if stored == wanted:
        return False
    with begin_write(engine) as connection:
        # another process may have done it meanwhile: check again inside the write
        again = connection.execute(
            sa.select(store_meta.c.value).where(store_meta.c.key == MAPPING_KEY)
        ).scalar()
        if again == wanted:
            return False
        count = _recompute(connection)
        connection.execute(sa.delete(store_meta).where(store_meta.c.key == MAPPING_KEY))
        connection.execute(sa.insert(store_meta).values(key=MAPPING_KEY, value=wanted))
    if count:
        logger.info("recomputed the narratives of %d cases for the current taxonomy", count)
    return True
