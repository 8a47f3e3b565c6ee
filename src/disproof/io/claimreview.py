"""schema.org ``ClaimReview`` as JSON-LD: one document holding every case in an ``@graph``.

Each case becomes one ``ClaimReview`` node (see :func:`claim_review`); the claim itself is its
``itemReviewed`` (a ``Claim`` with its appearances, first appearance, author and places). Keys
whose value would be empty are left out, so the output never contains ``null``. Only ``http``
and ``https`` URLs are emitted as ``url``/``archivedAt``/``@id``: other schemes (``javascript:``,
``data:``, relative paths) are dropped, because the nodes are meant to be embedded in web pages.

The rating stays textual (``alternateName``, "Disinformation" when the case has none); a numeric
``ratingValue`` on a 1 (false) to 5 (true) scale is added only when the case's own rating is one
of the well-known verdicts in :data:`RATING_SCALE` (never for the default label: a case imported
without a verdict, e.g. a CheckThat! claim, is not asserted to be false).

When embedding a node in HTML, escape ``<`` (e.g. ``json.dumps(...).replace("<", "\\u003c")``)
so case text such as ``</script>`` cannot end the ``<script type="application/ld+json">``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote

from disproof.links import http_url
from disproof.models import Appearance, Case, Link

name = "claimreview"
description = "schema.org ClaimReview JSON-LD (one document, every case in an @graph)"

CONTEXT = "https://schema.org"

#: Prefix of the ``@id`` of a case that has no web address of its own.
URN_PREFIX = "urn:disproof:case:"

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

_DEFAULT_RATING = "Disinformation"
_DEFAULT_AUTHOR = "disproof"


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


def case_iri(case: Case) -> str:
    """The case's ``@id``: its source URL when that is a web address, else a ``urn:disproof``."""
    url = http_url(case.source.url)
    if url:
        return url
    return URN_PREFIX + quote(case.id, safe="")


def claim_review(case: Case, *, with_context: bool = False) -> dict[str, Any]:
    """One case as a schema.org ``ClaimReview`` node.

    With ``with_context`` the node carries ``"@context": "https://schema.org"`` and is a complete
    JSON-LD document on its own (for embedding one case in a page).
    """
    if case.updated_at is not None:
        published: str | None = case.updated_at.date().isoformat()
    elif case.date is not None:
        published = case.date.isoformat()
    else:
        published = None
    citations = [node for link in case.evidence if (node := _citation(link)) is not None]
    node = _node(
        "ClaimReview",
        **{"@id": case_iri(case)},
        url=http_url(case.source.url),
        claimReviewed=case.summary or case.title,
        name=case.title,
        datePublished=published,
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


def write(cases: Iterable[Case], out: TextIO) -> int:
    """Write one JSON-LD document with a ``ClaimReview`` per case; the number of cases written.

    The document is streamed node by node; the text is the same as
    ``json.dumps({"@context": ..., "@graph": [...]}, indent=2, ensure_ascii=False)``. Cases that
    share a source URL get their ``urn:disproof`` ``@id`` after the first one, so JSON-LD
    processors do not merge distinct reviews into one node.
    """
    out.write('{\n  "@context": ' + json.dumps(CONTEXT) + ',\n  "@graph": [')
    count = 0
    seen: set[str] = set()
    for case in cases:
        node = claim_review(case)
        if node["@id"] in seen:
            node["@id"] = URN_PREFIX + quote(case.id, safe="")
        seen.add(node["@id"])
        text = json.dumps(node, indent=2, ensure_ascii=False)
        # json.dumps escapes newlines inside strings, so every line here is structure.
        out.write(("," if count else "") + "\n" + "\n".join("    " + ln for ln in text.split("\n")))
        count += 1
    out.write("\n  ]\n}\n" if count else "]\n}\n")
    return count
