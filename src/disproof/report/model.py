"""What a report holds: the claims of a text, the known cases they repeat, the narratives the
text advances, related cases, and how the report was made. Renderers only read these models."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NarrativeSource = Literal["cases", "keywords", "classifier"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportLink(_Model):
    """An http(s) link (anything else never gets here) with a label."""

    url: str
    title: str


class ReportMatch(_Model):
    """One known case a claim repeats (or, with band ``none``, is merely near to)."""

    case_id: str
    title: str
    url: str | None = None
    band: str
    score: float
    #: The number of the case in ``Report.cases`` (None for a ``none``-band match).
    case_number: int | None = None
    shared_terms: list[str] = Field(default_factory=list)
    #: Which calibration scored the pair (``CaseMatch.why.calibration``): across languages a
    #: ``none`` is "not confirmed", not "not a match".
    calibration: str = "same-language"


class ReportClaim(_Model):
    """A claim-like passage of the text and the known cases it repeats, best first."""

    number: int
    text: str
    start: int
    end: int
    language: str | None = None
    matches: list[ReportMatch]


class ReportRelated(_Model):
    """A case related to a matched one (``Disproof.related_cases``), with why it is listed."""

    case_id: str
    title: str
    url: str | None = None
    date: dt.date | None = None
    reasons: list[str] = Field(default_factory=list)
    #: Its number in ``Report.cases`` when the text repeats it too.
    case_number: int | None = None


class ReportCase(_Model):
    """A known case the text repeats, with what an analyst needs to write about it."""

    number: int
    case_id: str
    title: str
    url: str | None = None
    band: str
    score: float
    claims: list[int]
    date: dt.date | None = None
    outlets: list[str] = Field(default_factory=list)
    summary: str = ""
    disproof: str = ""
    keywords: list[str] = Field(default_factory=list)
    narratives: list[str] = Field(default_factory=list)
    evidence: list[ReportLink] = Field(default_factory=list)
    related: list[ReportRelated] = Field(default_factory=list)
    #: Whether ``summary`` or ``disproof`` was cut to the report's length limit.
    truncated: bool = False


class ReportNarrative(_Model):
    """A narrative the text advances and the evidence for it, by source: the matched cases
    that list it, their keywords the taxonomy maps to it, a classifier's score."""

    id: str
    name: str
    sources: list[NarrativeSource]
    cases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    classifier_score: float | None = None


class ReportTechnique(_Model):
    """A persuasion technique the detector found in a passage of the text (model output, not an
    analyst's judgement). Passages are numbered in text order; several techniques can share
    one (and one ``number``)."""

    number: int
    technique: str
    name: str
    category: str
    definition: str
    start: int
    end: int
    score: float
    #: The passage, whitespace collapsed, cut at 400 characters.
    text: str


class ReportMeta(_Model):
    """How the report was made."""

    generated_at: dt.datetime
    version: str
    database: str | None = None
    cases_searched: int
    language: str | None = None
    language_name: str | None = None
    embedder: str | None = None
    narrative_model: str | None = None
    #: The persuasion-technique model's id (a digest of its file); None: techniques not detected.
    technique_model: str | None = None
    min_band: str | None = None
    text_chars: int
    claims_checked: int


class Report(_Model):
    """Everything a report says about one text; ``to_markdown`` and ``to_html`` render it."""

    meta: ReportMeta
    claims: list[ReportClaim]
    cases: list[ReportCase]
    #: When no claim repeats a known case: the nearest cases, which are not matches.
    nearest: list[ReportMatch] = Field(default_factory=list)
    narratives: list[ReportNarrative] = Field(default_factory=list)
    #: Persuasion techniques in the text, by passage; ``technique_note`` says what they are.
    techniques: list[ReportTechnique] = Field(default_factory=list)
    technique_note: str | None = None
    notes: list[str] = Field(default_factory=list)
    limits: list[str] = Field(default_factory=list)
    #: The database is outside the calibration's domain: the nearest cases are not ruled out.
    outside_calibration: bool = False

    @property
    def matched(self) -> bool:
        return bool(self.cases)
