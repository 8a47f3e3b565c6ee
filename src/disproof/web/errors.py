"""Friendly HTML error pages for the web routes (no stack traces, no JSON).

:class:`HtmlRoute` is the ``route_class`` of the web router: it turns the exceptions a page can
raise (unknown case, bad query parameters, missing sign-in, wrong role, anything unexpected)
into rendered pages. :func:`install_error_pages` does the same for URLs no route matches,
when an app wants HTML there for browsers.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from disproof.errors import (
    CaseNotFound,
    DisproofError,
    NotFound,
    Overloaded,
    StoreError,
    TooManyRequests,
)
from disproof.store.engine import BUSY_RETRY_AFTER, is_busy
from disproof.web.session import Forbidden, SignInRequired
from disproof.web.templating import render
from disproof.web.urls import page_path

logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    422: "Cannot read that request",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}
MESSAGES = {
    404: "There is no page or case at this address. It may have been renamed or removed.",
    405: "This page does not accept that kind of request.",
    422: "Some of the parameters in the address or form are not valid.",
    500: "An unexpected error happened on the server. It has been logged.",
}


def error_page(request: Request, status: int, message: str | None = None) -> Response:
    """The error page for ``status`` (the message is escaped like any other text)."""
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": TITLES.get(status, "Error"),
            "message": message or MESSAGES.get(status, ""),
        },
        status_code=status,
    )


def _validation_message(exc: RequestValidationError | ValidationError) -> str:
    fields = []
    for error in exc.errors()[:5]:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body")]
        fields.append(f"{'.'.join(loc) or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(fields)


def sign_in_redirect(request: Request, next_path: str) -> Response:
    return RedirectResponse(page_path(request, "web_signin", {"next": next_path}), status_code=303)


async def _handle(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SignInRequired):
        return sign_in_redirect(request, exc.next_path)
    if isinstance(exc, Forbidden):
        return error_page(request, 403, str(exc))
    if isinstance(exc, CaseNotFound):
        return error_page(request, 404, "There is no case with this id.")
    if isinstance(exc, NotFound):
        return error_page(request, 404, str(exc))
    if is_busy(exc):
        logger.warning("database busy on %s: %s", request.url.path, exc)
        page = error_page(
            request,
            503,
            "The database is busy with another change (an import?). Try again in a few seconds.",
        )
        page.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return page
    if isinstance(exc, TooManyRequests | Overloaded):
        page = error_page(request, 429 if isinstance(exc, TooManyRequests) else 503, str(exc))
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if isinstance(exc, StoreError):
        logger.error("database error on %s: %s", request.url.path, exc)
        return error_page(request, 503, "The database cannot be used right now. Try again later.")
    if isinstance(exc, DisproofError):
        return error_page(request, 400, str(exc))
    if isinstance(exc, RequestValidationError | ValidationError):
        # a model built from the request refused a value: the request's fault, not a 500
        return error_page(request, 422, _validation_message(exc))
    if isinstance(exc, HTTPException):
        detail = exc.detail if exc.status_code not in (404, 405, 500) else None
        return error_page(request, exc.status_code, detail)
    logger.exception("web page %s failed", request.url.path, exc_info=exc)
    return error_page(request, 500)


class HtmlRoute(APIRoute):
    """An ``APIRoute`` whose errors are rendered as HTML pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a page
                return await _handle(request, exc)

        return route_handler


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client, not a static file)."""
    path = request.url.path
    if path.startswith(("/api/", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def install_error_pages(app: FastAPI) -> None:
    """HTML error pages for browsers on URLs no route answers (a 404 for ``/no-such-page``);
    API paths and non-browser clients keep the app's own (JSON) handler."""
    previous = app.exception_handlers.get(HTTPException, http_exception_handler)

    async def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and wants_html(request):
            return error_page(request, exc.status_code, None)
        response = previous(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(HTTPException, handler)
