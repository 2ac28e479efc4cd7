"""Withheld cells as exact bounds from the NAICS hierarchy (analysis.withheld; methods.md "Withheld cells").

Hand-built hierarchies pin the rule (anchor, residual groups, each residual counted once), a property test
checks that the bounds hold every true value of random trees, and the real Franklin County file checks that
cells we withhold ourselves are bounded around their published values (and BLS's published LQs around
theirs).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportplan.analysis.clusters import _keyed, cluster_table
from exportplan.analysis.industry import (
    estimate_withheld,
    industry_table,
    naics_level_expr,
    naics_parent_expr,
    region_sum,
)
from exportplan.analysis.withheld import (
    cell_bounds,
    cluster_table_bounds,
    growth_interval,
    limit_points,
    lq_interval,
    region_bounds,
    residual_groups,
    set_bounds,
    share_interval,
)
from exportplan.sources.qcew import read_qcew

from test_estimation import SCHEMA  # noqa: E402  (the canonical cell columns, shared)


def cells(rows: list[tuple], area: str = "00001", year: int = 2020, own: str = "5") -> pl.DataFrame:
    """A canonical frame from (code, employment or None for withheld, establishments) tuples."""
    out = [{"area_fips": area, "own_code": own, "industry_code": code, "agglvl_code": "7", "size_code": "0",
            "year": year, "qtr": "A", "disclosure_code": "N" if emp is None else "", "estabs": est, "emplvl": emp,
            "total_wages": None if emp is None else emp * 50_000.0,
            "avg_annual_pay": None if emp is None else 50_000.0, "bls_lq_emplvl": None}
           for code, emp, est in rows]
    return pl.DataFrame(out, schema=SCHEMA)


def bounds_of(frame: pl.DataFrame, code: str, area: str | None = None) -> tuple:
    rows = frame.filter(pl.col("industry_code") == code)
    if area is not None:
        rows = rows.filter(pl.col("area_fips") == area)
    row = rows.row(0, named=True)
    return row["employment_low"], row["employment_high"]


# ---------------------------------------------------------------- hand-built hierarchies

def test_parent_withheld_grandparent_disclosed():
    # 3364 and its subtree are withheld: the next disclosed ancestor 336 bounds the whole subtree, with its
    # residual 1000 - 700 (3361) - 30 (336413, already known inside the subtree) = 270.
    data = cells([("336", 1000.0, 40), ("3361", 700.0, 20), ("3364", None, 12), ("33641", None, 12),
                  ("336411", None, 6), ("336412", None, 3), ("336413", 30.0, 3)])
    b = cell_bounds(data.sample(fraction=1.0, shuffle=True, seed=3))  # row order must not matter
    assert bounds_of(b, "3361") == (700.0, 700.0)
    assert bounds_of(b, "3364") == (30.0, 300.0) and bounds_of(b, "33641") == (30.0, 300.0)
    assert bounds_of(b, "336411") == (0.0, 270.0) and bounds_of(b, "336412") == (0.0, 270.0)
    groups = residual_groups(b)
    assert groups.height == 1
    row = groups.row(0, named=True)
    assert row["anchor"] == "336" and row["residual"] == 270.0
    assert row["members"] == ["3364", "33641", "336411", "336412"]
    # The two withheld 6-digit siblings share one residual: their sum is bounded by 270, not 540.
    pair = set_bounds(b, pl.DataFrame({"naics": ["336411", "336412"], "set": ["x", "x"]}), ["set"])
    assert pair.select("employment_low", "employment_high").row(0) == (0.0, 270.0)


def test_a_disclosed_parent_bounds_its_withheld_children_and_negative_residuals_clip():
    data = cells([("10", 500.0, 40), ("31-33", None, 5), ("44-45", None, 5), ("54", 300.0, 30),
                  ("311", 150.0, 3), ("3111", 100.0, 2), ("3112", 55.0, 1), ("3113", None, 1)])
    b = cell_bounds(data)
    # The total's residual is 500 - 300 (54) - 150 (311, published inside the withheld 31-33) = 50: 31-33 holds
    # 311 and at most 50 more, 44-45 at most 50.
    assert bounds_of(b, "31-33") == (150.0, 200.0) and bounds_of(b, "44-45") == (0.0, 50.0)
    assert residual_groups(b).filter(pl.col("anchor") == "10").get_column("residual").to_list() == [50.0]
    # 311 - 3111 - 3112 = -5 (rounding of published averages): clipped at 0, never a negative bound.
    assert bounds_of(b, "3113") == (0.0, 0.0)


def test_a_withheld_cell_without_a_published_ancestor_is_unbounded():
    b = cell_bounds(cells([("311", None, 5), ("3111", None, 3), ("3112", 10.0, 2)]))
    assert bounds_of(b, "311") == (10.0, None) and bounds_of(b, "3111") == (0.0, None)
    assert residual_groups(b).height == 0
    assert set_bounds(b, pl.DataFrame({"naics": ["3111", "3112"], "set": ["a", "a"]}), ["set"]).row(
        0, named=True)["employment_high"] is None


def _two_counties() -> pl.DataFrame:
    a = cells([("3111", 300.0, 8), ("311111", None, 3), ("311119", None, 2), ("311112", 100.0, 3),
               ("311211", None, 1), ("3112", 80.0, 1)], area="00001")
    b = cells([("3111", 50.0, 4), ("311111", None, 2), ("311112", None, 2), ("311119", 10.0, 1)],
              area="00002")
    return pl.concat([a, b])


def test_two_counties_add_their_own_residuals():
    b = cell_bounds(_two_counties())
    region = region_bounds(b)
    # 311111: county 1 in [0, 300 - 100], county 2 in [0, 50 - 10]: the region in [0, 240].
    assert bounds_of(region, "311111") == (0.0, 240.0)
    # 311112: disclosed 100 in county 1, withheld in county 2 (at most 40): [100, 140].
    assert bounds_of(region, "311112") == (100.0, 140.0)
    assert region.filter(pl.col("industry_code") == "311112").get_column("withheld_cells")[0] == 1
    # 311211's parent 31121 is absent, so its nearest published ancestor is 3112 (80, nothing else disclosed).
    assert bounds_of(b, "311211", "00001") == (0.0, 80.0)


def test_a_cluster_spanning_groups_counts_each_residual_once():
    b = cell_bounds(_two_counties())
    members = pl.DataFrame({"naics": ["311111", "311119", "311112", "311211"], "cluster": ["A", "A", "A", "B"]})
    sums = {r["cluster"]: r for r in set_bounds(b, members, ["cluster"]).iter_rows(named=True)}
    # A: disclosed 100 + 10; county 1's group 3111 (R 200) counted once for its two withheld members,
    # county 2's group 3111 (R 40) once for its two: high = 110 + 200 + 40.
    assert (sums["A"]["employment_low"], sums["A"]["employment_high"]) == (110.0, 350.0)
    assert (sums["B"]["employment_low"], sums["B"]["employment_high"]) == (0.0, 80.0)
    # Summed industry by industry the same residuals would count twice: 110 + 2*200 + 2*40.
    per_code = region_bounds(b).filter(pl.col("industry_code").is_in(["311111", "311119", "311112"]))
    assert per_code.get_column("employment_high").sum() == 590.0


def test_ratio_intervals_and_the_point_limit():
    frame = pl.DataFrame({"e_l": [10.0, 10.0], "e_h": [20.0, None], "E_l": [100.0, 100.0], "E_h": [100.0, 100.0],
                          "n_l": [50.0, 50.0], "n_h": [50.0, 50.0], "N_l": [1000.0, 1000.0],
                          "N_h": [1000.0, 1000.0]})
    low, high = lq_interval("e_l", "e_h", "E_l", "E_h", "n_l", "n_h", "N_l", "N_h")
    out = frame.select(low.alias("lo"), high.alias("hi"))
    assert out.row(0) == pytest.approx((2.0, 4.0)) and out.row(1)[1] is None  # unbounded above
    share = pl.DataFrame({"x_l": [10.0], "x_h": [30.0], "r_l": [60.0], "r_h": [90.0]}).select(
        *share_interval("x_l", "x_h", "r_l", "r_h"))
    assert share.row(0) == pytest.approx((10 / 100, 30 / 90))
    grow = pl.DataFrame({"a": [100.0], "b": [120.0], "c": [110.0], "d": [150.0]}).select(
        *growth_interval("a", "b", "c", "d"))
    assert grow.row(0) == pytest.approx((110 / 120 - 1, 150 / 100 - 1))
    table = pl.DataFrame({"lq": [1.1, 3.0, None, 2.0], "lq_low": [1.0, 1.0, 0.9, 2.0],
                          "lq_high": [1.2, 4.0, 1.0, 2.0]})
    limited = limit_points(table, "lq", max_ratio=1.5, note="lq_note")
    assert limited.get_column("lq").to_list() == [1.1, None, None, 2.0]
    notes = limited.get_column("lq_note").to_list()
    assert notes[0] == "estimated within bounds"
    assert notes[1] == "bounds too wide for a point value (high/low 4.0 > 1.5)"
    assert notes[2].startswith("no estimate") and notes[3] is None  # exact: nothing to say
    clipped = limit_points(pl.DataFrame({"lq": [0.5], "lq_low": [0.9], "lq_high": [1.0]}), "lq",
                           max_ratio=1.5, note="n")
    assert clipped.get_column("lq")[0] == 0.9  # an estimate never leaves its bounds


# ---------------------------------------------------------------- property: bounds hold the truth

# the same small hierarchy as the estimation property test
from test_estimation import CODES, LEAVES, _tree  # noqa: E402


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=len(LEAVES), max_size=len(LEAVES)),
       st.lists(st.booleans(), min_size=len(CODES), max_size=len(CODES)),
       st.lists(st.sets(st.sampled_from(LEAVES), min_size=1, max_size=6), min_size=1, max_size=4))
def test_bounds_hold_every_true_value(leaf_values, hide, sets):
    truth = _tree(leaf_values)
    data = cells([(code, None if hide[i] else truth[code], 3) for i, code in enumerate(CODES)])
    b = cell_bounds(data)
    for code, low, high, withheld in b.select("industry_code", "employment_low", "employment_high",
                                              "withheld").iter_rows():
        assert low <= truth[code] + 1e-6 and (high is None or truth[code] <= high + 1e-6), code
        assert withheld or low == high == truth[code]
    # Sums of disjoint cells (clusters): every residual once, still around the truth, and never wider than
    # the sum of the members' own bounds.
    members = pl.DataFrame([{"naics": leaf, "set": f"s{i}"} for i, s in enumerate(sets) for leaf in sorted(s)])
    per_leaf = dict(zip(b.get_column("industry_code"), b.get_column("employment_high")))
    for row in set_bounds(b, members, ["set"]).iter_rows(named=True):
        leaves = sets[int(row["set"][1:])]
        total = sum(truth[leaf] for leaf in leaves)
        assert row["employment_low"] <= total + 1e-6
        if row["employment_high"] is not None:
            assert total <= row["employment_high"] + 1e-6
            assert row["employment_high"] <= sum(per_leaf[leaf] for leaf in leaves) + 1e-6


# ---------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def franklin(shared_data) -> pl.DataFrame:
    return read_qcew(shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv")


def _withhold_sibling_pairs(frame: pl.DataFrame, seed: int = 7, share: float = 0.35) -> tuple[pl.DataFrame, set]:
    """Withhold two disclosed private siblings under a third of the parents (a lone one would be recoverable,
    so BLS withholds a complementary cell too)."""
    rng = np.random.default_rng(seed)
    private = frame.filter((pl.col("own_code") == "5") & (pl.col("disclosure_code") == "")).with_columns(
        parent=naics_parent_expr(), level=naics_level_expr()).filter(pl.col("level") >= 2)
    siblings = (private.group_by("parent").agg(pl.col("industry_code").sort()).sort("parent")
                .filter(pl.col("industry_code").list.len() >= 2))
    chosen: set[str] = set()
    for _parent, codes in siblings.iter_rows():
        if rng.random() < share:
            chosen |= set(rng.choice(codes, 2, replace=False).tolist())
    hide = (pl.col("own_code") == "5") & pl.col("industry_code").is_in(sorted(chosen))
    hidden = frame.with_columns(disclosure_code=pl.when(hide).then(pl.lit("N")).otherwise("disclosure_code"),
                                emplvl=pl.when(hide).then(None).otherwise("emplvl"),
                                total_wages=pl.when(hide).then(None).otherwise("total_wages"),
                                bls_lq_emplvl=pl.when(hide).then(None).otherwise("bls_lq_emplvl"))
    return hidden, chosen


def _us_from_published_lqs(frame: pl.DataFrame) -> pl.DataFrame:
    """A reference of U.S. shares from BLS's published LQs of the complete file: N_i/N = (e_i/E)/LQ_i, N = 1e6."""
    total = frame.filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10")).get_column("emplvl")[0]
    known = (pl.col("disclosure_code") == "") & (pl.col("bls_lq_emplvl") > 0)
    share = (pl.col("emplvl") / total) / pl.col("bls_lq_emplvl") * 1_000_000.0
    return frame.with_columns(area_fips=pl.lit("US000"), estabs=pl.lit(None, pl.Int64),
                              emplvl=pl.when(known).then(share), bls_lq_emplvl=pl.lit(None, pl.Float64),
                              disclosure_code=pl.when(known).then(pl.lit("")).otherwise(pl.lit("N")))


def test_the_bounds_contain_the_published_values(franklin):
    hidden, chosen = _withhold_sibling_pairs(franklin)
    assert len(chosen) >= 100
    data = pl.concat([hidden, _us_from_published_lqs(franklin)])
    table = industry_table(data, ["39049"], "US000", estimate=True).rename({"naics": "industry_code"})
    truth = franklin.filter(pl.col("own_code") == "5").select(
        "industry_code", pl.col("emplvl").alias("_true"), pl.col("bls_lq_emplvl").alias("_bls_lq"),
        pl.col("disclosure_code").alias("_was"))
    rows = table.join(truth, on="industry_code", how="inner").filter(pl.col("_was") == "")
    ours = rows.filter(pl.col("industry_code").is_in(sorted(chosen)))
    assert ours.height == len(chosen) and ours.get_column("employment_high").null_count() == 0
    # Published annual averages are rounded: a bound may miss by the rounding of the cells it is made of.
    slack = 2.0
    assert (ours.get_column("employment_low") <= ours.get_column("_true") + slack).all()
    assert (ours.get_column("_true") <= ours.get_column("employment_high") + slack).all()
    # Every disclosed row of the complete file, withheld by us or not, lies within its bounds.
    assert ((rows["employment_low"] <= rows["_true"] + slack)
            & (rows["_true"] <= rows["employment_high"] + slack)).all()
    # The bounds are informative: most withheld cells are bounded within their parent's residual, not [0, inf).
    assert (ours["employment_high"] - ours["employment_low"] < ours["_true"] * 20 + 100).mean() > 0.8
    # BLS's published LQ lies within [lq_low, lq_high] wherever the bounds are computable.
    lqs = rows.filter(pl.col("lq_low").is_not_null() & pl.col("lq_high").is_not_null() & (pl.col("_bls_lq") > 0))
    assert lqs.height > 500 and lqs.filter(pl.col("industry_code").is_in(sorted(chosen))).height > 80
    rel = 0.005 / lqs["_bls_lq"] + slack / lqs["_true"].clip(lower_bound=1.0)  # LQ and employment rounding
    assert ((lqs["lq_low"] <= lqs["_bls_lq"] * (1 + rel)) & (lqs["_bls_lq"] <= lqs["lq_high"] * (1 + rel))).all()
    # Point LQs that are shown stay inside their bounds.
    shown = table.filter(pl.col("lq").is_not_null() & pl.col("lq_low").is_not_null())
    assert ((shown["lq_low"] <= shown["lq"] + 1e-9) & (shown["lq"] <= shown["lq_high"] + 1e-9)).all()


def test_cluster_bounds_contain_the_published_sums(franklin, shared_data):
    from exportplan.sources.clusters import read_crosswalk

    crosswalk = read_crosswalk(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")[0]
    hidden, chosen = _withhold_sibling_pairs(franklin, seed=11)
    reference = _us_from_published_lqs(franklin)
    keyed = _keyed(crosswalk)
    before = cluster_table_bounds(franklin, reference, keyed, year=2020)
    after = cluster_table_bounds(hidden, reference, keyed, year=2020)
    both = before.join(after, on="_key", suffix="_after")
    assert both.height >= 60
    # Withholding more only widens: the complete file's bounds (which hold the truth) sit inside the new ones,
    # up to the rounding of the published averages the residuals are made of (a few jobs).
    assert (both["employment_low_after"] <= both["employment_low"] + 10).all()
    assert (both["employment_high"] <= both["employment_high_after"] + 10).all()
    assert (both["employment_high_after"] - both["employment_low_after"]).sum() > (
        both["employment_high"] - both["employment_low"]).sum() + 1000
    # Clusters whose cells were all published: their true sum lies within the bounds.
    six = franklin.filter((pl.col("own_code") == "5") & pl.col("industry_code").str.contains(r"^\d{6}$"))
    sums = six.join(keyed.select("naics", "_key"), left_on="industry_code", right_on="naics").group_by("_key").agg(
        pl.col("emplvl").sum().alias("_true"), (pl.col("disclosure_code") == "N").any().alias("_had_n"),
        pl.col("industry_code").is_in(sorted(chosen)).any().alias("_touched"))
    exact = both.join(sums, on="_key").filter(~pl.col("_had_n"))
    assert exact.filter(pl.col("_touched")).height >= 3  # Franklin itself withholds cells in most clusters
    slack = 0.5 * 40
    assert ((exact["employment_low_after"] <= exact["_true"] + slack)
            & (exact["_true"] <= exact["employment_high_after"] + slack)).all()
    # The cluster table carries the same bounds, and its point LQs stay inside theirs.
    # Point values need both sides estimated: here the reference from its own hierarchy (equal shares).
    region = region_sum(estimate_withheld(hidden), ["39049"])
    table = cluster_table(region, crosswalk, estimate_withheld(reference), region_cells=hidden, max_bound_ratio=3.0)
    shown = table.filter(pl.col("lq").is_not_null())
    assert shown.height > 10
    assert ((shown["lq_low"] <= shown["lq"] + 1e-9) & (shown["lq"] <= shown["lq_high"] + 1e-9)).all()
    assert table.filter(pl.col("lq").is_null() & pl.col("lq_low").is_not_null())["lq_note"].null_count() == 0


COLUMBUS = ("39041", "39045", "39049", "39073")
LARGEST = ("524", "551", "493", "541", "423", "424", "425")


@pytest.fixture(scope="module")
def columbus(shared_data, tmp_path_factory):
    from exportplan.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("bounds") / "w", name="Columbus", counties=list(COLUMBUS),
                        reference_area="USLQ")
    ws.import_qcew([shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv" for c in COLUMBUS])
    yield ws
    ws.close()


@pytest.mark.parametrize("estimate", [True, False])
def test_the_largest_industries_have_an_lq_or_bounds_with_a_reason(columbus, estimate):
    table = columbus.industries(level=3, estimate=estimate).set_index("naics")
    for code in LARGEST:
        row = table.loc[code]
        assert pd_notna(row["lq"]) or (pd_notna(row["lq_low"]) and pd_notna(row["lq_high"])
                                       and isinstance(row["lq_note"], str)), code
        if pd_notna(row["lq"]):
            assert row["lq_low"] - 1e-9 <= row["lq"] <= row["lq_high"] + 1e-9
    # Hocking County (39073) withholds Insurance: its bounds come from its own residual, not a blank.
    insurance = table.loc["524"]
    assert insurance["employment_low"] < insurance["employment_high"]
    assert insurance["lq_high"] / insurance["lq_low"] < 1.05
    if estimate:
        assert all(pd_notna(table.loc[code, "lq"]) for code in LARGEST)
    else:
        assert not pd_notna(insurance["lq"]) and insurance["lq_note"].startswith("no estimate")
    notes = table.attrs["exportplan"]["notes"]
    assert any("exact bounds from the NAICS hierarchy" in n for n in notes)


def pd_notna(value) -> bool:
    import pandas as pd

    return bool(pd.notna(value))


# ---------------------------------------------------------------- robustness: withheld values drawn within bounds

def _level3_counties() -> pl.DataFrame:
    """Two counties; county 1 withholds 313 and 314 (their sector's residual: 1000 - 500 - 100 = 400)."""
    a = cells([("31-33", 1000.0, 40), ("311", 500.0, 10), ("312", 100.0, 5), ("313", None, 6), ("314", None, 2)],
              area="00001")
    b = cells([("31-33", 900.0, 40), ("311", 300.0, 10), ("312", 260.0, 5), ("313", 200.0, 6), ("314", 140.0, 2)],
              area="00002")
    return pl.concat([a, b])


def test_each_draw_splits_a_residual_without_exceeding_the_parent():
    from exportplan.analysis.bound_draws import year_draws

    codes = ["311", "312", "313", "314"]
    yd = year_draws(_level3_counties(), pl.DataFrame({"naics": codes, "sector": codes}), codes, level=3, year=2020)
    assert yd.published.tolist() == [800.0, 360.0, 200.0, 140.0] and yd.cells == 2
    e = yd.employment(np.random.default_rng(1), 5_000)
    # 313 and 314 of county 1 share its residual 400 exactly in every draw: siblings never exceed their parent.
    assert np.allclose(e[:, 2] + e[:, 3], 200.0 + 140.0 + 400.0)
    assert (e[:, 2] >= 200.0).all() and (e[:, 2] <= 600.0).all() and np.allclose(e[:, :2], [800.0, 360.0])
    # Dirichlet weights on establishments (6 and 2, plus the floor): 313 takes about 6.5/9 of the residual.
    assert (e[:, 2] - 200.0).mean() / 400.0 == pytest.approx(6.5 / 9.0, abs=0.02)
    assert np.array_equal(yd.employment(np.random.default_rng(1), 5_000), e)  # seeded


def _scored(points: pd.DataFrame):
    from exportplan.analysis.scoring import Criterion, score

    crit = (Criterion("employment", "employment", transform="log", group="size"),
            Criterion("lq", "LQ", group="strength"))
    matrix = points.set_index("code")[["employment", "lq"]]
    return score(matrix, crit, {"employment": 0.5, "lq": 0.5}, names={c: c for c in points["code"]})


def test_a_sector_resting_on_wide_bounds_gets_a_wider_rank_band():
    from exportplan.analysis.bound_draws import sector_draws
    from exportplan.analysis.sensitivity import robustness

    data = _level3_counties()
    # The point values as the industry table gives them: 313 and 314 estimated from county 1's residual.
    points = pd.DataFrame({"code": ["311", "312", "313", "314"], "employment": [800.0, 360.0, 500.0, 240.0],
                           "lq": [1.0, 1.1, 1.05, 0.95]})
    result = _scored(points)
    draws = sector_draws(data, points, by="naics", level=3, year=2020, seed=0)
    assert draws is not None and draws.n_members == 2
    # Weights barely move (high concentration): only the withheld values can change a rank.
    plain = robustness(result, draws=4_000, concentration=1e7, top_k=2).table.set_index("code")
    drawn = robustness(result, draws=4_000, concentration=1e7, top_k=2, data_draws=draws).table.set_index("code")
    band = lambda t, c: int(t.loc[c, "rank_p95"] - t.loc[c, "rank_p05"])  # noqa: E731
    assert band(plain, "313") == 0 and band(drawn, "313") >= 1
    assert band(drawn, "313") > band(plain, "313") and band(drawn, "312") >= band(plain, "312")
    again = robustness(result, draws=4_000, concentration=1e7, top_k=2, data_draws=draws).table
    assert again.equals(drawn.reset_index()[again.columns])  # deterministic
    # Without withheld cells there is nothing to draw.
    complete = data.with_columns(emplvl=pl.col("emplvl").fill_null(100.0), disclosure_code=pl.lit(""))
    assert sector_draws(complete, points, by="naics", level=3, year=2020) is None


def test_rank_sectors_draws_the_withheld_cells(columbus):
    ranking = columbus.rank_sectors(by="naics", level=3, draws=2_000)
    assert any("withheld cells the sectors rest on within their exact bounds" in n for n in ranking.notes)
    t = ranking.table
    assert (t["rank_p05"] <= t["rank_p95"]).all() and (t["rank_p95"] > t["rank_p05"]).any()
