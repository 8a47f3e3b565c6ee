"""The web pages' router: ``disproof.api.app.create_app`` includes :data:`router`.

Each page lives in its own module under ``pages``. The editor's routes come before the case
page, so ``/cases/new`` and ``/cases/{id}/edit`` are not read as case ids.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from disproof.web.errors import HtmlRoute, install_error_pages
from disproof.web.pages import (
    account,
    cases,
    check,
    editor,
    history,
    narratives,
    report,
    search,
    sources,
    stats,
    trends,
    triage,
)

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
for page in (
    check,
    report,
    search,
    editor,
    history,
    cases,
    account,
    stats,
    trends,
    narratives,
    triage,
    sources,
):
    router.include_router(page.router)


def install(app: FastAPI) -> None:
    """App-level extras, called by the app factory after including :data:`router`."""
    install_error_pages(app)


__all__ = ["install", "router"]
