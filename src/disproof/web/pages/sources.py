"""The sources admin page: watched sources with their state (failing ones first, with why),
a form to add one and a button to remove each (admins; CSRF-checked)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from disproof.api.deps import get_service
from disproof.auth import Role
from disproof.errors import ConflictError
from disproof.watch.models import SOURCE_KINDS, SourceCreate
from disproof.watch.service import Monitoring
from disproof.web import csrf
from disproof.web.errors import HtmlRoute
from disproof.web.session import require_role
from disproof.web.templating import render
from disproof.web.urls import page_path

router = APIRouter(route_class=HtmlRoute)

FIELDS = ("name", "kind", "location", "outlet", "language", "interval_seconds")


def _page(
    request: Request, values: dict[str, str], error: str | None = None, status_code: int = 200
) -> Response:
    sources = Monitoring(get_service(request)).list_sources()
    sources.sort(key=lambda s: (not s.failing, s.name))
    context: dict[str, Any] = {
        "section": "sources",
        "sources": sources,
        "kinds": SOURCE_KINDS,
        "values": values,
        "error": error,
        "done": {"added": "Source added.", "removed": "Source removed."}.get(
            request.query_params.get("done", "")
        ),
    }
    headers = {"Cache-Control": "no-store"}
    return render(request, "sources.html", context, status_code=status_code, headers=headers)


@router.get("/sources", name="web_sources")
def sources(request: Request) -> Response:
    require_role(request, Role.admin)
    return _page(request, {"kind": "rss", "interval_seconds": "900"})


@router.post("/sources", name="web_sources_add")
async def add_source(request: Request) -> Response:
    data = await request.form(max_files=0, max_fields=20, max_part_size=4_000)
    csrf.require_valid(
        request, data.get(csrf.FIELD)
    )  # before the role: a forged post learns nothing
    require_role(request, Role.admin)
    values = {k: str(data.get(k) or "").strip() for k in FIELDS}
    fields: dict[str, object] = {k: v or None for k, v in values.items()}
    fields["follow_links"] = bool(data.get("follow_links"))  # a checkbox: sent only when ticked
    if fields["follow_links"]:
        values["follow_links"] = "1"
    try:
        source = SourceCreate.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _page(request, values, problems, 422)
    try:
        await run_in_threadpool(Monitoring(get_service(request)).add_source, source)
    except ConflictError as exc:
        return _page(request, values, str(exc), 409)
    return RedirectResponse(page_path(request, "web_sources", {"done": "added"}), status_code=303)


@router.post("/sources/{name}/remove", name="web_sources_remove")
async def remove_source(request: Request, name: str) -> Response:
    data = await request.form(max_files=0, max_fields=5, max_part_size=1_000)
    csrf.require_valid(request, data.get(csrf.FIELD))
    require_role(request, Role.admin)
    await run_in_threadpool(Monitoring(get_service(request)).remove_source, name)
    return RedirectResponse(page_path(request, "web_sources", {"done": "removed"}), status_code=303)
