"""Reports: what an analyst would draft from a text, as data (the web page and the CLI render
the same :class:`~disproof.report.Report` as HTML or Markdown)."""

from __future__ import annotations

from fastapi import APIRouter

from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.responses import BODY, errors
from disproof.api.routes.match import MatchRequest
from disproof.report import Report, build_report

router = APIRouter(tags=["match"])


@router.post(
    "/report",
    summary="Report on a text: claims, matched cases, narratives",
    responses=errors(*BODY),
)
def report(request: MatchRequest, service: ServiceDep, _: ReadAccess) -> Report:
    """The claims of the text that repeat known cases, each case with its summary, disproof,
    evidence and related cases, the narratives the text advances (with their source) and what
    the report does not say. Case ids are given; no links to case pages are made."""
    return build_report(service, request.text, top_k=request.top_k, min_band=request.min_band)
