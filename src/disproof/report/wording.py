"""The words both renderers use: band and source labels, counts, plurals."""

from __future__ import annotations

from disproof.report.model import Report

BAND_LABEL = {"confirmed": "confirmed match", "suggested": "suggested match", "none": "not a match"}
SOURCE_LABEL = {
    "cases": "listed on the matched cases",
    "keywords": "the matched cases' keywords",
    "classifier": "classifier",
}


def nearest_label(found: bool, across: bool, outside: bool = False) -> str:
    """How the nearest cases below the bands are introduced. Across languages the calibration
    cannot reach ``confirmed`` and rarely ``suggested`` (docs/matching.md), so when nothing was
    found its ``none`` says "not confirmed", not "not a match": the right case is often among
    them. So does a database ``outside`` its calibration's domain, where scores rank the
    nearest cases but do not tell a repeat from a neighbour (an exact restatement filed
    several times scores low: its copies leave it no margin). Elsewhere, and below a case that
    was found, the rest are "not a match"."""
    if outside:
        return "also near, not confirmed (read them)" if found else OUTSIDE_NEAREST
    if found:
        return "also near, not a match"
    if across:
        return "nearest cases, not confirmed across languages (read them)"
    return "nearest cases, not a match"


#: The nearest cases' label when nothing was found in a database outside the calibration.
OUTSIDE_NEAREST = "nearest cases, not confirmed: outside the calibration (read them)"
#: What introduces them in a report or on the check page.
OUTSIDE_INTRO = (
    "These are the closest known cases. This database's cases are much closer to one another "
    "than the claims the scores were calibrated on, so a low score does not rule a case out: "
    "read them, the case the text repeats may be among them."
)
ACROSS_INTRO = (
    "These are the closest known cases. The text is in another language than they are, and "
    "across languages the score ranks cases but cannot confirm one: read them, the case the "
    "text repeats is often among them."
)


def nearest_intro(report: Report) -> str:
    """The sentence before a report's nearest cases (when nothing matched)."""
    if report.outside_calibration:
        return OUTSIDE_INTRO
    if report.nearest and all(m.calibration == "cross-language" for m in report.nearest):
        return ACROSS_INTRO
    return "These are the closest known cases; none is a match."


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """ "1 case", "2 cases" (with thousands separators)."""
    return f"{count:,} {word if count == 1 else plural_form or word + 's'}"


def band_counts(report: Report) -> str:
    """ "2 confirmed, 1 suggested" for the report's cases."""
    bands = [case.band for case in report.cases]
    return ", ".join(
        f"{bands.count(band)} {band}" for band in ("confirmed", "suggested") if band in bands
    )


def repeats(report: Report) -> str:
    """The summary's verb: "repeats" when a case is confirmed, "may repeat" when every match
    is only suggested (a long text confirms none: docs/matching.md)."""
    return "repeats" if any(case.band == "confirmed" for case in report.cases) else "may repeat"


def matched_claims(report: Report) -> int:
    """How many claims repeat a known case (rather than being merely near one)."""
    return sum(1 for claim in report.claims if any(m.case_number for m in claim.matches))


#: How many narratives of each source the summary names.
SUMMARY_NARRATIVES = 5


def summary_narratives(report: Report) -> list[tuple[str, list[str], int]]:
    """For the summary: (lead-in, the first narrative names, how many more) per source that
    has any — the matched cases' narratives, then the classifier's."""
    groups = (
        ("The matched cases advance these narratives", False),
        ("The narrative classifier finds", True),
    )
    out: list[tuple[str, list[str], int]] = []
    for lead, from_classifier in groups:
        names = [
            n.name for n in report.narratives if ("classifier" in n.sources) == from_classifier
        ]
        if names:
            shown = names[:SUMMARY_NARRATIVES]
            out.append((lead, shown, len(names) - len(shown)))
    return out
