"""Database-wide counts, and a health check."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from disproof import __version__
from disproof.api.deps import ReadAccess, ServiceDep
from disproof.api.responses import errors
from disproof.models import Stats

router = APIRouter(tags=["stats"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str


@router.get(
    "/stats",
    summary="Counts of cases by year, keyword, country, language, outlet",
    responses=errors(),
)
def stats(
    service: ServiceDep, _: ReadAccess, top: Annotated[int, Query(ge=1, le=500)] = 15
) -> Stats:
    return service.stats(top)


@router.get(
    "/health", summary="Is the service up? (no token needed)", responses=errors(503, common=False)
)
def health(service: ServiceDep) -> Health:
    service.count()  # the database answers
    return Health(status="ok", version=__version__)
