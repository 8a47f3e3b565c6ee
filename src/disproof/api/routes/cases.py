"""Cases: list with filters, read, create (editor), change (editor), delete (admin), related.

Case ids can be URLs (EUvsDisinfo's are), so the id is a ``:path`` parameter; ``/related`` is
registered before the plain case route so that it is never read as part of an id (and the
``/history`` and ``/restore`` routes come before this whole router, see ``routes.history``).

Reading, creating and changing a case answer with its version as the ``ETag``; changing and
deleting accept ``If-Match`` (see :mod:`disproof.api.conditional`).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status

from disproof.api.conditional import IfMatch, etag, expected_version
from disproof.api.deps import Admin, Editor, ReadAccess, ServiceDep
from disproof.api.params import PagedQuery
from disproof.api.responses import BODY, errors
from disproof.api.routes.techniques import CaseTechniques, case_techniques
from disproof.errors import CaseNotFound
from disproof.models import CaseCreate, CaseUpdate, CaseView, RelatedCase, SearchPage
from disproof.narratives.mapping import case_view
from disproof.narratives.stored import stored_fields

router = APIRouter(prefix="/cases", tags=["cases"])


class CaseDetail(CaseView):
    """A case as the API answers it (read, created, changed): ``techniques`` is filled only
    when a read asks for it (``include=techniques``), else null — one shape for every answer,
    so a client can compare what it wrote with what it reads."""

    techniques: CaseTechniques | None = None


Include = Annotated[
    list[Literal["techniques"]] | None,
    Query(
        max_length=4,
        description="Also return `techniques`: the persuasion techniques of the case's title "
        "and summary (model output; computed once per text and model, then cached).",
    ),
]


def case_location(case_id: str) -> str:
    """The API path of a case (the id percent-encoded, slashes included)."""
    return "/api/v1/cases/" + quote(case_id, safe="")


@router.get("", summary="List cases, filtered and paged", responses=errors())
def list_cases(query: PagedQuery, service: ServiceDep, _: ReadAccess) -> SearchPage:
    """Cases matching the filters (full-text search with `q`), newest first; `total` counts
    all matches, not only this page."""
    return service.search(query)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a case (editor)",
    responses=errors(403, 409, *BODY),
)
def create_case(
    data: CaseCreate, response: Response, service: ServiceDep, principal: Editor
) -> CaseDetail:
    """Add a case. Without an `id`, one is derived from the source, date, title and first
    outlet. An id that exists already is a 409 (the id of a deleted case can be used again; its
    versions go on from the deleted ones). The `ETag` header is the new case's version."""
    case = service.create_case(data, principal)
    response.headers["Location"] = case_location(case.id)
    response.headers["ETag"] = etag(case.version)
    return CaseDetail(**dict(case_view(case, stored_fields(service.store.engine, case))))


@router.get("/{case_id:path}/related", summary="Cases related to a case", responses=errors(404))
def related_cases(
    case_id: str,
    service: ServiceDep,
    _: ReadAccess,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[RelatedCase]:
    """Cases analysts linked to this one first, then the most similar claims, with reasons."""
    return service.related_cases(case_id, limit)


@router.get("/{case_id:path}", summary="Read a case", responses=errors(404))
def get_case(
    case_id: str, response: Response, service: ServiceDep, _: ReadAccess, include: Include = None
) -> CaseDetail:
    """The case with its `version`, which is also sent as the `ETag` header (e.g. `"3"`):
    send it back as `If-Match` when changing the case, so that you never overwrite a change
    you have not seen. An id the case had before it was merged with the same claim from another
    source (an alias) reads the merged case. `narratives` are the analysts' own;
    `inferred_narratives` are those disproof infers from the case's keywords and text, each with
    the keywords and terms that support it, the claim sentence of the narrative nearest the
    case and its margin where the index's vectors were checked (`claim`, `margin`; null: the
    rule decided alone), and the measured precision (never stored, never exported).
    With `include=techniques`, `techniques` lists the persuasion techniques of the case's title
    and summary (model output, not an analyst's judgement); otherwise it is null."""
    try:
        case = service.get_public(case_id)
    except CaseNotFound:  # an id the case had before it was merged with the same claim
        case = service.get_public(service.get(case_id).id)
    response.headers["ETag"] = etag(case.version)
    view = case_view(case, stored_fields(service.store.engine, case))
    techniques = None
    if include and "techniques" in include:
        techniques = case_techniques(service.settings, service.store.engine, case)
    return CaseDetail(**dict(view), techniques=techniques)


@router.patch(
    "/{case_id:path}",
    summary="Change some fields of a case (editor)",
    responses=errors(403, 404, 412, *BODY),
)
def update_case(
    case_id: str,
    data: CaseUpdate,
    response: Response,
    service: ServiceDep,
    principal: Editor,
    if_match: IfMatch = None,
) -> CaseDetail:
    """Only the fields in the body change; `null` clears a field. A change makes a new version
    (the `ETag` of the answer) and a history entry; a body that changes nothing makes neither.
    With `If-Match`, a case changed since that version is not touched: 412 with
    `current_version`."""
    case = service.update_case(case_id, data, principal, expected_version(if_match))
    response.headers["ETag"] = etag(case.version)
    return CaseDetail(**dict(case_view(case, stored_fields(service.store.engine, case))))


@router.delete(
    "/{case_id:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a case (admin)",
    responses=errors(403, 404, 412),
)
def delete_case(
    case_id: str, service: ServiceDep, principal: Admin, if_match: IfMatch = None
) -> None:
    """Its history keeps the last state: `GET …/history` still answers, and
    `POST …/restore` brings it back. With `If-Match`, a case changed since that version is not
    deleted: 412 with `current_version`."""
    service.delete_case(case_id, principal, expected_version(if_match))
