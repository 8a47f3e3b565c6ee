"""Query parameters shared by several routes: the case filters of ``disproof search``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Query

from disproof.api.deps import ReadAccess, ServiceDep
from disproof.models import MAX_FILTER_VALUES, MAX_OFFSET, MAX_SHORT, CaseQuery

MAX_PAGE = 100


def repeatable(description: str) -> Any:
    """A repeatable filter parameter: at most ``MAX_FILTER_VALUES`` values."""
    return Query(max_length=MAX_FILTER_VALUES, description=description)


def case_filters(
    q: Annotated[
        str, Query(max_length=MAX_SHORT, description="Words in title, claim, disproof.")
    ] = "",
    keyword: Annotated[list[str] | None, repeatable("Has this keyword (repeatable).")] = None,
    country: Annotated[list[str] | None, repeatable("About this country (repeatable).")] = None,
    language: Annotated[list[str] | None, repeatable("In this language (repeatable).")] = None,
    outlet: Annotated[
        list[str] | None, repeatable("Outlet name contains this (repeatable).")
    ] = None,
    narrative: Annotated[
        list[str] | None, repeatable("Advances this narrative (id or name; repeatable).")
    ] = None,
    dataset: Annotated[str | None, Query(max_length=MAX_SHORT)] = None,
    date_from: Annotated[dt.date | None, Query(description="On or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[dt.date | None, Query(description="On or before (YYYY-MM-DD).")] = None,
    *,
    service: ServiceDep,
    _: ReadAccess,
) -> CaseQuery:
    """The filters of a case search (no paging), checked once the caller may read: an unknown
    narrative, country or language is a 422 naming the closest known values."""
    query = CaseQuery(
        text=q,
        keywords=keyword or [],
        countries=country or [],
        languages=language or [],
        outlets=outlet or [],
        narratives=narrative or [],
        dataset=dataset,
        date_from=date_from,
        date_to=date_to,
    )
    return service.check_filters(query)


def case_query(
    filters: Annotated[CaseQuery, Depends(case_filters)],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Results per page.")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many results.")] = 0,
) -> CaseQuery:
    """The filters and one page of results."""
    return filters.model_copy(update={"limit": limit, "offset": offset})


Filters = Annotated[CaseQuery, Depends(case_filters)]
PagedQuery = Annotated[CaseQuery, Depends(case_query)]
