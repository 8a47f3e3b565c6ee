"""Training data from the case database: labelled texts, and their vectors, stored and reused.

A case's keyword text is its title and summary (:func:`.model.case_text`). Its vector is kept in
``case_vectors`` under the field ``"keywords"`` like the matcher's title and summary vectors, with
the hash of the text, so retraining encodes only new or changed cases; a case without summary has
the same text as its title, whose vector the matcher already stored, and that one is reused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from disproof.embed import Embedder
from disproof.errors import DisproofError
from disproof.keywords.model import KeywordModel, case_text
from disproof.keywords.train import KeywordOptions, LabelledText, train
from disproof.store import CaseStore
from disproof.store.corpus import CorpusStore, text_hash

FIELD = "keywords"
ENCODE_BATCH = 64
Progress = Callable[[int, int], None]


def labelled_cases(
    store: CaseStore, until: dt.date | None = None
) -> tuple[list[str], list[LabelledText]]:
    """Ids and labelled texts of the cases with keywords and text (dated ≤ ``until`` if given;
    undated cases are left out then)."""
    ids: list[str] = []
    items: list[LabelledText] = []
    for case in store.iter_cases():
        text = case_text(case)
        if not case.keywords or not text:
            continue
        if until is not None and (case.date is None or case.date > until):
            continue
        ids.append(case.id)
        items.append(LabelledText(text, tuple(case.keywords), case.date))
    return ids, items


def vector_hash(text: str, embedder: Embedder) -> str:
    """The hash a stored vector of ``text`` carries (the scheme of the matching index)."""
    return text_hash(f"{embedder.document_prefix}\x1f{text}")


def case_vectors(
    corpus: CorpusStore,
    ids: list[str],
    texts: list[str],
    embedder: Embedder,
    progress: Progress | None = None,
) -> npt.NDArray[np.float32]:
    """One vector per case text: stored ones reused, the others encoded and stored."""
    pk_of = {case.id: case.pk for case in corpus.case_texts()}
    stored = corpus.vectors(embedder.model_id)
    by_hash = {
        item.text_hash: item.vector for item in stored.values() if len(item.vector) == embedder.dim
    }
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo: list[tuple[int, str, str]] = []
    for row, text in enumerate(texts):
        digest = vector_hash(text, embedder)
        if digest in by_hash:
            out[row] = by_hash[digest]
        else:
            todo.append((row, digest, text))
    for start in range(0, len(todo), ENCODE_BATCH):
        batch = todo[start : start + ENCODE_BATCH]
        encoded = embedder.encode_documents([text for *_, text in batch])
        rows = [
            (pk_of[ids[row]], FIELD, digest, encoded[i]) for i, (row, digest, _) in enumerate(batch)
        ]
        corpus.save_vectors(embedder.model_id, rows)
        for i, (row, _, _) in enumerate(batch):
            out[row] = encoded[i]
        if progress:
            progress(min(start + ENCODE_BATCH, len(todo)), len(todo))
    return out


def train_from_store(
    store: CaseStore,
    embedder: Embedder | None,
    options: KeywordOptions | None = None,
    *,
    until: dt.date | None = None,
    backend: str | None = None,
    progress: Progress | None = None,
) -> KeywordModel:
    """A keyword model trained on the database's cases (those dated ≤ ``until`` if given)."""
    options = options or KeywordOptions()
    ids, items = labelled_cases(store, until)
    vectors = None
    if options.needs_vectors:
        if embedder is None:
            raise DisproofError("the embedding scorers need an embedder; none could load")
        texts = [item.text for item in items]
        vectors = case_vectors(CorpusStore(store.engine), ids, texts, embedder, progress)
    meta: dict[str, object] = {
        "until": until.isoformat() if until else None,
        "backend": backend,
        "trained": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return train(
        items,
        vectors,
        options,
        model_id=embedder.model_id if embedder else None,
        meta=meta,
    )
