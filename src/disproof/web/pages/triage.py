"""Triage: the queue of sightings from watched sources (confirmed first, then suggested),
filterable by source, language, narrative, case, band and status. Editors act on each:
*add as appearance* (an edit of the case, based on the version shown — a case changed since is
refused, nothing written), *dismiss* (remembered), or *new case* (the editor, prefilled).
Viewers see the queue; every post is CSRF-checked. ``static/triage.js`` adds keys: j/k to move,
a/d/n to act on the focused sighting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from disproof.api.deps import get_service
from disproof.auth import Role
from disproof.errors import CaseNotFound, ConflictError, InvalidInput, VersionConflict
from disproof.service import Disproof
from disproof.watch.models import Sighting, SightingPage, SightingQuery
from disproof.watch.service import Monitoring
from disproof.web import csrf
from disproof.web.errors import HtmlRoute
from disproof.web.forms import EditorForm
from disproof.web.pages.history import version_field
from disproof.web.session import require_role
from disproof.web.templating import render
from disproof.web.urls import local_path, page_path

router = APIRouter(route_class=HtmlRoute)

FILTERS = ("status", "band", "source", "language", "narrative", "case_id")
PAGE_SIZE = 25
DONE = {
    "added": "Added to the case's appearances.",
    "dismissed": "Dismissed: this item will not come back for that case.",
    "conflict": "The case changed since this page was loaded: nothing was written. "
    "Look at it again before adding.",
    "decided": "Someone decided on that sighting already.",
}


@dataclass(frozen=True)
class Card:
    sighting: Sighting
    version: int | None  # the case's version now (None: the case is gone)


def _query(request: Request) -> SightingQuery:
    params = request.query_params
    values: dict[str, Any] = {k: params.get(k) or None for k in FILTERS}
    values["status"] = params.get("status", "new") or None
    page = params.get("page", "1")
    number = int(page) if page.isdigit() and len(page) < 7 else 1
    values |= {"limit": PAGE_SIZE, "offset": (max(number, 1) - 1) * PAGE_SIZE}
    try:
        return SightingQuery.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(f"a filter is not valid: {exc.errors()[0]['msg']}") from None


def _cards(service: Disproof, page: SightingPage) -> list[Card]:
    versions: dict[str, int | None] = {}
    for case_id in {s.case_id for s in page.results}:
        try:
            versions[case_id] = service.get_public(case_id).version
        except CaseNotFound:
            versions[case_id] = None
    return [Card(s, versions[s.case_id]) for s in page.results]


def _context(request: Request, query: SightingQuery) -> dict[str, Any]:
    service = get_service(request)
    monitoring = Monitoring(service)
    page = monitoring.queue(query)
    filters = {k: str(v) for k in FILTERS if (v := getattr(query, k)) is not None}
    number = query.offset // PAGE_SIZE + 1
    pages = max(1, -(-page.total // PAGE_SIZE))
    return {
        "section": "triage",
        "page": page,
        "cards": _cards(service, page),
        "filters": filters,
        "sources": [s.name for s in monitoring.list_sources()],
        "narratives": sorted(service.narrative_names().items(), key=lambda kv: kv[1]),
        "done": DONE.get(request.query_params.get("done", "")),
        "back": local_path(request.url.path + "?" + request.url.query),
        "number": number,
        "previous": page_path(request, "web_triage", filters | {"page": str(number - 1)})
        if number > 1
        else None,
        "next": page_path(request, "web_triage", filters | {"page": str(number + 1)})
        if number < pages
        else None,
    }


@router.get("/triage", name="web_triage")
def triage(request: Request) -> Response:
    require_role(request, Role.viewer)
    context = _context(request, _query(request))
    return render(request, "triage.html", context, headers={"Cache-Control": "no-store"})


def _back(request: Request, back: object, done: str) -> RedirectResponse:
    path = local_path(str(back or ""), page_path(request, "web_triage"))
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}done={done}", status_code=303)


@router.post("/triage/{sighting_id}/{action}", name="web_triage_act")
async def act(request: Request, sighting_id: int, action: str) -> Response:
    """``add`` (with the case ``version`` the page showed) or ``dismiss``."""
    principal = require_role(request, Role.editor)
    data = await request.form(max_files=0, max_fields=10, max_part_size=4_000)
    csrf.require_valid(request, data.get(csrf.FIELD))
    monitoring = Monitoring(get_service(request))
    try:
        if action == "add":
            version = version_field(data.get("version"), "version")
            await run_in_threadpool(monitoring.add_as_appearance, sighting_id, principal, version)
            return _back(request, data.get("back"), "added")
        if action == "dismiss":
            await run_in_threadpool(monitoring.dismiss, sighting_id, principal)
            return _back(request, data.get("back"), "dismissed")
    except VersionConflict:
        return _back(request, data.get("back"), "conflict")
    except ConflictError:
        return _back(request, data.get("back"), "decided")
    raise InvalidInput(f"unknown action {action[:20]!r}: add or dismiss")


def draft_from_sighting(service: Disproof, sighting_id: int) -> EditorForm:
    """The editor's form for a new case from a sighting: the claim is the matched span, the
    item is its first appearance, keywords are suggested from the text, and the case it was
    matched to is a related case whose narratives are ticked (all of it editable)."""
    sighting = Monitoring(service).sighting(sighting_id)
    form = EditorForm()
    try:
        matched = service.get(sighting.case_id)
    except CaseNotFound:
        pass
    else:
        form.values["related"] = matched.id
        form.narratives = list(matched.narratives)
    form.values["summary"] = sighting.span.text
    form.values["title"] = sighting.span.text[:200]
    form.values["languages"] = sighting.language or ""
    form.values["keywords"] = "\n".join(service.suggest_keywords(sighting.span.text, limit=6))
    form.rows["outlets"] = [
        {
            "outlet": sighting.outlet or sighting.source,
            "url": sighting.url or "",
            "archive_url": "",
            "date": sighting.date.isoformat() if sighting.date else "",
            "language": sighting.language or "",
        }
    ]
    return form
