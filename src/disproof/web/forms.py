"""The case editor's form: raw field values ⇄ case data, with errors per form field.

The form keeps what the user typed (to show it again next to the errors) and turns it into the
fields of a case. Nothing a value may contain is used as a separator: list fields (keywords,
countries, languages, related ids) take one item per line (keywords contain commas:
"Kyiv, Ukraine"), and each appearance and evidence link is a row of inputs of its own, one
input per part (URLs and outlet names contain ``|``). Validation of the values themselves is
the models' job; their errors are mapped back to the form field they came from.

A field posted back exactly as the editor showed it is left as stored (:meth:`untouched`): what
a browser cannot carry unchanged (a line break inside a one-line input, say) is never
rewritten by saving a change to another field. The same holds row by row: each row shown for a
stored appearance or link carries that item's number (a hidden ``…_item`` input), so a row
posted back as shown is the stored item exactly, and in a row with some inputs changed the
others keep their stored values. What the form cannot tell apart is so kept as it was, wherever
else the form was edited: an empty value ("") and a missing one (None) both show as an empty
input, and an appearance with nothing in it shows as a blank row. What the editor itself
writes for an empty input is always None (missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from pydantic import ValidationError

from disproof.models import Appearance, Case, Link

#: Form fields holding one value (inputs and textareas), in page order.
TEXT_FIELDS = (
    "id",
    "title",
    "summary",
    "disproof",
    "date",
    "keywords",
    "countries",
    "languages",
    "related",
    "rating",
    "reviewed_by",
)
#: Fields shown as one-line inputs (a browser drops line breaks from their values).
ONE_LINE = frozenset({"id", "title", "date", "rating", "reviewed_by"})
#: Repeated rows of inputs: the form field, and the input names of its parts.
ROWS: dict[str, tuple[str, ...]] = {
    "outlets": ("outlet", "url", "date", "archive_url", "language"),
    "evidence": ("url", "title"),
}
#: The hidden input of each row that names the stored item it shows (1, 2 …; "" in a new row).
ITEM = "item"
#: Blank rows offered below the filled ones, to add appearances or links.
BLANK_ROWS = 2
#: Which form field a case field (the first part of a pydantic error location) is edited in.
FIELD_OF = {"appearances": "outlets", "narratives": "narratives"}
#: The case field each form field sets.
CASE_FIELD = {"outlets": "appearances", "evidence": "evidence", "narratives": "narratives"}

Row = dict[str, str]


@dataclass(frozen=True)
class PostedRow:
    """A posted row of inputs (``values``, one per part); for a row shown for a stored item,
    that item (``stored``, as stored) and the parts posted back as shown (``same``)."""

    values: Row
    stored: dict[str, Any] | None = None
    same: frozenset[str] = frozenset()

    @property
    def unchanged(self) -> bool:
        return self.stored is not None and self.same == set(self.values)

    def keep(self, item: dict[str, Any]) -> dict[str, Any]:
        """``item`` (the values as parsed) with the parts nobody changed as stored, and the
        stored item's parts the form has no input for (an appearance's text) kept."""
        if self.stored is None:
            return item
        hidden = {part: value for part, value in self.stored.items() if part not in self.values}
        return hidden | item | {part: self.stored[part] for part in self.same}


def row_input(name: str, part: str) -> str:
    """The name of the inputs holding ``part`` of every row of ``name`` (``outlets_url``)."""
    return f"{name}_{part}"


@dataclass
class EditorForm:
    """What the editor shows and posts: the raw text of each field, the rows of outlets and
    evidence (with their :data:`ITEM` numbers), and the ticked narratives; ``stored``: the
    appearances and links of the case the form was made from (by ``from_case``), as stored."""

    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(TEXT_FIELDS, ""))
    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in ROWS})
    narratives: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    stored: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in ROWS}
    )

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def shown_rows(self, name: str) -> list[Row]:
        """The rows of ``name`` to show: the filled ones, then :data:`BLANK_ROWS` blank."""
        blank = dict.fromkeys((*ROWS[name], ITEM), "")
        return [blank | row for row in self.rows[name]] + [blank] * BLANK_ROWS

    @classmethod
    def from_case(cls, case: Case) -> EditorForm:
        values = dict.fromkeys(TEXT_FIELDS, "")
        values.update(
            id=case.id,
            title=case.title,
            summary=case.summary,
            disproof=case.disproof,
            date=case.date.isoformat() if case.date else "",
            keywords="\n".join(case.keywords),
            countries="\n".join(case.countries),
            languages="\n".join(case.languages),
            related="\n".join(case.related),
            rating=case.rating or "",
            reviewed_by=case.reviewed_by or "",
        )
        shown = {
            "outlets": [_appearance_row(a) for a in case.appearances],
            "evidence": [{"url": e.url or "", "title": e.title or ""} for e in case.evidence],
        }
        rows = {
            name: [row | {ITEM: str(number)} for number, row in enumerate(found, 1)]
            for name, found in shown.items()
        }
        stored = {
            "outlets": [a.model_dump(mode="json") for a in case.appearances],
            "evidence": [e.model_dump(mode="json") for e in case.evidence],
        }
        return cls(values=values, rows=rows, narratives=list(case.narratives), stored=stored)

    @classmethod
    def from_post(
        cls, get: Callable[[str], str], get_list: Callable[[str], list[str]]
    ) -> EditorForm:
        """The form as posted: ``get(name)`` is a field's value ("" when missing),
        ``get_list(name)`` every value of a repeated input."""
        values = {name: _newlines(get(name)) for name in TEXT_FIELDS}
        rows = {name: _posted_rows(name, get_list) for name in ROWS}
        narratives = [n for n in get_list("narratives") if n]
        return cls(values=values, rows=rows, narratives=narratives)

    # -- to case data ----------------------------------------------------------------------------

    def case_data(self, shown: EditorForm | None = None) -> dict[str, Any]:
        """The case fields this form holds (``id`` only when given); records parse errors.
        ``shown``: the form of the stored case this one edits, whose rows keep what nobody
        changed in them (see :meth:`posted_rows`)."""
        shown = shown or EditorForm()
        v = self.values
        data: dict[str, Any] = {
            "title": v["title"],
            "summary": v["summary"],
            "disproof": v["disproof"],
            "date": self._date("date", v["date"]),
            "appearances": self._appearances(self.posted_rows("outlets", shown)),
            "keywords": _lines(v["keywords"]),
            "countries": _lines(v["countries"]),
            "languages": _lines(v["languages"]),
            "narratives": list(self.narratives),
            "related": _lines(v["related"]),
            "evidence": self._evidence(self.posted_rows("evidence", shown)),
            "rating": v["rating"].strip() or None,
            "reviewed_by": v["reviewed_by"].strip() or None,
        }
        if v["id"].strip():
            data["id"] = v["id"].strip()
        return data

    def untouched(self, shown: EditorForm) -> set[str]:
        """The case fields whose form fields were posted back exactly as ``shown`` (the form
        of the stored case) would be by a browser: saving must leave them as stored."""
        same: set[str] = set()
        for name in TEXT_FIELDS:
            if self.values[name] == _as_posted(name, shown.values[name]):
                same.add(CASE_FIELD.get(name, name))
        for name in ROWS:
            if self.rows[name] == [_row_as_posted(row) for row in shown.rows[name]]:
                same.add(CASE_FIELD[name])
        if set(self.narratives) == set(shown.narratives):  # ticked in the page's order
            same.add("narratives")
        return same

    def update_data(self, shown: EditorForm) -> dict[str, Any]:
        """The changes this form makes to the case ``shown`` was made from: the fields
        posted back as shown are left out, and narratives still ticked keep their order."""
        data = self.case_data(shown)
        for name in self.untouched(shown):
            data.pop(name, None)
        if "narratives" in data:
            kept = [n for n in shown.narratives if n in self.narratives]
            data["narratives"] = kept + [n for n in self.narratives if n not in kept]
        data.pop("id", None)
        return data

    def _date(self, name: str, value: str, where: str = "") -> dt.date | None:
        value = value.strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(name, f"{where}{value!r} is not a date like 2024-03-31")
            return None

    def posted_rows(self, name: str, shown: EditorForm) -> list[PostedRow]:
        """The rows of ``name`` that make items: every filled row, and a row shown for a stored
        item and posted back as shown even when blank (an appearance with nothing in it). A row
        shown for an item and emptied removes it."""
        found: list[PostedRow] = []
        for row in self.rows[name]:
            values = {part: row.get(part, "") for part in ROWS[name]}
            filled = any(v.strip() for v in values.values())
            number = _item_number(row.get(ITEM, ""), len(shown.stored[name]))
            if number is None:
                found += [PostedRow(values)] if filled else []
                continue
            was = _row_as_posted(shown.rows[name][number - 1])
            same = frozenset(part for part, value in values.items() if value == was[part])
            if filled or len(same) == len(values):
                found.append(PostedRow(values, shown.stored[name][number - 1], same))
        return found

    def _appearances(self, rows: list[PostedRow]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for number, row in enumerate(rows, 1):
            if row.stored is not None and row.unchanged:
                found.append(row.stored)
                continue
            values = row.values
            item = {
                "outlet": values["outlet"].strip() or None,
                "url": values["url"].strip() or None,
                "date": self._date("outlets", values["date"], f"row {number}: "),
                "archive_url": values["archive_url"].strip() or None,
                "language": values["language"].strip() or None,
            }
            found += self._valid("outlets", number, Appearance, row.keep(item))
        return found

    def _evidence(self, rows: list[PostedRow]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for number, row in enumerate(rows, 1):
            if row.stored is not None and row.unchanged:
                found.append(row.stored)
                continue
            values = row.values
            item = {"url": values["url"].strip() or None, "title": values["title"].strip() or None}
            found += self._valid("evidence", number, Link, row.keep(item))
        return found

    def _valid(
        self, name: str, number: int, model: type[Appearance | Link], item: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            model.model_validate(item)
        except ValidationError as exc:
            self.error(name, f"row {number}: {_first_message(exc)}")
            return []
        return [item]

    def add_errors(self, errors: Iterable[Mapping[str, Any]]) -> None:
        """Put pydantic-style errors (``loc``, ``msg``) next to the form fields they concern;
        errors about no field in particular go under ``""`` (shown above the form)."""
        for error in errors:
            loc = error.get("loc") or ()
            name = str(loc[0]) if loc else ""
            name = FIELD_OF.get(name, name)
            message = _clean_message(str(error.get("msg", "invalid value")))
            known = name in TEXT_FIELDS or name in ROWS or name == "narratives"
            self.error(name if known else "", message)


def _posted_rows(name: str, get_list: Callable[[str], list[str]]) -> list[Row]:
    """The rows of ``name`` as posted (inputs of one row share their position), blank rows
    left out unless shown for a stored item (see :meth:`EditorForm.posted_rows`)."""
    parts = (*ROWS[name], ITEM)
    columns = [get_list(row_input(name, part)) for part in parts]
    rows = [
        {part: _newlines(value) for part, value in zip(parts, values, strict=True)}
        for values in zip_longest(*columns, fillvalue="")
    ]
    return [row for row in rows if any(v.strip() for v in row.values())]


def _item_number(text: str, count: int) -> int | None:
    """The stored item (1 … ``count``) a row's :data:`ITEM` input names; None for a new row
    (or a number that names none)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        return None
    number = int(text)
    return number if 1 <= number <= count else None


def _row_as_posted(row: Row) -> Row:
    """What a browser posts for the row of inputs ``row`` (one-line inputs)."""
    return {part: _as_posted("", value) for part, value in row.items()}


def _appearance_row(a: Appearance) -> Row:
    return {
        "outlet": a.outlet or "",
        "url": a.url or "",
        "date": a.date.isoformat() if a.date else "",
        "archive_url": a.archive_url or "",
        "language": a.language or "",
    }


def _newlines(text: str) -> str:
    """Line breaks as ``\\n`` (browsers post them as CR LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _as_posted(name: str, shown: str) -> str:
    """What a browser posts for a field showing ``shown``: a one-line input (and every input
    of a row: ``name`` "") drops line breaks; a textarea sends them (as CR LF)."""
    if name in ONE_LINE or not name:
        return shown.replace("\r", "").replace("\n", "")
    return _newlines(shown)


def _first_message(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid"
    loc = ".".join(str(p) for p in errors[0].get("loc", ()))
    message = _clean_message(errors[0].get("msg", "invalid"))
    return f"{loc}: {message}" if loc else message


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ")


def _lines(text: str) -> list[str]:
    """One item per line (only ``\\n`` ends a line: other Unicode line separators may be part
    of an item)."""
    return [line.strip() for line in _newlines(text).split("\n") if line.strip()]
