"""Derived terms kept in step with the code that derives them.

A case's narrative terms include the narratives its keyword rules imply under the shipped taxonomy
(``disproof.narratives.mapping``). When that mapping changes — a new taxonomy version, or a
database written before narratives were derived — the stored terms are recomputed once, in one
transaction, the next time the database is opened; ``store_meta`` remembers the fingerprint of
the mapping they were computed with.

Computing that fingerprint means analysing the taxonomy's definitions (stemming ~800 words in
pure Python: a tenth of a second every command would pay on opening the database). So
``store_meta`` also remembers a digest of the files the mapping is computed from (``SOURCE_KEY``:
the taxonomy, ``disproof.text``, the mapping code, the vocabularies and the disproof version)
with the fingerprint it gave; while those files are unchanged the fingerprint is not recomputed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from disproof.models import Case
from disproof.store.engine import begin_write, write_if_free
from disproof.store.schema import case_terms, cases, store_meta

if TYPE_CHECKING:  # the mapping (text analysis) is loaded only when narratives are derived
    from disproof.narratives.mapping import KeywordMapping
    from disproof.narratives.semantic import Matrix
    from disproof.narratives.stored import AllFields

logger = logging.getLogger(__name__)

MAPPING_KEY = "narrative_mapping"
SOURCE_KEY = "narrative_mapping_source"
#: The packages whose files (code and tables) the shipped mapping is computed from.
SOURCE_PACKAGES = ("disproof.text", "disproof.narratives", "disproof.data.taxonomies")
SOURCE_FILES = (("disproof", "normalize.py"), ("disproof", "__init__.py"))
BATCH = 500


def mapping_fingerprint(mapping: KeywordMapping) -> str:
    """A digest of what decides derived narratives: keyword rules and id → parent."""
    content = json.dumps(mapping.fingerprint_content(), ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def _folder(package: str) -> Path:
    """Where a package's files are, found without importing it (its imports are the cost)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations is not None, package
    return Path(next(iter(spec.submodule_search_locations)))


def mapping_source() -> str:
    """A digest of the files the shipped mapping is computed from (cheap: no analysis)."""
    digest = hashlib.sha256()
    files = [(p, f) for p in SOURCE_PACKAGES for f in _folder(p).iterdir()]
    files += [(p, _folder(p) / name) for p, name in SOURCE_FILES]
    for package, file in sorted(files):
        if file.suffix in (".py", ".json", ".npz") and file.is_file():
            digest.update(f"{package}/{file.name}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:32]


def _stored(engine: Engine) -> dict[str, str]:
    keys = (MAPPING_KEY, SOURCE_KEY)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(store_meta.c.key, store_meta.c.value).where(store_meta.c.key.in_(keys))
        )
        return {key: value for key, value in rows}


def _source_row(source: str, fingerprint: str) -> dict[str, str]:
    return {"key": SOURCE_KEY, "value": f"{source} {fingerprint}"}


def _remember_source(engine: Engine, source: str, fingerprint: str) -> None:
    """Record which files gave the stored fingerprint, if no writer is busy (else next time)."""
    write_if_free(engine, sa.delete(store_meta).where(store_meta.c.key == SOURCE_KEY))
    try:
        write_if_free(engine, sa.insert(store_meta).values(_source_row(source, fingerprint)))
    except IntegrityError:  # another process recorded it meanwhile
        pass


def _narrative_rows(pk: int, case: Case, fields: Matrix | None) -> list[dict[str, object]]:
    from disproof.narratives.mapping import case_narratives

    return [
        {
            "case_pk": pk,
            "kind": "narrative",
            "position": i,
            "value": n.id,
            "value_key": n.id.casefold(),
        }
        for i, n in enumerate(case_narratives(case, fields))
    ]


def _narrative_rows_of(pk: int, doc: dict[str, Any], vectors: AllFields) -> list[dict[str, object]]:
    """The narrative term rows of a stored case document, with its stored vectors."""
    case = Case.model_validate(doc)
    return _narrative_rows(pk, case, vectors.of(pk, case))


def refresh_narratives_of(connection: Connection, pks: list[int], model: str) -> None:
    """Recompute the narrative terms of these cases (the match index saved new vectors of
    ``model`` for them), so facets and trends count what their pages show."""
    from disproof.narratives.semantic import builtin_claim_vectors
    from disproof.narratives.stored import AllFields

    claims = builtin_claim_vectors()
    if not pks or claims is None or claims.model_id != model:
        return  # vectors the semantic check does not read: nothing changes
    vectors = AllFields(connection, pks)
    rows = connection.execute(sa.select(cases.c.pk, cases.c.doc).where(cases.c.pk.in_(pks)))
    terms = [t for pk, doc in rows for t in _narrative_rows_of(pk, doc, vectors)]
    kinds = (case_terms.c.kind == "narrative") & case_terms.c.case_pk.in_(pks)
    connection.execute(sa.delete(case_terms).where(kinds))
    if terms:
        connection.execute(sa.insert(case_terms), terms)


def _recompute(connection: Connection) -> int:
    from disproof.narratives.stored import AllFields

    connection.execute(sa.delete(case_terms).where(case_terms.c.kind == "narrative"))
    vectors = AllFields(connection)
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
        terms = [t for pk, doc in rows for t in _narrative_rows_of(pk, doc, vectors)]
        if terms:
            connection.execute(sa.insert(case_terms), terms)
        done += len(rows)
        last = rows[-1].pk


def refresh_derived_terms(engine: Engine) -> bool:
    """Recompute the derived narrative terms if the mapping changed; True when it did."""
    source = mapping_source()
    stored = _stored(engine)
    if stored.get(SOURCE_KEY) == f"{source} {stored.get(MAPPING_KEY)}":
        return False  # computed from these very files: the fingerprint is the stored one
    from disproof.narratives.mapping import builtin_mapping

    wanted = mapping_fingerprint(builtin_mapping())
    if stored.get(MAPPING_KEY) == wanted:
        _remember_source(engine, source, wanted)
        return False
    with begin_write(engine) as connection:
        # another process may have done it meanwhile: check again inside the write
        again = connection.execute(
            sa.select(store_meta.c.value).where(store_meta.c.key == MAPPING_KEY)
        ).scalar()
        if again == wanted:
            return False
        count = _recompute(connection)
        keys = (MAPPING_KEY, SOURCE_KEY)
        connection.execute(sa.delete(store_meta).where(store_meta.c.key.in_(keys)))
        connection.execute(sa.insert(store_meta).values(key=MAPPING_KEY, value=wanted))
        connection.execute(sa.insert(store_meta).values(_source_row(source, wanted)))
    if count:
        logger.info("recomputed the narratives of %d cases for the current taxonomy", count)
    return True
