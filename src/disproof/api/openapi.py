"""The OpenAPI document, saying truly which operations need a token.

Every operation declares the bearer scheme (its dependencies read the ``Authorization``
header). Reads go through :func:`~disproof.api.deps.read_access`, which on a server with
``public_read`` (the default) lets anyone in: their token is optional, which OpenAPI writes as an
empty requirement (``{}``) beside the bearer one. Without ``public_read`` they need a token like
everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from disproof.api.deps import read_access

#: An OpenAPI security requirement that asks for nothing: the operation works without a token.
ANONYMOUS: dict[str, list[str]] = {}


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return dependant.call is call or any(_depends_on(d, call) for d in dependant.dependencies)


def optional_token_operations(routers: Sequence[APIRouter], prefix: str) -> list[tuple[str, str]]:
    """(path, method) of every operation of ``routers`` (included under ``prefix``) gated by
    :func:`read_access`."""
    return [
        (prefix + route.path_format, method.lower())
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and _depends_on(route.dependant, read_access)
        for method in sorted(route.methods or ())
    ]


def install_openapi(
    app: FastAPI, routers: Sequence[APIRouter], prefix: str, *, public_read: bool
) -> None:
    """Make ``app.openapi()`` mark the reads of ``routers`` as open to anyone when
    ``public_read`` is on."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        if public_read:
            for path, method in optional_token_operations(routers, prefix):
                operation = schema["paths"].get(path, {}).get(method)
                if operation is not None:  # None: left out of the schema
                    operation["security"] = [ANONYMOUS, *operation.get("security", [])]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
