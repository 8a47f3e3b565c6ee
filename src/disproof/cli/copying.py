"""``disproof copy``: a whole database into a new one, SQLite ⇄ PostgreSQL (disproof.copying)."""

import json
from typing import Annotated

import typer

from disproof import render
from disproof.cli.common import console
from disproof.cli.progress import StepProgress, progress_bar


def copy(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE", help="The database to copy: an SQLite file or a database URL."
        ),
    ],
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET",
            help="The new database: an SQLite file (created if missing) or the URL of an "
            "empty PostgreSQL database, e.g. postgresql://user@host/disproof.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Copy everything in SOURCE into the empty database TARGET, in either direction between
    SQLite and PostgreSQL: cases, history, API tokens, web sessions, the import log, the match
    index's vectors.

    All or nothing: the rows go in one transaction, refused if TARGET already holds data, and
    rolled back unless every table has as many rows as in SOURCE. Afterwards the export of
    both must be byte-identical. Stop `disproof serve` on SOURCE first. The global --db is not
    used; passwords in URLs are better kept in ~/.pgpass than on the command line.
    """
    from disproof.copying import copy_database
    from disproof.settings import Settings

    with progress_bar(not as_json) as bar:
        steps: dict[str, StepProgress] = {}

        def advance(table: str, done: int, total: int) -> None:
            if table not in steps:
                steps[table] = StepProgress(bar, f"copying {table}")
            steps[table](done, total)

        summary = copy_database(Settings(db=source), Settings(db=target), advance)
    if as_json:
        payload = {
            "rows": summary.rows,
            "export_bytes": summary.export_bytes,
            "seconds": round(summary.seconds, 3),
        }
        print(json.dumps(payload))
        return
    rows = ", ".join(f"{n:,} {table}" for table, n in summary.rows.items() if n)
    console.print(
        render.safe(
            f"copied {render.count(summary.rows['cases'], 'case')} ({rows or 'no rows'}) in "
            f"{summary.seconds:.1f} s; row counts and export ({summary.export_bytes:,} bytes) "
            "verified identical"
        )
    )
