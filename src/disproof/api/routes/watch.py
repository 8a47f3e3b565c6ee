"""Monitoring over the API: watched sources (admin) and sightings — the triage queue (viewer),
dismissing one or adding it to its case's appearances (editor). Sightings need a token even
when reading is public: they are an analysts' work queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from disproof.api.conditional import IfMatch, expected_version
from disproof.api.deps import Admin, Editor, ServiceDep, require
from disproof.api.responses import BODY, errors
from disproof.auth import Principal, Role
from disproof.watch.models import (
    Band,
    Sighting,
    SightingPage,
    SightingQuery,
    SourceCreate,
    Status,
    WatchedSource,
)
from disproof.watch.service import Monitoring

#: A sighting's number (a database row id: beyond 64 bits it cannot exist, and is a 422).
SightingId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The sighting's number.")]

router = APIRouter(tags=["monitoring"])

Viewer = Annotated[Principal, Depends(require(Role.viewer))]


@router.get("/sources", summary="Watched sources and their state (admin)", responses=errors(403))
def list_sources(service: ServiceDep, _: Admin) -> list[WatchedSource]:
    """Every source with its polling state: `failures` in a row and `last_error` (a failing
    source is retried with backoff), `last_success_at`, `next_due_at`, `items_seen`."""
    return Monitoring(service).list_sources()


@router.post(
    "/sources",
    status_code=status.HTTP_201_CREATED,
    summary="Watch a new source (admin)",
    responses=errors(403, 409, *BODY),
)
def add_source(data: SourceCreate, service: ServiceDep, _: Admin) -> WatchedSource:
    """`kind`: rss, atom (an http(s) URL or a file), telegram (a Telegram Desktop
    `result.json`), jsonl (a file or a folder of `*.jsonl`) or folder (`.txt`/`.html` files).
    Due at once; `disproof watch` polls it."""
    return Monitoring(service).add_source(data)


@router.delete(
    "/sources/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Stop watching a source (admin)",
    responses=errors(403, 404),
)
def remove_source(name: str, service: ServiceDep, _: Admin) -> None:
    """Its items and their sightings go with it; dismissals are kept."""
    Monitoring(service).remove_source(name)


@router.get("/sightings", summary="The triage queue of sightings (viewer)", responses=errors(403))
def list_sightings(
    service: ServiceDep,
    _: Viewer,
    status_: Annotated[Status | None, Query(alias="status")] = "new",
    source: Annotated[str | None, Query(max_length=100)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    case_id: Annotated[str | None, Query(max_length=500)] = None,
    narrative: Annotated[str | None, Query(max_length=200)] = None,
    band: Band | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> SightingPage:
    """Items from watched sources that repeat a known case: confirmed first, then suggested,
    newest first within a band. By default the undecided ones (`status=new`)."""
    query = SightingQuery(
        status=status_,
        source=source,
        language=language,
        case_id=case_id,
        narrative=narrative,
        band=band,
        limit=limit,
        offset=offset,
    )
    return Monitoring(service).queue(query)


@router.post(
    "/sightings/{sighting_id}/dismiss",
    summary="Dismiss a sighting (editor)",
    responses=errors(403, 404, 409),
)
def dismiss(sighting_id: SightingId, service: ServiceDep, principal: Editor) -> Sighting:
    """Remembered by the item's content and URL: the same item never comes back for this case,
    from any source. A sighting decided already is a 409."""
    return Monitoring(service).dismiss(sighting_id, principal)


@router.post(
    "/sightings/{sighting_id}/appearance",
    summary="Add a sighting to its case's appearances (editor)",
    responses=errors(403, 404, 409, 412),
)
def add_appearance(
    sighting_id: SightingId, service: ServiceDep, principal: Editor, if_match: IfMatch = None
) -> Sighting:
    """The item (outlet, URL, date, language) becomes an appearance of the case: a new version
    of the case, in its history. `If-Match` names the case version the decision was based on
    (412 if it has changed since)."""
    return Monitoring(service).add_as_appearance(sighting_id, principal, expected_version(if_match))
