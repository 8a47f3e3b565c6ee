"""Check: paste a text or upload a .txt file; see which known cases it repeats, highlighted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from disproof.api.budget import run_expensive, text_cost, text_limit
from disproof.api.deps import get_matcher, get_service
from disproof.errors import CaseNotFound, DisproofError
from disproof.models import Case, CaseMatch, MatchResult
from disproof.report.wording import ACROSS_INTRO, OUTSIDE_INTRO
from disproof.service import Disproof
from disproof.techniques.loaded import loaded_model
from disproof.techniques.shown import NOTE, ShownSpan, SpanLike, shown_spans
from disproof.web.errors import HtmlRoute
from disproof.web.marks import Piece, pieces
from disproof.web.session import require_read
from disproof.web.templating import render
from disproof.web.text import Highlight, Segment, segments

router = APIRouter(route_class=HtmlRoute)

#: Longest text checked at once (characters; less without a token: ``max_text_anonymous``),
#: and largest upload (bytes).
MAX_CHARS = 50_000
MAX_UPLOAD = 256 * 1024
#: Candidates per claim-like span.
TOP_K = 5
#: Most case cards on one result page.
MAX_CARDS = 60


@dataclass
class Card:
    """One match as a card: the match, the case behind it and its place on the page."""

    number: int
    match: CaseMatch
    case: Case | None
    mark: int | None = None  # the highlighted span that links here


@dataclass
class CheckPage:
    text: str
    result: MatchResult
    segments: list[Segment]
    cards: list[Card]
    nearest: list[Card] = field(default_factory=list)
    #: Persuasion-technique spans (model output) and the text cut by both kinds of marks.
    techniques: list[ShownSpan] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    #: Why techniques are not shown (no model could be loaded), None when they are.
    techniques_missing: str | None = None
    technique_note: str = NOTE


@router.get("/", name="web_check")
def check_form(request: Request) -> Response:
    require_read(request)
    return render(request, "check.html", _form_context(request, "", None))


def _form_context(request: Request, text: str, error: str | None) -> dict[str, object]:
    return {
        "text": text,
        "error": error,
        "max_chars": min(MAX_CHARS, text_limit(request)),
        "max_upload_kb": MAX_UPLOAD // 1024,
    }


class TooLarge(ValueError):
    """An upload over :data:`MAX_UPLOAD` (answered with 413)."""


async def _read_upload(upload: UploadFile) -> str:
    """The text of an uploaded .txt file; ValueError with a message for the user otherwise."""
    name = upload.filename or ""
    if not name.lower().endswith(".txt") and upload.content_type not in ("text/plain", None):
        raise ValueError("Upload a plain text file (.txt).")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise TooLarge(f"The file is larger than {MAX_UPLOAD // 1024} KB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("The file is not UTF-8 text.") from None


@router.post("/check", name="web_check_post")
async def check(request: Request) -> Response:
    require_read(request)
    form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_CHARS * 4 + 1024)
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    error: str | None = None
    status = 400
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            text = await _read_upload(upload)
        except TooLarge as exc:
            error, status = str(exc), 413
        except ValueError as exc:
            error = str(exc)
    text = text.replace("\r\n", "\n")
    limit = min(MAX_CHARS, text_limit(request))
    if not error and not text.strip():
        error = "Paste a text or choose a .txt file to check."
    elif not error and len(text) > limit:
        error = f"The text is {len(text):,} characters long; the limit is {limit:,}."
        status = 413
    if error:
        return render(
            request, "check.html", _form_context(request, text[:limit], error), status_code=status
        )
    page = await run_expensive(request, text_cost(text), _check, request, text)
    context = {"page": page, "outside_intro": OUTSIDE_INTRO, "across_intro": ACROSS_INTRO}
    return render(request, "check_result.html", {**context, **_form_context(request, "", None)})


def _check(request: Request, text: str) -> CheckPage:
    """Match ``text`` (building the shared matcher on first use: seconds) off the event loop."""
    result = get_matcher(request).match(text, top_k=TOP_K)
    service = get_service(request)
    page = build_page(service, text, result)
    try:
        found = loaded_model(service.settings).detector.detect(text)
    except DisproofError as exc:  # no model in this install, a model this install cannot read
        page.techniques_missing = str(exc)
        found = []
    return with_techniques(page, found)


def with_techniques(page: CheckPage, found: Sequence[SpanLike]) -> CheckPage:
    """``page`` with technique spans ``found`` in its text, marked beside the claims."""
    page.techniques = shown_spans(page.text, found)
    page.pieces = pieces(page.text, page.segments, page.techniques)
    return page


def build_page(service: Disproof, text: str, result: MatchResult) -> CheckPage:
    """One card per matched case, best first, and a highlight on every span that matched a
    case, linking its mark to the best card of that span."""
    found = [m for m in result.matches if m.band != "none"][:MAX_CARDS]
    cases: dict[str, Case | None] = {}
    for match in result.matches[: MAX_CARDS * 2]:
        if match.case_id not in cases:
            try:
                cases[match.case_id] = service.get(match.case_id)
            except CaseNotFound:  # deleted since the index was built
                cases[match.case_id] = None
    cards = [Card(i, m, cases.get(m.case_id)) for i, m in enumerate(found, 1)]
    first_card: dict[tuple[int, int], Card] = {}
    for card in cards:
        for span in card.match.spans or [card.match.span]:
            first_card.setdefault((span.start, span.end), card)
    highlights = [
        Highlight(start, end, card.number, card.match.band)
        for (start, end), card in sorted(first_card.items())
    ]
    parts = segments(text, highlights)
    mark_of: dict[int, int] = {}  # card → its first highlighted passage
    for part in parts:
        if part.mark is not None and part.card is not None:
            mark_of.setdefault(part.card, part.mark)
    for card in cards:
        card.mark = mark_of.get(card.number)
    nearest: list[Card] = []
    if not cards:
        others = [m for m in result.matches if m.band == "none"][:TOP_K]
        nearest = [Card(i, m, cases.get(m.case_id)) for i, m in enumerate(others, 1)]
    page = CheckPage(text, result, parts, cards, nearest)
    page.pieces = pieces(text, parts, [])
    return page
