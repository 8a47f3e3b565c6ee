"""Sign in by pasting an API token, and sign out.

Signing in opens a web session (:mod:`disproof.sessions`): the cookie holds the session's own
random id, never the token; signing out ends the session on the server as well as deleting the
cookie. The cookie is HttpOnly, SameSite=Strict, and Secure when the request came over HTTPS
(as the server saw it, or as a trusted reverse proxy says: ``DISPROOF_TRUSTED_PROXIES``).

Failed sign-ins are limited per client address (:mod:`disproof.web.ratelimit`): after
:data:`MAX_FAILED_SIGNINS` within :data:`FAILED_SIGNIN_WINDOW` seconds, the form answers 429
with ``Retry-After`` and checks no token until then.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from disproof.api.deps import get_sessions
from disproof.web import csrf
from disproof.web.errors import HtmlRoute
from disproof.web.ratelimit import FailureLimiter
from disproof.web.templating import render
from disproof.web.urls import local_path, page_path

router = APIRouter(route_class=HtmlRoute)

MAX_TOKEN = 500
MAX_FAILED_SIGNINS = 5
FAILED_SIGNIN_WINDOW = 60.0


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form(
    request: Request,
    next_path: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    presession, new = csrf.presession(request)
    token = csrf.token_for(csrf.secret_key(request), presession, purpose="signin")
    context = {"next": next_path, "error": error, "signin_token": token}
    response = render(
        request,
        "signin.html",
        context,
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
    if new:
        csrf.set_presession(response, presession, secure=_secure(request))
    return response


def _limiter(request: Request) -> FailureLimiter:
    """The app's limiter of failed sign-ins (one is made if the app has none yet)."""
    state = request.app.state
    if not hasattr(state, "signin_limiter"):
        state.signin_limiter = FailureLimiter(MAX_FAILED_SIGNINS, FAILED_SIGNIN_WINDOW)
    return cast(FailureLimiter, state.signin_limiter)


@router.get("/signin", name="web_signin")
def signin_form(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    return _form(request, local_path(next))


@router.post("/signin", name="web_signin_post")
async def signin(request: Request) -> Response:
    data = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    csrf.require_valid(request, data.get(csrf.FIELD), purpose="signin")
    next_path = local_path(str(data.get("next") or "/"))
    limiter = _limiter(request)
    client = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(client)
    if wait is not None:
        error = f"Too many failed sign-ins from your address. Try again in {wait} seconds."
        headers = {"Retry-After": str(wait)}
        return _form(request, next_path, error=error, status_code=429, headers=headers)
    token = str(data.get("token") or "").strip()
    opened = None
    if token and len(token) <= MAX_TOKEN:
        opened = await run_in_threadpool(get_sessions(request).open, token)
    if opened is None:
        limiter.failed(client)
        # The same answer for unknown, revoked, expired or malformed tokens.
        error = "That token was not accepted. Check that you pasted the whole token."
        return _form(request, next_path, error=error, status_code=401)
    session_id, _ = opened
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        csrf.SESSION_COOKIE,
        session_id,
        max_age=get_sessions(request).max_age,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(csrf.PRESESSION_COOKIE, path="/")
    return response


@router.post("/signout", name="web_signout")
async def signout(request: Request) -> Response:
    data = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    csrf.require_valid(request, data.get(csrf.FIELD))
    session_id = request.cookies.get(csrf.SESSION_COOKIE)
    if session_id:
        await run_in_threadpool(get_sessions(request).close, session_id)
    response = RedirectResponse(page_path(request, "web_check"), status_code=303)
    response.delete_cookie(
        csrf.SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    return response
