"""``disproof alerts add|list|remove|log``: alert rules on sightings, and the webhook log."""

import enum
import json
from typing import Annotated

import typer
from rich.table import Table

from disproof.cli.common import console, open_service
from disproof.render import safe

alerts_app = typer.Typer(
    help=(
        "Alert rules: sightings of a case, narrative, keyword, outlet or source at a band or "
        "above, or surges of a narrative's sightings above its baseline; in an Atom feed and "
        "as signed webhooks (`disproof watch` raises and delivers them)."
    ),
    no_args_is_help=True,
)


class AlertKindChoice(enum.StrEnum):
    case = "case"
    narrative = "narrative"
    keyword = "keyword"
    outlet = "outlet"
    source = "source"
    surge = "surge"


class BandChoice(enum.StrEnum):
    suggested = "suggested"
    confirmed = "confirmed"


def alerts_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A short unique name (letters, digits, . _ -).")],
    kind: Annotated[AlertKindChoice, typer.Argument(help="What the rule watches for.")],
    value: Annotated[
        str,
        typer.Argument(
            help="A case id, narrative id, keyword, outlet (or host) or source name; for a "
            "surge, a narrative id, or nothing for every narrative.",
            show_default=False,
        ),
    ] = "",
    min_band: Annotated[
        BandChoice, typer.Option("--min-band", help="The lowest band that alerts.")
    ] = BandChoice.suggested,
    webhook: Annotated[
        str | None, typer.Option(help="POST each alert here (http/https), signed.")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            help="Signs the webhook bodies (HMAC-SHA256; 16+ characters); needed with --webhook.",
            envvar="DISPROOF_WEBHOOK_SECRET",
        ),
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="Whose Atom feed lists the alerts (a token's name).")
    ] = None,
    window_hours: Annotated[
        int, typer.Option(help="Surge: the window tested, in hours (1-168; aligned to UTC).")
    ] = 24,
    baseline_days: Annotated[
        int, typer.Option(help="Surge: the baseline before the window, in days (1-365).")
    ] = 28,
    alpha: Annotated[
        float, typer.Option(help="Surge: the false discovery rate (Benjamini-Hochberg).")
    ] = 0.05,
    min_count: Annotated[
        int, typer.Option(help="Surge: the fewest sightings in the window that can surge.")
    ] = 5,
) -> None:
    """Add an alert rule."""
    from disproof.history import Actor
    from disproof.watch.models import AlertRuleCreate, SurgeOptions
    from disproof.watch.service import Monitoring

    surge = None
    if kind is AlertKindChoice.surge:
        surge = SurgeOptions(
            window_hours=window_hours,
            baseline_days=baseline_days,
            alpha=alpha,
            min_count=min_count,
        )
    rule = AlertRuleCreate(
        name=name,
        kind=kind.value,
        value=value,
        min_band=min_band.value,
        webhook_url=webhook,
        secret=secret,
        surge=surge,
    )
    who = owner or Actor.command_line().name
    added = Monitoring(open_service(ctx)).add_rule(rule, who)
    what = added.value or "every narrative"
    if added.surge:
        what += f", window {added.surge.window_hours} h against {added.surge.baseline_days} days"
    console.print(safe(f"alert rule {added.name}: {added.kind} = {what} (owner {who})"))


def alerts_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rules as JSON.")] = False,
) -> None:
    """List alert rules (never their secrets)."""
    from disproof.watch.service import Monitoring

    rules = [r.rule for r in Monitoring(open_service(ctx)).alerts.rules()]
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in rules], indent=2))
        return
    table = Table(expand=True)
    for column in ("name", "owner", "kind", "value", "min band", "webhook"):
        table.add_column(column, overflow="fold")
    for r in rules:
        table.add_row(
            safe(r.name),
            safe(r.owner),
            r.kind,
            safe(r.value or ("every narrative" if r.kind == "surge" else "")),
            r.min_band,
            safe(r.webhook_url or "—"),
        )
    console.print(table if rules else "no alert rules")


def alerts_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The rule's name.")]
) -> None:
    """Remove an alert rule and its alerts."""
    from disproof.watch.service import Monitoring

    Monitoring(open_service(ctx)).alerts.remove_rule(name)
    console.print(safe(f"removed {name}"))


def alerts_log(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Newest attempts to list.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the attempts as JSON.")] = False,
) -> None:
    """The webhook delivery log: each attempt, its HTTP status or error, the alert's state."""
    from disproof.watch.service import Monitoring

    rows = Monitoring(open_service(ctx)).alerts.log(limit)
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    table = Table(expand=True)
    for column in ("alert", "rule", "at (UTC)", "status", "error", "state"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["alert_pk"]),
            safe(r["rule"]),
            r["at"].strftime("%Y-%m-%d %H:%M:%S"),
            str(r["status_code"] or "—"),
            safe(r["error"] or "", 200),
            r["delivery"],
        )
    console.print(table if rows else "no webhook attempts yet")
