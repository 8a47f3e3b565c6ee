"""A taxonomy's own words as training texts: each label's name, description and examples.

A taxonomy says what each narrative is; annotated documents show it in use. Training on both
helps most where documents are few: a subnarrative with three annotated articles still has its
definition and examples. Each node with a description or examples becomes one short text,
labelled as an annotated document of that node would be:

* a **narrative** (the level of the documents' narrative labels) → that narrative, and its
  child named ``Other`` when the taxonomy has one (SemEval's ``"<narrative>: Other"``: the
  narrative, no more specific subnarrative);
* a **subnarrative** (a child of a narrative) → its narrative and itself; its text starts with
  the narrative's name, which the subnarrative's own words often leave implicit.

Which nodes are narratives is read from the tree: the parents of leaves, and leaves without a
parent (a flat taxonomy). Nodes above them (SemEval's domains) and the top-level ``Other`` are
not labels and give no text.
"""

from __future__ import annotations

from dataclasses import dataclass

from disproof.models import Narrative, Taxonomy
from disproof.narratives.classify import OTHER


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A training text written from a taxonomy node, with the labels it stands for."""

    text: str
    narratives: tuple[str, ...]
    subnarratives: tuple[str, ...]


def _words(node: Narrative, lead: str | None = None) -> str:
    return "\n".join(part for part in (lead, node.name, node.description, *node.examples) if part)


def description_texts(taxonomy: Taxonomy) -> list[LabelledText]:
    """One labelled text per narrative and subnarrative of ``taxonomy`` that has a description
    or examples (see the module text for the labels)."""
    children: dict[str, list[Narrative]] = {}
    for node in taxonomy.narratives:
        if node.parent is not None:
            children.setdefault(node.parent, []).append(node)
    leaves = [n for n in taxonomy.narratives if n.id not in children and n.id != OTHER]
    narrative_ids = {n.parent for n in leaves if n.parent is not None} | {
        n.id for n in leaves if n.parent is None
    }
    by_id = {node.id: node for node in taxonomy.narratives}
    out: list[LabelledText] = []
    for node in taxonomy.narratives:
        if not node.description and not node.examples:
            continue
        if node.id in narrative_ids:
            other = [c.id for c in children.get(node.id, []) if c.name == OTHER]
            out.append(LabelledText(_words(node), (node.id,), tuple(other)))
        elif node.parent in narrative_ids:
            parent = by_id[node.parent]
            out.append(LabelledText(_words(node, parent.name), (parent.id,), (node.id,)))
    return out
