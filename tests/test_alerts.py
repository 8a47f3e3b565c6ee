"""Alerts: rules on new sightings, signed webhooks to a real receiver on 127.0.0.1 (retries with
backoff, a delivery log, giving up), each alert raised once, and the Atom feed per user."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from disproof.models import Case
from disproof.service import Disproof
from disproof.watch.alerts import MAX_ATTEMPTS, SIGNATURE_HEADER, retry_after
from disproof.watch.models import AlertRuleCreate, SourceCreate
from disproof.watch.service import Monitoring
from tests.conftest import Api
from tests.fakes import add_cases
from tests.test_watch import CLAIM, LABS, VACCINE

pytestmark = pytest.mark.both_backends

SECRET = "s3cret-s3cret-s3cret"
NATO = Case(
    id="nato",
    title="NATO prepares an attack on Belarus",
    summary="NATO troops gather on the border to attack Belarus next month.",
    keywords=["NATO", "Belarus"],
    narratives=["western-aggression"],
)


class Receiver:
    """A webhook receiver: records each POST; answers ``fail`` times with 500 first."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail = 0
        self.lock = threading.Lock()


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                failing = state.fail > 0
                state.fail -= failing
                state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(500 if failing else 204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def monitoring(service: Disproof, fake_matching: object, tmp_path: Path) -> Monitoring:
    add_cases(service, LABS, VACCINE, NATO)
    drop = tmp_path / "drop.jsonl"
    rows = [
        {"id": "1", "text": CLAIM, "url": "https://www.daily.example/1"},
        {"id": "2", "text": VACCINE.summary, "url": "https://other.example/2"},
        {"id": "3", "text": NATO.summary, "url": "https://other.example/3"},
    ]
    drop.write_text("\n".join(json.dumps(r) for r in rows))
    monitoring = Monitoring(service)
    monitoring.add_source(SourceCreate(name="drop", kind="jsonl", location=str(drop)))
    return monitoring


def rule(monitoring: Monitoring, name: str, kind: str, value: str, **extra: object) -> None:
    data: dict[str, object] = {"name": name, "kind": kind, "value": value}
    monitoring.add_rule(AlertRuleCreate.model_validate(data | extra), "analyst")


def verify(headers: dict[str, str], body: bytes) -> bool:
    fields = dict(part.split("=", 1) for part in headers[SIGNATURE_HEADER.lower()].split(","))
    expected = hmac.new(
        SECRET.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_rules_pick_their_sightings_once(monitoring: Monitoring) -> None:
    rule(monitoring, "by-case", "case", "labs")
    rule(monitoring, "by-keyword", "keyword", "belarus")
    rule(monitoring, "by-word", "keyword", "microchips")  # in the item's text
    rule(monitoring, "by-outlet", "outlet", "daily.example")
    rule(monitoring, "by-source", "source", "drop", min_band="confirmed")
    rule(monitoring, "by-narrative", "narrative", "western-aggression")
    rule(monitoring, "nothing", "case", "vaccine-not-here")
    monitoring.poller().poll_due()
    engine = monitoring.alert_engine()
    assert engine.evaluate() > 0
    assert engine.evaluate() == 0  # evaluated once
    alerts = monitoring.alerts.alerts()
    picked = {(a.rule, a.sighting.case_id) for a in alerts}
    confirmed = {a.sighting.case_id for a in alerts if a.sighting.band == "confirmed"}
    assert {("by-case", "labs"), ("by-keyword", "nato"), ("by-word", "vaccine")} <= picked
    assert {("by-outlet", "labs"), ("by-narrative", "nato")} <= picked
    assert {c for r, c in picked if r == "by-source"} == confirmed
    assert not [a for a in alerts if a.rule == "nothing"]
    assert all(a.delivery == "none" for a in alerts)  # no webhook
    # the watermark lost (a crash before it moved): evaluated again, no alert doubled
    from disproof.store.schema import store_meta

    with monitoring.service.store.engine.begin() as connection:
        connection.execute(store_meta.delete())
    assert engine.evaluate() == 0
    assert len(monitoring.alerts.alerts()) == len(alerts)


def test_webhooks_are_signed_retried_with_backoff_and_logged(
    monitoring: Monitoring, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    state.received.clear()
    rule(monitoring, "hook", "case", "labs", webhook_url=url, secret=SECRET)
    monitoring.poller().poll_due()
    now = [dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)]
    engine = monitoring.alert_engine()
    engine.clock = lambda: now[0]
    state.fail = 2
    assert engine.run_once() == (1, 0, 1)
    assert engine.deliver_due() == (0, 0)  # not due again yet
    now[0] += retry_after(1)
    assert engine.deliver_due() == (0, 1)
    now[0] += retry_after(2)
    assert engine.deliver_due() == (1, 0)
    assert len(state.received) == 3
    headers, body = state.received[-1]
    assert verify(headers, body) and headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "sighting"
    assert payload["alert"]["sighting"]["case_id"] == "labs"
    assert payload["alert"]["rule"] == "hook"
    log = monitoring.alerts.log()
    assert [(r["status_code"], r["error"]) for r in log] == [
        (204, None),
        (500, "HTTP 500"),
        (500, "HTTP 500"),
    ]
    [alert] = monitoring.alerts.alerts()
    assert (alert.delivery, alert.attempts) == ("delivered", 3)
    assert retry_after(1) == dt.timedelta(seconds=30) and retry_after(30) == dt.timedelta(hours=1)


def test_an_unreachable_webhook_is_given_up_after_the_last_attempt(
    monitoring: Monitoring,
) -> None:
    rule(monitoring, "dead", "case", "labs", webhook_url="http://127.0.0.1:9/x", secret=SECRET)
    monitoring.poller().poll_due()
    now = [dt.datetime(2026, 12, 1, tzinfo=dt.UTC)]
    engine = monitoring.alert_engine()
    engine.clock = lambda: now[0]
    engine.evaluate()
    for _ in range(MAX_ATTEMPTS):
        assert engine.deliver_due() == (0, 1)
        now[0] += dt.timedelta(hours=2)
    assert engine.deliver_due() == (0, 0)
    [alert] = monitoring.alerts.alerts()
    assert (alert.delivery, alert.attempts) == ("failed", MAX_ATTEMPTS)
    assert "ConnectError" in (monitoring.alerts.log()[0]["error"] or "")


def test_a_webhook_needs_an_http_url_and_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        AlertRuleCreate(name="x", kind="case", value="a", webhook_url="https://h.example/")
    with pytest.raises(ValueError, match="http"):
        AlertRuleCreate(
            name="x", kind="case", value="a", webhook_url="file:///etc/passwd", secret=SECRET
        )


def test_rules_and_the_atom_feed_over_the_api(api: Api, tmp_path: Path) -> None:
    add_cases(api.service, LABS)
    drop = tmp_path / "d.jsonl"
    hostile = "<script>alert(1)</script> & ]]>"
    drop.write_text(json.dumps({"id": "1", "text": f"{CLAIM} {hostile}", "title": hostile}))
    monitoring = Monitoring(api.service)
    monitoring.add_source(SourceCreate(name="d", kind="jsonl", location=str(drop)))
    client = api.client
    body = {"name": "mine", "kind": "case", "value": "labs"}
    assert (
        client.post("/api/v1/alerts/rules", json=body, headers=api.auth("viewer")).status_code
        == 403
    )
    made = client.post("/api/v1/alerts/rules", json=body, headers=api.auth("editor"))
    assert made.status_code == 201 and made.json()["owner"] == "editor"
    assert "secret" not in made.json()
    monitoring.poller().poll_due()
    monitoring.alert_engine().evaluate()
    mine = client.get("/api/v1/alerts", headers=api.auth("editor")).json()
    assert [a["sighting"]["case_id"] for a in mine] == ["labs"]
    assert client.get("/api/v1/alerts", headers=api.auth("viewer")).json() == []
    feed = client.get("/api/v1/alerts/feed.atom", headers=api.auth("editor"))
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = root.findall("a:entry", ns)
    assert hostile in (entry.findtext("a:title", namespaces=ns) or "")
    assert b"<script>" not in feed.content
    assert client.get("/api/v1/alerts/feed.atom").status_code == 401
    assert client.delete("/api/v1/alerts/rules/mine", headers=api.auth("admin")).status_code == 204


def test_alerts_commands(cli: object) -> None:
    run = cli
    added = run("alerts", "add", "r1", "keyword", "NATO", "--min-band", "confirmed")  # type: ignore[operator]
    assert added.code == 0 and "keyword = NATO" in added.out
    no_secret = run("alerts", "add", "r2", "case", "x", "--webhook", "https://h.example/")  # type: ignore[operator]
    assert no_secret.code == 1 and "secret" in no_secret.err
    listed = json.loads(run("alerts", "list", "--json").out)  # type: ignore[operator]
    assert [(r["name"], r["min_band"]) for r in listed] == [("r1", "confirmed")]
    assert "no webhook attempts" in run("alerts", "log").out  # type: ignore[operator]
    assert run("alerts", "remove", "r1").code == 0  # type: ignore[operator]
    assert run("alerts", "remove", "r1").code == 1  # type: ignore[operator]
