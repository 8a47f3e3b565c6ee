"""The techniques of case texts, read once per text and model and kept in the store
(``technique_results``, :mod:`disproof.store.techniques`).

A case's *claim text* is its title and its summary, one paragraph each (the title first, as the
task's articles open with theirs): what the case says the media claimed. Offsets of its spans
are into that text; :func:`field_spans` maps them back to the title or the summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from disproof.store.techniques import read_results, write_results
from disproof.techniques.loaded import current_model_id, loaded_model
from disproof.techniques.shown import StoredSpan

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from disproof.models import Case
    from disproof.settings import Settings

#: Texts detected together (their paragraphs are encoded in one batch).
BATCH = 256


def _title_line(title: str) -> str:
    """The title on one line, of the same length (offsets into it are offsets into the title)."""
    line = title.replace("\r", " ").replace("\n", " ")
    return line if line.strip() else ""


def join_claim_text(title: str, summary: str) -> str:
    """The title and the summary, one paragraph each (either may be missing)."""
    parts = (_title_line(title), summary if summary.strip() else "")
    return "\n".join(part for part in parts if part)


def claim_text(case: Case) -> str:
    """The case's claim text: :func:`join_claim_text` of its title and summary."""
    return join_claim_text(case.title, case.summary)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FieldSpan:
    """A span of a case's claim text, as an offset into the field it lies in."""

    field: str  # "title" or "summary"
    technique: str
    start: int
    end: int
    score: float


def field_spans(case: Case, spans: Sequence[StoredSpan]) -> list[FieldSpan]:
    """``spans`` of :func:`claim_text` as offsets into ``case.title`` or ``case.summary``
    (paragraphs are lines, so a span never crosses from one into the other)."""
    title = _title_line(case.title)
    shift = len(title) + 1 if title else 0
    out: list[FieldSpan] = []
    for s in spans:
        if s.start < len(title):
            out.append(FieldSpan("title", s.technique, s.start, min(s.end, len(title)), s.score))
        else:
            start, end = max(0, s.start - shift), max(0, s.end - shift)
            out.append(FieldSpan("summary", s.technique, start, end, s.score))
    return out


def stored_techniques(
    engine: Engine, settings: Settings, texts: Sequence[str]
) -> dict[str, list[StoredSpan]]:
    """The cached spans of those ``texts`` the current model has read (text → spans); reads
    no model (a digest of its file names it)."""
    model_id = current_model_id(settings)
    found = read_results(engine, model_id, (text_hash(t) for t in texts))
    return {t: _spans(found[h]) for t in texts if (h := text_hash(t)) in found}


def text_techniques(
    engine: Engine,
    settings: Settings,
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, list[StoredSpan]]:
    """The spans of every text: cached ones read back, the others detected (the model loaded
    once per process) and stored for next time."""
    unique = list(dict.fromkeys(texts))
    out = stored_techniques(engine, settings, unique)
    missing = [t for t in unique if t not in out]
    if not missing:
        return out
    loaded = loaded_model(settings)
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        found = loaded.detector.detect_many(chunk)
        results = {
            text_hash(t): [s.as_json() for s in spans]
            for t, spans in zip(chunk, found, strict=True)
        }
        write_results(engine, loaded.model_id, results)
        for t, spans in zip(chunk, found, strict=True):
            out[t] = [StoredSpan(s.technique, s.start, s.end, s.score) for s in spans]
        if progress is not None:
            progress(min(start + BATCH, len(missing)), len(missing))
    return out


def _spans(rows: list[dict[str, object]]) -> list[StoredSpan]:
    return [
        StoredSpan(
            str(r["technique"]), int(str(r["start"])), int(str(r["end"])), float(str(r["score"]))
        )
        for r in rows
    ]


def case_result(engine: Engine, settings: Settings, case: Case) -> dict[str, object]:
    """The techniques of ``case``'s claim text as the API and ``show --techniques --json`` give
    them: ``{"text", "model", "techniques": [{"technique", "start", "end", "score", "name",
    "definition", "field", "field_start", "field_end"}], "note"}`` (read from the cache, or
    detected and cached)."""
    from disproof.techniques.shown import NOTE
    from disproof.techniques.taxonomy import technique_info

    text = claim_text(case)
    spans = text_techniques(engine, settings, [text])[text] if text else []
    rows: list[dict[str, object]] = []
    for span, placed in zip(spans, field_spans(case, spans), strict=True):
        info = technique_info(span.technique)
        rows.append(
            {
                "technique": span.technique,
                "start": span.start,
                "end": span.end,
                "score": round(span.score, 3),
                "name": info.display,
                "definition": info.definition,
                "field": placed.field,
                "field_start": placed.start,
                "field_end": placed.end,
            }
        )
    return {"text": text, "model": current_model_id(settings), "techniques": rows, "note": NOTE}
