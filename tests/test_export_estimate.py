"""The region's goods exports by industry: national exports x the region's employment share, with bounds.

Hand-built frames give known answers (bounds included); missing inputs give a result that says what is
missing and how to get it; a Columbus-area workspace built from the real files in ../shared/data gives a
labelled estimate with bounds, checked for one industry against figures read from the raw files here.
"""
from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from exportplan.analysis.export_estimate import (
    COLUMNS, ESTIMATE_NOTE, ESTIMATED, NO_FIGURE, UNMEASURED, BrookingsFigure, Missing, brookings_figures,
    comparison_table, estimate_exports,
)

COLUMBUS = ("39041", "39045", "39049", "39073")
USATRADE = "trade/census_usatradeonline_state_exports_by_naics_2012.csv"
US000 = "qcew/bls_qcew_2019_q1_area_US000.csv"
BROOKINGS_COUNTY = "trade/brookings_export_monitor_2018_county_exports_2017.csv"


def intensity_frame() -> pd.DataFrame:
    """National figures: 311 and 336 (and 3361) measured; 423 wholesale not measured."""
    rows = [("311", 1_000.0, 100.0, True), ("336", 50_000.0, 500.0, True), ("3361", 40_000.0, 200.0, True),
            ("423", None, 1_000.0, False)]
    return pd.DataFrame({
        "naics": [r[0] for r in rows], "exports_usd": [r[1] for r in rows],
        "exports_year": [2012, 2012, 2012, None], "employment": [r[2] for r in rows],
        "employment_year": [2019] * 4,
        "intensity": [None if r[1] is None else r[1] / r[2] for r in rows], "measured": [r[3] for r in rows]})


def industries_frame(**changes) -> pd.DataFrame:
    """The region at 3 digits: 311 disclosed (50), 336 withheld (estimate 20, bounds 10..40), 423, 332 (no figure)."""
    frame = pd.DataFrame({
        "naics": ["311", "336", "423", "332"], "title": ["Food", "Transportation equipment", "Wholesale", "Metal"],
        "year": [2020] * 4, "employment": [50.0, 20.0, 100.0, 7.0], "employment_low": [50.0, 10.0, 100.0, 7.0],
        "employment_high": [50.0, 40.0, 100.0, 7.0], "withheld": [0.0, 0.5, 0.0, 0.0]})
    for column, values in changes.items():
        frame[column] = values
    return frame


# ---------------------------------------------------------------- known answers

def test_estimate_by_industry_with_bounds():
    result = estimate_exports(intensity_frame(), industries_frame())
    assert result.status == "estimate"
    table = result.frame.set_index("naics")
    assert list(result.frame.columns) == COLUMNS
    # 311: intensity 10/worker x 50 workers; 336: 100/worker x 20 (10..40)
    assert table.loc["311", ["exports_estimate_usd", "exports_estimate_usd_low", "exports_estimate_usd_high"]
                     ].tolist() == [500.0, 500.0, 500.0]
    assert table.loc["336", ["exports_estimate_usd", "exports_estimate_usd_low", "exports_estimate_usd_high"]
                     ].tolist() == [2_000.0, 1_000.0, 4_000.0]
    assert table.loc["311", "share_of_national_employment"] == pytest.approx(0.5)
    assert table.loc["336", "national_exports_usd"] == 50_000.0
    totals = result.totals
    assert (totals.exports_usd, totals.exports_low_usd, totals.exports_high_usd) == (2_500.0, 1_500.0, 4_500.0)
    assert (totals.industries, totals.not_measured, totals.no_figure) == (2, 1, 1)


def test_unmeasured_industries_are_listed_not_zero():
    table = estimate_exports(intensity_frame(), industries_frame()).frame.set_index("naics")
    assert table.loc["423", "status"] == UNMEASURED and "wholesale" in table.loc["423", "note"]
    assert pd.isna(table.loc["423", "exports_estimate_usd"]) and table.loc["423", "employment"] == 100.0
    assert table.loc["332", "status"] == NO_FIGURE and pd.isna(table.loc["332", "exports_estimate_usd"])
    assert table.loc["311", "status"] == table.loc["336", "status"] == ESTIMATED
    assert not (table["exports_estimate_usd"] == 0).any()


def test_rows_come_largest_estimate_first_then_the_unmeasured():
    frame = estimate_exports(intensity_frame(), industries_frame()).frame
    assert frame["naics"].tolist() == ["336", "311", "423", "332"]


def test_a_withheld_cell_with_no_upper_bound_leaves_the_total_open():
    result = estimate_exports(intensity_frame(), industries_frame(employment_high=[50.0, np.nan, 100.0, 7.0]))
    assert result.totals.exports_high_usd is None and result.totals.exports_low_usd == 1_500.0
    assert any("No upper bound" in n for n in result.notes)


def test_withheld_cells_not_estimated_give_bounds_but_no_point_total():
    result = estimate_exports(intensity_frame(), industries_frame(employment=[50.0, np.nan, 100.0, 7.0]))
    assert result.totals.exports_usd is None
    assert (result.totals.exports_low_usd, result.totals.exports_high_usd) == (1_500.0, 4_500.0)
    row = result.frame.set_index("naics").loc["336"]
    assert pd.isna(row["exports_estimate_usd"]) and row["exports_estimate_usd_low"] == 1_000.0


def test_frames_without_bound_columns_use_the_employment_as_exact():
    frame = industries_frame().drop(columns=["employment_low", "employment_high", "withheld"])
    totals = estimate_exports(intensity_frame(), frame).totals
    assert (totals.exports_usd, totals.exports_low_usd, totals.exports_high_usd) == (2_500.0, 2_500.0, 2_500.0)


def test_the_level_is_the_intensity_tables_coarsest_and_others_are_left_out():
    region = pd.concat([industries_frame(), pd.DataFrame({"naics": ["3361"], "title": ["Motor vehicles"],
                                                          "year": [2020], "employment": [5.0]})])
    result = estimate_exports(intensity_frame(), region)
    assert result.totals.level == 3 and "3361" not in set(result.frame["naics"])
    assert any("3-digit NAICS level" in n for n in result.notes)


def test_at_4_digits_an_industry_without_its_own_figure_takes_its_parents():
    region = pd.DataFrame({"naics": ["3361", "3362"], "title": ["Motor vehicles", "Bodies"], "year": [2020] * 2,
                           "employment": [5.0, 3.0]})
    result = estimate_exports(intensity_frame(), region, level=4)
    table = result.frame.set_index("naics")
    assert table.loc["3361", "intensity_naics"] == "3361" and table.loc["3361", "exports_estimate_usd"] == 1_000.0
    assert table.loc["3362", "intensity_naics"] == "336" and table.loc["3362", "exports_estimate_usd"] == 300.0
    assert pd.isna(table.loc["3362", "share_of_national_employment"])  # a parent's employment is not its own
    assert "NAICS 336" in table.loc["3362", "note"]


def test_the_year_gap_is_labelled_and_current_exports_are_asked_for():
    result = estimate_exports(intensity_frame(), industries_frame())
    label = result.totals.years_label
    assert "national goods exports 2012" in label and "region employment 2020" in label
    assert "national employment 2019" in label and "8 years" in label
    assert result.frame["exports_year"].dropna().unique().tolist() == [2012]
    assert result.frame["employment_year"].unique().tolist() == [2020]
    (ask,) = result.missing
    assert "national goods exports for 2020" in ask.what and "--fetch 2020" in ask.how
    assert result.status == "estimate"  # the estimate stands, labelled; what would make it current is said


def test_no_gap_when_the_years_agree():
    intensity = intensity_frame().assign(exports_year=[2020, 2020, 2020, None])
    result = estimate_exports(intensity, industries_frame())
    assert result.missing == [] and "year gap" not in result.totals.years_label


def test_the_estimate_is_labelled_as_one():
    result = estimate_exports(intensity_frame(), industries_frame())
    assert ESTIMATE_NOTE == "an estimate: assumes the region's export intensity equals the nation's in each industry"
    assert any(ESTIMATE_NOTE[1:] in n for n in result.notes)


# ---------------------------------------------------------------- missing inputs

def test_no_intensity_table_says_what_is_missing_and_how_to_get_it():
    result = estimate_exports(None, industries_frame())
    assert result.status == "missing" and result.totals is None
    assert list(result.frame.columns) == COLUMNS and result.frame.empty
    (missing,) = result.missing
    assert "national goods exports by NAICS" in missing.what
    assert "prospects intensity --exports FILE --qcew FILE" in missing.how and "--fetch YEAR" in missing.how
    assert str(missing) in result.notes


def test_no_region_employment_says_how_to_load_it():
    result = estimate_exports(intensity_frame(), None, region_year=2023)
    (missing,) = result.missing
    assert "employment" in missing.what and "2023" in missing.what and "fetch qcew --years 2023" in missing.how


def test_both_missing_lists_both():
    assert len(estimate_exports(None, pd.DataFrame()).missing) == 2


def test_a_region_with_only_services_gets_a_missing_result_not_a_zero():
    result = estimate_exports(intensity_frame(), industries_frame().iloc[[2]])
    assert result.status == "missing" and result.totals is None
    assert "goods exports figure" in result.missing[0].what


def test_an_intensity_table_with_nothing_measured_is_missing():
    intensity = intensity_frame().assign(measured=False)
    assert estimate_exports(intensity, industries_frame()).status == "missing"


# ---------------------------------------------------------------- Brookings figures and the comparison (pure)

def stored(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scope", "area_code", "area_name", "year", "exports_usd", "exports_real_usd",
                                       "pct_gdp", "provenance_id"])


def test_the_county_sum_weights_the_share_of_gdp_by_gdp():
    rows = stored([("county", "39049", "Franklin", 2017, 100.0, 100.0, 0.1, 1),
                   ("county", "39041", "Delaware", 2017, 300.0, 300.0, 0.3, 1),
                   ("county", "39041", "Delaware", 2016, 1.0, 1.0, 0.3, 1),
                   ("county", "06001", "Alameda", 2017, 999.0, 999.0, 0.5, 1)])
    (figure,) = brookings_figures(rows, ["39041", "39049", "39045"])
    assert (figure.status, figure.year, figure.exports_usd) == ("counties", 2017, 400.0)
    assert figure.pct_gdp == pytest.approx(400 / 2000)  # GDPs 1000 and 1000
    assert figure.counties_missing == ("39045",) and figure.area_codes == ("39041", "39049")


def test_the_metro_comes_first_when_the_region_is_one():
    rows = stored([("metro", "18140", "Columbus, OH", 2017, 5.0, 5.0, 0.08, 2),
                   ("county", "39049", "Franklin", 2017, 1.0, 1.0, 0.1, 1)])
    figures = brookings_figures(rows, ["39049"], "18140")
    assert [f.status for f in figures] == ["metro", "counties"] and figures[0].exports_usd == 5.0
    assert brookings_figures(rows, ["39049"], "99999")[0].status == "counties"


def test_comparison_rows_say_what_is_missing():
    figures = [BrookingsFigure(status="missing", label="missing", missing=[Missing("the Brookings figures", "import")])]
    table = comparison_table(figures, estimate_exports(None, None), "Region")
    assert len(table) == 2 and table["exports_usd"].isna().all()
    assert "Missing: the Brookings figures" in table.loc[0, "note"]
    assert "national goods exports by NAICS" in table.loc[1, "note"]


def test_comparison_shows_the_estimate_with_bounds_beside_the_published_figure():
    rows = stored([("county", "39049", "Franklin", 2017, 7_000.0, 7_000.0, 0.07, 1)])
    estimate = estimate_exports(intensity_frame(), industries_frame())
    table = comparison_table(brookings_figures(rows, ["39049"]), estimate, "Region")
    assert table["exports_usd"].tolist() == [7_000.0, 2_500.0]
    assert table.loc[1, ["exports_usd_low", "exports_usd_high"]].tolist() == [1_500.0, 4_500.0]
    assert table.loc[0, "coverage"] == "goods and services, by production location"
    assert table.loc[0, "years"] == "2017" and "2020" in table.loc[1, "years"] and "2012" in table.loc[1, "years"]


# ---------------------------------------------------------------- real data: a Columbus-area workspace

def hand_national(shared_data, code: str) -> tuple[float, float]:
    """(national exports 2012, national private employment 2019 Q1) of one NAICS, read with csv only."""
    exports = None
    with open(shared_data / USATRADE, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if row and row[0].split(" ", 1)[0] == code and row[1] == "All States":
                exports = float(row[4].replace(",", ""))
    with open(shared_data / US000, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["own_code"], row["industry_code"], row["size_code"]) == ("5", code, "0"):
                return exports, sum(float(row[f"month{m}_emplvl"]) for m in (1, 2, 3)) / 3
    raise AssertionError(code)


def hand_region(shared_data, code: str) -> float:
    """The region's private 2020 employment in one NAICS: the four county files' rows summed."""
    total = 0.0
    for county in COLUMBUS:
        with open(shared_data / "qcew" / f"bls_qcew_2020_annual_area_{county}.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if (row["own_code"], row["industry_code"]) == ("5", code):
                    assert not row["disclosure_code"].strip(), (county, code)
                    total += float(row["annual_avg_emplvl"])
    return total


@pytest.fixture(scope="module")
def real(shared_data, tmp_path_factory):
    from exportplan.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("estimate") / "w", name="Columbus Region", counties=list(COLUMBUS),
                        reference_area="USLQ")
    ws.import_qcew([shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv" for c in COLUMBUS])
    yield ws
    ws.close()


def test_real_estimate_is_missing_until_the_national_exports_are_loaded(real, shared_data):
    if len(real.pipeline.export_intensity()):
        pytest.skip("the intensity table was loaded by an earlier test of this module")
    frame = real.export_profile.estimate()
    assert frame.empty and frame.attrs["export_estimate"]["status"] == "missing"
    assert any("prospects intensity" in n for n in frame.attrs["exportplan"]["top_notes"])


def test_real_estimate_exists_has_bounds_and_is_labelled(real, shared_data):
    real.prospects.import_export_intensity(shared_data / USATRADE, shared_data / US000)
    frame = real.export_profile.estimate()
    info, meta = frame.attrs["export_estimate"], frame.attrs["exportplan"]
    assert info["status"] == "estimate"
    totals = info["totals"]
    assert 0 < totals["exports_low_usd"] <= totals["exports_usd"] <= totals["exports_high_usd"]
    assert totals["exports_low_usd"] < totals["exports_high_usd"]  # withheld cells widen the bounds
    estimated = frame[frame["status"] == ESTIMATED]
    assert (estimated["exports_estimate_usd_low"] < estimated["exports_estimate_usd_high"]).any()
    assert {"311", "336", "325"} <= set(estimated["naics"])
    unmeasured = frame[frame["status"] == UNMEASURED]
    assert {"423", "541"} <= set(unmeasured["naics"]) and unmeasured["exports_estimate_usd"].isna().all()
    assert "an estimate" in meta["title"] and "2020" in meta["title"]
    assert any(ESTIMATE_NOTE[1:] in n for n in meta["notes"])
    assert "national goods exports 2012" in totals["years_label"] and "region employment 2020" in totals["years_label"]
    assert {r.dataset for r in meta["sources"]} >= {"QCEW", "USA Trade Online: exports by state and NAICS"}


def test_real_estimate_of_one_disclosed_industry_equals_the_hand_figure(real, shared_data):
    if not len(real.pipeline.export_intensity()):
        real.prospects.import_export_intensity(shared_data / USATRADE, shared_data / US000)
    row = real.export_profile.estimate().set_index("naics").loc["333"]
    exports, national = hand_national(shared_data, "333")
    region = hand_region(shared_data, "333")
    assert row["employment"] == region
    assert row["exports_estimate_usd"] == pytest.approx(exports * region / national, rel=1e-9)
    assert row["exports_estimate_usd_low"] == row["exports_estimate_usd_high"] == row["exports_estimate_usd"]
    assert row["share_of_national_employment"] == pytest.approx(region / national, rel=1e-9)


def test_real_profile_sets_the_brookings_counties_beside_the_estimate(real, shared_data):
    if not len(real.pipeline.export_intensity()):
        real.prospects.import_export_intensity(shared_data / USATRADE, shared_data / US000)
    real.export_profile.import_brookings(shared_data / BROOKINGS_COUNTY)
    profile = real.export_profile.profile()
    assert profile.status == "complete" and profile.brookings.status == "counties"
    table = profile.comparison
    assert table["exports_usd"].notna().all() and table.loc[1, "exports_usd_low"] < table.loc[1, "exports_usd_high"]
    assert table.loc[0, "years"] == "2017"
    text = " ".join(profile.notes)
    assert "Census data cover goods, by exporter location" in text
    assert "Brookings estimates cover goods and services, by production location" in text
    assert any("national goods exports for 2020" in m for m in profile.missing)
    files = {r.file for r in table.attrs["exportplan"]["sources"]}
    assert "brookings_export_monitor_2018_county_exports_2017.csv" in files


def test_real_commands_print_the_comparison_and_write_the_estimate(real, shared_data, tmp_path):
    from exportplan.cli.main import cli

    runner = CliRunner()
    imported = runner.invoke(cli, ["-w", str(real.path), "import", "brookings", str(shared_data / BROOKINGS_COUNTY)])
    assert imported.exit_code == 0, imported.output
    if not len(real.pipeline.export_intensity()):
        real.prospects.import_export_intensity(shared_data / USATRADE, shared_data / US000)
    out = tmp_path / "estimate.csv"
    shown = runner.invoke(cli, ["-w", str(real.path), "export-profile", "--output", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "Brookings Export Monitor (published)" in shown.output and "Estimated goods exports:" in shown.output
    assert "not measured" in shown.output and out.is_file()
    written = pd.read_csv(out, dtype={"naics": str})
    assert "exports_estimate_usd_low" in written.columns and len(written) > 20
    assert math.isclose(written.loc[written["naics"] == "333", "exports_estimate_usd"].iloc[0],
                        real.export_profile.estimate().set_index("naics").loc["333", "exports_estimate_usd"],
                        rel_tol=1e-9)


def test_a_year_not_loaded_is_missing_with_how_to_fetch_it(real):
    frame = real.export_profile.estimate(year=2023)
    assert frame.attrs["export_estimate"]["status"] == "missing"
    assert any("fetch qcew --years 2023" in m for m in frame.attrs["export_estimate"]["missing"])
