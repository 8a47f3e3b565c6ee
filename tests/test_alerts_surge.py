"""Surge alerts: a narrative whose share of the sightings rose above its baseline alerts once
per window (and again not on the next round, nor after a restart); a flat one never does. The
sightings are written straight into the store with controlled dates."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from disproof.models import Case
from disproof.service import Disproof
from disproof.store.schema import watch_sources
from disproof.store.sightings import NewItem
from disproof.store.surges import SurgeRecords
from disproof.watch.alerts import AlertEngine, CaseTerms
from disproof.watch.atom import alerts_feed
from disproof.watch.models import AlertRuleCreate, SightingQuery, SourceCreate, SurgeOptions
from disproof.watch.service import Monitoring
from disproof.watch.surges import current_window
from tests.conftest import Api
from tests.fakes import add_cases
from tests.test_alerts import SECRET, Receiver, receiver, verify  # noqa: F401

pytestmark = pytest.mark.both_backends

NOW = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
TODAY = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
CASES = [
    Case(id=f"c-{n}", title=f"Case {n}", summary=f"Claim {n}.", narratives=[n])
    for n in ("alpha", "beta", "gamma")
]


class Writer:
    """Writes items with one sighting each, at a given time, into a source of the store."""

    def __init__(self, monitoring: Monitoring, source: str = "feed") -> None:
        self.monitoring = monitoring
        monitoring.add_source(SourceCreate(name=source, kind="jsonl", location="/nowhere"))
        with monitoring.service.store.engine.connect() as connection:
            self.source_pk = connection.execute(
                sa.select(watch_sources.c.pk).where(watch_sources.c.name == source)
            ).scalar_one()
        self.n = 0

    def __call__(
        self,
        case_id: str,
        at: dt.datetime,
        band: str = "confirmed",
        recorded: dt.datetime | None = None,
    ) -> None:
        self.n += 1
        text = f"item {self.n} repeats {case_id}"
        item = NewItem(
            url=f"https://news.example/{self.n}",
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            title=f"Item {self.n}",
            text=text,
            date=at.date(),
            language="en",
            matches=[(case_id, 0, len(text), text, 0.9, band)],
        )
        assert self.monitoring.sightings.record(self.source_pk, item, recorded or at) is not None


@pytest.fixture
def monitoring(service: Disproof) -> Monitoring:
    add_cases(service, *CASES)
    monitoring = Monitoring(service)
    write = Writer(monitoring)
    for day in range(1, 21):  # a flat baseline: one sighting of each narrative a day
        for case in CASES:
            write(case.id, TODAY - dt.timedelta(days=day, hours=-10))
    for minute in range(15):  # today: alpha surges, beta and gamma stay at their rate
        write("c-alpha", TODAY + dt.timedelta(hours=1, minutes=minute))
    write("c-beta", TODAY + dt.timedelta(hours=2))
    write("c-gamma", TODAY + dt.timedelta(hours=3))
    return monitoring


def rule(monitoring: Monitoring, name: str, value: str = "", **extra: object) -> None:
    data: dict[str, object] = {"name": name, "kind": "surge", "value": value}
    monitoring.add_rule(AlertRuleCreate.model_validate(data | extra), "analyst")


def engine_at(monitoring: Monitoring, now: dt.datetime) -> AlertEngine:
    def terms(case_id: str) -> CaseTerms:
        return CaseTerms(frozenset(), frozenset())

    return AlertEngine(monitoring.alerts, terms, clock=lambda: now)


def test_only_the_surging_narrative_alerts_once_per_window(monitoring: Monitoring) -> None:
    rule(monitoring, "any")
    rule(monitoring, "alpha", "Alpha")  # narrative ids are case-insensitive
    rule(monitoring, "beta", "beta")
    rule(monitoring, "strict", "alpha", surge={"alpha": 1e-12})
    engine = engine_at(monitoring, NOW)
    assert engine.evaluate() == 2
    assert engine.evaluate() == 0  # the next round: the same window alerts no more
    alerts = monitoring.alerts.alerts()
    assert sorted(a.rule for a in alerts) == ["alpha", "any"]
    surge = alerts[0].surge
    assert surge is not None and surge.narrative == "alpha"
    assert (surge.recent, surge.recent_total, surge.baseline, surge.baseline_total) == (
        15,
        17,
        20,
        60,
    )
    assert surge.window_start == TODAY and surge.window_end == TODAY + dt.timedelta(days=1)
    assert surge.baseline_start == TODAY - dt.timedelta(days=28)
    assert surge.expected == pytest.approx(
        17 / 3, abs=1e-3
    ) and surge.baseline_share == pytest.approx(1 / 3, abs=1e-6)
    assert surge.p_value < 0.01 and surge.p_value <= surge.q_value < 0.05
    assert {a.sighting.case_id for a in alerts} == {"c-alpha"}
    # a restart (a new engine over the same database) raises nothing again
    reopened = Monitoring(Disproof.open(monitoring.service.settings))
    assert engine_at(reopened, NOW + dt.timedelta(hours=1)).evaluate() == 0
    assert len(reopened.alerts.alerts()) == 2


def test_the_next_window_alerts_again_only_if_it_surges(monitoring: Monitoring) -> None:
    rule(monitoring, "any")
    assert engine_at(monitoring, NOW).evaluate() == 1
    tomorrow = TODAY + dt.timedelta(days=1)
    write = Writer(monitoring, "another")
    for case in CASES:  # a flat day
        for hour in range(3):
            write(case.id, tomorrow + dt.timedelta(hours=hour))
    assert engine_at(monitoring, tomorrow + dt.timedelta(hours=12)).evaluate() == 0
    for minute in range(12):  # beta surges the day after
        write("c-beta", tomorrow + dt.timedelta(hours=4, minutes=minute))
    assert engine_at(monitoring, tomorrow + dt.timedelta(hours=12)).evaluate() == 1
    assert [a.surge.narrative for a in monitoring.alerts.alerts() if a.surge] == ["beta", "alpha"]


def test_lower_band_and_dismissed_sightings_do_not_count(service: Disproof) -> None:
    add_cases(service, *CASES)
    monitoring = Monitoring(service)
    write = Writer(monitoring)
    for day in range(1, 8):
        for case in CASES:
            write(case.id, TODAY - dt.timedelta(days=day))
    for minute in range(10):
        write("c-alpha", TODAY + dt.timedelta(minutes=minute), band="suggested")
    rule(monitoring, "confirmed-only", min_band="confirmed")
    assert engine_at(monitoring, NOW).evaluate() == 0
    rule(monitoring, "suggested-too")
    assert engine_at(monitoring, NOW).evaluate() == 1
    # dismissed sightings are not counted: an analyst's "not a repeat" is no surge
    records = SurgeRecords(service.store.engine)
    window = (TODAY - dt.timedelta(days=28), TODAY, TODAY + dt.timedelta(days=1))
    page = monitoring.queue(SightingQuery(case_id="c-alpha", band="suggested"))
    for sighting in page.results[:4]:
        monitoring.sightings.decide(sighting.id, "dismissed", "analyst", NOW)
    rows, recent_total, _ = records.window_counts("suggested", *window)
    assert [r.recent for r in rows if r.key == "alpha"] == [6] and recent_total == 6


def test_a_backlog_counts_on_its_publication_days_not_as_todays_news(service: Disproof) -> None:
    """A source added today whose first poll brings two weeks of one narrative's items: they
    count on the days they were published, so they raise no surge today."""
    add_cases(service, *CASES)
    monitoring = Monitoring(service)
    write = Writer(monitoring)
    for day in range(1, 21):
        for case in CASES:
            write(case.id, TODAY - dt.timedelta(days=day, hours=-10))
    backlog = Writer(monitoring, "new-outlet")
    for day in range(1, 15):  # published over the last two weeks, all recorded at NOW
        backlog("c-alpha", TODAY - dt.timedelta(days=day), recorded=NOW)
    rule(monitoring, "any")
    assert engine_at(monitoring, NOW).evaluate() == 0
    records = SurgeRecords(service.store.engine)
    window = (TODAY - dt.timedelta(days=28), TODAY, TODAY + dt.timedelta(days=1))
    rows, recent_total, baseline_total = records.window_counts("suggested", *window)
    assert (recent_total, baseline_total) == (0, 60 + 14)
    # an item dated today (or later: a wrong clock) counts when it was recorded
    backlog("c-alpha", NOW + dt.timedelta(days=3), recorded=NOW)
    assert records.window_counts("suggested", *window)[1] == 1


def test_no_history_no_surge(service: Disproof) -> None:
    add_cases(service, *CASES)
    monitoring = Monitoring(service)
    write = Writer(monitoring)
    for minute in range(20):  # a new watch: everything is today's
        write("c-alpha", TODAY + dt.timedelta(minutes=minute))
    rule(monitoring, "any")
    assert engine_at(monitoring, NOW).evaluate() == 0


def test_windows_are_aligned_to_utc() -> None:
    start, end = current_window(dt.datetime(2026, 3, 10, 13, 5, tzinfo=dt.UTC), 6)
    assert (start, end) == (
        dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
        start + dt.timedelta(hours=6),
    )
    paris = dt.timezone(dt.timedelta(hours=1))
    assert current_window(dt.datetime(2026, 3, 10, 0, 30, tzinfo=paris), 24)[0] == dt.datetime(
        2026, 3, 9, tzinfo=dt.UTC
    )


def test_surge_rules_are_validated() -> None:
    assert AlertRuleCreate(name="s", kind="surge").surge == SurgeOptions()
    with pytest.raises(ValueError, match="needs a value"):
        AlertRuleCreate(name="c", kind="case")
    with pytest.raises(ValueError, match="surge rules only"):
        AlertRuleCreate(name="c", kind="case", value="x", surge=SurgeOptions())
    with pytest.raises(ValueError):
        SurgeOptions(window_hours=0)


def test_surge_webhook_and_atom_say_the_counts_and_the_test(
    monitoring: Monitoring,
    receiver: tuple[Receiver, str],  # noqa: F811
) -> None:
    state, url = receiver
    state.received.clear()
    rule(monitoring, "hook", "alpha", webhook_url=url, secret=SECRET)
    assert engine_at(monitoring, NOW).run_once() == (1, 1, 0)
    [(headers, body)] = state.received
    assert verify(headers, body)
    payload = json.loads(body)
    assert payload["event"] == "surge"
    assert payload["alert"]["surge"]["recent"] == 15
    assert payload["alert"]["surge"]["q_value"] < 0.05
    feed = ET.fromstring(alerts_feed(monitoring.alerts.alerts(), "urn:x", "t", "http://x/"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = feed.findall("a:entry", ns)
    assert (entry.findtext("a:title", namespaces=ns) or "").startswith("surge: alpha")
    summary = entry.findtext("a:summary", namespaces=ns) or ""
    assert "15 of the 17 sightings" in summary and "q = " in summary


def test_surge_rules_over_the_api_and_the_command_line(
    api: Api, cli: Callable[..., object]
) -> None:
    body = {"name": "s", "kind": "surge", "surge": {"window_hours": 6, "baseline_days": 14}}
    made = api.client.post("/api/v1/alerts/rules", json=body, headers=api.auth("editor"))
    assert made.status_code == 201, made.text
    assert made.json()["surge"]["window_hours"] == 6 and made.json()["value"] == ""
    bad = api.client.post(
        "/api/v1/alerts/rules",
        json={"name": "k", "kind": "keyword"},
        headers=api.auth("editor"),
    )
    assert bad.status_code == 422
    added = cli("alerts", "add", "all-surges", "surge", "--window-hours", "12")
    assert added.code == 0 and "every narrative, window 12 h against 28 days" in added.out  # type: ignore[attr-defined]
    listed = json.loads(cli("alerts", "list", "--json").out)  # type: ignore[attr-defined]
    assert [r["surge"]["window_hours"] for r in listed if r["name"] == "all-surges"] == [12]
