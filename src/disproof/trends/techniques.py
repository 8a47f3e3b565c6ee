"""Trends of persuasion techniques: cases whose claim text (title and summary) carries a
technique, per period.

The techniques of each case text are read once per text and model and kept in the store
(:mod:`disproof.techniques.cached`); counting is done here, over the cases in scope. A case
counts once per technique, however many of its passages carry it. Technique labels are model
output: these are counts of what the detector reads in the analysts' summaries, not of what
analysts found.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from disproof.store.schema import cases
from disproof.store.trends import CaseScope, Period, TermTotal, TrendStore, bucket_label
from disproof.techniques.cached import join_claim_text, text_techniques
from disproof.techniques.taxonomy import technique_info

if TYPE_CHECKING:
    import datetime as dt

    from disproof.settings import Settings

#: Case rows read at a time.
BATCH = 2_000


class TechniqueSource:
    """The :class:`~disproof.trends.series.TermSource` of ``by="technique"``: totals from the
    store, technique counts from the cached detections (detecting the texts not read yet)."""

    def __init__(
        self,
        store: TrendStore,
        settings: Settings,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.progress = progress
        self._carried: dict[CaseScope, list[tuple[dt.date, frozenset[str]]]] = {}

    def period_totals(self, scope: CaseScope, period: Period) -> dict[str, int]:
        return self.store.period_totals(scope, period)

    def carried(self, scope: CaseScope) -> list[tuple[dt.date, frozenset[str]]]:
        """Each dated case in scope: its date and the techniques its claim text carries. Read
        in batches of :data:`BATCH` cases, so only one batch of texts is held at a time."""
        if scope not in self._carried:
            out: list[tuple[dt.date, frozenset[str]]] = []
            total = self.store.count_cases(scope)
            query = (
                sa.select(cases.c.date, cases.c.title, cases.c.summary)
                .where(*scope.conditions())
                .order_by(cases.c.pk)
            )
            with self.store.engine.connect() as connection:
                rows = connection.execute(query).yield_per(BATCH)
                for batch in rows.partitions():
                    texts = [join_claim_text(r.title or "", r.summary or "") for r in batch]
                    found = text_techniques(self.store.engine, self.settings, texts)
                    for row, text in zip(batch, texts, strict=True):
                        spans = found.get(text, [])
                        out.append((row.date, frozenset(s.technique for s in spans)))
                    if self.progress is not None:
                        self.progress(len(out), total)
            self._carried[scope] = out
        return self._carried[scope]

    def top_terms(self, kind: str, scope: CaseScope, top: int) -> list[TermTotal]:
        counts = Counter(t for _, techniques in self.carried(scope) for t in techniques)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
        return [TermTotal(t, technique_info(t).display, n) for t, n in ranked]

    def term_counts(
        self, kind: str, keys: Sequence[str], scope: CaseScope, period: Period
    ) -> dict[tuple[str, str], int]:
        wanted = set(keys)
        out: dict[tuple[str, str], int] = defaultdict(int)
        for date, techniques in self.carried(scope):
            for technique in techniques & wanted:
                out[(bucket_label(date, period), technique)] += 1
        return dict(out)
