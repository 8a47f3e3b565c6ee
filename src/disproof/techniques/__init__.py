"""Persuasion techniques: how a text tries to persuade (loaded language, name calling, doubt,
appeal to fear …), in the 23-technique taxonomy of SemEval-2023 Task 3, as character spans.

Public entry points (what the web pages and reports use):

* :func:`detect` ``(text, model, *, embedder=None) -> list[TechniqueSpan]`` — spans with
  ``technique``, ``start``, ``end`` (offsets into ``text``) and ``score``;
  :class:`Detector` does the same for many texts with one model and embedder;
* :func:`load_model` ``(path=None)`` — a saved model, or the shipped default;
* :func:`technique_info` ``(name) -> Technique`` — display name, category and a one-line
  definition written by the project.

Labels are model output; say so wherever they are shown.
"""

from __future__ import annotations

from disproof.techniques.detect import Detector, TechniqueSpan, detect
from disproof.techniques.model import TechniqueModel, default_model_path, load_model
from disproof.techniques.taxonomy import NAMES, TECHNIQUES, Technique, technique_info

__all__ = [
    "NAMES",
    "TECHNIQUES",
    "Detector",
    "Technique",
    "TechniqueModel",
    "TechniqueSpan",
    "default_model_path",
    "detect",
    "load_model",
    "technique_info",
]
