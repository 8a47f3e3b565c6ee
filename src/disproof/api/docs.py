"""``/docs``: Swagger UI served from the files of the ``fastapi-offline`` package (no CDN: works
offline; Swagger UI 5, which reads OpenAPI 3.1),
started by a script file (the Content-Security-Policy forbids inline script), with a
server-rendered list of the endpoints for browsers without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, Template, select_autoescape

router = APIRouter(include_in_schema=False)
_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("disproof.api", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    return environment.get_template("docs.html")


def endpoints(schema: dict[str, object]) -> list[Endpoint]:
    """Every operation of an OpenAPI document, in document order."""
    out: list[Endpoint] = []
    paths = schema.get("paths")
    for path, operations in paths.items() if isinstance(paths, dict) else []:
        for method in _METHODS:
            operation = operations.get(method) if isinstance(operations, dict) else None
            if isinstance(operation, dict):
                summary = str(operation.get("summary") or operation.get("description") or "")
                out.append(Endpoint(method.upper(), str(path), summary))
    return out


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    html = _template().render(
        title=app.title,
        version=app.version,
        openapi_url=request.scope.get("root_path", "") + (app.openapi_url or ""),
        assets=request.url_for("docs_assets", path="").path.rstrip("/"),
        local=request.url_for("docs_static", path="").path.rstrip("/"),
        endpoints=endpoints(app.openapi()),
    )
    return HTMLResponse(html)


def mount_docs(app: FastAPI) -> None:
    """Add ``/docs`` and the files it loads to ``app``."""
    swagger_ui = Path(str(resources.files("fastapi_offline"))) / "static"
    app.include_router(router)
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui), name="docs_assets")
    app.mount(
        "/docs/static", StaticFiles(packages=[("disproof.api", "static")]), name="docs_static"
    )


__all__ = ["Endpoint", "endpoints", "mount_docs", "router"]
