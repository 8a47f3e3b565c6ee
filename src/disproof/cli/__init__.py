"""The `disproof` command line (see ``disproof.cli.app``)."""

from disproof.cli.app import app, main

__all__ = ["app", "main"]
