"""Who is signed in, for the pages: the API's principal, and sign-in redirects for editors."""

from __future__ import annotations

from starlette.requests import Request

from disproof.api.deps import current_principal, get_settings
from disproof.auth import Principal, Role
from disproof.web.urls import local_path


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in editor; rendered as a redirect to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """Raised when the signed-in user's role does not allow the page (rendered as a 403)."""


def principal_of(request: Request) -> Principal | None:
    """The signed-in principal, if any (looked up once per request by the API's dependency)."""
    return current_principal(request)


def _here(request: Request) -> str:
    return local_path(request.url.path + (f"?{request.url.query}" if request.url.query else ""))


def require_read(request: Request) -> Principal | None:
    """Reading pages: open to all when ``public_read`` is on, else a viewer must sign in."""
    if get_settings(request).public_read:
        return principal_of(request)
    return require_role(request, Role.viewer)


def require_role(request: Request, role: Role) -> Principal:
    """The principal if their role allows ``role``; else sign-in redirect or 403."""
    principal = principal_of(request)
    if principal is None:
        raise SignInRequired(_here(request))
    if not principal.role.allows(role):
        raise Forbidden(f"{principal.role.value} accounts cannot do this; an {role.value} can")
    return principal
