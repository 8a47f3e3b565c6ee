"""CSRF tokens for the web forms: HMAC-SHA256 of the session token under the app's secret key.

A form carries ``csrf_token`` = ``HMAC(secret_key, session)`` as hex, where ``session`` is the
value of the sign-in cookie (the API token). A cross-site page can neither read the cookie nor
compute the HMAC without the secret, so it cannot forge a form post.

The sign-in form has no session yet; it is bound to a random *pre-session* cookie instead
(:data:`PRESESSION_COOKIE`, set when the form is shown), which stops "login CSRF" (a hostile
page signing the victim in under the attacker's token).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from disproof.api.deps import SESSION_COOKIE

__all__ = ["FIELD", "PRESESSION_COOKIE", "SESSION_COOKIE", "form_token", "require_valid"]

#: A random value binding the sign-in form to the browser that loaded it.
PRESESSION_COOKIE = "disproof_presession"
#: The form field every protected form posts.
FIELD = "csrf_token"


def token_for(secret_key: str, session: str, *, purpose: str = "session") -> str:
    """The CSRF token (hex) for ``session``; ``purpose`` separates the sign-in form's tokens."""
    message = f"{purpose}:{session}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def matches(
    secret_key: str, session: str | None, submitted: str | None, *, purpose: str = "session"
) -> bool:
    """Whether ``submitted`` is the token for ``session`` (constant-time; no session, no match)."""
    if not session or not submitted:
        return False
    expected = token_for(secret_key, session, purpose=purpose)
    return hmac.compare_digest(expected.encode("ascii"), submitted.encode("utf-8", "replace"))


def session_token(request: Request) -> str | None:
    """The credential this request is judged by (as ``disproof.api.deps`` does): an
    ``Authorization: Bearer`` token when the header is there, else the sign-in cookie."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        return credentials.strip() or None if scheme.lower() == "bearer" else None
    return request.cookies.get(SESSION_COOKIE) or None


def secret_key(request: Request) -> str:
    """The app's signing key (``app.state.secret_key``)."""
    return str(request.app.state.secret_key)


def form_token(request: Request) -> str:
    """The token to put in a form for the signed-in user ("" when nobody is signed in)."""
    session = session_token(request)
    return token_for(secret_key(request), session) if session else ""


def presession(request: Request) -> tuple[str, bool]:
    """The pre-session value of this browser, and whether it is new (then set it as a cookie)."""
    value = request.cookies.get(PRESESSION_COOKIE)
    if value and 16 <= len(value) <= 100:
        return value, False
    return secrets.token_urlsafe(24), True


def set_presession(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(
        PRESESSION_COOKIE, value, httponly=True, samesite="strict", secure=secure, path="/"
    )


def require_valid(request: Request, submitted: object, *, purpose: str = "session") -> None:
    """Refuse (403) a form post whose ``csrf_token`` does not belong to this browser's session."""
    if purpose == "session":
        session = session_token(request)
    else:
        session = request.cookies.get(PRESESSION_COOKIE)
    value = submitted if isinstance(submitted, str) else None
    if not matches(secret_key(request), session, value, purpose=purpose):
        raise HTTPException(
            status_code=403,
            detail="This form has expired or did not come from this site. Reload it and try again.",
        )
