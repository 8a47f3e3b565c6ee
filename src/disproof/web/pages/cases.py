"""A case page, laid out like a published debunk, with its ClaimReview JSON-LD in the head and,
for signed-in users, its history (a deleted case shows its history page instead)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from disproof.api.deps import get_service
from disproof.auth import Role
from disproof.errors import CaseNotFound
from disproof.io.claimreview import case_page_url, claim_review
from disproof.models import Case
from disproof.narratives.mapping import case_narratives
from disproof.narratives.stored import stored_fields
from disproof.web.errors import HtmlRoute
from disproof.web.pages.history import deleted_case_page, history_context
from disproof.web.session import require_read
from disproof.web.templating import render

router = APIRouter(route_class=HtmlRoute)

RELATED = 8


@router.get("/cases/{case_id:path}", name="web_case")
def case_page(request: Request, case_id: str, saved: int = 0, restored: int = 0) -> Response:
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
