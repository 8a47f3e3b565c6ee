"""The case editor: create and edit cases (signed-in editors and admins), CSRF-protected.

Without JavaScript, "Check for similar cases" posts the form and shows it again with similar
known cases and suggested keywords; ``static/editor.js`` does the same live, while typing.

The edit form carries the version of the case it was loaded from (a hidden ``version`` field).
Saving is refused when the case has changed since: the form comes back with what the user typed,
who changed what meanwhile, and a link to the current version; its ``version`` is then the
current one, so saving again replaces that version knowingly. An edit posted without
``version`` is refused, nothing written (it used to overwrite whatever was stored).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from disproof.api.budget import run_expensive
from disproof.api.deps import get_service
from disproof.auth import Principal, Role
from disproof.errors import DisproofError, InvalidInput, VersionConflict
from disproof.models import Case, CaseCreate, CaseUpdate
from disproof.narratives import builtin_taxonomy
from disproof.service import Disproof
from disproof.web import csrf
from disproof.web.errors import HtmlRoute
from disproof.web.forms import EditorForm
from disproof.web.pages.history import EntryView, history_entries, version_field
from disproof.web.session import require_role
from disproof.web.templating import render
from disproof.web.urls import case_path, page_path, root_path

router = APIRouter(route_class=HtmlRoute)

#: The REST endpoint ``static/editor.js`` asks while the claim is typed.
SIMILAR_API = "/api/v1/match"
SIMILAR = 5
SUGGESTED_KEYWORDS = 10
MAX_FORM_BYTES = 200_000
#: Most fields one editor post may have: the case's own, ticked narratives, and a row of inputs
#: per appearance and evidence link (5 and 2 inputs, and the row's hidden item number), up to
#: the models' 500 items each.
MAX_FIELDS = 6_000


def _taxonomy(ticked: list[str]) -> list[dict[str, Any]]:
    """Narratives for the checkboxes, children under their parent; a ticked id that is not in
    the taxonomy (from another taxonomy or an import) is kept, so saving never drops it."""
    narratives = builtin_taxonomy().narratives
    out: list[dict[str, Any]] = []
    for top in (n for n in narratives if n.parent is None):
        out.append({"id": top.id, "name": top.name, "child": False})
        out += [
            {"id": n.id, "name": n.name, "child": True} for n in narratives if n.parent == top.id
        ]
    known = {n.id for n in narratives}
    out += [{"id": n, "name": n, "child": False} for n in ticked if n not in known]
    return out


def _show(
    request: Request,
    form: EditorForm,
    case: Case | None,
    *,
    similar: list[Any] | None = None,
    keywords: list[str] | None = None,
    version: int | None = None,
    conflict: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "case": case,
        "version": version,
        "conflict": conflict,
        "taxonomy": _taxonomy(form.narratives),
        "similar": similar,
        "suggested_keywords": keywords,
        "action": case_path(request, case.id, "edit")
        if case
        else page_path(request, "web_case_new"),
        "similar_api": root_path(request) + SIMILAR_API,
    }
    return render(
        request,
        "editor.html",
        context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


MISSING_VERSION = (
    "This form does not say which version of the case it edits, so saving it could silently "
    "replace someone else's change. Nothing was saved: open the case's editor again."
)


async def _posted(request: Request) -> tuple[EditorForm, str, int | None]:
    """The posted form (after the CSRF check), which button was pressed, and the version of
    the case the form was loaded from."""
    data = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FORM_BYTES)
    csrf.require_valid(request, data.get(csrf.FIELD))
    action = str(data.get("action") or "save")
    version = version_field(data.get("version"), "version")
    form = EditorForm.from_post(
        lambda name: _text(data.get(name)), lambda name: [_text(v) for v in data.getlist(name)]
    )
    return form, action, version


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _similar(service: Disproof, form: EditorForm, case: Case | None) -> tuple[list[Any], list[str]]:
    """Known cases like the claim being edited (not the case itself), and keywords for it."""
    claim = "\n".join(x for x in (form.values["title"], form.values["summary"]) if x.strip())
    if not claim.strip():
        return [], []
    words = "\n".join([claim, form.values["disproof"]])
    own = case.id if case else None
    found = service.similar_to(claim, limit=SIMILAR + 1)
    similar = [m for m in found if m.band != "none" and m.case_id != own][:SIMILAR]
    return similar, service.suggest_keywords(words, limit=SUGGESTED_KEYWORDS)


def _save(
    service: Disproof,
    form: EditorForm,
    case: Case | None,
    principal: Principal,
    version: int | None,
) -> Case | None:
    """Create or update the case (if it is still at ``version``); None (with errors on the
    form) when it cannot be saved. A changed case raises :class:`VersionConflict`."""
    data = form.case_data() if case is None else form.update_data(EditorForm.from_case(case))
    if form.errors:
        return None
    try:
        if case is None:
            return service.create_case(CaseCreate.model_validate(data), principal)
        return service.update_case(case.id, CaseUpdate.model_validate(data), principal, version)
    except VersionConflict:
        raise
    except ValidationError as exc:
        form.add_errors(exc.errors())
    except InvalidInput as exc:
        form.add_errors(exc.errors or [{"loc": (), "msg": str(exc)}])
    except DisproofError as exc:
        form.error("", str(exc))
    return None


def _conflict(service: Disproof, case: Case, conflict: VersionConflict) -> dict[str, Any]:
    """What the conflict message shows: the versions, and who changed what since."""
    newer: list[EntryView] = [
        entry
        for entry in history_entries(service, case.id)
        if entry.version is not None and entry.version > conflict.expected
    ]
    return {"expected": conflict.expected, "current": conflict.current, "entries": newer}


async def _handle_post(request: Request, case: Case | None) -> Response:
    principal = require_role(request, Role.editor)
    form, action, version = await _posted(request)
    service = get_service(request)
    if action == "similar":
        similar, keywords = await run_expensive(request, 1.0, _similar, service, form, case)
        form.case_data(EditorForm.from_case(case) if case else None)  # errors, by their fields
        return _show(request, form, case, similar=similar, keywords=keywords, version=version)
    if case is not None and version is None:
        form.error("", MISSING_VERSION)
        return _show(request, form, case, status_code=422)
    try:
        saved = await run_in_threadpool(_save, service, form, case, principal, version)
    except VersionConflict as exc:
        assert case is not None  # only an update names a version
        conflict = await run_in_threadpool(_conflict, service, case, exc)
        return _show(request, form, case, version=exc.current, conflict=conflict, status_code=409)
    if saved is None:
        return _show(request, form, case, version=version, status_code=422)
    return RedirectResponse(case_path(request, saved.id) + "?saved=1", status_code=303)


@router.get("/cases/new", name="web_case_new")
async def new_case(request: Request) -> Response:
    """A blank form; ``?sighting=ID`` (from triage) prefills it from a sighting's span and item,
    with similar known cases and suggested keywords."""
    require_role(request, Role.editor)
    sighting = request.query_params.get("sighting", "")
    if not sighting:
        return _show(request, EditorForm(), None)
    from disproof.web.pages.triage import draft_from_sighting

    service = get_service(request)
    number = version_field(sighting, "sighting")
    assert number is not None
    form = await run_in_threadpool(draft_from_sighting, service, number)
    similar, keywords = await run_expensive(request, 1.0, _similar, service, form, None)
    return _show(request, form, None, similar=similar, keywords=keywords)


@router.post("/cases/new", name="web_case_create")
async def create_case(request: Request) -> Response:
    return await _handle_post(request, None)


@router.get("/cases/{case_id:path}/edit", name="web_case_edit")
def edit_case(request: Request, case_id: str) -> Response:
    require_role(request, Role.editor)
    case = get_service(request).get_public(case_id)
    return _show(request, EditorForm.from_case(case), case, version=case.version)


@router.post("/cases/{case_id:path}/edit", name="web_case_update")
async def update_case(request: Request, case_id: str) -> Response:
    require_role(request, Role.editor)
    case = await run_in_threadpool(get_service(request).get_public, case_id)
    return await _handle_post(request, case)
