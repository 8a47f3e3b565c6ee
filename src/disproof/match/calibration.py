"""Calibrated confidence: a logistic model over ``features.FEATURES`` and two thresholds, per
situation.

The weights and thresholds are data (``disproof/data/calibration/*.json``) for one embedding
model. A match is ``confirmed`` when its probability reaches the threshold that gave the target
precision on held-out data, ``suggested`` above a lower one, and dropped below.

Two situations are calibrated apart, because the features mean different things in them: a
**same-language** pair (a span and a case in one language; fitted by ``benchmarks.checkthat``
on English tweets against fact-checked claims) and a **cross-language** pair (e.g. a German
quote against an English case, where the lexical features are near zero by construction;
fitted by ``benchmarks.propaganda_diary`` on real pro-Kremlin quotes in de, it, ru and uk,
cross-validated over quote groups). Without a cross-language model, cross-language pairs use
the same-language one.

A third, **one-text** model scores same-language pairs whose case has one text only (its title
and claim summary are the same text, or one of them is empty: nearly every case of the
EUvsDisinfo files as imported). The two-field model reads such a case's one cosine and one
coverage twice, as two agreeing pieces of evidence, and over-confirmed short passages that
cover a one-line title's two or three words. The one-text model is fitted by
``benchmarks.checkthat --fit-one-text`` on the same pairs with each claim's text in both fields,
as such a case is indexed.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from disproof.match.article import ArticleRule
from disproof.match.domain import Domain
from disproof.match.features import FEATURES

Band = Literal["confirmed", "suggested", "none"]


class Thresholds(BaseModel):
    confirmed: float
    suggested: float


Situation = Literal["same-language", "cross-language", "one-text"]


class Scorer(BaseModel):
    """A logistic model over ``FEATURES`` and its band thresholds, for one situation."""

    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    thresholds: Thresholds
    fitted_on: str = ""
    measured: dict[str, float] = {}

    def probability(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        z = (x - np.array(self.mean)) / np.array(self.scale)
        logits = z @ np.array(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def band(self, probability: float) -> Band:
        if probability >= self.thresholds.confirmed:
            return "confirmed"
        if probability >= self.thresholds.suggested:
            return "suggested"
        return "none"


class Calibration(Scorer):
    """The fitted scorers of one embedding model (``model_id``): as a :class:`Scorer` itself,
    the same-language model; ``cross_language`` the model for pairs in different languages."""

    model_id: str
    features: list[str]
    #: The rule for long texts (``article.py``); None: list a span's best case if confirmed.
    article: ArticleRule | None = None
    #: The model for a span and a case in different languages (None: the same-language one).
    cross_language: Scorer | None = None
    #: The model for a same-language pair whose case has one text (None: the two-field one).
    one_text: Scorer | None = None
    #: How dense the database the models were fitted on is (``domain.py``); None: unknown.
    domain: Domain | None = None

    def probability(
        self,
        x: npt.NDArray[np.float64],
        cross: npt.NDArray[np.bool_] | None = None,
        one_text: npt.NDArray[np.bool_] | None = None,
    ) -> npt.NDArray[np.float64]:
        """The probability of each row of ``x``; rows where ``cross`` is set are scored by the
        cross-language model, other rows where ``one_text`` is set by the one-text model (when
        there are such models)."""
        if list(FEATURES) != self.features:
            raise ValueError("calibration was fitted on other features; refit it")
        out = super().probability(x)
        if one_text is not None and self.one_text is not None and one_text.any():
            out = np.where(one_text, self.one_text.probability(x), out)
        if cross is not None and self.cross_language is not None and cross.any():
            out = np.where(cross, self.cross_language.probability(x), out)
        return out

    def band(self, probability: float, situation: Situation = "same-language") -> Band:
        if situation == "cross-language" and self.cross_language is not None:
            return self.cross_language.band(probability)
        if situation == "one-text" and self.one_text is not None:
            return self.one_text.band(probability)
        return super().band(probability)

    def situation(self, cross: bool, one_text: bool = False) -> Situation:
        """The calibration a pair is scored with (what a match reports)."""
        if cross and self.cross_language is not None:
            return "cross-language"
        return "one-text" if one_text and self.one_text is not None else "same-language"


def _file_name(model_id: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in model_id).strip("-") + ".json"


@cache
def calibration_for(model_id: str) -> Calibration | None:
    """The shipped calibration of an embedding model, or None if it has none."""
    source = resources.files("disproof.data.calibration") / _file_name(model_id)
    if not source.is_file():
        return None
    return Calibration.model_validate(json.loads(source.read_text(encoding="utf-8")))


def calibration_file_name(model_id: str) -> str:
    return _file_name(model_id)
