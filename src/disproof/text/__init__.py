"""Multilingual text processing for claim matching.

* :func:`detect_language` - language of a text, ``"und"`` when unsure (``langid``).
* :func:`split_sentences` - sentence spans with exact offsets (``sentences``).
* :func:`claim_spans` - the sentences of a text worth checking (``claims``).
* :class:`Analyzer` - language-aware BM25 terms: stop words, stemming (``analyze``).

The names below are imported from their modules on first use (``disproof._lazy``): a user of
one module (the narrative mapping needs only the analyzer) must not load the others (claim
detection, boilerplate rules), which `disproof show` paid for at start-up.
"""

from typing import TYPE_CHECKING

from disproof._lazy import lazy_exports

if TYPE_CHECKING:
    from disproof.text.analyze import Analyzer as Analyzer
    from disproof.text.boilerplate import boilerplate_reason as boilerplate_reason
    from disproof.text.claims import ClaimSpan as ClaimSpan
    from disproof.text.claims import ClaimWeights as ClaimWeights
    from disproof.text.claims import check_worthiness as check_worthiness
    from disproof.text.claims import claim_spans as claim_spans
    from disproof.text.claims import document_language as document_language
    from disproof.text.langid import DEFAULT_LANGUAGES as DEFAULT_LANGUAGES
    from disproof.text.langid import UNDETERMINED as UNDETERMINED
    from disproof.text.langid import LanguageGuess as LanguageGuess
    from disproof.text.langid import detect_language as detect_language
    from disproof.text.lexicon import fold_diacritics as fold_diacritics
    from disproof.text.lexicon import stopwords as stopwords
    from disproof.text.sentences import Span as Span
    from disproof.text.sentences import split_sentences as split_sentences
    from disproof.text.stemming import stemmer_for as stemmer_for
    from disproof.text.stemming import stemming_languages as stemming_languages

_EXPORTS = {
    "Analyzer": f"{__name__}.analyze",
    "boilerplate_reason": f"{__name__}.boilerplate",
    **dict.fromkeys(
        ["ClaimSpan", "ClaimWeights", "check_worthiness", "claim_spans", "document_language"],
        f"{__name__}.claims",
    ),
    **dict.fromkeys(
        ["DEFAULT_LANGUAGES", "UNDETERMINED", "LanguageGuess", "detect_language"],
        f"{__name__}.langid",
    ),
    **dict.fromkeys(["fold_diacritics", "stopwords"], f"{__name__}.lexicon"),
    **dict.fromkeys(["Span", "split_sentences"], f"{__name__}.sentences"),
    **dict.fromkeys(["stemmer_for", "stemming_languages"], f"{__name__}.stemming"),
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
