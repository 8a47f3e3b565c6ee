"""Importers and exporters, one module per format, found by name or detected from the file."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from disproof.errors import UnknownFormat
from disproof.formats import EXPORT_FORMATS
from disproof.io import checkthat, euvsdisinfo_csv, euvsdisinfo_index, jsonl
from disproof.io.base import Importer, Parsed, Record, file_sha256, read_text

__all__ = [
    "EXPORTERS",
    "IMPORTERS",
    "Importer",
    "Parsed",
    "Record",
    "detect_importer",
    "exporter",
    "file_sha256",
    "importer",
    "read_text",
]

#: Import formats by name, in detection order (most specific first).
IMPORTERS: dict[str, Importer] = {
    module.name: module for module in (checkthat, euvsdisinfo_csv, euvsdisinfo_index, jsonl)
}

_EXPORTER_MODULES = {
    "jsonl": "disproof.io.jsonl",
    "csv": "disproof.io.csv_export",
    "claimreview": "disproof.io.claimreview",
}
EXPORTERS = EXPORT_FORMATS


def importer(name: str) -> Importer:
    try:
        return IMPORTERS[name]
    except KeyError:
        raise UnknownFormat(
            f"unknown import format {name!r}; choose one of: {', '.join(IMPORTERS)}"
        ) from None


def detect_importer(path: Path, text: str) -> Importer:
    """The importer whose ``sniff`` recognises the start of ``text``."""
    head = text[:65536]
    for candidate in IMPORTERS.values():
        if candidate.sniff(path, head):
            return candidate
    first = head.split("\n")[0][:120] if head.strip() else "(empty file)"
    raise UnknownFormat(
        f"{path}: cannot tell the format from its first line {first!r}; pass --format with one "
        f"of: {', '.join(IMPORTERS)}"
    )


def exporter(name: str) -> ModuleType:
    """The exporter module for ``name`` (each has ``write(cases, out) -> int``)."""
    import importlib

    try:
        return importlib.import_module(_EXPORTER_MODULES[name])
    except KeyError:
        raise UnknownFormat(
            f"unknown export format {name!r}; choose one of: {', '.join(EXPORTERS)}"
        ) from None
