"""The history of a case (viewer) and restoring a deleted case or an earlier version (editor).

Included before the cases router: ``/cases/{id}/history`` must not be read as a case id.
History needs a signed-in viewer even when reading is public: it names the people who edit
and keeps deleted cases.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from disproof.api.conditional import IfMatch, etag, expected_version
from disproof.api.deps import Editor, ServiceDep, require
from disproof.api.responses import errors
from disproof.api.routes.cases import case_location
from disproof.auth import Principal, Role
from disproof.history import CaseHistory
from disproof.models import CasePublic

router = APIRouter(prefix="/cases", tags=["history"])

Viewer = Annotated[Principal, Depends(require(Role.viewer))]


@router.get(
    "/{case_id:path}/history",
    summary="Who changed a case, when, and what (viewer)",
    responses=errors(403, 404),
)
def case_history(
    case_id: str,
    service: ServiceDep,
    _: Viewer,
    limit: Annotated[int, Query(ge=1, le=1000, description="Newest entries to list.")] = 100,
    full: Annotated[
        bool, Query(description="Whole values in the changes instead of shortened ones.")
    ] = False,
) -> CaseHistory:
    """Every version of the case, newest first: `version`, `action` (create, update, delete,
    restore, import, baseline), `author` (token name, operating-system user, or importer),
    `role` (viewer/editor/admin, `cli`, `import`), `at`, and `changes`: field →
    `{before, after}` (list fields also `added`/`removed`) against the version before. Long
    values are shortened (`truncated: true`) unless `full=true`; `changes` is null when unknown
    (entries from before history was kept). Also answers for a deleted case (`exists: false`)."""
    return service.history(case_id, full=full, limit=limit)


@router.post(
    "/{case_id:path}/restore",
    summary="Restore a deleted case or an earlier version (editor)",
    responses=errors(403, 404, 409, 412),
)
def restore_case(
    case_id: str,
    response: Response,
    service: ServiceDep,
    principal: Editor,
    version: Annotated[
        int | None,
        Query(
            ge=1,
            le=2**31 - 1,
            description="The version to go back to (needed when the case exists).",
        ),
    ] = None,
    if_match: IfMatch = None,
) -> CasePublic:
    """Brings a deleted case back as it was when deleted (or as it was in `version`), or puts
    an existing case back to `version`. The result is a new version with a `restore` entry in
    the history. An existing case without `version` is a 409; with `If-Match`, a case changed
    since is a 412."""
    case = service.restore_case(case_id, principal, version, expected_version(if_match))
    response.headers["Location"] = case_location(case.id)
    response.headers["ETag"] = etag(case.version)
    return case
