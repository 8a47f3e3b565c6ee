"""What every command shares: the consoles, the settings and service of this run, dates."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from disproof.errors import DisproofError

if TYPE_CHECKING:  # the service and settings are imported by the commands that use them,
    # so that `disproof --version` and `--help` start fast (docs/benchmarks.md)
    from disproof.service import Disproof
    from disproof.settings import Settings

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class RunOptions:
    """The main options of this run; the settings are built from them on first use."""

    db: str | None = None
    settings: Settings | None = None


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the main options built for this run (``--db`` etc.)."""
    from disproof.settings import Settings

    options = ctx.find_root().obj
    assert isinstance(options, RunOptions)
    if options.settings is None:
        options.settings = Settings(db=options.db) if options.db else Settings()
    return options.settings


def require_database(settings: Settings) -> None:
    """Refuse a database file that does not exist: only ``init``, ``import``, ``demo`` and
    ``restore`` create one, so a mistyped ``--db`` is not taken for a new, empty database."""
    path = settings.sqlite_path()
    if path is not None and not path.exists():
        raise DisproofError(
            f"no database at {path}: check --db (or DISPROOF_DB), "
            "or create one with `disproof init` (or `disproof demo`)"
        )


def open_service(ctx: typer.Context, *, create: bool = False) -> Disproof:
    """The service on this run's database; one that does not exist is created only when
    ``create`` (the commands that fill a database), else refused (:func:`require_database`)."""
    from disproof.service import Disproof

    settings = settings_of(ctx)
    if not create:
        require_database(settings)
    return Disproof.open(settings)


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value (a usage error, exit 2, names the option otherwise)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


@dataclass(frozen=True)
class InputLine:
    """One non-blank stdin line: its number, its ``id`` (None if unreadable) and either its
    ``text`` or the ``error`` that says why it cannot be used."""

    number: int
    id: object
    text: str | None
    error: str | None = None


def read_jsonl_lines() -> list[InputLine]:
    """Every non-blank ``{"id": …, "text": "…"}`` line of stdin; a bad line is kept with its
    error (and its id where one can be read), so a batch can go on past it."""
    from disproof.io.base import json_value

    lines: list[InputLine] = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json_value(line)
        except ValueError as exc:
            lines.append(InputLine(number, None, None, f"line {number}: malformed JSON: {exc}"))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            item_id = item.get("id") if isinstance(item, dict) else None
            error = f'line {number}: expected {{"id": …, "text": "…"}}'
            lines.append(InputLine(number, item_id, None, error))
            continue
        lines.append(InputLine(number, item.get("id"), item["text"]))
    return lines


def read_jsonl_stdin() -> list[tuple[object, str]]:
    """``(id, text)`` of each ``{"id": …, "text": "…"}`` line on stdin; the first bad line
    stops the command, named."""
    items: list[tuple[object, str]] = []
    for line in read_jsonl_lines():
        if line.error is not None or line.text is None:
            raise DisproofError(f"stdin, {line.error}")
        items.append((line.id, line.text))
    return items


def read_input_text(file: Path) -> str:
    """The text of ``--file PATH`` (``-``: standard input); a file that is no text is refused
    saying why, as ``disproof import`` refuses it (``io.base.read_text``)."""
    if str(file) == "-":
        return sys.stdin.read()
    from disproof.io.base import read_text

    return read_text(file)
