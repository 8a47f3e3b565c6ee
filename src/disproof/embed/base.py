"""The contract every embedding backend meets, and the helpers they share.

An :class:`Embedder` turns texts into L2-normalised ``float32`` rows, so a dot product is a cosine.
Encoding is asymmetric on purpose: ``encode_queries`` is for the text a user looks up (a new claim)
and ``encode_documents`` for what is stored (the claims of known cases). Whatever prompt or prefix
a backend puts in front of each side is part of its configuration and shows in ``query_prefix``,
``document_prefix`` and ``model_id``: vectors are only comparable when ``model_id`` is equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from disproof.errors import DisproofError

#: Inputs are cut to this many characters before encoding. e5 reads at most 512 tokens (about
#: 2,000 characters of European text); the claim of a case is what matters, not a whole article.
MAX_CHARS = 2000

Vectors = npt.NDArray[np.float32]

_SURROGATE = re.compile("[\ud800-\udfff]")


class EmbedderUnavailable(DisproofError):
    """An embedding backend cannot run here (package missing, wrong platform or CPU, bad files)."""


@runtime_checkable
class Embedder(Protocol):
    """Encodes texts into unit vectors of ``dim`` float32 values."""

    @property
    def model_id(self) -> str:
        """Stable, versioned name of the model *and* its configuration (prefixes, variant)."""
        ...

    @property
    def dim(self) -> int: ...

    @property
    def normalized(self) -> bool:
        """True: every row returned has L2 norm 1, so ``a @ b`` is the cosine."""
        ...

    @property
    def query_prefix(self) -> str:
        """What is put before each text by ``encode_queries`` ("" when nothing is)."""
        ...

    @property
    def document_prefix(self) -> str:
        """What is put before each text by ``encode_documents`` ("" when nothing is)."""
        ...

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Vectors of shape ``(len(texts), dim)`` for texts to look up."""
        ...

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Vectors of shape ``(len(texts), dim)`` for texts to be found."""
        ...


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` made safe for a native encoder and cut to about ``max_chars`` characters.

    NUL characters (which would end a C string early) become spaces, lone surrogates (which UTF-8
    cannot encode) become U+FFFD, and a long text is cut at the last space before ``max_chars``
    when there is one in the final 10 %, so that no word is split.
    """
    if "\x00" in text:
        text = text.replace("\x00", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
    if len(text) > max_chars:
        cut = text.rfind(" ", max_chars - max_chars // 10, max_chars + 1)
        text = text[: cut if cut > 0 else max_chars]
    return text


def encode_in_batches(
    texts: Sequence[str],
    batch_size: int,
    dim: int,
    encode: Callable[[list[str]], npt.NDArray[np.floating]],
) -> Vectors:
    """Run ``encode`` over cleaned ``texts`` ``batch_size`` at a time; unit float32 rows.

    Rows are normalised again here (cheaply) so that every backend keeps the ``normalized``
    promise whatever its engine does; an all-zero row stays zero instead of becoming NaN.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    out = np.empty((len(texts), dim), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        chunk = [clean_text(t) for t in texts[start : start + batch_size]]
        rows = np.asarray(encode(chunk), dtype=np.float32)
        if rows.shape != (len(chunk), dim):
            raise RuntimeError(f"encoder returned shape {rows.shape}, expected {(len(chunk), dim)}")
        out[start : start + len(chunk)] = rows
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out
