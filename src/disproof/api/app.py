"""The app factory: ``create_app(settings)`` builds the REST API (``/api/v1``), its
documentation (``/docs``) and, when present, the web pages (``disproof.web``).

Nothing happens at import time; every app gets its own service, settings and secret key.
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from disproof import __version__
from disproof.api.docs import mount_docs
from disproof.api.errors import install_error_handlers
from disproof.api.middleware import BodyLimit, SecurityHeaders
from disproof.api.openapi import install_openapi
from disproof.api.routes import (
    alerts,
    cases,
    facets,
    history,
    match,
    report,
    search,
    stats,
    techniques,
    watch,
)
from disproof.service import Disproof
from disproof.sessions import SessionStore
from disproof.settings import Settings

API_PREFIX = "/api/v1"
DESCRIPTION = """\
The REST API of disproof, a database of disinformation cases and their disproofs.

Reading needs no token unless the server runs with `DISPROOF_PUBLIC_READ=false`; writing needs
an API token (`disproof token create`) sent as `Authorization: Bearer <token>`: editors create
and change cases, admins also delete them. Errors are JSON: `{"detail": …}`.

A case's `version` is also its `ETag`; send it back as `If-Match` when changing or deleting the
case and a change made meanwhile by someone else is never overwritten (412 instead). Every change
is kept in the case's history (`GET /api/v1/cases/{id}/history`), from which deleted cases can be
restored.
"""


def _include_web(app: FastAPI) -> None:
    """The web pages' router and static files, if the ``disproof.web`` package is installed."""
    try:
        from disproof.web import routes
    except ModuleNotFoundError as exc:
        if exc.name not in ("disproof.web", "disproof.web.routes"):
            raise  # the web package is there but broken: say so
    else:
        app.include_router(routes.router)
        install = getattr(routes, "install", None)
        if callable(install):  # optional app-level extras of the web package (error pages …)
            install(app)
    static = Path(str(resources.files("disproof"))) / "web" / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")


def create_app(settings: Settings | None = None, *, service: Disproof | None = None) -> FastAPI:
    """A new app over ``service`` (default: the database ``settings`` name)."""
    if settings is None:
        settings = service.settings if service is not None else Settings()
    if service is None:
        service = Disproof.open(settings)
    app = FastAPI(
        title="disproof",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.matchers = service.matchers
    app.state.secret_key = settings.secret_key or secrets.token_urlsafe(32)
    app.state.sessions = SessionStore.from_settings(service.store.engine, service.tokens, settings)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so 413s get the headers too
    routers = [
        m.router
        for m in (history, cases, search, match, techniques, report, facets, stats, watch, alerts)
    ]
    for router in routers:  # history before cases: its paths are more specific
        app.include_router(router, prefix=API_PREFIX)
    install_openapi(app, routers, API_PREFIX, public_read=settings.public_read)
    mount_docs(app)
    _include_web(app)
    return app
