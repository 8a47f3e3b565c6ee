"""The scan summary as Markdown and as one self-contained HTML page (SVG bar charts, an
inline stylesheet, a policy that lets nothing load or run). All text from the corpus and the
cases is escaped: it is disinformation, and may be crafted to be markup."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"


def _md_table(header: list[str], rows: list[list[str]], empty: str = "None.") -> list[str]:
    if not rows:
        return [empty, ""]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def to_markdown(summary: dict[str, Any]) -> str:
    from disproof.report.markdown import link, text

    t = summary["totals"]
    out = [
        "# Scan summary",
        "",
        f"{t['items']:,} items scanned, {t['items_matched']:,} repeat a known case "
        f"({t['items_confirmed']:,} confirmed); {t['cases_matched']:,} cases matched; "
        f"{t['bad']:,} bad rows.",
        "",
        "## Cases the corpus repeats",
        "",
    ]
    out += _md_table(
        ["case", "items", "confirmed", "first day", "last day", "narratives"],
        [
            [f"{text(c['case_id'])}: {text(c['title'] or '')}", f"{c['items']:,}",
             f"{c['confirmed']:,}", c["first_day"] or "", c["last_day"] or "",
             text(", ".join(c["narratives"]))]
            for c in summary["cases"]
        ],
    )  # fmt: skip
    for title, key, column, empty in (
        ("Narratives", "narratives", "narrative", "No matched case has a narrative."),
        ("By outlet", "by_outlet", "outlet", "No item names its outlet."),
        ("By language", "by_language", "language", "No language detected."),
    ):
        out += [f"## {title}", ""]
        out += _md_table(
            [column, "items"],
            [[text(r["name"]), f"{r['items']:,}"] for r in summary[key]],
            empty,
        )
    out += ["## By day", ""]
    out += _md_table(
        ["day", "items"],
        [[r["day"], f"{r['items']:,}"] for r in summary["by_day"]],
        "No matched item has a date.",
    )
    out += ["## Items with confirmed matches", ""]
    out += _md_table(
        ["item", "case", "score", "day", "outlet", "passage"],
        [
            [link(r["item_id"], r["url"]), text(r["case_id"]), f"{r['score']:.2f}",
             r["day"] or "", text(r["outlet"] or ""), text(r["span"])]
            for r in summary["confirmed"]
        ],
    )  # fmt: skip
    if t["bad_rows"]:
        out += ["## Bad rows (first ones)", ""]
        out += [f"- {text(bad_row_text(b))}" for b in t["bad_rows"]] + [""]
    return "\n".join(out)


def bad_row_text(row: dict[str, Any]) -> str:
    """``FILE, line N: reason`` from a bad row's manifest form."""
    where = ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("file", "reason"))
    return f"{row['file']}, {where}: {row['reason']}"


@cache
def _stylesheet() -> str:
    return (TEMPLATES / "summary.css").read_text(encoding="utf-8")


def to_html(summary: dict[str, Any]) -> str:
    from markupsafe import Markup

    from disproof.web.charts import Bar, bar_chart, column_chart
    from disproof.web.jinja import strict_environment
    from disproof.web.text import external_link

    def chart(rows: list[dict[str, Any]], label: str, title: str, key: str) -> Markup:
        bars = [Bar(str(r[label]), int(r["items"])) for r in rows]
        if label == "day":
            return column_chart(bars, title, key=key)
        return bar_chart(bars, title, key=key)

    css = _stylesheet()
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    csp = (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    env = strict_environment(TEMPLATES)
    env.globals.update(chart=chart, external_link=external_link, bad=bad_row_text)
    return env.get_template("summary.html").render(s=summary, css=Markup(css), csp=csp)
