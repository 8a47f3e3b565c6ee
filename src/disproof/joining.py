"""One case per claim across sources, inside an import's transaction.

Each record of the file is first put together with the stored case it already is (same id, or
an alias of a merged case): a plain record replaces its case as before; a record of a merged
case refreshes it (:func:`disproof.sameclaim.refresh`). Then the records are linked with the
stored cases of the same claim from another source (:func:`disproof.sameclaim.link`) and each
claim's records are folded into one case under the canonical id: the stored case kept is
renamed to it (its history goes along), the others are retired with a ``merge`` history entry
and live on as aliases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection

from disproof.models import Case
from disproof.sameclaim import ALIASES, Claim, aliases_of, fold, link, refresh
from disproof.store import claims
from disproof.store.history import EditMark


@dataclass
class Joined:
    """What linking an import's records with the stored cases decided."""

    #: the cases to write (each once, under its final id)
    cases: list[Case] = field(default_factory=list)
    #: record id → the id of the case it ends up in
    final: dict[str, str] = field(default_factory=dict)
    #: record id → the rule that merged it with a case from another source in this import
    rule: dict[str, str] = field(default_factory=dict)
    #: stored ids folded into another case (now aliases of it)
    retired: list[str] = field(default_factory=list)
    #: (old id, new id) of stored cases renamed to their claim's canonical id
    renamed: list[tuple[str, str]] = field(default_factory=list)
    #: text-less case id → the cases that claim it equally (left apart)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


def _current(
    connection: Connection, records: list[Case]
) -> tuple[dict[str, Case], dict[str, list[str]], set[str]]:
    """Each record put together with the stored case it already is: the resulting cases by
    stored id (or the record's own id when new), the records behind each, the stored ids."""
    names = {r.id: [r.id, *aliases_of(r.extra)] for r in records}
    where = claims.resolve(connection, [n for ns in names.values() for n in ns])
    home = {rid: next((where[n] for n in ns if n in where), rid) for rid, ns in names.items()}
    found = set(where.values())
    stored = claims.load(connection, claims.merged(connection, found))  # only these are refreshed
    current: dict[str, Case] = {}
    owner: dict[str, list[str]] = {}
    for record in records:
        key = home[record.id]
        before = current.get(key) or stored.get(key)
        if before is not None and ALIASES in before.extra:  # a case merged across sources
            current[key] = refresh(before, record)
        else:
            current[key] = record
        owner.setdefault(key, []).append(record.id)
    return current, owner, found


def join(connection: Connection, records: list[Case], mark: EditMark, now: dt.datetime) -> Joined:
    """Decide and prepare (renames, retirements) the writes of ``records`` (in file order)."""
    out = Joined()
    current, owner, stored = _current(connection, records)
    datasets = {c.source.dataset for c in current.values() if c.source.dataset}
    pool = [replace(Claim.of(c), id=key) for key, c in current.items()]
    pool += [c for c in claims.candidates(connection, datasets) if c.id not in current]
    links = link(pool)
    # only what this import touches: a stored entry left apart earlier is no news of this file
    out.ambiguous = {
        entry: claimants
        for entry, claimants in links.ambiguous.items()
        if entry in current or any(c in current for c in claimants)
    }
    wanted = {m for p, secs in links.groups.items() for m in [p, *(s for s, _ in secs)]}
    loaded = claims.load(connection, wanted - set(current))
    grouped: set[str] = set()
    folded: dict[str, str] = {}  # stored id → the case it is folded into
    for primary_id, secondaries in links.groups.items():
        keys = [primary_id, *(s for s, _ in secondaries)]
        parts = [current.get(k) or loaded[k] for k in keys]
        merged = fold(parts[0], parts[1:])
        rules = {primary_id: secondaries[0][1], **dict(secondaries)}
        in_db = [k for k in keys if k in loaded or k in stored]
        keep = merged.id if merged.id in in_db or not in_db else in_db[0]
        if keep != merged.id:
            out.renamed.append((keep, merged.id))
        out.retired += [key for key in in_db if key != keep]
        folded |= {key: merged.id for key in in_db if key != keep}
        for key in keys:
            grouped.add(key)
            for rid in owner.get(key, []):
                out.final[rid] = merged.id
                out.rule[rid] = rules[key]
        out.cases.append(merged)
    for key, case in current.items():
        if key in grouped:
            continue
        if key in stored and case.id != key:
            out.renamed.append((key, case.id))
        for rid in owner[key]:
            out.final[rid] = case.id
        out.cases.append(case)
    claims.retire(connection, folded, mark, now)
    claims.rename(connection, out.renamed)
    return out
