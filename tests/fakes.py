"""Stand-ins shared by the tests: a model-free embedder, its calibration, a bulk case writer."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt
from fastapi import FastAPI
from fastapi.testclient import TestClient

from disproof.match.article import SPAN_FEATURES, ArticleRule
from disproof.match.calibration import Calibration, Thresholds
from disproof.match.features import FEATURES
from disproof.models import Case
from disproof.service import Disproof
from disproof.sessions import SessionStore


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: enough to exercise pipelines without a model.

    ``encoded`` counts the texts encoded so far (tests of incremental indexing read it).
    """

    model_id = "fake-embedder/1"
    dim = 64
    normalized = True
    query_prefix = ""
    document_prefix = ""

    def __init__(self) -> None:
        self.encoded = 0

    def _encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.md5(word.encode("utf-8", "surrogatepass")).hexdigest()
                out[row, int(digest, 16) % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> npt.NDArray[np.float32]:
        return self._encode(texts)

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> npt.NDArray[np.float32]:
        return self._encode(texts)


FAKE_CALIBRATION = Calibration(
    model_id=FakeEmbedder.model_id,
    features=list(FEATURES),
    weights=[2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 0.0, 0.0, 0.0],
    bias=-4.0,
    mean=[0.0] * len(FEATURES),
    scale=[1.0] * len(FEATURES),
    thresholds=Thresholds(confirmed=0.7, suggested=0.3),
    # long texts: the rule's probability is the span's best probability, same thresholds
    article=ArticleRule(
        features=list(SPAN_FEATURES),
        weights=[1.0] + [0.0] * (len(SPAN_FEATURES) - 1),
        bias=0.0,
        mean=[0.0] * len(SPAN_FEATURES),
        scale=[1.0] * len(SPAN_FEATURES),
        suggested=0.3,
        confirmed=0.7,
    ),
)


def add_cases(service: Disproof, *cases: Case) -> None:
    """Write cases straight through the store (no import file needed)."""
    with service.store.transaction() as connection:
        service.store.upsert(connection, list(cases), dt.datetime.now(dt.UTC))


def sign_in_cookie(client: TestClient, token: str) -> str:
    """Open a web session with ``token`` (as the sign-in form does) and set its cookie on
    ``client``; returns the session id."""
    from disproof.api.deps import SESSION_COOKIE

    app = client.app
    assert isinstance(app, FastAPI)
    opened = cast(SessionStore, app.state.sessions).open(token)
    assert opened is not None, "the token was not accepted"
    client.cookies.set(SESSION_COOKIE, opened[0])
    return opened[0]
