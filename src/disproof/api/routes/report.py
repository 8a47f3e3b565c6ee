"""Reports: what an analyst would draft from a text, as data (the web page and the CLI render
the same :class:`~disproof.report.Report` as HTML or Markdown)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request

from disproof.api.budget import check_text, run_expensive, text_cost
from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.responses import BODY, EXPENSIVE, errors
from disproof.api.routes.match import MatchRequest
from disproof.report import Report, build_report

router = APIRouter(tags=["match"])


@router.post(
    "/report",
    summary="Report on a text: claims, matched cases, narratives",
    responses=errors(*BODY, *EXPENSIVE),
)
async def report(
    request: MatchRequest, service: ServiceDep, _: ReadAccess, http: Request
) -> Report:
    """The claims of the text that repeat known cases, each case with its summary, disproof,
    evidence and related cases, the narratives the text advances (with their source) and what
    the report does not say. Case ids are given; no links to case pages are made."""
    check_text(http, request.text)
    build = partial(
        build_report,
        top_k=request.top_k,
        min_band=request.min_band,
        wait=service.settings.match_wait,
    )
    return await run_expensive(http, text_cost(request.text), build, service, request.text)
