"""SessionRecords: the SQL behind web sessions. Only hashes of session ids reach this module;
the policy (making ids, lifetimes) lives in :mod:`disproof.sessions`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from disproof.errors import StoreError
from disproof.store.engine import begin_write, write_if_free
from disproof.store.schema import api_tokens, web_sessions
from disproof.store.times import utc
from disproof.store.tokens import TokenRow, _active, _info


@dataclass(frozen=True)
class SessionRow:
    """One stored session and the token it was opened with."""

    pk: int
    session_hash: str
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    token: TokenRow


class SessionRecords:
    """Rows of ``web_sessions``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert(
        self,
        session_hash: str,
        token_pk: int,
        now: dt.datetime,
        expires: dt.datetime,
        idle_since: dt.datetime,
    ) -> None:
        """Store a new session, first forgetting every session that has ended (expired, or
        idle since before ``idle_since``), so the table holds live sessions only."""
        ended = sa.or_(web_sessions.c.expires_at <= now, web_sessions.c.last_seen_at < idle_since)
        try:
            with begin_write(self.engine) as connection:
                connection.execute(sa.delete(web_sessions).where(ended))
                connection.execute(
                    sa.insert(web_sessions).values(
                        session_hash=session_hash,
                        token_pk=token_pk,
                        created_at=now,
                        last_seen_at=now,
                        expires_at=expires,
                    )
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot store the session: {exc}") from exc

    def find(self, session_hash: str, now: dt.datetime) -> SessionRow | None:
        """The session with this hash, if its token is still active (not revoked or expired)."""
        query = (
            sa.select(
                web_sessions.c.pk.label("session_pk"),
                web_sessions.c.session_hash,
                web_sessions.c.last_seen_at,
                web_sessions.c.expires_at.label("session_expires_at"),
                api_tokens,
            )
            .join(api_tokens, api_tokens.c.pk == web_sessions.c.token_pk)
            .where(web_sessions.c.session_hash == session_hash, _active(now))
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        token = TokenRow(row.pk, row.token_hash, _info(row))
        last_seen, expires = utc(row.last_seen_at), utc(row.session_expires_at)
        assert last_seen is not None and expires is not None  # both NOT NULL
        return SessionRow(row.session_pk, row.session_hash, last_seen, expires, token)

    def touch(self, pk: int, now: dt.datetime) -> bool:
        """Record a use of the session if the write lock is free (see ``TokenRecords.touch``)."""
        statement = sa.update(web_sessions).where(web_sessions.c.pk == pk).values(last_seen_at=now)
        return write_if_free(self.engine, statement)

    def delete(self, session_hash: str) -> int:
        """End one session; returns how many rows went (0 or 1)."""
        with begin_write(self.engine) as connection:
            result = connection.execute(
                sa.delete(web_sessions).where(web_sessions.c.session_hash == session_hash)
            )
        return int(result.rowcount)

    def count(self) -> int:
        with self.engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(web_sessions)
            return int(connection.execute(query).scalar_one())
