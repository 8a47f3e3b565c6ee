"""The matcher's saved form for workers: the match index files, what matches show of each
case, and which embedding model the vectors are for.

The client writes it once per scan from the database (``write_bundle``); each worker loads it
once (``load_matcher``, from a Dask worker plugin) — from the same folder on one machine or a
shared file system, or from a copy of its files the plugin carried (a remote cluster). Plain
files (``.npy``, JSON), never pickles; the vectors are memory-mapped, so the workers of one
machine share their pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from disproof.errors import DisproofError
from disproof.store.corpus import CaseDetail

if TYPE_CHECKING:
    from disproof.match.matcher import Matcher
    from disproof.store.corpus import CorpusStore

BUNDLE_FORMAT = 1


@dataclass(frozen=True)
class Bundle:
    """A written bundle: its folder, a digest of its files, the model and backend."""

    folder: Path
    digest: str
    model_id: str | None
    backend: str | None

    def files(self) -> dict[str, bytes]:
        """Every file of the bundle by its relative path (to carry to remote workers)."""
        return {
            path.relative_to(self.folder).as_posix(): path.read_bytes()
            for path in sorted(self.folder.rglob("*"))
            if path.is_file()
        }


class SavedDetails:
    """What a match shows of each case (title, summary, date, outlets), read from the bundle:
    the :class:`~disproof.match.matcher.CaseDetails` of a worker, which has no database."""

    def __init__(self, by_pk: dict[int, CaseDetail]) -> None:
        self.by_pk = by_pk

    def details(self, pks: Iterable[int]) -> dict[int, CaseDetail]:
        return {pk: self.by_pk[pk] for pk in pks if pk in self.by_pk}

    @classmethod
    def load(cls, path: Path) -> SavedDetails:
        by_pk = {}
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                date = dt.date.fromisoformat(row["date"]) if row["date"] else None
                by_pk[int(row["pk"])] = CaseDetail(
                    row["id"], row["title"], row["summary"], date, row["outlets"],
                    bool(row["has_disproof"]),
                )  # fmt: skip
        return cls(by_pk)


def _digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            sha.update(path.relative_to(folder).as_posix().encode() + b"\0")
            sha.update(hashlib.sha256(path.read_bytes()).digest())
    return sha.hexdigest()[:16]


def _read_meta(folder: Path) -> dict[str, object] | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def write_bundle(
    matcher: Matcher, corpus: CorpusStore, folder: Path, backend: str | None
) -> Bundle:
    """Save the matcher's index and case details in ``folder`` (kept when it is current)."""
    from disproof.folders import staged_folder
    from disproof.match.index import FORMAT_VERSION as INDEX_FORMAT

    index = matcher.index
    model_id = matcher.embedder.model_id if matcher.embedder else None
    meta = {
        "format": BUNDLE_FORMAT,
        "index_format": INDEX_FORMAT,  # a bundle of an older index format is written again
        "model_id": model_id,
        "backend": backend,
        "fingerprint": index.fingerprint,
        "cases": index.cases,
    }
    if _read_meta(folder) != meta:
        with staged_folder(folder) as staging:
            index.save(staging / "index")
            details = corpus.details(int(pk) for pk in index.pks)
            with (staging / "details.jsonl").open("w", encoding="utf-8") as handle:
                for pk, case in sorted(details.items()):
                    row = {
                        "pk": pk, "id": case.id, "title": case.title, "summary": case.summary,
                        "date": case.date.isoformat() if case.date else None,
                        "outlets": case.outlets, "has_disproof": case.has_disproof,
                    }  # fmt: skip
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return Bundle(folder, _digest(folder), model_id, backend)


def unpack(files: dict[str, bytes], folder: Path) -> None:
    """Write a carried bundle's files into ``folder`` (once: a complete copy is kept)."""
    from disproof.folders import inside, staged_folder

    if (folder / "meta.json").is_file():
        return
    with staged_folder(folder) as staging:
        for name, data in files.items():
            target = inside(staging, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def load_matcher(folder: Path) -> Matcher:
    """The matcher a bundle describes, with its embedding model loaded (on a worker)."""
    from disproof.embed import EmbedderUnavailable, load_embedder
    from disproof.match.calibration import calibration_for
    from disproof.match.index import CaseIndex
    from disproof.match.matcher import Matcher
    from disproof.text import Analyzer

    meta = _read_meta(folder)
    if meta is None or meta.get("format") != BUNDLE_FORMAT:
        raise DisproofError(f"{folder}: not a scan bundle of this version of disproof")
    model_id = meta.get("model_id")
    fingerprint = str(meta.get("fingerprint"))
    embedder = None
    if isinstance(model_id, str):
        backend = meta.get("backend")
        try:
            embedder, _ = load_embedder(backend if isinstance(backend, str) else None)
        except EmbedderUnavailable as exc:
            raise DisproofError(f"the worker cannot load the embedding model: {exc}") from exc
        if embedder.model_id != model_id:
            raise DisproofError(
                f"the worker's embedding model is {embedder.model_id}, the index is for "
                f"{model_id}: install the same disproof on every worker"
            )
    index = CaseIndex.load(folder / "index", embedder.model_id if embedder else None, fingerprint)
    if index is None:
        raise DisproofError(f"{folder / 'index'}: the saved index cannot be loaded")
    details = SavedDetails.load(folder / "details.jsonl")
    calibration = calibration_for(model_id) if isinstance(model_id, str) else None
    return Matcher(index, details, embedder, calibration, Analyzer())
