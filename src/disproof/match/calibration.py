"""Calibrated confidence: a logistic model over ``features.FEATURES`` and two thresholds.

The weights and thresholds are data (``disproof/data/calibration/*.json``), fitted by
``benchmarks/calibrate.py`` on labelled pairs (CheckThat! 2022 train, thresholds chosen on dev)
for one embedding model. A match is ``confirmed`` when its probability reaches the threshold that
gave the target precision on held-out data, ``suggested`` above a lower one, and dropped below.
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
from disproof.match.features import FEATURES

Band = Literal["confirmed", "suggested", "none"]


class Thresholds(BaseModel):
    confirmed: float
    suggested: float


class Calibration(BaseModel):
    """A fitted scorer for one embedding model (``model_id``)."""

    model_id: str
    features: list[str]
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    thresholds: Thresholds
    fitted_on: str = ""
    measured: dict[str, float] = {}
    #: The rule for long texts (``article.py``); None: list a span's best case if confirmed.
    article: ArticleRule | None = None

    def probability(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if list(FEATURES) != self.features:
            raise ValueError("calibration was fitted on other features; refit it")
        z = (x - np.array(self.mean)) / np.array(self.scale)
        logits = z @ np.array(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def band(self, probability: float) -> Band:
        if probability >= self.thresholds.confirmed:
            return "confirmed"
        if probability >= self.thresholds.suggested:
            return "suggested"
        return "none"


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
