"""Errors to HTTP, in one place: one handler per domain error class, JSON ``{"detail": …}``.

No stack trace ever reaches a client: anything unexpected is logged and answered with a
generic 500. (The web pages render their own HTML errors.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from disproof.api.middleware import SECURITY_HEADERS
from disproof.errors import (
    CaseNotFound,
    ConflictError,
    DisproofError,
    ImportFailed,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    Overloaded,
    PermissionDenied,
    StoreError,
    TooManyRequests,
    UnknownFormat,
    VersionConflict,
)
from disproof.store.engine import BUSY_RETRY_AFTER, is_busy

logger = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Awaitable[Response]]

#: HTTP status of each domain error; anything else from disproof is a 400.
STATUS: dict[type[DisproofError], int] = {
    DisproofError: 400,
    CaseNotFound: 404,
    NotFound: 404,
    InvalidInput: 422,
    ImportFailed: 422,
    UnknownFormat: 422,
    ConflictError: 409,
    NotAuthenticated: 401,
    PermissionDenied: 403,
}


def error_response(
    status: int, detail: object, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _problems(errors: list[dict[str, object]]) -> list[dict[str, object]]:
    """Validation problems without the offending input echoed back (it can be megabytes)."""
    return [
        {"loc": e.get("loc", []), "msg": e.get("msg", ""), "type": e.get("type", "")}
        | ({"closest": e["closest"]} if "closest" in e else {})  # known values like the input
        for e in errors
    ]


def _domain(status: int) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, InvalidInput) and exc.errors:
            return error_response(status, _problems(exc.errors))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, str(exc), headers)

    return handle


async def _version_conflict(request: Request, exc: Exception) -> Response:
    """412: the ``If-Match`` version is not the case's; the answer names the current one."""
    assert isinstance(exc, VersionConflict)
    return JSONResponse(
        {"detail": str(exc), "current_version": exc.current},
        status_code=412,
        headers={"ETag": f'"{exc.current}"'},
    )


def _busy(request: Request, exc: Exception) -> Response:
    logger.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    detail = "the database is busy with another write (an import?); try again shortly"
    return error_response(503, detail, {"Retry-After": str(BUSY_RETRY_AFTER)})


async def _retry_later(request: Request, exc: Exception) -> Response:
    """429 (this client's budget is spent) or 503 (the server is busy), with ``Retry-After``."""
    assert isinstance(exc, TooManyRequests | Overloaded)
    status = 429 if isinstance(exc, TooManyRequests) else 503
    return error_response(status, str(exc), {"Retry-After": str(exc.retry_after)})


async def _store_error(request: Request, exc: Exception) -> Response:
    if is_busy(exc):
        return _busy(request, exc)
    logger.error("database error on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "the database cannot be used right now")


async def _operational(request: Request, exc: Exception) -> Response:
    """SQLite's "database is locked" wherever it escapes: 503 + ``Retry-After``, not a 500."""
    if is_busy(exc):
        return _busy(request, exc)
    return await _unexpected(request, exc)


async def _request_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, _problems([dict(e) for e in exc.errors()]))


async def _model_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    return error_response(422, _problems([dict(e) for e in exc.errors(include_url=False)]))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, exc.detail, exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # answered by Starlette's outermost middleware, outside SecurityHeaders: add them here
    return error_response(500, "internal error", SECURITY_HEADERS)


def install_error_handlers(app: FastAPI) -> None:
    for error, status in STATUS.items():
        app.add_exception_handler(error, _domain(status))
    app.add_exception_handler(VersionConflict, _version_conflict)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(TooManyRequests, _retry_later)
    app.add_exception_handler(Overloaded, _retry_later)
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(ValidationError, _model_invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
