"""Maintenance commands on the database file: backup and restore (restore: SQLite only; a
PostgreSQL database is backed up as a portable SQLite copy, ``disproof.copying``).

They work on the file, not through the service: a backup must not migrate the database it
copies, and a restore must work when the current database cannot even be opened.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

from disproof import render
from disproof.cli.common import console, require_database, settings_of


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def backup(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Copy the database to PATH while it stays in use: a consistent, verified snapshot.

    Safe while `disproof serve` or an import is writing. PATH appears only once the copy is
    complete and has passed an integrity check. On PostgreSQL, PATH is a portable SQLite copy
    of the whole database (`disproof copy PATH postgresql://…` brings it back into an empty
    database); pg_dump is the operator's tool (docs/deployment.md).
    """
    from disproof.store.backup import backup_database, sqlite_file

    settings = settings_of(ctx)
    require_database(settings)
    if settings.database_url().startswith("postgresql"):
        from disproof.copying import backup_to_file

        summary = backup_to_file(settings, path, force=force)
    else:
        summary = backup_database(sqlite_file(settings), path, force=force)
    if as_json:
        payload = {
            "path": str(summary.path),
            "cases": summary.cases,
            "bytes": summary.bytes,
            "seconds": round(summary.seconds, 3),
            "revision": summary.revision,
        }
        print(json.dumps(payload))
        return
    console.print(
        render.safe(
            f"backed up {render.count(summary.cases, 'case')} to {summary.path} "
            f"({_size(summary.bytes)}, "
            f"{summary.seconds:.2f} s); integrity ok, schema revision {summary.revision}"
        )
    )


def restore(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A backup made by `disproof backup`.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a current database that holds cases."),
    ] = False,
) -> None:
    """Replace the database with a backup, after verifying the backup.

    The current database is kept beside it as DB.before-restore-TIME; an older backup is
    migrated; the match index is rebuilt on next use.
    """
    from disproof.store.backup import sqlite_file
    from disproof.store.restore import restore_database

    settings = settings_of(ctx)
    summary = restore_database(
        sqlite_file(settings), path, force=force, index_dir=settings.index_dir()
    )
    migrated = (
        f" (migrated from schema revision {summary.revision_from} to {summary.revision})"
        if summary.revision_from != summary.revision
        else ""
    )
    cases = render.count(summary.cases, "case")
    lines = [f"restored {cases} from {summary.source} into {summary.database}"]
    lines[0] += migrated + f" in {summary.seconds:.2f} s"
    if summary.previous is not None:
        lines.append(f"the previous database is kept as {summary.previous}")
    if summary.index_removed:
        lines.append("the match index will be rebuilt on next use")
    for line in lines:
        console.print(render.safe(line))
