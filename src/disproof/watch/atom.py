"""An Atom feed of alerts (RFC 4287), built with ElementTree: every text is escaped by the
serializer, and item links are kept only when they are http(s) URLs."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from disproof.watch.models import Alert, Sighting, Surge

ATOM = "http://www.w3.org/2005/Atom"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def alerts_feed(alerts: list[Alert], feed_id: str, title: str, self_url: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    newest = max((a.created_at for a in alerts), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    _text(feed, "updated", newest.isoformat())
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "disproof")
    for alert in alerts:
        s = alert.sighting
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:disproof:alert:{alert.id}")
        heading = f"{s.band}: {s.case_title or s.case_id} — {s.title or s.url or s.source}"
        if alert.surge:
            heading = f"surge: {alert.surge.narrative} — {alert.surge.recent} sightings"
        _text(entry, "title", heading[:500])
        _text(entry, "updated", alert.created_at.isoformat())
        if s.url and s.url.startswith(("http://", "https://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": s.url})
        _text(entry, "category", alert.rule, term=alert.rule)
        summary = (
            f"Rule {alert.rule}: {s.source}{' (' + s.outlet + ')' if s.outlet else ''} repeats "
            f"case {s.case_id} (score {s.score:.2f}, {s.band}): “{s.span.text[:1000]}”"
        )
        if alert.surge:
            summary = _surge_summary(alert.rule, alert.surge, s)
        _text(entry, "summary", summary)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _surge_summary(rule: str, g: Surge, s: Sighting) -> str:
    return (
        f"Rule {rule}: narrative {g.narrative} has {g.recent} of the {g.recent_total} "
        f"sightings since {g.window_start.isoformat()} (expected {g.expected:.1f}; "
        f"{g.baseline} of {g.baseline_total} since {g.baseline_start.isoformat()}, a share of "
        f"{g.baseline_share:.1%}); p = {g.p_value:.2g}, q = {g.q_value:.2g}. Newest: "
        f"{s.source} repeats case {s.case_id}: “{s.span.text[:1000]}”"
    )
