"""Monitoring's use cases, over the core service: sources (add, list, remove), polling, and
triage — the queue of sightings, *add as appearance* (through the case editor: versioned and
in the case's history) and *dismiss* (remembered). The CLI, the API and the pages call these."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from disproof.errors import CaseNotFound, ConflictError
from disproof.history import Actor
from disproof.models import Appearance, CaseUpdate
from disproof.store.sightings import SightingRecords
from disproof.store.sources import SourceRecords
from disproof.watch.models import (
    AlertRule,
    AlertRuleCreate,
    Sighting,
    SightingPage,
    SightingQuery,
    SourceCreate,
    WatchedSource,
)

if TYPE_CHECKING:
    from disproof.models import MatchResult
    from disproof.service import Author, Disproof
    from disproof.sources import HttpFetcher
    from disproof.store.alerts import AlertRecords
    from disproof.watch.alerts import AlertEngine
    from disproof.watch.poll import Poller


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Monitoring:
    """Watched sources and their sightings in ``service``'s database."""

    def __init__(self, service: Disproof) -> None:
        self.service = service
        self.sources = SourceRecords(service.store.engine)
        self.sightings = SightingRecords(service.store.engine)

    # -- sources ---------------------------------------------------------------------------------

    def add_source(self, source: SourceCreate) -> WatchedSource:
        return self.sources.add(source, _now())

    def remove_source(self, name: str) -> None:
        self.sources.remove(name)

    def list_sources(self) -> list[WatchedSource]:
        return self.sources.all()

    # -- watching --------------------------------------------------------------------------------

    def poller(self, fetcher: HttpFetcher | None = None) -> Poller:
        """A poller matching with the service's shared matcher (built on first use)."""
        from disproof.watch.poll import TOP_K, Poller

        def match(texts: list[str]) -> list[MatchResult]:
            matcher = self.service.matchers.get()
            return matcher.match_many(texts, top_k=TOP_K, min_band="suggested")

        return Poller(self.sources, self.sightings, match, fetcher)

    # -- alerts ----------------------------------------------------------------------------------

    @cached_property
    def alerts(self) -> AlertRecords:
        from disproof.store.alerts import AlertRecords

        return AlertRecords(self.service.store.engine)

    def add_rule(self, rule: AlertRuleCreate, owner: Author) -> AlertRule:
        return self.alerts.add_rule(rule, Actor.of(owner).name, _now())

    def alert_engine(self) -> AlertEngine:
        """Evaluates the rules on new sightings and delivers the webhooks."""
        from disproof.watch.alerts import AlertEngine, CaseTerms

        def terms(case_id: str) -> CaseTerms:
            try:
                case = self.service.get(case_id)
            except CaseNotFound:
                return CaseTerms(frozenset(), frozenset())
            return CaseTerms(
                frozenset(n.casefold() for n in case.narratives),
                frozenset(k.casefold() for k in case.keywords),
            )

        return AlertEngine(self.alerts, terms)

    # -- triage ----------------------------------------------------------------------------------

    def queue(self, query: SightingQuery) -> SightingPage:
        return self.sightings.page(query)

    def sighting(self, sighting_id: int) -> Sighting:
        return self.sightings.get(sighting_id).sighting

    def dismiss(self, sighting_id: int, author: Author) -> Sighting:
        """Dismiss a sighting: the same item (by content or URL) never comes back for its case."""
        self._undecided(sighting_id)
        return self.sightings.decide(sighting_id, "dismissed", Actor.of(author).name, _now())

    def add_as_appearance(
        self, sighting_id: int, author: Author, expected_version: int | None = None
    ) -> Sighting:
        """Add the sighting's item to its case's appearances (outlet, URL, date, language) as
        an edit of the case — a new version, in its history; with ``expected_version``, a case
        changed since is refused. An item already among the appearances is not added twice."""
        sighting = self._undecided(sighting_id)
        case = self.service.get_public(sighting.case_id)
        appearance = Appearance(
            outlet=sighting.outlet or _host(sighting.url) or sighting.source,
            url=sighting.url,
            date=sighting.date,
            language=sighting.language,
        )
        if appearance.key() not in {a.key() for a in case.appearances}:
            update = CaseUpdate(appearances=[*case.appearances, appearance])
            version = expected_version if expected_version is not None else case.version
            self.service.update_case(case.id, update, author, version)
        return self.sightings.decide(sighting_id, "added", Actor.of(author).name, _now())

    def _undecided(self, sighting_id: int) -> Sighting:
        sighting = self.sighting(sighting_id)
        if sighting.status != "new":
            raise ConflictError(f"sighting {sighting_id} was {sighting.status} already")
        return sighting


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None
