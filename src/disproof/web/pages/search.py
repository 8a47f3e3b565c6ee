"""Search: free text plus facet filters (with counts for the current results), linkable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from disproof.api.deps import get_service
from disproof.errors import InvalidInput
from disproof.models import MAX_SHORT, CaseQuery
from disproof.normalize import country_name, language_name
from disproof.service import Disproof
from disproof.web.errors import HtmlRoute
from disproof.web.paging import pager
from disproof.web.session import require_read
from disproof.web.templating import render
from disproof.web.urls import page_path

router = APIRouter(route_class=HtmlRoute)

PAGE_SIZE = 20
FACET_SIZE = 10
MAX_PAGE = 5_000

#: Facet groups in page order: (URL parameter, facet kind, heading).
FACETS = (
    ("keyword", "keyword", "Keywords"),
    ("narrative", "narrative", "Narratives"),
    ("country", "country", "Countries"),
    ("language", "language", "Languages"),
    ("outlet", "outlet", "Outlets"),
    ("year", "year", "Year"),
)

Values = Annotated[list[str], Query(max_length=20)]
#: The URL parameter behind each field of the query (to name it in an error page).
PARAMS = {
    "text": "q",
    "keywords": "keyword",
    "countries": "country",
    "languages": "language",
    "outlets": "outlet",
    "narratives": "narrative",
}


@dataclass(frozen=True)
class Choice:
    """A facet value: its label, count, and the URL that adds (or removes) it."""

    param: str
    value: str
    label: str
    count: int
    url: str
    selected: bool = False


@dataclass(frozen=True)
class FacetGroup:
    param: str
    title: str
    choices: list[Choice]


class Filters:
    """The search parameters of the page, and URLs for variations of it."""

    def __init__(self, request: Request, q: str, selected: dict[str, list[str]]) -> None:
        self.request = request
        self.q = q
        self.selected = selected

    def url(self, changes: dict[str, list[str]] | None = None, page: int = 1) -> str:
        params = {"q": [self.q], **self.selected, **(changes or {})}
        if page > 1:
            params["page"] = [str(page)]
        return page_path(self.request, "web_search", params)

    def toggled(self, param: str, value: str) -> str:
        """The URL with ``value`` of ``param`` added, or removed if it is selected (page 1)."""
        values = self.selected.get(param, [])
        if value in values:
            return self.url({param: [v for v in values if v != value]})
        if param == "year":
            return self.url({"year": [value]})
        return self.url({param: [*values, value]})

    def query(self, page: int) -> CaseQuery:
        s = self.selected
        year = int(s["year"][0]) if s.get("year") else None
        try:
            return self._query(s, year, page)
        except ValidationError as exc:  # e.g. a value over 2,000 characters: name the parameter
            problems = dict.fromkeys(
                f"{PARAMS.get(str(e['loc'][0]), str(e['loc'][0])) if e['loc'] else 'search'}: "
                f"{e['msg']}"
                for e in exc.errors()
            )
            raise HTTPException(422, "; ".join(list(problems)[:5])) from None

    def _query(self, s: dict[str, list[str]], year: int | None, page: int) -> CaseQuery:
        return CaseQuery(
            text=self.q,
            keywords=s.get("keyword", []),
            countries=s.get("country", []),
            languages=s.get("language", []),
            outlets=s.get("outlet", []),
            narratives=s.get("narrative", []),
            date_from=dt.date(year, 1, 1) if year else None,
            date_to=dt.date(year, 12, 31) if year else None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )


def label(kind: str, value: str, narratives: dict[str, str]) -> str:
    """How a facet value is shown: names for country and language codes and narrative ids."""
    if kind == "country":
        return country_name(value)
    if kind == "language":
        return language_name(value)
    if kind == "narrative":
        return narratives.get(value, value)
    return value


def facet_groups(service: Disproof, filters: Filters, query: CaseQuery) -> list[FacetGroup]:
    names = service.narrative_names()
    groups: list[FacetGroup] = []
    for param, kind, title in FACETS:
        chosen = filters.selected.get(param, [])
        choices = [
            Choice(
                param,
                f.value,
                label(kind, f.value, names),
                f.count,
                filters.toggled(param, f.value),
                f.value in chosen,
            )
            for f in service.facets(kind, limit=FACET_SIZE, query=query)
        ]
        if choices:
            groups.append(FacetGroup(param, title, choices))
    return groups


def _narratives_named(service: Disproof, narratives: list[str]) -> list[str]:
    """The narrative filter with words that name one narrative ("MH17") as its id; unknown
    values stay as they are (shown as chips of an empty result, as any unknown filter)."""
    if not narratives:
        return narratives
    try:
        return service.check_filters(CaseQuery(narratives=narratives)).narratives
    except InvalidInput:
        return narratives


@router.get("/search", name="web_search")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_SHORT)] = "",
    keyword: Values = [],  # noqa: B006 - FastAPI copies defaults
    country: Values = [],  # noqa: B006
    language: Values = [],  # noqa: B006
    outlet: Values = [],  # noqa: B006
    narrative: Values = [],  # noqa: B006
    year: Annotated[int | None, Query(ge=1, le=9999)] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    require_read(request)
    service = get_service(request)
    clean = {
        "keyword": keyword,
        "country": country,
        "language": language,
        "outlet": outlet,
        "narrative": narrative,
        "year": [str(year)] if year else [],
    }
    selected = {
        k: list(dict.fromkeys(v.strip() for v in vs if v.strip())) for k, vs in clean.items()
    }
    filters = Filters(request, q.strip(), {k: v for k, v in selected.items() if v})
    query = filters.query(page)
    named = _narratives_named(service, query.narratives)
    if named != query.narratives:  # words such as "MH17": the narrative's own URL
        moved = filters.url({"narrative": list(dict.fromkeys(named))}, page)
        return RedirectResponse(moved, status_code=303)
    results = service.search(query)
    names = service.narrative_names()
    chips = [
        Choice(param, value, label(kind, value, names), 0, filters.toggled(param, value), True)
        for param, kind, _ in FACETS
        for value in filters.selected.get(param, [])
    ]
    context = {
        "q": filters.q,
        "results": results,
        "chips": chips,
        "facets": facet_groups(service, filters, query),
        "pager": pager(results.total, page, PAGE_SIZE, lambda n: filters.url(page=n)),
        "clear_url": page_path(request, "web_search", {"q": filters.q}),
        "narrative_names": names,
    }
    return render(request, "search.html", context)
