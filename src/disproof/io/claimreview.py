"""schema.org ``ClaimReview`` as JSON-LD: one document holding every case in an ``@graph``.

Each case becomes one ``ClaimReview`` node (see :func:`claim_review`); the claim itself is its
``itemReviewed`` (a ``Claim`` with its appearances, first appearance, author and places). Keys
whose value would be empty are left out, so the output never contains ``null`` or ``""`` (a case
without a disproof has no ``reviewBody`` at all). Only ``http`` and ``https`` URLs are emitted
as ``url``/``archivedAt``/``@id``: other schemes (``javascript:``, ``data:``, relative paths)
are dropped, because the nodes are meant to be embedded in web pages.

What each required or recommended property of a fact check is made of:

- ``url``, the page that publishes the review: the case's source URL (an EUvsDisinfo report,
  a Snopes article), else the case's page on this disproof site, ``{base_url}/cases/{id}``
  (``--base-url`` / ``DISPROOF_PUBLIC_URL``). A case with neither has no page anywhere, so no
  honest ``url``: :func:`write` refuses the export (:class:`MissingPublicUrl`, naming how to set
  the base URL) instead of writing records that are invalid or point nowhere.
- ``datePublished``, when the review was published: the case's review date
  (``extra.review_date``, ISO 8601) when it has one, else the case date; left out when the case
  has neither — never the time of an import or an edit.
- ``reviewBody``: the disproof. ``author``: who reviewed the case (``reviewed_by``).

The rating stays textual (``alternateName``, "Disinformation" when the case has none); a numeric
``ratingValue`` on a 1 (false) to 5 (true) scale is added only when the case's own rating is one
of the well-known verdicts in :data:`RATING_SCALE` (never for the default label: a case imported
without a verdict, e.g. a CheckThat! claim, is not asserted to be false).

:func:`validate` (:mod:`disproof.io.claimreview_rules`) checks one node against the rules search
engines apply to fact checks; :func:`write` runs it on every node and writes nothing unless all
pass.

``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e``, ``\\u0026`` (the same JSON), so
the exported document can be pasted into a ``<script type="application/ld+json">`` as it is:
case text such as ``</script>`` cannot end the element. Do the same when embedding a node.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote

from disproof.errors import ConfigError, DisproofError
from disproof.io.claimreview_rules import CONTEXT, Problem, is_iso_date, validate, validate_document
from disproof.links import http_url, public_base_url
from disproof.models import Appearance, Case, Link

name = "claimreview"
description = "schema.org ClaimReview JSON-LD (one document, every case in an @graph)"


#: Prefix of the ``@id`` of a case that has no web address of its own.
URN_PREFIX = "urn:disproof:case:"

#: The ``extra`` key holding the date a case's review was published (ISO 8601), when known.
REVIEW_DATE_KEY = "review_date"

#: Length limit of ``reviewRating.ratingExplanation`` (an excerpt of the disproof).
EXPLANATION_CHARS = 500

#: Textual verdicts with an unambiguous place on a 1 (false) .. 5 (true) scale, keyed casefolded.
RATING_SCALE: dict[str, int] = {
    "disinformation": 1,
    "false": 1,
    "fake": 1,
    "incorrect": 1,
    "pants on fire": 1,
    "mostly false": 2,
    "misleading": 2,
    "half true": 3,
    "half-true": 3,
    "mixture": 3,
    "mostly true": 4,
    "true": 5,
    "correct": 5,
}

#: Up to this many bytes an export is assembled in memory, beyond it in a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024

_DEFAULT_RATING = "Disinformation"
_DEFAULT_AUTHOR = "disproof"
#: Case id characters kept as they are in a page path (as ``disproof.web.urls`` does).
_PATH_SAFE = "/:@!$&'()*+,;=~"


class MissingPublicUrl(ConfigError):
    """Cases without a web page of their own, and no public base URL to give them one."""

    def __init__(self, missing: int, total: int, example: str) -> None:
        super().__init__(
            f"cannot export ClaimReview: {missing:,} of {total:,} cases have no web page of "
            f"their own (no http(s) source URL; e.g. {example!r}), and a ClaimReview needs the "
            "url of the page that publishes the review. Give this disproof site's public "
            "address with `disproof export … --base-url https://your.site` or the "
            "DISPROOF_PUBLIC_URL environment variable: those cases then link to "
            "https://your.site/cases/ID. Nothing was written."
        )
        self.missing = missing
        self.total = total


class InvalidClaimReview(DisproofError):
    """A node that breaks a rule of :func:`validate` (a bug: the export refuses to write it)."""

    def __init__(self, case_id: str, problems: list[Problem]) -> None:
        listed = "; ".join(p.describe() for p in problems[:5])
        super().__init__(f"case {case_id!r} gives an invalid ClaimReview: {listed}")
        self.case_id = case_id
        self.problems = problems


# --------------------------------------------------------------------------- building nodes


def _node(type_: str, **props: Any) -> dict[str, Any]:
    """A JSON-LD node of ``@type`` ``type_`` with the non-empty ``props`` (no None, "", [], {})."""
    node: dict[str, Any] = {"@type": type_}
    for key, value in props.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        node[key] = value
    return node


def _organization(name_: str | None) -> dict[str, Any] | None:
    return _node("Organization", name=name_) if name_ else None


def _appearance(appearance: Appearance) -> dict[str, Any] | None:
    """An appearance as a ``CreativeWork``; None when nothing about it can be said."""
    node = _node(
        "CreativeWork",
        url=http_url(appearance.url),
        datePublished=appearance.date.isoformat() if appearance.date else None,
        inLanguage=appearance.language,
        publisher=_organization(appearance.outlet),
        archivedAt=http_url(appearance.archive_url),
    )
    return node if len(node) > 1 else None


def _citation(link: Link) -> dict[str, Any] | None:
    node = _node("CreativeWork", url=http_url(link.url), name=link.title)
    return node if len(node) > 1 else None


def _excerpt(text: str, limit: int = EXPLANATION_CHARS) -> str:
    """At most ``limit`` characters of ``text``, cut at a space where possible, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _rating(case: Case) -> dict[str, Any]:
    label = case.rating or _DEFAULT_RATING
    value = RATING_SCALE.get(" ".join(case.rating.casefold().split())) if case.rating else None
    numeric: dict[str, Any] = {}
    if value is not None:
        numeric = {"ratingValue": value, "bestRating": 5, "worstRating": 1}
    return _node(
        "Rating",
        alternateName=label,
        ratingExplanation=_excerpt(case.disproof) if case.disproof else None,
        **numeric,
    )


def _claim(case: Case) -> dict[str, Any]:
    appearances = [node for a in case.appearances if (node := _appearance(a)) is not None]
    first = case.first_appearance
    first_node = _appearance(first) if first is not None else None
    return _node(
        "Claim",
        datePublished=case.date.isoformat() if case.date else None,
        appearance=appearances,
        firstAppearance=first_node,
        author=_organization(first.outlet) if first is not None else None,
        spatialCoverage=[_node("Place", name=country) for country in case.countries],
    )


def review_date(case: Case) -> dt.date | None:
    """When the case's review was published: ``extra.review_date`` (an ISO 8601 date or date and
    time) when it holds one, else the case date; None when the case has neither."""
    raw = case.extra.get(REVIEW_DATE_KEY, "").strip()
    if is_iso_date(raw):
        return dt.date.fromisoformat(raw[:10])
    return case.date


def case_page_url(base_url: str, case_id: str) -> str:
    """The case's page on the disproof site at ``base_url``: ``{base_url}/cases/{quoted id}``,
    the path the web pages serve it at (slashes stay readable unless a segment is ``.``/``..``)."""
    segments = case_id.split("/")
    safe = _PATH_SAFE if not any(s in (".", "..") for s in segments) else ":@"
    return f"{public_base_url(base_url)}/cases/{quote(case_id, safe=safe)}"


def review_url(case: Case, base_url: str | None = None) -> str | None:
    """The page publishing the case's review: its http(s) source URL, else its page on the site
    at ``base_url``; None when it has neither."""
    url = http_url(case.source.url)
    if url:
        return url
    return case_page_url(base_url, case.id) if base_url else None


def case_iri(case: Case, base_url: str | None = None) -> str:
    """The case's ``@id``: the page of its review (:func:`review_url`), else a ``urn:disproof``."""
    return review_url(case, base_url) or URN_PREFIX + quote(case.id, safe="")


def claim_review(
    case: Case, *, with_context: bool = False, base_url: str | None = None
) -> dict[str, Any]:
    """One case as a schema.org ``ClaimReview`` node.

    ``base_url`` is the public address of this disproof site; a case without a source URL of
    its own gets ``{base_url}/cases/{id}`` as its ``url`` (no ``url`` without it). With
    ``with_context`` the node carries ``"@context": "https://schema.org"`` and is a complete
    JSON-LD document on its own (for embedding one case in a page).
    """
    published = review_date(case)
    citations = [node for link in case.evidence if (node := _citation(link)) is not None]
    node = _node(
        "ClaimReview",
        **{"@id": case_iri(case, base_url)},
        url=review_url(case, base_url),
        claimReviewed=case.summary or case.title,
        name=case.title,
        datePublished=published.isoformat() if published else None,
        author=_node("Organization", name=case.reviewed_by or _DEFAULT_AUTHOR),
        reviewRating=_rating(case),
        reviewBody=case.disproof,
        keywords=", ".join(case.keywords),
        itemReviewed=_claim(case),
        citation=citations,
    )
    if with_context:
        return {"@context": CONTEXT, **node}
    return node


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text of ``value`` (UTF-8, not ASCII-escaped) that is safe inside an HTML
    ``<script>``: ``<``, ``>`` and ``&`` are ``\\u`` escapes, which parse to the same JSON."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write(cases: Iterable[Case], out: TextIO, *, base_url: str | None = None) -> int:
    """Write one JSON-LD document with a ``ClaimReview`` per case; the number of cases written.

    All or nothing: every node is checked with :func:`validate` and the document is assembled
    aside (in memory, then a temporary file) and copied to ``out`` only when every case gave a
    valid node. A case without a web page of its own while ``base_url`` is None raises
    :class:`MissingPublicUrl` (after counting all such cases), any other broken rule
    :class:`InvalidClaimReview`; ``out`` is then left untouched.

    The text is ``dumps({"@context": ..., "@graph": [...]}, indent=2)``, streamed node by
    node. Cases that share a source URL get their ``urn:disproof`` ``@id`` after the first one,
    so JSON-LD processors do not merge distinct reviews into one node.
    """
    base = public_base_url(base_url) if base_url else None
    with tempfile.SpooledTemporaryFile(
        max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
    ) as spool:
        spool.write('{\n  "@context": ' + json.dumps(CONTEXT) + ',\n  "@graph": [')
        count = missing = 0
        example = ""
        seen: set[str] = set()
        for case in cases:
            count += 1
            if base is None and review_url(case) is None:
                missing += 1
                example = example or case.id
            if missing:
                continue  # only counting from here: the export will be refused
            node = claim_review(case, base_url=base)
            if node["@id"] in seen:
                node["@id"] = URN_PREFIX + quote(case.id, safe="")
            seen.add(node["@id"])
            errors = [p for p in validate(node) if p.severity == "error"]
            if errors:
                raise InvalidClaimReview(case.id, errors)
            text = dumps(node, indent=2)
            # json.dumps escapes newlines inside strings, so every line here is structure.
            indented = "\n".join("    " + line for line in text.split("\n"))
            spool.write(("," if count > 1 else "") + "\n" + indented)
        if missing:
            raise MissingPublicUrl(missing, count, example)
        spool.write("\n  ]\n}\n" if count else "]\n}\n")
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    return count


__all__ = [
    "CONTEXT",
    "InvalidClaimReview",
    "MissingPublicUrl",
    "Problem",
    "claim_review",
    "is_iso_date",
    "validate",
    "validate_document",
    "write",
]
