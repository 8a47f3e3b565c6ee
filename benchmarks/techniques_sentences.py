"""Persuasion techniques (issue 21): e5 vectors of a paragraph's sentences, pooled.

Techniques are local (a loaded word, a name called), and one e5 vector of a whole paragraph
dilutes them. This compares, within one language under the protocol of
``benchmarks/techniques_variants.py`` (3 folds by article, seed 1; thresholds only from
out-of-fold logits of the training folds):

* ``base`` — the detector's paragraph model (hashed n-grams, shape, the paragraph's e5 vector);
* ``+smax`` — plus the element-wise maximum of its sentences' e5 vectors (weight 0.7);
* ``+smean+smax`` — plus their mean and maximum (0.7 each);
* ``smean+smax`` — the mean and maximum *instead of* the paragraph's vector: the only variant
  that costs no more at detection than the detector does now (the same text is encoded, cut
  into sentences; a 1,000-word article's 49 sentences took as long as its 40 paragraphs);
* ``+smax+smin`` — the paragraph's vector plus the maximum and minimum.

Sentences are :func:`disproof.text.sentences.split_sentences` of each paragraph, encoded like the
paragraphs (``encode_queries``) into the same cache (``benchmarks.techniques_cache``; a
single-sentence paragraph's sentence is usually the paragraph, already cached). ``--encode``
encodes the missing ones (about 4,000 a language; 4–8 a second on the shared 2-core machine).

    nice python -m benchmarks.techniques_sentences --languages de,ru [--encode]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from benchmarks.techniques import micro_macro
from benchmarks.techniques_cache import DATA, EN_STRIDE, WORK, cached_vectors, key, load_cache
from benchmarks.techniques_variants import Block, fit_and_oof, inner_folds, load_language, logistic
from disproof.embed.base import Vectors
from disproof.techniques.corpus import read_corpus
from disproof.techniques.fit import article_folds, micro_thresholds, paragraph_rows
from disproof.text.sentences import split_sentences

Array = npt.NDArray[np.float64]
VARIANTS = ("base", "+smax", "+smean+smax", "smean+smax", "+smax+smin")


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph (the paragraph itself when it splits into none)."""
    return [s.text for s in split_sentences(text)] or [text]


def pooled_sentences(
    texts: Sequence[str], vector_of: Callable[[str], Vectors]
) -> tuple[Array, Array, Array]:
    """Per paragraph, the mean, maximum and minimum (element-wise) of its sentences' vectors."""
    mean, top, bottom = [], [], []
    for text in texts:
        rows = np.stack([vector_of(s) for s in sentences(text)]).astype(np.float64)
        mean.append(rows.mean(axis=0))
        top.append(rows.max(axis=0))
        bottom.append(rows.min(axis=0))
    return np.array(mean), np.array(top), np.array(bottom)


def run(lang: str, cache: dict[str, Vectors], variants: Sequence[str]) -> None:
    data = load_language(lang, cache)
    articles = read_corpus(DATA, [lang])
    texts = paragraph_rows(articles[::EN_STRIDE] if lang == "en" else articles).texts
    wanted = {s for text in texts for s in sentences(text)}
    if data is None or any(key(s) not in cache for s in wanted):
        print(f"| {lang} | not run: e5 vectors of paragraphs or sentences not all cached | |")
        return
    mean, top, bottom = pooled_sentences(texts, lambda s: cache[key(s)])
    own: list[Block] = [(data.hashed, False, 1.0), (data.e5, True, 1.0)]
    blocks: dict[str, list[Block]] = {
        "base": own,
        "+smax": [*own, (top, True, 0.7)],
        "+smean+smax": [*own, (mean, True, 0.7), (top, True, 0.7)],
        "smean+smax": [(data.hashed, False, 1.0), (mean, True, 0.7), (top, True, 0.7)],
        "+smax+smin": [*own, (top, True, 0.7), (bottom, True, 0.7)],
    }
    masks = article_folds(np.arange(data.articles), 3, seed=1)
    for variant in variants:
        predicted = np.zeros_like(data.gold)
        for mask in masks:
            is_test = np.isin(data.group, np.flatnonzero(mask))
            train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)

            def linear(
                tr: npt.NDArray[np.intp], te: npt.NDArray[np.intp], chosen: str = variant
            ) -> Array:
                return logistic(blocks[chosen], data.gold, tr, te)

            logits, oof = fit_and_oof(linear, train, test, inner_folds(data.group[train]))
            predicted[test] = logits >= micro_thresholds(oof, data.gold[train])
        micro, macro = micro_macro(data.gold, predicted)
        print(f"| {lang} | {variant} | {micro:.3f} / {macro:.3f} |", flush=True)


def encode(lang: str) -> None:
    from disproof.embed import load_embedder

    articles = read_corpus(DATA, [lang])
    texts = paragraph_rows(articles[::EN_STRIDE] if lang == "en" else articles).texts
    embedder, _ = load_embedder("e5")
    cached_vectors(embedder, sorted({s for t in texts for s in sentences(t)}), verbose=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--languages", default="de,ru")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--encode", action="store_true", help="encode missing sentences first")
    args = parser.parse_args()
    for lang in args.languages.split(","):
        if args.encode:
            encode(lang)
    folders = sorted(WORK.iterdir()) if WORK.is_dir() else []
    if not folders:
        raise SystemExit("no cached e5 vectors: run `python -m benchmarks.techniques_cache`")
    cache = load_cache(folders[0])
    print("| lang | variant | paragraph micro-F1 / macro-F1 |\n|---|---|---|")
    for lang in args.languages.split(","):
        run(lang, cache, args.variants.split(","))


if __name__ == "__main__":
    main()
