"""Persuasion techniques: how does a text try to persuade?"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from disproof.api.budget import check_text, run_expensive, text_cost
from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.responses import BODY, EXPENSIVE, errors
from disproof.api.routes.match import MAX_MATCH_TEXT
from disproof.models import Case
from disproof.settings import Settings
from disproof.techniques.shown import NOTE, SpanLike
from disproof.techniques.taxonomy import technique_info

router = APIRouter(tags=["techniques"])


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


def _detect(settings: Settings, text: str) -> TechniquesResult:
    from disproof.techniques.loaded import loaded_model

    spans = loaded_model(settings).detector.detect(text)
    return TechniquesResult(techniques=[span_out(span) for span in spans])


def span_out(span: SpanLike) -> TechniqueSpanOut:
    info = technique_info(span.technique)
    return TechniqueSpanOut(
        technique=span.technique,
        start=span.start,
        end=span.end,
        score=round(span.score, 3),
        name=info.display,
        definition=info.definition,
    )


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


class CaseSpanOut(TechniqueSpanOut):
    field: Literal["title", "summary"] = Field(description="The field of the case it lies in.")
    field_start: int = Field(description="`start` as an offset into that field.")
    field_end: int = Field(description="`end` as an offset into that field.")


class CaseTechniques(BaseModel):
    """The persuasion techniques of a case's claim text: its title and summary, one paragraph
    each (`text`); offsets are into `text`, and into the field with `field_start`/`field_end`."""

    text: str
    model: str = Field(description="The technique model's id (a digest of its file).")
    techniques: list[CaseSpanOut]
    note: str = NOTE


def case_techniques(settings: Settings, engine: Engine, case: Case) -> CaseTechniques:
    """Read from the store's cache, or detected and cached (derived data)."""
    from disproof.techniques.cached import case_result

    return CaseTechniques.model_validate(case_result(engine, settings, case))
