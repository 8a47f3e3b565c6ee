"""Alert rules (editor: each their own; admins all) and the alerts they raised (viewer: their
own), also as an Atom feed for a feed reader that can send a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from disproof.api.deps import Editor, ServiceDep, require
from disproof.api.responses import BODY, errors
from disproof.auth import Principal, Role
from disproof.watch.atom import alerts_feed
from disproof.watch.models import Alert, AlertRule, AlertRuleCreate
from disproof.watch.service import Monitoring

router = APIRouter(prefix="/alerts", tags=["monitoring"])

Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Limit = Annotated[int, Query(ge=1, le=500, description="Newest alerts to list.")]


def _owner(principal: Principal) -> str | None:
    """Whose rules a principal sees: admins everyone's, others their own."""
    return None if principal.role.allows(Role.admin) else principal.name


@router.get("/rules", summary="Alert rules (editor: yours; admin: all)", responses=errors(403))
def list_rules(service: ServiceDep, principal: Editor) -> list[AlertRule]:
    return [r.rule for r in Monitoring(service).alerts.rules(_owner(principal))]


@router.post(
    "/rules",
    status_code=status.HTTP_201_CREATED,
    summary="Add an alert rule (editor)",
    responses=errors(403, 409, *BODY),
)
def add_rule(data: AlertRuleCreate, service: ServiceDep, principal: Editor) -> AlertRule:
    """`kind`: case, narrative, keyword, outlet or source; `value` what it must be;
    `min_band`: suggested (default) or confirmed. With `webhook_url` and `secret` (16+
    characters), each alert is POSTed there with `X-Disproof-Signature: t=…,v1=…`
    (HMAC-SHA256 of `"<t>.<body>"`). The rule is yours: its alerts are in your feed."""
    return Monitoring(service).add_rule(data, principal)


@router.delete(
    "/rules/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove an alert rule (editor: yours; admin: any)",
    responses=errors(403, 404),
)
def remove_rule(name: str, service: ServiceDep, principal: Editor) -> None:
    Monitoring(service).alerts.remove_rule(name, _owner(principal))


@router.get("", summary="Your alerts, newest first (viewer)", responses=errors(403))
def list_alerts(service: ServiceDep, principal: Viewer, limit: Limit = 100) -> list[Alert]:
    """The alerts of your rules, each with its sighting and webhook delivery state."""
    return Monitoring(service).alerts.alerts(principal.name, limit)


@router.get(
    "/feed.atom",
    summary="Your alerts as an Atom feed (viewer)",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}, **errors(403)},
)
def alerts_atom(
    request: Request, service: ServiceDep, principal: Viewer, limit: Limit = 100
) -> Response:
    alerts = Monitoring(service).alerts.alerts(principal.name, limit)
    body = alerts_feed(
        alerts,
        f"urn:disproof:alerts:{principal.name}",
        f"disproof alerts for {principal.name}",
        str(request.url),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")
