"""Editing one case at a time: create, update, delete and restore.

Each write is one transaction that takes the write lock first (SQLite ``BEGIN IMMEDIATE``; a row
lock elsewhere), reads the case's current version, refuses the write when the caller based it on
another version (``expected_version`` → :class:`VersionConflict`), writes, and records a history
entry with the new version and the whole case after the change (see :mod:`disproof.history`).
Two editors saving the same version at once: one wins, the other gets the conflict — no update
is silently lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from disproof.errors import (
    CaseNotFound,
    ConflictError,
    DisproofError,
    InvalidInput,
    VersionConflict,
)
from disproof.history import Actor, CaseHistory, case_history
from disproof.io.jsonl import _derived as derived_case_id
from disproof.models import Case, CaseCreate, CasePublic, CaseUpdate
from disproof.store import CaseStore
from disproof.store import history as records
from disproof.store.history import EditRow, HistoryRecords

logger = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def valid_case(data: dict[str, Any]) -> Case:
    """A case built through the one model that validates and normalises every case."""
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        errors: list[dict[str, object]] = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in problems
        ]
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'case'}: {e['msg']}" for e in problems[:5]
        )
        raise InvalidInput(f"the case is not valid: {reasons}", errors) from None


def snapshot(case: Case) -> dict[str, Any]:
    """The whole case as a history entry keeps it."""
    stamps = {
        name: value.isoformat() if value else None
        for name, value in (("created_at", case.created_at), ("updated_at", case.updated_at))
    }
    return case.content() | stamps


def check_version(case: CasePublic, expected: int | None) -> None:
    """Refuse a write based on another version than the stored one."""
    if expected is not None and expected != case.version:
        raise VersionConflict(case.id, expected, case.version)


def _keep(connection: Connection, current: CasePublic) -> None:
    """Keep the state of the current version in the history, if it is not there yet."""
    missing = records.lacking(connection, {current.id: current.version})
    if missing:
        since = current.updated_at or _now()
        state = records.State(current.version, snapshot(current), since)
        records.keep(connection, {current.id: state}, missing)


def _restored_note(row: EditRow) -> str:
    if row.action == "delete":
        return f"restored as it was when deleted (version {row.version})"
    return f"restored version {row.version}"


class CaseEditor:
    """The write use cases on single cases. ``unify`` adjusts a new or edited case to the
    database (keyword spellings); ``changed`` is called after every committed change."""

    def __init__(
        self, store: CaseStore, unify: Callable[[Case], Case], changed: Callable[[], None]
    ) -> None:
        self.store = store
        self.unify = unify
        self.changed = changed

    def create(self, data: CaseCreate, actor: Actor) -> CasePublic:
        """Add a case; its id is the given one or derived like the JSONL importer derives it.
        An id that exists is refused (:class:`ConflictError`); the id of a deleted case may be
        used again, and its versions go on from the deleted ones."""
        payload = data.model_dump(mode="json")
        payload["id"] = payload.get("id") or derived_case_id(payload)
        case = self.unify(valid_case(payload))
        with self.store.transaction() as connection:
            self.store.reserve_id(connection, case.id)
            if self.store.existing(connection, [case.id]):
                raise ConflictError(f"a case with id {case.id!r} exists already")
            self.store.upsert(connection, [case], _now(), actor.mark())
            created = self.store.current(connection, case.id)
        self._changed("created", created, actor)
        return created

    def update(
        self,
        case_id: str,
        data: CaseUpdate,
        actor: Actor,
        expected_version: int | None = None,
    ) -> CasePublic:
        """Change the fields ``data`` sets, keep the others; the result is validated whole.
        A change that changes nothing makes no new version."""
        with self.store.transaction() as connection:
            current = self.store.current(connection, case_id, lock=True)
            check_version(current, expected_version)
            changes = data.changes()
            payload = current.model_dump(mode="json", exclude={"version"}) | changes
            payload["updated_at"] = None  # set by the store when the content changed
            case = valid_case(payload)
            if "keywords" in changes:  # only new keywords take the database's spelling
                case = _keep_spellings(self.unify(case), case, current)
            outcome = self.store.upsert(connection, [case], _now(), actor.mark())[case.id]
            if outcome == "unchanged":
                return current
            updated = self.store.current(connection, case_id)
        self._changed("updated", updated, actor)
        return updated

    def delete(self, case_id: str, actor: Actor, expected_version: int | None = None) -> None:
        """Remove a case (its vectors and terms go with it); its history keeps its last state,
        from which it can be restored."""
        with self.store.transaction() as connection:
            current = self.store.current(connection, case_id, lock=True)
            check_version(current, expected_version)
            known = records.last_versions(connection, [case_id]).get(case_id, 0)
            version = max(current.version, known) + 1
            _keep(connection, current)
            self.store.delete(connection, case_id)
            entry = records.edit_values(
                case_id, "delete", actor.mark(), _now(), version, snapshot(current)
            )
            records.record(connection, [entry])
        self.changed()
        logger.info("case %r deleted by %r (version %d)", case_id, actor.name, version)

    def restore(
        self,
        case_id: str,
        actor: Actor,
        version: int | None = None,
        expected_version: int | None = None,
    ) -> CasePublic:
        """Bring back a deleted case as it was when deleted (or as it was in ``version``); or,
        with ``version``, put an existing case back to that version. Either way the result is
        a new version with a ``restore`` entry. ``expected_version`` applies to an existing
        case."""
        with self.store.transaction() as connection:
            self.store.reserve_id(connection, case_id)  # a deleted case: two restores at once
            try:
                current: CasePublic | None = self.store.current(connection, case_id, lock=True)
            except CaseNotFound:
                current = None
            if current is not None:
                if version is None:
                    raise ConflictError(
                        f"case {case_id!r} exists; to go back to an earlier version, name it"
                    )
                check_version(current, expected_version)
            source = HistoryRecords.latest(connection, case_id, version)
            if source is None or source.snapshot is None:
                raise self._nothing_to_restore(connection, case_id, version)
            case = valid_case(source.snapshot | {"id": case_id, "updated_at": None})
            mark = actor.mark("restore", _restored_note(source))
            outcome = self.store.upsert(connection, [case], _now(), mark)[case_id]
            if current is not None and outcome == "unchanged":
                return current
            restored = self.store.current(connection, case_id)
        self._changed("restored", restored, actor)
        return restored

    def history(self, case_id: str, *, full: bool = False, limit: int | None = None) -> CaseHistory:
        """The history of a case id, newest first — also of a deleted case."""
        rows = HistoryRecords(self.store.engine).rows(case_id)
        try:
            current: CasePublic | None = self.store.get_public(case_id)
        except CaseNotFound:
            current = None
        if not rows and current is None:
            raise CaseNotFound(case_id)
        if current is not None:  # the current version's state is the case itself
            live = snapshot(current)
            rows = [
                replace(r, snapshot=live)
                if r.version == current.version and r.snapshot is None
                else r
                for r in rows
            ]
        version = current.version if current is not None else None
        return case_history(case_id, rows, version, full=full, limit=limit)

    # -- helpers ---------------------------------------------------------------------------------

    def _changed(self, what: str, case: CasePublic, actor: Actor) -> None:
        self.changed()
        logger.info("case %r %s by %r (version %d)", case.id, what, actor.name, case.version)

    @staticmethod
    def _nothing_to_restore(
        connection: Connection, case_id: str, version: int | None
    ) -> DisproofError:
        if version is not None:
            return InvalidInput(f"case {case_id!r} has no recorded version {version}")
        if records.has_entries(connection, case_id):
            return ConflictError(
                f"case {case_id!r} was deleted before its history was kept: there is no "
                "recorded state to restore"
            )
        return CaseNotFound(case_id)


def _keep_spellings(unified: Case, case: Case, current: Case) -> Case:
    """``unified`` (``case`` with its keywords spelled the database's way), but with the
    keywords ``current`` already had spelled as they were: an edit changes no keyword nobody
    touched (a rating change re-spelled "nato" as "NATO")."""
    had = set(current.keywords)
    keywords = [
        own if own in had else spelled
        for own, spelled in zip(case.keywords, unified.keywords, strict=True)
    ]
    return (
        unified
        if keywords == unified.keywords
        else unified.model_copy(update={"keywords": keywords})
    )
