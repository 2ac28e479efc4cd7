"""Cluster crosswalk readers, cluster tables and the US Cluster Mapping flags."""
from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from exportplan.analysis.clusters import (
    cluster_flags,
    cluster_table,
    flag_against_peers,
    flag_fallback,
)
from exportplan.analysis.industry import region_sum
from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.sources.clusters import (
    name_key,
    official_clusters,
    read_crosswalk,
    read_uscmp_cluster_table,
    unmapped_naics,
)
from exportplan.sources.qcew import read_qcew

FLAGS = ["strong", "strong10", "significant", "qualifying"]


@pytest.fixture(scope="module")
def states(shared_data) -> pl.DataFrame:
    return read_uscmp_cluster_table(shared_data / "clusters" / "uscmp_state_clusters_2016.csv")


# ---------------------------------------------------------------- official list

def test_official_clusters():
    off = official_clusters()
    assert off.columns == ["cluster_code", "cluster_name", "type"]
    traded = off.filter(pl.col("type") == "traded")
    assert traded.get_column("cluster_code").to_list() == [str(i) for i in range(1, 52)]
    assert off.filter(pl.col("type") == "local").get_column("cluster_code").to_list() == \
        [str(i) for i in range(101, 117)]
    assert traded.row(0) == ("1", "Aerospace Vehicles and Defense", "traded")
    assert name_key("Marketing, Design & Publishing") == name_key("marketing design and publishing")


def test_official_names_match_the_published_table(states):
    published = states.select("cluster_code", "cluster_name", "type").unique().sort("cluster_code")
    assert published.equals(official_clusters().sort("cluster_code"))


# ---------------------------------------------------------------- flags

def test_flags_reproduce_published_state_flags(states):
    ours = cluster_flags(states.rename({f: f"{f}_pub" for f in FLAGS}))
    traded = ours.filter(pl.col("type") == "traded")
    assert traded.height == 50 * 51
    for flag in FLAGS:
        assert traded.get_column(f"{flag}_pub").null_count() == 0
        mismatch = traded.filter(pl.col(flag) != pl.col(f"{flag}_pub")).height
        assert traded.get_column(flag).null_count() == 0 and mismatch == 0, flag
    assert ours.filter(pl.col("type") == "local").get_column("strong").null_count() == 16 * 50


def test_flag_thresholds_are_numpy_percentiles(states):
    ours = cluster_flags(states).filter(pl.col("cluster_code") == "19")
    populated = states.filter((pl.col("cluster_code") == "19") & (pl.col("employment") > 0))
    expected = np.percentile(populated.get_column("lq").to_numpy(), [25, 50, 75, 90])
    got = ours.select("lq_p25", "lq_p50", "lq_p75", "lq_p90").row(0)
    assert list(got) == list(expected)


def test_flag_against_peers_reproduces_a_state(states):
    # Ohio taken as "our region" and all 50 states as peers: its published flags come back.
    ohio = states.filter(pl.col("region_code") == "39").with_columns(lq_base=pl.lit("type"))
    region = ohio.drop(FLAGS).filter(pl.col("type") == "traded")
    flagged = flag_against_peers(region, states, region_code="39").sort("cluster_code")
    expected = ohio.filter(pl.col("type") == "traded").sort("cluster_code")
    for flag in FLAGS:
        assert flagged.get_column(flag).to_list() == expected.get_column(flag).to_list(), flag
    assert flagged.get_column("flag_method").unique().to_list() == [
        "peer percentiles over 50 regions (49 state regions, 2016 data, plus this region, 2016 data)"]
    with pytest.raises(ExportPlanError, match="base='type'"):
        flag_against_peers(region.with_columns(lq_base=pl.lit("all")), states)


def test_flag_fallback_says_so():
    table = pl.DataFrame({"cluster_code": ["1", "2", "3", "101"], "type": ["traded", "traded", "traded", "local"],
                          "lq": [1.25, 1.1, None, 3.0]})
    out = flag_fallback(table)
    assert out.get_column("strong").to_list() == [True, False, None, None]
    assert out.get_column("significant").null_count() == 4
    assert out.get_column("flag_method").unique().to_list() == ["LQ >= 1.2 fallback, no peer set loaded"]
    assert flag_fallback(table, threshold=1.25).get_column("strong").to_list()[0] is True


# ---------------------------------------------------------------- cluster table

XWALK = pl.DataFrame({"naics": ["336411", "336412", "311111", "722511"],
                      "cluster_code": ["1", "1", "18", "111"],
                      "cluster_name": ["Aerospace Vehicles and Defense", "Aerospace Vehicles and Defense",
                                       "Food Processing and Manufacturing", "Local Hospitality Establishments"],
                      "type": ["traded", "traded", "traded", "local"], "subcluster": [None] * 4})


def _six(area: str, emp: dict[str, float], year: int = 2020, withheld: tuple[str, ...] = ()) -> list[dict]:
    return [{"area_fips": area, "own_code": "5", "industry_code": k, "year": year, "qtr": "A",
             "disclosure_code": "N" if k in withheld else "", "estabs": 10,
             "emplvl": None if k in withheld else float(v), "total_wages": None if k in withheld else v * 60_000.0}
            for k, v in emp.items()]


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"area_fips": pl.String, "own_code": pl.String, "industry_code": pl.String,
                                      "year": pl.Int32, "qtr": pl.String, "disclosure_code": pl.String,
                                      "estabs": pl.Int64, "emplvl": pl.Float64, "total_wages": pl.Float64})


def test_cluster_lq_with_traded_base():
    region = _frame(_six("R", {"336411": 300, "336412": 100, "311111": 100, "722511": 500}))
    nation = _frame(_six("US000", {"336411": 1000, "336412": 1000, "311111": 8000, "722511": 50000}))
    table = cluster_table(region, XWALK, nation)
    aero = table.filter(pl.col("cluster_code") == "1").row(0, named=True)
    assert aero["employment"] == 400 and aero["establishments"] == 20 and aero["withheld"] == 0
    assert aero["lq"] == pytest.approx((400 / 500) / (2000 / 10000))
    assert aero["lq_base"] == "type" and aero["avg_pay"] == pytest.approx(60_000)
    local = table.filter(pl.col("type") == "local").row(0, named=True)
    assert local["lq"] == pytest.approx(1.0)  # the only local cluster: its own base
    every = cluster_table(region, XWALK, nation, base="all").filter(pl.col("cluster_code") == "1")
    assert every.get_column("lq")[0] == pytest.approx((400 / 1000) / (2000 / 60000))
    assert table.get_column("cluster_code").to_list()[0] == "111"  # ranked by employment


def test_cluster_withheld_cell_gives_no_lq_and_no_growth():
    rows = _six("R", {"336411": 300, "336412": 100, "311111": 100}, withheld=("336412",), year=2020)
    rows += _six("R", {"336411": 200, "336412": 100, "311111": 100}, year=2015)
    nation = _frame(_six("US000", {"336411": 1000, "336412": 1000, "311111": 8000}, year=2020)
                    + _six("US000", {"336411": 900, "336412": 900, "311111": 8000}, year=2015))
    table = cluster_table(_frame(rows), XWALK, nation)
    aero = table.filter(pl.col("cluster_code") == "1").row(0, named=True)
    assert aero["withheld"] == pytest.approx(0.5) and aero["employment"] == 300  # lower bound
    assert aero["lq"] is None and aero["growth"] is None
    food = table.filter(pl.col("cluster_code") == "18").row(0, named=True)
    assert food["growth"] == pytest.approx(0.0) and food["start_year"] == 2015
    assert food["base_withheld"] == pytest.approx(10 / 30)
    tolerant = cluster_table(_frame(rows), XWALK, nation, max_withheld=0.6)
    assert tolerant.filter(pl.col("cluster_code") == "1").get_column("lq")[0] is not None


def test_cluster_table_on_real_county(shared_data):
    qcew = read_qcew(shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv")
    ref = pl.concat([read_qcew(shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv")
                     for c in ("39041", "39045", "39047", "39049", "39073")])
    xwalk, _ = read_crosswalk(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
    reference = region_sum(ref, ["39041", "39045", "39047", "39049", "39073"], region_code="OH5")
    table = cluster_table(region_sum(qcew, ["39049"]), xwalk, reference)
    need = {"cluster_code", "cluster_name", "type", "employment", "establishments", "lq", "growth",
            "withheld", "lq_base"}
    assert need <= set(table.columns)
    six = qcew.filter((pl.col("own_code") == "5") & (pl.col("agglvl_code") == "78"))
    mapped = six.join(xwalk, left_on="industry_code", right_on="naics")
    assert table.get_column("employment").sum() == mapped.get_column("emplvl").sum()
    assert table.get_column("establishments").sum() == mapped.get_column("estabs").sum()
    assert (table.filter(pl.col("withheld") > 0).get_column("lq").null_count()
            == table.filter(pl.col("withheld") > 0).height)
    gaps = unmapped_naics(xwalk, six.get_column("industry_code"))
    assert gaps and all(len(c) == 6 for c in gaps) and not set(gaps) & set(xwalk.get_column("naics"))


def test_cluster_lq_against_implied_us_shares():
    # Reference USLQ: N_i from published LQs; a code no county gives a share for is withheld in the reference.
    region = _frame(_six("R", {"336411": 300, "336412": 100, "311111": 100}))
    ref = _frame(_six("USLQ", {"336411": 1000, "336412": 1000, "311111": 8000}, withheld=("336412",)))
    ref = ref.with_columns(estabs=pl.lit(None, pl.Int64), synthetic=pl.lit(True))
    table = cluster_table(region, XWALK, ref)
    assert table.filter(pl.col("cluster_code") == "1").get_column("lq")[0] is None
    assert (table.get_column("ref_estimated").fill_null(0) == 0).all()


def test_uslq_reference_is_never_estimated_from_the_counties():
    from exportplan.analysis.industry import annual_rows, reference_frame

    # County R publishes LQs for 336411 and 311111 but withholds 336412: its U.S. share is unknown and stays so,
    # whatever the estimate setting (the old path split the parent's residual by the county's establishments).
    rows = _six("R", {"336411": 300, "336412": 100, "311111": 100}, withheld=("336412",))
    rows += [{"area_fips": "R", "own_code": "5", "industry_code": "33641", "year": 2020, "qtr": "A",
              "disclosure_code": "", "estabs": 20, "emplvl": 400.0, "total_wages": 400 * 60_000.0},
             {"area_fips": "R", "own_code": "0", "industry_code": "10", "year": 2020, "qtr": "A",
              "disclosure_code": "", "estabs": 100, "emplvl": 1000.0, "total_wages": 1000 * 60_000.0}]
    lqs = {"336411": 3.0, "33641": 4.0, "311111": 0.5, "10": 1.0}
    data = annual_rows(_frame(rows).with_columns(
        bls_lq_emplvl=pl.col("industry_code").replace_strict(lqs, default=None, return_dtype=pl.Float64),
        agglvl_code=pl.lit("78"), size_code=pl.lit("0"), avg_annual_pay=pl.lit(None, pl.Float64)))
    for estimate in (False, True):
        ref = reference_frame(data, "USLQ", estimate=estimate)
        assert ref.filter(pl.col("industry_code") == "336412").get_column("emplvl")[0] is None
        assert "estimated" not in ref.columns or not ref.get_column("estimated").fill_null(False).any()
        table = cluster_table(region_sum(data, ["R"]), XWALK, ref)
        assert table.filter(pl.col("cluster_code") == "1").get_column("lq")[0] is None


def test_workspace_with_uslq_reference(tmp_path, shared_data):
    from exportplan.analysis.industry import USLQ_NOTE
    from exportplan.workspace import Workspace

    files = [shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv" for c in ("39047", "39073")]
    ws = Workspace.init(tmp_path / "w", name="Two counties", counties=["39047", "39073"], reference_area="USLQ")
    try:
        ws.import_qcew(files)
        ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
        industries = ws.industries(level=3)
        clusters = ws.clusters()
        plain = ws.clusters(estimate=False)
    finally:
        ws.close()
    for table in (industries, clusters):
        notes = table.attrs["exportplan"]["notes"]
        assert any(USLQ_NOTE in n for n in notes) and table["growth"].isna().all()
    assert industries["lq"].notna().sum() > 20
    # The implied U.S. shares are never estimated from the counties: an industry no county publishes an LQ for
    # has no share, and a cluster (or traded/local total) holding one has no LQ; the notes say so and how to fix.
    for table in (clusters, plain):
        notes = " ".join(table.attrs["exportplan"]["notes"])
        assert not table["ref_estimated"].fillna(0).gt(0).any()
        assert "no U.S. share" in notes and "never estimated from the region's own counties" in notes
        assert "estimated U.S." not in notes and "split by the counties' establishments" not in notes
    traded = clusters[clusters["type"] == "traded"]
    assert f"{traded['lq'].isna().sum()} of {len(traded)} traded clusters have no LQ" in \
        " ".join(clusters.attrs["exportplan"]["notes"])


# ---------------------------------------------------------------- crosswalk readers

@pytest.mark.parametrize("name", ["uscmp_naics2012_to_cluster_ACR1.csv", "uscmp_naics2012_to_cluster_ACR1.xlsx"])
def test_acr1_crosswalk(shared_data, name):
    xwalk, report = read_crosswalk(shared_data / "clusters" / name)
    assert xwalk.columns == ["naics", "cluster_code", "cluster_name", "type", "subcluster"]
    assert report.layout == "acr1" and report.rows_read == 992
    assert report.dropped_pseudo == {"Emsi-specific pseudo NAICS codes": 37, "pseudo-cluster 'NA'": 1}
    assert report.rows_kept == xwalk.height == 992 - 38
    assert (report.traded_clusters, report.local_clusters) == (51, 16) and not report.unknown_names
    traded = xwalk.filter(pl.col("type") == "traded").get_column("cluster_code").unique()
    assert sorted(traded.cast(pl.Int32).to_list()) == list(range(1, 52))
    assert xwalk.get_column("cluster_code").null_count() == 0
    assert not xwalk.get_column("naics").is_in(["111000", "902612", "814110"]).any()
    assert xwalk.filter(pl.col("naics") == "336411").row(0) == (
        "336411", "1", "Aerospace Vehicles and Defense", "traded", "Aircraft")
    assert any("37 row(s)" in line for line in report.lines())


def test_stateior_crosswalk_has_types_only(shared_data):
    xwalk, report = read_crosswalk(shared_data / "clusters" / "uscmp_naics_traded_local_crosswalk_stateior.csv")
    assert report.layout == "type-only" and not report.has_clusters
    assert xwalk.height == 1088 and xwalk.get_column("cluster_code").null_count() == 1088
    assert xwalk.get_column("type").value_counts().sort("type").rows() == [("local", 310), ("traded", 778)]
    assert any("no clusters" in w for w in report.warnings)


def test_legacy_json_is_flagged(shared_data):
    xwalk, report = read_crosswalk(shared_data / "clusters" / "uscmp_cmp_clusters_list_legacy.json")
    assert report.layout == "legacy-json"
    assert any("pre-2014" in w for w in report.warnings)
    assert xwalk.get_column("cluster_code").str.starts_with("legacy-").all()
    assert "Chemical Products" in xwalk.get_column("cluster_name").to_list()


def test_plain_layout_fills_names_and_reports_unknown_names(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("NAICS Code,Cluster Code\n336411,1\n722511,111\n")
    xwalk, report = read_crosswalk(plain)
    assert report.layout == "plain"
    assert xwalk.rows() == [("336411", "1", "Aerospace Vehicles and Defense", "traded", None),
                            ("722511", "111", "Local Hospitality Establishments", "local", None)]
    named = tmp_path / "named.csv"
    named.write_text("naics,cluster,type\n336411,AEROSPACE VEHICLES & DEFENSE,Traded\n"
                     "541511,Smart Mobility,traded\n336411,Aerospace Vehicles and Defense,traded\n")
    xwalk, report = read_crosswalk(named)
    assert xwalk.get_column("cluster_code").to_list() == ["1", None]
    assert report.unknown_names == ["Smart Mobility"] and report.duplicates_dropped == 1


def _problems(path) -> list:
    with pytest.raises(ImportFailed) as info:
        read_crosswalk(path)
    return info.value.table.problems


def test_bad_crosswalks_fail_with_line_and_fix(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("naics,cluster_code,type\n33641,1,traded\n336411,2,sideways\n")
    problems = _problems(bad)
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "naics", "33641"), (3, "type", "sideways")]
    assert all(p.fix for p in problems)
    conflict = tmp_path / "conflict.csv"
    conflict.write_text("naics,cluster_code\n336411,1\n336411,2\n")
    assert "more than one cluster" in _problems(conflict)[0].problem
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("code,label\n1,x\n")
    assert _problems(nohead)[0].row == 1
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "XLSX" in _problems(broken)[0].problem
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in _problems(empty)[0].problem
    js = tmp_path / "x.json"
    js.write_text(json.dumps({"not": "a list"}))
    assert _problems(js)
    custom = tmp_path / "custom.csv"
    custom.write_text("naics,cluster_code\n336411,900\n")
    assert _problems(custom)[0].row == 2  # unofficial code and no type column


def test_unmapped_naics():
    assert unmapped_naics(XWALK, ["336411", "999999", "3364", None, "999999", "111110"]) == ["111110", "999999"]


# ---------------------------------------------------------------- USCMP tables

def test_read_uscmp_tables(shared_data, states):
    assert states.get_column("region_code").n_unique() == 50 and states.height == 3350
    assert states.schema["year"] == pl.Int32 and states.schema["establishments"] == pl.Int64
    alabama = states.filter((pl.col("region_code") == "01") & (pl.col("cluster_code") == "116")).row(0, named=True)
    assert alabama["employment"] == 10811 and alabama["establishments"] == 861 and alabama["type"] == "local"
    assert alabama["strong"] is None
    eas = read_uscmp_cluster_table(shared_data / "clusters" / "uscmp_economic_area_clusters_2016_sample.csv")
    assert eas.get_column("region_code").n_unique() == 5 and set(eas.get_column("region_type")) == {"economic"}
    assert not eas.get_column("region_name").str.ends_with(" ").any()


def test_read_uscmp_bad_file(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFailed, match="region_code_t"):
        read_uscmp_cluster_table(bad)


def test_definitions_workbook_layout(tmp_path):
    # The shape of the official "US Cluster Definitions.xlsx": sheet NAICS, several NAICS vintages.
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("NAICS")
    sheet.append(["2012 NAICS Code", "NAICS 2007 Code", "NAICS Title", "Traded/Local", "Cluster Code",
                  "Cluster Name", "Subcluster Code", "Subcluster Name"])
    sheet.append([336411, 336411, "Aircraft Manufacturing", "Traded", 1, "Aerospace Vehicles and Defense", 1,
                  "Aircraft"])
    sheet.append([722511, 722110, "Full-Service Restaurants", "Local", 111, "Local Hospitality Establishments",
                  None, None])
    path = tmp_path / "defs.xlsx"
    book.save(path)
    xwalk, report = read_crosswalk(path)
    assert report.layout == "plain"
    assert xwalk.rows() == [("336411", "1", "Aerospace Vehicles and Defense", "traded", "Aircraft"),
                            ("722511", "111", "Local Hospitality Establishments", "local", None)]


# ---------------------------------------------------------------- NAICS vintage breaks

VXWALK = pl.DataFrame({"naics": ["336411", "336412", "311111", "311119", "722511", "722513"],
                       "cluster_code": ["1", "1", "18", "18", "111", "111"],
                       "cluster_name": ["Aerospace Vehicles and Defense"] * 2
                       + ["Food Processing and Manufacturing"] * 2 + ["Local Hospitality Establishments"] * 2,
                       "type": ["traded"] * 4 + ["local"] * 2, "subcluster": [None] * 6})


def _vintage_frames(start: int, end: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Region and nation where 311111 (region) and 722513 (nation) have a row at the start only."""
    region = _six("R", {"336411": 200, "336412": 100, "311111": 50, "311119": 50, "722511": 400, "722513": 100},
                  year=start)
    region += _six("R", {"336411": 300, "336412": 100, "311119": 100, "722511": 500, "722513": 100}, year=end)
    nation = _six("US000", {"336411": 1000, "336412": 1000, "311111": 4000, "311119": 4000, "722511": 40000,
                            "722513": 10000}, year=start)
    nation += _six("US000", {"336411": 1100, "336412": 1000, "311111": 4000, "311119": 4000, "722511": 50000},
                   year=end)
    return _frame(region), _frame(nation)


def test_cluster_growth_across_a_vintage_break_needs_the_same_codes_at_both_ends():
    region, nation = _vintage_frames(2016, 2021)  # NAICS 2012 data -> NAICS 2017 data
    table = cluster_table(region, VXWALK, nation).sort("cluster_code")
    rows = {r["cluster_code"]: r for r in table.iter_rows(named=True)}
    assert table.get_column("vintage_break").to_list() == [True, True, True]
    # The same codes at both ends: growth is kept.
    assert rows["1"]["growth"] == pytest.approx(400 / 300 - 1) and rows["1"]["vintage_gap_codes"] == 0
    # 311111 has a region row in 2016 only: the sums compare different code sets.
    assert rows["18"]["growth"] is None and rows["18"]["cagr"] is None and rows["18"]["vintage_gap_codes"] == 1
    # 722513 is in the region at both ends but in the nation in 2016 only: blank too.
    assert rows["111"]["growth"] is None and rows["111"]["vintage_gap_codes"] == 1
    assert rows["18"]["start_year"] == 2016 and rows["18"]["lq"] is not None  # the LQ is one year: unaffected


def test_cluster_growth_within_one_vintage_keeps_a_real_change():
    region, nation = _vintage_frames(2017, 2021)  # both NAICS 2017
    table = cluster_table(region, VXWALK, nation)
    food = table.filter(pl.col("cluster_code") == "18").row(0, named=True)
    assert food["vintage_break"] is False and food["vintage_gap_codes"] == 0
    assert food["growth"] == pytest.approx(100 / 100 - 1)
    one_year = cluster_table(region.filter(pl.col("year") == 2021), VXWALK, nation)
    assert one_year.get_column("vintage_break").null_count() == one_year.height


@pytest.fixture(scope="module")
def us_q1(shared_data) -> pl.DataFrame:
    """The real U.S. files of 2019 Q1 (NAICS 2017) and 2024 Q1 (NAICS 2022), as one frame per year."""
    from exportplan.analysis.industry import annual_rows, reference_frame

    files = [shared_data / "qcew" / f"bls_qcew_{y}_q1_area_US000.csv" for y in (2019, 2024)]
    return reference_frame(annual_rows(pl.concat([read_qcew(f) for f in files], how="diagonal_relaxed")), "US000")


def test_real_2019_2024_cluster_growth_skips_clusters_whose_codes_changed(shared_data, us_q1):
    from exportplan.analysis.sector_reference import cluster_reference_measures

    xwalk, _ = read_crosswalk(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
    table = cluster_table(us_q1, xwalk, us_q1)
    assert table.get_column("vintage_break").all() and table.get_column("start_year").unique().to_list() == [2019]
    # Independently: the crosswalk codes that have a private 6-digit row in one year only.
    six = us_q1.filter((pl.col("own_code") == "5") & pl.col("industry_code").str.contains(r"^\d{6}$"))
    codes = {y: set(six.filter(pl.col("year") == y).get_column("industry_code")) for y in (2019, 2024)}
    changed = (codes[2019] ^ codes[2024]) & set(xwalk.get_column("naics"))
    assert len(changed) > 100
    hit = set(xwalk.filter(pl.col("naics").is_in(list(changed))).get_column("cluster_code"))
    blank = set(table.filter(pl.col("growth").is_null()).get_column("cluster_code"))
    # (A cluster whose codes were all renumbered, e.g. 109 with retail 448 -> 458, has no 2024 row at all.)
    assert blank == hit & set(table.get_column("cluster_code")) and {"Coal Mining", "Financial Services"} <= set(
        table.filter(pl.col("growth").is_null()).get_column("cluster_name"))
    # Coal mining (212111-212113 became 212114-212115 in NAICS 2022) showed -91% before; now it is blank.
    coal = table.filter(pl.col("cluster_name") == "Coal Mining").row(0, named=True)
    assert coal["vintage_gap_codes"] >= 1 and coal["cagr"] is None
    kept = table.filter(pl.col("growth").is_not_null())
    assert kept.height >= 10 and (kept.get_column("vintage_gap_codes") == 0).all()
    for code, grown in kept.select("cluster_code", "growth").iter_rows():
        mine = xwalk.filter(pl.col("cluster_code") == code).get_column("naics")
        e = {y: six.filter((pl.col("year") == y) & pl.col("industry_code").is_in(mine)).get_column("emplvl").sum()
             for y in (2019, 2024)}
        assert grown == pytest.approx(e[2024] / e[2019] - 1), code
    ref = cluster_reference_measures(us_q1, us_q1, xwalk, year=2024, start_year=2019).set_index("code")
    assert ref.loc[sorted(blank), ["ref_cagr", "competitive_shift"]].isna().all().all()
    assert ref.loc[sorted(set(kept.get_column("cluster_code"))), "competitive_shift"].abs().max() < 1e-12


# ---------------------------------------------------------------- the LQ base

def test_cluster_lq_needs_a_base_without_missing_cells():
    # 311111 is withheld in the region: the traded base (e_traded) is a lower bound, so no traded LQ holds.
    region = _frame(_six("R", {"336411": 300, "336412": 100, "311111": 100, "722511": 500}, withheld=("311111",)))
    nation = _frame(_six("US000", {"336411": 1000, "336412": 1000, "311111": 8000, "722511": 50000}))
    table = cluster_table(region, XWALK, nation)
    aero = table.filter(pl.col("cluster_code") == "1").row(0, named=True)
    # The cluster itself has no withheld cell.
    assert aero["withheld"] == 0 and aero["base_missing"] == pytest.approx(10 / 30) and aero["lq"] is None
    assert aero["ref_base_missing"] == 0
    local = table.filter(pl.col("cluster_code") == "111").row(0, named=True)
    assert local["base_missing"] == 0 and local["lq"] == pytest.approx(1.0)  # the local base is complete
    tolerant = cluster_table(region, XWALK, nation, max_withheld=0.4).filter(pl.col("cluster_code") == "1")
    assert tolerant.get_column("lq")[0] == pytest.approx((400 / 400) / (2000 / 10000))
    # The same gap in the reference's base.
    hidden = _frame(_six("US000", {"336411": 1000, "336412": 1000, "311111": 8000, "722511": 50000},
                         withheld=("311111",)))
    clean = _frame(_six("R", {"336411": 300, "336412": 100, "311111": 100, "722511": 500}))
    aero = cluster_table(clean, XWALK, hidden).filter(pl.col("cluster_code") == "1").row(0, named=True)
    assert aero["base_missing"] == 0 and aero["ref_base_missing"] == pytest.approx(10 / 30) and aero["lq"] is None


# ---------------------------------------------------------------- periods

def test_cluster_lq_is_blank_against_a_reference_of_another_period():
    from exportplan.analysis.industry import annual_rows, check_periods, reference_frame

    region = _six("R", {"336411": 300, "336412": 100, "311111": 100, "722511": 500}, year=2023)
    nation = [dict(r, qtr="1") for r in _six("US000", {"336411": 1000, "336412": 1000, "311111": 8000,
                                                       "722511": 50000}, year=2023)]
    data = annual_rows(_frame(region + nation))
    summed, ref = region_sum(data, ["R"]), reference_frame(data, "US000")
    with pytest.raises(ExportPlanError, match=r"US000 has only Q1 data for 2023 .* annual .*api/2023/a/area/US000"):
        check_periods(summed, ref, 2023)
    table = cluster_table(summed, XWALK, ref)  # printed, employment intact, LQs blank: never Q1 against annual
    assert table.height == 3 and table.get_column("lq").null_count() == 3
    assert table.filter(pl.col("cluster_code") == "1").get_column("employment")[0] == 400
    both = annual_rows(_frame([dict(r, qtr="1") for r in region] + nation))
    assert cluster_table(region_sum(both, ["R"]), XWALK, reference_frame(both, "US000")).get_column(
        "lq").null_count() == 0


# ---------------------------------------------------------------- the workspace's cluster table

COLUMBUS = ("39041", "39045", "39049", "39073")


@pytest.fixture(scope="module")
def columbus(shared_data, tmp_path_factory):
    from exportplan.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("clusters") / "w", name="Columbus", counties=list(COLUMBUS),
                        reference_area="USLQ", state="OH")
    ws.import_qcew([shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv" for c in COLUMBUS])
    ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
    # 4 of the metro's 10 counties (compared as a metro) against 2016 states: accepted only explicitly.
    ws.import_peers(shared_data / "clusters" / "uscmp_state_clusters_2016.csv", allow_mismatch=True)
    yield ws
    ws.close()


def test_workspace_cluster_notes_use_private_rows_whatever_the_ownership(columbus):
    columbus.config["analysis"]["ownership"] = "0"
    try:
        total = columbus.clusters()
    finally:
        columbus.config["analysis"]["ownership"] = "5"
    private = columbus.clusters()
    notes = total.attrs["exportplan"]["notes"]
    assert not any("100.0%" in n for n in notes)
    shares = [n for n in notes if "withheld at the 6-digit level" in n]
    assert shares and shares == [n for n in private.attrs["exportplan"]["notes"] if "withheld at the 6-digit" in n]
    assert any("not in the crosswalk" in n for n in notes)


def test_workspace_flags_fall_back_when_the_reference_is_not_the_us(columbus):
    assert columbus.clusters()["flag_method"].str.startswith("peer percentiles").any()
    columbus.config["region"]["reference_area"] = "39049"
    columbus.config["region"]["counties"] = ["39041", "39045"]
    try:
        table = columbus.clusters()
    finally:
        columbus.config["region"]["reference_area"] = "USLQ"
        columbus.config["region"]["counties"] = list(COLUMBUS)
    traded = table[table["type"] == "traded"]
    assert traded["flag_method"].str.contains("reference area 39049 is not the U.S.").all()
    assert traded["significant"].isna().all()
    assert (traded["strong"].dropna() == (traded.loc[traded["strong"].notna(), "lq"] >= 1.2)).all()
    assert any("peer" in n and "39049" in n for n in table.attrs["exportplan"]["notes"])


def test_workspace_blanks_lqs_on_an_incomplete_base_and_says_so(columbus):
    plain = columbus.clusters(estimate=False)
    assert plain["lq"].isna().all() and (plain["base_missing"] > 0).all()
    assert any("base" in n and "estimate" in n for n in plain.attrs["exportplan"]["notes"])
    # Estimating the counties' cells completes the region's base, but the implied U.S. traded/local totals miss
    # every share no county publishes, and those are never estimated: no cluster LQ, and the notes say why.
    estimated = columbus.clusters()
    assert (estimated["base_missing"] == 0).all() and (estimated["ref_base_missing"] > 0).all()
    traded = estimated[estimated["type"] == "traded"]
    assert traded["lq"].isna().all() and traded["lq_low"].notna().any()
    # Bounds within analysis.max_bound_ratio and no estimate: the geometric midpoint, marked as such.
    mid = estimated[estimated["lq"].notna()]
    assert len(mid) and (mid["lq_note"] == "no estimate for some withheld cells: geometric midpoint of the bounds").all()
    assert ((mid["lq_high"] / mid["lq_low"]) <= 1.5).all()
    assert np.allclose(mid["lq"], np.sqrt(mid["lq_low"] * mid["lq_high"]))
    notes = " ".join(estimated.attrs["exportplan"]["notes"])
    assert "never estimated from the region's counties" in notes and "48 of 48 traded clusters have no LQ" in notes
    assert "api/2020/a/area/US000.csv" in notes


def test_workspace_says_at_the_top_when_the_reference_has_another_period(shared_data, tmp_path):
    from exportplan.workspace import Workspace

    # The real U.S. 2019 Q1 file relabelled 2020 (in tmp_path), beside the counties' 2020 annual files.
    lines = (shared_data / "qcew" / "bls_qcew_2019_q1_area_US000.csv").read_text().splitlines()
    us_q1 = tmp_path / "us_2020_q1.csv"
    us_q1.write_text("\n".join([lines[0]] + [line.replace('"2019","1"', '"2020","1"') for line in lines[1:]]) + "\n")
    ws = Workspace.init(tmp_path / "w", name="Franklin", counties=["39049"], reference_area="US000")
    try:
        ws.import_qcew([shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv", us_q1])
        ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
        for table in (ws.clusters(), ws.industries()):
            meta = table.attrs["exportplan"]
            assert table["lq"].isna().all() and table["employment"].notna().any()
            first = meta["notes"][0]
            assert meta["top_notes"] == [first]
            assert "US000 has only Q1 data for 2020 while the region's counties have annual data" in first
            assert "https://data.bls.gov/cew/data/api/2020/a/area/US000.csv" in first
            assert not any("withheld" in n and "LQ" in n and "blank" in n for n in meta["notes"][1:])
    finally:
        ws.close()


# ---------------------------------------------------------------- USCMP tables: row validation

PEER_HEADER = ("region_code_t,region_name_t,region_type_t,cluster_code_t,cluster_name_t,year_t,emp_tl,est_tl,"
               "lq_tf,traded_b,strong_b,cluster_type")
PEER_LINES = ["01,Alabama,state,1,Aerospace Vehicles and Defense,2016,1200,30,1.5,TRUE,TRUE,traded",
              "02,Alaska,state,1,Aerospace Vehicles and Defense,2016,NA,NA,NA,TRUE,NA,traded",
              "01,Alabama,state,116,Local Industrial Products and Services,2016,10811,861,1.54,FALSE,NA,local"]


def peer_file(tmp_path, lines=PEER_LINES, header=PEER_HEADER, name="peers.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def with_cell(line: str, column: str, value: str) -> str:
    cells = line.split(",")
    cells[PEER_HEADER.split(",").index(column)] = value
    return ",".join(cells)


def test_read_uscmp_small_table_keeps_na_as_missing(tmp_path):
    peers = read_uscmp_cluster_table(peer_file(tmp_path))
    assert peers.get_column("region_code").to_list() == ["01", "02", "01"]
    assert peers.get_column("type").to_list() == ["traded", "traded", "local"]
    alaska = peers.row(1, named=True)
    assert alaska["employment"] is None and alaska["establishments"] is None and alaska["strong"] is None
    assert peers.schema["year"] == pl.Int32 and peers.schema["establishments"] == pl.Int64


@pytest.mark.parametrize(("column", "value", "words"), [
    ("year_t", "20x8", "year"), ("year_t", "NA", "year"), ("year_t", "1850", "year"),
    ("emp_tl", "lots", "number"), ("emp_tl", "-5", "negative"), ("est_tl", "1.5", "whole number"),
    ("lq_tf", "high", "number"), ("region_code_t", "", "region code"), ("cluster_code_t", "", "cluster code"),
    ("cluster_code_t", "A7", "cluster code"), ("cluster_code_t", "12345", "cluster code"),
    ("cluster_type", "export", "traded or local"), ("strong_b", "maybe", "TRUE, FALSE or NA"),
])
def test_read_uscmp_bad_values_name_line_column_and_value(tmp_path, column, value, words):
    lines = [PEER_LINES[0], with_cell(PEER_LINES[1], column, value), PEER_LINES[2]]
    with pytest.raises(ImportFailed) as err:
        read_uscmp_cluster_table(peer_file(tmp_path, lines))
    problems = err.value.table.problems
    assert len(problems) == 1
    assert (problems[0].row, problems[0].column, problems[0].value) == (3, column, value)
    assert words in problems[0].problem and problems[0].fix and problems[0].file == "peers.csv"


def test_read_uscmp_type_from_traded_b_and_bad_traded_b(tmp_path):
    header = PEER_HEADER.rsplit(",", 1)[0]
    lines = [line.rsplit(",", 1)[0] for line in PEER_LINES]
    assert read_uscmp_cluster_table(peer_file(tmp_path, lines, header)).get_column("type").to_list() == \
        ["traded", "traded", "local"]
    lines[2] = lines[2].replace(",FALSE,", ",local,")
    with pytest.raises(ImportFailed, match="traded_b"):
        read_uscmp_cluster_table(peer_file(tmp_path, lines, header))


def test_read_uscmp_repeated_region_cluster_year_names_both_lines(tmp_path):
    with pytest.raises(ImportFailed) as err:
        read_uscmp_cluster_table(peer_file(tmp_path, PEER_LINES + [PEER_LINES[0]]))
    problem = err.value.table.problems[0]
    assert problem.row == 5 and "line 2" in problem.problem and "01" in problem.problem


def test_read_uscmp_workbooks(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(PEER_HEADER.split(","))
    for line in PEER_LINES:
        book.active.append([None if v == "NA" else v for v in line.split(",")])
    book.active.cell(row=2, column=6, value=2016)  # a year typed as a number
    book.save(tmp_path / "peers.xlsx")
    from_book = read_uscmp_cluster_table(tmp_path / "peers.xlsx")
    assert from_book.equals(read_uscmp_cluster_table(peer_file(tmp_path)))
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes((tmp_path / "peers.xlsx").read_bytes()[:300])
    with pytest.raises(ExportPlanError, match="clustermapping.us") as err:
        read_uscmp_cluster_table(damaged)
    assert "CSV" in str(err.value) and "damaged.xlsx" in str(err.value)
    binary = tmp_path / "peers.csv"
    binary.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200))  # an old .xls saved as .csv
    with pytest.raises(ExportPlanError, match="not a CSV"):
        read_uscmp_cluster_table(binary)


def test_crosswalk_workbook_named_csv_or_cut_short(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["naics", "cluster_code"])
    book.active.append([336411, 1])
    book.save(tmp_path / "xwalk.xlsx")
    renamed = tmp_path / "xwalk.csv"  # saved from Excel under a .csv name: still a workbook
    renamed.write_bytes((tmp_path / "xwalk.xlsx").read_bytes())
    assert read_crosswalk(renamed)[0].get_column("cluster_code").to_list() == ["1"]
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(renamed.read_bytes()[:400])
    with pytest.raises(ImportFailed, match="not a readable XLSX"):
        read_crosswalk(cut)
