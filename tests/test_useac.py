"""The U.S. Export Assistance Center office list (issue 10): the real file imports; a region's offices are listed."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from exportplan.analysis.program_terms import NOT_VERIFIED, PROVIDER_COLUMNS
from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.imports.programs import read_program_file, write_programs
from exportplan.sources.useac import (COLUMNS, OUT_COLUMNS, TYPE, offices_for_states, read_useac_offices,
                                      split_address)

OFFICES = "programs/ita_us_export_assistance_centers_odo_fixture.csv"


@pytest.fixture(scope="module")
def offices(shared_data) -> pd.DataFrame:
    frame, report = read_useac_offices(shared_data / OFFICES)
    frame.attrs["report"] = report
    return frame


def by_post(frame: pd.DataFrame, city: str) -> pd.Series:
    hits = frame[frame["name"].str.startswith(city)]
    assert len(hits) == 1, hits["name"].tolist()
    return hits.iloc[0]


# ----------------------------------------------------------------- the real file

@pytest.mark.shared_data
def test_the_real_office_list_imports_every_office(offices, shared_data):
    with open(shared_data / OFFICES, newline="", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert len(offices) == len(lines) == 116
    assert tuple(offices.columns) == OUT_COLUMNS == PROVIDER_COLUMNS + ("origin",)
    assert offices["provider_id"].is_unique
    assert set(offices["level"]) == {"federal"} and set(offices["type"]) == {TYPE}
    assert set(offices["origin"]) == {"offices"}
    assert offices["name"].tolist() == [" ".join(line["office_name"].split()) for line in lines]
    assert offices["states"].tolist() == [line["state_abbr"] for line in lines]
    report = offices.attrs["report"]
    assert report.provenance["rows"] == 116 and len(report.provenance["sha256"]) == 64
    assert report.provenance["vintage"] == "circa 2015"


@pytest.mark.shared_data
def test_no_office_is_dated_and_each_says_how_old_the_list_is(offices):
    assert set(offices["last_verified"]) == {""}  # shown as NOT_VERIFIED, never the import date
    assert NOT_VERIFIED == "not verified"
    assert offices["evidence"].str.contains("circa 2015").all()
    assert offices["note"].str.contains("circa 2015").all() and offices["note"].str.contains("check").all()
    assert offices["source_url"].str.startswith("https://github.com/GovWizely/webservices/").all()


@pytest.mark.shared_data
def test_the_columbus_office(offices):
    office = by_post(offices, "Columbus U.S.")
    assert office["provider_id"] == "useac-1475"
    assert office["states"] == "OH" and office["geography"] == "Ohio"
    assert office["address"] == "Columbus U.S. Export Assistance Center | 401 N. Front St., #200 | Columbus, OH 43215"
    assert office["url"] == "http://export.gov/ohio/centralohio/index.asp"
    assert office["phone"] == "614-365-9510"


@pytest.mark.shared_data
def test_urls_are_taken_out_of_the_address(offices):
    ontario = offices[offices["address"].str.contains("Guasti")].iloc[0]  # the URL at the end of a line
    assert ontario["url"] == "http://www.export.gov/inlandempire"
    assert ontario["address"] == "3110 East Guasti Rd, Suite 465 | Ontario, California 91761"
    richmond = by_post(offices, "Richmond")  # a bare www. address
    assert richmond["url"] == "http://www.buyusa.gov/virginia/" and "buyusa" not in richmond["address"]
    baltimore = by_post(offices, "Baltimore")  # no web address at all
    assert baltimore["url"] == "" and baltimore["address"].endswith("Baltimore, MD 21201")
    assert not offices["address"].str.contains("http|www\\.", case=False).any()


@pytest.mark.shared_data
def test_odd_rows_of_the_list_are_kept_and_explained(offices):
    dc = offices[offices["provider_id"].str.startswith("useac-1140")]  # two rows share the number 1140
    assert sorted(dc["provider_id"]) == ["useac-1140-odo-das", "useac-1140-odo-fss"]
    vacant = offices[offices["name"].str.startswith("VACANT")].iloc[0]
    assert vacant["phone"] == "" and vacant["address"] == "" and "vacant" in vacant["note"]
    hq = offices[offices["states"] == ""]
    assert hq["provider_id"].tolist() == ["useac-1141"] and "nationwide" in hq.iloc[0]["note"]


@pytest.mark.shared_data
def test_ohio_offices_include_columbus_cincinnati_and_cleveland(offices):
    ohio = offices_for_states(offices, ["OH"])
    assert set(ohio["states"]) == {"OH"}
    names = ohio["name"].tolist()
    assert names == sorted(names)
    for city in ("Columbus", "Cincinnati", "Cleveland"):
        assert any(name.startswith(city) for name in names), city
    assert len(ohio) == (offices["states"] == "OH").sum()


@pytest.mark.shared_data
def test_a_region_in_ohio_and_kentucky_lists_both_states_offices(offices):
    both = offices_for_states(offices, ["OH", "Kentucky"])
    kentucky, ohio = offices_for_states(offices, ["ky"]), offices_for_states(offices, ["OH"])
    assert len(kentucky) == 2 and {"Lexington", "Louisville"} == {n.split()[0] for n in kentucky["name"]}
    pd.testing.assert_frame_equal(both, pd.concat([kentucky, ohio], ignore_index=True))  # by state, then name
    assert offices_for_states(offices, ["OH", "KY"]).equals(offices_for_states(offices, ["KY", "OH", "OH"]))
    assert offices_for_states(offices, "OH;KY").equals(both)


@pytest.mark.shared_data
def test_offices_for_an_unknown_state_is_a_clear_error(offices):
    with pytest.raises(ExportPlanError, match="'Ohiio' is not a U.S. state"):
        offices_for_states(offices, ["Ohiio"])
    assert offices_for_states(offices, []).empty


@pytest.mark.shared_data
def test_the_offices_import_through_the_program_file_unchanged(offices, tmp_path):
    providers = offices.drop(columns="origin")
    got = read_program_file(write_programs({"providers": providers}, tmp_path / "offices.xlsx"))["providers"]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), providers.reset_index(drop=True))


def test_split_address():
    assert split_address("A | B, OH 1 | www.x.gov/y") == ("A | B, OH 1", "http://www.x.gov/y")
    assert split_address("VACANT") == ("", "")


# ----------------------------------------------------------------- bad files

GOOD = ["Columbus", "Columbus U.S. Export Assistance Center", "1475", "OH", "Ohio", "614-365-9510", "D", "1",
        "401 N. Front St., #200 | Columbus, OH 43215 | http://export.gov/ohio/"]
OTHER = ["Louisville", "Louisville U.S. Export Assistance Center", "1455", "KY", "Kentucky", "502-582-5066", "D", "1",
         "601 W. Broadway | Louisville, KY 40202"]


def office_file(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    path = tmp_path / "offices.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([header or list(COLUMNS)] + rows)
    return path


def problems(path: Path) -> list[tuple[int | None, str, str, str]]:
    with pytest.raises(ImportFailed) as info:
        read_useac_offices(path)
    return [(p["row"], p["column"], p["value"], p["problem"]) for p in info.value.table.to_records()]


def edited(index: int, value: str) -> list[str]:
    out = list(OTHER)
    out[index] = value
    return out


def test_a_small_good_file_reads(tmp_path):
    frame, _ = read_useac_offices(office_file(tmp_path, [GOOD, OTHER]))
    assert frame["provider_id"].tolist() == ["useac-1475", "useac-1455"]


@pytest.mark.parametrize("rows, header, expected", [
    ([GOOD, edited(3, "XX")], None, (3, "state_abbr", "XX", "is not a U.S. state postal code")),
    ([GOOD, edited(4, "Ohio")], None, (3, "state_name", "Ohio", "is not the name of KY (Kentucky)")),
    ([GOOD, edited(2, "")], None, (3, "ctr_number", "", "is empty")),
    ([GOOD], [c if c != "state_abbr" else "state" for c in COLUMNS], (1, "state_abbr", "", "missing column(s)")),
    ([], None, (1, "", "", "the list has a header but no offices")),
], ids=["state code", "state name", "no number", "wrong columns", "no offices"])
def test_bad_office_files_are_reported_with_row_and_column(rows, header, expected, tmp_path):
    found = problems(office_file(tmp_path, rows, header))
    assert len(found) == 1, found
    line, column, value, problem = found[0]
    assert (line, column, value) == expected[:3] and expected[3] in problem


@pytest.mark.parametrize("data, problem", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "not a text (CSV) file"),
    (b'{"offices": []}\n', "missing column(s)"),
], ids=["empty", "image", "not a CSV"])
def test_files_that_are_not_an_office_list_are_refused(data, problem, tmp_path):
    path = tmp_path / "offices.csv"
    path.write_bytes(data)
    found = problems(path)
    assert len(found) == 1 and problem in found[0][3], found


def test_a_missing_file_is_reported(tmp_path):
    found = problems(tmp_path / "nowhere.csv")
    assert found and "file not found" in found[0][3]
