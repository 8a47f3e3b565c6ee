"""Case history: who changed a case, in which role, when, and what changed between versions.

Every write to a case — create, update, delete, restore, import — stores the whole case after
the change (for a delete: its last state) under the case's next version number. What changed in
a version is the field-level difference between its snapshot and the one before it; nothing
else is stored, so a diff can never disagree with the snapshots.

Entries made before history was kept (migration 0004) have no snapshot: what they changed is
unknown (``changes`` is None). So is the ``baseline`` entry that migration made for each case.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from disproof.models import Case
from disproof.store.history import EditMark, EditRow

if TYPE_CHECKING:
    from disproof.auth import Principal

#: Fields compared between versions, in the order a case lists them (bookkeeping left out).
FIELDS = tuple(name for name in Case.model_fields if name not in ("id", "created_at", "updated_at"))
#: Longest text a diff shows of one value (unless the full values are asked for).
MAX_TEXT = 300
#: Characters kept around a change inside a long text.
CONTEXT = 60
#: Most list items a diff shows of one value.
MAX_ITEMS = 20
#: Actions whose entry compares nothing: the first state known, or its removal.
_NO_DIFF = {"baseline"}

#: What a history entry records.
ACTIONS = ("create", "update", "delete", "restore", "import", "baseline")


@dataclass(frozen=True)
class Actor:
    """Who writes: an API token's name and role, or ``role="cli"`` and the operating-system
    user for the command line, or an importer."""

    name: str
    role: str | None = None

    @classmethod
    def of(cls, who: Actor | Principal | str) -> Actor:
        """An actor from a principal (token name and role), or a bare name (role unknown)."""
        if isinstance(who, Actor):
            return who
        if isinstance(who, str):
            return cls(who)
        return cls(who.name, who.role.value)

    @classmethod
    def command_line(cls) -> Actor:
        """The user running the ``disproof`` command."""
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name (a container without a passwd entry)
            name = "unknown"
        return cls(name, "cli")

    def mark(self, action: str | None = None, note: str | None = None) -> EditMark:
        return EditMark(self.name, self.role, action, note)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldChange(_Model):
    """How one field changed: its value ``before`` and ``after`` (null when absent). List fields
    also say which items were ``added`` and ``removed``. ``truncated``: long values were
    shortened (``…`` marks where), unless the full values were asked for."""

    before: JsonValue = None
    after: JsonValue = None
    added: list[JsonValue] | None = None
    removed: list[JsonValue] | None = None
    truncated: bool = False


class HistoryEntry(_Model):
    """One version of a case: what was done, by whom (token name, or the operating-system user
    for the command line, or the importer), in which role, when, and what changed.

    ``changes`` is None when unknown (entries from before history was kept)."""

    version: int | None = None
    action: str
    author: str
    role: str | None = None
    at: dt.datetime
    note: str | None = None
    changes: dict[str, FieldChange] | None = None


class CaseHistory(_Model):
    """The history of a case id, newest first; ``exists`` is false for a deleted case (which
    can be restored from its last entry)."""

    case_id: str
    exists: bool
    current_version: int | None = None
    title: str | None = Field(default=None, description="The title of the latest known state.")
    total: int
    entries: list[HistoryEntry] = Field(default_factory=list)


# -- diffs -----------------------------------------------------------------------------------------


def _empty(name: str) -> JsonValue:
    value = Case.model_fields[name].get_default(call_default_factory=True)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def _key(value: JsonValue) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _clip_text(before: str, after: str) -> tuple[str, str, bool]:
    """Two long texts cut down to their changed part with some context on each side."""
    if max(len(before), len(after)) <= MAX_TEXT:
        return before, after, False
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    limit = min(len(before), len(after)) - start
    while end < limit and before[-1 - end] == after[-1 - end]:
        end += 1

    def cut(text: str) -> str:
        left = max(0, start - CONTEXT)
        right = min(len(text), len(text) - end + CONTEXT)
        middle = text[left:right]
        if len(middle) > MAX_TEXT:
            middle = middle[: MAX_TEXT - 1] + "…"
            right = len(text)  # the tail is cut already
        return ("…" if left > 0 else "") + middle + ("…" if right < len(text) else "")

    return cut(before), cut(after), True


def _shorten(value: JsonValue) -> tuple[JsonValue, bool]:
    """A value with long strings and lists cut (and whether anything was)."""
    if isinstance(value, str):
        return (value[: MAX_TEXT - 1] + "…", True) if len(value) > MAX_TEXT else (value, False)
    if isinstance(value, list):
        return _shorten_items(value)
    if isinstance(value, dict):
        pairs = {k: _shorten(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(cut for _, cut in pairs.values())
    return value, False


def _shorten_items(values: list[JsonValue]) -> tuple[list[JsonValue], bool]:
    items = [_shorten(v) for v in values[:MAX_ITEMS]]
    return [v for v, _ in items], len(values) > MAX_ITEMS or any(cut for _, cut in items)


def field_change(before: JsonValue, after: JsonValue, *, full: bool = False) -> FieldChange:
    """How a field went from ``before`` to ``after`` (shortened unless ``full``)."""
    added = removed = None
    if isinstance(before, list) and isinstance(after, list):
        old, new = {_key(v) for v in before}, {_key(v) for v in after}
        added = [v for v in after if _key(v) not in old]
        removed = [v for v in before if _key(v) not in new]
    if full:
        return FieldChange(before=before, after=after, added=added, removed=removed)
    truncated = False
    if isinstance(before, str) and isinstance(after, str):
        before, after, truncated = _clip_text(before, after)
    else:
        before, cut_before = _shorten(before)
        after, cut_after = _shorten(after)
        truncated = cut_before or cut_after
    if added is not None and removed is not None:
        added, cut_added = _shorten_items(added)
        removed, cut_removed = _shorten_items(removed)
        truncated = truncated or cut_added or cut_removed
    return FieldChange(
        before=before, after=after, added=added, removed=removed, truncated=truncated
    )


def diff(
    before: dict[str, JsonValue] | None, after: dict[str, JsonValue], *, full: bool = False
) -> dict[str, FieldChange]:
    """The fields that differ between two case snapshots (``before`` None: a new case, compared
    with an empty one), in field order."""
    changes: dict[str, FieldChange] = {}
    for name in FIELDS:
        old = before.get(name, _empty(name)) if before is not None else _empty(name)
        new = after.get(name, _empty(name))
        if old != new:
            changes[name] = field_change(old, new, full=full)
    return changes


def _changes(
    row: EditRow, previous: EditRow | None, *, full: bool
) -> dict[str, FieldChange] | None:
    """What ``row`` changed: the diff with the version just before it (with nothing, for a
    version 1); None when a snapshot is missing or versions were written without an entry."""
    if row.snapshot is None or row.version is None or row.action in _NO_DIFF:
        return None
    if previous is None:
        return diff(None, row.snapshot, full=full) if row.version == 1 else None
    if previous.snapshot is None or previous.version != row.version - 1:
        return None
    return diff(previous.snapshot, row.snapshot, full=full)


def entries(rows: Sequence[EditRow], *, full: bool = False) -> list[HistoryEntry]:
    """History entries from stored rows (oldest first), each with its changes (see
    :func:`_changes`)."""
    out: list[HistoryEntry] = []
    previous: EditRow | None = None
    for row in rows:
        changes = _changes(row, previous, full=full)
        out.append(
            HistoryEntry(
                version=row.version,
                action=row.action,
                author=row.author,
                role=row.role,
                at=row.at,
                note=row.note,
                changes=changes,
            )
        )
        previous = row
    return out


def case_history(
    case_id: str,
    rows: Sequence[EditRow],
    current_version: int | None,
    *,
    full: bool = False,
    limit: int | None = None,
) -> CaseHistory:
    """The history of a case, newest first (at most ``limit`` entries)."""
    listed = entries(rows, full=full)[::-1]
    kept = [row.snapshot for row in rows if row.snapshot is not None]
    title = str(kept[-1].get("title") or kept[-1].get("summary") or "")[:200] if kept else ""
    return CaseHistory(
        case_id=case_id,
        exists=current_version is not None,
        current_version=current_version,
        title=title or None,
        total=len(listed),
        entries=listed[:limit] if limit is not None else listed,
    )
