"""One worker process of ``disproof serve --workers N`` (PostgreSQL only).

uvicorn starts the workers as new processes (``spawn``: no inherited threads or OpenMP state,
see docs/deployment.md) and each calls :func:`create`, which reads its settings from the
environment the command line prepared (``DISPROOF_DB``, and one ``DISPROOF_SECRET_KEY`` for all,
so that a form served by one worker is accepted by another). Everything a worker caches is
checked against the database: the matcher compares the store's fingerprint at most once a second
(``disproof.matchers``), so a case created through one worker is matched by the others within
about a second; sessions, tokens and versions (``If-Match``) live in the database. Sign-in limits
and request budgets are counted per worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def create() -> FastAPI:
    """The app of one worker: the service on the database the environment names."""
    from disproof.api.app import create_app
    from disproof.service import Disproof
    from disproof.settings import Settings

    settings = Settings()
    service = Disproof.open(settings)
    service.matchers.start()  # the parent built the index: this loads it (or catches up)
    return create_app(settings, service=service)
