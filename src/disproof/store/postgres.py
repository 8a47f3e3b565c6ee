"""What a PostgreSQL connection needs that SQLite's does not.

PostgreSQL text cannot hold the NUL character (``\\x00``), which SQLite stores like any other;
psycopg refuses to send a string with one, so a NUL in a lookup (a case id in a URL, a filter
value) or in a list item of a case would fail the request. On PostgreSQL every string sent is
sent without its NULs: a lookup with one finds what it would without it, and a value written
with one is stored without it. (JSON documents are sent as JSON, where a NUL is an escape,
``\\u0000``, and kept.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event


def _without_nul(dbapi_connection: Any, _record: Any) -> None:
    from psycopg.types import string

    class Text(string.StrDumperUnknown):
        def dump(self, obj: str) -> Any:
            return super().dump(obj.replace("\x00", ""))

    class BinaryText(string.StrBinaryDumper):
        def dump(self, obj: str) -> Any:
            return super().dump(obj.replace("\x00", ""))

    dbapi_connection.adapters.register_dumper(str, Text)
    dbapi_connection.adapters.register_dumper(str, BinaryText)


def configure(engine: Engine) -> None:
    """Set up each new connection of a psycopg engine (other drivers are left as they are)."""
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _without_nul)


def lock_name(connection: Connection, name: str) -> None:
    """Hold a lock on ``name`` (a case id) until the transaction ends: another transaction
    locking the same name waits until then (a transaction-scoped advisory lock on its hash)."""
    key = sa.func.hashtextextended(name, 0)
    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
