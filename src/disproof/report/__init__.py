"""Reports: what an analyst would draft from a text — its claims, the known cases they repeat
with their disproofs, the narratives it advances, related cases — as Markdown or HTML.

``build_report(service, text)`` makes a :class:`Report` (independent of any interface);
``to_markdown`` and ``to_html`` render it. See docs/report.md.
"""

from disproof.report.build import LIMITS, build_report
from disproof.report.html import to_html
from disproof.report.markdown import to_markdown
from disproof.report.model import (
    Report,
    ReportCase,
    ReportClaim,
    ReportLink,
    ReportMatch,
    ReportMeta,
    ReportNarrative,
    ReportRelated,
    ReportTechnique,
)

__all__ = [
    "LIMITS",
    "Report",
    "ReportCase",
    "ReportClaim",
    "ReportLink",
    "ReportMatch",
    "ReportMeta",
    "ReportNarrative",
    "ReportRelated",
    "ReportTechnique",
    "build_report",
    "to_html",
    "to_markdown",
]
