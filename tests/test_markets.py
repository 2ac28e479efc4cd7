"""Target country markets: imports and downloads of country data, the eight factors, the ranking,
its outputs (CLI and Python), and the real Columbus-area data end to end."""
from __future__ import annotations

import glob
import json
import math
import re
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from exportplan.analysis import markets as am
from exportplan.analysis.market_measures import growth_window, is_services, majority_value
from exportplan.analysis.scoring import Criterion
from exportplan.analysis.weights import (
    MARKET_FACTORS,
    MARKET_PRESETS,
    MAX_PARTNERSHIPS,
    MIN_TRADE_EVIDENCE,
    TRADE_EVIDENCE,
    trade_evidence_share,
)
from exportplan.sources.countries import US_TERRITORIES
from exportplan.analysis.geo import great_circle_km, region_centre
from exportplan.cli.main import cli
from exportplan.demo.builder import build_demo, show_markets
from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.imports import tables as it
from exportplan.sources import download
from exportplan.store import schema as t
from exportplan.workspace import Workspace
from exportplan.ws.markets import detect_country_layout

DRAWS = 2000
KEY = "k3y0123456789abcdef0123456789abcdef0123"  # constructed, 40 characters
COLUMBUS = ["39041", "39045", "39049", "39073"]
STATE_PATH = "/data/timeseries/intltrade/exports/statenaics"
_POSITION = re.compile(r" \((tied )?(\d+(st|nd|rd|th) )?(highest|lowest) of \d+\)")


# ============================================================================ fixtures

@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("sample") / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def sample_ranking(sample_ws):
    return sample_ws.rank_markets(draws=DRAWS)


@pytest.fixture
def empty_ws(tmp_path):
    ws = Workspace.init(tmp_path / "ws", name="Test Region", counties=["39049"], centre=[39.96, -82.99])
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def columbus(shared_data, tmp_path_factory):
    """A Columbus-area workspace from the real files, loaded through the workspace and the CLI."""
    folder = tmp_path_factory.mktemp("columbus") / "ws"
    ws = Workspace.init(folder, name="Columbus Region", counties=COLUMBUS, centre=[39.96, -82.99], state="OH",
                        reference_area="USLQ")
    qcew = sorted(glob.glob(str(shared_data / "qcew/bls_qcew_2020_annual_area_*.csv")))
    ws.import_qcew([p for p in qcew if Path(p).stem[-5:] in COLUMBUS])
    c = shared_data / "countries"
    reports = {}
    for name in ("worldbank_wdi_ny.gdp.mktp.cd.csv", "worldbank_wdi_ny.gdp.mktp.kd.zg.csv",
                 "worldbank_wdi_tm.val.mrch.cd.wt.csv", "worldbank_wdi_ic.bus.ease.xq.csv",
                 "worldbank_wgi_dataset.xlsx", "ti_cpi2022_global_results_trends.xlsx",
                 "cepii_geodist_geo_cepii.csv", "cepii_geodist_dist_cepii.csv"):
        reports[name] = ws.import_countries(c / name)
    runner = CliRunner()
    cli_runs = [
        runner.invoke(cli, ["-w", str(folder), "import", "countries", str(c / "ustr_special301_status_2005_2018.csv")]),
        runner.invoke(cli, ["-w", str(folder), "import", "exports",
                            str(shared_data / "trade/imf_dots_us_goods_trade_by_partner.csv")]),
        runner.invoke(cli, ["-w", str(folder), "import", "partnerships",
                            str(shared_data / "partnerships/sistercity_info_twin_towns_scrape_2025.csv"),
                            "--city", "Columbus", "--state", "OH", "--partner-country", "Hefei=China",
                            "--partner-country", "Kumasi=Ghana"]),
    ]
    for run in cli_runs:
        assert run.exit_code == 0, run.output
    ranking = ws.rank_markets(draws=DRAWS)
    yield {"ws": ws, "ranking": ranking, "reports": reports, "cli": [r.output for r in cli_runs]}
    ws.close()


def _counts(ws) -> dict[str, int]:
    return {tb.name: ws.store.count(tb) for tb in (t.country_values, t.exports, t.partnerships, t.provenance)}


def _check_reasons(ranking) -> None:
    """Every number in every reason is a raw value of that row (formatted) or a 'k-th of n' position."""
    crits = sorted(ranking.criteria, key=lambda c: -len(c.label))
    for row in ranking.table.to_dict("records"):
        text, cited = row["reason"], 0
        described = [c.describe(row[f"raw_{c.key}"]) for c in crits if not pd.isna(row[f"raw_{c.key}"])]
        for phrase in sorted(described, key=len, reverse=True):
            if phrase in text:
                text, cited = text.replace(phrase, " ", 1), cited + 1
        assert cited >= 1, row["reason"]
        for crit in crits:  # labels of measures without data ("no data: ...")
            text = text.replace(crit.label, " ")
        text = _POSITION.sub(" ", text)
        assert not re.search(r"\d", text), f"{row['iso3']}: a number not from its raw values: {row['reason']!r}"


# ============================================================================ pure measures

def _exports(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["scope", "area", "iso3", "naics", "year", "value_usd"])
    return frame.assign(provenance_id=1)


def _prov() -> pd.DataFrame:
    return pd.DataFrame({"id": [1], "publisher": ["International Monetary Fund"],
                         "dataset": ["Direction of Trade Statistics (DOTS): United States goods exports"],
                         "vintage": ["2020-2022"], "source": ["dots.csv"], "note": [""]})


def test_exports_scope_falls_back_region_state_nation_and_is_labelled():
    nation = [("nation", "US", "CAN", "", 2022, 300.0), ("nation", "US", "MEX", "", 2022, 200.0)]
    state = [("state", "OH", "CAN", "", 2022, 30.0)]
    region = [("region", "REGION", "MEX", "", 2022, 3.0)]
    chosen = am.choose_exports(_exports(nation))
    assert chosen.scope == "nation"
    assert am.exports_label(chosen, _prov()) == ("exports by destination: U.S. total (IMF DOTS), used because no "
                                                 "regional or state data is loaded")
    assert am.choose_exports(_exports(nation + state)).scope == "state"
    assert am.choose_exports(_exports(nation + state + region)).scope == "region"
    assert am.choose_exports(_exports(nation), year=2021) is None


def test_export_measures_share_and_cagr():
    rows = [("region", "R", "CAN", "", 2018, 100.0), ("region", "R", "CAN", "", 2023, 200.0),
            ("region", "R", "MEX", "", 2018, 0.0), ("region", "R", "MEX", "", 2023, 300.0),
            ("region", "R", "JPN", "", 2023, 500.0)]
    series = am.choose_exports(_exports(rows))
    em = am.export_measures(series, window=5)
    measures = em.measures
    assert (em.latest, em.start, em.end, em.note) == (2023, 2018, 2023, "")
    assert measures.loc["CAN", "exports_share"] == pytest.approx(0.2)
    assert measures.loc["CAN", "exports_cagr"] == pytest.approx(2 ** (1 / 5) - 1)
    assert math.isnan(measures.loc["MEX", "exports_cagr"])  # no growth from zero
    assert math.isnan(measures.loc["JPN", "exports_cagr"])  # no start year: missing, not zero
    one_year = am.choose_exports(_exports([r for r in rows if r[4] == 2023]))
    assert am.export_measures(one_year, window=5).start is None


def test_sector_rows_take_one_naics_level_and_keep_missing_missing():
    rows = _exports([("nation", "US", "CAN", "336", 2022, 10.0), ("nation", "US", "CAN", "3361", 2022, 7.0),
                     ("nation", "US", "MEX", "336", 2022, 20.0), ("nation", "US", "MEX", "334", 2022, 5.0),
                     ("nation", "US", "JPN", "336", 2022, np.nan)])
    summed, used, note = am.sector_rows(rows, ("336111", "334"))
    assert used == ("334", "336")  # the 3-digit level covers more countries than 3361
    assert "approximation" in note
    values = summed.set_index("iso3")["value_usd"]
    assert values["CAN"] == 10.0 and values["MEX"] == 25.0 and math.isnan(values["JPN"])


def test_user_table_names_cover_every_indicator_and_map_special301():
    assert set(am.USER_INDICATORS) == set(it.INDICATORS)
    stored = pd.DataFrame({"iso3": ["MEX", "MEX", "MEX", "CHN"], "indicator": ["gdp_usd", "NY.GDP.MKTP.CD",
                                                                              "special301", "special301"],
                           "year": [2022, 2022, 2022, 2022], "value": [1.0, 2.0, 1.0, 2.0],
                           "value_text": ["", "", "", ""], "provenance_id": [5, 3, 5, 5]})
    out = am.canonical_country_values(stored).set_index(["iso3", "indicator"])
    assert out.loc[("MEX", "NY.GDP.MKTP.CD"), "value"] == 1.0  # the later import wins
    assert out.loc[("MEX", am.IP_SCORE), "value"] == 0.5 and out.loc[("CHN", am.IP_SCORE), "value"] == 0.25
    assert out.loc[("CHN", am.IP_SCORE), "value_text"] == "priority_watch_list"


def _data(**tables) -> am.MarketData:
    empty = pd.DataFrame({"iso3": [], "provenance_id": []})
    values = tables.pop("countries")
    return am.MarketData(countries=values, exports=tables.pop("exports", _exports([])),
                         partnerships=empty, fdi=empty, survey=empty, provenance=_prov(), **tables)


def _values(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["iso3", "indicator", "year", "value"])
    return frame.assign(value_text="", provenance_id=1)


def test_distance_needs_a_centre_and_missing_is_not_zero():
    values = _values([("CAN", am.COUNTRY_LAT, 0, 45.42), ("CAN", am.COUNTRY_LON, 0, -75.70),
                      ("DEU", am.COUNTRY_LAT, 0, 52.52), ("DEU", am.COUNTRY_LON, 0, 13.40),
                      ("DEU", am.GDP, 2022, 4e12)])
    names = {"CAN": "Canada", "DEU": "Germany"}
    with pytest.raises(ExportPlanError, match=r"config set region.centre LAT,LON"):
        am.build_market_matrix(_data(countries=values), names)
    mm = am.build_market_matrix(_data(countries=values, centre=(40.0, -83.0)), names)
    assert mm.matrix.loc["CAN", "distance_km"] == pytest.approx(great_circle_km(40.0, -83.0, 45.42, -75.70))
    assert math.isnan(mm.matrix.loc["CAN", "gdp_usd"])  # never imputed
    assert mm.matrix.loc["CAN", "contiguous_us"] == 1.0 and mm.matrix.loc["DEU", "contiguous_us"] == 0.0


def test_coverage_floor_drops_and_says_how_many():
    rows = [(c, am.GDP, 2022, v) for c, v in (("CAN", 2e12), ("MEX", 1.5e12), ("FRA", 3e12))]
    rows += [(c, am.GDP_GROWTH, y, v) for c, v in (("CAN", 1.0), ("MEX", 3.0)) for y in range(2018, 2023)]
    mm = am.build_market_matrix(_data(countries=_values(rows)), {"CAN": "Canada", "MEX": "Mexico", "FRA": "France"})
    weights = {k: 0.0 for k in am.MARKET_FACTORS}
    weights["market_factors"] = 1.0
    outcome = am.rank_matrix(mm, weights, draws=200, floor=0.8)
    assert outcome.dropped and set(outcome.table["iso3"]) <= {"CAN", "MEX", "FRA"}
    assert any(f"{len(outcome.dropped)} of" in n and "left out" in n for n in outcome.notes)
    assert (outcome.table["coverage"] >= 0.8).all()


def test_inverse_normalization_round_trips_on_log_and_cost_measures(sample_ranking):
    result = sample_ranking.outcome.result
    for key in ("exports_usd", "distance_km", "survey_mentions"):
        crit = next(c for c in result.criteria if c.key == key)
        norm = result.norm[key].dropna()
        for code, n in norm.items():
            assert am._invert(result, crit, n) == pytest.approx(result.matrix.loc[code, key], rel=1e-9, abs=1e-6)


# ============================================================================ the sample workspace

def test_sample_ranking_table(sample_ranking, sample_ws):
    table = sample_ranking.table
    for column in ("rank", "iso3", "country", "score", "coverage", "p_top5", "rank_p05", "rank_p95",
                   "median_rank", "robust", "reason"):
        assert column in table.columns
    keys = [c.key for c in sample_ranking.criteria]
    for key in keys:
        assert {f"raw_{key}", f"norm_{key}", f"contrib_{key}"} <= set(table.columns)
    assert {c.group for c in sample_ranking.criteria} == set(am.MARKET_FACTORS)  # all eight factors have data
    contrib = table[[f"contrib_{k}" for k in keys]].sum(axis=1, min_count=1)
    assert np.allclose(contrib, table["score"])
    factors = table[[f"contrib_{g}" for g in am.MARKET_FACTORS]].sum(axis=1)
    assert np.allclose(factors, table["score"])
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert ((table["rank_p05"] <= table["rank"]) & (table["rank"] <= table["rank_p95"])).all()
    assert table.attrs["exportplan"]["sample_data"] is True
    assert sample_ranking.meta["exports_scope"] == "region"
    assert sample_ranking.weights == pytest.approx(MARKET_PRESETS["balanced"].weights)
    # raw values are the stored ones: Canada's latest regional exports, all goods
    exports = sample_ws.user_table("exports")
    latest = exports[(exports["iso3"] == "CAN") & (exports["naics"] == "")].sort_values("year").iloc[-1]
    assert table.set_index("iso3").loc["CAN", "raw_exports_usd"] == latest["value_usd"]
    _check_reasons(sample_ranking)


def test_sample_user_indicators_feed_the_publisher_measures(sample_ranking, sample_ws):
    stored = sample_ws.user_table("countries").set_index(["iso3", "indicator"])["value"]
    row = sample_ranking.table.set_index("iso3").loc["CHN"]
    key = am.USER_INDICATORS  # the user's table is stored under the publishers' keys
    assert row["raw_gdp_usd"] == stored[("CHN", key["gdp_usd"])]
    assert row["raw_ip_protection"] == 0.25  # priority watch list in the user's table
    assert row["raw_corruption"] == stored[("CHN", key["cpi_score"])]


def test_user_imports_indicator_is_the_demand_proxy_without_sector_exports(sample_ws):
    # Primary metals (331): a goods sector without exports by NAICS in the sample, so demand falls back to the
    # user's merchandise imports
    stored = sample_ws.user_table("countries").set_index(["iso3", "indicator"])["value"]
    ranking = sample_ws.rank_markets(sector="naics:331", draws=DRAWS)
    demand = next(c for c in ranking.criteria if c.key == "demand_usd")
    assert demand.label == "merchandise imports (proxy)"
    assert any("proxy" in note for note in ranking.notes)
    assert ranking.table.set_index("iso3").loc["CHN", "raw_demand_usd"] == \
        stored[("CHN", am.USER_INDICATORS["merch_imports_usd"])]


def test_services_demand_is_never_proxied_by_merchandise_imports(sample_ws):
    # Business Services is a services cluster: no merchandise proxy; the factor has no data, said once
    ranking = sample_ws.rank_markets(sector="cluster:Business Services", draws=300)
    keys = {c.key for c in ranking.criteria}
    assert "demand_usd" not in keys and "services_demand_usd" not in keys
    assert not any(c.group == "cluster_demand" for c in ranking.criteria)
    assert any("never proxied by merchandise imports" in n and "BM.GSR.NFSV.CD" in n for n in ranking.notes)
    assert "merchandise imports" not in ranking.meta["exports_label"]
    # with WDI service imports loaded they are the services proxy
    values = _values([("CAN", am.SERVICES_IMPORTS, 2022, 1.2e11), ("MEX", am.SERVICES_IMPORTS, 2022, 0.6e11),
                      ("CAN", am.MERCH_IMPORTS, 2022, 5e11), ("MEX", am.MERCH_IMPORTS, 2022, 6e11)])
    insurance = am.Sector("524", "Insurance Carriers", ("524",))
    mm = am.build_market_matrix(_data(countries=values), _NAMES, sector=insurance)
    crit = _crit(mm, "demand_usd")
    assert crit.label == "service imports (proxy)" and "service imports (WDI)" in crit.source
    assert mm.matrix.loc["CAN", "demand_usd"] == 1.2e11  # not the merchandise imports
    # all-sectors view with goods and services priorities: one proxy each, never swapped
    priority = [_METAL, insurance]
    mm = am.build_market_matrix(_data(countries=values), _NAMES, priority=priority)
    assert mm.matrix.loc["MEX", "demand_usd"] == 6e11 and mm.matrix.loc["MEX", "services_demand_usd"] == 0.6e11
    assert "demand for the priority services sectors' products: proxy: the country's service imports" in \
        mm.exports_label
    # services only, without service imports: no demand measure at all
    goods_only = values[values["indicator"] == am.MERCH_IMPORTS]
    mm = am.build_market_matrix(_data(countries=goods_only), _NAMES, priority=[insurance])
    assert not any(c.group == "cluster_demand" for c in mm.criteria)
    assert any("Insurance Carriers" in n and "no measure" in n for n in mm.notes)
    assert is_services(("524",)) and is_services(("5411", "5412", "3341")) and not is_services(("336",))


def test_per_sector_view_uses_the_sectors_exports(sample_ws):
    ranking = sample_ws.rank_markets(sector="336", draws=DRAWS)
    exports = sample_ws.user_table("exports")
    mex = exports[(exports["iso3"] == "MEX") & (exports["naics"] == "336")
                  & (exports["scope"] == "region")].sort_values("year").iloc[-1]
    assert ranking.table.set_index("iso3").loc["MEX", "raw_exports_usd"] == mex["value_usd"]
    assert "NAICS 336" in next(c.label for c in ranking.criteria if c.key == "exports_usd")
    assert "sector 336" in ranking.meta["title"]
    _check_reasons(ranking)


def test_cluster_sector_view_uses_the_crosswalk(sample_ws):
    crosswalk = sample_ws.crosswalk()[0].to_pandas()
    name = crosswalk["cluster_name"].value_counts().index[0]
    sector = sample_ws.sector(name)
    assert sector.kind == "cluster" and sector == sample_ws.sector(f"cluster:{sector.code}")
    assert set(sector.naics) == set(crosswalk.loc[crosswalk["cluster_name"] == name, "naics"])
    with pytest.raises(ExportPlanError, match="No cluster 'Nothing Like It'"):
        sample_ws.sector("Nothing Like It")
    with pytest.raises(ExportPlanError, match="not a NAICS code"):
        sample_ws.sector("naics:33x")


def test_markets_by_sector_for_configured_priorities(sample_ws):
    sample_ws.config["markets"] = {"priority_sectors": ["336", "334"]}
    try:
        table = sample_ws.markets_by_sector(top=3, draws=300)
    finally:
        del sample_ws.config["markets"]
    assert table["sector"].tolist() == ["336"] * 3 + ["334"] * 3
    assert table.groupby("sector")["rank"].apply(list).tolist() == [[1, 2, 3], [1, 2, 3]]
    notes = table.attrs["exportplan"]["notes"]
    assert any("markets.priority_sectors" in n for n in notes)
    assert not any("identical" in n for n in notes)  # each view has its own sector exports
    # sectors without any exports data by NAICS: every view is the same, and the notes say why
    sample_ws.config["markets"] = {"priority_sectors": ["331", "327"]}
    try:
        table = sample_ws.markets_by_sector(top=3, draws=100)
    finally:
        del sample_ws.config["markets"]
    assert any(n.startswith("All the per-sector views (") and "are identical for want of sector data" in n
               for n in table.attrs["exportplan"]["notes"])


def test_presets_weights_and_method(sample_ws, sample_ranking):
    nearby = sample_ws.rank_markets(preset="nearby", weights="partnerships=0", draws=300)
    assert nearby.weights["proximity"] == pytest.approx(0.30 / 0.95)
    assert nearby.weights["partnerships"] == 0.0
    assert nearby.criterion_weights["partnership_strength"] == 0.0
    assert "strength-weighted count" not in nearby.table["reason"].str.cat()
    topsis = sample_ws.rank_markets(method="topsis", draws=300)
    assert topsis.meta["method"] == "topsis" and topsis.table["score"].between(0, 1).all()
    with pytest.raises(ExportPlanError, match="presets are"):
        sample_ws.rank_markets(preset="cheap", draws=10)
    with pytest.raises(ExportPlanError, match="Unknown weight key"):
        sample_ws.rank_markets(weights="distance=1", draws=10)


def test_explain_gives_contributions_band_and_moves(sample_ranking):
    row = sample_ranking.table.iloc[3]
    text = sample_ranking.explain(row["iso3"].lower())
    assert f"ranks #4 of {len(sample_ranking.table)}" in text
    assert f"between #{row['rank_p05']} and #{row['rank_p95']}" in text or f"rank it #{row['rank_p05']}" in text
    crit = next(c for c in sample_ranking.criteria if c.key == "survey_mentions")
    assert crit.describe(row["raw_survey_mentions"]) in text
    above = sample_ranking.table.iloc[2]["country"]
    assert f"To overtake {above} (#3)" in text
    with pytest.raises(ExportPlanError, match="has no rank"):
        sample_ranking.explain("ATA")


def test_region_point_from_county_centres(sample_ws):
    region = sample_ws.config["region"]
    saved = list(region["centre"])
    region["centre"] = []
    sample_ws.config["markets"] = {"county_centres": "sample-data/SAMPLE_county_centres.csv"}
    try:
        (lat, lon), note = sample_ws.region_point()
    finally:
        region["centre"] = saved
        del sample_ws.config["markets"]
    centres = pd.read_csv(sample_ws.path / "sample-data/SAMPLE_county_centres.csv", skiprows=1, dtype=str)
    qcew = sample_ws.qcew_frame(sample_ws.counties).to_pandas()
    total = qcew[(qcew["own_code"] == "0") & (qcew["industry_code"] == "10") & (qcew["year"] == qcew["year"].max())]
    emp = total.set_index("area_fips")["emplvl"]
    expected = region_centre(pd.DataFrame({"lat": centres["lat"].astype(float), "lon": centres["lon"].astype(float),
                                           "employment": centres["county_fips"].map(emp).to_numpy(float)}))
    assert (lat, lon) == pytest.approx(expected)
    assert "employment-weighted" in note


def test_python_outputs(sample_ranking, tmp_path):
    paths = [sample_ranking.write(tmp_path / "m.xlsx"), *sample_ranking.world_map(tmp_path / "map.png"),
             *sample_ranking.contribution_chart(tmp_path / "chart.png")]
    assert [p.name for p in paths] == ["m.xlsx", "map.png", "map.svg", "chart.png", "chart.svg"]
    book = openpyxl.load_workbook(paths[0], read_only=True)
    assert book.sheetnames == ["data", "sources"]
    header = next(book["data"].iter_rows(max_row=1, values_only=True))
    assert list(header) == list(sample_ranking.table.columns)
    book.close()
    assert 'id="country-CAN"' in paths[2].read_text(encoding="utf-8")


def test_cli_rank_markets_end_to_end(sample_ws, tmp_path):
    runner = CliRunner()
    base = ["-w", str(sample_ws.path), "rank", "markets", "--draws", "300"]
    for fmt in ("csv", "xlsx", "json"):
        out = tmp_path / f"markets.{fmt}"
        extra = ["--map", str(tmp_path / "map.png"), "--chart", str(tmp_path / "chart.png"),
                 "--explain", "MEX"] if fmt == "json" else []
        result = runner.invoke(cli, base + ["--format", fmt, "--output", str(out)] + extra)
        assert result.exit_code == 0, result.output
        assert out.is_file()
    csv = pd.read_csv(tmp_path / "markets.csv", dtype={"iso3": str})
    assert list(csv.columns[:11]) == ["rank", "iso3", "country", "score", "coverage", "p_top5", "rank_p05",
                                      "rank_p95", "median_rank", "robust", "reason"]
    assert {"raw_distance_km", "norm_distance_km", "contrib_distance_km", "contrib_proximity"} <= set(csv.columns)
    book = openpyxl.load_workbook(tmp_path / "markets.xlsx", read_only=True)
    assert list(next(book["data"].iter_rows(max_row=1, values_only=True))) == list(csv.columns)
    book.close()
    doc = json.loads((tmp_path / "markets.json").read_text(encoding="utf-8"))
    assert doc["meta"]["exports_scope"] == "region" and doc["meta"]["sample_data"] is True
    assert doc["rows"][0]["iso3"] == csv["iso3"][0]
    for name in ("map.png", "map.svg", "chart.png", "chart.svg"):
        assert (tmp_path / name).stat().st_size > 1000
    assert "Mexico (MEX) ranks #" in result.output and "Contributions to the score" in result.output
    assert "SAMPLE DATA" in result.output
    sector = runner.invoke(cli, base + ["--sector", "336", "--top", "3"])
    assert sector.exit_code == 0 and "sector 336" in sector.output
    bad = runner.invoke(cli, base + ["--explain", "ZZZ"])
    assert bad.exit_code == 2 and "has no rank" in bad.output and "rank  iso3" not in bad.output


def test_show_markets_writes_outputs(sample_ws):
    lines = []
    written = show_markets(sample_ws, lines.append, draws=300)
    assert [p.name for p in written] == ["markets.xlsx", "markets_map.png", "markets_map.svg",
                                         "markets_contributions.png", "markets_contributions.svg"]
    text = "\n".join(lines)
    assert "SAMPLE DATA" in text and "Canada" in text and "exports by destination" in text


# ============================================================================ imports

def test_import_user_country_table_stores_publisher_keys(sample_ws, empty_ws):
    report = empty_ws.import_countries(sample_ws.path / "sample-data/SAMPLE_countries.csv")
    assert "country value (table)" in str(report)
    stored = empty_ws.store.table(t.country_values)
    assert {"NY.GDP.MKTP.CD", "CC.EST", "RL.EST", "cpi_score", "IC.BUS.EASE.XQ", am.IP_SCORE, am.COUNTRY_LAT,
            am.CONTIGUOUS, am.FTA} <= set(stored["indicator"])
    renamed = {name for name, key in am.USER_INDICATORS.items() if name != key}
    assert renamed and not set(stored["indicator"]) & renamed
    prov = empty_ws.provenance("countries").iloc[0]
    # sample status is the workspace's flag, not the file's name: a real workspace's import is not labelled
    assert prov["note"] == "" and len(prov["sha256"]) == 64
    assert sample_ws.provenance("countries")["note"].str.startswith("SAMPLE DATA").all()
    again = empty_ws.import_countries(sample_ws.path / "sample-data/SAMPLE_countries.csv")
    assert again.replaced == again.rows == report.rows  # same keys: replaced, not doubled


def _wdi(folder: Path, rows: str) -> Path:
    path = folder / "worldbank_wdi_ny.gdp.mktp.cd.csv"
    path.write_text("Country Name,Country Code,Year,Value\n" + rows, encoding="utf-8")
    return path


def _table(folder: Path, rows: str, name: str = "countries.csv") -> Path:
    path = folder / name
    path.write_text("country,year,gdp_usd\n" + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize("case, make, message", [
    ("unknown country, own table", lambda d: _table(d, "Mexico,2022,1\nAtlantis,2022,2\n"),
     r"countries.csv, line 3, column 'country'.*'Atlantis'"),
    ("unknown country, WDI file", lambda d: _wdi(d, "Mexico,MEX,2022,1\nAtlantis,ATL,2022,2\n"),
     r"line 3, column 'Country Name'.*'Atlantis'.*--allow-unmapped"),
    ("duplicated country, own table", lambda d: _table(d, "Mexico,2022,1\nMEX,2022,2\n"),
     r"line 3.*duplicates line 2"),
    ("duplicated country, WDI file", lambda d: _wdi(d, "Mexico,MEX,2022,1\nMexico,MEX,2022,2\n"),
     r"MEX NY.GDP.MKTP.CD 2022 appears more than once \(lines 2, 3\)"),
    ("year holding text, own table", lambda d: _table(d, "Mexico,2O22,1\n"),
     r"line 2, column 'year'.*is not a year.*'2O22'"),
    ("year holding text, WDI file", lambda d: _wdi(d, "Mexico,MEX,2022,1\nMexico,MEX,twenty,2\n"),
     r"line 3, column 'Year'.*4-digit year.*'twenty'"),
])
def test_bad_country_files_fail_whole_and_write_nothing(empty_ws, tmp_path, case, make, message):
    empty_ws.import_countries(_table(tmp_path, "Canada,2021,5\n", "good.csv"))
    before = _counts(empty_ws)
    with pytest.raises(ImportFailed, match=re.compile(message, re.DOTALL)) as caught:
        empty_ws.import_countries(make(tmp_path))
    assert "nothing was written" in str(caught.value)
    assert _counts(empty_ws) == before


def test_allow_unmapped_leaves_out_and_lists(empty_ws, tmp_path):
    report = empty_ws.import_countries(_wdi(tmp_path, "Mexico,MEX,2022,1\nAtlantis,ATL,2022,2\n"),
                                       allow_unmapped=True)
    assert report.rows == 1 and any("Atlantis" in n for n in report.notes)


def test_workbook_with_extra_title_rows_is_read(empty_ws, tmp_path):
    own = tmp_path / "own.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Country indicators kept by our staff"], [], ["country", "year", "gdp_usd", "cpi_score"],
                ["Mexico", 2022, 1.5e12, 31], ["Japan", 2022, 4.2e12, 73]):
        sheet.append(row)
    book.save(own)
    cpi = tmp_path / "cpi.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "CPI 2023"
    for row in (["CORRUPTION PERCEPTIONS INDEX 2023"], ["an extra title row"], [],
                ["Country / Territory", "ISO3", "Region", "CPI score 2023", "Rank"],
                ["Denmark", "DNK", "WE/EU", 90, 1], ["Mexico", "MEX", "AME", 31, 126]):
        sheet.append(row)
    book.save(cpi)
    assert detect_country_layout(own) == "table" and detect_country_layout(cpi) == "cpi"
    empty_ws.import_countries(own)
    empty_ws.import_countries(cpi)
    values = empty_ws.store.table(t.country_values).set_index(["iso3", "indicator", "year"])["value"]
    assert values[("JPN", "NY.GDP.MKTP.CD", 2022)] == 4.2e12
    assert values[("DNK", "cpi_score", 2023)] == 90 and values[("MEX", "cpi_score", 2022)] == 31


def test_workbook_that_is_not_a_workbook_fails_clearly(empty_ws, tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a zip file")
    before = _counts(empty_ws)
    with pytest.raises(ExportPlanError, match="could not be opened as an Excel workbook"):
        empty_ws.import_countries(bad)
    assert _counts(empty_ws) == before


def test_import_saved_census_answers(empty_ws, shared_data, tmp_path):
    recorded = shared_data / "api-responses/census_intltrade"
    report = empty_ws.import_exports(recorded / "census_intltrade_exports_naics_NAICS3261_by-country_2024-12_ALL_VAL_YR.json")
    rows = empty_ws.store.table(t.exports)
    assert set(rows["scope"]) == {"nation"} and set(rows["naics"]) == {"3261"}  # no invented all-goods rows
    assert rows.set_index("iso3").loc["MEX", "value_usd"] == 9617108131
    assert any("NAICS code only" in n for n in report.notes)
    state = tmp_path / "oh.json"
    state.write_text(json.dumps([["CTY_CODE", "CTY_NAME", "NAICS", "ALL_VAL_YR", "STATE", "time"],
                                 ["-", "TOTAL FOR ALL COUNTRIES", "325", "1000", "OH", "2023-12"],
                                 ["1220", "CANADA", "325", "700", "OH", "2023-12"],
                                 ["1220", "CANADA", "336", "900", "OH", "2023-12"],
                                 ["2010", "MEXICO", "336", "300", "OH", "2023-12"]]), encoding="utf-8")
    empty_ws.import_exports(state)
    oh = empty_ws.store.table(t.exports, scope="state").set_index(["iso3", "naics"])["value_usd"]
    assert oh[("CAN", "")] == 1600 and oh[("MEX", "")] == 300 and set(empty_ws.store.table(t.exports, scope="state")["area"]) == {"OH"}


# ============================================================================ downloads

def test_fetch_countries_from_recorded_world_bank_answers(empty_ws, shared_data, replay_server):  # noqa: F811
    api = shared_data / "api-responses/worldbank"
    replay_server.add_file("/v2/country/all/indicator/SP.POP.TOTL",
                           api / "worldbank_v2_country-all_SP.POP.TOTL_source2_2015_per20000.json")
    replay_server.add_file("/v2/country/all/indicator/GOV_WGI_GE.EST",
                           api / "worldbank_v2_country-all_GOV_WGI_GE.EST_source3_2015_per20000.json")
    result = CliRunner().invoke(cli, ["-w", str(empty_ws.path), "fetch", "countries", "--years", "2015",
                                      "--indicators", "SP.POP.TOTL", "--wgi", "GE.EST", "--base-url",
                                      replay_server.url("/v2"), "--no-progress"])
    assert result.exit_code == 0, result.output
    values = empty_ws.store.table(t.country_values)
    assert set(values["indicator"]) == {"SP.POP.TOTL", "GE.EST"} and set(values["year"]) == {2015}
    assert f"Imported {len(values):,} country value" in result.output and "WLD" not in set(values["iso3"])
    assert "former countries left out: Netherlands Antilles" in result.output
    assert parse_qs(replay_server.requests[0].query)["date"] == ["2015:2015"]
    prov = empty_ws.provenance("countries")
    assert set(prov["publisher"]) == {"World Bank"} and prov["url"].str.contains("/v2/country/all/indicator/").all()
    assert (prov["sha256"].str.len() == 64).all()


def _state_answer(request):
    year = parse_qs(request.query)["time"][0][:4]
    body = [["CTY_CODE", "CTY_NAME", "NAICS", "NAICS_SDESC", "ALL_VAL_YR", "STATE", "COMM_LVL", "time"],
            ["-", "TOTAL FOR ALL COUNTRIES", "336", "TRANSPORTATION EQUIPMENT", "5000", "OH", "NA3", f"{year}-12"],
            ["1220", "CANADA", "336", "TRANSPORTATION EQUIPMENT", "3000", "OH", "NA3", f"{year}-12"],
            ["2010", "MEXICO", "336", "TRANSPORTATION EQUIPMENT", "2000", "OH", "NA3", f"{year}-12"]]
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def test_census_key_never_lands_in_the_cache(empty_ws, replay_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("EXPORTPLAN_CENSUS_KEY", KEY)
    replay_server.add(STATE_PATH, respond=_state_answer)
    result = CliRunner().invoke(cli, ["-w", str(empty_ws.path), "fetch", "exports", "--state", "OH", "--years",
                                      "2022-2023", "--base-url", replay_server.url(STATE_PATH), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert [parse_qs(r.query)["key"] for r in replay_server.requests] == [[KEY], [KEY]]  # sent to Census
    files = [p for p in empty_ws.cache_dir.rglob("*") if p.is_file()]
    assert len(files) == 4  # two answers and their .meta.json
    for path in files:
        assert KEY not in path.name and KEY not in path.read_text(encoding="utf-8")
    prov = empty_ws.provenance("exports")
    assert not prov.apply(lambda r: KEY in " ".join(map(str, r.values)), axis=1).any()
    assert KEY not in result.output
    rows = empty_ws.store.table(t.exports).set_index(["iso3", "naics", "year"])["value_usd"]
    assert rows[("CAN", "336", 2023)] == 3000 and rows[("CAN", "", 2022)] == 3000
    # a new key reuses the cache: the key is not part of the cache name
    monkeypatch.setenv("EXPORTPLAN_CENSUS_KEY", KEY[::-1])
    empty_ws.fetch_exports("OH", [2023], base_url=replay_server.url(STATE_PATH))
    assert replay_server.hits(STATE_PATH) == 2


def test_downloader_keeps_secret_params_out_of_name_and_meta(replay_server, tmp_path):  # noqa: F811
    replay_server.add("/data", b"[1]")
    path = download.fetch(replay_server.url("/data"), tmp_path, params={"a": "1"},
                          secret_params={"key": "s3cret"}, progress=False)
    assert path == download.cache_path(replay_server.url("/data"), tmp_path, {"a": "1"})
    assert parse_qs(replay_server.requests[0].query) == {"a": ["1"], "key": ["s3cret"]}
    meta = download.cache_info(path)
    assert "s3cret" not in json.dumps(meta) and meta["params"] == {"a": "1"}


def test_fetch_exports_without_key_says_how_to_get_one(empty_ws, monkeypatch):
    monkeypatch.delenv("EXPORTPLAN_CENSUS_KEY", raising=False)
    with pytest.raises(ExportPlanError, match="EXPORTPLAN_CENSUS_KEY"):
        empty_ws.fetch_exports("OH", [2023])


# ============================================================================ real data: Columbus

def test_columbus_imports_keep_provenance_and_identity(columbus):
    ws = columbus["ws"]
    values = ws.store.table(t.country_values)
    assert {"NY.GDP.MKTP.CD", "CC.EST", "RL.EST", "RQ.EST", "cpi_score", "IC.BUS.EASE.XQ", am.IP_SCORE,
            am.CEPII_LAT, am.CEPII_LON, am.CONTIGUOUS} <= set(values["indicator"])
    one = values.set_index(["iso3", "indicator", "year"])["value"]
    assert one[("MEX", am.CONTIGUOUS, 0)] == 1 and one[("CAN", am.CONTIGUOUS, 0)] == 1
    assert one[("FRA", am.CONTIGUOUS, 0)] == 0
    assert one[("CAN", am.CEPII_LAT, 0)] == pytest.approx(45.4166, abs=0.01)  # Ottawa
    assert one[("CAN", am.IP_SCORE, 2018)] == 0.25  # Priority Watch List in 2018
    assert one[("DNK", "cpi_score", 2022)] == 90
    prov = ws.provenance()
    assert {"World Bank", "Transparency International", "CEPII", "International Monetary Fund",
            "Office of the United States Trade Representative (USTR)", "sistercity.info (scrape)"} <= set(prov["publisher"])
    assert (prov.loc[prov["kind"] != "qcew", "sha256"].str.len() == 64).all()
    wdi = columbus["reports"]["worldbank_wdi_ny.gdp.mktp.cd.csv"]
    assert any("aggregates left out" in n and "(--verbose lists them)" in n for n in wdi.notes)  # a long list
    partners = ws.store.table(t.partnerships).set_index("partner")["iso3"]
    assert partners["Hefei"] == "CHN" and partners["Kumasi"] == "GHA" and partners["Dresden"] == "DEU"
    assert "11 sister cities in 10 countries" in columbus["cli"][2]


def test_columbus_sister_cities_all_resolve_without_hints(columbus, shared_data, empty_ws):
    path = shared_data / "partnerships/sistercity_info_twin_towns_scrape_2025.csv"
    report = empty_ws.import_partnerships(path, city="Columbus", state="OH")
    assert report.rows == 11 and any("Hefei (China), Kumasi (Ghana)" in n for n in report.notes)
    # (unresolved and ambiguous partners: tests/test_first_run.py)


def test_columbus_ranks_markets_end_to_end(columbus):
    ranking = columbus["ranking"]
    table = ranking.table.set_index("iso3")
    assert ranking.meta["exports_scope"] == "nation"
    assert ranking.meta["exports_label"] == (
        "exports by destination: U.S. total (IMF DOTS), used because no regional or state data is loaded; "
        "demand for the priority sectors' products: proxy: the country's merchandise imports, used because no "
        "national or state exports by NAICS are loaded")
    assert "SAMPLE" not in " ".join(ranking.notes) and ranking.meta["sample_data"] is False
    # Canada and Mexico: nearest and contiguous, top two on proximity and high overall
    proximity = ranking.table.sort_values("contrib_proximity", ascending=False)["iso3"].head(2)
    assert set(proximity) == {"CAN", "MEX"}
    assert table.loc["CAN", "rank"] <= 5 and table.loc["MEX", "rank"] <= 5
    assert table.loc["CAN", "raw_contiguous_us"] == 1 and table.loc["DEU", "raw_contiguous_us"] == 0
    # raw values are the real ones
    assert table.loc["DNK", "raw_corruption"] == 90
    assert table.loc["ISR", "raw_partnership_strength"] == 2  # Herzliya and Kfar Saba
    assert "USA" not in table.index
    assert any("left out of the ranking" in n for n in ranking.notes)
    for crit in ranking.criteria:
        assert crit.source, crit.key
    demand = next(c for c in ranking.criteria if c.key == "demand_usd")
    assert "proxy" in demand.label and "merchandise imports" in demand.source
    _check_reasons(ranking)


def test_columbus_market_measures_fit_a_foreign_market_ranking(columbus):
    ws, ranking = columbus["ws"], columbus["ranking"]
    table = ranking.table.set_index("iso3")
    # U.S. territories are in the loaded data (WDI, IMF, CEPII) but never ranked, in any view
    stored = set(ws.store.table(t.country_values)["iso3"]) | set(ws.store.table(t.exports)["iso3"])
    assert {"GUM", "ASM", "MNP", "PRI", "VIR"} <= stored
    views = [ranking, ws.rank_markets(sector="336", draws=300), ws.rank_markets(preset="nearby", draws=300)]
    for view in views:
        assert not set(view.table["iso3"]) & set(US_TERRITORIES), view.meta["title"]
        assert any("not foreign markets" in n and "Guam (GUM)" in n for n in view.notes)
    # Doing Business is loaded, but not a default measure; WGI regulatory quality is
    keys = {c.key for c in ranking.criteria}
    assert "ease_business" not in keys and "regulatory_quality" in keys
    assert any("Doing Business rank is loaded but not used" in n for n in ranking.notes)
    assert not any("business" in c.label.lower() for c in ranking.criteria)
    chosen = ws.rank_markets(doing_business=True, draws=300)
    ease = next(c for c in chosen.criteria if c.key == "ease_business")
    assert "discontinued 2021" in ease.label
    # market growth: the mean of each country's last five reported years, and the label says which
    growth = next(c for c in ranking.criteria if c.key == "gdp_growth")
    first, last = map(int, re.search(r"(\d{4})-(\d{4})$", growth.label).groups())
    assert last - first == 4
    wdi = ws.store.table(t.country_values)
    japan = wdi[(wdi["iso3"] == "JPN") & (wdi["indicator"] == am.GDP_GROWTH)].sort_values("year").tail(5)
    assert japan["year"].tolist() == list(range(first, last + 1))
    assert table.loc["JPN", "raw_gdp_growth"] == pytest.approx(japan["value"].mean())
    # a value most countries share is never a reason ("Special 301: not listed (tied highest of ...)")
    assert not ranking.table["reason"].str.contains("not listed").any()
    assert not ranking.table["reason"].str.contains("no data").any()  # missing measures: once, in the notes
    assert any(n.startswith("No data on") for n in ranking.notes)
    # two sister cities do not lift a small market into the top five; the fourth U.S. market is in the top ten
    assert table.loc["ISR", "rank"] > 5 and table.loc["JPN", "rank"] <= 10
    assert trade_evidence_share(ranking.weights) >= MIN_TRADE_EVIDENCE


def test_columbus_exports_raw_values_match_the_imf_file(columbus, shared_data):
    from exportplan.sources.imf import read_imf_dots

    frame, _ = read_imf_dots(shared_data / "trade/imf_dots_us_goods_trade_by_partner.csv")
    latest = int(frame["year"].max())
    now = frame[frame["year"] == latest].set_index("iso3")["value_usd"].astype(float)
    # export growth runs over the analysis window (the QCEW year 2020 and analysis.window years before)
    window = columbus["ws"].analysis_window()
    end = window.end
    start = window.start if window.start is not None else end - window.window
    at = frame.set_index(["iso3", "year"])["value_usd"].astype(float)
    table = columbus["ranking"].table.set_index("iso3")
    crit = next(c for c in columbus["ranking"].criteria if c.key == "exports_cagr")
    assert crit.label == f"growth of U.S. exports {start}-{end}"
    for code in ("CAN", "MEX", "CHN", "DEU"):
        assert table.loc[code, "raw_exports_usd"] == now[code]
        assert table.loc[code, "raw_exports_share"] == pytest.approx(now[code] / now.sum())
        expected = (at[(code, end)] / at[(code, start)]) ** (1 / (end - start)) - 1
        assert table.loc[code, "raw_exports_cagr"] == pytest.approx(expected)


def test_columbus_explain(columbus):
    text = columbus["ranking"].explain("MEX")
    assert "Mexico (MEX) ranks #" in text and "U.S. exports" in text and "distance 2,7" in text


def test_sector_view_label_names_the_sector_not_all_goods(sample_ws):
    ranking = sample_ws.rank_markets(sector="326", draws=DRAWS)
    label = ranking.meta["exports_label"]
    assert "NAICS 326" in label and "U.S. total" not in label


# ---------------------------------------------------------------- which exports series feeds which factor

_NAMES = {"CAN": "Canada", "MEX": "Mexico", "JPN": "Japan", "BRA": "Brazil", "DEU": "Germany"}
_METAL = am.Sector("332", "Fabricated Metal Product Manufacturing", ("332",))


def _two_years(scope, area, naics, base) -> list[tuple]:
    return [(scope, area, c, naics, y, base * k * (1.1 if y == 2023 else 1.0))
            for c, k in (("CAN", 3.0), ("MEX", 2.0)) for y in (2022, 2023)]


def _matrix(rows, sector=_METAL, imports=False) -> am.MarketMatrix:
    values = _values([(c, am.MERCH_IMPORTS, 2022, v) for c, v in (("CAN", 5e11), ("MEX", 6e11))] if imports else [])
    return am.build_market_matrix(_data(countries=values, exports=_exports(rows)), _NAMES, sector=sector)


def _crit(mm: am.MarketMatrix, key: str):
    return next(c for c in mm.criteria if c.key == key)


def test_sector_view_uses_regional_all_goods_before_national_sector_exports():
    region = _two_years("region", "REGION", "", 10.0)
    nation = _two_years("nation", "US", "332", 1000.0) + _two_years("nation", "US", "", 9000.0)
    mm = _matrix(region + nation)
    assert mm.exports_scope == "region"
    assert mm.matrix.loc["CAN", "exports_usd"] == pytest.approx(33.0)  # the region's all goods
    assert mm.matrix.loc["CAN", "demand_usd"] == pytest.approx(3300.0)  # U.S. exports of 332: demand only
    assert mm.exports_label.startswith("exports by destination: the region's exports of all goods (IMF DOTS), "
                                       "used because no regional exports of NAICS 332 are loaded")
    assert "demand for NAICS 332 products: U.S. exports of NAICS 332" in mm.exports_label
    assert "regional exports of all goods" in _crit(mm, "exports_usd").label
    assert "no regional or state data" not in mm.exports_label


def test_sector_view_never_feeds_one_series_to_current_markets_and_demand():
    nation_332 = _two_years("nation", "US", "332", 1000.0)
    nation_all = _two_years("nation", "US", "", 9000.0)
    state_332 = _two_years("state", "OH", "332", 100.0)
    # national all goods for current markets, national 332 for demand: two different series
    mm = _matrix(nation_332 + nation_all)
    assert mm.exports_scope == "nation"
    assert mm.matrix.loc["CAN", "exports_usd"] == pytest.approx(29700.0)
    assert mm.matrix.loc["CAN", "demand_usd"] == pytest.approx(3300.0)
    assert "U.S. exports of all goods" in mm.exports_label
    # only the sector's national rows: they feed demand, and current markets has no data (said so)
    mm = _matrix(nation_332)
    assert "exports_usd" not in mm.matrix.columns and "exports_cagr" not in mm.matrix.columns
    assert mm.matrix.loc["CAN", "demand_usd"] == pytest.approx(3300.0)
    assert any("national exports of NAICS 332 feed only the demand factor" in n for n in mm.notes)
    # the state's 332 rows feed current markets; demand then takes the national 332 rows
    mm = _matrix(state_332 + nation_332)
    assert mm.matrix.loc["CAN", "exports_usd"] == pytest.approx(330.0)
    assert mm.matrix.loc["CAN", "demand_usd"] == pytest.approx(3300.0)
    # the state's 332 rows alone: not used twice, demand falls back to the imports proxy
    mm = _matrix(state_332, imports=True)
    assert mm.matrix.loc["CAN", "exports_usd"] == pytest.approx(330.0)
    assert mm.matrix.loc["CAN", "demand_usd"] == 5e11
    assert "already used for current markets" in _crit(mm, "demand_usd").source


def test_all_sectors_view_demand_never_reuses_the_all_goods_rows():
    nation_all = _two_years("nation", "US", "", 9000.0)
    priority = [am.Sector("332", "Fabricated Metal", ("332",))]
    values = _values([("CAN", am.MERCH_IMPORTS, 2022, 5e11), ("MEX", am.MERCH_IMPORTS, 2022, 6e11)])
    mm = am.build_market_matrix(_data(countries=values, exports=_exports(nation_all)), _NAMES, priority=priority)
    assert mm.matrix.loc["CAN", "exports_usd"] == pytest.approx(29700.0)
    assert mm.matrix.loc["CAN", "demand_usd"] == 5e11  # the proxy, never the same all-goods rows
    data = _data(countries=values, exports=_exports(nation_all + _two_years("nation", "US", "332", 1000.0)))
    mm = am.build_market_matrix(data, _NAMES, priority=priority)
    assert mm.matrix.loc["CAN", "exports_usd"] == pytest.approx(29700.0)
    assert mm.matrix.loc["CAN", "demand_usd"] == pytest.approx(3300.0)
    assert "demand for the priority sectors' products: U.S. exports of NAICS 332" in mm.exports_label


def test_regional_exports_only_by_naics_are_named_in_the_fallback_label():
    rows = _two_years("region", "REGION", "336", 10.0) + _two_years("nation", "US", "", 9000.0)
    chosen = am.choose_exports(_exports(rows))
    assert chosen.scope == "nation"
    label = am.exports_label(chosen, _prov())
    assert label == ("exports by destination: U.S. total (IMF DOTS), used because no regional all-goods exports "
                     "are loaded (only by NAICS) and no state data is loaded")
    state = _two_years("state", "OH", "", 500.0)
    label = am.exports_label(am.choose_exports(_exports(rows + state)), _prov())
    assert label.endswith("used because no regional all-goods exports are loaded (only by NAICS)")


def test_export_growth_uses_one_window_for_every_country():
    rows = [("region", "R", "CAN", "", 2018, 100.0), ("region", "R", "CAN", "", 2023, 200.0),
            ("region", "R", "MEX", "", 2020, 100.0), ("region", "R", "MEX", "", 2023, 300.0),  # no 2018 row
            ("region", "R", "JPN", "", 2016, 100.0), ("region", "R", "JPN", "", 2023, 500.0),  # before the window
            ("region", "R", "BRA", "", 2023, 50.0)]
    em = am.export_measures(am.choose_exports(_exports(rows)), window=5)
    assert (em.latest, em.start, em.end) == (2023, 2018, 2023)
    assert em.measures.loc["CAN", "exports_cagr"] == pytest.approx(2 ** (1 / 5) - 1)
    for code in ("MEX", "JPN", "BRA"):  # no 2018 row: no growth, never from another start year
        assert math.isnan(em.measures.loc[code, "exports_cagr"]), code
    mm = am.build_market_matrix(_data(countries=_values([]), exports=_exports(rows)), _NAMES)
    assert _crit(mm, "exports_cagr").label == "growth of regional exports 2018-2023"
    assert any("Export growth 2018-2023 could not be computed for 3 of 4 countries" in n and "3 without a 2018 row"
               in n for n in mm.notes)
    # the analysis window, when the exports cover it; a note when they do not
    em = am.export_measures(am.choose_exports(_exports(rows)), window=3, wanted=(2020, 2023))
    assert (em.start, em.end, em.note) == (2020, 2023, "")
    assert em.measures.loc["MEX", "exports_cagr"] == pytest.approx(3 ** (1 / 3) - 1)
    assert math.isnan(em.measures.loc["CAN", "exports_cagr"])
    data = _data(countries=_values([]), exports=_exports(rows), window=3, growth_window=(2020, 2023))
    mm = am.build_market_matrix(data, _NAMES)
    assert "analysis window 2020-2023 for every country" in _crit(mm, "exports_cagr").source
    em = am.export_measures(am.choose_exports(_exports(rows)), window=5, wanted=(2017, 2022))
    assert (em.start, em.end) == (2018, 2023)
    assert em.note == ("export growth uses 2018-2023 for every country, not the analysis window 2017-2022: they "
                       "have no rows for 2017 or 2022 (exports loaded for 2016-2023)")


def test_territories_are_left_out_and_named():
    names = {**_NAMES, "GUM": "Guam", "PRI": "Puerto Rico", "USA": "United States"}
    values = _values([(c, am.GDP, 2022, v) for c, v in (("CAN", 2e12), ("MEX", 1.5e12), ("GUM", 6e9),
                                                          ("PRI", 1e11), ("USA", 2.5e13))])
    exports = _exports([("nation", "US", c, "", 2022, v) for c, v in (("CAN", 3e11), ("GUM", 1e9), ("PRI", 2e10))])
    mm = am.build_market_matrix(_data(countries=values, exports=exports), names)
    assert set(mm.matrix.index) == {"CAN", "MEX"}
    assert ("U.S. territories are part of the United States, not foreign markets, and are left out: Guam (GUM), "
            "Puerto Rico (PRI).") in mm.notes
    assert mm.matrix.loc["CAN", "exports_share"] == pytest.approx(3e11 / 3.21e11)  # shares of all U.S. exports
    assert set(US_TERRITORIES) == {"GUM", "ASM", "MNP", "PRI", "VIR", "UMI"}


def test_market_growth_averages_the_last_five_reported_years():
    rows = [("CAN", am.GDP_GROWTH, y, float(y - 2015)) for y in range(2016, 2024)]  # 1 ... 8
    rows += [("MEX", am.GDP_GROWTH, y, 2.0) for y in (2015, 2016, 2017, 2018, 2020)]  # a gap: its last five
    rows += [("JPN", am.GDP_GROWTH, y, 1.0) for y in (2022, 2023)]  # two years: no average
    rows += [("BRA", am.GDP_GROWTH, y, 5.0) for y in range(2005, 2010)]  # five years, but of another era
    rows += [(c, am.GDP, 2022, 1e12) for c in ("CAN", "MEX", "JPN", "BRA")]
    mm = am.build_market_matrix(_data(countries=_values(rows)), _NAMES)
    assert mm.matrix.loc["CAN", "gdp_growth"] == pytest.approx((4 + 5 + 6 + 7 + 8) / 5)
    assert mm.matrix.loc["MEX", "gdp_growth"] == pytest.approx(2.0)
    assert math.isnan(mm.matrix.loc["JPN", "gdp_growth"]) and math.isnan(mm.matrix.loc["BRA", "gdp_growth"])
    assert any("1 country whose last reported years end before 2019 (BRA, ending 2009) has no market growth" in n
               for n in mm.notes)
    crit = _crit(mm, "gdp_growth")
    assert crit.label == "average real GDP growth 2019-2023"  # a tie of spans goes to the later years
    assert any("1 country (MEX) averages 5 years ending 2020" in n and "fewer than 5 reported years (JPN)" in n
               for n in mm.notes)
    # a cap on the data year moves the five years back
    capped = am.build_market_matrix(_data(countries=_values(rows), year=2020), _NAMES)
    assert capped.matrix.loc["CAN", "gdp_growth"] == pytest.approx((1 + 2 + 3 + 4 + 5) / 5)


def test_a_value_most_countries_share_is_never_a_reason():
    codes = ["CAN", "MEX", "JPN", "BRA", "DEU"]
    names = dict(zip(codes, ["Canada", "Mexico", "Japan", "Brazil", "Germany"]))
    matrix = pd.DataFrame({"listed": [1.0, 1.0, 1.0, 0.5, 1.0], "gdp": [2.0, 1.5, 4.0, 2.1, 4.5]},
                          index=pd.Index(codes, name="iso3"))
    crits = (Criterion("listed", "Special 301 status", group="market_factors", fmt="{:.1f}"),
             Criterion("gdp", "GDP", group="market_factors", fmt="{:.1f}"))
    mm = am.MarketMatrix(matrix, crits, names, [], "", "")
    out = am.rank_matrix(mm, {k: 1.0 if k == "market_factors" else 0.0 for k in MARKET_FACTORS}, draws=100)
    reasons = out.table.set_index("iso3")["reason"]
    assert all("Special 301" not in reasons[c] for c in ("CAN", "MEX", "JPN", "DEU"))  # the shared 1.0
    assert "GDP" in reasons["CAN"]
    assert majority_value(np.array([1.0, 1.0, 1.0, 0.5, np.nan])) == 1.0
    assert majority_value(np.array([1.0, 1.0, 0.5, 0.5])) is None  # half is not most


@pytest.mark.parametrize("name", list(MARKET_PRESETS))
def test_market_presets_put_trade_evidence_first(name):
    weights = MARKET_PRESETS[name].weights
    assert trade_evidence_share(weights) >= MIN_TRADE_EVIDENCE - 1e-9, name
    assert weights["partnerships"] <= MAX_PARTNERSHIPS, name
    assert set(TRADE_EVIDENCE) <= set(MARKET_FACTORS)


def test_a_weighting_that_slights_trade_evidence_is_noted(sample_ws):
    ranking = sample_ws.rank_markets(weights="current_markets=0,export_growth=0,cluster_demand=0.05", draws=100)
    assert any(n.startswith("Trade evidence (current markets, export growth, demand) carries") for n in ranking.notes)
    assert not any(n.startswith("Trade evidence") for n in sample_ws.rank_markets(draws=100).notes)


def test_growth_window_rule():
    years = range(2010, 2023)
    assert growth_window(years, 5, (2015, 2020)) == (2015, 2020, "")
    assert growth_window(years, 5, (None, 2020)) == (2015, 2020, "")  # the analysis has no start year
    start, end, note = growth_window(years, 5, (2019, 2024))  # the exports end in 2022
    assert (start, end) == (2017, 2022) and "no rows for 2024" in note
    assert growth_window(years, 5) == (2017, 2022, "")
    assert growth_window([2021, 2022, 2023], 5)[:2] == (2021, 2023)  # shorter than the window: all there is
    assert growth_window([2023], 5) == (None, None, "")


def test_sample_sector_view_without_regional_sector_exports(sample_ws):
    ranking = sample_ws.rank_markets(sector="332", draws=300)
    exports = sample_ws.user_table("exports")
    can = exports[exports["iso3"] == "CAN"]
    latest = int(can["year"].max())
    region = can[(can["scope"] == "region") & (can["naics"] == "") & (can["year"] == latest)]["value_usd"].item()
    nation = can[(can["scope"] == "nation") & (can["naics"] == "332") & (can["year"] == latest)]["value_usd"].item()
    row = ranking.table.set_index("iso3").loc["CAN"]
    assert row["raw_exports_usd"] == region and row["raw_demand_usd"] == nation
    assert ranking.meta["exports_scope"] == "region"
    label = ranking.meta["exports_label"]
    assert "the region's exports of all goods" in label and "no regional exports of NAICS 332 are loaded" in label
    assert "U.S. exports of NAICS 332" in label.split("; demand")[1]


def test_a_measure_equal_for_every_country_is_left_out_and_explained(sample_ws):
    from exportplan.sources.countries import all_countries

    names = dict(zip(all_countries()["iso3"], all_countries()["name"]))
    mm = am.build_market_matrix(sample_ws.market_data(), names, sector=None, priority=[])
    mm.matrix["partnership_strength"] = 2.0  # the same for every country: it cannot separate them
    out = am.rank_matrix(mm, {k: 0.125 for k in am.MARKET_FACTORS}, draws=DRAWS)
    assert "partnership_strength" in out.result.uninformative
    assert any("cannot separate" in n for n in out.notes)
    lines = am.explain(out, out.table["iso3"].iloc[0])
    assert any("same for every country" in line for line in lines)
    assert not any("strength-weighted count" in r for r in out.table["reason"])
