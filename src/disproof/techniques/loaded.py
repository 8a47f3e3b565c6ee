"""The technique model a database uses, loaded once per process and named by its bytes.

Which model: the one trained for the database (``<database>.techniques.npz``), else the shipped
default (``disproof.techniques.model.model_for`` without ``--model``). Its id (``model_id``) is
a digest of the file, computed without numpy, so cached results can be looked up by a page
that never loads the model (:mod:`disproof.techniques.cached`).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from disproof.errors import DisproofError

if TYPE_CHECKING:
    from disproof.settings import Settings
    from disproof.techniques.detection import Detector

_lock = threading.Lock()
_ids: dict[tuple[str, int, int], str] = {}
_loaded: dict[str, LoadedModel] = {}


@dataclass(frozen=True)
class LoadedModel:
    """A detector and the id of the model file it was loaded from."""

    detector: Detector
    model_id: str
    path: Path


def model_file(settings: Settings) -> Path:
    """The database's trained model when there is one, else the shipped default (the e5 one
    where e5 runs, :func:`disproof.techniques.model.default_model_path`)."""
    from disproof.techniques.model import beside_database, default_model_path

    trained = beside_database(settings)
    if trained is not None and trained.is_file():
        return trained
    shipped = default_model_path()
    if shipped is None:
        raise DisproofError(
            "no technique model: train one (`disproof techniques train`) or give --model"
        )
    return shipped


def model_id(path: Path) -> str:
    """``techniques-`` and the first 16 hex digits of the file's sha256 (cached by the file's
    size and modification time)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        found = _ids.get(key)
    if found is None:
        found = "techniques-" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        with _lock:
            _ids[key] = found
    return found


def current_model_id(settings: Settings) -> str:
    return model_id(model_file(settings))


def loaded_model(settings: Settings) -> LoadedModel:
    """The database's detector, loaded on first use and again when its file changes (one per
    process, shared by the server's worker threads)."""
    from disproof.techniques.detection import Detector
    from disproof.techniques.model import load_model

    path = model_file(settings)
    name = model_id(path)
    with _lock:
        found = _loaded.get(name)
    if found is None:
        found = LoadedModel(Detector(load_model(path)), name, path)
        with _lock:
            if len(_loaded) >= 4:  # old versions of a retrained model, other databases
                _loaded.clear()
            _loaded[name] = found
    return found
