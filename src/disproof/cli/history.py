"""The history of a case, and restoring a deleted case or an earlier version.

Restoring a *case* is ``restore-case``: a plain ``restore`` is left for restoring a backup file.
Changes made here are recorded as the operating-system user, in the role ``cli``.
"""

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from disproof import render
from disproof.cli.common import console, err_console, open_service

if TYPE_CHECKING:
    from disproof.history import CaseHistory, HistoryEntry

CASE_ID = typer.Argument(metavar="ID", help="The case id (or case URL); a deleted one too.")


def _changed(entry: "HistoryEntry") -> Text:
    """The changed fields (the note, a file or a restored version, below them)."""
    if entry.changes is None:
        text = Text("not recorded", style="dim")
    elif not entry.changes:
        text = Text("—", style="dim")
    elif entry.version == 1:
        text = Text(f"new case ({len(entry.changes)} fields)")
    else:
        text = render.safe(", ".join(entry.changes))
    if entry.note:
        text.append("\n" + render.safe(entry.note, 120).plain, style="dim")
    return text


def history_table(history: "CaseHistory") -> Table:
    """One row per version, newest first: when, who, role, what was done and which fields."""
    state = "" if history.exists else " — deleted"
    shown = f"{len(history.entries)} of {history.total}"
    title = render.safe(f"History of {history.case_id}{state} ({shown} entries)", 200)
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("version", justify="right", no_wrap=True)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("who", ratio=1, min_width=6, overflow="fold")
    table.add_column("role", no_wrap=True)
    table.add_column("action", no_wrap=True)
    table.add_column("changed fields", ratio=3, min_width=16, overflow="fold")
    for entry in history.entries:
        table.add_row(
            str(entry.version) if entry.version is not None else "—",
            entry.at.strftime("%Y-%m-%d %H:%M"),
            render.safe(entry.author, 100),
            render.safe(entry.role or "—"),
            render.safe(entry.action),
            _changed(entry),
        )
    return table


def history(
    ctx: typer.Context,
    case_id: Annotated[str, CASE_ID],
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="Newest entries to list.")] = 100,
    full: Annotated[
        bool, typer.Option("--full", help="With --json: whole values, not shortened ones.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the entries, with field → {before, after}, as JSON."),
    ] = False,
) -> None:
    """Who created, changed, imported, deleted or restored a case, when, and which fields."""
    result = open_service(ctx).history(case_id, full=full, limit=limit)
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        console.print(history_table(result))


def restore_case(
    ctx: typer.Context,
    case_id: Annotated[str, CASE_ID],
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            min=1,
            help="Go back to this version (needed when the case exists; see `disproof history`).",
        ),
    ] = None,
) -> None:
    """Bring back a deleted case as it was when deleted, or a case as it was in --version."""
    from disproof.history import Actor

    case = open_service(ctx).restore_case(case_id, Actor.command_line(), version)
    err_console.print(
        render.safe(f"case {case.id} restored: it is now at version {case.version}"),
        style="green",
    )
