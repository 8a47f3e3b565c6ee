"""AlertRecords: alert rules, the alerts they raise (one per rule and sighting) with their
webhook delivery state, and the delivery log. Which sightings were evaluated is kept as a
watermark (the last sighting pk) in ``store_meta``, advanced in the transaction that writes
their alerts: after a crash they are evaluated again, and the unique (rule, sighting) pair
keeps every alert single."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from disproof.errors import ConflictError, NotFound
from disproof.store.engine import begin_write
from disproof.store.schema import (
    alert_deliveries,
    alert_rules,
    alert_surges,
    alerts,
    sightings,
    store_meta,
    watch_items,
    watch_sources,
)
from disproof.store.sightings import sighting_of, sighting_select
from disproof.store.times import utc
from disproof.watch.models import Alert, AlertRule, AlertRuleCreate, Surge, SurgeOptions

WATERMARK = "alerts_evaluated_through"


@dataclass(frozen=True)
class RuleRow:
    pk: int
    rule: AlertRule
    secret: str | None


@dataclass(frozen=True)
class Candidate:
    """A sighting to evaluate the rules on."""

    pk: int
    case_id: str
    band: str
    source: str
    outlet: str | None
    url: str | None
    text: str


@dataclass(frozen=True)
class Delivery:
    """An alert due for a webhook attempt."""

    alert_pk: int
    attempts: int
    url: str
    secret: str
    alert: Alert


def _rule(row: sa.Row[Any]) -> RuleRow:
    rule = AlertRule(
        name=row.name,
        owner=row.owner,
        kind=row.kind,
        value=row.value,
        min_band=row.min_band,
        webhook_url=row.webhook_url,
        has_secret=bool(row.secret),
        created_at=utc(row.created_at),
        surge=SurgeOptions.model_validate(row.options) if row.options else None,
    )
    return RuleRow(int(row.pk), rule, row.secret)


def _alert_select() -> sa.Select[Any]:
    return (
        sighting_select()
        .add_columns(
            alerts.c.pk.label("alert_pk"),
            alerts.c.created_at.label("alerted_at"),
            alerts.c.delivery,
            alerts.c.attempts,
            alert_rules.c.name.label("rule"),
            alert_rules.c.webhook_url,
            alert_rules.c.secret,
            alert_surges.c.detail.label("surge"),
        )
        .join(alerts, alerts.c.sighting_pk == sightings.c.pk)
        .join(alert_rules, alert_rules.c.pk == alerts.c.rule_pk)
        .outerjoin(alert_surges, alert_surges.c.alert_pk == alerts.c.pk)
    )


def _alert(row: sa.Row[Any]) -> Alert:
    return Alert(
        id=row.alert_pk,
        rule=row.rule,
        created_at=utc(row.alerted_at),
        delivery=row.delivery,
        attempts=row.attempts,
        sighting=sighting_of(row),
        surge=Surge.model_validate(row.surge) if row.surge else None,
    )


class AlertRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- rules -----------------------------------------------------------------------------------

    def add_rule(self, rule: AlertRuleCreate, owner: str, now: dt.datetime) -> AlertRule:
        with begin_write(self.engine) as connection:
            taken = connection.execute(
                sa.select(alert_rules.c.pk).where(alert_rules.c.name == rule.name)
            ).first()
            if taken is not None:
                raise ConflictError(f"an alert rule named {rule.name!r} exists already")
            options = rule.surge.model_dump() if rule.surge else None
            values = rule.model_dump(exclude={"surge"}) | {
                "owner": owner,
                "created_at": now,
                "options": options,
            }
            connection.execute(sa.insert(alert_rules).values(**values))
        return next(r.rule for r in self.rules() if r.rule.name == rule.name)

    def remove_rule(self, name: str, owner: str | None = None) -> None:
        """Remove a rule (only its owner's, when ``owner`` is given) with its alerts."""
        condition = alert_rules.c.name == name
        if owner is not None:
            condition = sa.and_(condition, alert_rules.c.owner == owner)
        with begin_write(self.engine) as connection:
            result = connection.execute(sa.delete(alert_rules).where(condition))
        if result.rowcount == 0:
            raise NotFound(f"no alert rule named {name!r}" + (" of yours" if owner else ""))

    def rules(self, owner: str | None = None) -> list[RuleRow]:
        """Every rule (``owner``'s, when given), by name."""
        query = sa.select(alert_rules).order_by(alert_rules.c.name)
        if owner is not None:
            query = query.where(alert_rules.c.owner == owner)
        with self.engine.connect() as connection:
            return [_rule(row) for row in connection.execute(query)]

    # -- evaluation ------------------------------------------------------------------------------

    def candidates(self, limit: int = 500) -> list[Candidate]:
        """Sightings not evaluated yet (after the watermark), oldest first."""
        with self.engine.connect() as connection:
            after = self._watermark(connection)
            rows = connection.execute(
                sa.select(
                    sightings.c.pk,
                    sightings.c.case_id,
                    sightings.c.band,
                    watch_sources.c.name,
                    watch_sources.c.outlet,
                    watch_items.c.url,
                    watch_items.c.text,
                )
                .join(watch_items, watch_items.c.pk == sightings.c.item_pk)
                .join(watch_sources, watch_sources.c.pk == watch_items.c.source_pk)
                .where(sightings.c.pk > after, sightings.c.status != "dismissed")
                .order_by(sightings.c.pk)
                .limit(limit)
            ).all()
        return [Candidate(*row) for row in rows]

    @staticmethod
    def _watermark(connection: Connection) -> int:
        value = connection.execute(
            sa.select(store_meta.c.value).where(store_meta.c.key == WATERMARK)
        ).scalar()
        return int(value) if value else 0

    def raise_alerts(
        self,
        pairs: Sequence[tuple[RuleRow, int]],
        through: int,
        now: dt.datetime,
    ) -> int:
        """Write an alert per (rule, sighting pk) not written yet, and move the watermark to
        ``through``, in one transaction; returns how many alerts are new."""
        written = 0
        with begin_write(self.engine) as connection:
            for row, sighting_pk in pairs:
                exists = connection.execute(
                    sa.select(alerts.c.pk).where(
                        alerts.c.rule_pk == row.pk, alerts.c.sighting_pk == sighting_pk
                    )
                ).first()
                if exists is not None:
                    continue
                webhook = row.rule.webhook_url is not None
                connection.execute(
                    sa.insert(alerts).values(
                        rule_pk=row.pk,
                        sighting_pk=sighting_pk,
                        created_at=now,
                        delivery="pending" if webhook else "none",
                        next_attempt_at=now if webhook else None,
                    )
                )
                written += 1
            self._move_watermark(connection, through)
        return written

    @staticmethod
    def _move_watermark(connection: Connection, through: int) -> None:
        updated = connection.execute(
            sa.update(store_meta).where(store_meta.c.key == WATERMARK).values(value=str(through))
        )
        if updated.rowcount == 0:
            connection.execute(sa.insert(store_meta).values(key=WATERMARK, value=str(through)))

    # -- delivery --------------------------------------------------------------------------------

    def due(self, now: dt.datetime, limit: int = 100) -> list[Delivery]:
        query = (
            _alert_select()
            .where(alerts.c.delivery == "pending", alerts.c.next_attempt_at <= now)
            .order_by(alerts.c.next_attempt_at, alerts.c.pk)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            Delivery(int(r.alert_pk), int(r.attempts), r.webhook_url, r.secret or "", _alert(r))
            for r in rows
            if r.webhook_url
        ]

    def attempted(
        self,
        alert_pk: int,
        now: dt.datetime,
        outcome: tuple[int | None, str | None],
        state: str,
        next_attempt: dt.datetime | None,
    ) -> None:
        """Log one attempt (its HTTP status or error) and the alert's new delivery state."""
        status_code, error = outcome
        with begin_write(self.engine) as connection:
            connection.execute(
                sa.insert(alert_deliveries).values(
                    alert_pk=alert_pk,
                    at=now,
                    status_code=status_code,
                    error=error[:2000] if error else None,
                )
            )
            connection.execute(
                sa.update(alerts)
                .where(alerts.c.pk == alert_pk)
                .values(
                    delivery=state, attempts=alerts.c.attempts + 1, next_attempt_at=next_attempt
                )
            )

    # -- reading ---------------------------------------------------------------------------------

    def alerts(self, owner: str | None = None, limit: int = 100) -> list[Alert]:
        """The newest alerts (of ``owner``'s rules, when given)."""
        query = _alert_select().order_by(alerts.c.created_at.desc(), alerts.c.pk.desc())
        if owner is not None:
            query = query.where(alert_rules.c.owner == owner)
        with self.engine.connect() as connection:
            return [_alert(r) for r in connection.execute(query.limit(limit))]

    def log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest webhook attempts: alert, rule, when, HTTP status or error."""
        query = (
            sa.select(
                alert_deliveries.c.alert_pk,
                alert_rules.c.name.label("rule"),
                alert_deliveries.c.at,
                alert_deliveries.c.status_code,
                alert_deliveries.c.error,
                alerts.c.delivery,
            )
            .join(alerts, alerts.c.pk == alert_deliveries.c.alert_pk)
            .join(alert_rules, alert_rules.c.pk == alerts.c.rule_pk)
            .order_by(alert_deliveries.c.pk.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [dict(r._mapping) | {"at": utc(r.at)} for r in connection.execute(query)]
