"""The industries page's strong flags in words: the flag that holds, and a stronger one the withheld data leave
open said as "may be ..." with the analysis's note (bounds and thresholds) behind it."""
from __future__ import annotations

from exportplan.web.pages.industries import _flags

NOTE = ("uncertain: strong, strong10: LQ bounds 0.88..1.65, employment bounds 72956..76806 straddle the peer "
        "thresholds (strong: LQ at least 1 and at least the peers' P75, 0.96, with employment and establishments "
        "above the peers' P25)")


def test_a_sure_flag_is_named_and_an_uncertain_stronger_one_is_a_maybe():
    [flag] = _flags({"significant": True, "strong": None, "strong10": None, "strong_note": NOTE})
    assert flag["text"] == "Significant"
    assert flag["maybe"] == "may be strong (top 10%)"
    assert flag["note"] == NOTE


def test_sure_flags_and_no_flag():
    assert _flags({"strong10": True, "strong": True, "significant": True, "strong_note": None}) == [
        {"text": "Strong (top 10%)", "note": "", "maybe": ""}]
    assert _flags({"strong": False, "significant": False, "strong_note": float("nan")}) == []
    [only] = _flags({"strong": None, "strong_note": "uncertain: LQ bounds 0.90..1.10 straddle 1"})
    assert only["text"] == "" and only["note"].startswith("uncertain: LQ bounds")
    assert only["maybe"] == "may be strong"  # the LQ-only rule's flag
