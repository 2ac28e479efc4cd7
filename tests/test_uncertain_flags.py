"""Judgements on values that rest on withheld cells: tri-state strong flags, tier rules, reasons (issue 7, item 3)."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import polars as pl
import pytest

from exportplan.analysis import clusters as ac
from exportplan.analysis import sectors as asec
from exportplan.analysis.scoring import Criterion
from exportplan.analysis.uncertain import mark_reason
from exportplan.workspace import Workspace

COLUMBUS = ("39041", "39045", "39049", "39073")


# --------------------------------------------------------------------------- fallback flag (hand-built)

def _region(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"cluster_code": pl.String, "type": pl.String, "lq": pl.Float64,
                                      "lq_low": pl.Float64, "lq_high": pl.Float64}, orient="row")


def test_fallback_strong_flag_is_decided_by_the_lq_bounds():
    region = _region([
        ("1", "traded", 1.30, None, None),   # exact (no bounds): decides as before
        ("2", "traded", 1.10, 1.10, 1.10),   # exact bounds below the threshold
        ("3", "traded", 1.30, 1.25, 1.50),   # estimated, but both ends above: strong
        ("4", "traded", 1.30, 1.00, 1.50),   # bounds straddle 1.2: uncertain, whatever the point says
        ("5", "traded", None, 0.50, 1.19),   # no point value, bounds below: not strong
        ("6", "traded", None, 1.21, None),   # open upper bound, low above: strong
        ("7", "traded", 1.00, 0.90, None),   # open upper bound, low below: uncertain
        ("8", "local", 1.50, 1.00, 2.00),    # local clusters are never flagged
        ("9", "traded", None, None, None),   # nothing known
    ])
    out = ac.flag_fallback(region, 1.2).sort("cluster_code")
    assert out.get_column("strong").to_list() == [True, False, True, None, False, True, None, None, None]
    notes = dict(zip(out.get_column("cluster_code"), out.get_column("strong_note")))
    assert notes["4"] == "uncertain: LQ bounds 1.00..1.50 straddle 1.2"
    assert notes["7"] == "uncertain: LQ bounds 0.90..open straddle 1.2"
    assert all(notes[c] is None for c in ("1", "2", "3", "5", "6", "8", "9"))


def test_fallback_flag_without_bound_columns_is_the_plain_rule():
    region = pl.DataFrame({"cluster_code": ["1", "2", "3"], "type": ["traded"] * 3, "lq": [1.2, 1.19, None]})
    out = ac.flag_fallback(region, 1.2)
    assert out.get_column("strong").to_list() == [True, False, None]
    assert out.get_column("strong_note").null_count() == 3


# --------------------------------------------------------------------------- peer flags (hand-built)

def _peers(n: int = 11) -> pl.DataFrame:
    """One traded cluster in n peer states with LQs 0.5, 0.6, ... and employment 1000, 1100, ..."""
    return pl.DataFrame({"region_code": [f"{i:02d}" for i in range(1, n + 1)], "cluster_code": ["7"] * n,
                         "type": ["traded"] * n, "year": [2020] * n,
                         "lq": [0.5 + 0.1 * i for i in range(n)],
                         "employment": [1000.0 + 100 * i for i in range(n)],
                         "establishments": [50 + i for i in range(n)], "region_type": ["state"] * n})


def _own(lq, low, high, emp=5000.0, emp_low=None, emp_high=None) -> pl.DataFrame:
    return pl.DataFrame({"cluster_code": ["7"], "type": ["traded"], "year": [2020], "lq": [lq],
                         "lq_low": [low], "lq_high": [high], "employment": [emp],
                         "employment_low": [emp_low], "employment_high": [emp_high],
                         "establishments": [200]},
                        schema_overrides={"lq": pl.Float64, "lq_low": pl.Float64, "lq_high": pl.Float64,
                                          "employment_low": pl.Float64, "employment_high": pl.Float64})


def _flags(frame: pl.DataFrame) -> dict:
    return ac.flag_against_peers(frame, _peers()).row(0, named=True)


def test_peer_flags_are_yes_or_no_only_when_both_ends_of_the_bounds_agree():
    # Exact bounds give the flags of the plain LQ; the peers' LQ P75 is about 1.25 with the region in the pool.
    for lq in (0.4, 0.95, 1.3, 2.5):
        exact, plain = _flags(_own(lq, lq, lq)), _flags(_own(lq, None, None))
        assert [exact[f] for f in ac.FLAGS] == [plain[f] for f in ac.FLAGS], lq
        assert exact["strong_note"] is None
    high = _flags(_own(1.9, 1.6, 2.4))  # both ends above every threshold
    assert high["strong"] is True and high["significant"] is True and high["strong_note"] is None
    low = _flags(_own(0.3, 0.1, 0.4))   # both ends below
    assert low["strong"] is False and low["qualifying"] is False and low["strong_note"] is None
    wide = _flags(_own(1.9, 0.2, 2.4))  # straddles every LQ threshold: no flag is decided
    assert all(wide[f] is None for f in ac.FLAGS)
    assert wide["strong_note"].startswith("uncertain: strong, strong10, significant, qualifying: LQ bounds 0.20..2.40")
    # A flag's value at either end never contradicts a decided flag: the decided one equals both ends.
    part = _flags(_own(1.2, 1.12, 1.3))  # above the median at both ends, straddling P75
    assert part["significant"] is True and part["strong"] is None
    assert part["strong_note"].startswith("uncertain: strong:")


def test_peer_flags_use_the_employment_bounds_for_the_size_test():
    # LQ far above every threshold; employment straddles the peers' P25 of employment (about 1250).
    row = _flags(_own(3.0, 3.0, 3.0, emp=1300.0, emp_low=900.0, emp_high=1400.0))
    assert row["strong"] is None and "employment bounds 900..1400" in row["strong_note"]
    sure = _flags(_own(3.0, 3.0, 3.0, emp=1300.0, emp_low=1290.0, emp_high=1400.0))
    assert sure["strong"] is True and sure["strong_note"] is None


# --------------------------------------------------------------------------- tiers (hand-built)

def test_tier_rules_on_an_lq_whose_bounds_straddle_1():
    table = pd.DataFrame({
        "name": ["wide", "above", "below", "below-ish", "exact"],
        "rank": [6, 7, 8, 9, 10], "coverage": [1.0] * 5, "p_topk": [0.0] * 5,
        "cagr": [0.01, 0.01, 0.05, 0.05, 0.01],
        "lq": [1.21, np.nan, 0.80, 0.95, 1.00],
        "lq_low": [0.88, 1.10, 0.70, 0.80, np.nan], "lq_high": [1.65, 1.40, 0.90, 1.20, np.nan]})
    out = asec.assign_tiers(table, top_k=5).set_index("name")
    assert out.loc["wide", "tier"] == "monitor"  # not sustain on the point estimate 1.21 alone
    assert "not sustain: LQ ~1.21 uncertain (bounds 0.88-1.65 straddle 1.00)" in out.loc["wide", "tier_reason"]
    assert out.loc["above", "tier"] == "sustain"  # bounds decide even without a point value
    assert out.loc["below", "tier"] == "emerging"  # growth above the median (0.03), bounds below 1
    assert out.loc["below-ish", "tier"] == "monitor"
    assert "not emerging: LQ ~0.95 uncertain (bounds 0.80-1.20 straddle 1.00)" in out.loc["below-ish", "tier_reason"]
    assert out.loc["exact", "tier"] == "sustain"  # no bounds: the value decides as before
    assert any("bounds straddle the rule's threshold" in n for n in asec.tier_notes(5))


def test_emerging_needs_growth_above_the_median_at_both_ends_of_its_bounds():
    table = pd.DataFrame({
        "name": ["sure", "straddles", "exact-a", "exact-b", "exact-c"],
        "rank": [6, 7, 8, 9, 10], "coverage": [1.0] * 5, "p_topk": [0.0] * 5,
        "cagr": [0.05, 0.05, 0.02, 0.03, 0.01], "cagr_low": [0.04, -0.02, np.nan, np.nan, np.nan],
        "cagr_high": [0.08, 0.09, np.nan, np.nan, np.nan], "lq": [0.5] * 5})
    out = asec.assign_tiers(table, top_k=5).set_index("name")  # median CAGR 0.03
    assert out.loc["sure", "tier"] == "emerging"
    assert out.loc["straddles", "tier"] == "monitor"
    assert ("not emerging: regional growth ~+5.0% a year uncertain (bounds -2.0% to +9.0% a year straddle the "
            "median +3.0% a year)") in out.loc["straddles", "tier_reason"]


# --------------------------------------------------------------------------- reasons (hand-built)

def test_reasons_mark_estimates_with_their_bounds_and_say_an_uncertain_flag():
    crits = asec.sector_criteria("cluster")
    row = pd.Series({"raw_employment": 3942.0, "raw_lq": 1.40, "raw_strong": np.nan,
                     "employment_low": 1513.0, "employment_high": 5464.0, "lq_low": 0.1295, "lq_high": 15.205,
                     "strong_note": "uncertain: LQ bounds 0.13..15.21 straddle 1.2"})
    got = mark_reason("employment 3,942 (11th highest of 48); LQ 1.40 (3rd highest of 35)", row, crits)
    assert got == ("employment ~3,942 (estimate, bounds 1,513-5,464, 11th highest of 48); "
                   "LQ ~1.40 (estimate, bounds 0.13-15.21, 3rd highest of 35)")
    # The LQ not cited: the uncertain flag is said with the LQ bounds; exact values stay as they were.
    exact = row.copy()
    exact[["employment_low", "employment_high"]] = [3942.0, 3942.0]
    got = mark_reason("employment 3,942 (11th highest of 48); establishments 41", exact, crits)
    assert got == ("employment 3,942 (11th highest of 48); establishments 41; "
                   "strong cluster: uncertain (LQ bounds 0.13-15.21)")
    # Only a cited value's own text is rewritten (a label elsewhere in the text is not).
    weak = mark_reason("weakest on every weighted criterion: LQ 1.40", row, crits)
    assert weak == "weakest on every weighted criterion: LQ ~1.40 (estimate, bounds 0.13-15.21)"
    assert isinstance(crits[0], Criterion)
    growth = pd.Series({"raw_regional_growth": 0.021, "cagr_low": -0.062, "cagr_high": 0.061})
    assert mark_reason("regional growth +2.1% a year (7th highest of 19)", growth, crits) == \
        "regional growth ~+2.1% a year (estimate, bounds -6.2% to +6.1% a year, 7th highest of 19)"


# --------------------------------------------------------------------------- real data: Columbus, USLQ

@pytest.fixture(scope="module")
def columbus_uslq(shared_data, tmp_path_factory):
    """The issue's recipe: four Columbus-area counties against the U.S. shares implied by published LQs."""
    ws = Workspace.init(tmp_path_factory.mktemp("uncertain") / "col", name="Columbus Region",
                        counties=list(COLUMBUS), reference_area="USLQ")
    ws.import_qcew([shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv" for c in COLUMBUS])
    ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.xlsx")
    yield ws
    ws.close()


def test_columbus_never_calls_a_cluster_strong_on_bounds_that_straddle_the_threshold(columbus_uslq):
    # The sector ranking's input keeps every point estimate (max_bound_ratio inf): the flags must not use them.
    every = columbus_uslq.clusters(cluster_type="traded", max_bound_ratio=math.inf)
    threshold = float(columbus_uslq.config["analysis"]["strong_threshold"])
    on_point = (every["lq"] >= threshold) & (every["lq_low"] < threshold)
    assert on_point.sum() > 3 and every.loc[on_point, "strong"].isna().all()
    table = columbus_uslq.clusters(cluster_type="traded")
    low, high = table["lq_low"], table["lq_high"].fillna(math.inf)
    straddle = (low < threshold) & (high >= threshold)
    assert straddle.sum() > 10  # the point of the issue: most of these LQs rest on withheld cells
    assert table.loc[straddle, "strong"].isna().all()
    assert table.loc[straddle, "strong_note"].str.startswith("uncertain: LQ bounds").all()
    strong = table["strong"].fillna(False).astype(bool)
    assert (low[strong] >= threshold).all()
    assert (table.loc[table["strong"].eq(False), "lq_high"] < threshold).all()
    notes = table.attrs["exportplan"]["notes"]
    assert any(n.startswith(f"{int(straddle.sum())} strong-cluster flag(s) are uncertain") for n in notes)


def test_columbus_sector_reasons_cite_estimates_with_their_bounds(columbus_uslq):
    ranking = columbus_uslq.rank_sectors(draws=50, seed=0)
    table = ranking.table.set_index("name")
    auto = table.loc["Automotive"]
    bounds = f"{auto['lq_low']:.2f}-{auto['lq_high']:.2f}"
    assert auto["lq_high"] / auto["lq_low"] > 10 and bounds in auto["reason"], auto["reason"]
    assert auto["tier"] != "sustain" and "LQ" in auto["tier_reason"] and "uncertain" in auto["tier_reason"]
    assert math.isnan(auto["raw_strong"])  # never counted as strong on its point estimate
    loose = table["lq_low"].notna() & ((table["lq_high"] - table["lq_low"]).abs() > 1e-9) | \
        (table["lq_low"].notna() & table["lq_high"].isna())
    checked = 0
    for name, row in table[loose].iterrows():
        for cited in re.findall(r"(?:^|; |: )LQ (\S+)", row["reason"]):
            assert cited.startswith("~"), (name, row["reason"])
            assert "estimate, bounds" in row["reason"], (name, row["reason"])
            checked += 1
    assert checked > 5
    # A strong flag that counts is firm: its LQ's low end clears the threshold.
    counted = table["raw_strong"] == 1
    assert (table.loc[counted, "lq_low"] >= 1.2).all()
    notes = ranking.table.attrs["exportplan"]["notes"]
    assert sum("have an uncertain one" in n for n in notes) == 1
    # --explain shows the same: the estimate with its bounds, the flag as uncertain (not "no data").
    code = str(ranking.table.loc[ranking.table["name"] == "Automotive", "code"].iloc[0])
    values = ranking.explain(code).set_index("key")["value"]
    assert values["lq"] == f"~{auto['raw_lq']:.2f} (estimate, bounds {bounds})"
    assert values["strong"] == f"uncertain (LQ bounds {bounds})"
