"""disproof: a self-hosted database of disinformation cases and their disproofs."""

from disproof.errors import CaseNotFound, DisproofError, ImportFailed
from disproof.models import Appearance, Case, CaseQuery, Link, Narrative, SearchPage, Taxonomy

__version__ = "0.1.0"

__all__ = [
    "Appearance",
    "Case",
    "CaseNotFound",
    "CaseQuery",
    "DisproofError",
    "ImportFailed",
    "Link",
    "Narrative",
    "SearchPage",
    "Taxonomy",
    "__version__",
]
