"""TokenRecords: the SQL behind API tokens. Secrets never reach this module, only their hashes;
the policy (making secrets, expiry, roles) lives in :mod:`disproof.auth`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from disproof.errors import ConflictError, StoreError
from disproof.models import TokenInfo
from disproof.store.engine import begin_write, write_if_free
from disproof.store.schema import api_tokens, web_sessions
from disproof.store.times import utc


@dataclass(frozen=True)
class TokenRow:
    """One stored token, found by the hash of its secret."""

    pk: int
    token_hash: str
    info: TokenInfo


def _info(row: sa.Row[Any]) -> TokenInfo:
    return TokenInfo(
        name=row.name,
        role=row.role,
        created_at=utc(row.created_at),
        expires_at=utc(row.expires_at),
        revoked_at=utc(row.revoked_at),
        last_used_at=utc(row.last_used_at),
    )


def _active(now: dt.datetime) -> Any:
    return sa.and_(
        api_tokens.c.revoked_at.is_(None),
        sa.or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > now),
    )


class TokenRecords:
    """Rows of ``api_tokens``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert(
        self, name: str, role: str, token_hash: str, now: dt.datetime, expires: dt.datetime | None
    ) -> None:
        """Add a token; a name already used by an active token is refused."""
        try:
            with begin_write(self.engine) as connection:
                taken = connection.execute(
                    sa.select(api_tokens.c.pk).where(api_tokens.c.name == name, _active(now))
                ).first()
                if taken is not None:
                    raise ConflictError(f"an active token named {name!r} exists; revoke it first")
                connection.execute(
                    sa.insert(api_tokens).values(
                        name=name,
                        role=role,
                        token_hash=token_hash,
                        created_at=now,
                        expires_at=expires,
                    )
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot store the token: {exc}") from exc

    def find(self, token_hash: str) -> TokenRow | None:
        query = sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else TokenRow(row.pk, row.token_hash, _info(row))

    def touch(self, pk: int, now: dt.datetime) -> bool:
        """Record a use of the token, unless another writer holds the lock (an import): then
        nothing is written and False is returned — the next use records it. A read never waits
        for the write lock."""
        statement = sa.update(api_tokens).where(api_tokens.c.pk == pk).values(last_used_at=now)
        return write_if_free(self.engine, statement)

    def revoke(self, name: str, now: dt.datetime) -> int:
        """Revoke every not yet revoked token of that name, and end every web session opened
        with a token of that name (in the same transaction); returns how many tokens."""
        named = sa.select(api_tokens.c.pk).where(api_tokens.c.name == name)
        with begin_write(self.engine) as connection:
            result = connection.execute(
                sa.update(api_tokens)
                .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            connection.execute(sa.delete(web_sessions).where(web_sessions.c.token_pk.in_(named)))
        return int(result.rowcount)

    def all(self) -> list[TokenInfo]:
        query = sa.select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.pk)
        with self.engine.connect() as connection:
            return [_info(row) for row in connection.execute(query)]

    def count_active(self, now: dt.datetime, role: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(api_tokens).where(_active(now))
        if role is not None:
            query = query.where(api_tokens.c.role == role)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())
