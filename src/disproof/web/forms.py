"""The case editor's form: raw field values ⇄ case data, with errors per form field.

The form keeps what the user typed (to show it again next to the errors) and turns it into the
fields of a case. Lists are written one item per line (outlets, related ids, evidence) or comma-
separated (keywords, countries, languages). Validation of the values themselves is the models'
job; their errors are mapped back to the form field they came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from disproof.models import Appearance, Case, Link

#: Form fields in page order; text inputs and textareas alike.
TEXT_FIELDS = (
    "id",
    "title",
    "summary",
    "disproof",
    "date",
    "outlets",
    "keywords",
    "countries",
    "languages",
    "related",
    "evidence",
    "rating",
    "reviewed_by",
)
#: Which form field a case field (the first part of a pydantic error location) is edited in.
FIELD_OF = {"appearances": "outlets", "narratives": "narratives"}


@dataclass
class EditorForm:
    """What the editor shows and posts: the raw text of each field and the ticked narratives."""

    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(TEXT_FIELDS, ""))
    narratives: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @classmethod
    def from_case(cls, case: Case) -> EditorForm:
        values = dict.fromkeys(TEXT_FIELDS, "")
        values.update(
            id=case.id,
            title=case.title,
            summary=case.summary,
            disproof=case.disproof,
            date=case.date.isoformat() if case.date else "",
            outlets="\n".join(_appearance_line(a) for a in case.appearances),
            keywords=", ".join(case.keywords),
            countries=", ".join(case.countries),
            languages=", ".join(case.languages),
            related="\n".join(case.related),
            evidence="\n".join(_link_line(link) for link in case.evidence),
            rating=case.rating or "",
            reviewed_by=case.reviewed_by or "",
        )
        return cls(values=values, narratives=list(case.narratives))

    @classmethod
    def from_post(cls, data: dict[str, str], narratives: list[str]) -> EditorForm:
        values = {name: data.get(name, "") for name in TEXT_FIELDS}
        return cls(values=values, narratives=[n for n in narratives if n])

    # -- to case data ----------------------------------------------------------------------------

    def case_data(self) -> dict[str, Any]:
        """The case fields this form holds (``id`` only when given); records parse errors."""
        v = self.values
        data: dict[str, Any] = {
            "title": v["title"],
            "summary": v["summary"],
            "disproof": v["disproof"],
            "date": self._date("date", v["date"]),
            "appearances": self._appearances(v["outlets"]),
            "keywords": _comma_list(v["keywords"]),
            "countries": _comma_list(v["countries"]),
            "languages": _comma_list(v["languages"]),
            "narratives": list(self.narratives),
            "related": _lines(v["related"]),
            "evidence": self._evidence(v["evidence"]),
            "rating": v["rating"].strip() or None,
            "reviewed_by": v["reviewed_by"].strip() or None,
        }
        if v["id"].strip():
            data["id"] = v["id"].strip()
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

    def _appearances(self, text: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) > 5:
                self.error("outlets", f"line {number}: more than five parts")
                continue
            outlet, url, date, archive, language = (parts + [""] * 5)[:5]
            item = {
                "outlet": outlet or None,
                "url": url or None,
                "date": self._date("outlets", date, f"line {number}: "),
                "archive_url": archive or None,
                "language": language or None,
            }
            try:
                Appearance.model_validate(item)
            except ValidationError as exc:
                self.error("outlets", f"line {number}: {_first_message(exc)}")
                continue
            found.append(item)
        return found

    def _evidence(self, text: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            url, _, title = (p.strip() for p in line.partition("|"))
            item = {"url": url or None, "title": title or None}
            try:
                Link.model_validate(item)
            except ValidationError as exc:
                self.error("evidence", f"line {number}: {_first_message(exc)}")
                continue
            found.append(item)
        return found

    def add_errors(self, errors: Iterable[Mapping[str, Any]]) -> None:
        """Put pydantic-style errors (``loc``, ``msg``) next to the form fields they concern;
        errors about no field in particular go under ``""`` (shown above the form)."""
        for error in errors:
            loc = error.get("loc") or ()
            name = str(loc[0]) if loc else ""
            name = FIELD_OF.get(name, name)
            message = _clean_message(str(error.get("msg", "invalid value")))
            self.error(name if name in TEXT_FIELDS or name == "narratives" else "", message)


def _first_message(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid"
    loc = ".".join(str(p) for p in errors[0].get("loc", ()))
    message = _clean_message(errors[0].get("msg", "invalid"))
    return f"{loc}: {message}" if loc else message


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ")


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _appearance_line(a: Appearance) -> str:
    parts = [a.outlet, a.url, a.date.isoformat() if a.date else "", a.archive_url, a.language]
    while parts and not parts[-1]:
        parts.pop()
    return " | ".join(p or "" for p in parts)


def _link_line(link: Link) -> str:
    return f"{link.url or ''} | {link.title}" if link.title else link.url or ""
