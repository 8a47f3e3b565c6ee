"""The `disproof` command line: the service's use cases for terminals and scripts.

Exit codes: 0 ok, 1 user error (a clear message, no traceback), 2 usage error.
Each group of commands lives in its own module; this one assembles them. The command modules
import only Typer and Rich at the top: what a command needs (the service, numpy, SQLAlchemy,
FastAPI) is imported when it runs, so `--version`, `--help` and usage errors start fast
(`tests/test_startup.py` guards it; `benchmarks/startup.py` measures it).
"""

import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, TypeGuard, get_type_hints

import typer

from disproof import __version__
from disproof.cli import (
    alerting,
    cases,
    copying,
    demo,
    history,
    keywords,
    maintenance,
    matching,
    narratives,
    report,
    scan,
    server,
    techniques,
    trends,
    watching,
)
from disproof.cli.common import RunOptions, console, err_console
from disproof.errors import DisproofError
from disproof.render import safe

if TYPE_CHECKING:
    from pydantic import ValidationError

app = typer.Typer(
    name="disproof",
    help=(
        "disproof keeps a database of disinformation cases (the claim, where it appeared, its "
        "disproof, keywords and narratives) and lets you import, search and export them.\n\n"
        'Start with `disproof demo`, then try `disproof search "biolabs"`.'
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        console.print(f"disproof {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file (SQLite) or SQLAlchemy URL. Default: a per-user data folder; "
            "the DISPROOF_DB environment variable overrides it.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = RunOptions(db=db)


app.command()(cases.init)
app.command("import")(cases.import_)
app.command()(cases.export)
app.command()(cases.show)
app.command()(cases.related)
app.command()(cases.search)
app.command()(matching.match)
app.command()(matching.index)
app.command()(scan.scan)
app.command()(report.report)
app.command()(cases.stats)
app.command()(maintenance.backup)
app.command()(maintenance.restore)
app.command()(copying.copy)
app.command("history")(history.history)
app.command("restore-case")(history.restore_case)
app.command()(demo.demo)
app.command("trends")(trends.trends)
app.command("emerging")(trends.emerging)
app.add_typer(server.token_app, name="token")
server.token_app.command("create")(server.token_create)
server.token_app.command("list")(server.token_list)
server.token_app.command("revoke")(server.token_revoke)
app.command()(server.serve)
app.add_typer(narratives.app, name="narratives")
app.add_typer(keywords.app, name="keywords")
app.add_typer(techniques.app, name="techniques")
app.add_typer(watching.sources_app, name="sources")
watching.sources_app.command("add")(watching.sources_add)
watching.sources_app.command("list")(watching.sources_list)
watching.sources_app.command("remove")(watching.sources_remove)
app.command()(watching.watch)
app.add_typer(alerting.alerts_app, name="alerts")
alerting.alerts_app.command("add")(alerting.alerts_add)
alerting.alerts_app.command("list")(alerting.alerts_list)
alerting.alerts_app.command("remove")(alerting.alerts_remove)
alerting.alerts_app.command("log")(alerting.alerts_log)


def _callbacks(group: typer.Typer) -> Iterator[Callable[..., Any]]:
    """The functions of ``group``'s commands and callbacks, and of its sub-groups'."""
    infos = [*group.registered_commands, group.registered_callback]
    yield from (info.callback for info in infos if info is not None and info.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            yield from _callbacks(sub.typer_instance)


def _resolve_annotations(group: typer.Typer) -> None:
    """Evaluate the commands' annotations here, once, where they are strings: Typer evaluates
    each string twice (``inspect.signature`` and ``get_type_hints``) while building the
    commands, which every run does, ``--help`` and ``--version`` included. The command modules
    do not use ``from __future__ import annotations`` for that reason (~900 compiles on every
    start, a tenth of the help's time; issue #16); this covers any command that does."""
    for function in _callbacks(group):
        function.__annotations__ = get_type_hints(function, include_extras=True)


_resolve_annotations(app)


def _is_validation_error(exc: Exception) -> "TypeGuard[ValidationError]":
    """Whether ``exc`` is pydantic's (checked without importing pydantic when it is not)."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(exc, pydantic.ValidationError)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app, turning domain errors into one clear line and exit code 1."""
    try:
        app(args=argv, prog_name="disproof")
    except DisproofError as exc:
        err_console.print(safe(f"error: {exc}"), style="red")
        sys.exit(1)
    except Exception as exc:
        if not _is_validation_error(exc):
            raise
        # an option out of range for the model it builds
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors()
        )
        err_console.print(safe(f"error: {problems}"), style="red")
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing half-written was kept")
        sys.exit(130)
