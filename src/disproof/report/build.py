"""Build a :class:`Report` for a text: match it, look up the cases it repeats, their related
cases and narratives. What the CLI, the web pages and the REST API call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from disproof import __version__
from disproof.errors import CaseNotFound, DisproofError
from disproof.links import http_url
from disproof.match.calibration import Band
from disproof.match.matcher import Matcher
from disproof.models import Case, CaseMatch
from disproof.narratives import builtin_taxonomy
from disproof.normalize import language_name
from disproof.report.model import (
    Report,
    ReportCase,
    ReportClaim,
    ReportLink,
    ReportMatch,
    ReportMeta,
    ReportRelated,
    ReportTechnique,
)
from disproof.report.narratives import narratives_from_cases, narratives_from_classifier
from disproof.techniques.shown import NOTE
from disproof.text import UNDETERMINED

if TYPE_CHECKING:
    from disproof.narratives.pipeline import NarrativeClassifier
    from disproof.service import Disproof

#: Longest summary or disproof a report quotes (characters); longer ones are cut at a word.
MAX_FIELD = 5_000
#: Related cases are listed for this many of the best matched cases, this many each.
RELATED_FOR = 3
RELATED_LIMIT = 5
#: How many nearest cases (not matches) a report without a match lists.
NEAREST = 5

#: What a report does not say: printed with every report.
LIMITS = (
    "A match is a lead for an analyst, not a verdict. It says that a passage resembles a known "
    "case, not that the text, its author or its publisher spreads disinformation.",
    "Scores are probabilities calibrated on labelled English data; for paraphrases and other "
    "languages they are less certain. A suggested match needs a human reading of both texts.",
    "No match does not mean the text is accurate: only claims already in this database can be "
    "found, and only the passages that look like claims are checked.",
    "The narratives are those of the matched cases (and of a classifier, when one was used); "
    "they describe the cases, not the intent of whoever wrote the text.",
    "Each disproof was written for its case: check that it answers what this text says before "
    "quoting it.",
)
#: Added when the report lists persuasion techniques.
TECHNIQUE_LIMIT = (
    "Persuasion techniques are a model's reading of the text, not an analyst's judgement: the "
    "detector marks whole sentences and is often wrong; a technique found does not show intent."
)


def _clip(text: str, limit: int = MAX_FIELD) -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` characters at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…", True


def _claims(matches: list[CaseMatch]) -> list[tuple[int, list[CaseMatch]]]:
    """Matches grouped by span, in text order, numbered from 1."""
    spans: dict[tuple[int, int], list[CaseMatch]] = {}
    for match in matches:  # one per case: under each span that matched it
        for span in match.spans or [match.span]:
            here = match if span == match.span else match.model_copy(update={"span": span})
            spans.setdefault((span.start, span.end), []).append(here)
    ordered = sorted(spans.items(), key=lambda item: item[0])
    return [(number, group) for number, (_, group) in enumerate(ordered, 1)]


def _best_matches(claims: list[tuple[int, list[CaseMatch]]]) -> list[tuple[CaseMatch, list[int]]]:
    """Each case matched (band above none) once: its best match and the claims it is in,
    best score first."""
    best: dict[str, CaseMatch] = {}
    where: dict[str, list[int]] = {}
    for number, group in claims:
        for match in group:
            if match.band == "none":
                continue
            if match.case_id not in best or match.score > best[match.case_id].score:
                best[match.case_id] = match
            if number not in where.setdefault(match.case_id, []):
                where[match.case_id].append(number)
    order = sorted(best.values(), key=lambda m: (-m.score, where[m.case_id][0], m.case_id))
    return [(match, where[match.case_id]) for match in order]


def _report_case(
    number: int,
    match: CaseMatch,
    claims: list[int],
    case: Case | None,
    url: str | None,
    related: list[ReportRelated],
) -> ReportCase:
    common = {
        "number": number,
        "case_id": match.case_id,
        "title": match.title,
        "url": url,
        "band": match.band,
        "score": match.score,
        "claims": claims,
        "date": match.date,
        "outlets": match.outlets,
        "related": related,
    }
    if case is None:  # deleted since the index was built
        return ReportCase.model_validate(common)
    summary, cut_summary = _clip(case.summary)
    disproof, cut_disproof = _clip(case.disproof)
    evidence = [
        ReportLink(url=link, title=item.title or link)
        for item in case.evidence
        if (link := http_url(item.url))
    ]
    return ReportCase.model_validate(
        common
        | {
            "summary": summary,
            "disproof": disproof,
            "keywords": case.keywords,
            "narratives": case.narratives,
            "evidence": evidence,
            "truncated": cut_summary or cut_disproof,
        }
    )


def _related(
    service: Disproof,
    case_id: str,
    limit: int,
    link: Callable[[str], str | None],
    numbers: dict[str, int],
) -> list[ReportRelated]:
    try:
        related = service.related_cases(case_id, limit)
    except CaseNotFound:
        return []
    return [
        ReportRelated(
            case_id=item.case_id,
            title=item.title,
            url=http_url(link(item.case_id)),
            date=item.date,
            reasons=item.reasons,
            case_number=numbers.get(item.case_id),
        )
        for item in related
    ]


def _model_label(classifier: NarrativeClassifier) -> str:
    meta = classifier.model.meta
    trained_on = ", ".join(str(item) for item in meta.get("trained_on") or []) or "unknown data"
    documents = meta.get("documents")
    size = f", {documents:,} documents" if isinstance(documents, int) else ""
    return f"narrative classifier trained on {trained_on}{size}"


def build_report(
    service: Disproof,
    text: str,
    *,
    top_k: int = 5,
    min_band: Band | None = None,
    matcher: Matcher | None = None,
    wait: float | None = None,
    classifier: NarrativeClassifier | None = None,
    case_url: Callable[[str], str | None] | None = None,
    database: str | None = None,
    related_for: int = RELATED_FOR,
    related_limit: int = RELATED_LIMIT,
    now: dt.datetime | None = None,
    techniques: bool = True,
) -> Report:
    """What an analyst would draft from ``text``: its claims, the known cases they repeat (with
    their disproofs), the narratives it advances and related cases.

    ``matcher`` defaults to the service's shared one (waiting at most ``wait`` seconds for an
    index being built, see ``Disproof.match``); ``case_url`` links a case id to its page
    (default: the id itself when it is an http(s) URL, such as an EUvsDisinfo report); only
    http(s) links are kept. ``database`` is how the header names the database (None: not named).
    With ``techniques`` the persuasion techniques of the text are listed (the database's model,
    else the shipped one; model output, and the report says so).
    """
    matcher = matcher or service.matchers.get(wait=wait)
    result = matcher.match(text, top_k=top_k, min_band=min_band)
    claims = _claims(result.matches)
    best = _best_matches(claims)
    stored = service.store.get_many(m.case_id for m, _ in best)
    link = case_url or (lambda case_id: case_id)
    numbers = {match.case_id: number for number, (match, _) in enumerate(best, 1)}
    cases = [
        _report_case(
            number,
            match,
            where,
            stored.get(match.case_id),
            http_url(link(match.case_id)),
            _related(service, match.case_id, related_limit, link, numbers)
            if number <= related_for
            else [],
        )
        for number, (match, where) in enumerate(best, 1)
    ]

    def report_match(match: CaseMatch) -> ReportMatch:
        return ReportMatch(
            case_id=match.case_id,
            title=match.title,
            url=http_url(link(match.case_id)),
            band=match.band,
            score=match.score,
            case_number=numbers.get(match.case_id) if match.band != "none" else None,
            shared_terms=match.why.shared_terms,
            calibration=match.why.calibration,
        )

    report_claims = [
        ReportClaim(
            number=number,
            text=group[0].span.text,
            start=group[0].span.start,
            end=group[0].span.end,
            language=group[0].span.language,
            matches=[report_match(m) for m in group],
        )
        for number, group in claims
    ]
    nearest: list[ReportMatch] = []
    if not cases:
        seen: set[str] = set()
        for match in sorted(result.matches, key=lambda m: (-m.score, m.case_id)):
            if match.case_id not in seen and len(nearest) < NEAREST:
                seen.add(match.case_id)
                nearest.append(report_match(match))
        report_claims = []  # nothing matched: the nearest cases say it all
    from disproof.narratives.stored import stored_fields

    vectors = {key: stored_fields(service.store.engine, c) for key, c in stored.items()}
    narratives = narratives_from_cases(cases, builtin_taxonomy(), vectors)
    notes = list(result.notes)
    if classifier is not None:
        predicted = narratives_from_classifier(classifier.classify([text])[0])
        narratives += predicted
        if not predicted:
            notes.append("the narrative classifier found none of its narratives in the text")
    found, technique_model = _techniques(service, text, notes) if techniques else ([], None)
    language = result.language if result.language != UNDETERMINED else None
    meta = ReportMeta(
        generated_at=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        version=__version__,
        database=database,
        cases_searched=matcher.index.cases,
        language=language,
        language_name=language_name(language) if language else None,
        embedder=matcher.embedder.model_id if matcher.embedder else None,
        narrative_model=_model_label(classifier) if classifier is not None else None,
        technique_model=technique_model,
        min_band=min_band,
        text_chars=len(text),
        claims_checked=result.spans_checked,
    )
    return Report(
        meta=meta,
        claims=report_claims,
        cases=cases,
        nearest=nearest,
        narratives=narratives,
        techniques=found,
        technique_note=NOTE if technique_model else None,
        notes=notes,
        limits=[*LIMITS, TECHNIQUE_LIMIT] if technique_model else list(LIMITS),
        outside_calibration=result.outside_calibration,
    )


def _techniques(
    service: Disproof, text: str, notes: list[str]
) -> tuple[list[ReportTechnique], str | None]:
    """The text's persuasion techniques and the model's id; a note instead when no model could
    be loaded."""
    from disproof.techniques.loaded import loaded_model
    from disproof.techniques.shown import shown_spans

    try:
        loaded = loaded_model(service.settings)
        spans = loaded.detector.detect(text)
    except DisproofError as exc:
        notes.append(f"persuasion techniques were not detected: {exc}")
        return [], None
    rows = [
        ReportTechnique(
            number=s.number,
            technique=s.technique,
            name=s.name,
            category=s.category,
            definition=s.definition,
            start=s.start,
            end=s.end,
            score=round(s.score, 3),
            text=s.quote,
        )
        for s in shown_spans(text, spans)
    ]
    return rows, loaded.model_id
