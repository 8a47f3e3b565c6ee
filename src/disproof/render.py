"""Rich renderings of cases, search pages, stats and import reports for the terminal.

Case text is hostile input: it is always wrapped in ``Text`` (never parsed as Rich markup) and
control characters are removed before it reaches the terminal.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

if TYPE_CHECKING:  # imported where used: `safe` must not cost the command line its start-up
    from disproof.errors import RowProblem
    from disproof.importing import ImportReport
    from disproof.models import (
        Case,
        CaseMatch,
        Facet,
        MatchResult,
        Narrative,
        RelatedCase,
        SearchPage,
        Stats,
        Taxonomy,
    )
    from disproof.narratives.mapping import CaseNarrative
    from disproof.narratives.semantic import Matrix

_CONTROL = {i: None for i in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)]}


#: Characters of an appearance's text (a quote) shown under it.
APPEARANCE_TEXT_SHOWN = 300


def safe(value: object, limit: int | None = None) -> Text:
    """Untrusted text as an inert Rich ``Text`` (no markup, no terminal escapes)."""
    text = str(value).translate(_CONTROL)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return Text(text)


def count(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` and the noun agreeing with it: "1 case", "2 cases", "1,200 cases"."""
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


def _inferred_line(narrative: CaseNarrative, names: dict[str, str]) -> str:
    """One inferred narrative and why: the keywords and terms, or the sub-narrative."""
    head = f"{names.get(narrative.id, narrative.id)} ({narrative.id})"
    if narrative.source == "parent":
        return f"{head}: includes {', '.join(narrative.via)}"
    why = f"keywords {' + '.join(narrative.via)}; text: {', '.join(narrative.support)}"
    if narrative.semantic is not None:
        why += f"; nearest claim: {narrative.semantic.nearest} ({narrative.semantic.margin:+.2f})"
    elif narrative.unchecked:
        why += "; rule only (no current index vectors to check the claim)"
    if narrative.confidence is not None:
        why += f"; precision {narrative.confidence:.2f}"
    return f"{head}: {why}"


def _joined(values: list[str]) -> Text:
    return safe(", ".join(values) if values else "—")


def case_panel(
    case: Case, narrative_names: dict[str, str] | None = None, fields: Matrix | None = None
) -> Panel:
    """Everything a case holds, laid out like a published debunk (``fields``: the case's
    stored vectors, for the semantic check of its inferred narratives)."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold cyan", no_wrap=True)
    facts.add_column(overflow="fold")
    facts.add_row("id", safe(case.id))
    facts.add_row("date", safe(case.date or "—"))
    facts.add_row("rating", safe(case.rating or "—"))
    facts.add_row("reviewed by", safe(case.reviewed_by or "—"))
    from disproof.normalize import country_name, language_name

    facts.add_row("languages", _joined([f"{language_name(c)} ({c})" for c in case.languages]))
    facts.add_row("countries", _joined([country_name(c) for c in case.countries]))
    facts.add_row("keywords", _joined(case.keywords))
    names = narrative_names or {}
    from disproof.narratives.mapping import case_narratives

    found = case_narratives(case, fields)
    analysts = [f"{names.get(n.id, n.id)} ({n.id})" for n in found if not n.inferred]
    if analysts:
        facts.add_row("narratives", _joined(analysts))
    inferred = [_inferred_line(n, names) for n in found if n.inferred]
    if inferred:
        facts.add_row("inferred narratives", safe("\n".join(inferred)))
    if case.source.dataset or case.source.url:
        facts.add_row(
            "source", safe(" ".join(filter(None, [case.source.dataset, case.source.url])))
        )
    parts: list[RenderableType] = [facts]
    if case.summary:
        parts += [Text("\nClaim", style="bold"), safe(case.summary)]
    if case.disproof:
        parts += [Text("\nDisproof", style="bold green"), safe(case.disproof)]
    else:
        parts += [Text("\nDisproof", style="bold"), Text(NO_DISPROOF, style="dim")]
    if case.appearances:
        parts.append(Text(f"\nAppearances ({len(case.appearances)})", style="bold"))
        for a in case.appearances:
            line = " · ".join(str(x) for x in (a.date, a.outlet, a.language, a.url) if x)
            parts.append(safe(f"  • {line}"))
            if a.text:  # the claim as this outlet published it (a quote): short, inert
                parts.append(safe(f"    “{' '.join(a.text.split())}”", APPEARANCE_TEXT_SHOWN))
    if case.evidence:
        parts.append(Text("\nEvidence", style="bold"))
        for link in case.evidence:
            parts.append(safe(f"  • {' — '.join(x for x in (link.title, link.url) if x)}"))
    if case.related:
        parts += [Text("\nRelated cases", style="bold"), *[safe(f"  • {r}") for r in case.related]]
    return Panel(Group(*parts), title=safe(case.title or case.summary, 120), title_align="left")


def related_table(case_id: str, related: list[RelatedCase]) -> RenderableType:
    """Related cases of one case, each with why it is listed (a line when there are none)."""
    if not related:
        return safe(f"No case found related to {case_id}.")
    title = safe(f"{count(len(related), 'case')} related to {case_id}")
    table = Table(title=title, show_lines=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("score", justify="right")
    table.add_column("date", no_wrap=True)
    table.add_column("case", overflow="fold")
    table.add_column("why", overflow="fold")
    for rank, item in enumerate(related, 1):
        title = safe(item.title, 160)
        title.append("\n")
        title.append_text(Text(safe(item.case_id).plain, style="dim"))
        table.add_row(
            str(rank),
            f"{item.score:.2f}",
            safe(item.date or "—"),
            title,
            safe("; ".join(item.reasons)),
        )
    return table


def search_table(page: SearchPage, query_text: str = "") -> RenderableType:
    """A page of search results as a table (a line when the page is empty)."""
    title = count(page.total, "case") + (f" for {query_text!r}" if query_text else "")
    if not page.total:
        return safe(f"No case found{f' for {query_text!r}' if query_text else ''}.")
    if not page.results:
        return safe(f"{title}; none from result {page.offset + 1:,} on (--offset).")
    shown = f"{page.offset + 1}–{page.offset + len(page.results)}"
    table = Table(title=safe(f"{title} (showing {shown})"), title_justify="left", expand=True)
    table.add_column("date", no_wrap=True)
    table.add_column("claim / id", ratio=3, overflow="fold")
    table.add_column("outlets", ratio=1)
    for case in page.results:
        claim = safe(case.title or case.summary, 160)
        claim.append("\n")
        claim.append(safe(case.id).plain, style="dim")
        table.add_row(
            safe(case.date or "—"),
            claim,
            safe(", ".join(case.outlets[:3]) + (" …" if len(case.outlets) > 3 else ""), 80),
        )
    return table


def facet_table(title: str, facets: list[Facet], label: str = "") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label or title.split()[-1])
    table.add_column("cases", justify="right")
    for facet in facets:
        table.add_row(safe(facet.value, 60), f"{facet.count:,}")
    return table


def stats_tables(stats: Stats) -> list[Table]:
    from disproof.models import Facet
    from disproof.normalize import country_name, language_name

    countries = [Facet(value=country_name(f.value), count=f.count) for f in stats.by_country]
    languages = [Facet(value=language_name(f.value), count=f.count) for f in stats.by_language]
    tables = [
        ("Cases by year", stats.by_year, "year"),
        ("Top keywords", stats.by_keyword, "keyword"),
        ("Top countries", countries, "country"),
        ("Top languages", languages, "language"),
        ("Top outlets", stats.by_outlet, "outlet"),
        ("Cases by dataset", stats.by_dataset, "dataset"),
    ]
    return [facet_table(title, facets, label) for title, facets, label in tables if facets]


def _problems(console: Console, title: str, file: str, problems: list[RowProblem]) -> None:
    console.print(Text(title, style="yellow"))
    for problem in problems[:10]:
        console.print(safe(f"  {problem.describe(file)}"), soft_wrap=True)
    if len(problems) > 10:
        console.print(f"  … and {len(problems) - 10} more")


def import_summary(console: Console, report: ImportReport) -> None:
    console.print(
        safe(
            f"{report.file} ({report.format}): {count(report.rows, 'row')} → "
            f"{len(report.created):,} created, {len(report.updated):,} updated, "
            f"{len(report.unchanged):,} unchanged, {len(report.merged):,} merged, "
            f"{len(report.joined):,} merged across sources, {report.rejected_rows:,} rejected"
        ),
        soft_wrap=True,
    )
    what = {
        "appearance": "the same claim from another outlet or URL, added as an appearance",
        "details": "the same claim again, adding keywords, countries or text",
        "nothing": "an exact repeat of an earlier row",
    }
    for kind, label in what.items():
        rows = [m for m in report.merged if m.adds == kind]
        if rows:
            examples = ", ".join(f"line {m.row}→{m.into_row}" for m in rows[:4])
            more = " …" if len(rows) > 4 else ""
            console.print(
                safe(f"  {len(rows):,} merged, {label}: {examples}{more}"), soft_wrap=True
            )
    if report.joined:
        rules = Counter(j.rule for j in report.joined)
        how = ", ".join(f"{n:,} by {JOIN_RULES[r]}" for r, n in sorted(rules.items()))
        console.print(
            safe(f"  {len(report.joined):,} merged with the same claim from another source: {how}"),
            soft_wrap=True,
        )
    if report.retired:
        console.print(
            safe(
                f"  {count(len(report.retired), 'stored case')} folded into another "
                "(their ids kept as aliases)"
            ),
            soft_wrap=True,
        )
    if report.ambiguous:
        console.print(
            safe(
                f"  {len(report.ambiguous):,} index entries left apart: several cases claim them "
                f"equally (e.g. {next(iter(report.ambiguous))})"
            ),
            soft_wrap=True,
        )
    if report.warnings:
        title = f"  {count(len(report.warnings), 'warning')}:"
        _problems(console, title, report.file, report.warnings)
    if report.rejected:
        title = f"  {count(len(report.rejected), 'problem')}:"
        _problems(console, title, report.file, report.rejected)
        if report.reject_report:
            console.print(safe(f"  rejected rows written to {report.reject_report}"))


JOIN_RULES = {
    "title": "title and date",
    "prefix": "shortened title and date",
    "near": "near-identical title and date",
}

#: What a case with an empty disproof says (a title-only entry of a fact-check collection).
NO_DISPROOF = "no disproof on file for this case (see its source)"

BAND_STYLE = {"confirmed": "bold red", "suggested": "yellow", "none": "dim"}


def match_report(console: Console, result: MatchResult) -> None:
    """Matches grouped by the span of the text they are about."""
    from disproof.report.wording import nearest_label

    for note in result.notes:
        console.print(safe(f"note: {note}"), style="dim", soft_wrap=True)
    checked = count(result.spans_checked, "claim-like passage")
    if not result.matches:
        console.print(safe(f"No known case matched ({checked} checked)."))
        return
    if result.article:
        _article_report(console, result)
        return
    spans: dict[tuple[int, int], list[CaseMatch]] = {}
    for match in result.matches:
        spans.setdefault((match.span.start, match.span.end), []).append(match)
    for (start, end), matches in sorted(spans.items()):
        console.print()
        quote = safe(f"“{matches[0].span.text}”", 400)
        quote.stylize("italic")
        console.print(Text(f"[{start}:{end}] ", style="dim") + quote)
        found = [m for m in matches if m.band != "none"]
        for match in found:
            _match_line(console, match)
        nearest = [m for m in matches if m.band == "none"][:3]
        if nearest:
            across = all(m.why.calibration == "cross-language" for m in nearest)
            label = nearest_label(bool(found), across, result.outside_calibration)
            names = "; ".join(_nearest_names(nearest))
            console.print(Text(f"  {label}: {names}", style="dim"), soft_wrap=True)


def _nearest_names(matches: list[CaseMatch]) -> list[str]:
    """The nearest cases' titles, cut; a title two of them share (the same claim filed twice,
    as EUvsDisinfo does for another outlet or date) is told apart by its date."""
    titles = [safe(m.title, 70).plain for m in matches]
    return [
        f"{title} ({m.date})" if titles.count(title) > 1 and m.date else title
        for title, m in zip(titles, matches, strict=True)
    ]


def _article_report(console: Console, result: MatchResult) -> None:
    """A long text: each case it repeats once, best first, with the passages that repeat it."""
    checked = count(result.spans_checked, "claim-like passage")
    whole = f"all {count(result.characters, 'character')} of the text"
    found = count(len(result.matches), "known case")
    said = "repeated" if any(m.band == "confirmed" for m in result.matches) else "suggested"
    if said == "suggested":
        said += ", none confirmed"
    console.print(safe(f"{found} {said} ({checked} checked, in {whole}):"))
    for match in result.matches:
        console.print()
        _match_line(console, match)
        for span in (match.spans or [match.span])[:5]:
            quote = safe(f"“{span.text}”", 200)
            quote.stylize("italic")
            console.print(Text(f"            [{span.start}:{span.end}] ", style="dim") + quote)


def _match_line(console: Console, match: CaseMatch) -> None:
    line = Text("  ")
    line.append(f"{match.band:<9}", style=BAND_STYLE.get(match.band, ""))
    line.append(f" {match.score:.2f}  ")
    line.append(safe(match.title, 140).plain, style="bold")
    facts = " · ".join(x for x in (str(match.date or ""), ", ".join(match.outlets[:3])) if x)
    if facts:
        line.append(f"  ({safe(facts, 80).plain})", style="dim")
    console.print(line)
    across = "  · scored across languages" if match.why.calibration == "cross-language" else ""
    capped = ""
    if match.why.capped and match.why.span_check is not None:
        capped = (
            "  · not confirmed: the passage says too little on its own"
            f" (span check {match.why.span_check:.2f})"
        )
    if match.why.long_text:
        capped = "  · not confirmed: a passage of a long text (see the note)"
    if match.why.outside_calibration:
        capped = "  · not confirmed: this database is outside the calibration (see the note)"
    via = ""
    if match.why.appearance is not None:
        seen = match.why.appearance
        where = ", ".join(x for x in (seen.outlet, seen.language) if x) or "no outlet given"
        via = f"  · through an earlier appearance ({safe(where, 80).plain})"
    console.print(
        Text("            " + safe(match.case_id).plain + across + via + capped, style="dim"),
        soft_wrap=True,
    )
    if not match.has_disproof:
        console.print(Text(f"            {NO_DISPROOF}", style="dim"), soft_wrap=True)


def taxonomy_tree(taxonomy: Taxonomy) -> Tree:
    """A taxonomy as a tree: each node's name and id, the start of its description, and how
    many examples and keywords it has."""
    children: dict[str | None, list[Narrative]] = {}
    for node in taxonomy.narratives:
        children.setdefault(node.parent, []).append(node)
    header = safe(f"{taxonomy.name} ")
    header.stylize("bold")
    header.append_text(safe(f"({taxonomy.id}, {len(taxonomy.narratives)} nodes)"))
    tree = Tree(header)

    def add(branch: Tree, node: Narrative, seen: frozenset[str]) -> None:
        label = safe(node.name)
        label.stylize("bold")
        label.append_text(Text("  ") + Text(safe(node.id).plain, style="dim"))
        details = []
        if node.description:
            details.append(safe(node.description, limit=140))
        counts = []
        if node.examples:
            counts.append(f"{len(node.examples)} example{'s' if len(node.examples) > 1 else ''}")
        if node.keywords:
            more = ", …" if len(node.keywords) > 6 else ""
            counts.append(f"{len(node.keywords)} keywords: {', '.join(node.keywords[:6])}{more}")
        if counts:
            details.append(Text(safe(" · ".join(counts)).plain, style="dim"))
        child = branch.add(Group(label, *details))
        for grandchild in children.get(node.id, []):
            if grandchild.id not in seen:  # a cycle is shown once, not followed
                add(child, grandchild, seen | {grandchild.id})

    for root in children.get(None, []):
        add(tree, root, frozenset({root.id}))
    return tree
