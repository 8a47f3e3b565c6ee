"""Persuasion techniques: how a text tries to persuade (loaded language, name calling, doubt,
appeal to fear …), in the 23-technique taxonomy of SemEval-2023 Task 3, as character spans.

Public entry points (what the web pages and reports use):

* :func:`detect` ``(text, model, *, embedder=None) -> list[TechniqueSpan]`` — spans with
  ``technique``, ``start``, ``end`` (offsets into ``text``) and ``score``;
  :class:`Detector` does the same for many texts with one model and embedder;
* :func:`load_model` ``(path=None)`` — a saved model, or the shipped default;
* :func:`technique_info` ``(name) -> Technique`` — display name, category and a one-line
  definition written by the project;
* :func:`shown_spans` — spans numbered, named and quoted for people; :data:`NOTE`;
* :func:`text_techniques` — the spans of many texts, cached in the store per text and model.

Labels are model output; say so wherever they are shown.

The names are imported from their modules on first use (``disproof._lazy``): the taxonomy and the
cache are read without loading numpy or the model.
"""

from typing import TYPE_CHECKING

from disproof._lazy import lazy_exports

if TYPE_CHECKING:
    from disproof.techniques.cached import claim_text as claim_text
    from disproof.techniques.cached import text_techniques as text_techniques
    from disproof.techniques.detection import Detector as Detector
    from disproof.techniques.detection import TechniqueSpan as TechniqueSpan
    from disproof.techniques.detection import detect as detect
    from disproof.techniques.model import TechniqueModel as TechniqueModel
    from disproof.techniques.model import default_model_path as default_model_path
    from disproof.techniques.model import load_model as load_model
    from disproof.techniques.shown import NOTE as NOTE
    from disproof.techniques.shown import ShownSpan as ShownSpan
    from disproof.techniques.shown import shown_spans as shown_spans
    from disproof.techniques.taxonomy import NAMES as NAMES
    from disproof.techniques.taxonomy import TECHNIQUES as TECHNIQUES
    from disproof.techniques.taxonomy import Technique as Technique
    from disproof.techniques.taxonomy import technique_info as technique_info

_EXPORTS = {
    **dict.fromkeys(["claim_text", "text_techniques"], f"{__name__}.cached"),
    **dict.fromkeys(["Detector", "TechniqueSpan", "detect"], f"{__name__}.detection"),
    **dict.fromkeys(["TechniqueModel", "default_model_path", "load_model"], f"{__name__}.model"),
    **dict.fromkeys(["NOTE", "ShownSpan", "shown_spans"], f"{__name__}.shown"),
    **dict.fromkeys(["NAMES", "TECHNIQUES", "Technique", "technique_info"], f"{__name__}.taxonomy"),
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
