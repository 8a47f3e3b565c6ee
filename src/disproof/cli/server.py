"""Serving the web app and API, and managing the API tokens that guard it."""

import datetime as dt
import enum
import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from disproof import render
from disproof.cli.common import (
    console,
    err_console,
    open_service,
    require_database,
    settings_of,
)
from disproof.cli.progress import AHEAD_HINT, IndexProgress, progress_bar
from disproof.errors import DisproofError

if TYPE_CHECKING:
    from disproof.models import TokenInfo
    from disproof.settings import Settings

token_app = typer.Typer(
    help="API tokens: who may read, edit (editor) or also delete (admin) cases over the API.",
    no_args_is_help=True,
)


class RoleChoice(enum.StrEnum):
    """The roles of ``disproof.auth.Role``, named here so that `--help` needs no web code."""

    viewer = "viewer"
    editor = "editor"
    admin = "admin"


def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Who or what uses the token.")],
    role: Annotated[RoleChoice, typer.Option("--role", help="viewer, editor or admin.")],
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", min=1, help="Expire after N days.")
    ] = None,
) -> None:
    """Make a token and print it — the only time it is shown (only its hash is stored)."""
    from disproof.auth import Role

    token = open_service(ctx).tokens.create(name, Role(role), expires_in_days=expires_days)
    print(token)
    err_console.print(
        render.safe(
            f"token {name!r} ({role.value}) created. Store it now: it cannot be shown again. "
            "Send it as 'Authorization: Bearer <token>'."
        ),
        style="yellow",
    )


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else "—"


def _token_status(info: "TokenInfo", now: dt.datetime) -> str:
    if info.revoked_at is not None:
        return "revoked"
    return "active" if info.active(now) else "expired"


def token_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON.")] = False,
) -> None:
    """List tokens (never their secrets): role, status, when made, expires, last used."""
    tokens = open_service(ctx).tokens.list()
    if as_json:
        print(json.dumps([t.model_dump(mode="json") for t in tokens], indent=2))
        return
    now = dt.datetime.now(dt.UTC)
    rows = [
        [t.name, t.role, _token_status(t, now), t.created_at, t.expires_at, t.last_used_at]
        for t in tokens
    ]
    if not rows:
        console.print("no tokens yet (disproof token create --name NAME --role ROLE)")
        return
    table = Table("name", "role", "status", "created", "expires", "last used")
    for row in rows:
        table.add_row(*[render.safe(_when(v) if not isinstance(v, str) else v) for v in row])
    console.print(table)


def token_revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The token's name.")],
) -> None:
    """Revoke the token(s) of that name; they stop working at once."""
    count = open_service(ctx).tokens.revoke(name)
    if count == 0:
        raise DisproofError(f"no token named {name!r} to revoke (see disproof token list)")
    console.print(render.safe(f"revoked {render.count(count, 'token')} named {name!r}"))


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes. More than one needs a PostgreSQL database: SQLite lets one "
            "process write at a time.",
        ),
    ] = 1,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Also poll the watched sources and deliver alerts, like `disproof watch`.",
        ),
    ] = False,
) -> None:
    """Run the web pages and the REST API (/api/v1, docs at /docs).

    Refuses to listen beyond this machine (a non-loopback --host) until an admin token exists,
    and to start with public reading off (DISPROOF_PUBLIC_READ=false) until any token exists.

    A missing or outdated match index is built in the background from start-up, with its
    progress on stderr; checks made meanwhile answer with lexical matching, and say so. With
    --workers N (PostgreSQL), it is built before the workers start, and each worker notices
    changes made through the others within a second (docs/deployment.md).
    """
    from disproof.api.serve import run as run_server
    from disproof.api.serve import run_workers, serve_refusal
    from disproof.service import Disproof

    changes = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings_of(ctx).model_copy(update=changes)
    require_database(settings)
    if workers > 1 and settings.database_url().startswith("sqlite"):
        raise DisproofError(
            "--workers needs a PostgreSQL database: SQLite lets one process write at a time, "
            "so `disproof serve` runs one worker on it (see docs/deployment.md)"
        )
    service = Disproof.open(settings)
    refusal = serve_refusal(settings, service.tokens)
    if refusal:
        raise DisproofError(refusal)
    if workers > 1 and watch:
        raise DisproofError(
            "--watch runs in one server process: with --workers, run `disproof watch` as a "
            "process of its own beside the server"
        )
    if workers > 1:
        service.store.engine.dispose()
        build_ahead(settings)
        run_workers(settings, workers)
        return
    service.matchers.start(BackgroundIndexProgress(progress_bar(False), BACKGROUND_HINT))
    if not watch:
        run_server(service)
        return
    from disproof.watch.background import start

    thread, stop = start(service)
    try:
        run_server(service)
    finally:
        stop.set()
        thread.join(30)


def build_ahead(settings: "Settings") -> None:
    """Build the match index (or bring it up to date) before the workers start, in a process
    of its own (``spawn``): the process that then supervises the workers does not keep e5 and
    the index in memory (about 250 MB on the EUvsDisinfo case index, docs/benchmarks.md)."""
    import multiprocessing

    process = multiprocessing.get_context("spawn").Process(
        target=_build_index, args=(settings,), name="disproof-index"
    )
    process.start()
    process.join()


def _build_index(settings: "Settings") -> None:
    from disproof.service import Disproof

    service = Disproof.open(settings)
    service.matchers.start(BackgroundIndexProgress(progress_bar(False), AHEAD_HINT)).join()


BACKGROUND_HINT = (
    "in the background; until it is ready, checks answer with lexical matching only and say so"
)


class BackgroundIndexProgress(IndexProgress):
    """The start-up build of ``disproof serve``: plain lines on stderr, and one when done."""

    def __call__(self, done: int, total: int) -> None:
        super().__call__(done, total)
        if done >= total:
            err_console.print(render.safe(f"match index ready: {total:,} case texts encoded"))
