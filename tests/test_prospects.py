"""Prospects (issue 9, item 3): export intensity from the real files, scores, outreach, sources.

The "real export intensity" tests read ../shared/data (USA Trade Online 2012 exports by
state and NAICS; QCEW U.S. totals for 2019 Q1 and 2024 Q1) and check the figures against
values worked out here from the raw CSV rows with the csv module, independently of the code.
"""
from __future__ import annotations

import csv
import json
import math
from datetime import date

import pandas as pd
import pytest
from conftest import need

from exportplan.analysis.prospects import (
    INTENSITY_COLUMNS, NOT_MEASURED, OUTREACH_COLUMNS, SCORE_COLUMNS, export_intensity,
    national_employment, outreach_list, score_prospects,
)
from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.imports.businesses import COLUMNS as BUSINESS_COLUMNS
from exportplan.imports.businesses import read_businesses
from exportplan.sources.census_trade import fetch_national_totals_by_naics
from exportplan.sources.qcew import read_qcew
from exportplan.sources.usatrade import NATIONAL_COLUMNS, national_exports, read_usatrade

USATRADE = "trade/census_usatradeonline_state_exports_by_naics_2012.csv"
QCEW = "qcew/bls_qcew_{year}_q1_area_US000.csv"
N3261 = "api-responses/census_intltrade/census_intltrade_exports_naics_NAICS3261_by-country_2024-12_ALL_VAL_YR.json"
NATION_PATH = "/data/timeseries/intltrade/exports/naics"


# ---------------------------------------------------------------- by hand, from the raw rows

def hand_exports(path, code: str) -> float:
    """The All States / World Total value of one NAICS code, read with csv only."""
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if row and row[0].split(" ", 1)[0] == code and row[1] == "All States":
                return float(row[4].replace(",", ""))
    raise AssertionError(f"no All States row for {code}")


def hand_employment(path, code: str) -> float:
    """U.S. private (own 5), all sizes: the mean of the quarter's three monthly levels."""
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["area_fips"], row["own_code"], row["industry_code"], row["size_code"]) == (
                    "US000", "5", code, "0"):
                return sum(float(row[f"month{m}_emplvl"]) for m in (1, 2, 3)) / 3
    raise AssertionError(f"no private row for {code}")


@pytest.fixture(scope="module", params=[2019, 2024])
def real(request, shared_data):
    paths = {"exports": shared_data / USATRADE, "qcew": shared_data / QCEW.format(year=request.param)}
    need(all(p.is_file() for p in paths.values()), f"the real files {list(paths.values())} are missing")
    exports = national_exports(read_usatrade(paths["exports"])[0])
    table = export_intensity(exports, national_employment(read_qcew(paths["qcew"])))
    return request.param, paths, table.set_index("naics")


def test_real_intensity_ranks_transport_and_computers_above_food(real):
    _, _, table = real
    assert table.loc["336", "intensity"] > table.loc["311", "intensity"]
    assert table.loc["334", "intensity"] > table.loc["311", "intensity"]
    assert table.loc["336", "percentile"] > table.loc["311", "percentile"]
    assert table.loc["334", "percentile"] > table.loc["311", "percentile"]


@pytest.mark.parametrize("code", ["336", "334", "311", "3361", "3364"])
def test_real_intensity_equals_hand_figures(real, code):
    year, paths, table = real
    exports = hand_exports(paths["exports"], code)
    workers = hand_employment(paths["qcew"], code)
    row = table.loc[code]
    assert row["exports_usd"] == exports and row["exports_year"] == 2012
    assert row["employment"] == pytest.approx(workers, rel=1e-12)
    assert row["intensity"] == pytest.approx(exports / workers, rel=1e-12)
    assert row["employment_year"] == year and bool(row["measured"])
    assert f"year gap: exports 2012 vs employment {year} Q1" in row["note"]


def test_real_hand_numbers_2019(shared_data):
    """The figures reported for issue 9 (2012 exports / 2019 Q1 private employment)."""
    exports, qcew = shared_data / USATRADE, shared_data / QCEW.format(year=2019)
    need(exports.is_file() and qcew.is_file(), "the real files are missing")
    per_worker = {c: hand_exports(exports, c) / hand_employment(qcew, c) for c in ("336", "334", "311")}
    assert round(per_worker["336"]) == 139043
    assert round(per_worker["334"]) == 190500
    assert round(per_worker["311"]) == 40332


def test_real_services_and_wholesale_not_measured(real):
    year, _, table = real
    for code in ("423", "424", "441", "541", "221", "236", "213"):
        row = table.loc[code]
        assert not row["measured"] and pd.isna(row["intensity"]) and pd.isna(row["exports_usd"])
        assert row["note"].startswith(NOT_MEASURED)
    assert "Census classifies exports by product" in table.loc["423", "note"]
    assert not (table["intensity"] == 0).any()
    assert not any(code.startswith("9") for code in table.index if table.loc[code, "measured"])
    notes = table.attrs["notes"]
    assert any(n.startswith(f"Year gap: exports are 2012, employment is {year} Q1") for n in notes)
    assert any("wholesalers" in n for n in notes)
    assert list(table.reset_index().columns) == INTENSITY_COLUMNS


# ---------------------------------------------------------------- USA Trade Online reader

def test_usatrade_reader_on_the_real_file(shared_data):
    path = shared_data / USATRADE
    need(path.is_file(), f"{path} is missing")
    frame, provenance = read_usatrade(path)
    assert len(frame) == 7389 and provenance["vintage"] == "2012"
    total = frame[(frame["naics"] == "") & (frame["state"] == "All States")]
    assert total["exports_usd"].tolist() == [1_545_820_839_892]
    national = national_exports(frame)
    assert list(national.columns) == NATIONAL_COLUMNS
    assert national.loc[national["naics"] == "336", "naics_title"].tolist() == [
        "Transportation Equipment"]
    assert sorted(national.loc[national["special"], "naics"].str.slice(0, 3).unique()) == [
        "910", "930", "980", "990"]


HEAD = '"2012 export"\n"Current date: today"\n"Commodity","State","Country","Time","Total Exports Value ($US)",\n'


def test_usatrade_bad_rows_are_all_reported():
    text = HEAD + ('"336 Transportation Equipment","All States","World Total","2012","1,000",\n'
                   '"Cars","All States","World Total","2012","5",\n'
                   '"311 Food","All States","World Total","twenty","12x",\n')
    with pytest.raises(ImportFailed) as failed:
        read_usatrade(text, file="t.csv")
    message = str(failed.value)
    assert "line 5" in message and "not 'All Commodities' nor a NAICS code" in message
    assert "the time is not a year" in message and "not a number of dollars" in message


def test_usatrade_wrong_layout_and_no_national_rows():
    with pytest.raises(ExportPlanError, match="no header line starting with Commodity"):
        read_usatrade("a,b\n1,2\n")
    frame, _ = read_usatrade(HEAD + '"311 Food","Ohio","World Total","2012","7",\n')
    with pytest.raises(ExportPlanError, match="no 'All States' rows"):
        national_exports(frame)


# ---------------------------------------------------------------- Census API national totals

def test_census_national_totals_from_recorded_answer(replay_server, shared_data, tmp_path,
                                                     monkeypatch):
    monkeypatch.delenv("EXPORTPLAN_CENSUS_KEY", raising=False)
    recorded = shared_data / N3261
    need(recorded.is_file(), f"{recorded} is missing")
    replay_server.add_file(NATION_PATH, recorded)
    totals, reports = fetch_national_totals_by_naics(
        "3261", 2024, cache_dir=tmp_path, key="k" * 40, base_url=replay_server.url(NATION_PATH),
        progress=False)
    assert totals.to_dict("records") == [{"naics": "3261", "naics_title": "PLASTICS PRODUCTS",
                                          "year": 2024, "exports_usd": 28562454191.0}]
    assert "k" * 40 not in json.dumps(reports["3261 2024"].provenance)
    qcew = shared_data / QCEW.format(year=2024)
    need(qcew.is_file(), f"{qcew} is missing")
    table = export_intensity(totals, national_employment(read_qcew(qcew))).set_index("naics")
    assert table.loc["3261", "intensity"] == pytest.approx(
        28562454191 / hand_employment(qcew, "3261"), rel=1e-12)
    assert table.loc["3261", "note"] == "exports 2024, employment 2024 Q1"


def test_census_national_total_missing_row(replay_server, tmp_path):
    body = [["NAICS_LDESC", "CTY_CODE", "CTY_NAME", "ALL_VAL_YR", "time", "NAICS"],
            ["PLASTICS PRODUCTS", "1220", "CANADA", "5", "2024-12", "3261"]]
    replay_server.add(NATION_PATH, json.dumps(body))
    with pytest.raises(ExportPlanError, match="no TOTAL FOR ALL COUNTRIES row"):
        fetch_national_totals_by_naics("3261", 2024, cache_dir=tmp_path, key="k" * 40,
                                       base_url=replay_server.url(NATION_PATH), progress=False)


# ---------------------------------------------------------------- scores on a small table

def small_table() -> pd.DataFrame:
    exports = pd.DataFrame({"naics": ["336", "311", "334", "3361", "990"],
                            "naics_title": ["Transport", "Food", "Computers", "Cars", "Special"],
                            "year": [2012] * 5, "exports_usd": [1000.0, 100.0, 500.0, 600.0, 9.0]})
    employment = pd.DataFrame({"naics": ["336", "311", "334", "3361", "423"],
                               "employment": [10.0, 10.0, 10.0, 2.0, 50.0],
                               "employment_year": [2019] * 5,
                               "employment_period": ["2019 Q1"] * 5})
    return export_intensity(exports, employment)


def test_small_intensity_table():
    table = small_table().set_index("naics")
    assert table["intensity"].dropna().to_dict() == {"336": 100.0, "334": 50.0, "311": 10.0,
                                                     "3361": 300.0}
    assert table.loc["311", "percentile"] == pytest.approx(100 / 3)
    assert table.loc["3361", "percentile"] == 100 and "990" not in table.index
    assert not table.loc["423", "measured"] and pd.isna(table.loc["423", "intensity"])


def businesses() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["Auto", "Bakery", "Wholesaler", "Unknown", "Big wholesaler"],
        "name_key": ["auto", "bakery", "wholesaler", "unknown", "big wholesaler"],
        "naics": ["336111", "311999", "423830", "", "4238"],
        "employees": [1000, 9, None, 0, 1000],
        "foreign_parent": ["Bosch", "", "", "", "Mitsui"],
        "parent_country": ["DEU", "", "", "CAN", "JPN"]})


def scored() -> pd.DataFrame:
    return score_prospects(businesses(), small_table(), target_sectors={"Automotive": ["3361"]},
                           country_names={"DEU": "Germany", "JPN": "Japan", "CAN": "Canada"})


def test_scores_components_and_renormalized_weights():
    out = scored().set_index("name")
    size9 = math.log(10) / math.log(1001)
    expected = {
        "Auto": 1.0,
        "Bakery": (0.40 / 3 + 0.25 * size9) / 1.0,
        "Wholesaler": 0.0,                       # only target (0) and foreign (0) are known
        "Unknown": 0.15 / (0.25 + 0.15),         # size 0, foreign 1; industry and target unknown
        "Big wholesaler": (0.25 + 0.15) / (0.25 + 0.20 + 0.15),  # not counted as industry 0
    }
    for name, value in expected.items():
        assert out.loc[name, "score"] == pytest.approx(value, abs=1e-6), name
    assert out.loc["Auto", "industry_naics"] == "3361" and out.loc["Bakery", "industry_naics"] == "311"
    assert out.loc["Bakery", "c_industry"] == pytest.approx(1 / 3)
    assert pd.isna(out.loc["Wholesaler", "c_industry"]) and pd.isna(out.loc["Wholesaler", "c_size"])
    assert out.loc["Big wholesaler", "industry_measured"] == False  # noqa: E712 (not <NA>)
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    assert out.index.tolist() == ["Auto", "Big wholesaler", "Unknown", "Bakery", "Wholesaler"]
    assert list(out.columns[-len(SCORE_COLUMNS):]) == SCORE_COLUMNS


def test_score_reasons():
    reason = scored().set_index("name")["reason"]
    assert reason["Auto"] == ("industry exports $300 per worker (NAICS 3361, 100th percentile); "
                              "1,000 employees; target sector Automotive; foreign parent Bosch "
                              "(Germany)")
    assert reason["Bakery"] == ("industry exports $10 per worker (NAICS 311, 33rd percentile); "
                                "9 employees; not a target sector; no foreign parent")
    assert reason["Wholesaler"] == (
        "industry not measured by goods data (NAICS 423830, wholesale trade); size unknown; "
        "not a target sector; no foreign parent; industry and size left out, weights spread "
        "over the rest")
    assert reason["Unknown"] == ("industry unknown (no NAICS); 0 employees; foreign parent "
                                 "(Canada); industry and target left out, weights spread over "
                                 "the rest")


def test_score_options():
    no_target = score_prospects(businesses(), small_table()).set_index("name")
    assert no_target.loc["Bakery", "score"] == pytest.approx(
        (0.40 / 3 + 0.25 * math.log(10) / math.log(1001)) / 0.80)
    assert "target" not in no_target.loc["Bakery", "reason"]
    only_size = score_prospects(businesses(), small_table(),
                                weights={"industry": 0, "target": 0, "foreign": 0})
    assert only_size.set_index("name").loc["Auto", "score"] == 1.0
    with pytest.raises(ExportPlanError, match="Unknown prospect weight"):
        score_prospects(businesses(), small_table(), weights={"luck": 1})
    with pytest.raises(ExportPlanError, match="NAICS codes"):
        score_prospects(businesses(), small_table(), target_sectors={"Auto": ["Automotive"]})


# ---------------------------------------------------------------- outreach

def test_outreach_filters_recent_contact_only():
    pipeline = {"auto": "C1", "bakery": "C2", "big wholesaler": "C3", "unknown": "C4"}
    contacts = {"C1": "2025-06-30", "C2": date(2025, 6, 29), "C3": None}  # C4: never contacted
    out = outreach_list(scored(), pipeline, contacts, 365, date(2026, 6, 30), top=None)
    assert out["name"].tolist() == ["Big wholesaler", "Unknown", "Bakery", "Wholesaler"]
    reasons = dict(zip(out["name"], out["outreach_reason"]))
    assert reasons == {"Big wholesaler": "in the pipeline, never contacted",
                       "Unknown": "in the pipeline, never contacted",
                       "Bakery": "in the pipeline, last contact 2025-06-29 (366 days ago)",
                       "Wholesaler": "not in the pipeline"}
    assert list(out.columns[-3:]) == OUTREACH_COLUMNS
    assert out["score"].tolist() == sorted(out["score"], reverse=True)
    # Auto (best score, contacted exactly 365 days ago) is filtered out, not scored down.
    assert outreach_list(scored(), pipeline, contacts, 364, "2026-06-30", top=1)["name"].tolist() == ["Auto"]


def test_outreach_errors():
    with pytest.raises(ExportPlanError, match="after today"):
        outreach_list(scored(), {"auto": "C1"}, {"C1": "2027-01-01"}, 365, "2026-06-30")
    with pytest.raises(ExportPlanError, match="name_key"):
        outreach_list(scored().drop(columns="name_key"), {}, {}, 365, "2026-06-30")


# ---------------------------------------------------------------- the business list

def test_business_list_aliases_and_county(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Company Name,Primary NAICS Code,County Code,Employee Count,"
                    "Foreign Parent Name,Parent Country Name\n"
                    "Acme Tool & Die Inc.,332710,1001,85,,\n"
                    "Bosch Plant,336340,39049,400,Robert Bosch GmbH,Germany\n"
                    "Corner Shop,,,,,\n", encoding="utf-8")
    frame = read_businesses(path)
    assert list(frame.columns) == list(BUSINESS_COLUMNS)
    assert frame["county_fips"].tolist()[:2] == ["01001", "39049"]
    assert frame["parent_country"].tolist()[1] == "DEU"
    assert frame["employees"].tolist()[:2] == [85, 400] and pd.isna(frame["employees"].iloc[2])


def test_business_list_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,naics,county_fips,employees\n,3361,39049,5\nA,99x,390,-3\n",
                    encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_businesses(path)
    message = str(failed.value)
    assert "is empty" in message and "is not a NAICS code" in message
    assert "below the minimum 0" in message
