"""``--jsonl`` batches: stdin's ``{"id", "text"}`` lines answered in order, a bad line in place
with its error, the batch going on past it (`match --jsonl`, `techniques detect --jsonl`)."""

from __future__ import annotations

import json
from collections.abc import Callable

from disproof import render
from disproof.cli.common import InputLine, err_console, read_jsonl_lines
from disproof.cli.progress import StepProgress, progress_bar
from disproof.errors import DisproofError

#: Bad lines also named on stderr (each has its error object on stdout).
SHOWN_ERRORS = 20


def answer_jsonl_lines(
    stage: str, batch: int, answer: Callable[[list[InputLine]], list[str]], failed: str
) -> None:
    """Answer stdin's lines ``batch`` at a time: ``answer`` gives one output line (JSON) per
    good line; a bad line gets ``{"id", "line", "error"}`` in its place (and a line on stderr)
    and the batch goes on; :class:`DisproofError` at the end when any line was bad, saying
    they "could not be ``failed``"."""
    lines = read_jsonl_lines()
    shown = 0
    with progress_bar() as bar:  # a long batch: lines done, their rate and the time left
        step = StepProgress(bar, stage)
        for start in range(0, len(lines), batch):
            chunk = lines[start : start + batch]
            good = [line for line in chunk if line.text is not None]
            answers = dict(zip((line.number for line in good), answer(good), strict=True))
            for line in chunk:
                if line.error is not None:
                    print(json.dumps({"id": line.id, "line": line.number, "error": line.error}))
                    shown += 1
                    if shown <= SHOWN_ERRORS:
                        err_console.print(render.safe(f"stdin, {line.error}"))
                else:
                    print(answers[line.number], flush=True)
            step(start + len(chunk), len(lines))
    bad = sum(line.error is not None for line in lines)
    if bad:
        raise DisproofError(
            f"stdin: {bad} of {len(lines)} line(s) could not be {failed} (see their error lines)"
        )
