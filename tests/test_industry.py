"""Regional industry measures: LQ (BLS base), region sums, withheld cells, growth, shift-share."""
from __future__ import annotations

import itertools
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportplan.analysis.industry import (
    IMPLIED_TOTAL,
    USLQ_NOTE,
    annual_rows,
    check_periods,
    growth,
    implied_reference,
    industry_table,
    location_quotients,
    naics_level_expr,
    ownership_code,
    reference_frame,
    region_sum,
    shift_share,
    withheld_share,
)
from exportplan.errors import ExportPlanError
from exportplan.sources.qcew import read_qcew

OHIO = ("39041", "39045", "39047", "39049", "39073")
KEYS = ["own_code", "industry_code", "year", "qtr"]


def frame(rows: list[dict]) -> pl.DataFrame:
    """A canonical QCEW frame from short dicts (area, own, ind, year, emp, est, wages, n=withheld)."""
    out = []
    for r in rows:
        withheld = r.get("n", False)
        out.append({
            "area_fips": r["area"], "own_code": r.get("own", "5"), "industry_code": r["ind"],
            "agglvl_code": "70", "size_code": "0", "year": r.get("year", 2020), "qtr": r.get("qtr", "A"),
            "disclosure_code": "N" if withheld else "", "estabs": r.get("est", 10),
            "emplvl": None if withheld else float(r["emp"]),
            "total_wages": None if withheld else float(r.get("wages", r["emp"] * 50_000.0)),
            "avg_annual_pay": None, "bls_lq_emplvl": None, "industry_title": r.get("title"),
        })
    schema = {"area_fips": pl.String, "own_code": pl.String, "industry_code": pl.String, "agglvl_code": pl.String,
              "size_code": pl.String, "year": pl.Int32, "qtr": pl.String, "disclosure_code": pl.String,
              "estabs": pl.Int64, "emplvl": pl.Float64, "total_wages": pl.Float64, "avg_annual_pay": pl.Float64,
              "bls_lq_emplvl": pl.Float64, "industry_title": pl.String}
    return pl.DataFrame(out, schema=schema)


def area(code: str, totals: dict[str, float], industries: dict[str, float], *, year: int = 2020,
         withheld: tuple[str, ...] = ()) -> list[dict]:
    """Rows of one area: own 0 / own 5 totals and own 5 industries (some withheld)."""
    rows = [{"area": code, "own": own, "ind": "10", "emp": emp, "year": year, "est": 100}
            for own, emp in totals.items()]
    rows += [{"area": code, "ind": ind, "emp": emp, "year": year, "n": ind in withheld}
             for ind, emp in industries.items()]
    return rows


# ---------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def ohio(shared_data) -> dict[str, pl.DataFrame]:
    return {c: read_qcew(shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv") for c in OHIO}


def _pair_errors(ohio, base: str) -> pl.Series:
    """|LQ(A vs B) / (LQ_A published / LQ_B published) - 1| for disclosed private 3-6 digit industries."""
    errors = []
    for a, b in itertools.permutations(OHIO, 2):
        ours = location_quotients(ohio[a], ohio[b], base=base)
        pub_b = ohio[b].select(*KEYS, pl.col("bls_lq_emplvl").alias("pub_b"))
        rows = ours.join(pub_b, on=KEYS).filter(
            (pl.col("own_code") == "5") & naics_level_expr().is_between(3, 6) & (pl.col("disclosure_code") == "")
            & (pl.col("bls_lq_emplvl") >= 0.5) & (pl.col("pub_b") >= 0.5))
        assert rows.height > 30, (a, b)
        assert rows.get_column("lq").null_count() == 0, (a, b)
        errors.append(rows.select((pl.col("lq") / (pl.col("bls_lq_emplvl") / pl.col("pub_b")) - 1).abs())
                      .to_series())
    return pl.concat(errors)


def test_lq_reproduces_bls_published_ratios(ohio):
    errors = _pair_errors(ohio, "bls")
    assert errors.len() > 1000
    assert errors.max() < 0.02
    assert errors.median() < 0.005


def test_private_only_base_does_not_reproduce_bls(ohio):
    # The test above can fail: with the private total as base the ratios scatter (data-sources §1.6).
    assert _pair_errors(ohio, "ownership").median() > 0.02


def test_lq_output_names_its_base(ohio):
    out = location_quotients(ohio["39049"], ohio["39041"])
    assert out.get_column("lq_base").unique().to_list() == ["bls"]
    lazy = location_quotients(ohio["39049"].lazy(), ohio["39041"].lazy(), base="ownership")
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().get_column("lq_base").unique().to_list() == ["ownership"]


def test_region_sum_of_real_counties(ohio):
    data = pl.concat(list(ohio.values()))
    msa = ["39041", "39045", "39049", "39073"]
    region = region_sum(data, msa, region_code="C1814")
    total = region.filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10"))
    expected = sum(ohio[c].filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10"))
                   .get_column("emplvl")[0] for c in msa)
    assert total.get_column("emplvl")[0] == expected
    assert total.get_column("withheld")[0] == 0.0
    # A row is withheld iff one of its county cells is; the disclosed part is kept as a lower bound.
    cells = data.filter(pl.col("area_fips").is_in(msa))
    hidden_keys = cells.filter(pl.col("disclosure_code") == "N").select(KEYS).unique()
    flagged = region.filter(pl.col("withheld") > 0).select(KEYS)
    assert flagged.sort(KEYS).equals(hidden_keys.sort(KEYS))
    share = withheld_share(region, level=6)
    assert 0 < share < 1


def test_industry_table_on_real_counties(ohio):
    data = pl.concat(list(ohio.values()))
    table = industry_table(data, ["39041", "39049"], reference_area="39047", level=3)
    assert table.get_column("level").unique().to_list() == [3]
    assert table.get_column("employment").drop_nulls().is_sorted(descending=True)
    assert (table.get_column("lq_base") == "bls").all()
    assert table.get_column("lq").filter(table.get_column("withheld") > 0).null_count() == \
        table.filter(pl.col("withheld") > 0).height
    assert table.get_column("growth").null_count() == table.height  # one year loaded: no growth


# ---------------------------------------------------------------- USLQ: U.S. shares implied by published LQs

def _published(ohio, county: str) -> pl.DataFrame:
    return ohio[county].select(*KEYS, pl.col("bls_lq_emplvl").alias("published"))


def test_uslq_reproduces_each_countys_published_lq(ohio):
    data = pl.concat(list(ohio.values()))
    reference = implied_reference(data, OHIO)
    for county in OHIO:
        ours = location_quotients(region_sum(data, [county]), reference).join(_published(ohio, county), on=KEYS)
        rows = ours.filter((pl.col("published") >= 0.5) & (pl.col("withheld") == 0))
        assert rows.height > 100 and rows.get_column("lq").null_count() == 0, county
        err = rows.select((pl.col("lq") / pl.col("published") - 1).abs()).to_series()
        assert err.max() < 0.02 and err.median() < 0.005, county


def test_uslq_frame_takes_the_largest_published_lq(ohio):
    data = pl.concat(list(ohio.values()))
    ref = implied_reference(data, OHIO)
    total = ref.filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10")).row(0, named=True)
    assert total["emplvl"] == IMPLIED_TOTAL and ref.get_column("synthetic").all()
    assert ref.get_column("area_fips").unique().to_list() == ["USLQ"]
    row = ref.filter((pl.col("own_code") == "5") & (pl.col("industry_code") == "524126")).row(0, named=True)
    cands = data.filter((pl.col("own_code") == "5") & (pl.col("industry_code") == "524126")
                        & (pl.col("bls_lq_emplvl") > 0))
    best = cands.sort("bls_lq_emplvl", descending=True).row(0, named=True)
    base = data.filter((pl.col("area_fips") == best["area_fips"]) & (pl.col("own_code") == "0")
                       & (pl.col("industry_code") == "10")).get_column("emplvl")[0]
    assert row["source_area"] == best["area_fips"] and row["n_areas"] == cands.height
    assert row["emplvl"] == pytest.approx(best["emplvl"] / base / best["bls_lq_emplvl"] * IMPLIED_TOTAL)
    # An industry no county publishes an LQ for has an unknown share: withheld, not 0.
    unknown = ref.filter(pl.col("emplvl").is_null())
    assert unknown.height > 0 and (unknown.get_column("withheld") == 1).all()
    assert (unknown.get_column("disclosure_code") == "N").all()


def test_uslq_multi_county_region_is_the_employment_weighted_combination(ohio):
    data = pl.concat(list(ohio.values()))
    msa = ["39041", "39045", "39049", "39073"]
    reference = implied_reference(data, OHIO)
    region = location_quotients(region_sum(data, msa), reference).select(*KEYS, "lq")
    weighted = []
    for county in msa:
        single = location_quotients(region_sum(data, [county]), reference).join(_published(ohio, county), on=KEYS)
        total = ohio[county].filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10"))
        weighted.append(single.select(*KEYS, (pl.col("lq") * total.get_column("emplvl")[0]).alias("w_ours"),
                                      (pl.col("published") * total.get_column("emplvl")[0]).alias("w_pub")))
    e_total = sum(ohio[c].filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10"))
                  .get_column("emplvl")[0] for c in msa)
    combined = (pl.concat(weighted).group_by(KEYS)
                .agg(pl.col("w_ours").sum(), pl.col("w_pub").sum(), pl.col("w_pub").count().alias("n"))
                .filter(pl.col("n") == len(msa)).join(region, on=KEYS).filter(pl.col("lq").is_not_null()))
    assert combined.height > 100
    exact = combined.select((pl.col("lq") - pl.col("w_ours") / e_total).abs().max()).item()
    assert exact < 1e-9  # sum then divide = the employment-weighted mean of the county LQs
    big = combined.filter(pl.col("w_pub") / e_total >= 0.5)
    err = big.select((pl.col("lq") / (pl.col("w_pub") / e_total) - 1).abs()).to_series()
    assert err.max() < 0.02 and err.median() < 0.005


def test_uslq_with_ownership_base(ohio):
    data = pl.concat(list(ohio.values()))
    county = "39049"
    out = location_quotients(region_sum(data, [county]), implied_reference(data, OHIO), base="ownership")
    private = ohio[county].filter((pl.col("own_code") == "5") & (pl.col("industry_code") == "10"))
    lq_private = private.get_column("bls_lq_emplvl")[0]
    rows = out.join(_published(ohio, county), on=KEYS).filter(
        (pl.col("own_code") == "5") & (pl.col("published") >= 0.5) & pl.col("lq").is_not_null())
    # Own-ownership base: LQ = published LQ / published LQ of the private total.
    err = rows.select((pl.col("lq") / (pl.col("published") / lq_private) - 1).abs()).to_series()
    assert rows.height > 200 and err.median() < 0.01


def _lq_rows(rows: list[dict], lqs: dict[str, float]) -> pl.DataFrame:
    return frame(rows).with_columns(bls_lq_emplvl=pl.col("industry_code").replace_strict(lqs, default=None,
                                                                                            return_dtype=pl.Float64))


def test_uslq_gives_no_national_growth_and_says_why():
    rows = []
    for year, scale in ((2015, 1.0), (2020, 1.2)):
        rows += area("00001", {"0": 1000 * scale, "5": 800 * scale}, {"311": 200 * scale, "541": 300},
                     year=year)
    data = _lq_rows(rows, {"10": 1.0, "311": 2.0, "541": 0.5})
    ref = implied_reference(data, ["00001"])
    assert growth(ref, 2015, 2020).get_column("growth").null_count() == ref.filter(pl.col("year") == 2020).height
    parts = shift_share(data, ref, 2015, 2020)
    assert parts.get_column("G").null_count() == parts.height
    assert parts.get_column("national_share").null_count() == parts.height
    table = industry_table(data, ["00001"], "USLQ", level=3)
    row = table.filter(pl.col("naics") == "311").row(0, named=True)
    assert row["lq"] == pytest.approx(2.0) and row["growth"] == pytest.approx(0.2)  # the region's own growth
    assert "implied by BLS's published county LQs" in USLQ_NOTE


def test_uslq_share_without_a_published_lq_stays_missing():
    # 3112's U.S. share is not published by any county: it stays missing, never estimated from the region
    # (not even from the parent's residual split by the counties' establishments), so its LQ is blank.
    rows = area("00001", {"0": 1000}, {"311": 300, "3111": 100, "3112": 200}, withheld=("3112",))
    data = _lq_rows(rows, {"10": 1.0, "311": 3.0, "3111": 2.0})
    ref = implied_reference(data, ["00001"])
    assert ref.filter(pl.col("industry_code") == "3112").get_column("emplvl")[0] is None
    for estimate in (False, True):
        assert reference_frame(data, "USLQ", estimate=estimate).filter(
            pl.col("industry_code") == "3112").get_column("emplvl")[0] is None
        table = industry_table(data, ["00001"], "USLQ", level=4, estimate=estimate)
        row = table.filter(pl.col("naics") == "3112").row(0, named=True)
        assert row["lq"] is None
    assert table.filter(pl.col("naics") == "3111").get_column("lq")[0] == pytest.approx(2.0)


def test_uslq_needs_published_lqs():
    with pytest.raises(ExportPlanError, match="No published LQs"):
        implied_reference(frame(area("00001", {"0": 10}, {"311": 5})), ["00001"])


# ---------------------------------------------------------------- levels, ownership

def test_naics_levels():
    codes = ["10", "101", "1011", "1029", "31-33", "44-45", "11", "336", "3364", "33641", "336411", "xx"]
    got = pl.DataFrame({"industry_code": codes}).select(naics_level_expr()).to_series().to_list()
    assert got == [0, None, None, None, 2, 2, 2, 3, 4, 5, 6, None]


def test_ownership_codes():
    assert ownership_code("private") == "5" and ownership_code(0) == "0" and ownership_code("3") == "3"
    with pytest.raises(ExportPlanError, match="Unknown ownership"):
        ownership_code("7")


# ---------------------------------------------------------------- withheld cells

def _two_counties(withheld_b: tuple[str, ...] = ()) -> pl.DataFrame:
    rows = area("00001", {"0": 1200, "5": 1000}, {"311": 300, "312": 200, "541": 500})
    rows += area("00002", {"0": 600, "5": 500}, {"311": 100, "312": 150, "541": 250}, withheld=withheld_b)
    rows += area("US000", {"0": 120_000, "5": 100_000}, {"311": 10_000, "312": 30_000, "541": 60_000})
    return frame(rows)


def test_withheld_cell_makes_region_row_withheld_not_zero():
    data = _two_counties(withheld_b=("312",))
    region = region_sum(data, ["00001", "00002"])
    row = region.filter(pl.col("industry_code") == "312").row(0, named=True)
    assert row["withheld"] == pytest.approx(0.5)  # 10 of 20 establishments are in the withheld cell
    assert row["emplvl"] == 200.0  # the disclosed county only: a lower bound, not 200 + 0
    lq = location_quotients(region, region_sum(data, ["US000"], region_code="US000"))
    assert lq.filter(pl.col("industry_code") == "312").get_column("lq")[0] is None
    assert lq.filter(pl.col("industry_code") == "311").get_column("lq")[0] == pytest.approx(
        (400 / 1800) / (10_000 / 120_000))


def test_fully_withheld_row_is_null():
    rows = area("00001", {"0": 100, "5": 90}, {"311": 1}, withheld=("311",))
    region = region_sum(frame(rows), ["00001"])
    row = region.filter(pl.col("industry_code") == "311").row(0, named=True)
    assert row["emplvl"] is None and row["total_wages"] is None and row["withheld"] == 1.0


def test_withheld_share_hand_example():
    # Private total 1000; at 3 digits 400 + 300 disclosed, one cell withheld: 30% not shown.
    rows = area("00001", {"0": 1100, "5": 1000}, {"311": 400, "541": 300, "722": 0}, withheld=("722",))
    rows += [{"area": "00001", "ind": "31-33", "emp": 400}, {"area": "00001", "ind": "54", "emp": 300},
             {"area": "00001", "ind": "72", "emp": 300}]
    data = frame(rows)
    assert withheld_share(data, level=3) == pytest.approx(0.3)
    assert withheld_share(data, level=2) == pytest.approx(0.0)
    # The same, summed over two counties: the second county's 3-digit rows are all disclosed.
    rows2 = area("00002", {"0": 1100, "5": 1000}, {"311": 500, "541": 500})
    region = region_sum(frame(rows + rows2), ["00001", "00002"])
    assert withheld_share(region, level=3) == pytest.approx(300 / 2000)
    table = industry_table(frame(rows + rows2 + area("US000", {"0": 1e6, "5": 9e5}, {"311": 1e5, "541": 1e5,
                                                                                    "722": 1e5})),
                           ["00001", "00002"], level=3)
    assert table.get_column("level_withheld_share").unique().to_list() == [pytest.approx(0.15)]
    with pytest.raises(ExportPlanError, match="one area"):
        withheld_share(frame(rows + rows2), level=3)


def test_missing_county_is_an_error():
    with pytest.raises(ExportPlanError, match="No QCEW rows for area"):
        region_sum(_two_counties(), ["00001", "00009"])


# ---------------------------------------------------------------- growth and tables

def _years() -> pl.DataFrame:
    rows = []
    for year, scale in ((2015, 1.0), (2018, 1.1), (2020, 1.21)):
        rows += area("00001", {"0": 1000 * scale, "5": 800 * scale},
                     {"311": 400 * scale, "541": 400 * (2 - scale)}, year=year,
                     withheld=("541",) if year == 2018 else ())
        rows += area("US000", {"0": 1e5 * scale, "5": 8e4 * scale}, {"311": 1e4, "541": 7e4 * scale}, year=year)
    return frame(rows)


def test_growth_and_cagr():
    region = region_sum(_years(), ["00001"])
    g = growth(region, 2015, 2020).filter(pl.col("own_code") == "5")
    r311 = g.filter(pl.col("industry_code") == "311").row(0, named=True)
    assert r311["change"] == pytest.approx(84.0)
    assert r311["growth"] == pytest.approx(0.21)
    assert r311["cagr"] == pytest.approx(1.21 ** (1 / 5) - 1)
    assert r311["vintage_break"] is True  # 2015 is NAICS 2012 data, 2020 NAICS 2017
    assert not growth(region, 2018, 2020).get_column("vintage_break").any()
    # Withheld at one end: no growth.
    assert growth(region, 2015, 2018).filter(pl.col("industry_code") == "541").get_column("growth")[0] is None
    # Default window: 5 years back when present.
    assert growth(region).get_column("start_year")[0] == 2015
    assert growth(region, end_year=2018).get_column("start_year")[0] == 2015
    with pytest.raises(ExportPlanError, match="window"):
        growth(region, 2020, 2015)


def test_growth_flags_naics_vintage_break():
    rows = area("00001", {"0": 10}, {"311": 5}, year=2016) + area("00001", {"0": 12}, {"311": 6}, year=2018)
    assert growth(frame(rows), 2016, 2018).get_column("vintage_break").all()


def test_industry_table_columns_titles_and_growth():
    titles = pl.DataFrame({"industry_code": ["311", "541"],
                           "industry_title": ["NAICS 311 Food manufacturing", "NAICS 541 Professional services"]})
    table = industry_table(_years(), ["00001"], level=3, titles=titles)
    need = {"naics", "title", "level", "ownership", "year", "employment", "establishments", "wages", "avg_pay",
            "lq", "growth", "cagr", "withheld", "start_year", "lq_base", "period"}
    assert need <= set(table.columns)
    assert table.get_column("naics").to_list() == ["311", "541"]  # ranked by employment
    assert table.get_column("title").to_list() == ["Food manufacturing", "Professional services"]
    r = table.row(0, named=True)
    assert r["year"] == 2020 and r["start_year"] == 2015 and r["period"] == "annual"
    assert r["lq"] == pytest.approx((484 / 1210) / (1e4 / 1.21e5))
    assert r["avg_pay"] == pytest.approx(50_000.0)
    assert r["growth"] == pytest.approx(0.21)


def test_quarterly_only_year_is_averaged_and_labelled():
    rows = []
    for q, emp in (("1", 100), ("2", 120)):
        rows += [{"area": "00001", "own": "0", "ind": "10", "emp": emp * 2, "qtr": q, "wages": 1000.0},
                 {"area": "00001", "ind": "311", "emp": emp, "qtr": q, "wages": 500.0}]
    out = annual_rows(frame(rows))
    row = out.filter(pl.col("industry_code") == "311").row(0, named=True)
    assert row["emplvl"] == 110.0 and row["total_wages"] == 2000.0 and row["qtr"] == "A"
    assert row["period"] == "average of Q1,Q2 (wages x4)"
    withheld = frame(rows + [{"area": "00002", "ind": "311", "emp": 1, "qtr": "1"},
                             {"area": "00002", "ind": "311", "emp": 1, "qtr": "2", "n": True}])
    assert annual_rows(withheld).filter(pl.col("area_fips") == "00002").get_column("emplvl")[0] is None


# ---------------------------------------------------------------- properties

counts = st.floats(min_value=1, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(counts, counts, counts, counts), min_size=1, max_size=6), counts, counts)
def test_shift_share_parts_add_up(values, extra_region, extra_nation):
    region_rows, nation_rows = [], []
    inds = [f"{311 + i}" for i in range(len(values))]
    for year, pick in ((2015, 0), (2020, 1)):
        r_emp = {ind: v[pick] for ind, v in zip(inds, values)}
        n_emp = {ind: v[2 + pick] * 10 for ind, v in zip(inds, values)}
        region_rows += area("00001", {"5": sum(r_emp.values()) + extra_region}, r_emp, year=year)
        nation_rows += area("US000", {"5": sum(n_emp.values()) + extra_nation * (1 + pick)}, n_emp, year=year)
    out = shift_share(frame(region_rows), frame(nation_rows), 2015, 2020).filter(pl.col("industry_code") != "10")
    parts = out.select(pl.col("national_share") + pl.col("industry_mix") + pl.col("competitive_shift")).to_series()
    # Floating point: the parts can be far larger than their sum (national growth of 2,700,000%).
    scale = out.select(pl.col("e0") * (pl.col("G").abs() + pl.col("G_i").abs() + pl.col("g_i").abs())).to_series()
    for total, change, size in zip(parts, out.get_column("change"), scale):
        assert math.isclose(total, change, rel_tol=1e-9, abs_tol=max(1e-6, 1e-12 * size))


@settings(max_examples=60, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8), st.sampled_from(["bls", "ownership"]))
def test_lq_of_region_against_itself_is_one(values, base):
    inds = {f"{311 + i}": v for i, v in enumerate(values)}
    data = frame(area("00001", {"0": sum(values) * 1.3, "5": sum(values)}, inds))
    lq = location_quotients(data, data, base=base).filter(pl.col("industry_code") != "10").get_column("lq")
    assert lq.null_count() == 0
    assert all(math.isclose(x, 1.0, rel_tol=1e-12) for x in lq)


def _region_vs_average(a: dict, b: dict) -> tuple[float, float, float, float]:
    """(region LQ of 311, mean of county LQs, county LQs) for two counties against a fixed nation."""
    rows = area("00001", {"0": a["tot"]}, {"311": a["i"]}) + area("00002", {"0": b["tot"]}, {"311": b["i"]})
    rows += area("US000", {"0": 1e6}, {"311": 1e5})
    data = frame(rows)
    nation = region_sum(data, ["US000"], region_code="US000")
    pick = (pl.col("own_code") == "5") & (pl.col("industry_code") == "311")
    region_lq = location_quotients(region_sum(data, ["00001", "00002"]), nation).filter(pick).get_column("lq")[0]
    lqs = [location_quotients(region_sum(data, [c]), nation).filter(pick).get_column("lq")[0]
           for c in ("00001", "00002")]
    return region_lq, sum(lqs) / 2, lqs[0], lqs[1]


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=10, max_value=1e5), st.floats(min_value=0.01, max_value=0.9),
       st.floats(min_value=0.1, max_value=50))
def test_sum_then_divide_equals_average_only_for_proportional_counties(total, share, scale):
    # Proportional counties (same industry share): every way of combining gives the same LQ.
    region, mean, lq_a, lq_b = _region_vs_average({"tot": total, "i": total * share},
                                                  {"tot": total * scale, "i": total * share * scale})
    assert math.isclose(region, mean, rel_tol=1e-9) and math.isclose(lq_a, lq_b, rel_tol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=10, max_value=1e5), st.floats(min_value=0.01, max_value=0.4),
       st.floats(min_value=1.5, max_value=50), st.floats(min_value=1.2, max_value=2.0))
def test_sum_then_divide_differs_from_average_otherwise(total, share, scale, tilt):
    # Different shares and sizes: the region's LQ is the employment-weighted mean, not the plain mean.
    a, b = {"tot": total, "i": total * share}, {"tot": total * scale, "i": total * scale * share * tilt}
    region, mean, lq_a, lq_b = _region_vs_average(a, b)
    weighted = (a["tot"] * lq_a + b["tot"] * lq_b) / (a["tot"] + b["tot"])
    assert math.isclose(region, weighted, rel_tol=1e-9)
    assert not math.isclose(region, mean, rel_tol=1e-6)


def test_region_mixing_annual_and_averaged_quarters_says_so():
    rows = [{"area": "00001", "own": "0", "ind": "10", "emp": 100}, {"area": "00001", "ind": "311", "emp": 40}]
    rows += [{"area": "00002", "own": "0", "ind": "10", "emp": 50, "qtr": "1"},
             {"area": "00002", "ind": "311", "emp": 10, "qtr": "1"}]
    region = region_sum(annual_rows(frame(rows)), ["00001", "00002"])
    row = region.filter(pl.col("industry_code") == "311").row(0, named=True)
    assert region.height == 2 and row["emplvl"] == 50.0
    assert row["period"] == "annual; average of Q1 (wages x4)"


def test_lq_tables_blank_a_reference_of_another_period():
    counties = area("00001", {"0": 1000, "5": 800}, {"311": 100}, year=2023)
    nation = [dict(r, qtr="1") for r in area("US000", {"0": 1e5, "5": 8e4}, {"311": 2e3}, year=2023)]
    data = annual_rows(frame(counties + nation))
    region, reference = region_sum(data, ["00001"]), region_sum(data, ["US000"], region_code="US000")
    with pytest.raises(ExportPlanError, match=r"US000 has only Q1 data for 2023 while the region's counties have "
                                              r"annual data.*api/2023/a/area/US000.csv"):
        check_periods(region, reference, 2023)
    # The table is still printed (the counties' numbers are valid), its LQs blank: never Q1 against annual.
    table = industry_table(data, ["00001"], level=3)
    assert table.height == 1 and table.get_column("employment")[0] == 100
    assert table.get_column("lq").null_count() == table.height
    # The other way round: averaged quarters of the counties against an annual reference.
    flipped = annual_rows(frame([dict(r, qtr="1") for r in counties] + [dict(r, qtr="A") for r in nation]))
    with pytest.raises(ExportPlanError, match=r"US000 has only annual data for 2023 while the region's counties "
                                              r"have Q1 data.*api/2023/1/area/US000.csv.*--quarter 1"):
        check_periods(region_sum(flipped, ["00001"]), region_sum(flipped, ["US000"], region_code="US000"), 2023)
    assert industry_table(flipped, ["00001"], level=3).get_column("lq").null_count() == 1
    # Like with like: quarters on both sides are compared.
    quarters = annual_rows(frame([dict(r, qtr="1") for r in counties] + nation))
    assert industry_table(quarters, ["00001"], level=3).get_column("lq")[0] == pytest.approx(
        (100 / 1000) / (2e3 / 1e5))


def test_period_check_fires_when_the_reference_lacks_the_year():
    counties = area("00001", {"0": 1000, "5": 800}, {"311": 100}, year=2020)
    nation = [dict(r, qtr="1") for y in (2019, 2024) for r in area("US000", {"0": 1e5, "5": 8e4}, {"311": 2e3}, year=y)]
    data = annual_rows(frame(counties + nation))
    region, reference = region_sum(data, ["00001"]), region_sum(data, ["US000"], region_code="US000")
    with pytest.raises(ExportPlanError, match=r"US000 has no data for 2020 \(loaded: 2019 Q1, 2024 Q1\).*not withheld"):
        check_periods(region, reference, 2020)
    assert industry_table(data, ["00001"], level=3).get_column("lq").null_count() == 1


def test_uslq_reference_carries_the_period_of_the_files_it_comes_from():
    rows = area("00001", {"0": 1000}, {"311": 100}) + area("00001", {"0": 1000}, {"311": 100}, year=2021)
    data = annual_rows(_lq_rows(rows, {"10": 1.0, "311": 2.0}))
    implied = implied_reference(data, ["00001"])
    assert implied.get_column("period").unique().to_list() == ["annual"]
    # Counties with averaged quarters only give no published annual LQ, so such a region meets an annual
    # reference only through other areas: the LQ table refuses it.
    quarters = annual_rows(_lq_rows([dict(r, qtr="1", area="00002") for r in rows if r["year"] == 2020], {})
                           .vstack(data.drop("period").filter(pl.col("year") == 2020)))
    assert industry_table(quarters, ["00002"], "USLQ", level=3).get_column("lq").null_count() == 1
    with pytest.raises(ExportPlanError, match="counties' 2020 rows carry no published LQs"):
        check_periods(region_sum(quarters, ["00002"]), implied_reference(quarters, ["00001"]), 2020)
