"""The one way disproof sets up Jinja2: autoescaping for every template whatever its file name
(case text is hostile input), strict about undefined names (a typo fails in tests instead of
rendering an empty string), and tidy whitespace. Used by the web pages and the HTML reports."""

from __future__ import annotations

from pathlib import Path

import jinja2


def strict_environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
