"""The narratives page: the shipped taxonomy as a tree, with how many cases advance each node."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from starlette.responses import Response

from disproof.api.deps import get_service
from disproof.models import Narrative
from disproof.narratives import builtin_taxonomy
from disproof.web.errors import HtmlRoute
from disproof.web.session import require_read
from disproof.web.templating import render

router = APIRouter(route_class=HtmlRoute)


@dataclass
class Node:
    narrative: Narrative
    cases: int
    children: list[Node] = field(default_factory=list)


@router.get("/narratives", name="web_narratives")
def narratives_page(request: Request) -> Response:
    require_read(request)
    service = get_service(request)
    taxonomy = builtin_taxonomy()
    counts = {
        f.value.casefold(): f.count
        for f in service.facets("narrative", limit=max(50, len(taxonomy.narratives)))
    }
    nodes = {n.id: Node(n, counts.get(n.id.casefold(), 0)) for n in taxonomy.narratives}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.narrative.parent or "")
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (-n.cases, n.narrative.name))
    roots.sort(key=lambda n: (-n.cases, n.narrative.name))
    context = {"taxonomy": taxonomy, "roots": roots, "total": service.count()}
    return render(request, "narratives.html", context)
