"""Shift-share pinned to a decomposition worked out by hand (methods.md §1).

A tiny region and reference area, private ownership (own_code 5), 2015 → 2020:

==========  =============  ================  ======================
industry    region e0→e1    reference x0→x1   reference growth G_i
==========  =============  ================  ======================
10 (total)  400 → 440       10,000 → 11,000   G = 1,000/10,000 = 0.10
311 food    100 → 130        1,000 →  1,200   200/1,000 = 0.20
541 prof.   200 → 210        2,000 →  2,100   100/2,000 = 0.05
336 transp.  50 →  40          500 →    450   −50/500 = −0.10
==========  =============  ================  ======================

With g_i = e1/e0 − 1 the region's growth: national share = e0·G, industry
mix = e0·(G_i − G), competitive shift = e0·(g_i − G_i), and the three add
up to the change e1 − e0. The arithmetic for each row is written next to
its expected values below.
"""
from __future__ import annotations

import polars as pl
import pytest

from exportplan.analysis.shift_share import shift_share

SCHEMA = {"area_fips": pl.String, "own_code": pl.String, "industry_code": pl.String, "agglvl_code": pl.String,
          "size_code": pl.String, "year": pl.Int32, "qtr": pl.String, "disclosure_code": pl.String,
          "estabs": pl.Int64, "emplvl": pl.Float64, "total_wages": pl.Float64, "avg_annual_pay": pl.Float64,
          "bls_lq_emplvl": pl.Float64, "industry_title": pl.String}


def frame(area: str, employment: dict[int, dict[str, float | None]]) -> pl.DataFrame:
    """One area's canonical QCEW rows: year → {industry: employment} (None = withheld)."""
    rows = []
    for year, cells in employment.items():
        for ind, emp in cells.items():
            rows.append({"area_fips": area, "own_code": "5", "industry_code": ind, "agglvl_code": "70",
                         "size_code": "0", "year": year, "qtr": "A", "disclosure_code": "N" if emp is None else "",
                         "estabs": 10, "emplvl": emp, "total_wages": None if emp is None else emp * 50_000.0,
                         "avg_annual_pay": None, "bls_lq_emplvl": None, "industry_title": None})
    return pl.DataFrame(rows, schema=SCHEMA)


REGION = frame("39999", {2015: {"10": 400, "311": 100, "541": 200, "336": 50},
                         2020: {"10": 440, "311": 130, "541": 210, "336": 40}})
REFERENCE = frame("US000", {2015: {"10": 10_000, "311": 1_000, "541": 2_000, "336": 500},
                            2020: {"10": 11_000, "311": 1_200, "541": 2_100, "336": 450}})

#: industry → (e0, e1, change, g_i, G_i, G, national share, industry mix, competitive shift), by hand.
EXPECTED = {
    # g = 130/100 − 1 = 0.30; NS = 100 × 0.10 = 10; IM = 100 × (0.20 − 0.10) = 10;
    # CS = 100 × (0.30 − 0.20) = 10; 10 + 10 + 10 = 30 = 130 − 100.
    "311": (100, 130, 30, 0.30, 0.20, 0.10, 10.0, 10.0, 10.0),
    # g = 210/200 − 1 = 0.05; NS = 200 × 0.10 = 20; IM = 200 × (0.05 − 0.10) = −10;
    # CS = 200 × (0.05 − 0.05) = 0; 20 − 10 + 0 = 10 = 210 − 200.
    "541": (200, 210, 10, 0.05, 0.05, 0.10, 20.0, -10.0, 0.0),
    # g = 40/50 − 1 = −0.20; NS = 50 × 0.10 = 5; IM = 50 × (−0.10 − 0.10) = −10;
    # CS = 50 × (−0.20 − (−0.10)) = −5; 5 − 10 − 5 = −10 = 40 − 50.
    "336": (50, 40, -10, -0.20, -0.10, 0.10, 5.0, -10.0, -5.0),
    # The total grows at G itself: NS = 400 × 0.10 = 40; IM = 400 × (0.10 − 0.10) = 0; CS = 400 × (0.10 − 0.10) = 0.
    "10": (400, 440, 40, 0.10, 0.10, 0.10, 40.0, 0.0, 0.0),
}
COLUMNS = ["e0", "e1", "change", "g_i", "G_i", "G", "national_share", "industry_mix", "competitive_shift"]


def test_three_parts_match_the_hand_worked_values():
    out = shift_share(REGION, REFERENCE, 2015, 2020)
    got = {r["industry_code"]: r for r in out.iter_rows(named=True)}
    assert set(got) == set(EXPECTED)
    for ind, want in EXPECTED.items():
        row = got[ind]
        assert (row["start_year"], row["end_year"]) == (2015, 2020)
        for col, value in zip(COLUMNS, want):
            assert row[col] == pytest.approx(value, abs=1e-9), (ind, col)
        # national share + industry mix + competitive shift = change
        parts = row["national_share"] + row["industry_mix"] + row["competitive_shift"]
        assert parts == pytest.approx(row["change"], abs=1e-9)
    # Summed over the three industries: NS 10 + 20 + 5 = 35, IM 10 − 10 − 10 = −10, CS 10 + 0 − 5 = 5,
    # change 30 + 10 − 10 = 30 = 35 − 10 + 5.
    inds = [got[i] for i in ("311", "541", "336")]
    assert sum(r["national_share"] for r in inds) == pytest.approx(35.0)
    assert sum(r["industry_mix"] for r in inds) == pytest.approx(-10.0)
    assert sum(r["competitive_shift"] for r in inds) == pytest.approx(5.0)
    assert sum(r["change"] for r in inds) == pytest.approx(30.0)


def test_a_withheld_end_gives_no_parts_rather_than_a_guess():
    region = frame("39999", {2015: {"10": 400, "311": 100}, 2020: {"10": 440, "311": None}})
    out = shift_share(region, REFERENCE, 2015, 2020).filter(pl.col("industry_code") == "311").row(0, named=True)
    assert out["national_share"] is None and out["industry_mix"] is None and out["competitive_shift"] is None
