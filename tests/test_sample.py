"""The SAMPLE data generator: official layouts, consistent numbers, labelled, deterministic."""
from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import polars as pl
import pytest

from exportplan.demo import sample
from exportplan.imports.tables import TABLES, read_table
from exportplan.sources.clusters import read_crosswalk, read_uscmp_cluster_table
from exportplan.sources.naics import naics_level, read_titles_file
from exportplan.sources.qcew import read_qcew
from exportplan.ws.programs import CATALOGUE_KIND, CATALOGUE_PUBLISHER

USER_TABLES = ("targets", "sector_fdi", "assets", "countries", "exports", "partnerships", "fdi",
               "survey")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return sample.write_sample_files(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def qcew(files):
    return pl.concat([read_qcew(path) for path in files.qcew])


@pytest.fixture(scope="module")
def counties(qcew):
    return qcew.filter(pl.col("area_fips") != sample.US_AREA)


def test_qcew_header_is_the_real_bls_annual_slice_header(files, shared_data):
    with open(shared_data / "qcew/bls_qcew_2020_annual_area_39049.csv", newline="") as fh:
        real = next(csv.reader(fh))
    for path in files.qcew:
        with open(path, newline="", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == real
    first_row = files.qcew[0].read_text(encoding="utf-8").splitlines()[1]
    assert first_row.startswith('"99001","0","10","70","0","2018","A","",')  # BLS quoting


def test_files_cover_three_counties_and_the_us_for_six_years(files, qcew):
    assert len(files.qcew) == 24
    assert files.years == [2018, 2019, 2020, 2021, 2022, 2023]
    assert sorted(qcew["area_fips"].unique()) == ["99001", "99003", "99005", "US000"]
    assert sorted(qcew["year"].unique()) == files.years
    for path in files.qcew:
        frame = read_qcew(path)
        assert frame["area_fips"].n_unique() == 1 and frame["year"].n_unique() == 1
        assert path.name == sample.qcew_file_name(frame["year"][0], frame["area_fips"][0])
    assert set(qcew["layout"]) == {"annual-slice"}


def test_agglvl_codes_match_ownership_and_industry_level(qcew):
    def expected(row) -> str:
        head = "1" if row["area_fips"] == "US000" else "7"
        code, own = row["industry_code"], row["own_code"]
        if code == "10":
            return head + ("0" if own == "0" else "1")
        if code in ("101", "102"):
            return head + "2"
        if code.startswith("10"):
            return head + "3"
        return head + str(naics_level(code) + 2)
    rows = qcew.select("area_fips", "own_code", "industry_code", "agglvl_code").unique().to_dicts()
    assert all(row["agglvl_code"] == expected(row) for row in rows)
    assert set(qcew["own_code"]) == {"0", "1", "2", "3", "5"}
    assert set(qcew.filter(pl.col("own_code") != "5")["industry_code"]) == {"10"}
    six = qcew.filter(pl.col("agglvl_code") == "18")["industry_code"].unique()
    assert 40 <= len(six) <= 60


def test_withheld_cells_are_missing_and_never_totals(qcew, counties):
    withheld = counties.filter(pl.col("disclosure_code") == "N")
    share = withheld.height / counties.height
    assert 0.01 < share < 0.15
    assert withheld["emplvl"].null_count() == withheld.height
    assert withheld["total_wages"].null_count() == withheld.height
    assert withheld["bls_lq_emplvl"].null_count() == withheld.height
    assert (withheld["estabs"] > 0).all()
    assert set(withheld["agglvl_code"]) <= {"75", "76", "77", "78"}  # never sectors or totals
    assert qcew.filter(pl.col("area_fips") == "US000", pl.col("disclosure_code") == "N").is_empty()
    assert (counties["estabs"] > 0).all()


def _parent(code: str) -> str:
    if len(code) == 3:
        return {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
                "48": "48-49", "49": "48-49"}.get(code[:2], code[:2])
    return code[:-1]


def test_children_sum_to_parents(qcew):
    private = qcew.filter(pl.col("own_code") == "5", pl.col("agglvl_code").str.slice(1).is_in(
        ["4", "5", "6", "7", "8"]))
    sectors = private.filter(pl.col("agglvl_code").str.ends_with("4"))
    detail = private.filter(~pl.col("agglvl_code").str.ends_with("4"))
    kids = detail.with_columns(parent=pl.col("industry_code").map_elements(_parent, pl.String))
    sums = kids.group_by("area_fips", "year", "parent").agg(
        pl.col("estabs").sum().alias("kid_estabs"), pl.col("emplvl").sum().alias("kid_emp"),
        pl.col("emplvl").null_count().alias("kid_hidden"))
    joined = private.join(sums, left_on=["area_fips", "year", "industry_code"],
                          right_on=["area_fips", "year", "parent"])
    assert joined.height > 1000
    assert (joined["estabs"] == joined["kid_estabs"]).all()  # establishments always published
    open_rows = joined.filter(pl.col("kid_hidden") == 0, pl.col("emplvl").is_not_null())
    assert open_rows.height > 900
    assert (open_rows["emplvl"] == open_rows["kid_emp"]).all()
    totals = qcew.filter(pl.col("industry_code") == "10")
    private_total = totals.filter(pl.col("own_code") == "5").select("area_fips", "year", "emplvl")
    sector_sum = sectors.group_by("area_fips", "year").agg(pl.col("emplvl").sum().alias("sectors"))
    check = private_total.join(sector_sum, on=["area_fips", "year"])
    assert check.height == 24 and (check["emplvl"] == check["sectors"]).all()
    by_own = totals.group_by("area_fips", "year").agg(
        pl.col("emplvl").filter(pl.col("own_code") == "0").sum().alias("all"),
        pl.col("emplvl").filter(pl.col("own_code") != "0").sum().alias("parts"))
    assert (by_own["all"] == by_own["parts"]).all()


def test_a_withheld_cell_cannot_be_recovered_by_subtraction(qcew):
    private = qcew.filter(pl.col("own_code") == "5", pl.col("area_fips") != "US000",
                          pl.col("agglvl_code").is_in(["75", "76", "77", "78"]))
    kids = private.with_columns(parent=pl.col("industry_code").map_elements(_parent, pl.String))
    per_parent = kids.group_by("area_fips", "year", "parent").agg(
        pl.col("emplvl").null_count().alias("hidden"))
    shown = private.filter(pl.col("emplvl").is_not_null()).select(
        "area_fips", "year", parent="industry_code")
    sectors = qcew.filter(pl.col("agglvl_code") == "74").select("area_fips", "year",
                                                              parent="industry_code")
    published_parents = pl.concat([shown, sectors])
    lone = per_parent.join(published_parents, on=["area_fips", "year", "parent"]).filter(
        pl.col("hidden") == 1)
    assert lone.is_empty()


def test_sample_lqs_follow_the_bls_definition(qcew, counties):
    base = qcew.filter(pl.col("own_code") == "0", pl.col("industry_code") == "10").select(
        "area_fips", "year", total="emplvl")
    us = qcew.filter(pl.col("area_fips") == "US000").join(base, on=["area_fips", "year"]).select(
        "year", "own_code", "industry_code", us_emp="emplvl", us_total="total")
    rows = (counties.filter(pl.col("emplvl").is_not_null())
            .join(base, on=["area_fips", "year"])
            .join(us, on=["year", "own_code", "industry_code"])
            .with_columns(lq=(pl.col("emplvl") / pl.col("total")) / (pl.col("us_emp") / pl.col("us_total"))))
    assert rows.height == counties["emplvl"].count()
    assert (rows["lq"] - rows["bls_lq_emplvl"]).abs().max() <= 0.005 + 1e-9
    assert rows["bls_lq_emplvl"].max() > 3 and rows["bls_lq_emplvl"].min() < 0.5  # specialised
    assert (qcew.filter(pl.col("area_fips") == "US000")["bls_lq_emplvl"] == 1.0).all()


def test_us_is_far_larger_and_trends_differ(qcew):
    totals = qcew.filter(pl.col("own_code") == "0").select("area_fips", "year", "emplvl")
    us = totals.filter(pl.col("area_fips") == "US000")["emplvl"].min()
    assert us > 50 * totals.filter(pl.col("area_fips") != "US000")["emplvl"].max()
    six = qcew.filter(pl.col("agglvl_code") == "18", pl.col("year").is_in([2018, 2023]))
    wide = six.pivot(on="year", index="industry_code", values="emplvl")
    growth = (wide["2023"] / wide["2018"]) ** (1 / 5) - 1
    assert (growth > 0.04).sum() >= 3 and (growth < -0.01).sum() >= 3


def test_codes_exist_in_both_naics_vintages_of_the_sample_years(qcew, shared_data):
    codes = set(qcew.filter(pl.col("own_code") == "5", pl.col("industry_code").str.len_chars() >= 3,
                            ~pl.col("industry_code").str.starts_with("10"))["industry_code"])
    assert len(codes) > 150
    for vintage in (2017, 2022):  # 2018-2021 data use NAICS 2017, 2022-2023 NAICS 2022
        census = read_titles_file(shared_data / f"naics/census_naics{vintage}_codes_titles.csv")
        assert codes <= set(census["naics"])


def test_crosswalk_uses_official_clusters(files, qcew):
    frame, report = read_crosswalk(files.crosswalk)
    assert report.rows_kept == len(sample.CROSSWALK)
    shipped = resources.files("exportplan").joinpath("data/clusters_uscmp.csv").read_text("utf-8")
    official = {row["cluster_code"]: (row["cluster_name"], row["type"])
                for row in csv.DictReader(shipped.splitlines())}
    for row in frame.iter_rows(named=True):
        assert official[row["cluster_code"]] == (row["cluster_name"], row["type"])
    six = set(qcew.filter(pl.col("agglvl_code") == "78")["industry_code"])
    assert set(frame["naics"]) <= six
    traded = frame.filter(pl.col("type") == "traded")["cluster_code"].n_unique()
    assert traded >= 10 and frame.filter(pl.col("type") == "local").height > 0


def test_peer_set_in_the_cluster_mapping_layout(files, shared_data):
    with open(shared_data / "clusters/uscmp_state_clusters_2016.csv", newline="") as fh:
        real_header = next(csv.reader(fh))
    with open(files.peers, newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == real_header
    peers = read_uscmp_cluster_table(files.peers)
    assert peers["region_code"].n_unique() == sample.PEER_COUNT
    assert sorted(peers["year"].unique()) == files.years
    traded = {code for _, code, _ in sample.CROSSWALK if sample.cluster_type(code) == "traded"}
    assert set(peers["cluster_code"]) == traded and set(peers["type"]) == {"traded"}
    assert (peers["employment"] > 0).all() and (peers["establishments"] > 0).all()
    assert 0.1 < peers["strong"].mean() < 0.4  # flags follow the top-quartile rule


@pytest.mark.parametrize("kind", USER_TABLES)
def test_user_tables_load_with_the_importers(files, kind):
    frame = read_table(kind, getattr(files, kind))
    assert len(frame) > 0 and frame.attrs["warnings"] == []
    assert kind in TABLES


def test_market_tables_are_plausible(files):
    exports = read_table("exports", files.exports)
    exports = exports[exports["scope"] == "region"]
    totals = exports[exports["naics"] == ""]
    assert sorted(totals["year"].unique()) == files.years and totals["country"].nunique() == 20
    latest = totals[totals["year"] == 2023].set_index("country")["value_usd"]
    assert latest.idxmax() == "CAN" and latest.rank(ascending=False)["MEX"] == 2
    sectors = exports[exports["naics"] != ""].groupby(["country", "year"])["value_usd"].sum()
    assert (sectors < totals.set_index(["country", "year"])["value_usd"].reindex(sectors.index)).all()
    countries = read_table("countries", files.countries)
    assert 20 <= countries["iso3"].nunique() <= 30
    survey = read_table("survey", files.survey)
    assert survey["company"].str.startswith("Sample Co. ").all()


def test_exports_hold_us_goods_exports_by_naics_for_the_sample_industries(files):
    exports = read_table("exports", files.exports)
    assert set(exports["scope"]) == {"region", "nation"}
    nation = exports[exports["scope"] == "nation"]
    assert set(nation["area"]) == {"US"} and nation["source"].str.contains("SAMPLE").all()
    countries = read_table("countries", files.countries)
    assert set(nation["country"]) == set(countries["iso3"])  # every sample country, not just the region's
    assert sorted(nation["year"].unique()) == files.years
    assert (nation["naics"].str.len() == 3).all()  # one level: the demand factor never counts twice
    # Census's NAICS export series cover goods: every goods industry's 3-digit code, no service code
    goods = {n[:3] for n in (i.naics for i in sample.INDUSTRIES)
             if sample.sector_of(n) == "31-33" or n[:3] in ("111", "112", "212")}
    assert set(nation["naics"]) == goods
    assert nation.groupby(["country", "year"]).size().eq(len(goods)).all()
    assert (nation["value_usd"] > 0).all()
    by_year = nation.groupby("year")["value_usd"].sum()
    assert by_year.idxmin() == 2020 and by_year[2023] > by_year[2018]  # the 2020 slump
    latest = nation[nation["year"] == 2023].groupby("country")["value_usd"].sum()
    assert latest.nlargest(2).index.tolist() == ["CAN", "MEX"]
    assert 0.8e12 < latest.sum() < 1.6e12  # the listed products: a good part of ~$2tn U.S. goods exports
    region = exports[(exports["scope"] == "region") & (exports["naics"] != "")]
    pair = region.merge(nation, on=["country", "year", "naics"], suffixes=("_region", "_us"))
    assert len(pair) == len(region)  # every regional sector row has its U.S. counterpart
    assert (pair["value_usd_region"] < 0.05 * pair["value_usd_us"]).all()


def test_sample_market_ranking_reads_the_us_exports_for_demand(tmp_path):
    from exportplan.demo.builder import build_demo

    ws = build_demo(tmp_path / "ws")
    stored = ws.user_table("exports")
    nation = stored[(stored["scope"] == "nation") & (stored["year"] == 2023)]
    priority, where = ws.priority_sectors()
    wanted = {n for s in priority for n in s.naics}
    used = sorted({c for c in nation["naics"] if any(n.startswith(c) for n in wanted)})
    assert where == "the sector ranking's priority tier" and {"325", "334", "336"} <= set(used)
    ranking = ws.rank_markets(draws=300)
    demand = next(c for c in ranking.criteria if c.key == "demand_usd")
    assert "proxy" not in demand.label and "proxy" not in " ".join(ranking.notes)
    assert f"U.S. exports of NAICS {', '.join(used)}" in demand.source
    assert any(n.startswith("Priority sectors (the sector ranking's priority tier)") for n in ranking.notes)
    expected = nation[nation["naics"].isin(used)].groupby("iso3")["value_usd"].sum()
    raw = ranking.table.set_index("iso3")["raw_demand_usd"]
    assert raw.to_dict() == pytest.approx(expected.reindex(raw.index).to_dict())
    # a sector's own view uses its own U.S. rows; a service cluster is never proxied by merchandise imports
    own = ws.rank_markets(sector="326", draws=300).table.set_index("iso3")["raw_demand_usd"]
    plastics = nation[nation["naics"] == "326"].set_index("iso3")["value_usd"]
    assert own.to_dict() == pytest.approx(plastics.reindex(own.index).to_dict())
    services = ws.rank_markets(sector="cluster:Business Services", draws=300)
    assert any("has no measure: services are never proxied by merchandise imports" in n for n in services.notes)
    assert "raw_demand_usd" not in services.table or services.table["raw_demand_usd"].isna().all()


def test_county_centres_are_around_the_sample_centre(files):
    rows = list(csv.DictReader(files.county_centres.read_text(encoding="utf-8").splitlines()[1:]))
    assert [r["county_fips"] for r in rows] == files.counties
    assert all(abs(float(r["lat"]) - 40.0) < 1 and abs(float(r["lon"]) + 83.0) < 1 for r in rows)
    assert files.centre == (40.0, -83.0)


def test_everything_is_labelled_sample(files):
    paths = files.all_paths()
    assert len(paths) == len(set(paths)) == len(list(files.folder.iterdir()))
    assert all(p.name.startswith("SAMPLE_") for p in paths)
    for kind in (*USER_TABLES, "county_centres"):
        first = getattr(files, kind).read_text(encoding="utf-8").splitlines()[0]
        assert "SAMPLE DATA" in first and "not real statistics" in first
    assert "SAMPLE DATA" in files.readme.read_text(encoding="utf-8")
    with open(files.crosswalk, newline="", encoding="utf-8") as fh:
        assert all("SAMPLE DATA" in row["note"] for row in csv.DictReader(fh))
    peers = read_uscmp_cluster_table(files.peers)
    assert peers["region_name"].str.contains("(SAMPLE)", literal=True).all()
    assert "SAMPLE" in files.region_name
    for path in files.qcew:  # counties in state 99, which does not exist
        area = path.stem.rsplit("_", 1)[1]
        assert area == "US000" or area.startswith("99")


def test_same_seed_same_bytes_other_seed_other_numbers(files, tmp_path):
    again = sample.write_sample_files(tmp_path / "again", seed=2024)
    for first, second in zip(files.all_paths(), again.all_paths(), strict=True):
        assert first.name == second.name and first.read_bytes() == second.read_bytes()
    frame = sample.build_qcew(np.random.default_rng([7, 0]))  # the QCEW part of seed 7
    other = frame[(frame["area_fips"] == "99001") & (frame["year"] == 2023)]
    assert other["annual_avg_emplvl"].sum() != read_qcew(files.qcew[5])["emplvl"].sum()


# --------------------------------------------------------------------------- provenance and the sample flag

@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory):
    from exportplan.demo.builder import build_demo

    ws = build_demo(tmp_path_factory.mktemp("demo") / "sample")
    yield ws
    ws.close()


def test_sample_sources_name_the_project_never_bls(sample_ws):
    """`exportplan sources` and every output's sources sheet name the invented sample as publisher."""
    import openpyxl
    from click.testing import CliRunner

    from exportplan.cli.main import cli

    everything = sample_ws.provenance()
    # the shipped federal program catalogue is real reference data: it keeps its own publisher
    catalogue = everything[everything["kind"] == CATALOGUE_KIND]
    assert len(catalogue) == 1 and (catalogue["publisher"] == CATALOGUE_PUBLISHER).all()
    prov = everything[everything["kind"] != CATALOGUE_KIND]
    assert len(prov) >= 30
    assert (prov["publisher"] == sample.SAMPLE_PUBLISHER).all()
    assert prov["note"].str.contains("SAMPLE DATA").all() and (prov["url"] == "").all()
    qcew = prov[prov["kind"] == "qcew"]
    assert (qcew["dataset"] == "QCEW (BLS file layout)").all()
    assert not prov["publisher"].str.contains("Bureau|BLS|Census|Cluster Mapping").any()
    out = CliRunner().invoke(cli, ["-w", str(sample_ws.path), "sources"])
    assert out.exit_code == 0, out.output
    rows = [line for line in out.output.splitlines()[2:] if line.strip()]
    assert len(rows) == len(everything)
    assert sum(sample.SAMPLE_PUBLISHER in line for line in rows) == len(prov)
    assert sum(CATALOGUE_PUBLISHER in line for line in rows) == 1
    for write in (lambda p: sample_ws.rank_sectors(draws=200).write(p),
                  lambda p: sample_ws.rank_markets(draws=200).write(p)):
        path = write(sample_ws.path / "check.xlsx")
        sheet = openpyxl.load_workbook(path)["sources"]
        cells = [r for r in sheet.iter_rows(values_only=True)]
        head = next(i for i, r in enumerate(cells) if r[0] == "publisher")
        publishers = [r[0] for r in cells[head + 1:] if r[0]]
        stop = next((i for i, p in enumerate(publishers) if p == "notes"), len(publishers))
        assert publishers[:stop] and set(publishers[:stop]) == {sample.SAMPLE_PUBLISHER}


def _imported(ws):
    """The workspace's provenance without the shipped program catalogue (which keeps its publisher)."""
    records = ws.provenance()
    return records[records["kind"] != CATALOGUE_KIND]


def test_sample_status_is_the_workspace_flag_not_a_file_name(tmp_path, files):
    """A SAMPLE_ file in a real workspace is not sample data; any file in the sample workspace is."""
    import shutil

    from exportplan.demo.builder import label_provenance
    from exportplan.errors import ExportPlanError
    from exportplan.workspace import Workspace

    real = Workspace.init(tmp_path / "real", name="Real", counties=["39049"], centre=[40.0, -83.0])
    flagged = Workspace.init(tmp_path / "flagged", name="Flagged", counties=["39049"], centre=[40.0, -83.0],
                             sample_data=True)
    plain = tmp_path / "targets.csv"
    shutil.copy(files.targets, plain)
    try:
        real.import_table("targets", files.targets)          # named SAMPLE_..., but the workspace is real
        flagged.import_table("targets", plain)               # no SAMPLE in the name, but a sample workspace
        assert (_imported(real)["note"] == "").all()
        assert _imported(flagged)["note"].str.contains("SAMPLE DATA").all()
        assert not real.is_sample and flagged.is_sample
        with pytest.raises(ExportPlanError, match="not the sample workspace"):
            label_provenance(real)
        assert label_provenance(flagged) == 1 and label_provenance(flagged) == 0
        assert (_imported(flagged)["publisher"] == sample.SAMPLE_PUBLISHER).all()
        assert (_imported(real)["publisher"] == "the organization's own records").all()
    finally:
        real.close()
        flagged.close()
