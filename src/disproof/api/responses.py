"""The error responses each route declares in the OpenAPI document.

Every error is JSON ``{"detail": …}`` (see :mod:`disproof.api.errors`): a message, or for a
request that failed validation a list of problems. Declaring them keeps the document honest:
clients (and schema-driven tests) can rely on every status code a route answers being listed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """One thing wrong with a request: where (``loc``), what (``msg``) and its kind (``type``)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error response: a message, or the list of problems of an invalid request."""

    detail: str | list[Problem]


DESCRIPTIONS: dict[int, str] = {
    400: "The request body cannot be read (not JSON, not UTF-8).",
    401: "No valid API token (missing, unknown, revoked or expired).",
    403: "The token's role does not allow this.",
    404: "There is no case with this id.",
    409: "A case with this id exists already, or the change conflicts with the case's state.",
    410: "The case was deleted (its history remains).",
    412: "If-Match names a version other than the case's current one (`current_version`).",
    413: "The request body is larger than the server accepts.",
    422: "The parameters or the body are not valid.",
    429: "This client's budget for expensive requests is spent; retry after `Retry-After`.",
    503: "The database cannot be used right now, or the server is busy with other expensive "
    "requests (`Retry-After`).",
}

#: Every route may answer these (a private server refuses reading without a token).
COMMON = (401, 422, 503)
#: Routes with a JSON body add these.
BODY = (400, 413)
#: Expensive routes (match, report) also answer this.
EXPENSIVE = (429,)


def errors(*codes: int, common: bool = True) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that can fail with ``codes`` (and :data:`COMMON`)."""
    every = {*codes, *(COMMON if common else ())}
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in sorted(every)}
