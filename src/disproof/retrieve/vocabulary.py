"""A BM25 vocabulary (term → id) that grows without a copy and saves the terms added only.

Ids are ``0 … len - 1`` in the order terms were first seen (a fresh build numbers them in
sorted order; a merge of the index's segments drops unused terms and numbers them again). A
:class:`Vocabulary` is a **base** (a dict shared by every version of the index, never changed)
and the terms **added** since (this version's own: copied per update, small). At a million
cases a vocabulary can hold millions of terms: copying it for every case added, and writing it
whole as JSON on every save, would cost more than the rest of the update.

Saved as the base's terms in one UTF-8 array with their offsets (``vocabulary.npy``,
``vocabulary_offsets.npy``: hard-linked into every later save while the base is the same,
``arrays.py``) and the added terms as a JSON list (``vocabulary.added.json``). Past
:data:`ADDED_SHARE` of the base (and :data:`ADDED_MIN` terms) the added terms join a new base.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from itertools import chain
from pathlib import Path

import numpy as np
import numpy.typing as npt

from disproof.retrieve.arrays import load_array, save_array

#: The added terms join a new base past this share of the base's …
ADDED_SHARE = 1 / 32
#: … and this many terms.
ADDED_MIN = 4096


class Vocabulary(Mapping[str, int]):
    def __init__(
        self,
        base: dict[str, int],
        added: dict[str, int] | None = None,
        saved: tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]] | None = None,
    ) -> None:
        self.base = base
        self.added = added if added is not None else {}
        #: The base as saved (text and offsets) when it was saved or loaded: linked.
        self.saved = saved

    def __getitem__(self, term: str) -> int:
        found = self.base.get(term)
        return self.added[term] if found is None else found

    def get(self, term: str, default: int | None = None) -> int | None:  # type: ignore[override]
        found = self.base.get(term)
        return self.added.get(term, default) if found is None else found

    def __contains__(self, term: object) -> bool:
        return term in self.base or term in self.added

    def __len__(self) -> int:
        return len(self.base) + len(self.added)

    def __iter__(self) -> Iterator[str]:
        return chain(self.base, self.added)

    def add(self, terms: list[str]) -> None:
        """New terms (not held yet), numbered after the last."""
        first = len(self)
        self.added.update((term, first + i) for i, term in enumerate(terms))

    def copy(self) -> Vocabulary:
        """A version to add terms to while this one is read (the base is shared)."""
        if len(self.added) > max(ADDED_MIN, len(self.base) * ADDED_SHARE):
            return Vocabulary({**self.base, **self.added})
        return Vocabulary(self.base, dict(self.added), self.saved)

    def terms(self) -> list[str]:
        """Every term, by id."""
        return sorted(self, key=self.__getitem__)

    # -- files -------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        if self.saved is None:
            terms = sorted(self.base, key=self.base.__getitem__)
            text = "".join(terms)
            offsets = np.zeros(len(terms) + 1, dtype=np.int64)
            offsets[1:] = np.cumsum([len(term) for term in terms])
            self.saved = (np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy(), offsets)
        save_array(folder / "vocabulary.npy", self.saved[0])
        save_array(folder / "vocabulary_offsets.npy", self.saved[1])
        added = sorted(self.added, key=self.added.__getitem__)
        (folder / "vocabulary.added.json").write_text(
            json.dumps(added, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> Vocabulary:
        """The saved vocabulary; ValueError for files that do not fit together."""
        blob = load_array(folder / "vocabulary.npy")
        offsets = load_array(folder / "vocabulary_offsets.npy")
        if blob.dtype != np.uint8 or offsets.dtype != np.int64 or offsets.ndim != 1:
            raise ValueError(f"{folder}: vocabulary files of the wrong type")
        try:
            text = blob.tobytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{folder}: vocabulary is not valid UTF-8") from exc
        bounds = offsets.tolist()
        if not bounds or bounds[0] != 0 or bounds[-1] != len(text) or np.any(np.diff(offsets) < 0):
            raise ValueError(f"{folder}: vocabulary offsets do not fit its text")
        pairs = zip(bounds[:-1], bounds[1:], strict=True)
        base = {text[start:end]: i for i, (start, end) in enumerate(pairs)}
        added = json.loads((folder / "vocabulary.added.json").read_text(encoding="utf-8"))
        if not isinstance(added, list) or not all(isinstance(term, str) for term in added):
            raise ValueError(f"{folder}: vocabulary.added.json is not a list of terms")
        vocabulary = cls(base, {}, (blob, offsets))
        vocabulary.add(added)
        if len(base) != len(bounds) - 1 or len(vocabulary) != len(base) + len(added):
            raise ValueError(f"{folder}: a term saved twice in the vocabulary")
        return vocabulary
