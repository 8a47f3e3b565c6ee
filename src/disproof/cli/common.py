"""What every command shares: the consoles, the settings and service of this run, dates."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from disproof.errors import DisproofError
from disproof.io.base import json_value
from disproof.service import Disproof
from disproof.settings import Settings

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the main options built for this run (``--db`` etc.)."""
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


def open_service(ctx: typer.Context) -> Disproof:
    return Disproof.open(settings_of(ctx))


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


def progress_bar(label: str, enabled: bool) -> Progress:
    """A transient progress bar on stderr, shown only on a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not enabled or not err_console.is_terminal,
    )


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
