"""Access to the JSON tables shipped beside this package (read once, on first use)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_PACKAGE = "disproof.text"


@cache
def load_table(filename: str) -> dict[str, Any]:
    """Parse ``filename`` from this package's data; the top level must be a JSON object."""
    raw = resources.files(_PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError(f"{filename}: expected a JSON object")
    return data


def string_list(value: object, where: str) -> list[str]:
    """``value`` as a list of strings, or a ``ValueError`` naming ``where``."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where}: expected a list of strings")
    return list(value)


def string_lists(value: object, where: str) -> dict[str, list[str]]:
    """``value`` as a mapping of key -> list of strings (e.g. language -> words)."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object")
    return {str(key): string_list(items, f"{where}.{key}") for key, items in value.items()}


def section(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The object ``data[name]``, or a ``ValueError``."""
    value = data.get(name)
    if not isinstance(value, dict):
        raise ValueError(f"section {name!r} must be a JSON object")
    return value
