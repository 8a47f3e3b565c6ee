"""Narrative taxonomies are data (JSON), validated by the ``Taxonomy`` model on load."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from disproof.errors import DisproofError
from disproof.models import Taxonomy

#: The taxonomy the project ships: recurring pro-Kremlin narratives, in its own words.
BUILTIN_TAXONOMY = "disproof"


def _parse(text: str, name: str) -> Taxonomy:
    try:
        return Taxonomy.model_validate(json.loads(text))
    except ValueError as exc:  # json errors and pydantic ValidationError alike
        detail = _first_error(exc) if isinstance(exc, ValidationError) else str(exc)
        raise DisproofError(f"{name}: not a valid taxonomy: {detail}") from exc


def _first_error(exc: ValidationError) -> str:
    """The first problem, as ``narratives[3].name: Field required``."""
    error = exc.errors()[0]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where.lstrip('.')}: {message}" if where else message


def load_taxonomy(path: Path) -> Taxonomy:
    """A taxonomy from a JSON file (``{"id", "name", "narratives": [{"id", "name", …}]}``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DisproofError(f"{path}: cannot read the taxonomy: {exc}") from exc
    return _parse(text, str(path))


@cache
def builtin_taxonomy() -> Taxonomy:
    """The shipped taxonomy (``data/taxonomies/disproof.json``)."""
    source = resources.files("disproof.data.taxonomies") / f"{BUILTIN_TAXONOMY}.json"
    return _parse(source.read_text(encoding="utf-8"), f"{BUILTIN_TAXONOMY}.json")
