"""Web sessions: what a signed-in browser's cookie holds instead of the API token.

Signing in with a token opens a session: a random id (``dss_`` and 43 URL-safe characters, 256
bits from :mod:`secrets`) that the browser keeps in an HttpOnly cookie. Only its SHA-256 is
stored, beside the token it was opened with. A session

- is never a credential of the API: ``Authorization: Bearer dss_…`` is refused (a session id is
  not a token), and a token in the cookie is refused (it is not a session id);
- ends after ``session_idle_minutes`` without a request, ``session_max_hours`` after signing in
  whatever happens, at sign-out (its row is deleted), and when its token is revoked
  (``disproof token revoke`` deletes the token's sessions) or expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

from sqlalchemy import Engine

from disproof.auth import TOUCH_INTERVAL, Principal, Role, TokenStore, hash_token
from disproof.settings import Settings
from disproof.store.sessions import SessionRecords

__all__ = ["SESSION_LENGTH", "SESSION_PREFIX", "SessionStore"]

SESSION_PREFIX = "dss_"
SESSION_LENGTH = len(SESSION_PREFIX) + 43


def hash_session(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SessionStore:
    """Open, check and end web sessions (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        tokens: TokenStore,
        *,
        idle: dt.timedelta,
        lifetime: dt.timedelta,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.records = SessionRecords(engine)
        self.tokens = tokens
        self.idle = idle
        self.lifetime = lifetime
        self._clock = clock

    @classmethod
    def from_settings(cls, engine: Engine, tokens: TokenStore, settings: Settings) -> SessionStore:
        return cls(
            engine,
            tokens,
            idle=dt.timedelta(minutes=settings.session_idle_minutes),
            lifetime=dt.timedelta(hours=settings.session_max_hours),
        )

    def open(self, token: str) -> tuple[str, Principal] | None:
        """A new session for a valid token (its id, shown only now, and who it stands for);
        None when the token is malformed, unknown, revoked or expired."""
        principal = self.tokens.verify(token)
        row = self.tokens.records.find(hash_token(token)) if principal else None
        if principal is None or row is None:
            return None
        now = self._clock()
        session_id = SESSION_PREFIX + secrets.token_urlsafe(32)
        self.records.insert(
            hash_session(session_id), row.pk, now, now + self.lifetime, now - self.idle
        )
        return session_id, principal

    def verify(self, session_id: str) -> Principal | None:
        """Who a session stands for; None when it is malformed, unknown, ended (idle, too old,
        signed out) or its token is revoked or expired."""
        if len(session_id) != SESSION_LENGTH or not session_id.startswith(SESSION_PREFIX):
            return None
        digest = hash_session(session_id)
        now = self._clock()
        row = self.records.find(digest, now)
        if row is None or not hmac.compare_digest(row.session_hash, digest):
            return None
        if now >= row.expires_at or now - row.last_seen_at > self.idle:
            return None
        if now - row.last_seen_at >= TOUCH_INTERVAL:
            self.records.touch(row.pk, now)
        return Principal(row.token.info.name, Role(row.token.info.role))

    def close(self, session_id: str) -> bool:
        """End a session (sign-out); whether there was one."""
        if not session_id.startswith(SESSION_PREFIX) or len(session_id) != SESSION_LENGTH:
            return False
        return self.records.delete(hash_session(session_id)) > 0

    @property
    def max_age(self) -> int:
        """Seconds the browser may keep the cookie (the absolute lifetime)."""
        return int(self.lifetime.total_seconds())
