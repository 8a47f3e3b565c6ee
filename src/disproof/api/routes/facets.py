"""Facets: case counts by keyword, country, language, outlet, narrative or year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.params import Filters
from disproof.api.responses import errors
from disproof.models import Facet, FacetKind

router = APIRouter(tags=["facets"])


@router.get("/facets/{kind}", summary="Count cases by a facet", responses=errors())
def facets(
    kind: FacetKind,
    filters: Filters,
    service: ServiceDep,
    _: ReadAccess,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[Facet]:
    """Counts over the cases the filters select (all cases without filters): most cases first,
    years newest first (undated cases are not counted)."""
    return service.facets(kind, limit, filters)
