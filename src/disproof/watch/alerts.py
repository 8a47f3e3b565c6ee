"""Alerts: rules evaluated on new sightings, and signed webhooks with retries.

A rule matches a sighting at or above its band whose case is the rule's (``case``), has the
narrative (``narrative``: one of the case's narratives, by id) or the keyword
(``keyword``: one of the case's keywords, or the word in the item's text; case-insensitive),
or whose source's outlet or item's host is the outlet (``outlet``), or whose source it is
(``source``). Dismissed sightings raise none. Surge rules (a narrative's share of the sightings
above its baseline) are evaluated after them, each round: see :mod:`disproof.watch.surges`.

A webhook is a POST of the alert as JSON, signed: ``X-Disproof-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>.<body>" under the rule's secret>`` (the receiver recomputes it and
refuses stale times, so a captured request cannot be replayed later). A 2xx answer delivers it;
anything else (an error, a timeout, a redirect) is retried with exponential backoff — 30 s,
1 min, 2 min … at most an hour apart — and given up after :data:`MAX_ATTEMPTS`. Every attempt is
in the delivery log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from disproof import __version__
from disproof.store.alerts import AlertRecords, Candidate, Delivery, RuleRow
from disproof.store.surges import SurgeRecords
from disproof.watch.surges import evaluate_surges

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=1)
SIGNATURE_HEADER = "X-Disproof-Signature"
BAND_ORDER = {"none": 0, "suggested": 1, "confirmed": 2}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_after(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    delay: dt.timedelta = FIRST_RETRY * 2 ** min(attempts - 1, 20)
    return min(delay, MAX_RETRY)


@dataclass(frozen=True)
class CaseTerms:
    narratives: frozenset[str]
    keywords: frozenset[str]


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.") if url else ""


def rule_matches(rule: RuleRow, candidate: Candidate, terms: Callable[[str], CaseTerms]) -> bool:
    if BAND_ORDER.get(candidate.band, 0) < BAND_ORDER[rule.rule.min_band]:
        return False
    kind, value = rule.rule.kind, rule.rule.value.casefold()
    if kind == "case":
        return candidate.case_id == rule.rule.value
    if kind == "source":
        return candidate.source == rule.rule.value
    if kind == "outlet":
        outlet = (candidate.outlet or "").casefold()
        return value in (outlet, _host(candidate.url).casefold())
    if kind == "narrative":
        return value in terms(candidate.case_id).narratives
    return value in terms(candidate.case_id).keywords or value in candidate.text.casefold()


class AlertEngine:
    """Evaluates rules on new sightings and delivers webhooks, for one database."""

    def __init__(
        self,
        records: AlertRecords,
        terms: Callable[[str], CaseTerms],
        client: httpx.Client | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.records = records
        self.terms = terms
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(10.0),
            follow_redirects=False,
            headers={"User-Agent": f"disproof/{__version__} (alerts)"},
        )
        self.clock = clock

    def evaluate(self) -> int:
        """Raise the alerts of the sightings recorded since the last evaluation, then those of
        the surge rules in their current windows."""
        raised = 0
        while True:
            candidates = self.records.candidates()
            if not candidates:
                break
            rules = [r for r in self.records.rules() if r.rule.kind != "surge"]
            pairs = [
                (rule, c.pk)
                for c in candidates
                for rule in rules
                if rule_matches(rule, c, self.terms)
            ]
            raised += self.records.raise_alerts(pairs, candidates[-1].pk, self.clock())
        surges = SurgeRecords(self.records.engine)
        return raised + evaluate_surges(surges, self.records.rules(), self.clock())

    def deliver_due(self) -> tuple[int, int]:
        """Attempt every due webhook once: (delivered, failed attempts)."""
        delivered = failed = 0
        for delivery in self.records.due(self.clock()):
            if self._attempt(delivery):
                delivered += 1
            else:
                failed += 1
        return delivered, failed

    def _attempt(self, delivery: Delivery) -> bool:
        body = json.dumps(
            {
                "event": "surge" if delivery.alert.surge else "sighting",
                "alert": delivery.alert.model_dump(mode="json"),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")
        now = self.clock()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(delivery.secret, int(now.timestamp()), body),
            "X-Disproof-Delivery": str(delivery.alert_pk),
        }
        status: int | None = None
        error: str | None = None
        try:
            response = self.client.post(delivery.url, content=body, headers=headers)
            status = response.status_code
            if 200 <= status < 300:
                self.records.attempted(delivery.alert_pk, now, (status, None), "delivered", None)
                return True
            error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts = delivery.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.records.attempted(delivery.alert_pk, now, (status, error), "failed", None)
            logger.warning(
                "alert %d: webhook gave up after %d attempts", delivery.alert_pk, attempts
            )
        else:
            retry = now + retry_after(attempts)
            self.records.attempted(delivery.alert_pk, now, (status, error), "pending", retry)
        return False

    def run_once(self) -> tuple[int, int, int]:
        """Evaluate, then deliver: (alerts raised, delivered, failed attempts)."""
        raised = self.evaluate()
        return (raised, *self.deliver_due())
