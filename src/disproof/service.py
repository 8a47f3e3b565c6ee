"""The use cases: what the CLI, the REST API and the web pages call. No presentation here.

What a use case needs (the matcher and numpy, importers, the editor, trends) is imported by
the method that runs it: a command line that only searches never loads them
(``tests/test_startup.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from disproof.errors import InvalidInput
from disproof.indexing import BuildProgress, MatcherBuilder
from disproof.matchers import MatcherCache
from disproof.models import Case, CaseMatch, CaseQuery, Facet, SearchPage, Stats
from disproof.normalize import keyword_key
from disproof.store import CaseStore, database_size, open_store

if TYPE_CHECKING:
    from collections.abc import Callable

    from disproof.auth import Principal, TokenStore
    from disproof.editing import CaseEditor
    from disproof.embed import Embedder
    from disproof.history import Actor, CaseHistory
    from disproof.importing import ImportReport, Progress
    from disproof.keywords.suggest import SavedModel
    from disproof.match.calibration import Band
    from disproof.match.matcher import Matcher
    from disproof.models import CaseCreate, CasePublic, CaseUpdate, MatchResult, RelatedCase
    from disproof.settings import Settings
    from disproof.trends import EmergingReport, Period, TrendBy, Trends

logger = logging.getLogger(__name__)

#: Who makes a change: a principal (token name and role), an actor, or a bare name.
Author: TypeAlias = "Actor | Principal | str"

DEMO_DATASET = "disproof-demo"
#: How many nearest cases semantic search ranks (and filters within).
SEMANTIC_POOL = 200
#: How many similar cases ``suggest_keywords`` takes its keywords from.
SUGGEST_NEIGHBOURS = 10


class Disproof:
    """One database and the operations on it."""

    def __init__(self, settings: Settings, store: CaseStore) -> None:
        self.settings = settings
        self.store = store
        self.builder = MatcherBuilder(settings, store)
        #: The shared, lazily built matcher (``matchers.get()``), rebuilt after changes.
        self.matchers = MatcherCache(
            lambda progress: self.matcher(progress=progress),
            self._fingerprint,
            lexical=self.builder.lexical,
        )

    def _fingerprint(self) -> str:
        """What the cases' matching index was built from (see ``CorpusStore.fingerprint``)."""
        from disproof.store.corpus import CorpusStore

        return CorpusStore(self.store.engine).fingerprint()

    @cached_property
    def tokens(self) -> TokenStore:
        """The API tokens of this database."""
        from disproof.auth import TokenStore

        return TokenStore(self.store.engine)

    @cached_property
    def keyword_model(self) -> SavedModel:
        """The keyword model trained for this database (``disproof keywords train``), if any."""
        from disproof.keywords.suggest import SavedModel

        embedder_for = lambda name: self._embedder(name or self.settings.embedder)[0]  # noqa: E731
        return SavedModel(self.settings.keywords_dir(), embedder_for)

    @classmethod
    def open(cls, settings: Settings) -> Disproof:
        return cls(settings, open_store(settings))

    # -- cases -----------------------------------------------------------------------------------

    def get(self, case_id: str) -> Case:
        return self.store.get(case_id)

    def search(self, query: CaseQuery) -> SearchPage:
        return self.store.search(query)

    def check_filters(self, query: CaseQuery) -> CaseQuery:
        """``query`` with its narrative names as ids; an unknown narrative, country or language
        is refused (:class:`InvalidInput` naming the closest known values; ``disproof.filters``).
        The API and the command line call it on the filters they are given, before searching."""
        from disproof.filters import check_filters

        return check_filters(query, cache(self.store.term_values))

    def stats(self, top: int = 15) -> Stats:
        return self.store.stats(top)

    def count(self) -> int:
        return self.store.count()

    def facets(self, kind: str, limit: int = 50, query: CaseQuery | None = None) -> list[Facet]:
        """Case counts by keyword, country, language, outlet, narrative or year, over the cases
        ``query`` selects (every case when None)."""
        return self.store.facets(kind, limit, query)

    def trends(
        self,
        by: TrendBy,
        period: Period = "month",
        *,
        top: int = 10,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        dataset: str | None = None,
        narrative: str | None = None,
        outlet: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Trends:
        """Cases per week or month for the ``top`` terms of one kind (see ``disproof.trends``);
        ``progress(done, total)`` follows the texts read for the first technique trends."""
        from disproof.store.trends import TrendStore
        from disproof.trends import compute_trends
        from disproof.trends.series import TermSource

        store = TrendStore(self.store.engine)
        source: TermSource = store
        if by == "technique":
            from disproof.trends.techniques import TechniqueSource

            source = TechniqueSource(store, self.settings, progress)
        return compute_trends(
            source,
            by,
            period,
            top=top,
            date_from=date_from,
            date_to=date_to,
            dataset=dataset,
            labels=self.narrative_names() if by == "narrative" else None,
            narrative=narrative,
            outlet=outlet,
        )

    def emerging(
        self,
        since: dt.date,
        *,
        until: dt.date | None = None,
        by: str = "keyword",
        period: Period = "month",
        baseline_periods: int = 12,
        dataset: str | None = None,
        clusters: bool = True,
    ) -> EmergingReport:
        """Terms rising significantly since ``since`` and clusters of recent cases without a
        narrative (see ``disproof.trends.emerging``)."""
        from disproof.store.trends import TrendStore
        from disproof.trends import detect_emerging

        return detect_emerging(
            TrendStore(self.store.engine),
            since,
            until=until,
            by=by,
            period=period,
            baseline_periods=baseline_periods,
            dataset=dataset,
            clusters=clusters,
            labels=self.narrative_names() if by == "narrative" else None,
        )

    # -- editing ---------------------------------------------------------------------------------

    def _unify_keywords(self, case: Case) -> Case:
        """Spell the case's keywords the way the database already spells them."""
        from disproof import importing

        return importing._unify_keywords([case], self.store.keyword_spellings())[0]

    @cached_property
    def editor(self) -> CaseEditor:
        """Single-case writes with versions and history (see :mod:`disproof.editing`)."""
        from disproof.editing import CaseEditor

        return CaseEditor(self.store, self._unify_keywords, self.matchers.invalidate)

    def get_public(self, case_id: str) -> CasePublic:
        """A case with its version (for ``ETag`` / ``If-Match``)."""
        return self.store.get_public(case_id)

    def create_case(self, data: CaseCreate, author: Author) -> CasePublic:
        """Add a case; its id is the given one or derived like the JSONL importer derives it.
        An id that exists is refused (:class:`ConflictError`)."""
        from disproof.history import Actor

        return self.editor.create(data, Actor.of(author))

    def update_case(
        self, case_id: str, data: CaseUpdate, author: Author, expected_version: int | None = None
    ) -> CasePublic:
        """Change the fields ``data`` sets, keep the others; the result is validated whole.
        With ``expected_version``, a case changed since is refused (:class:`VersionConflict`)."""
        from disproof.history import Actor

        return self.editor.update(case_id, data, Actor.of(author), expected_version)

    def delete_case(
        self, case_id: str, author: Author, expected_version: int | None = None
    ) -> None:
        """Remove a case (its vectors and terms go with it); its history keeps its last state."""
        from disproof.history import Actor

        self.editor.delete(case_id, Actor.of(author), expected_version)

    def restore_case(
        self,
        case_id: str,
        author: Author,
        version: int | None = None,
        expected_version: int | None = None,
    ) -> CasePublic:
        """Bring back a deleted case, or put a case back to an earlier ``version``."""
        from disproof.history import Actor

        return self.editor.restore(case_id, Actor.of(author), version, expected_version)

    def history(self, case_id: str, *, full: bool = False, limit: int | None = None) -> CaseHistory:
        """Who changed a case, when and what, newest first (also for a deleted case)."""
        return self.editor.history(case_id, full=full, limit=limit)

    def related_cases(self, case_id: str, limit: int = 10) -> list[RelatedCase]:
        """Cases related to one case, with why (see ``disproof.related.finder``): those analysts
        linked, named or cited first, then the best by similarity, shared keywords and
        narratives, the disproofs' framing and time."""
        from disproof.related.finder import RelatedFinder

        finder = RelatedFinder(self.store, self._nearest, self.narrative_names())
        return finder.find(self.get(case_id), limit)

    def narrative_names(self) -> dict[str, str]:
        """Narrative id → name, from the shipped taxonomy."""
        from disproof.narratives.taxonomy import builtin_taxonomy

        return {n.id: n.name for n in builtin_taxonomy().narratives}

    def database_size(self) -> int | None:
        return database_size(self.settings)

    # -- import / export -------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        fmt: str = "auto",
        *,
        skip_invalid: bool = False,
        reject_report: Path | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        from disproof import importing

        return importing.import_file(
            self.store,
            path,
            fmt,
            skip_invalid=skip_invalid,
            reject_report=reject_report,
            batch_size=self.settings.import_batch_size,
            progress=progress,
        )

    def export(self, out: TextIO, fmt: str = "jsonl", *, base_url: str | None = None) -> int:
        """Write every case, ordered by id, to an open text stream (``disproof.exporting``).

        ``base_url`` (ClaimReview only; default: the ``public_url`` setting) is the public
        address of this site, which cases without a source URL of their own link to."""
        from disproof import exporting

        return exporting.export(self.store, out, fmt, base_url or self.settings.public_url)

    def export_to_path(
        self, path: Path, fmt: str = "jsonl", *, base_url: str | None = None, force: bool = False
    ) -> int:
        """Write every case to ``path`` atomically: a failed export leaves no half-written file.
        Never onto the database's own files; onto an existing file only with ``force``."""
        base = base_url or self.settings.public_url
        from disproof import exporting

        return exporting.export_to_path(self.store, self.settings, path, fmt, base, force)

    # -- matching --------------------------------------------------------------------------------

    def matcher(self, backend: str | None = None, progress: BuildProgress | None = None) -> Matcher:
        """A matcher over the current cases; the index is loaded if current, else (re)built,
        encoding only the case texts without a stored vector (see ``disproof.indexing``)."""
        return self.builder.build(backend, progress)

    def _embedder(self, name: str | None) -> tuple[Embedder | None, list[str]]:
        """The loaded embedding backend (loaded once per service) and notes about it."""
        return self.builder.embedder(name)

    def match(
        self,
        text: str,
        *,
        top_k: int = 5,
        min_band: Band | None = None,
        wait: float | None = None,
    ) -> MatchResult:
        """The known cases ``text`` repeats (with the shared matcher); a blank text is refused.
        With ``wait``, an index still being built after that many seconds is not waited for:
        the answer says what it used in its ``notes`` (see :class:`MatcherCache`)."""
        if not text.strip():
            raise InvalidInput("the text is empty: give a sentence, a post or an article to check")
        return self.matchers.get(wait=wait).match(text, top_k=top_k, min_band=min_band)

    def _nearest(self, text: str, top_k: int) -> list[CaseMatch]:
        """The cases nearest to ``text`` by the matcher, one entry per case, best first. For
        advisory lists (related cases, similar drafts): a matcher being rebuilt after a change
        is not waited for (see :class:`MatcherCache`)."""
        if not text.strip():
            return []
        best: dict[str, CaseMatch] = {}
        matcher = self.matchers.get(stale_ok=True, wait=self.settings.match_wait)
        for match in matcher.match(text, top_k=top_k, min_band="none").matches:
            if match.case_id not in best or match.score > best[match.case_id].score:
                best[match.case_id] = match
        return sorted(best.values(), key=lambda m: (-m.score, m.case_id))

    def similar_to(self, text: str, limit: int = 5) -> list[CaseMatch]:
        """The cases most similar to a (draft) claim, best first: for duplicate warnings."""
        return self._nearest(text, limit)[:limit]

    def suggest_keywords(self, text: str, limit: int = 8) -> list[str]:
        """Keywords for a text: the trained keyword model's predictions when there is one.
        Without one, the keywords of the ``SUGGEST_NEIGHBOURS`` most similar cases, each
        weighted by that case's match score, summed per keyword; the heaviest first, spelled
        as the database spells them."""
        predicted = self.keyword_model.suggest(text, limit)
        if predicted is not None:
            return predicted
        neighbours = self.similar_to(text, SUGGEST_NEIGHBOURS)
        cases = self.store.get_many(m.case_id for m in neighbours)
        weights: dict[str, float] = {}
        spelling: dict[str, str] = {}
        for match in neighbours:
            case = cases.get(match.case_id)
            for keyword in case.keywords if case else []:
                key = keyword_key(keyword)
                weights[key] = weights.get(key, 0.0) + match.score
                spelling.setdefault(key, keyword)
        ranked = sorted(weights, key=lambda key: (-weights[key], key))
        return [spelling[key] for key in ranked[:limit]]

    def search_semantic(self, query: CaseQuery) -> SearchPage:
        """Cases ranked by the matcher's score for ``query.text`` instead of full-text rank.

        The ``SEMANTIC_POOL`` nearest cases are ranked; the query's filters apply within them
        and ``total`` counts the ones that pass.
        """
        if not query.text.strip():
            raise InvalidInput("semantic search needs a text (q)")
        ranked = [m.case_id for m in self._nearest(query.text, SEMANTIC_POOL)]
        allowed = self.store.filter_ids(query.model_copy(update={"text": ""}), ranked)
        kept = [case_id for case_id in ranked if case_id in allowed]
        page = kept[query.offset : query.offset + query.limit]
        cases = self.store.get_many(page)
        return SearchPage(
            total=len(kept), offset=query.offset, results=[cases[c] for c in page if c in cases]
        )

    # -- demo ------------------------------------------------------------------------------------

    def load_demo(self) -> ImportReport:
        """Import the project's own demo cases (idempotent)."""
        source = resources.files("disproof.data.demo") / "cases.jsonl"
        text = source.read_text(encoding="utf-8")
        from disproof import importing

        return importing.import_text(self.store, text, Path("disproof-demo/cases.jsonl"), "jsonl")

    def non_demo_count(self) -> int:
        total = self.store.count()
        demo = self.store.search(CaseQuery(dataset=DEMO_DATASET, limit=1)).total
        return total - demo
