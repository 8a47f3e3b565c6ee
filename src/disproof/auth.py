"""Who may do what: roles, principals and API tokens.

A token is ``dsp_`` followed by 43 URL-safe characters (32 random bytes from :mod:`secrets`).
Only its SHA-256 is stored: a token has 256 bits of entropy, so a fast hash is enough (no one
can guess their way back to it), and looking the hash up is itself the comparison — nothing
compares a secret byte by byte. The secret is shown once, when the token is made.

Roles are ordered: ``admin`` can do everything ``editor`` can, which can do everything
``viewer`` can.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine

from disproof.errors import InvalidInput
from disproof.models import TokenInfo
from disproof.store.tokens import TokenRecords

TOKEN_PREFIX = "dsp_"
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43
MAX_NAME = 100
#: ``last_used_at`` is written at most this often per token (a read must not always write), and
#: only when the write lock is free: a read never waits for an import (see ``TokenRecords.touch``).
TOUCH_INTERVAL = dt.timedelta(minutes=1)


class Role(StrEnum):
    """What a token may do: read (viewer), also write cases (editor), also delete (admin)."""

    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """Whether this role includes ``needed`` (admin ⊇ editor ⊇ viewer)."""
        return self.rank >= needed.rank


_RANKS = {Role.viewer: 0, Role.editor: 1, Role.admin: 2}


@dataclass(frozen=True)
class Principal:
    """Who is making a request: the token's name and role."""

    name: str
    role: Role


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidInput(f"a token name is 1 to {MAX_NAME} printable characters")
    return name


class TokenStore:
    """Create, verify, list and revoke API tokens."""

    def __init__(self, engine: Engine) -> None:
        self.records = TokenRecords(engine)

    def create(self, name: str, role: Role, *, expires_in_days: int | None = None) -> str:
        """Make a token and return its secret — the only time it can be seen."""
        name = _check_name(name)
        if expires_in_days is not None and expires_in_days < 1:
            raise InvalidInput("a token expires after one day or more")
        now = _now()
        expires = now + dt.timedelta(days=expires_in_days) if expires_in_days else None
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.records.insert(name, Role(role).value, hash_token(token), now, expires)
        return token

    def verify(self, token: str) -> Principal | None:
        """The principal a token stands for; None when it is malformed, unknown, revoked or
        expired."""
        if len(token) != TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
            return None
        digest = hash_token(token)
        row = self.records.find(digest)
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        now = _now()
        if not row.info.active(now):
            return None
        last = row.info.last_used_at
        if last is None or now - last >= TOUCH_INTERVAL:
            self.records.touch(row.pk, now)
        return Principal(row.info.name, Role(row.info.role))

    def revoke(self, name: str) -> int:
        """Revoke the tokens of that name; returns how many were not revoked yet."""
        return self.records.revoke(name.strip(), _now())

    def list(self) -> builtins.list[TokenInfo]:
        """Every token ever made (oldest first), without secrets."""
        return self.records.all()

    def has_admin(self) -> bool:
        """Whether an active admin token exists."""
        return self.records.count_active(_now(), Role.admin.value) > 0

    def has_any(self) -> bool:
        """Whether any active token exists."""
        return self.records.count_active(_now()) > 0
