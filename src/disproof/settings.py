"""One settings object, read from the environment (``DISPROOF_*``) and overridden by the CLI."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from disproof.links import public_base_url


def default_db_path() -> Path:
    """The per-user database location (e.g. ``~/.local/share/disproof/disproof.db`` on Linux)."""
    return Path(user_data_dir("disproof", appauthor=False)) / "disproof.db"


class Settings(BaseSettings):
    """Runtime configuration. ``db`` is a file path (SQLite) or an SQLAlchemy URL."""

    model_config = SettingsConfigDict(env_prefix="DISPROOF_", extra="ignore")

    db: str = Field(default_factory=lambda: str(default_db_path()))
    import_batch_size: int = Field(default=1000, ge=1)
    #: Embedding backend for matching ("e5", "use"); None = the default, falling back if needed.
    embedder: str | None = None
    #: From this many cases on, the matcher's cosine retrievers search HNSW graphs (usearch,
    #: the ``scale`` extra) instead of every vector; 0 = always (docs/scale.md).
    ann_threshold: int = Field(default=200_000, ge=0)

    # -- the web server (``disproof serve``) -----------------------------------------------------
    #: Address to listen on. Anything but a loopback address needs an admin token to exist.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: Key for signing CSRF tokens; None = a random key per process (forms then expire on restart).
    secret_key: str | None = Field(default=None, repr=False)
    #: Largest request body accepted (bytes); larger ones get HTTP 413.
    max_request_bytes: int = Field(default=2_000_000, ge=1_024)
    #: Reading (cases, search, match, stats) needs no token; when False it needs a viewer token.
    public_read: bool = True
    #: The public address of this disproof site (``https://host[/prefix]``). A ClaimReview export
    #: links a case that has no web page of its own (no source URL) to ``{public_url}/cases/{id}``.
    public_url: str | None = None
    #: Addresses (or networks, ``10.0.0.0/8``) of reverse proxies whose ``X-Forwarded-For`` and
    #: ``X-Forwarded-Proto`` are believed, comma-separated; empty (the default): trust none, so
    #: the client is the direct peer and the scheme is the one the server itself was reached by.
    trusted_proxies: str = ""

    # -- web sessions (``disproof.web.sessions``) ------------------------------------------------
    #: A signed-in browser is signed out after this many minutes without a request …
    session_idle_minutes: int = Field(default=120, ge=1, le=60 * 24 * 30)
    #: … and this many hours after signing in, however active.
    session_max_hours: int = Field(default=12, ge=1, le=24 * 90)

    # -- bounded work per request (``disproof.api.budget``) ------------------------------------
    #: Longest text one match, report or check takes (characters), without / with a token.
    max_text_anonymous: int = Field(default=20_000, ge=100, le=100_000)
    max_text_signed_in: int = Field(default=100_000, ge=100, le=100_000)
    #: Each client's budget for expensive requests (match, report, check, trends): a bucket of
    #: ``budget_burst`` units refilled at ``budget_per_minute``; a request costs 1 unit plus 1
    #: per 1,000 characters of text (at most the whole bucket). An empty bucket answers 429
    #: with ``Retry-After``.
    budget_burst: float = Field(default=40.0, ge=1.0)
    budget_per_minute: float = Field(default=30.0, gt=0.0)
    #: Expensive requests computed at once (in worker threads; the event loop keeps serving
    #: reads), and how many more may wait for a turn before the server answers 503.
    expensive_workers: int = Field(default=1, ge=1, le=64)
    expensive_queue: int = Field(default=8, ge=0, le=1000)
    #: Seconds a check, match or report waits for a match index being built (a fresh or
    #: changed database) before answering with what there is, noted in its ``notes``: the
    #: index as it was, or BM25 alone (docs/matching.md). The build goes on in the background.
    match_wait: float = Field(default=10.0, ge=0.0, le=600.0)

    @field_validator("public_url", mode="after")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return public_base_url(value) if value else None

    @field_validator("trusted_proxies", mode="after")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",")):
            if not item:
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {item!r} is not an IP address or network"
                ) from None
        return value

    def proxies(self) -> list[str]:
        """:attr:`trusted_proxies` as a list (empty: trust no proxy)."""
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def index_dir(self) -> Path | None:
        """Where the derived matching index is saved (beside an SQLite file), or None."""
        path = self.sqlite_path()
        return None if path is None else path.with_name(path.name + ".index")

    def keywords_dir(self) -> Path | None:
        """Where ``disproof keywords train`` saves the keyword model (beside an SQLite file)."""
        path = self.sqlite_path()
        return None if path is None else path.with_name(path.name + ".keywords")

    def database_url(self) -> str:
        """An SQLAlchemy URL: a plain path becomes ``sqlite:///PATH``; a PostgreSQL URL without a
        driver (``postgresql://`` or ``postgres://``, as libpq spells it) uses psycopg 3."""
        for scheme in ("postgresql://", "postgres://"):
            if self.db.startswith(scheme):
                return "postgresql+psycopg://" + self.db.removeprefix(scheme)
        if "://" in self.db:
            return self.db
        return f"sqlite:///{Path(self.db).expanduser().resolve()}"

    def sqlite_path(self) -> Path | None:
        """The SQLite file behind ``db``, or None for a server database."""
        url = self.database_url()
        if not url.startswith("sqlite:///"):
            return None
        rest = url.removeprefix("sqlite:///")
        return None if rest in ("", ":memory:") else Path(rest)
