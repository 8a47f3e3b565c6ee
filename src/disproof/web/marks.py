"""The checked text cut into pieces that carry both kinds of marks: a highlighted claim (a
passage that matched a known case) and the persuasion-technique spans over it.

Claims never overlap (``disproof.web.text.segments`` clips them); technique spans may overlap
each other and any claim. So the text is cut at every boundary of either, and each piece says
which claim and which techniques cover it: the template renders every piece as flat, properly
closed elements (never interleaved tags), and each piece's text is escaped on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from disproof.techniques.shown import ShownSpan
from disproof.web.text import Segment


@dataclass(frozen=True)
class Piece:
    """A run of text with one set of marks.

    ``claim`` is the highlighted segment it belongs to (None: no claim); ``claim_starts`` /
    ``claim_ends`` say whether the piece opens or closes that highlight (the anchor goes on the
    first piece, the reference to the card after the last). ``techniques`` are the technique
    spans covering the piece; ``closing`` the passage numbers of those ending with it.
    """

    text: str
    claim: Segment | None = None
    claim_starts: bool = False
    claim_ends: bool = False
    techniques: tuple[ShownSpan, ...] = ()
    closing: tuple[int, ...] = ()
    opening: tuple[int, ...] = ()

    @property
    def title(self) -> str:
        """The tooltip: each technique's name and definition (plain text; escaped by Jinja)."""
        names = dict.fromkeys(f"{t.name}: {t.definition}" for t in self.techniques)
        return "\n".join(names) + ("\n(model output)" if names else "")

    @property
    def names(self) -> str:
        return ", ".join(dict.fromkeys(t.name for t in self.techniques))


def pieces(text: str, claims: Sequence[Segment], techniques: Sequence[ShownSpan]) -> list[Piece]:
    """``text`` cut at every claim and technique boundary. ``claims`` are the segments of
    :func:`~disproof.web.text.segments` (which cover the text in order); technique offsets are
    clamped to the text."""
    claim_at: list[tuple[int, int, Segment]] = []
    cursor = 0
    for segment in claims:
        end = cursor + len(segment.text)
        if segment.mark is not None:
            claim_at.append((cursor, end, segment))
        cursor = end
    cuts = {0, len(text)}
    for start, end, _ in claim_at:
        cuts.update((start, end))
    spans = [t for t in techniques if t.end > t.start]
    for t in spans:
        cuts.update((min(t.start, len(text)), min(t.end, len(text))))
    bounds = sorted(c for c in cuts if 0 <= c <= len(text))
    out: list[Piece] = []
    claim_index = 0
    for start, end in zip(bounds, bounds[1:], strict=False):
        while claim_index < len(claim_at) and claim_at[claim_index][1] <= start:
            claim_index += 1
        claim = None
        if claim_index < len(claim_at) and claim_at[claim_index][0] <= start:
            claim = claim_at[claim_index]
        covering = tuple(t for t in spans if t.start <= start and t.end >= end)
        out.append(
            Piece(
                text=text[start:end],
                claim=claim[2] if claim else None,
                claim_starts=claim is not None and claim[0] == start,
                claim_ends=claim is not None and claim[1] == end,
                techniques=covering,
                closing=tuple(dict.fromkeys(t.number for t in covering if t.end == end)),
                opening=tuple(dict.fromkeys(t.number for t in covering if t.start == start)),
            )
        )
    return out
