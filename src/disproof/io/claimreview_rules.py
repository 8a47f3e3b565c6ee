"""The rules search engines apply to fact checks, checked on one ``ClaimReview`` node (Google
Search Central, "Fact check (ClaimReview) structured data"): required properties present and
well-formed (errors), recommended ones present (warnings). :mod:`disproof.io.claimreview` runs
:func:`validate` on every node it writes; the shared-data test runs it on every case there."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from disproof.links import http_url

CONTEXT = "https://schema.org"

#: An ISO 8601 date, or date and time (extended format), as schema.org ``Date``/``DateTime``.
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?\Z"
)
_PERSON_OR_ORGANIZATION = ("Organization", "Person")

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One rule a ClaimReview node breaks: ``error`` for a required property missing or any
    value malformed, ``warning`` for a recommended property missing."""

    path: str
    message: str
    severity: Severity = "error"

    def describe(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def is_iso_date(value: object) -> bool:
    """``value`` is an ISO 8601 date (``YYYY-MM-DD``) or date-time that exists on the calendar."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _has_empty(value: object) -> bool:
    """Whether ``value`` is or holds ``None``, ``""``, ``[]`` or ``{}`` (the quick check)."""
    if isinstance(value, dict):
        if not value:
            return True
        for item in value.values():
            if _has_empty(item):
                return True
        return False
    if isinstance(value, list):
        if not value:
            return True
        for item in value:
            if _has_empty(item):
                return True
        return False
    return value is None or value == ""


def _path(parts: list[str | int]) -> str:
    """``["a", "b", 0, "c"]`` → ``a.b[0].c``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, "error"))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, "warning"))

    def no_empty_values(self, value: object, where: list[str | int]) -> None:
        """No ``null``, ``""``, ``[]`` or ``{}`` anywhere: absent is said by leaving a key out.
        (``where`` is the path as parts, joined only for a problem: most nodes have none.)"""
        if isinstance(value, dict):
            if not value:
                self.error(_path(where), "empty value (leave the key out instead)")
            for key, item in value.items():
                where.append(key)
                self.no_empty_values(item, where)
                where.pop()
        elif isinstance(value, list):
            if not value:
                self.error(_path(where), "empty value (leave the key out instead)")
            for index, item in enumerate(value):
                where.append(index)
                self.no_empty_values(item, where)
                where.pop()
        elif value is None or value == "":
            self.error(_path(where), "empty value (leave the key out instead)")

    def typed(self, node: object, path: str, types: tuple[str, ...]) -> bool:
        if not isinstance(node, dict):
            self.error(path, f"expected a {' or '.join(types)} object")
            return False
        if node.get("@type") not in types:
            where = f"{path}.@type" if path else "@type"
            self.error(where, f"expected {' or '.join(types)}, got {node.get('@type')!r}")
            return False
        return True

    def url(self, value: object, path: str) -> None:
        if not isinstance(value, str) or http_url(value) is None:
            self.error(path, f"not an absolute http(s) URL: {str(value)[:80]!r}")

    def date(self, node: Mapping[str, Any], path: str, *, recommended: bool) -> None:
        if "datePublished" in node:
            if not is_iso_date(node["datePublished"]):
                self.error(f"{path}datePublished", "not an ISO 8601 date or date-time")
        elif recommended:
            self.warn(f"{path}datePublished", "recommended, missing")

    def party(self, node: Mapping[str, Any], path: str, *, recommended: bool) -> None:
        """``author``: an Organization or Person with a name."""
        if "author" not in node:
            if recommended:
                self.warn(f"{path}author", "recommended, missing")
            return
        author = node["author"]
        if self.typed(author, f"{path}author", _PERSON_OR_ORGANIZATION):
            if not _text(author.get("name")):
                self.error(f"{path}author.name", "the author needs a name")
            if "url" in author:
                self.url(author["url"], f"{path}author.url")

    def work(self, value: object, path: str) -> None:
        """An ``appearance``/``firstAppearance``: a URL, or a CreativeWork (any subtype) whose
        ``url``/``archivedAt``, when given, are http(s) URLs."""
        if isinstance(value, str):
            self.url(value, path)
            return
        if not isinstance(value, dict) or not _text(value.get("@type")):
            self.error(path, "expected a URL or a CreativeWork object")
            return
        for key in ("url", "archivedAt"):
            if key in value:
                self.url(value[key], f"{path}.{key}")
        self.date(value, f"{path}.", recommended=False)

    def rating(self, rating: object) -> None:
        if not self.typed(rating, "reviewRating", ("Rating",)):
            return
        assert isinstance(rating, dict)
        if not _text(rating.get("alternateName")):
            self.error("reviewRating.alternateName", "required: the textual verdict")
        numeric = {
            k: rating[k] for k in ("ratingValue", "bestRating", "worstRating") if k in rating
        }
        for key, value in numeric.items():
            if not _number(value):
                self.error(f"reviewRating.{key}", f"not a number: {value!r}")
        if not all(_number(v) for v in numeric.values()):
            return
        best = numeric.get("bestRating", 5)
        worst = numeric.get("worstRating", 1)
        if best <= worst:
            self.error("reviewRating", f"bestRating {best} is not above worstRating {worst}")
        if "ratingValue" not in numeric:
            if numeric:
                self.error("reviewRating.ratingValue", "a scale without a ratingValue")
        elif not worst <= numeric["ratingValue"] <= best:
            self.error("reviewRating.ratingValue", f"outside {worst}..{best}")

    def claim(self, claim: object) -> None:
        if not self.typed(claim, "itemReviewed", ("Claim",)):
            return
        assert isinstance(claim, dict)
        self.date(claim, "itemReviewed.", recommended=True)
        self.party(claim, "itemReviewed.", recommended=True)
        appearances = claim.get("appearance", [])
        for index, work in enumerate(
            appearances if isinstance(appearances, list) else [appearances]
        ):
            self.work(work, f"itemReviewed.appearance[{index}]")
        if "firstAppearance" in claim:
            self.work(claim["firstAppearance"], "itemReviewed.firstAppearance")
        if not appearances and "firstAppearance" not in claim:
            self.warn("itemReviewed.appearance", "recommended, missing (where the claim appeared)")


def validate(node: object) -> list[Problem]:
    """What is wrong with one ``ClaimReview`` node, by the rules search engines apply to fact
    checks (Google Search Central, "Fact check (ClaimReview) structured data"):

    - required: ``claimReviewed`` (text), ``reviewRating`` (a ``Rating`` with the textual verdict
      ``alternateName``; ``ratingValue`` within ``worstRating``..``bestRating``, default 1..5,
      when numeric), ``url`` (an absolute http(s) URL: the page publishing the review);
    - recommended, and well-formed when present: ``author`` (an ``Organization`` or ``Person``
      with a ``name``), ``datePublished`` (ISO 8601), ``itemReviewed`` (a ``Claim`` with its
      ``author``, ``datePublished``, ``appearance``/``firstAppearance`` — URLs or
      ``CreativeWork`` objects with http(s) URLs);
    - this exporter's own contract: no ``null`` or empty value anywhere, ``reviewBody`` and
      ``name`` are text, ``@id`` an http(s) URL or a URN, ``@context`` schema.org.

    Errors break a requirement or hold a malformed value; warnings name a missing recommended
    property. An empty list is a node search engines accept.
    """
    check = _Checker()
    if not check.typed(node, "", ("ClaimReview",)):
        return check.problems
    assert isinstance(node, dict)
    if _has_empty(node):
        check.no_empty_values(node, [])
    if "@context" in node and node["@context"] not in (CONTEXT, "http://schema.org"):
        check.error("@context", f"expected {CONTEXT!r}")
    if "@id" in node:
        iri = node["@id"]
        if not (isinstance(iri, str) and (http_url(iri) or re.match(r"urn:[^\s]+\Z", iri))):
            check.error("@id", "not an http(s) URL or a URN")
    if not _text(node.get("claimReviewed")):
        check.error("claimReviewed", "required: the claim, as text")
    if "reviewRating" in node:
        check.rating(node["reviewRating"])
    else:
        check.error("reviewRating", "required: the verdict")
    if "url" in node:
        check.url(node["url"], "url")
    else:
        check.error("url", "required: the page that publishes the review")
    check.party(node, "", recommended=True)
    check.date(node, "", recommended=True)
    for key in ("reviewBody", "name"):
        if key in node and not _text(node[key]):
            check.error(key, "expected text")
    if "itemReviewed" in node:
        check.claim(node["itemReviewed"])
    else:
        check.warn("itemReviewed", "recommended, missing (the Claim reviewed)")
    return check.problems


def validate_document(document: object) -> list[Problem]:
    """What is wrong with a whole exported document: ``@context``, an ``@graph`` list, distinct
    ``@id`` values, and every node (paths start ``@graph[i]``)."""
    if not isinstance(document, dict):
        return [Problem("", "expected a JSON object")]
    problems: list[Problem] = []
    if document.get("@context") != CONTEXT:
        problems.append(Problem("@context", f"expected {CONTEXT!r}"))
    graph = document.get("@graph")
    if not isinstance(graph, list):
        return [*problems, Problem("@graph", "expected a list of ClaimReview nodes")]
    seen: set[str] = set()
    for index, node in enumerate(graph):
        prefix = f"@graph[{index}]"
        for problem in validate(node):
            path = f"{prefix}.{problem.path}" if problem.path else prefix
            problems.append(Problem(path, problem.message, problem.severity))
        iri = node.get("@id") if isinstance(node, dict) else None
        if isinstance(iri, str):
            if iri in seen:
                problems.append(Problem(f"{prefix}.@id", f"{iri!r} is used by an earlier node"))
            seen.add(iri)
    return problems
