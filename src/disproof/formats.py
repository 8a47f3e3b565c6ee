"""The names of the import and export formats, without loading their modules.

The command line's help texts name them; ``disproof.io`` holds the modules behind each name
(and ``tests/test_startup.py`` checks the two agree).
"""

from __future__ import annotations

#: Import formats by name, in detection order (most specific first).
IMPORT_FORMATS = ("checkthat-vclaims", "euvsdisinfo-csv", "euvsdisinfo-index", "jsonl")
#: Export formats by name.
EXPORT_FORMATS = ("jsonl", "csv", "claimreview")
