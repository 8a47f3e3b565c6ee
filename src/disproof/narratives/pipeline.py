"""Narrative classification end to end: texts → document vectors → a trained or loaded model.

What the CLI (and later the service) calls; embedding and chunking are chosen here and recorded
in the model (``meta.json``: ``model_id``, ``chunking``) so that classification embeds exactly
as training did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from disproof.embed.base import Embedder
from disproof.errors import DisproofError
from disproof.models import Case
from disproof.narratives.chunks import Chunking, embed_documents
from disproof.narratives.classify import (
    OTHER,
    NarrativeModel,
    NarrativePrediction,
    TrainingOptions,
    load_model,
    train,
)
from disproof.narratives.mapping import KeywordMapping, builtin_mapping
from disproof.narratives.semeval import LabelledDocument, load_semeval_documents

#: Title and lead (the first 1,200 characters of whole sentences): see docs/narratives.md.
DEFAULT_CHUNKING = Chunking(max_chunks=1, max_chars=1200)


def train_semeval(
    folders: Sequence[Path],
    embedder: Embedder,
    options: TrainingOptions | None = None,
    chunking: Chunking = DEFAULT_CHUNKING,
) -> NarrativeModel:
    """A model trained on the annotated documents of SemEval language folders."""
    documents: list[LabelledDocument] = []
    for folder in folders:
        if not folder.is_dir():
            raise DisproofError(f"{folder}: not a SemEval language folder")
        documents.extend(load_semeval_documents(folder))
    vectors = embed_documents(embedder, [d.text for d in documents], chunking)
    meta = {
        "model_id": embedder.model_id,
        "chunking": {"max_chunks": chunking.max_chunks, "max_chars": chunking.max_chars},
        "trained_on": [f"semeval:{folder.name}" for folder in folders],
    }
    return train(
        vectors,
        [d.narratives for d in documents],
        [d.subnarratives for d in documents],
        options=options or TrainingOptions(),
        meta=meta,
    )


def case_text(case: Case) -> str:
    """What a classifier trained on cases reads of one: title, claim summary and disproof."""
    return "\n".join(part for part in (case.title, case.summary, case.disproof) if part)


def case_labels(case: Case, mapping: KeywordMapping) -> tuple[list[str], list[str]]:
    """(narratives, subnarratives) of a case: its analysts' narratives and those its keywords
    imply; a taxonomy node with a parent is a subnarrative, its parent the narrative."""
    found = mapping.narratives(case.narratives, case.keywords)
    coarse = [n.id for n in found if n.id not in mapping.parent]
    fine = [n.id for n in found if n.id in mapping.parent]
    return coarse or [OTHER], fine or [OTHER]


def train_cases(
    cases: Iterable[Case],
    embedder: Embedder,
    options: TrainingOptions | None = None,
    chunking: Chunking = DEFAULT_CHUNKING,
    mapping: KeywordMapping | None = None,
) -> NarrativeModel:
    """A model trained on cases: their text, and the narratives they advance under the
    taxonomy's keyword mapping (the shipped taxonomy unless ``mapping`` says otherwise)."""
    mapping = mapping or builtin_mapping()
    texts: list[str] = []
    coarse: list[list[str]] = []
    fine: list[list[str]] = []
    for case in cases:
        text = case_text(case)
        if not text.strip():
            continue
        labels = case_labels(case, mapping)
        texts.append(text)
        coarse.append(labels[0])
        fine.append(labels[1])
    if not any(labels != [OTHER] for labels in coarse):
        raise DisproofError(
            "no case advances a narrative of the taxonomy (none has narratives, and no keyword "
            "maps to one): nothing to learn"
        )
    vectors = embed_documents(embedder, texts, chunking)
    meta = {
        "model_id": embedder.model_id,
        "chunking": {"max_chunks": chunking.max_chunks, "max_chars": chunking.max_chars},
        "trained_on": [f"cases:{mapping.taxonomy.id}"],
        "taxonomy": mapping.taxonomy.id,
    }
    parents = mapping.parent
    return train(
        vectors,
        coarse,
        fine,
        parent_of=lambda label: parents[label],
        options=options or TrainingOptions(),
        meta=meta,
    )


@dataclass(frozen=True)
class NarrativeClassifier:
    """A loaded model with the embedder it was trained with."""

    model: NarrativeModel
    embedder: Embedder

    @classmethod
    def load(cls, folder: Path, embedder: Embedder) -> NarrativeClassifier:
        return cls(load_model(folder, embedder.model_id), embedder)

    @property
    def chunking(self) -> Chunking:
        setting = self.model.meta.get("chunking") or {}
        return Chunking(
            max_chunks=int(setting.get("max_chunks", DEFAULT_CHUNKING.max_chunks)),
            max_chars=int(setting.get("max_chars", DEFAULT_CHUNKING.max_chars)),
        )

    def classify(self, texts: Sequence[str]) -> list[NarrativePrediction]:
        """Predicted narratives and subnarratives of each text."""
        if not texts:
            return []
        return self.model.predict(embed_documents(self.embedder, texts, self.chunking))
