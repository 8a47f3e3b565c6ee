"""A case page, laid out like a published debunk, with its ClaimReview JSON-LD in the head and,
for signed-in users, its history (a deleted case shows its history page instead)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from disproof.api.deps import get_service
from disproof.auth import Role
from disproof.errors import CaseNotFound, DisproofError
from disproof.io.claimreview import case_page_url, claim_review
from disproof.models import Case
from disproof.narratives.mapping import case_narratives
from disproof.narratives.stored import stored_fields
from disproof.service import Disproof
from disproof.techniques.cached import claim_text, stored_techniques, text_techniques
from disproof.techniques.shown import NOTE, ShownSpan, shown_spans
from disproof.web.errors import HtmlRoute
from disproof.web.marks import Piece, pieces
from disproof.web.pages.history import deleted_case_page, history_context
from disproof.web.session import require_read
from disproof.web.templating import render

router = APIRouter(route_class=HtmlRoute)

RELATED = 8


@dataclass
class ClaimTechniques:
    """The persuasion techniques of a case's claim text (title and summary), when known: read
    from the store's cache, or detected on request (``?techniques=1``) and cached."""

    text: str
    spans: list[ShownSpan] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    known: bool = False
    missing: str | None = None
    note: str = NOTE


def claim_techniques(service: Disproof, case: Case, compute: bool) -> ClaimTechniques | None:
    """None for a case without a title or summary. Without ``compute`` only cached results are
    read (one indexed query; the model is not loaded)."""
    text = claim_text(case)
    if not text:
        return None
    engine, settings = service.store.engine, service.settings
    try:
        found = (text_techniques if compute else stored_techniques)(engine, settings, [text])
    except DisproofError as exc:  # no model in this install, or one it cannot read
        return ClaimTechniques(text, missing=str(exc))
    if text not in found:
        return ClaimTechniques(text)
    spans = shown_spans(text, found[text])
    return ClaimTechniques(text, spans, pieces(text, [], spans), known=True)


@router.get("/cases/{case_id:path}", name="web_case")
def case_page(
    request: Request, case_id: str, saved: int = 0, restored: int = 0, techniques: int = 0
) -> Response:
    principal = require_read(request)
    service = get_service(request)
    try:
        case = service.get(case_id)
    except CaseNotFound:
        return deleted_case_page(request, case_id, principal)
    names = service.narrative_names()
    context = {
        **history_context(service, case.id, principal),
        "case": case,
        "narratives": [
            (n, names.get(n.id, n.id))
            for n in case_narratives(case, stored_fields(service.store.engine, case))
        ],
        "related": service.related_cases(case.id, limit=RELATED),
        "json_ld": _page_claim_review(request, case),
        "can_edit": principal is not None and principal.role.allows(Role.editor),
        "techniques": claim_techniques(service, case, compute=bool(techniques)),
        "saved": bool(saved),
        "restored": bool(restored),
    }
    return render(request, "case.html", context)


def _page_claim_review(request: Request, case: Case) -> dict[str, Any]:
    """The case's ClaimReview for this page: its ``url`` is the page itself (search engines
    want the review's URL on the site that shows it), at the configured public address when
    there is one, else the address the request came to."""
    node = claim_review(case, with_context=True)
    base = get_service(request).settings.public_url or str(request.base_url)
    node["url"] = case_page_url(base, case.id)
    return node
