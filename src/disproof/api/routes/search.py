"""Search: full-text (SQLite FTS5, BM25) or semantic (ranked by the claim matcher)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.params import PagedQuery
from disproof.api.responses import errors
from disproof.models import SearchPage

router = APIRouter(tags=["search"])


@router.get("/search", summary="Search cases by text and filters", responses=errors())
def search(
    query: PagedQuery,
    service: ServiceDep,
    _: ReadAccess,
    semantic: Annotated[
        bool, Query(description="Rank by the claim matcher (meaning, any language) instead.")
    ] = False,
) -> SearchPage:
    """Like `GET /cases`. With `semantic=true`, `q` is required and the cases nearest to it in
    meaning are ranked (filters apply within them)."""
    return service.search_semantic(query) if semantic else service.search(query)
