"""Claim matching: which known cases does a text repeat? (see docs/matching.md)

Get a ``Matcher`` from the service, which loads or builds the index for the current cases::

    from disproof.service import Disproof
    from disproof.settings import Settings

    matcher = Disproof.open(Settings(db="cases.db")).matcher()
    result = matcher.match("Ukraine shot down MH17")
"""

from disproof.match.calibration import Band, Calibration, calibration_for
from disproof.match.index import CaseIndex, build_index
from disproof.match.matcher import Matcher

__all__ = ["Band", "Calibration", "CaseIndex", "Matcher", "build_index", "calibration_for"]
