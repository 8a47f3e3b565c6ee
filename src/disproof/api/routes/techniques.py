"""Persuasion techniques: how does a text try to persuade?"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from disproof.api.budget import check_text, run_expensive, text_cost
from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.responses import BODY, EXPENSIVE, errors
from disproof.api.routes.match import MAX_MATCH_TEXT
from disproof.settings import Settings

router = APIRouter(tags=["techniques"])

NOTE = "Technique labels are model output, not an analyst's judgement."


class TechniquesRequest(BaseModel):
    """A text to read: a sentence, a post or a whole article (one paragraph per line)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_MATCH_TEXT)


class TechniqueSpanOut(BaseModel):
    technique: str = Field(description="Name as in SemEval-2023 Task 3 (e.g. Loaded_Language).")
    start: int = Field(description="Offset of the first character (code points, 0-based).")
    end: int = Field(description="Offset after the last character.")
    score: float = Field(description="Model confidence over 0.5 (not a calibrated probability).")
    name: str = Field(description="Display name.")
    definition: str = Field(description="One-line definition, written by the project.")


class TechniquesResult(BaseModel):
    techniques: list[TechniqueSpanOut]
    note: str = NOTE


_lock = threading.Lock()
_cache: dict[tuple[str, float], object] = {}


def _detect(settings: Settings, text: str) -> TechniquesResult:
    from disproof.techniques import Detector, technique_info
    from disproof.techniques.model import beside_database, default_model_path, load_model

    trained = beside_database(settings)
    path = trained if trained is not None and trained.is_file() else default_model_path()
    key = (str(path), path.stat().st_mtime if path is not None else 0.0)
    with _lock:  # one loaded model per file version, shared by the worker threads
        detector = _cache.get(key)
        if not isinstance(detector, Detector):
            _cache.clear()
            detector = _cache[key] = Detector(load_model(Path(path) if path else None))
    spans = []
    for span in detector.detect(text):
        info = technique_info(span.technique)
        spans.append(
            TechniqueSpanOut(**span.as_json(), name=info.display, definition=info.definition)
        )
    return TechniquesResult(techniques=spans)


@router.post(
    "/techniques",
    summary="Find the persuasion techniques a text uses",
    responses=errors(*BODY, *EXPENSIVE),
)
async def techniques(
    request: TechniquesRequest, service: ServiceDep, _: ReadAccess, http: Request
) -> TechniquesResult:
    """Character spans of the 23 persuasion techniques of SemEval-2023 Task 3 (loaded language,
    name calling, doubt, appeal to fear …) in the text, each with a score, the technique's
    display name and a one-line definition. A paragraph (a non-blank line) carries a technique
    when one of its spans overlaps it. The labels are model output.

    Same limits as `/match`: texts of at most 20,000 characters without a token (100,000 with
    one, by default) and the client's budget of expensive requests (429 with `Retry-After`)."""
    check_text(http, request.text)
    return await run_expensive(
        http, text_cost(request.text), _detect, service.settings, request.text
    )
