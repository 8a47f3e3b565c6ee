"""Versions over HTTP: the ``ETag`` of a case is its version (``"3"``, a strong tag), and a write
with ``If-Match`` is refused with 412 when the case has moved on (no lost updates).

``If-Match`` is optional, so clients written before versions existed keep working; a client that
sends it can never overwrite a change it has not seen. ``*`` matches any version. A weak tag
(``W/"3"``) is accepted too, since some proxies weaken tags when they compress responses.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from disproof.errors import InvalidInput

IF_MATCH_HELP = (
    'The case version the change is based on: the `ETag` of the case as it was read, e.g. "3". '
    "If the case has changed since, nothing is written and the answer is 412 with "
    "`current_version`. Optional; `*` matches any version."
)
#: The ``If-Match`` request header, documented in the OpenAPI schema.
IfMatch = Annotated[str | None, Header(alias="If-Match", description=IF_MATCH_HELP)]

_MAX_DIGITS = 18


def etag(version: int) -> str:
    """The ``ETag`` header value of a case version."""
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names (None: no header, or ``*``); a value that is
    not one entity tag holding a version is an :class:`InvalidInput`."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/")
    if len(tag) >= 2 and tag[0] == tag[-1] == '"':
        tag = tag[1:-1]
    if not tag.isascii() or not tag.isdigit() or len(tag) > _MAX_DIGITS:
        raise InvalidInput(
            'If-Match must be one ETag of the case, such as "3" (the version it was read at)'
        )
    return int(tag)


__all__ = ["IfMatch", "etag", "expected_version"]
