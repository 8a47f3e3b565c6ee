"""FastAPI dependencies: the service, the shared matcher, and who is asking.

Credentials are an API token, sent as ``Authorization: Bearer <token>``, or — for the web pages —
a web session opened by signing in with a token, whose id is in the ``disproof_session`` cookie
(HttpOnly, SameSite=Strict; see :mod:`disproof.sessions`). Neither is accepted in the other's
place: a session id is not a bearer token, a token in the cookie is not a session. A request
with an ``Authorization`` header is judged by that header alone. The cookie is not
used for a state-changing request that the browser marks as coming from another site
(``Sec-Fetch-Site: cross-site`` or ``same-site``): defence in depth against cross-site request
forgery, beside SameSite=Strict and the web pages' CSRF tokens. (``Origin`` is not compared with
``Host``: a reverse proxy may rewrite the one but not the other.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from disproof.auth import Principal, Role, TokenStore
from disproof.errors import NotAuthenticated, PermissionDenied
from disproof.match.matcher import Matcher
from disproof.service import Disproof
from disproof.sessions import SessionStore
from disproof.settings import Settings

SESSION_COOKIE = "disproof_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Declares the bearer scheme in the OpenAPI document; tokens are checked by ``current_principal``.
bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="dsp_…",
    description="An API token made with `disproof token create`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def get_service(request: Request) -> Disproof:
    return cast(Disproof, request.app.state.service)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_matcher(request: Request) -> Matcher:
    """The shared matcher (built on first use, rebuilt after the cases change). A request
    waits at most ``match_wait`` seconds for an index being built; after that it gets the
    matcher there is, noted as such (see :class:`disproof.matchers.MatcherCache`)."""
    return get_service(request).matchers.get(wait=get_settings(request).match_wait)


def _tokens(request: Request) -> TokenStore:
    return get_service(request).tokens


def get_sessions(request: Request) -> SessionStore:
    """The app's web sessions (``app.state.sessions``, made by the app factory)."""
    return cast(SessionStore, request.app.state.sessions)


def _cookie_allowed(request: Request) -> bool:
    """Whether the session cookie may authenticate this request (see the module docstring)."""
    if request.method in _SAFE_METHODS:
        return True
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def _principal(request: Request) -> Principal | None:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        return _tokens(request).verify(token.strip()) if scheme.lower() == "bearer" else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and _cookie_allowed(request):
        return get_sessions(request).verify(cookie)
    return None


def current_principal(request: Request) -> Principal | None:
    """Who the request's token stands for, or None (no token, or an invalid one).
    Looked up once per request."""
    if not hasattr(request.state, "principal"):
        request.state.principal = _principal(request)
    return cast(Principal | None, request.state.principal)


def _authorize(request: Request, role: Role) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise NotAuthenticated()
    if not principal.role.allows(role):
        raise PermissionDenied(
            f"this needs the {role.value} role; token {principal.name!r} has {principal.role.value}"
        )
    return principal


def require(role: Role) -> Callable[..., Principal]:
    """A dependency returning the principal if its role allows ``role``; otherwise
    :class:`NotAuthenticated` (401) or :class:`PermissionDenied` (403)."""

    def dependency(request: Request, _credentials: Credentials) -> Principal:
        return _authorize(request, role)

    dependency.__name__ = f"require_{role.value}"
    return dependency


def read_access(request: Request, _credentials: Credentials) -> Principal | None:
    """Reading: open to everyone when ``public_read`` is on, else it needs a viewer token."""
    if get_settings(request).public_read:
        return current_principal(request)
    return _authorize(request, Role.viewer)


ServiceDep = Annotated[Disproof, Depends(get_service)]
ReadAccess = Annotated[Principal | None, Depends(read_access)]
Editor = Annotated[Principal, Depends(require(Role.editor))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
