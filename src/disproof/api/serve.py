"""``disproof serve``: the safety check before listening, and running the app with uvicorn."""

from __future__ import annotations

import ipaddress
from typing import Any

from disproof.auth import TokenStore
from disproof.service import Disproof
from disproof.settings import Settings

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: reachable from this machine only."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_refusal(settings: Settings, tokens: TokenStore) -> str | None:
    """Why serving with these settings would be unsafe or useless, or None when it is fine."""
    if not is_loopback(settings.host) and not tokens.has_admin():
        return (
            f"refusing to listen on {settings.host}: other machines could reach the server, and "
            "no admin token exists to manage it. Create one first "
            "(disproof token create --name admin --role admin), or listen on 127.0.0.1."
        )
    if not settings.public_read and not tokens.has_any():
        return (
            "refusing to start: public_read is off, so reading needs a token, and no token "
            "exists. Create one first (disproof token create --name NAME --role viewer)."
        )
    return None


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for reverse proxies: ``X-Forwarded-For`` and ``X-Forwarded-Proto``
    are believed only from the addresses in ``DISPROOF_TRUSTED_PROXIES`` (default: none, so
    anyone could claim to be any client over HTTPS otherwise). From a trusted proxy, the client
    address (sign-in limit, budgets) and the scheme (``Secure`` cookies) become the ones the
    proxy names."""
    proxies = settings.proxies()
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}


def run(service: Disproof) -> None:  # pragma: no cover - starts a real server
    """Serve the app on ``settings.host:settings.port`` until interrupted."""
    import uvicorn

    from disproof.api.app import create_app

    settings = service.settings
    uvicorn.run(
        create_app(settings, service=service),
        host=settings.host,
        port=settings.port,
        server_header=False,
        **proxy_options(settings),
        log_level="info",
    )


def run_workers(settings: Settings, workers: int) -> None:  # pragma: no cover - real servers
    """Serve with ``workers`` processes (:mod:`disproof.api.workers`) until interrupted."""
    import os
    import secrets

    import uvicorn

    os.environ["DISPROOF_DB"] = settings.db
    os.environ["DISPROOF_SECRET_KEY"] = settings.secret_key or secrets.token_urlsafe(32)
    uvicorn.run(
        "disproof.api.workers:create",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        server_header=False,
        **proxy_options(settings),
        log_level="info",
    )
