"""Articles made from real labelled claims and real unrelated news sentences (for
``benchmarks.article_checks``). Everything is read from ../shared/data at run time.

An article holds 3-5 claims of known gold (CheckThat! tweets, or Propaganda Diary quotes) and
unrelated news sentences from SemEval-2025 Task 10 documents in between, in random order,
until it is about 300 words long; every piece keeps its character range, so a listed match can
be traced to a claim or to a distractor.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from disproof.text import boilerplate_reason, split_sentences

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SEMEVAL = SHARED / "semeval2025_t10"
DIARY = SHARED / "propaganda_diary"
SEED = 13
ARTICLE_WORDS = 300
_END = re.compile(r"[.!?…»\"”')]\s*$")


@dataclass(frozen=True)
class Piece:
    text: str
    gold: frozenset[str] = frozenset()  # empty: a distractor
    loose: frozenset[str] = frozenset()  # also right at narrative level (Propaganda Diary)


@dataclass
class Article:
    id: str
    text: str = ""
    gold: set[str] = field(default_factory=set)
    loose: set[str] = field(default_factory=set)
    ranges: list[tuple[int, int, Piece]] = field(default_factory=list)


def distractor_sentences(language: str, part: int, parts: int = 2) -> list[str]:
    """Sentences of 8-40 words from SemEval-2025 documents of one language folder (EN, BG, PT,
    HI); documents are divided by sorted position into ``parts`` (``part`` is one of them), so
    tuning and evaluation never share a document."""
    folder = SEMEVAL / language / "raw-documents"
    out: list[str] = []
    for i, path in enumerate(sorted(folder.glob("*.txt"))):
        if i % parts != part:
            continue
        body = path.read_text(encoding="utf-8")
        for sentence in split_sentences(body)[1:]:  # the first line is the headline
            text = " ".join(sentence.text.split())
            if 8 <= len(text.split()) <= 40 and boilerplate_reason(text) is None:
                out.append(text)
    return out


def closed(text: str) -> str:
    """A piece on one line, ending in sentence punctuation."""
    text = " ".join(text.split())
    return text if _END.search(text) else text + "."


def build_articles(
    claims: list[Piece], distractors: list[str], prefix: str, seed: int = SEED
) -> list[Article]:
    """Articles of 3-5 claims each (every claim used once) with distractors in between."""
    rng = random.Random(f"{seed}-{prefix}")
    claims = list(claims)
    rng.shuffle(claims)
    pool = list(distractors)
    rng.shuffle(pool)
    articles: list[Article] = []
    cursor = 0
    while claims:
        take = min(len(claims), rng.randint(3, 5))
        chosen, claims = claims[:take], claims[take:]
        words = sum(len(c.text.split()) for c in chosen)
        filler: list[Piece] = []
        while words < ARTICLE_WORDS and pool:
            sentence = pool[cursor % len(pool)]
            cursor += 1
            filler.append(Piece(sentence))
            words += len(sentence.split())
        pieces = chosen + filler
        rng.shuffle(pieces)
        article = Article(f"{prefix}-{len(articles):03d}")
        for n, piece in enumerate(pieces):
            if n:
                article.text += "\n\n" if n % 3 == 0 else " "
            start = len(article.text)
            article.text += closed(piece.text)
            article.ranges.append((start, len(article.text), piece))
            article.gold |= piece.gold
            article.loose |= piece.loose
        articles.append(article)
    return articles


def diary_queries() -> list[dict[str, str]]:
    lines = (DIARY / "queries_dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def diary_qrels(name: str = "qrels_dev.tsv") -> dict[str, set[str]]:
    """Strict qrels, or with ``qrels_dev_narrative.tsv`` any claim of the gold's narrative."""
    qrels: dict[str, set[str]] = {}
    for line in (DIARY / name).read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[3].strip() != "0":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


#: SemEval has no German, Italian, Russian or Ukrainian documents: the Propaganda Diary
#: articles take their distractors from the nearest language that exists (same script).
DIARY_DISTRACTORS = {"en": "EN", "de": "EN", "it": "EN", "ru": "BG", "uk": "BG"}
