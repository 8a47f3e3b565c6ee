"""Narratives: taxonomies of recurring disinformation narratives (classifiers come later)."""

from disproof.narratives.taxonomy import BUILTIN_TAXONOMY, builtin_taxonomy, load_taxonomy

__all__ = ["BUILTIN_TAXONOMY", "builtin_taxonomy", "load_taxonomy"]
