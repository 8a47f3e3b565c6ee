"""The Jinja2 environment of the web pages and the one function that renders a page.

Autoescaping is on for every template (whatever its file name); the environment is strict about
undefined names, so a typo fails loudly in tests instead of rendering an empty string.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from disproof.auth import Role
from disproof.excerpts import excerpt
from disproof.normalize import country_name, language_name
from disproof.techniques import shown
from disproof.web import csrf, text
from disproof.web.jinja import strict_environment
from disproof.web.session import principal_of
from disproof.web.urls import case_path, local_path, page_path, query_string, root_path, web_url

TEMPLATES = Path(__file__).parent / "templates"


def _date(value: dt.date | None) -> str:
    """A date as "4 March 2014" ("" for None)."""
    return f"{value.day} {value:%B %Y}" if value else ""


def _number(value: int) -> str:
    return f"{value:,}"


@cache
def environment() -> jinja2.Environment:
    env = strict_environment(TEMPLATES)
    env.filters.update(
        date=_date,
        number=_number,
        country=country_name,
        language=language_name,
        excerpt=excerpt,
        paragraphs=text.paragraphs,
        linkify=text.linkify,
        json_script=text.json_for_script,
    )
    env.globals.update(
        web_url=web_url,
        external_link=text.external_link,
        country_label=country_name,
        language_label=language_name,
        technique_counts=shown.counts,
        technique_passages=shown.passages,
    )
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with ``context`` plus what every page needs (who is signed in, the
    CSRF token for their forms, URL helpers bound to this request)."""
    principal = principal_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in ("GET", "HEAD"):
        here = "/"  # the result of a form post cannot be fetched again after signing in
    page: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "is_editor": principal is not None and principal.role.allows(Role.editor),
        "here": local_path(here),
        "csrf_token": csrf.form_token(request),
        "case_url": lambda case_id, action="": case_path(request, case_id, action),
        "url": lambda name, **params: page_path(request, name, params),
        "query_string": query_string,
        "static": lambda name: f"{root_path(request)}/static/{name}",
    }
    page.update(context or {})
    html = environment().get_template(template).render(page)
    return HTMLResponse(html, status_code=status_code, headers=headers)
