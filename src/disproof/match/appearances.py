"""Appearance texts as a multi-vector field of the match index.

An appearance of a case can carry the claim as an outlet published it (``Appearance.text``: a
quote, in its own language). Each such text is one row here, owned by its case (primary key).
A span is near a case when it is near the case's title or claim summary *or* near one of its
known appearances: the case's value is the best cosine over its appearance texts, and it is
folded into the claim-side cosine feature as a maximum (``retrieval.candidate_scores``), so the
calibrated features keep their meaning; a retriever of its own (``dense_appearance``)
proposes the cases whose appearance texts are nearest. Once analysts filed an RT DE quote
under a case, the next German quote of the same talking point finds the case through it.

Rows are kept sorted by owner (then position), so a case's rows are one run and the best per
case is a ``maximum.reduceat``. Exact search only (a desk files thousands of quotes, not
millions); the vectors live in ``case_vectors`` under the fields ``appearance:<position>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.retrieve.arrays import load_array, save_array
from disproof.store.corpus import CaseText

#: The retriever's name (``why.retrievers``).
RETRIEVER = "dense_appearance"
FIELD_PREFIX = "appearance:"


def field_name(position: int) -> str:
    """The ``case_vectors`` field of the appearance at ``position`` among a case's appearances."""
    return f"{FIELD_PREFIX}{position}"


@dataclass(frozen=True)
class AppearanceRows:
    """The appearance texts of every case: owner (case primary key, ascending), the
    appearance's position in its case, its outlet and language (what ``why`` shows), vector."""

    owners: npt.NDArray[np.int64]
    positions: npt.NDArray[np.int64]
    outlets: list[str]
    languages: list[str]
    vectors: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.owners.shape[0])

    @classmethod
    def empty(cls, dim: int) -> AppearanceRows:
        return cls(
            np.zeros(0, np.int64), np.zeros(0, np.int64), [], [], np.zeros((0, dim), np.float32)
        )

    @classmethod
    def build(
        cls,
        texts: list[CaseText],
        vectors: dict[tuple[int, str], npt.NDArray[np.float32]],
        dim: int,
    ) -> AppearanceRows:
        """The rows of the appearance texts of ``texts`` that have a vector."""
        keys = [
            (case.pk, item.position, item.outlet or "", item.language or "")
            for case in texts
            for item in case.appearances
            if (case.pk, field_name(item.position)) in vectors
        ]
        keys.sort(key=lambda key: (key[0], key[1]))
        if not keys:
            return cls.empty(dim)
        matrix = np.stack([vectors[(pk, field_name(position))] for pk, position, _, _ in keys])
        return cls(
            np.array([k[0] for k in keys], dtype=np.int64),
            np.array([k[1] for k in keys], dtype=np.int64),
            [k[2] for k in keys],
            [k[3] for k in keys],
            matrix.astype(np.float32, copy=False),
        )

    def replaced(self, gone: npt.NDArray[np.int64], fresh: AppearanceRows) -> AppearanceRows:
        """These rows without those of the cases ``gone`` (removed or changed), with ``fresh``
        (the changed and new cases' rows) merged in, kept sorted by owner."""
        keep = np.flatnonzero(~np.isin(self.owners, gone))
        owners = np.concatenate([self.owners[keep], fresh.owners])
        positions = np.concatenate([self.positions[keep], fresh.positions])
        order = np.lexsort((positions, owners))
        outlets = [self.outlets[i] for i in keep] + fresh.outlets
        languages = [self.languages[i] for i in keep] + fresh.languages
        vectors = np.concatenate([self.vectors[keep], fresh.vectors])
        return AppearanceRows(
            owners[order],
            positions[order],
            [outlets[i] for i in order],
            [languages[i] for i in order],
            vectors[order],
        )

    # -- scoring ---------------------------------------------------------------------------------

    def best(
        self, pks: npt.NDArray[np.int64], vector: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Per case that has appearance texts: its primary key (ascending), its best cosine to
        ``vector`` and the row of the appearance text that gave it. ``pks``: the index's cases,
        ascending (rows of cases it does not hold are left out)."""
        if not len(self):
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64)
        cosines = np.asarray(self.vectors @ vector.astype(np.float32), dtype=np.float32)
        starts = np.flatnonzero(np.r_[True, self.owners[1:] != self.owners[:-1]])
        owners = self.owners[starts]
        best = np.maximum.reduceat(cosines, starts)
        # the first row of each case's run that reaches its best (every run has one)
        tops = np.flatnonzero(cosines == np.repeat(best, np.diff(np.r_[starts, len(self)])))
        at = tops[np.searchsorted(tops, starts)].astype(np.int64)
        # a sorted look-up of the few owners, not ``np.isin`` over every case on every span
        where = np.minimum(np.searchsorted(pks, owners), max(len(pks) - 1, 0))
        held = pks[where] == owners if len(pks) else np.zeros(len(owners), dtype=bool)
        return owners[held], best[held], at[held]

    # -- persistence -----------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        save_array(folder / "appearances_owners.npy", self.owners)
        save_array(folder / "appearances_positions.npy", self.positions)
        save_array(folder / "appearances_vectors.npy", self.vectors)
        labels = {"outlets": self.outlets, "languages": self.languages}
        (folder / "appearances.json").write_text(json.dumps(labels), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> AppearanceRows:
        labels = json.loads((folder / "appearances.json").read_text(encoding="utf-8"))
        rows = cls(
            np.load(folder / "appearances_owners.npy"),
            np.load(folder / "appearances_positions.npy"),
            [str(x) for x in labels["outlets"]],
            [str(x) for x in labels["languages"]],
            np.asarray(load_array(folder / "appearances_vectors.npy"), dtype=np.float32),
        )
        sizes = {len(rows.positions), len(rows.outlets), len(rows.languages), len(rows.vectors)}
        if sizes != {len(rows)}:
            raise ValueError("its appearance files do not agree on the number of rows")
        return rows
