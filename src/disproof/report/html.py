"""A report as one self-contained HTML page: inline CSS, no script, no external resource.

Rendered by a Jinja2 environment of its own with autoescaping on, so every piece of case text
is escaped; case text with URLs goes through ``disproof.web.text`` (escaped, then only http(s)
URLs linked). The page carries its own Content-Security-Policy (no script at all, only its own
stylesheet, by hash), which holds wherever the file is opened.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from disproof.report.model import Report, ReportTechnique
from disproof.report.wording import (
    BAND_LABEL,
    SOURCE_LABEL,
    band_counts,
    matched_claims,
    nearest_intro,
    nearest_label,
    plural,
    repeats,
    summary_narratives,
)
from disproof.web.jinja import strict_environment
from disproof.web.text import external_link, paragraphs

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    env = strict_environment(TEMPLATES)
    env.filters["source_label"] = lambda source: SOURCE_LABEL.get(source, source)
    env.globals.update(
        external_link=external_link,
        paragraphs=paragraphs,
        band_label=BAND_LABEL,
        plural=plural,
        nearest_label=nearest_label,
        nearest_intro=nearest_intro,
    )
    return env


@cache
def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def content_security_policy(*, header: bool = False) -> str:
    """The report's policy: nothing may load or run but its own inline stylesheet. As an HTTP
    ``header`` it also forbids framing (which a ``<meta>`` policy cannot)."""
    digest = base64.b64encode(hashlib.sha256(stylesheet().encode("utf-8")).digest()).decode()
    policy = (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    return f"{policy}; frame-ancestors 'none'" if header else policy


def _groups(report: Report) -> list[list[ReportTechnique]]:
    """The report's technique rows by passage, in order."""
    groups: dict[int, list[ReportTechnique]] = {}
    for row in report.techniques:
        groups.setdefault(row.number, []).append(row)
    return list(groups.values())


def to_html(report: Report) -> str:
    """The whole report as an HTML document."""
    by_id = {case.case_id: case for case in report.cases}
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=report,
            meta=report.meta,
            css=Markup(stylesheet()),
            csp=content_security_policy(),
            band_counts=band_counts(report),
            repeats=repeats(report),
            matched_claims=matched_claims(report),
            summary_narratives=summary_narratives(report),
            narrative_cases=[[by_id[c] for c in n.cases if c in by_id] for n in report.narratives],
            technique_groups=_groups(report),
        )
    )
