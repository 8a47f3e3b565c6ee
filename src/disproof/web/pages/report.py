"""Download a checked text's report (HTML or Markdown): what ``disproof report`` writes.

The check result page posts the text back with the chosen format; the text is matched again
(the server keeps no state between the two requests). Signed-in users' posts must carry their
CSRF token; the HTML report is served with its own strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.responses import Response

from disproof.api.budget import run_expensive, text_cost, text_limit
from disproof.api.deps import get_service
from disproof.errors import InvalidInput
from disproof.io.claimreview import case_page_url
from disproof.report import Report, build_report, to_html, to_markdown
from disproof.report.html import content_security_policy
from disproof.web import csrf
from disproof.web.errors import HtmlRoute
from disproof.web.pages.check import MAX_CHARS, TOP_K
from disproof.web.session import require_read

router = APIRouter(route_class=HtmlRoute)

#: Format → (media type, file extension).
FORMATS = {
    "html": ("text/html; charset=utf-8", "html"),
    "markdown": ("text/markdown; charset=utf-8", "md"),
}


def _text(value: object, limit: int) -> str:
    text = value.replace("\r\n", "\n") if isinstance(value, str) else ""
    if not text.strip():
        raise InvalidInput("There is no text to report on. Check a text first.")
    if len(text) > limit:
        raise InvalidInput(f"The text is {len(text):,} characters long; the limit is {limit:,}.")
    return text


def _case_links(request: Request) -> Callable[[str], str | None] | None:
    """How the report links a case: to its page at the configured public address
    (``DISPROOF_PUBLIC_URL``), never at the address the request names — a ``Host`` header is
    the client's to choose, and the file is read elsewhere. Without one, the default of
    ``disproof report``: a case whose id is its own http(s) URL links there, others are named.
    (A relative link would not resolve in a downloaded file.)"""
    base = get_service(request).settings.public_url
    if base is None:
        return None
    return lambda case_id: case_page_url(base, case_id)


def _build(request: Request, text: str) -> Report:
    """The report, with links to the cases (see :func:`_case_links`; off the event loop)."""
    service = get_service(request)
    return build_report(
        service,
        text,
        top_k=TOP_K,
        wait=service.settings.match_wait,
        case_url=_case_links(request),
    )


@router.post("/check/report", name="web_check_report")
async def download_report(request: Request) -> Response:
    require_read(request)
    form = await request.form(max_files=0, max_fields=10, max_part_size=MAX_CHARS * 4 + 1024)
    if csrf.session_token(request) is not None:
        csrf.require_valid(request, form.get(csrf.FIELD))
    fmt = form.get("format")
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise InvalidInput("Choose the HTML or the Markdown report.")
    text = _text(form.get("text"), min(MAX_CHARS, text_limit(request)))
    report = await run_expensive(request, text_cost(text), _build, request, text)
    media_type, extension = FORMATS[fmt]
    body = to_html(report) if fmt == "html" else to_markdown(report)
    name = f"disproof-report-{report.meta.generated_at:%Y%m%d-%H%M%S}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if fmt == "html":
        headers["Content-Security-Policy"] = content_security_policy(header=True)
    return Response(body, media_type=media_type, headers=headers)
