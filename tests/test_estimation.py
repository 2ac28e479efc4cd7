"""Estimating withheld QCEW cells: residual of the parent industry shared by establishments.

The estimates must add up to the parent, never touch a disclosed cell, and stay
marked (``estimated``) through region sums and the tables.
"""
from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportplan.analysis.clusters import cluster_table
from exportplan.analysis.area_frames import naics_level_expr, region_sum
from exportplan.analysis.estimation import drop_estimates, estimate_withheld, naics_parent_expr
from exportplan.analysis.industry import industry_table
from exportplan.analysis.location_quotients import location_quotients
from exportplan.errors import ExportPlanError
from exportplan.sources.qcew import read_qcew

SCHEMA = {"area_fips": pl.String, "own_code": pl.String, "industry_code": pl.String, "agglvl_code": pl.String,
          "size_code": pl.String, "year": pl.Int32, "qtr": pl.String, "disclosure_code": pl.String,
          "estabs": pl.Int64, "emplvl": pl.Float64, "total_wages": pl.Float64, "avg_annual_pay": pl.Float64,
          "bls_lq_emplvl": pl.Float64}


def cells(rows: list[tuple], area: str = "00001", year: int = 2020, own: str = "5") -> pl.DataFrame:
    """A canonical frame from (code, employment or None for withheld, establishments[, wages]) tuples."""
    out = []
    for code, emp, est, *wages in rows:
        pay = wages[0] if wages else (None if emp is None else emp * 50_000.0)
        out.append({"area_fips": area, "own_code": own, "industry_code": code, "agglvl_code": "7",
                    "size_code": "0", "year": year, "qtr": "A", "disclosure_code": "N" if emp is None else "",
                    "estabs": est, "emplvl": emp, "total_wages": pay,
                    "avg_annual_pay": None if emp is None else pay / emp if emp else None, "bls_lq_emplvl": None})
    return pl.DataFrame(out, schema=SCHEMA)


def value(frame: pl.DataFrame, code: str, column: str = "emplvl"):
    return frame.filter(pl.col("industry_code") == code).get_column(column)[0]


# ---------------------------------------------------------------- hand examples

def test_residual_is_shared_by_establishments():
    data = cells([("311", 1000.0, 50, 60_000_000.0), ("3111", 400.0, 10, 20_000_000.0),
                  ("3112", None, 30), ("3113", None, 10)])
    out = estimate_withheld(data)
    # R = 1000 - 400 = 600 jobs and 40,000,000 of wages, split 30:10.
    assert value(out, "3112") == pytest.approx(450.0) and value(out, "3113") == pytest.approx(150.0)
    assert value(out, "3112", "total_wages") == pytest.approx(30_000_000.0)
    assert value(out, "3113", "avg_annual_pay") == pytest.approx(10_000_000.0 / 150.0)
    assert out.get_column("estimated").to_list() == [False, False, True, True]
    assert out.filter(pl.col("estimated")).get_column("disclosure_code").to_list() == ["N", "N"]  # still withheld
    assert "residual of 311" in value(out, "3112", "estimate_note")
    assert value(out, "3111", "estimate_note") is None
    assert drop_estimates(out).equals(data)


def test_nested_withheld_parent_feeds_its_children():
    data = cells([("336", 1000.0, 40), ("3361", 700.0, 20), ("3364", None, 12), ("33641", None, 12),
                  ("336411", None, 6), ("336412", None, 3), ("336413", 30.0, 3)])
    shuffled = data.sample(fraction=1.0, shuffle=True, seed=7)  # row order must not matter
    for frame in (data, shuffled):
        out = estimate_withheld(frame)
        assert value(out, "3364") == pytest.approx(300.0)  # the only withheld child of 336
        assert value(out, "33641") == pytest.approx(300.0)  # the only child of the estimated 3364
        assert value(out, "336411") == pytest.approx(180.0)  # (300 - 30) * 6/9
        assert value(out, "336412") == pytest.approx(90.0)
        assert out.filter(pl.col("estimated")).height == 4


def test_negative_residual_is_clipped_and_noted():
    data = cells([("311", 100.0, 20), ("3111", 60.0, 5), ("3112", 45.0, 5), ("3113", None, 10)])
    out = estimate_withheld(data)
    assert value(out, "3113") == 0.0 and value(out, "3113", "estimated") is True
    assert "negative (-5" in value(out, "3113", "estimate_note")


def test_children_of_an_unknown_parent_stay_missing():
    # The 3-digit parent is withheld and has no parent row to be estimated from.
    data = cells([("311", None, 5), ("3111", None, 3), ("3112", 10.0, 2)])
    out = estimate_withheld(data)
    assert out.get_column("emplvl").null_count() == 2
    assert not out.get_column("estimated").any()


def test_equal_split_without_establishments_and_sectors_from_the_total():
    data = cells([("10", 500.0, 30), ("31-33", None, 0), ("44-45", None, 0), ("54", 300.0, 30), ("311", None, 0)])
    out = estimate_withheld(data)
    assert value(out, "31-33") == pytest.approx(100.0) and value(out, "44-45") == pytest.approx(100.0)
    assert value(out, "311") == pytest.approx(100.0)  # the sector range 31-33 is the parent of 311
    parents = pl.DataFrame({"industry_code": ["10", "31-33", "311", "3361", "336411", "4411", "493"]}).select(
        naics_parent_expr()).to_series().to_list()
    assert parents == [None, "10", "31-33", "336", "33641", "441", "48-49"]


def test_estimation_is_per_area_year_and_ownership():
    a = cells([("311", 100.0, 2), ("3111", None, 1)], area="00001")
    b = cells([("311", 50.0, 2), ("3111", None, 1)], area="00002")
    c = cells([("311", 70.0, 2), ("3111", None, 1)], area="00001", year=2019)
    d = cells([("311", 9.0, 2), ("3111", None, 1)], area="00001", own="3")
    out = estimate_withheld(pl.concat([a, b, c, d]))
    assert out.filter(pl.col("industry_code") == "3111").get_column("emplvl").to_list() == [100.0, 50.0, 70.0, 9.0]


def test_region_sums_are_not_estimable():
    with pytest.raises(ExportPlanError, match="not on region sums"):
        estimate_withheld(region_sum(cells([("311", 1.0, 1)]), ["00001"]))


# ---------------------------------------------------------------- estimates stay marked downstream

def _two_counties() -> pl.DataFrame:
    a = cells([("10", 1000.0, 100), ("311", 600.0, 30), ("3111", 200.0, 10), ("3112", None, 20)], area="00001")
    b = cells([("10", 500.0, 50), ("311", 300.0, 30), ("3111", 100.0, 10), ("3112", 200.0, 20)], area="00002")
    nation = cells([("10", 100_000.0, 9000), ("311", 30_000.0, 900), ("3111", 10_000.0, 300),
                    ("3112", 20_000.0, 600)], area="US000")
    totals = [cells([("10", emp, 100)], area=area, own="0") for area, emp in
              (("00001", 1200.0), ("00002", 600.0), ("US000", 120_000.0))]
    return pl.concat([a, b, nation, *totals])


def test_region_sum_carries_the_estimated_share_and_lq_uses_it():
    data = _two_counties()
    plain = region_sum(data, ["00001", "00002"])
    assert value(plain, "3112", "missing") == pytest.approx(0.5) and value(plain, "3112", "estimated") == 0.0
    est = region_sum(estimate_withheld(data), ["00001", "00002"])
    row = est.filter(pl.col("industry_code") == "3112").row(0, named=True)
    assert row["emplvl"] == pytest.approx(600.0)  # 400 estimated in county 1 + 200 disclosed
    assert row["estimated"] == pytest.approx(400 / 600)
    assert row["withheld"] == pytest.approx(0.5) and row["missing"] == 0.0  # still withheld, but filled
    nation = region_sum(data, ["US000"], region_code="US000")
    lq = location_quotients(est, nation).filter(
        (pl.col("industry_code") == "3112") & (pl.col("own_code") == "5")).get_column("lq")[0]
    assert lq == pytest.approx((600 / 1800) / (20_000 / 120_000))
    assert location_quotients(plain, nation).filter(pl.col("industry_code") == "3112").get_column("lq")[0] is None


def test_industry_table_estimates_only_when_asked():
    data = _two_counties()
    off = industry_table(data, ["00001", "00002"], level=4)
    on = industry_table(data, ["00001", "00002"], level=4, estimate=True, max_bound_ratio=10.0)
    assert off.get_column("estimated").to_list() == [0.0, 0.0]
    assert value(off.rename({"naics": "industry_code"}), "3112", "lq") is None
    row = on.filter(pl.col("naics") == "3112").row(0, named=True)
    assert row["estimated"] == pytest.approx(400 / 600) and row["lq"] is not None and row["withheld"] > 0
    # County 1's 3112 lies in [0, 600 - 200]: the region's in [200, 600], and the estimate within.
    assert (row["employment_low"], row["employment_high"]) == (200.0, 600.0)
    assert row["lq_low"] <= row["lq"] <= row["lq_high"] and row["lq_note"] == "estimated within bounds"
    # With the default limit (high/low 1.5) bounds 3 times apart show no point LQ, only the bounds and why.
    default = industry_table(data, ["00001", "00002"], level=4, estimate=True).filter(pl.col("naics") == "3112")
    assert default.get_column("lq")[0] is None and default.get_column("lq_high")[0] == pytest.approx(row["lq_high"])
    assert "bounds too wide" in default.get_column("lq_note")[0]
    off_row = off.filter(pl.col("naics") == "3112").row(0, named=True)
    assert off_row["lq_low"] == pytest.approx(row["lq_low"]) and off_row["lq_note"].startswith("bounds too wide")
    # The level's withheld share still reports what BLS withheld, not what was estimated.
    assert on.get_column("level_withheld_share").to_list() == off.get_column("level_withheld_share").to_list()


def test_cluster_table_on_estimated_frames():
    xwalk = pl.DataFrame({"naics": ["311111", "311112", "311211"], "cluster_code": ["18", "18", "18"],
                          "cluster_name": ["Food"] * 3, "type": ["traded"] * 3, "subcluster": [None] * 3})
    region = cells([("3111", 300.0, 8), ("31111", 300.0, 8), ("311111", None, 6), ("311112", 100.0, 2),
                    ("311211", 50.0, 1)])
    nation = cells([("311111", 5000.0, 60), ("311112", 1000.0, 20), ("311211", 4000.0, 40)], area="US000")
    plain = cluster_table(region_sum(region, ["00001"]), xwalk, nation)
    assert plain.get_column("lq")[0] is None and plain.get_column("estimated")[0] == 0.0
    table = cluster_table(region_sum(estimate_withheld(region), ["00001"]), xwalk, nation)
    row = table.row(0, named=True)
    assert row["employment"] == pytest.approx(350.0) and row["estimated"] == pytest.approx(200 / 350)
    assert row["ref_estimated"] == 0.0 and row["lq"] == pytest.approx(1.0)  # the only cluster: its own base


# ---------------------------------------------------------------- property

LEAVES = ["311111", "311112", "311119", "311211", "311212", "311221", "312111", "312112", "312120", "313110"]


def _tree(leaf_values: list[int]) -> dict[str, float]:
    """Every code of the leaves' hierarchy (6 digits up to the total '10') with summed employment."""
    values: dict[str, float] = {}
    for leaf, v in zip(LEAVES, leaf_values):
        for code in (leaf, leaf[:5], leaf[:4], leaf[:3], "31-33", "10"):
            values[code] = values.get(code, 0.0) + v
    return values


CODES = sorted(_tree([1] * len(LEAVES)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=len(LEAVES), max_size=len(LEAVES)),
       st.lists(st.booleans(), min_size=len(CODES), max_size=len(CODES)),
       st.lists(st.integers(0, 40), min_size=len(CODES), max_size=len(CODES)))
def test_estimates_add_up_and_never_change_disclosed_cells(leaf_values, hide, estabs):
    values = _tree(leaf_values)
    rows = [(code, None if (code != "10" and hide[i]) else float(values[code]), estabs[i])
            for i, code in enumerate(CODES)]
    data = cells(rows)
    out = estimate_withheld(data)
    disclosed = data.filter(pl.col("disclosure_code") == "")
    assert out.filter(pl.col("disclosure_code") == "").drop("estimated", "estimate_note").equals(disclosed)
    # The total is published, so top-down every cell gets a value, never a negative one.
    assert out.get_column("emplvl").null_count() == 0 and (out.get_column("emplvl") >= 0).all()
    assert out.get_column("estimated").sum() == data.get_column("emplvl").null_count()
    got = dict(zip(out.get_column("industry_code"), out.get_column("emplvl")))
    with_parent = out.with_columns(parent=naics_parent_expr(), level=naics_level_expr())
    for (parent,), kids in with_parent.filter(pl.col("level") > 0).group_by("parent"):
        estimated = kids.filter(pl.col("estimated")).get_column("emplvl").sum()
        shown = kids.filter(~pl.col("estimated")).get_column("emplvl").sum()
        if kids.get_column("estimated").any():
            # The withheld children share exactly the residual (0 if an estimated parent left none).
            assert math.isclose(estimated, max(got[parent] - shown, 0.0), rel_tol=1e-9, abs_tol=1e-6)


# ---------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def franklin(shared_data) -> pl.DataFrame:
    return read_qcew(shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv")


def test_real_county_estimates_add_up_to_disclosed_parents(franklin):
    out = estimate_withheld(franklin)
    private = out.filter(pl.col("own_code") == "5").with_columns(level=naics_level_expr())
    hidden = franklin.filter(pl.col("disclosure_code") == "N")
    assert hidden.height > 500
    flagged = out.filter(pl.col("estimated"))
    assert flagged.height > 0.9 * hidden.height and (flagged.get_column("disclosure_code") == "N").all()
    assert flagged.get_column("emplvl").null_count() == 0 and (flagged.get_column("emplvl") >= 0).all()
    # Parents at 3 digits whose 4- and 5-digit codes are all disclosed: the 6-digit codes add up to them.
    three = private.filter((pl.col("level") == 3) & (pl.col("disclosure_code") == ""))
    checked = 0
    for code, emp in three.select("industry_code", "emplvl").iter_rows():
        below = private.filter(pl.col("industry_code").str.starts_with(code))
        middle = below.filter(pl.col("level").is_in([4, 5]))
        six = below.filter(pl.col("level") == 6)
        if middle.filter(pl.col("disclosure_code") == "N").height or not six.get_column("estimated").any():
            continue
        checked += 1
        # Published annual averages are rounded: allow one job per 6-digit code.
        assert abs(six.get_column("emplvl").sum() - emp) <= max(2.0, six.height), code
    assert checked >= 10


def test_real_county_disclosed_cells_never_change(franklin):
    out = estimate_withheld(franklin)
    assert out.filter(~pl.col("estimated")).drop("estimated", "estimate_note").equals(
        franklin.filter(out.get_column("estimated").not_()))
    still = out.filter((pl.col("disclosure_code") == "N") & ~pl.col("estimated"))
    assert still.get_column("emplvl").null_count() == still.height


def test_sample_workspace_shows_cluster_lqs_with_estimates(tmp_path):
    from exportplan.demo.builder import build_demo

    ws = build_demo(tmp_path / "demo")
    try:
        table = ws.clusters()
        plain = ws.clusters(estimate=False)
        ws.config["analysis"]["estimate_withheld"] = "none"
        assert ws.clusters()["estimated"].eq(0).all()
        ws.config["analysis"]["estimate_withheld"] = "all"
        assert ws.industries(level=6)["estimated"].gt(0).any()
        ws.config["analysis"]["estimate_withheld"] = "sometimes"
        with pytest.raises(ExportPlanError, match="estimate_withheld"):
            ws.clusters()
    finally:
        ws.close()
    assert plain["lq"].isna().sum() > table["lq"].isna().sum() and table["lq"].notna().mean() >= 0.8
    # Every cluster has an LQ or, where its bounds are wider than analysis.max_bound_ratio, bounds and the reason.
    blank = table[table["lq"].isna()]
    assert blank["lq_low"].notna().all() and blank["lq_note"].str.startswith("bounds too wide").all()
    assert ((blank["lq_high"] / blank["lq_low"]) > 1.5).all()
    shown = table[table["lq"].notna()]
    assert ((shown["lq_low"] <= shown["lq"] + 1e-9) & (shown["lq"] <= shown["lq_high"] + 1e-9)).all()
    # Unestimated, every traded/local base misses withheld cells (Business Services had LQ 0.962 on a base
    # 831 jobs short of the estimated one): no LQ rests on it, and the notes say why.
    assert plain["lq"].isna().all() and (plain["base_missing"] > 0).all() and (table["base_missing"] == 0).all()
    assert any("base" in note and "estimate_withheld" in note for note in plain.attrs["exportplan"]["notes"])
    assert table["estimated"].gt(0).any() and (table["estimated"] <= 1).all()
    notes = table.attrs["exportplan"]["notes"]
    n = int(table["estimated"].gt(0).sum())
    assert (f"{n} cluster(s) include estimated employment for withheld cells (residual of the parent industry "
            "shared by establishments); marked in column `estimated`.") in notes
    assert not any("estimated employment" in note for note in plain.attrs["exportplan"]["notes"])
