"""Which files a scan reads: paths, globs, folders and fsspec URLs, each with its format."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from disproof.errors import DisproofError

#: File name endings → reader format (``.gz`` and other compressions are read through).
SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "telegram",
}
FORMATS = ("auto", "jsonl", "csv", "tsv", "parquet", "telegram", "folder")
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst")


@dataclass(frozen=True)
class Source:
    """One input: a file (local path or fsspec URL) or a local folder of .txt/.html files."""

    name: str
    format: str


def format_of(name: str) -> str | None:
    """The reader for a file name, from its ending (a compression suffix is looked through)."""
    lower = name.lower()
    for suffix in COMPRESSIONS:
        lower = lower.removesuffix(suffix)
    return next((fmt for end, fmt in SUFFIXES.items() if lower.endswith(end)), None)


def _expand(spec: str) -> list[str]:
    """The files (or folders) one INPUT names; a glob matching nothing is an error."""
    if "://" in spec:
        import fsspec

        try:
            files = fsspec.open_files(spec)
        except (OSError, ValueError, ImportError) as exc:
            raise DisproofError(f"{spec}: cannot open it: {exc}") from None
        names = [f"{f.fs.unstrip_protocol(f.path)}" for f in files]
    elif glob.has_magic(spec):
        names = sorted(glob.glob(spec, recursive=True))
    else:
        names = [spec] if Path(spec).exists() else []
    if not names:
        raise DisproofError(f"{spec}: no such file or folder")
    return names


def sources(specs: list[str], fmt: str = "auto") -> list[Source]:
    """Every input's sources in a stable order (the order given, globs sorted); a file whose
    format cannot be told from its name is refused (``--format`` names it)."""
    if fmt not in FORMATS:
        raise DisproofError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    out: list[Source] = []
    for spec in specs:
        for name in _expand(spec):
            if "://" not in name and Path(name).is_dir():
                out.append(Source(name, "folder"))
                continue
            found = format_of(name) if fmt == "auto" else fmt
            if found is None or found == "folder":
                raise DisproofError(
                    f"{name}: cannot tell its format from its name; give --format "
                    "(jsonl, csv, tsv, parquet or telegram)"
                )
            out.append(Source(name, found))
    if len({s.name for s in out}) != len(out):
        raise DisproofError("an input file is named twice (by two INPUT patterns)")
    return out
