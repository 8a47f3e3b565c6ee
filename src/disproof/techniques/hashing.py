"""Hashed word and character n-gram features in numpy (the "hashing trick", no vocabulary).

A text becomes counts in ``buckets`` columns: lower-cased words and word bigrams
(``\\w+`` runs, so any script), and character 3- to 5-grams of the lower-cased text with runs of
whitespace made one space. Each n-gram goes to a bucket by a fixed hash (the same on every
machine and Python run, unlike ``hash()``), with a sign from another bit of the hash so that
collisions cancel on average instead of piling up. Counts are damped (``log1p``) and each block
(words, characters) scaled to unit length, then weighted by ``√½`` so a row has unit length.

No vocabulary means a model over these features holds no word of its training texts: only one
weight per bucket.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Array32 = npt.NDArray[np.float32]

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
CHAR_SIZES = (3, 4, 5)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_BLOCK_WEIGHT = np.float32(np.sqrt(0.5))


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit avalanche (splitmix64's finaliser): nearby inputs land far apart."""
    z = values * _MULTIPLIER
    z ^= z >> np.uint64(31)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(29)
    return z


def _char_hashes(text: str) -> npt.NDArray[np.uint64]:
    clean = " " + _SPACES.sub(" ", text.lower()).strip() + " "
    codes = np.frombuffer(clean.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    with np.errstate(over="ignore"):
        for size in CHAR_SIZES:
            if len(codes) < size:
                continue
            h = np.full(len(codes) - size + 1, np.uint64(size))
            for k in range(size):
                h = _mix(h ^ codes[k : len(codes) - size + 1 + k])
            parts.append(h)
    return np.concatenate(parts) if parts else np.zeros(0, np.uint64)


def _word_hashes(text: str) -> npt.NDArray[np.uint64]:
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, np.uint64)
    single = np.array([zlib.crc32(w.encode("utf-8")) for w in words], dtype=np.uint64)
    with np.errstate(over="ignore"):
        unigrams = _mix(single)
        bigrams = _mix(single[:-1] * np.uint64(0x100000001B3) ^ _mix(single[1:]))
    return np.concatenate([unigrams, bigrams])


def _block(hashes: npt.NDArray[np.uint64], buckets: int) -> Array32:
    row = np.zeros(buckets, np.float32)
    if len(hashes) == 0:
        return row
    columns = (hashes % np.uint64(buckets)).astype(np.intp)
    signs = np.where((hashes >> np.uint64(63)) > 0, -1.0, 1.0)
    np.add.at(row, columns, signs)
    row = (np.sign(row) * np.log1p(np.abs(row))).astype(np.float32)
    norm = float(np.linalg.norm(row))
    return row / norm if norm > 0 else row


def hashed_features(texts: Sequence[str], buckets: int) -> Array32:
    """``(len(texts), buckets)`` rows: the word block and the character block share the columns
    (each of unit length, weighted ``√½``)."""
    out = np.zeros((len(texts), buckets), np.float32)
    for i, text in enumerate(texts):
        out[i] = _BLOCK_WEIGHT * (
            _block(_word_hashes(text), buckets) + _block(_char_hashes(text), buckets)
        )
    return out


#: Shape features beside the n-grams: how long a paragraph is and whether it opens the text
#: (usually the title). Longer paragraphs carry more techniques; titles carry their own.
SHAPE_FEATURES = 3


def shape_features(texts: Sequence[str], first: Sequence[bool]) -> Array32:
    lengths = np.array([len(t) for t in texts], np.float64)
    out = np.column_stack([np.log1p(lengths) / 8, np.asarray(first, bool), lengths < 60])
    return out.astype(np.float32).reshape(len(texts), SHAPE_FEATURES)


def paragraph_features(texts: Sequence[str], first: Sequence[bool], buckets: int) -> Array32:
    """Hashed n-grams then :func:`shape_features`: the sparse half of a paragraph's row."""
    return np.hstack([hashed_features(texts, buckets), shape_features(texts, first)])
