"""Matching: which known cases does a text repeat?"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from disproof.api.budget import check_text, run_expensive, text_cost
from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.responses import BODY, EXPENSIVE, errors
from disproof.match.calibration import Band
from disproof.models import MatchResult

router = APIRouter(tags=["match"])

#: The longest text any request may send; the limit of each request is smaller without a token
#: (``max_text_anonymous`` / ``max_text_signed_in``, see :mod:`disproof.api.budget`).
MAX_MATCH_TEXT = 100_000


class MatchRequest(BaseModel):
    """A text to check: a sentence, a post or a whole article."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_MATCH_TEXT)
    top_k: int = Field(default=5, ge=1, le=100, description="Matches per claim-like sentence.")
    min_band: Band | None = Field(
        default=None,
        description='Lowest band listed (default: "none" for one claim or post; for an '
        "article, the cases that pass the article rule).",
    )


@router.post(
    "/match",
    summary="Find the known cases a text repeats",
    responses=errors(*BODY, *EXPENSIVE),
)
async def match(
    request: MatchRequest, service: ServiceDep, _: ReadAccess, http: Request
) -> MatchResult:
    """Each claim-like passage (sentence or clause) is matched; each case is listed once, with a
    calibrated score, a band (confirmed, suggested, none), the character offsets of the
    passages that repeat it and why it matched.

    Texts are at most 20,000 characters without a token (100,000 with one, by default); each
    client has a budget of expensive requests (429 with `Retry-After` when it is spent)."""
    check_text(http, request.text)
    return await run_expensive(
        http,
        text_cost(request.text),
        partial(
            service.match,
            top_k=request.top_k,
            min_band=request.min_band,
            wait=service.settings.match_wait,
        ),
        request.text,
    )
