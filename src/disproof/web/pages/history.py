"""Case history on the web: the "History" section of a case page, the page of a deleted case,
and the restore button (editors, CSRF-protected).

History is shown to signed-in users only, even when reading is public: it names the people who
edit, and a deleted case may have been deleted for a reason. Case text in the changes is hostile
input like any other; the templates escape it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from pydantic import JsonValue
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from disproof.api.deps import get_service
from disproof.auth import Principal, Role
from disproof.errors import CaseNotFound, InvalidInput
from disproof.history import CaseHistory, FieldChange, HistoryEntry
from disproof.service import Disproof
from disproof.web import csrf
from disproof.web.errors import HtmlRoute
from disproof.web.session import require_role
from disproof.web.templating import render
from disproof.web.urls import case_path

router = APIRouter(route_class=HtmlRoute)

#: Newest history entries shown on a page.
SHOWN = 50
ACTION_LABELS = {
    "create": "Created",
    "update": "Edited",
    "delete": "Deleted",
    "restore": "Restored",
    "import": "Imported",
    "baseline": "Recorded",
}
FIELD_LABELS = {"reviewed_by": "reviewed by", "related": "related cases"}


@dataclass(frozen=True)
class ChangeRow:
    """One changed field as the page shows it: plain text, escaped by the template."""

    field: str
    before: str
    after: str
    truncated: bool


@dataclass(frozen=True)
class EntryView:
    version: int | None
    action: str
    author: str
    role: str | None
    at: dt.datetime
    note: str | None
    changes: list[ChangeRow] | None
    restorable: bool


def _text(value: JsonValue) -> str:
    """A JSON value as readable text: lists one item after another, objects as key: value."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def _change(field: str, change: FieldChange) -> ChangeRow:
    label = FIELD_LABELS.get(field, field)
    if change.added is not None and change.removed is not None:
        before = "− " + _text(change.removed) if change.removed else "—"
        after = "+ " + _text(change.added) if change.added else "—"
        if not change.added and not change.removed:  # only the order changed
            before, after = _text(change.before), _text(change.after)
        return ChangeRow(label, before, after, change.truncated)
    return ChangeRow(label, _text(change.before), _text(change.after), change.truncated)


def _entry(entry: HistoryEntry, current: int | None) -> EntryView:
    changes = (
        None
        if entry.changes is None
        else [_change(name, change) for name, change in entry.changes.items()]
    )
    restorable = (
        entry.version is not None
        and entry.action != "delete"
        and current is not None
        and entry.version < current
    )
    return EntryView(
        version=entry.version,
        action=ACTION_LABELS.get(entry.action, entry.action),
        author=entry.author,
        role=entry.role,
        at=entry.at,
        note=entry.note,
        changes=changes,
        restorable=restorable,
    )


def history_entries(service: Disproof, case_id: str) -> list[EntryView]:
    """The newest entries of a case's history, as the pages show them."""
    history = service.history(case_id, limit=SHOWN)
    return [_entry(e, history.current_version) for e in history.entries]


def history_context(
    service: Disproof, case_id: str, principal: Principal | None
) -> dict[str, object]:
    """What the history section needs; empty for visitors who are not signed in."""
    if principal is None:
        return {"history": None, "history_entries": []}
    try:
        history = service.history(case_id, limit=SHOWN)
    except CaseNotFound:
        return {"history": None, "history_entries": []}
    entries = [_entry(e, history.current_version) for e in history.entries]
    return {"history": history, "history_entries": entries}


def deleted_case_page(request: Request, case_id: str, principal: Principal | None) -> Response:
    """The page of a deleted case for signed-in users (410), with its history and, for
    editors, a restore button; anyone else gets the usual "no such case"."""
    context = history_context(get_service(request), case_id, principal)
    history = context["history"]
    if not isinstance(history, CaseHistory) or history.exists:
        raise CaseNotFound(case_id)
    deleted = next((e for e in history.entries if e.action == "delete"), None)
    context |= {"case_id": case_id, "deleted": deleted}
    return render(request, "deleted.html", context, status_code=410)


def version_field(value: object, name: str) -> int | None:
    """A version number posted in a form field (None when empty)."""
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput(f"{name} must be a version number")
    return int(text)


@router.post("/cases/{case_id:path}/restore", name="web_case_restore")
async def restore_case(request: Request, case_id: str) -> Response:
    """Restore a deleted case, or (with ``version``) an earlier version of a case."""
    principal = require_role(request, Role.editor)
    data = await request.form(max_files=0, max_fields=10, max_part_size=1_000)
    csrf.require_valid(request, data.get(csrf.FIELD))
    version = version_field(data.get("version"), "version")
    expected = version_field(data.get("current"), "current")
    service = get_service(request)
    case = await run_in_threadpool(service.restore_case, case_id, principal, version, expected)
    return RedirectResponse(case_path(request, case.id) + "?restored=1", status_code=303)
