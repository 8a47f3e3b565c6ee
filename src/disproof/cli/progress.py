"""Progress on the command line: every long step shows how far it is, its rate and its ETA.

On a terminal, a transient bar on stderr; otherwise (a log, a pipe, cron) a plain line every
``every`` seconds and one at the end, so that a long run is never silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from disproof import render
from disproof.cli.common import err_console

#: Why a command builds the index, said when it does.
AHEAD_HINT = "one-off; `disproof index` does it ahead of time"
#: Seconds between plain progress lines when stderr is not a terminal.
LINE_EVERY = 30.0


class RateColumn(ProgressColumn):
    """Steps per second of a task (or per minute when slower than one a second)."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        if not speed:
            return Text("")
        return Text(f"{speed:.1f}/s" if speed >= 1 else f"{speed * 60:.1f}/min")


def progress_bar(enabled: bool = True) -> Progress:
    """A transient bar on stderr, shown only on a terminal, for :class:`StepProgress` steps:
    what, how far, time so far, rate and time left (from the step's start: steady from the
    first batch on)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[pace]}"),
        console=err_console,
        transient=True,
        disable=not enabled or not err_console.is_terminal,
    )


def eta_text(done: int, total: int, seconds: float) -> str:
    """``"8.1/s, about 26 min left"``: the rate so far and the time the rest takes at it."""
    if done <= 0 or seconds <= 0:
        return ""
    rate = done / seconds
    left = (total - done) / rate
    when = f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"
    return f"{rate:.1f}/s, about {when} left" if done < total else f"{rate:.1f}/s"


class StepProgress:
    """``progress(done, total)`` of one step: the bar's task on a terminal, else a plain line
    on stderr every ``every`` seconds (and at the end of a step that printed one)."""

    def __init__(
        self,
        bar: Progress,
        description: str,
        *,
        every: float = LINE_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bar = bar
        self.description = description
        self.every = every
        self.clock = clock
        self.task: TaskID = bar.add_task(description, total=None, pace="")
        self.started = self.last_line = clock()
        self.lines = 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        pace = eta_text(done, total, now - self.started)
        self.bar.update(self.task, completed=done, total=total, pace=pace)
        if not self.bar.disable:
            return
        if now - self.last_line >= self.every or (done >= total and self.lines):
            self.last_line, self.lines = now, self.lines + 1
            err_console.print(render.safe(f"{self.description}: {done:,} of {total:,} ({pace})"))


class IndexProgress:
    """A match index build, told to whoever waits (``disproof.indexing.BuildProgress``): one
    line saying that the index is built and why, then the encoding with rate and ETA."""

    def __init__(self, bar: Progress, hint: str = AHEAD_HINT, every: float = LINE_EVERY) -> None:
        self.bar = bar
        self.hint = hint
        self.every = every
        self.step: StepProgress | None = None

    def building(self, cases: int, fresh: bool) -> None:
        verb = "building" if fresh else "updating"
        line = f"{verb} the match index for {render.count(cases, 'case')} ({self.hint})"
        self.bar.console.print(render.safe(line))
        self.step = StepProgress(self.bar, "encoding case texts", every=self.every)

    def __call__(self, done: int, total: int) -> None:
        if self.step is None:
            self.step = StepProgress(self.bar, "encoding case texts", every=self.every)
        self.step(done, total)
