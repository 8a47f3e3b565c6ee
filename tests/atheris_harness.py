"""Coverage-guided fuzzing of the importers, format detection and the text pipeline (atheris).

Run by ``tests/test_atheris.py`` as ``python -m tests.atheris_harness -runs=N …`` (libFuzzer
options). A crash is any exception other than the project's own errors, or a span whose
offsets do not give back its text; libFuzzer then writes the input to ``crash-*`` and exits
with a non-zero code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from disproof.errors import DisproofError
    from disproof.io import IMPORTERS, detect_importer
    from disproof.text import Analyzer, claim_spans, detect_language, split_sentences

FORMATS = list(IMPORTERS)
ANALYZER = Analyzer()
PATH = Path("fuzzed.txt")


def text_pipeline(text: str) -> None:
    for span in split_sentences(text):
        assert text[span.start : span.end] == span.text
    for claim in claim_spans(text):
        assert text[claim.start : claim.end] == claim.text
    detect_language(text)
    ANALYZER.tokens(text)


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    target = provider.ConsumeIntInRange(0, len(FORMATS) + 1)
    text = provider.ConsumeUnicode(len(data))
    if target == len(FORMATS) + 1:
        text_pipeline(text)
        return
    try:
        reader = IMPORTERS[FORMATS[target]] if target < len(FORMATS) else None
        reader = reader or detect_importer(PATH, text)
        for item in reader.read(PATH, text):
            assert item.row >= 1
    except DisproofError:
        pass  # refused with a message: fine


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
