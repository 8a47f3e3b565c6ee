"""The matching index: BM25 and vectors for the title and claim summary of every case.

Derived data, rebuilt from the store. Vectors live in the database (``case_vectors``), computed
once per case text and model and re-encoded only when a case's text changes (incremental, batch
by batch, so an interrupted run resumes). The assembled index (BM25 arrays and vector matrices)
is saved as plain ``.npy`` files plus ``meta.json`` beside an SQLite database, tagged with the
store's fingerprint (the position of its change log, ``store/changes.py``) and the model id.
Each row keeps a digest of its case's content hash, so an index saved for an older state of
the cases is updated for the cases added, changed or removed since (``match/update.py``);
another model or format means a full build.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from disproof.embed import Embedder
from disproof.folders import staged_folder
from disproof.match.appearances import FIELD_PREFIX, AppearanceRows, field_name
from disproof.retrieve import BM25Index, DenseIndex
from disproof.retrieve import dense as dense_rows
from disproof.retrieve.arrays import load_array, save_array
from disproof.retrieve.dense import stored_precision
from disproof.retrieve.rows import RowArray
from disproof.store.corpus import (
    CaseText,
    CorpusStore,
    StoredVector,
    content_digests,
    text_hash,
)
from disproof.text import Analyzer
from disproof.text.langid import UNDETERMINED, detect_language

if TYPE_CHECKING:
    from disproof.retrieve.ann import Neighbours

logger = logging.getLogger(__name__)

FORMAT_VERSION = 9  # 2: a missing title or summary takes the other field's text; 3: languages;
# 4: content digests per row, BM25 format 4 (updates); 5: appearance texts (appearances.py);
# 6: a case too short to tell its language takes the common one (``languages_of``);
# 7: per-row arrays as a base and a log (retrieve/rows.py), BM25 format 5;
# 8: dense vectors rounded to float16's precision, as the graphs hold them (``stored_precision``)
# 9: rows of deleted cases kept as tombstones (``CaseIndex.deleted``): code before would serve them
#: Index formats this code reads: format 8 is format 9 without tombstones (no rebuild on upgrade).
READABLE_FORMATS = (8, FORMAT_VERSION)
#: The per-row arrays saved as a base file and a log (``retrieve/rows.py``).
ROW_ARRAYS = ("pks", "digests", "languages")
FIELDS = ("title", "summary")
#: A case's title and claim summary with fewer distinct words than this are too short to tell
#: their language from ("Nazi coup d'état" is detected French with confidence 0.98) …
SHORT_CASE_WORDS = 8
#: … and a detection less confident than this is not taken either ("Deutsche Welle: Angela
#: Merkel insulted President Poroshenko …", German at 0.64). Such a case takes the database's
#: common language (``languages_of``).
SURE_CASE_LANGUAGE = 0.7
_WORD = re.compile(r"\w+")
ENCODE_BATCH = 64
Progress = Callable[[int, int], None]


def field_text(case: CaseText, field: str) -> str:
    """The text of one field; a case with only a title (the EUvsDisinfo case index) or only a
    claim summary is indexed with that one text in both fields. Otherwise every feature of the
    missing field would read 0 and the calibrated score could never call such a case a match:
    a title-only case scored 0.01 against its own title before this."""
    title, summary = case.title.strip(), case.summary.strip()
    if field == "title":
        return title or summary
    return summary or title


@dataclass
class CaseIndex:
    """Rows are cases in primary-key order; ``pks[i]`` is the case of row ``i``."""

    model_id: str | None
    fingerprint: str
    pks: npt.NDArray[np.int64]
    bm25: dict[str, BM25Index]
    dense: dict[str, DenseIndex]
    #: The language of each case (detected on title and summary together), as an ISO code.
    languages: npt.NDArray[np.str_]
    #: 64 bits of each case's content hash (``store.corpus.content_digests``): what changed.
    digests: npt.NDArray[np.bytes_]
    #: HNSW graphs of the dense fields, when the index is large enough to want them
    #: (``match/scale.py``: usearch graphs saved beside this index, not in it, or the
    #: database's pgvector indexes). Empty: exact search.
    ann: dict[str, Neighbours] = dataclasses.field(default_factory=dict)
    #: The appearance texts of the cases, one vector each (``appearances.py``); None without
    #: an embedder.
    appearances: AppearanceRows | None = None
    #: How each of :data:`ROW_ARRAYS` is saved: its base file and the log since
    #: (``retrieve/rows.py``); an array without one here is saved whole.
    rows: dict[str, RowArray] = dataclasses.field(default_factory=dict, repr=False)
    #: Rows whose case was deleted (ascending): tombstones, kept so that a delete moves no row
    #: (``match/update.py``). Every retriever skips them — no BM25 postings, not counted in
    #: BM25's statistics, masked in exact search, dropped from a graph's answer — so the index
    #: answers as one built without them. Removed when the rows are renumbered (compaction).
    deleted: npt.NDArray[np.int64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, np.int64), repr=False
    )

    @property
    def cases(self) -> int:
        """How many cases the index holds (its rows less the tombstones)."""
        return len(self) - len(self.deleted)

    def is_deleted(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
        """Which of ``rows`` are tombstones (a sorted look-up: ``np.isin`` would sort the
        tombstones, up to a 16th of the rows, on every call)."""
        if not len(self.deleted) or not len(rows):
            return np.zeros(len(rows), dtype=np.bool_)
        at = np.minimum(np.searchsorted(self.deleted, rows), len(self.deleted) - 1)
        return np.asarray(self.deleted[at] == rows)

    def live(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        """``rows`` without the tombstones."""
        if not len(self.deleted):
            return rows
        kept: npt.NDArray[np.intp] = rows[~self.is_deleted(rows)]
        return kept

    def row_array(self, name: str) -> RowArray:
        """The per-row array ``name`` (one of :data:`ROW_ARRAYS`) with its saved base and log,
        when they are this index's; else as an array to save whole."""
        values = getattr(self, name)
        known = self.rows.get(name)
        return known if known is not None and known.values is values else RowArray.of(values)

    def __len__(self) -> int:
        return int(self.pks.shape[0])

    # -- persistence -----------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write atomically: into a temporary folder, then swap it in (the old one removed in
        the background)."""
        with staged_folder(folder, remove_in_background=True) as staging:
            for name in ROW_ARRAYS:
                self.row_array(name).save(staging, name)
            for field, bm25 in self.bm25.items():
                bm25.save(staging / f"bm25_{field}")
            for field, dense in self.dense.items():
                save_array(staging / f"vectors_{field}.npy", dense.main)
                if dense.pending:
                    dense.tail_rows.save(staging, f"vectors_{field}.tail")
                    save_array(staging / f"vectors_{field}.changed_rows.npy", dense.changed_rows)
                    save_array(staging / f"vectors_{field}.changed.npy", dense.changed)
            if self.appearances is not None:
                self.appearances.save(staging)
            if len(self.deleted):
                save_array(staging / "deleted.npy", self.deleted)
            meta = {
                "format": FORMAT_VERSION,
                "model_id": self.model_id,
                "fingerprint": self.fingerprint,
                "cases": len(self),
                "fields": list(FIELDS),
                "dense": sorted(self.dense),
                "dense_bases": {field: dense.base_id for field, dense in self.dense.items()},
                "appearances": self.appearances is not None,
                "deleted": len(self.deleted),
            }
            (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, model_id: str | None, fingerprint: str) -> CaseIndex | None:
        """The saved index if it is current for this model and store state, else None."""
        index = cls.load_saved(folder, model_id)
        return index if index is not None and index.fingerprint == fingerprint else None

    @classmethod
    def load_saved(cls, folder: Path, model_id: str | None) -> CaseIndex | None:
        """The saved index if it is for this model and format (for whatever state of the
        cases; ``fingerprint`` tells which), else None."""
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") not in READABLE_FORMATS or meta.get("model_id") != model_id:
                return None
            rows = {name: RowArray.load(folder, name) for name in ROW_ARRAYS}
            index = cls(
                model_id,
                str(meta["fingerprint"]),
                rows["pks"].values,
                {f: BM25Index.load(folder / f"bm25_{f}") for f in FIELDS},
                {
                    f: _load_dense(folder, f, meta.get("dense_bases", {}).get(f))
                    for f in meta.get("dense", [])
                },
                rows["languages"].values,
                rows["digests"].values,
                appearances=AppearanceRows.load(folder) if meta.get("appearances") else None,
                rows=rows,
                deleted=_load_deleted(folder, int(meta.get("deleted", 0))),
            )
            kinds = (index.pks.dtype, index.digests.dtype, index.languages.dtype.kind)
            if kinds != (np.dtype(np.int64), np.dtype("S16"), "U"):
                raise ValueError("its per-row arrays are not of the types saved")
            sizes = {len(index.languages), len(index.digests)}
            sizes |= {bm25.n_docs for bm25 in index.bm25.values()}
            sizes |= {len(dense) for dense in index.dense.values()}
            if sizes != {len(index)}:
                raise ValueError("its files do not agree on the number of cases")
            if len(index.deleted) and int(index.deleted[-1]) >= len(index):
                raise ValueError("a deleted row past its rows")
            return index
        except (OSError, ValueError, KeyError) as exc:
            logger.info("index at %s is unusable (%s); rebuilding", folder, exc)
            return None


def saved_fingerprint(folder: Path, model_id: str | None) -> str | None:
    """The fingerprint of the index saved in ``folder`` for this model and format (its meta
    file only), or None."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") not in READABLE_FORMATS:
        return None
    if meta.get("model_id") != model_id:
        return None
    return str(meta.get("fingerprint"))


def _load_deleted(folder: Path, count: int) -> npt.NDArray[np.int64]:
    """The index's tombstones (``deleted.npy``, as many as its meta file says)."""
    if not count:
        return np.zeros(0, np.int64)
    deleted = np.asarray(load_array(folder / "deleted.npy"), dtype=np.int64)
    if len(deleted) != count or bool(np.any(deleted[1:] <= deleted[:-1])) or deleted[0] < 0:
        raise ValueError("its deleted rows are not the ones it counts")
    return deleted


def _load_dense(folder: Path, field: str, base_id: str | None) -> DenseIndex:
    main = load_array(folder / f"vectors_{field}.npy")
    if not (folder / f"vectors_{field}.tail.npy").exists():
        return DenseIndex(main, f"dense_{field}", base_id=base_id)
    tail = RowArray.load(folder, f"vectors_{field}.tail", dense_rows.TAIL_CHUNK)
    rows, changed = (
        np.load(folder / f"vectors_{field}.{part}.npy") for part in ("changed_rows", "changed")
    )
    return DenseIndex(
        main, f"dense_{field}", tail=tail, changed_rows=rows, changed=changed, base_id=base_id
    )


def _vector_hash(text: str, embedder: Embedder) -> str:
    return text_hash(f"{embedder.document_prefix}\x1f{text}")


def ensure_vectors(
    corpus: CorpusStore,
    texts: list[CaseText],
    embedder: Embedder,
    progress: Progress | None,
    *,
    every: bool = True,
) -> dict[tuple[int, str], npt.NDArray[np.float32]]:
    """The vector of every field of ``texts``, encoding only what is missing or stale
    (committed per batch). ``every``: ``texts`` are all the cases (read every stored vector in
    one go); else only theirs are read.

    A text is encoded once however many fields hold it: a title-only case stores its title's
    vector for both fields, and a field whose text another field already has reuses that vector.
    """
    stored = corpus.vectors(embedder.model_id, None if every else [c.pk for c in texts])
    vectors = {key: item.vector for key, item in stored.items()}
    known = {
        item.text_hash: item.vector
        for item in stored.values()
        if item.vector.shape[0] == embedder.dim
    }
    todo: list[tuple[int, str, str, str]] = []
    for case in texts:
        for field, text in case_fields(case):
            digest = _vector_hash(text, embedder)
            item = stored.get((case.pk, field))
            if item is None or item.text_hash != digest or item.vector.shape[0] != embedder.dim:
                todo.append((case.pk, field, digest, text))
    if progress and todo:
        progress(0, len(todo))  # the total is known before the first (slow) batch
    for start in range(0, len(todo), ENCODE_BATCH):
        batch = todo[start : start + ENCODE_BATCH]
        new = {digest: text for _, _, digest, text in batch if digest not in known}
        if new:
            encoded = embedder.encode_documents(list(new.values()))
            known.update(zip(new, encoded, strict=True))
        rows = [(pk, field, digest, known[digest]) for pk, field, digest, _ in batch]
        corpus.save_vectors(embedder.model_id, rows)
        for pk, field, _, vector in rows:
            vectors[(pk, field)] = vector
        if progress:
            progress(min(start + ENCODE_BATCH, len(todo)), len(todo))
    _drop_stale(corpus, texts, stored, vectors, embedder.model_id)
    return vectors


def case_fields(case: CaseText) -> list[tuple[str, str]]:
    """The texts of a case that get a vector: (field, text) for its title, claim summary and
    appearance texts (``appearance:<position>``); empty texts left out."""
    out = [(field, field_text(case, field)) for field in FIELDS]
    out += [(field_name(item.position), item.text) for item in case.appearances]
    return [(field, text) for field, text in out if text]


def _drop_stale(
    corpus: CorpusStore,
    texts: list[CaseText],
    stored: dict[tuple[int, str], StoredVector],
    vectors: dict[tuple[int, str], npt.NDArray[np.float32]],
    model_id: str,
) -> None:
    """Forget the stored vectors of appearance texts ``texts`` no longer have (an appearance
    removed or its text cleared): they would be read as the case's again."""
    wanted = {(case.pk, field) for case in texts for field, _ in case_fields(case)}
    pks = {case.pk for case in texts}
    stale = [
        key
        for key in stored
        if key[0] in pks and key[1].startswith(FIELD_PREFIX) and key not in wanted
    ]
    if stale:
        corpus.drop_vectors(model_id, stale)
        for key in stale:
            vectors.pop(key, None)


def build_index(
    corpus: CorpusStore,
    embedder: Embedder | None,
    analyzer: Analyzer,
    *,
    progress: Progress | None = None,
) -> CaseIndex:
    """Assemble the index from the store (encoding new or changed case texts first)."""
    fingerprint = corpus.fingerprint()  # before the cases: they may be newer, never older
    texts = corpus.case_texts()
    pks = np.array([c.pk for c in texts], dtype=np.int64)
    languages = languages_of(texts, analyzer)
    bm25 = {
        field: BM25Index.build(
            field_tokens(texts, languages, field, analyzer), name=f"bm25_{field}"
        )
        for field in FIELDS
    }
    dense: dict[str, DenseIndex] = {}
    appearances = None
    if embedder is not None:
        vectors = ensure_vectors(corpus, texts, embedder, progress)
        for field in FIELDS:
            matrix = field_vectors(texts, vectors, field, embedder.dim)
            dense[field] = DenseIndex(matrix, f"dense_{field}")
        appearances = AppearanceRows.build(texts, vectors, embedder.dim)
    return CaseIndex(
        embedder.model_id if embedder else None,
        fingerprint,
        pks,
        bm25,
        dense,
        np.array(languages, dtype=np.str_),
        content_digests([c.content_hash for c in texts]),
        appearances=appearances,
    )


def languages_of(
    texts: list[CaseText],
    analyzer: Analyzer,
    common: Callable[[], str | None] | None = None,
) -> list[str]:
    """One language per case, detected on title and summary together (short titles alone are
    often misread), so both fields are stemmed the same way.

    A case whose text is too short or too unclear to tell (``SHORT_CASE_WORDS``,
    ``SURE_CASE_LANGUAGE``) takes the database's common language: ``common()`` (an update asks
    the index's, only when a case needs it), else the most common language detected among
    ``texts`` (when none was, each keeps its own detection, as before). The
    language decides which calibration scores a pair (a span and a case in two languages are
    scored by the cross-language model): a three-word English title detected as French was
    scored as a translation against every English span (docs/benchmarks.md, issue 14)."""
    guesses = [_case_language(f"{c.title}\n{c.summary}", analyzer) for c in texts]
    if all(sure for _, sure in guesses):
        return [code for code, _ in guesses]
    if common is not None:
        chosen = common()
    else:  # counted as an index's are (a short case only adds to the majority)
        chosen = common_language(np.array([code for code, _ in guesses]), sample=None)
    return [code if sure or chosen is None else chosen for code, sure in guesses]


def _case_language(text: str, analyzer: Analyzer) -> tuple[str, bool]:
    """The language of a case's text as detected (the analyzer's fallback if none), and
    whether the text was long and clear enough to tell."""
    guess = detect_language(text, languages=analyzer.languages)
    if guess.code == UNDETERMINED:
        return analyzer.language_of("", None), False
    words = len(set(_WORD.findall(text.casefold())))
    return guess.code, words >= SHORT_CASE_WORDS and guess.confidence >= SURE_CASE_LANGUAGE


#: ``common_language`` counts at most this many cases, evenly spaced (counting a million
#: strings took 0.4 s, on an update that adds one short case).
COMMON_SAMPLE = 20_000


def common_language(
    languages: npt.NDArray[np.str_], sample: int | None = COMMON_SAMPLE
) -> str | None:
    """The most common language of an index's cases (None: no case's language is known; a
    tie goes to the first code), counted over every case up to ``sample`` cases and over an
    even sample of them beyond (``sample`` None: every case)."""
    step = 1 if sample is None else max(1, -(-len(languages) // sample))
    codes, counts = np.unique(languages[::step], return_counts=True)
    known = [(int(n), str(c)) for c, n in zip(codes, counts, strict=True) if c != UNDETERMINED]
    return min(known, key=lambda item: (-item[0], item[1]))[1] if known else None


def field_tokens(
    texts: list[CaseText], languages: list[str], field: str, analyzer: Analyzer
) -> list[list[str]]:
    """The BM25 tokens of one field of each case."""
    return [
        analyzer.tokens(field_text(c, field), lang)
        for c, lang in zip(texts, languages, strict=True)
    ]


def field_vectors(
    texts: list[CaseText],
    vectors: dict[tuple[int, str], npt.NDArray[np.float32]],
    field: str,
    dim: int,
) -> npt.NDArray[np.float32]:
    """The vectors of one field of each case, as rows (zeros for a case without), as the index
    stores them (``stored_precision``)."""
    matrix = np.zeros((len(texts), dim), dtype=np.float32)
    for row, case in enumerate(texts):
        vector = vectors.get((case.pk, field))
        if vector is not None:
            matrix[row] = vector
    return stored_precision(matrix)
