"""Lazy package exports: a package's public names, imported from their modules on first use.

A package ``__init__`` that imported its heavy modules (numpy, the classifiers) would make
every ``import disproof.x.y`` pay for them, the command line's ``--version`` included.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, where: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` serving each name of ``where`` (name → module) on first use."""

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name]), name)

    return __getattr__
