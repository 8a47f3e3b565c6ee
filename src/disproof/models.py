"""The domain vocabulary every layer speaks: cases, their appearances and links, narratives.

A :class:`Case` is schema.org ``ClaimReview`` in spirit: a claim seen in the media (``title`` and
``summary``), the review of it (``disproof``, ``rating``, ``reviewed_by``), where and when it
appeared, and how it is classified (languages, countries, keywords, narratives, related cases).

Validation here is the single place where limits on hostile input are enforced: every importer,
the CLI and the API build cases through these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from disproof.normalize import normalize_country, normalize_keyword, normalize_language

#: Size limits for case fields (characters / items). Real EUvsDisinfo disproofs are < 3,000 chars.
MAX_ID = 500
MAX_TITLE = 1_000
MAX_TEXT = 50_000
MAX_SHORT = 2_000
MAX_URL = 2_048
MAX_ITEMS = 500
#: An appearance's own text (a quote as the outlet published it): a passage, not an article.
MAX_APPEARANCE_TEXT = 5_000
#: Search limits: values per filter (each is an SQL condition; SQLite refuses an expression
#: tree deeper than 1,000) and results skipped (SQLite integers are 64-bit).
MAX_FILTER_VALUES = 50
MAX_OFFSET = 1_000_000_000

_CONTROL = {i: None for i in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)]}


def _clean_text(value: str) -> str:
    """Trim, normalise newlines and drop control characters (terminal escapes, NUL) but \\n, \\t."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.translate(_CONTROL).strip()


def _valid_unicode(value: str) -> str:
    """Refuse a lone surrogate (JSON can spell one, ``"\\ud800"``): it is not text, and it
    cannot be stored or sent as UTF-8. (Length-limited strings are refused by pydantic itself.)"""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"not valid Unicode (a lone surrogate at character {exc.start})") from None
    return value


#: An item of a list field, a key or value of ``extra``: any valid Unicode text.
Item = Annotated[str, AfterValidator(_valid_unicode)]

ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_SHORT), AfterValidator(_clean_text)
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_URL), AfterValidator(_clean_text)
]


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Appearance(_Model):
    """One place a claim was published: an outlet, an article URL, its archived copy, a date,
    and optionally ``text``: the claim as that outlet published it (a quote, in its own
    language). The matcher treats these texts as one more field of the case (a new quote of the
    same talking point finds the case through an earlier one filed under it; docs/matching.md).

    ``text`` is left out of the serialised appearance when it is not set, so a case without
    appearance texts serialises (and hashes) exactly as before the field existed."""

    outlet: ShortText | None = None
    url: Url | None = None
    archive_url: Url | None = None
    date: dt.date | None = None
    language: str | None = Field(default=None, max_length=100)
    text: (
        Annotated[
            str,
            StringConstraints(max_length=MAX_APPEARANCE_TEXT),
            AfterValidator(_valid_unicode),
            AfterValidator(_clean_text),
        ]
        | None
    ) = Field(default=None, exclude_if=lambda value: value is None)

    @field_validator("outlet", "url", "archive_url", "text", mode="after")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("language", mode="after")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        return normalize_language(value) or None if value else None

    def key(self) -> tuple[str, str, str]:
        """What makes two appearances the same one (outlet and URL, case-insensitively; without
        a URL, its text too: two quotes of one outlet are two appearances)."""
        text = "" if self.url else " ".join((self.text or "").split()).casefold()
        return ((self.outlet or "").casefold(), (self.url or "").casefold(), text)


class Link(_Model):
    """A link with an optional human-readable title (evidence in a disproof)."""

    url: Url | None = None
    title: ShortText | None = None

    @model_validator(mode="after")
    def _needs_something(self) -> Link:
        if not self.url and not self.title:
            raise ValueError("a link needs a url or a title")
        return self


class Source(_Model):
    """Where a case record came from: a dataset name, its URL, the record's own id or row."""

    dataset: ShortText | None = None
    url: Url | None = None
    record: ShortText | None = None


CaseId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID)]


class _CaseFields(_Model):
    """The content of a case and every validator on it, shared by :class:`Case` and
    :class:`CaseCreate` (so a case written through the API is checked exactly like an import)."""

    id: CaseId | None = None
    title: Annotated[str, StringConstraints(max_length=MAX_TITLE)] = ""
    summary: Annotated[str, StringConstraints(max_length=MAX_TEXT)] = ""
    disproof: Annotated[str, StringConstraints(max_length=MAX_TEXT)] = ""
    date: dt.date | None = None
    appearances: list[Appearance] = Field(default_factory=list, max_length=MAX_ITEMS)
    languages: list[Item] = Field(default_factory=list, max_length=MAX_ITEMS)
    countries: list[Item] = Field(default_factory=list, max_length=MAX_ITEMS)
    keywords: list[Item] = Field(default_factory=list, max_length=MAX_ITEMS)
    narratives: list[Item] = Field(default_factory=list, max_length=MAX_ITEMS)
    related: list[Item] = Field(default_factory=list, max_length=MAX_ITEMS)
    evidence: list[Link] = Field(default_factory=list, max_length=MAX_ITEMS)
    rating: ShortText | None = None
    reviewed_by: ShortText | None = None
    source: Source = Field(default_factory=Source)
    extra: dict[Item, Item] = Field(default_factory=dict, max_length=100)

    @field_validator("title", "summary", "disproof", mode="after")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _clean_text(value)

    @field_validator("languages", mode="after")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        return _dedupe([normalize_language(v) for v in values if v.strip()])

    @field_validator("countries", mode="after")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        return _dedupe([normalize_country(v) for v in values if v.strip()])

    @field_validator("keywords", mode="after")
    @classmethod
    def _keywords(cls, values: list[str]) -> list[str]:
        return _dedupe([normalize_keyword(v) for v in values if v.strip()])

    @field_validator("narratives", "related", mode="after")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        return _dedupe([v.strip() for v in values if v.strip()])

    @field_validator("languages", "countries", "keywords", "narratives", "related", mode="after")
    @classmethod
    def _item_length(cls, values: list[str]) -> list[str]:
        for value in values:
            if len(value) > MAX_SHORT:
                raise ValueError(f"an item is longer than {MAX_SHORT} characters")
        return values

    @field_validator("extra", mode="after")
    @classmethod
    def _extra_sizes(cls, values: dict[str, str]) -> dict[str, str]:
        for key, value in values.items():
            if len(key) > 100 or len(value) > MAX_TEXT:
                raise ValueError(f"extra field {key[:100]!r} is too long")
        return values

    @model_validator(mode="after")
    def _needs_a_claim(self) -> Self:
        if not self.title and not self.summary:
            raise ValueError("a case needs a title or a claim summary")
        return self


class Case(_CaseFields):
    """A known piece of disinformation and its disproof.

    ``id`` is stable: the record's own identity (a case URL, a ``vclaim_id``) when it has one,
    otherwise derived deterministically by the importer.
    """

    id: CaseId
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @field_validator("created_at", "updated_at", mode="after")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        """Timestamps are kept in UTC (naive ones are taken to be UTC already)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("timestamp is out of range once converted to UTC") from None

    def content(self) -> dict[str, Any]:
        """The case's content, without bookkeeping timestamps (used to detect real changes)."""
        return self.model_dump(mode="json", exclude={"created_at", "updated_at"})

    @property
    def outlets(self) -> list[str]:
        return _dedupe([a.outlet for a in self.appearances if a.outlet])

    @property
    def first_appearance(self) -> Appearance | None:
        dated = [a for a in self.appearances if a.date]
        if dated:
            return min(dated, key=lambda a: a.date or dt.date.max)
        return self.appearances[0] if self.appearances else None


class CaseCreate(_CaseFields):
    """A new case as a client sends it: every field of :class:`Case` but the timestamps; ``id``
    is optional (derived deterministically when missing, like the JSONL importer does)."""


class CasePublic(Case):
    """A case as the API returns it: every field, ``created_at`` and ``updated_at`` set, and its
    ``version`` — the number of the case's latest change, which the API also sends as the
    ``ETag`` and compares with ``If-Match``. The version is bookkeeping, not content: exports
    leave it out."""

    version: int = Field(ge=1)

    def as_case(self) -> Case:
        """The case without its version."""
        return Case.model_validate(self.model_dump(exclude={"version"}))

    def content(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"created_at", "updated_at", "version"})


class InferredNarrative(_Model):
    """A narrative disproof infers for a case, apart from the analysts' own ``narratives``.

    ``source`` is ``keywords`` (a keyword rule of the taxonomy fired, ``keywords``, and the
    case's text supports it, ``terms``) or ``parent`` (a sub-narrative, ``via``, implies it).
    ``precision`` is the fired rule's precision measured on labelled cases, where measured;
    when the case's stored vectors were checked against the narrative's claims, ``claim`` is the
    claim sentence nearest the case and ``margin`` its cosine lead over the nearest rival, and
    ``precision`` is that of rule and check together (both None: the rule decided alone)."""

    id: str
    name: str
    source: Literal["keywords", "parent"]
    keywords: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    via: list[str] = Field(default_factory=list)
    precision: float | None = None
    claim: str | None = None
    margin: float | None = None


class CaseView(CasePublic):
    """A case as the API reads it: the stored case and its version, plus the narratives
    disproof infers for it (``inferred_narratives``), kept apart from the analysts' own."""

    inferred_narratives: list[InferredNarrative] = Field(default_factory=list)


class CaseUpdate(_Model):
    """A partial update: only the fields a client sets change. ``null`` clears a field (to its
    empty value). The result is validated as a whole :class:`Case` (limits, normalisation)."""

    title: Annotated[str, StringConstraints(max_length=MAX_TITLE)] | None = None
    summary: Annotated[str, StringConstraints(max_length=MAX_TEXT)] | None = None
    disproof: Annotated[str, StringConstraints(max_length=MAX_TEXT)] | None = None
    date: dt.date | None = None
    appearances: list[Appearance] | None = Field(default=None, max_length=MAX_ITEMS)
    languages: list[Item] | None = Field(default=None, max_length=MAX_ITEMS)
    countries: list[Item] | None = Field(default=None, max_length=MAX_ITEMS)
    keywords: list[Item] | None = Field(default=None, max_length=MAX_ITEMS)
    narratives: list[Item] | None = Field(default=None, max_length=MAX_ITEMS)
    related: list[Item] | None = Field(default=None, max_length=MAX_ITEMS)
    evidence: list[Link] | None = Field(default=None, max_length=MAX_ITEMS)
    rating: ShortText | None = None
    reviewed_by: ShortText | None = None
    source: Source | None = None
    extra: dict[Item, Item] | None = Field(default=None, max_length=100)

    def changes(self) -> dict[str, Any]:
        """The fields the client set, as JSON data; an explicit ``null`` becomes the field's
        empty value in :class:`Case`."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump(mode="json", exclude_unset=True).items():
            if value is None:
                value = Case.model_fields[name].get_default(call_default_factory=True)
            out[name] = value
        return out


class RelatedCase(_Model):
    """A case related to another one, with the reasons it is listed (best first).

    ``kinds`` says the same as ``reasons`` for programs: ``linked`` (the case's ``related``
    list), ``named`` / ``cited`` (its disproof names the other case's title / links its page),
    ``cites-this`` (the other case's disproof refers to this one), ``similar``,
    ``shared-narratives``, ``shared-keywords``, ``same-framing``. ``score`` is 1 for the
    first four, else the weighted score of ``disproof.related.finder``.
    """

    case_id: str
    title: str
    date: dt.date | None = None
    reasons: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    score: float
    shared_keywords: int = 0
    shared_narratives: list[str] = Field(default_factory=list)
    days_apart: int | None = None


RoleName = Literal["viewer", "editor", "admin"]


class TokenInfo(_Model):
    """What is known about an API token — never the secret itself."""

    name: str
    role: RoleName
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None

    def active(self, now: dt.datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class KeywordRule(_Model):
    """Keywords that, all present on a case, say it advances a narrative.

    A rule names the narrative's own subject ("MH17"), or a combination specific enough to
    ("Chemical weapons/attack" with "Syrian War"); a broad keyword that merely co-occurs with the
    narrative ("Donbas", "Russophobia") is never a rule. ``precision`` is the share of cases
    carrying the rule that advance the narrative, where it was measured on a labelled sample
    (``docs/benchmarks.md``); ``None`` where it was not.
    """

    keywords: list[ShortText] = Field(min_length=1, max_length=5)
    precision: float | None = Field(default=None, ge=0.0, le=1.0)


class Narrative(_Model):
    """A node of a narrative taxonomy.

    ``keywords`` are the database keywords related to the narrative (context for analysts and
    for the classifier's training texts); only ``implied_by`` rules infer it on a case.
    """

    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    name: ShortText
    parent: str | None = None
    description: str = ""
    examples: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    implied_by: list[KeywordRule] = Field(default_factory=list)


class Taxonomy(_Model):
    """A named set of narratives, possibly hierarchical (``Narrative.parent``)."""

    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    name: ShortText
    version: str = "1"
    description: str = ""
    narratives: list[Narrative] = Field(default_factory=list)

    @model_validator(mode="after")
    def _parents_exist(self) -> Taxonomy:
        ids = {n.id for n in self.narratives}
        if len(ids) != len(self.narratives):
            raise ValueError("narrative ids must be unique within a taxonomy")
        for narrative in self.narratives:
            if narrative.parent is not None and narrative.parent not in ids:
                raise ValueError(
                    f"narrative {narrative.id!r} has unknown parent {narrative.parent!r}"
                )
        return self


FilterValue = Annotated[str, StringConstraints(max_length=MAX_SHORT)]


class CaseQuery(_Model):
    """A search over cases: free text plus facet filters, with paging."""

    text: str = Field(default="", max_length=MAX_SHORT)
    keywords: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    countries: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    languages: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    outlets: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    narratives: list[FilterValue] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    dataset: str | None = Field(default=None, max_length=MAX_SHORT)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = Field(default=20, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class SearchPage(_Model):
    """One page of search results; ``total`` counts all matches, not just this page."""

    total: int
    offset: int
    results: list[Case]


class Facet(_Model):
    value: str
    count: int


#: What cases can be counted by (``Disproof.facets``).
FacetKind = Literal["keyword", "country", "language", "outlet", "narrative", "year"]
FACET_KINDS: tuple[FacetKind, ...] = (
    "keyword",
    "country",
    "language",
    "outlet",
    "narrative",
    "year",
)


class Stats(_Model):
    """Counts over the whole database, for ``disproof stats``."""

    cases: int
    appearances: int
    by_year: list[Facet]
    by_keyword: list[Facet]
    by_country: list[Facet]
    by_language: list[Facet]
    by_outlet: list[Facet]
    by_dataset: list[Facet]


class MatchSpan(_Model):
    """The part of the checked text a match is about, by character offsets into that text."""

    start: int
    end: int
    text: str
    language: str | None = None


class MatchedAppearance(_Model):
    """The known appearance of a case whose text (a quote filed under it earlier) the span is
    nearer to than the case's own title and claim summary: the match went through it."""

    #: Its place among the case's appearances (0 = the first).
    position: int
    outlet: str | None = None
    language: str | None = None
    #: The span's cosine to the appearance's text (what ``dense_summary`` then reads).
    cosine: float


class MatchExplanation(_Model):
    """Why a case matched: similarities per field, shared terms, which retrievers found it."""

    dense_title: float | None = None
    dense_summary: float | None = None
    lexical_coverage: float = 0.0
    shared_terms: list[str] = Field(default_factory=list)
    retrievers: list[str] = Field(default_factory=list)
    #: The calibration that scored the pair: ``same-language`` (fitted on English tweets
    #: against fact-checked claims), ``one-text`` (the same, for a case whose title and claim
    #: summary are one text) or ``cross-language`` (fitted on quotes in other languages than
    #: the case); see docs/matching.md.
    calibration: str = "same-language"
    #: For an English span: the span check's probability that this sentence, as part of a
    #: text, repeats a known case at all (specificity, length, margin over the next case;
    #: docs/matching.md). ``confirmed`` needs it to pass. None where it does not apply.
    span_check: float | None = None
    #: The pair scored ``confirmed`` but its span is too unspecific to confirm a case on its
    #: own, so it is shown ``suggested``.
    capped: bool = False
    #: The pair scored ``confirmed`` but the database is denser than the one the calibration
    #: was fitted on (its cases are much closer to one another), where such confirmations were
    #: measured wrong most of the time: shown ``suggested`` (docs/matching.md).
    outside_calibration: bool = False
    #: The pair scored ``confirmed`` as a passage of a long text, which confirms no case:
    #: measured on real articles against the real database, such confirmations were right
    #: 8-15 % of the time. Shown ``suggested`` (docs/matching.md).
    long_text: bool = False
    #: The match went through an earlier appearance's text: which one (outlet, language).
    appearance: MatchedAppearance | None = None


class CaseMatch(_Model):
    """A known case a span repeats, with a calibrated probability and its band."""

    case_id: str
    score: float
    band: str
    title: str
    date: dt.date | None = None
    outlets: list[str] = Field(default_factory=list)
    #: False for a case with no disproof on file (a title-only fact-check entry, say).
    has_disproof: bool = True
    #: The span that matched the case best; ``spans`` lists every span that matched it.
    span: MatchSpan
    spans: list[MatchSpan] = Field(default_factory=list)
    why: MatchExplanation = Field(default_factory=MatchExplanation)


class MatchResult(_Model):
    """Everything found in one text: one match per case, best first, and notes. ``article``
    is true for a long text, whose matches passed the article rule (docs/matching.md)."""

    language: str | None = None
    #: Claim-like passages checked: every one in the text (none is left out, however long).
    spans_checked: int = 0
    #: The length of the text checked, all of it (characters).
    characters: int = 0
    article: bool = False
    matches: list[CaseMatch] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    #: The database is outside its calibration's domain (docs/matching.md, "A database like
    #: the calibration's"): nothing is confirmed, and a low score does not rule a case out.
    outside_calibration: bool = False
