"""Stored case vectors (``CorpusStore.save_vectors``) when several writers encode the same case:
each worker of ``disproof serve --workers N`` updates its own index, so two may store the vector
of one new case at once. The second must not fail (a failed build left the matcher stale and a
traceback in the log) and must not replace a row it did not compute."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import sqlalchemy as sa

from disproof.models import CaseCreate
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.corpus import CorpusStore
from disproof.store.schema import case_vectors

pytestmark = pytest.mark.both_backends

MODEL = "test-model"


@pytest.fixture
def service(settings: Settings) -> Disproof:
    service = Disproof.open(settings)
    service.create_case(CaseCreate(id="c0", title="The US runs secret biolabs in Ukraine"), "t")
    return service


def case_pk(service: Disproof) -> int:
    with service.store.engine.connect() as connection:
        return int(connection.scalar(sa.text("SELECT pk FROM cases WHERE id = 'c0'")))


def row(pk: int, digest: str, value: float) -> tuple[int, str, str, np.ndarray]:
    return (pk, "title", digest, np.full(4, value, dtype=np.float32))


def test_saving_the_same_vector_twice_replaces_it(service: Disproof) -> None:
    corpus = CorpusStore(service.store.engine)
    pk = case_pk(service)
    corpus.save_vectors(MODEL, [row(pk, "old", 1.0)])
    corpus.save_vectors(MODEL, [row(pk, "new", 2.0)])
    stored = corpus.vectors(MODEL)
    assert list(stored) == [(pk, "title")]
    assert stored[(pk, "title")].text_hash == "new"
    assert stored[(pk, "title")].vector.tolist() == [2.0] * 4


def test_a_writer_storing_a_vector_another_is_storing_keeps_the_first(
    service: Disproof, backend: str
) -> None:
    """PostgreSQL: a second writer that deleted nothing (the first had not committed) and
    then inserts the same key waits for the first and keeps its row instead of failing on
    the primary key (SQLite has one writer at a time)."""
    if backend == "sqlite":
        pytest.skip("SQLite writers are serialised")
    engine = service.store.engine
    corpus = CorpusStore(engine)
    pk = case_pk(service)
    first = engine.connect()
    first.begin()
    first.execute(
        sa.insert(case_vectors),
        {
            "case_pk": pk,
            "model": MODEL,
            "field": "title",
            "text_hash": "first",
            "dim": 4,
            "vector": np.full(4, 1.0, dtype=np.float32).tobytes(),
        },
    )  # not committed: the second writer's delete finds nothing
    failures: list[BaseException] = []

    def second() -> None:
        try:
            corpus.save_vectors(MODEL, [row(pk, "second", 2.0)])
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            failures.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive()  # waiting on the first writer's row
    first.commit()
    first.close()
    thread.join(10)
    assert not thread.is_alive() and failures == []
    assert corpus.vectors(MODEL)[(pk, "title")].text_hash == "first"
