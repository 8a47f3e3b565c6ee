"""SemEval-2025 Task 10 (subtask 2) data: its two-level taxonomy and its labelled documents.

The dataset names labels by path: ``"URW: Discrediting Ukraine"`` is a narrative of the
Ukraine–Russia war domain, ``"URW: Discrediting Ukraine: Ukraine is a puppet of the West"`` one of
its subnarratives, ``"URW: Discrediting Ukraine: Other"`` a text of that narrative fitting no
listed subnarrative, and ``"Other"`` a text with no narrative at all. Those label strings are the
narrative ids of the imported :class:`~disproof.models.Taxonomy`, so predictions and taxonomy
speak the same words. A language folder holds ``raw-documents/*.txt`` and
``subtask-2-annotations.txt`` (``file<TAB>narratives;…<TAB>subnarratives;…``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from disproof.errors import DisproofError
from disproof.folders import OutsideFolder, inside
from disproof.models import Narrative, Taxonomy
from disproof.narratives.classify import OTHER

SEPARATOR = ": "
ANNOTATIONS = "subtask-2-annotations.txt"
TAXONOMY = "taxonomy.json"
DOCUMENTS = "raw-documents"
#: Full names of the dataset's domains (the label prefixes).
DOMAINS = {"URW": "Ukraine–Russia war", "CC": "Climate change"}


@dataclass(frozen=True, slots=True)
class LabelledDocument:
    """One annotated article: its file name, language folder, text and both label sets."""

    id: str
    language: str
    text: str
    narratives: tuple[str, ...]
    subnarratives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Definition:
    """What the dataset's definitions file says of one label."""

    text: str = ""
    examples: tuple[str, ...] = ()


def _definitions(path: Path, key: str) -> dict[str, Definition]:
    """``label name → definition`` from a definitions CSV (``<key>,definition,example(s),…``);
    examples are one per line of the example column."""
    if not path.exists():
        return {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DisproofError(f"{path}: cannot read the definitions: {exc}") from exc
    out: dict[str, Definition] = {}
    for number, row in enumerate(rows, start=2):
        name = (row.get(key) or "").strip()
        if not name:
            raise DisproofError(f"{path}, line {number}: no {key!r} name")
        examples = row.get("examples") or row.get("example") or ""
        out[name] = Definition(
            text=(row.get("definition") or "").strip(),
            examples=tuple(line.strip() for line in examples.splitlines() if line.strip()),
        )
    return out


def _node(id_: str, name: str, parent: str, definition: Definition | None) -> Narrative:
    definition = definition or Definition()
    return Narrative(
        id=id_,
        name=name,
        parent=parent,
        description=definition.text,
        examples=list(definition.examples),
    )


def load_semeval_taxonomy(path: Path) -> Taxonomy:
    """The taxonomy of ``taxonomy.json`` (``{domain: {narrative: [subnarrative, …]}}``).

    Nodes: each domain (``"URW"``), each narrative under it, each subnarrative under its narrative
    plus the dataset's ``"<narrative>: Other"``, and the top-level ``"Other"``. Descriptions and
    examples come from ``narrative_definitions.csv`` / ``subnarrative_definitions.csv`` beside it
    when present.
    """
    try:
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DisproofError(f"{path}: cannot read the SemEval taxonomy: {exc}") from exc
    if not isinstance(tree, dict):
        raise DisproofError(f"{path}: expected an object of domains")
    coarse = _definitions(path.parent / "narrative_definitions.csv", "narrative")
    fine = _definitions(path.parent / "subnarrative_definitions.csv", "subnarrative")
    nodes = [Narrative(id=OTHER, name=OTHER, description="No narrative of the taxonomy.")]
    for domain, narratives in tree.items():
        if not isinstance(narratives, dict):
            raise DisproofError(f"{path}: domain {domain!r} is not an object of narratives")
        nodes.append(Narrative(id=domain, name=DOMAINS.get(domain, domain)))
        for name, subs in narratives.items():
            narrative_id = f"{domain}{SEPARATOR}{name}"
            nodes.append(_node(narrative_id, name, domain, coarse.get(name)))
            for sub in dict.fromkeys([*subs, OTHER]):  # the file lists Other under some
                nodes.append(
                    _node(f"{narrative_id}{SEPARATOR}{sub}", sub, narrative_id, fine.get(sub))
                )
    return Taxonomy(id="semeval2025-t10", name="SemEval-2025 Task 10 narratives", narratives=nodes)


def taxonomy_beside(folders: Sequence[Path]) -> Path | None:
    """The ``taxonomy.json`` the dataset keeps beside its language folders, if there is one."""
    for folder in folders:
        candidate = folder.parent / TAXONOMY
        if candidate.is_file():
            return candidate
    return None


def _labels(field: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(label.strip() for label in field.split(";") if label.strip()))


def parse_annotations(
    text: str, source: str, documents: Path | None = None
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """``file → (narratives, subnarratives)`` from an annotation file's text.

    Raises :class:`DisproofError` naming ``source`` and the line for a line without three
    tab-separated fields, with an empty label set, repeating a file, or naming a file outside
    ``documents`` (when given: the folder the files must be in).
    """
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 3:
            raise DisproofError(
                f"{source}, line {number}: expected file<TAB>narratives<TAB>subnarratives, "
                f"found {len(fields)} field(s)"
            )
        name, narratives, subnarratives = fields[0].strip(), _labels(fields[1]), _labels(fields[2])
        if not name or not narratives or not subnarratives:
            raise DisproofError(f"{source}, line {number}: a file name and both label sets needed")
        if name in out:
            raise DisproofError(f"{source}, line {number}: {name} is annotated twice")
        if documents is not None:
            try:
                inside(documents, name)
            except OutsideFolder as exc:
                raise DisproofError(f"{source}, line {number}: refused: {exc}") from None
        out[name] = (narratives, subnarratives)
    return out


def load_semeval_documents(folder: Path) -> list[LabelledDocument]:
    """The annotated documents of one language folder (e.g. ``…/semeval2025_t10/EN``).

    Raises :class:`DisproofError` when the annotation file or an annotated document is missing.
    """
    annotations_path = folder / ANNOTATIONS
    try:
        annotations = parse_annotations(
            annotations_path.read_text(encoding="utf-8"), str(annotations_path), folder / DOCUMENTS
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise DisproofError(f"{annotations_path}: cannot read the annotations: {exc}") from exc
    documents = []
    for name, (narratives, subnarratives) in sorted(annotations.items()):
        path = inside(folder / DOCUMENTS, name)  # checked line by line above
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DisproofError(f"{path}: cannot read the annotated document: {exc}") from exc
        documents.append(LabelledDocument(name, folder.name, text, narratives, subnarratives))
    return documents
