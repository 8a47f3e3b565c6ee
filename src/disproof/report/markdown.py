"""A report as Markdown (CommonMark with GitHub tables).

Case text is hostile: every piece of it goes through :func:`text` (one line) or
:func:`paragraphs`, which escape what Markdown would read as markup — links, images, emphasis,
code, tables, headings, lists, quotes — and turn ``<``, ``>`` and ``&`` into entities so no raw
HTML reaches a renderer. Links are only ever written by this module, to http(s) URLs.
"""

from __future__ import annotations

import re

from disproof.links import http_url
from disproof.report.model import (
    Report,
    ReportCase,
    ReportClaim,
    ReportMatch,
    ReportNarrative,
    ReportTechnique,
)
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

_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "~": "\\~",
        "#": "\\#",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)
#: What starts a list item, a setext underline or a thematic break at the start of a line.
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_BULLET = re.compile(r"^([-+=])")
_PARAGRAPH = re.compile(r"\n\s*\n")
_URL_ESCAPES = str.maketrans(
    {c: f"%{ord(c):02X}" for c in "()<>[]\\|\"' `"}  # fmt: skip
)


def text(value: str) -> str:
    """``value`` as one line of inert Markdown text: whitespace collapsed, markup escaped."""
    line = " ".join(value.split()).translate(_ESCAPES)
    return _BULLET.sub(r"\\\1", _ORDERED.sub(r"\1\\\2", line))


def paragraphs(value: str) -> list[str]:
    """``value`` split at blank lines into inert Markdown paragraphs."""
    return [text(part) for part in _PARAGRAPH.split(value) if part.strip()]


def link(label: str, url: str | None) -> str:
    """``[label](url)`` for an http(s) URL; the escaped label alone for anything else."""
    href = http_url(url)
    if href is None:
        return text(label)
    return f"[{text(label)}]({href.translate(_URL_ESCAPES)})"


def _band(band: str) -> str:
    return BAND_LABEL.get(band, text(band))


def _header(report: Report) -> list[str]:
    meta = report.meta
    language = (
        f"{text(meta.language_name or '')} ({text(meta.language or '')})"
        if meta.language
        else "undetermined"
    )
    matching = f"{text(meta.embedder)} and BM25" if meta.embedder else "BM25 only (no embeddings)"
    database = f"{text(meta.database)}, " if meta.database else ""
    narratives = "the matched cases, with the shipped taxonomy"
    if meta.narrative_model:
        narratives += f"; {text(meta.narrative_model)}"
    rows = [
        ("Generated", f"{meta.generated_at:%Y-%m-%d %H:%M} UTC by disproof {meta.version}"),
        ("Database", f"{database}{plural(meta.cases_searched, 'case')} searched"),
        (
            "Text",
            f"{plural(meta.text_chars, 'character')}, "
            f"{plural(meta.claims_checked, 'claim-like passage')} checked",
        ),
        ("Language detected", language),
        ("Matching", matching),
        ("Narratives from", narratives),
    ]
    if meta.technique_model:
        rows.append(("Persuasion techniques", f"{text(meta.technique_model)} (model output)"))
    if meta.min_band:
        rows.append(("Lowest band listed", text(meta.min_band)))
    return [
        "# Disinformation check report",
        "",
        *[f"- **{name}:** {value}" for name, value in rows],
        "",
    ]


def _summary(report: Report) -> list[str]:
    meta = report.meta
    if not report.matched:
        return [
            "## Summary",
            "",
            f"**No known case matched.** {plural(meta.claims_checked, 'claim-like passage')} "
            f"of the text compared with {plural(meta.cases_searched, 'known case')}.",
            "",
        ]
    lines = [
        "## Summary",
        "",
        f"The text {repeats(report)} **{plural(len(report.cases), 'known case')}** "
        f"({band_counts(report)}) "
        f"in {matched_claims(report)} of {plural(meta.claims_checked, 'claim-like passage')} "
        "checked.",
    ]
    for lead, names, more in summary_narratives(report):
        rest = f"; and {more} more" if more else ""
        lines.append(f"{lead}: {'; '.join(text(name) for name in names)}{rest}.")
    return [*lines, ""]


def _match_line(match: ReportMatch) -> str:
    where = f" — case {match.case_number} below" if match.case_number else ""
    return f"- **{_band(match.band)}**, score {match.score:.2f}: {text(match.title)}{where}"


def _claim(claim: ReportClaim, outside: bool = False) -> list[str]:
    found = [m for m in claim.matches if m.band != "none"]
    near = [m for m in claim.matches if m.band == "none"][:3]
    lines = [f"### Claim {claim.number}", "", f"> {text(claim.text)}", ""]
    lines += [_match_line(m) for m in found]
    if near:
        across = all(m.calibration == "cross-language" for m in near)
        label = nearest_label(bool(found), across, outside)
        lines.append(f"- {label}: " + "; ".join(text(m.title) for m in near))
    return [*lines, ""]


def _case(case: ReportCase) -> list[str]:
    claims = ", ".join(str(n) for n in case.claims)
    facts = [f"**{_band(case.band)}**, score {case.score:.2f}", f"claim {claims}"]
    if case.date:
        facts.append(f"{case.date:%Y-%m-%d}")
    if case.outlets:
        facts.append(", ".join(text(outlet) for outlet in case.outlets[:6]))
    lines = [f"### {case.number}. {text(case.title)}", "", " · ".join(facts), ""]
    lines += [f"Case: {link(case.case_id, case.url)}", ""]
    if case.summary:
        lines += ["**Claim.**", "", *_separated(paragraphs(case.summary))]
    if case.disproof:
        lines += ["**Disproof.**", "", *_separated(paragraphs(case.disproof))]
    else:
        lines += ["*This case has no disproof text.*", ""]
    if case.evidence:
        lines += ["**Evidence:**", "", *[f"- {link(e.title, e.url)}" for e in case.evidence], ""]
    if case.keywords:
        lines += ["**Keywords:** " + ", ".join(text(k) for k in case.keywords), ""]
    if case.related:
        lines += ["**Related cases:**", ""]
        for related in case.related:
            date = f" ({related.date:%Y-%m-%d})" if related.date else ""
            reasons = "; ".join(text(reason) for reason in related.reasons)
            also = f" (also matched: case {related.case_number})" if related.case_number else ""
            title = link(related.title, related.url)
            lines.append(f"- {title}{date}{also} — {reasons}")
        lines.append("")
    if case.truncated:
        lines += [f"*The case's text was shortened for this report; see the case {_id(case)}.*", ""]
    return lines


def _id(case: ReportCase) -> str:
    return link(case.case_id, case.url)


def _separated(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        out += [item, ""]
    return out


def _evidence(narrative: ReportNarrative, cases: dict[str, ReportCase]) -> str:
    parts: list[str] = []
    if narrative.cases:
        found = [cases[c] for c in narrative.cases if c in cases]
        numbers = ", ".join(f"{c.number} ({c.band})" for c in found)
        parts.append(f"case {numbers}" if len(found) == 1 else f"cases {numbers}")
    if narrative.keywords:
        parts.append("keywords " + ", ".join(text(k) for k in narrative.keywords))
    if narrative.classifier_score is not None:
        parts.append(f"score {narrative.classifier_score:.2f}")
    return "; ".join(parts)


def _narratives(report: Report) -> list[str]:
    if not report.narratives:
        return []
    cases = {case.case_id: case for case in report.cases}
    rows = [
        f"| {text(n.name)} | {', '.join(SOURCE_LABEL[s] for s in n.sources)} "
        f"| {_evidence(n, cases)} |"
        for n in report.narratives
    ]
    return [
        "## Narratives the text advances",
        "",
        "| Narrative | Source | Evidence |",
        "|---|---|---|",
        *rows,
        "",
    ]


def _techniques(report: Report) -> list[str]:
    if report.technique_note is None:
        return []
    lines = ["## Persuasion techniques", "", f"*{text(report.technique_note)}*", ""]
    if not report.techniques:
        return [*lines, "The detector found no persuasion technique in the text.", ""]
    groups: dict[int, list[ReportTechnique]] = {}
    for row in report.techniques:
        groups.setdefault(row.number, []).append(row)
    for number, rows in groups.items():
        first = rows[0]
        lines += [
            f"### T{number} (characters {first.start}–{first.end})",
            "",
            f"> {text(first.text)}",
            "",
        ]
        lines += [
            f"- **{text(r.name)}** ({text(r.category)}): {text(r.definition)} — score {r.score:.2f}"
            for r in rows
        ]
        lines.append("")
    return lines


def to_markdown(report: Report) -> str:
    """The whole report as a Markdown document."""
    lines = [*_header(report), *_summary(report)]
    if report.matched:
        lines += ["## Claims that repeat known cases", ""]
        for claim in report.claims:
            lines += _claim(claim, report.outside_calibration)
        lines += ["## Known cases", ""]
        for case in report.cases:
            lines += _case(case)
    elif report.nearest:
        lines += ["## Nearest cases", "", nearest_intro(report), ""]
        lines += [f"- score {m.score:.2f}: {link(m.title, m.url)}" for m in report.nearest] + [""]
    lines += _narratives(report)
    lines += _techniques(report)
    if report.notes:
        lines += ["## Notes", "", *[f"- {text(note)}" for note in report.notes], ""]
    lines += ["## What this report does not say", ""]
    lines += [f"- {text(limit)}" for limit in report.limits]
    return "\n".join(lines).rstrip() + "\n"
