"""SurgeRecords: what surge rules need of the database — the sightings of each narrative in a
window and in its baseline, and the surge alerts, one per (rule, narrative, window) ever.

A sighting counts in the window its item appeared in (``observed_at``: the publication day of
an item published before the day it was recorded, else when it was recorded). A sighting's
narratives are its case's (the analysts' and the inferred ones, as ``case_terms`` lists them
and the triage page's narrative filter reads them); dismissed sightings, and those under the
rule's band, are not counted. A surge alert is written with a row of ``alert_surges`` whose
(rule, narrative, window start) is unique, in one transaction: raised again after a crash, or
by a second watcher, it is found there and skipped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from disproof.store.alerts import RuleRow
from disproof.store.engine import begin_write
from disproof.store.schema import alert_surges, alerts, case_terms, cases, sightings
from disproof.store.trends import WindowCounts
from disproof.watch.models import Surge

#: When a sighting counts: its item's appearance.
_OBSERVED = sightings.c.observed_at
_BANDS = {"suggested": ("suggested", "confirmed"), "confirmed": ("confirmed",)}


class SurgeRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def _counted(min_band: str, start: dt.datetime, end: dt.datetime) -> list[Any]:
        return [
            sightings.c.status != "dismissed",
            sightings.c.band.in_(_BANDS.get(min_band, _BANDS["suggested"])),
            _OBSERVED >= start,
            _OBSERVED < end,
        ]

    def window_counts(
        self,
        min_band: str,
        baseline_start: dt.datetime,
        window_start: dt.datetime,
        window_end: dt.datetime,
    ) -> tuple[list[WindowCounts], int, int]:
        """Per narrative: its sightings in ``[window_start, window_end)`` and in the baseline
        ``[baseline_start, window_start)``; plus all the sightings of each window."""
        counted = self._counted(min_band, baseline_start, window_end)
        recent = _OBSERVED >= window_start
        per_window = [
            sa.func.count(sa.distinct(sa.case((recent, sightings.c.pk)))),
            sa.func.count(sa.distinct(sa.case((~recent, sightings.c.pk)))),
        ]
        query = (
            sa.select(case_terms.c.value_key, sa.func.min(case_terms.c.value), *per_window)
            .select_from(
                sightings.join(cases, cases.c.id == sightings.c.case_id).join(
                    case_terms, case_terms.c.case_pk == cases.c.pk
                )
            )
            .where(case_terms.c.kind == "narrative", *counted)
            .group_by(case_terms.c.value_key)
        )
        totals = sa.select(
            sa.func.count(sa.case((recent, sightings.c.pk))),
            sa.func.count(sa.case((~recent, sightings.c.pk))),
        ).where(*counted)
        with self.engine.connect() as connection:
            rows = [WindowCounts(k, v, int(r), int(b)) for k, v, r, b in connection.execute(query)]
            recent_total, baseline_total = connection.execute(totals).one()
        return rows, int(recent_total), int(baseline_total)

    def raise_surge(self, rule: RuleRow, surge: Surge, key: str, now: dt.datetime) -> bool:
        """Write the surge alert of ``rule`` for the narrative ``key`` (its value key) in
        ``surge``'s window unless it exists; whether it is new. (Two watchers on PostgreSQL
        may both find it missing: the unique key refuses the second, which wrote nothing.)"""
        try:
            return self._raise(rule, surge, key, now)
        except sa.exc.IntegrityError:
            return False

    def _raise(self, rule: RuleRow, surge: Surge, key: str, now: dt.datetime) -> bool:
        with begin_write(self.engine) as connection:
            exists = connection.execute(
                sa.select(alert_surges.c.alert_pk).where(
                    alert_surges.c.rule_pk == rule.pk,
                    alert_surges.c.narrative == key,
                    alert_surges.c.window_start == surge.window_start,
                )
            ).first()
            if exists is not None:
                return False
            sighting_pk = self._newest_sighting(connection, rule, key, surge)
            if sighting_pk is None:
                return False
            webhook = rule.rule.webhook_url is not None
            inserted = connection.execute(
                sa.insert(alerts).values(
                    rule_pk=rule.pk,
                    sighting_pk=sighting_pk,
                    created_at=now,
                    delivery="pending" if webhook else "none",
                    next_attempt_at=now if webhook else None,
                )
            )
            alert_pk = int(inserted.inserted_primary_key[0])  # type: ignore[index]
            connection.execute(
                sa.insert(alert_surges).values(
                    alert_pk=alert_pk,
                    rule_pk=rule.pk,
                    narrative=key,
                    window_start=surge.window_start,
                    detail=surge.model_dump(mode="json"),
                )
            )
        return True

    def _newest_sighting(
        self, connection: Connection, rule: RuleRow, key: str, surge: Surge
    ) -> int | None:
        """The newest counted sighting of the narrative in the window that no alert of the rule
        points at yet (the alert's sighting: what the webhook and the feed show)."""
        used = sa.select(alerts.c.sighting_pk).where(alerts.c.rule_pk == rule.pk)
        narrative_cases = (
            sa.select(cases.c.id)
            .join(case_terms, case_terms.c.case_pk == cases.c.pk)
            .where(case_terms.c.kind == "narrative", case_terms.c.value_key == key)
        )
        counted = self._counted(rule.rule.min_band, surge.window_start, surge.window_end)
        value = connection.execute(
            sa.select(sightings.c.pk)
            .where(
                *counted,
                sightings.c.case_id.in_(narrative_cases),
                sightings.c.pk.not_in(used),
            )
            .order_by(sightings.c.created_at.desc(), sightings.c.pk.desc())
            .limit(1)
        ).scalar()
        return int(value) if value is not None else None
