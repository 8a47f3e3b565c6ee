"""Multilingual text processing for claim matching.

* :func:`detect_language` - language of a text, ``"und"`` when unsure (``langid``).
* :func:`split_sentences` - sentence spans with exact offsets (``sentences``).
* :func:`claim_spans` - the sentences of a text worth checking (``claims``).
* :class:`Analyzer` - language-aware BM25 terms: stop words, stemming (``analyze``).
"""

from disproof.text.analyze import Analyzer
from disproof.text.boilerplate import boilerplate_reason
from disproof.text.claims import (
    ClaimSpan,
    ClaimWeights,
    check_worthiness,
    claim_spans,
    document_language,
)
from disproof.text.langid import DEFAULT_LANGUAGES, UNDETERMINED, LanguageGuess, detect_language
from disproof.text.lexicon import fold_diacritics, stopwords
from disproof.text.sentences import Span, split_sentences
from disproof.text.stemming import stemmer_for, stemming_languages

__all__ = [
    "DEFAULT_LANGUAGES",
    "UNDETERMINED",
    "Analyzer",
    "ClaimSpan",
    "ClaimWeights",
    "LanguageGuess",
    "Span",
    "boilerplate_reason",
    "check_worthiness",
    "claim_spans",
    "detect_language",
    "document_language",
    "fold_diacritics",
    "split_sentences",
    "stemmer_for",
    "stemming_languages",
    "stopwords",
]
