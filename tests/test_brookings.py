"""The Brookings Export Monitor: reading the metro and county files, storing them, the region's figure.

The real files (../shared/data/trade) are checked against figures read here from the raw CSV rows
with the csv module, independently of the code. Bad files must be refused with the line and column.
"""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from exportplan.errors import ImportFailed
from exportplan.sources.brookings import COLUMNS, DATASET, PUBLISHER, detect_scope, read_brookings
from exportplan.workspace import Workspace

METRO = "trade/brookings_export_monitor_2018_metro_exports_2017.csv"
COUNTY = "trade/brookings_export_monitor_2018_county_exports_2017.csv"
COLUMBUS = ("39041", "39045", "39049", "39073")
METRO_HEADER = "cbsa_code,year,cbsa_2013_name,cbsa_exports_nominal,cbsa_exports_real,cbsa_pct_exports_gdp\n"
COUNTY_HEADER = ("stco_code,year,co_name,st_code,st_name,st_abbr,county_exports_nominal,county_exports_real,"
                 "county_pct_exports_gdp\n")


def hand_rows(path, code_column: str, codes) -> dict[str, dict]:
    """The raw rows of these area codes, read with csv only."""
    with open(path, newline="", encoding="utf-8") as fh:
        return {row[code_column]: row for row in csv.DictReader(fh) if row[code_column] in codes}


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request):
    return None if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def columbus(tmp_path, db_url):
    ws = Workspace.init(tmp_path / "w", name="Columbus", counties=list(COLUMBUS), reference_area="USLQ",
                        database_url=db_url)
    yield ws
    ws.close()


# ---------------------------------------------------------------- the real files

def test_the_real_metro_file_has_columbus(shared_data):
    frame, prov = read_brookings(shared_data / METRO)
    assert list(frame.columns) == COLUMNS and set(frame["scope"]) == {"metro"}
    hand = hand_rows(shared_data / METRO, "cbsa_code", {"18140"})["18140"]
    row = frame.set_index("area_code").loc["18140"]
    assert row["area_name"] == hand["cbsa_2013_name"] == "Columbus, OH"
    assert row["year"] == 2017
    assert row["exports_usd"] == pytest.approx(float(hand["cbsa_exports_nominal"]) * 1e6, rel=1e-12)
    assert row["pct_gdp"] == pytest.approx(float(hand["cbsa_pct_exports_gdp"]), rel=1e-12)
    assert 1e10 < row["exports_usd"] < 1.1e10  # $10.7 bn, in dollars (not millions)
    assert len(frame) == 962 and frame["area_code"].str.fullmatch(r"\d{5}").all()
    assert (prov["publisher"], prov["dataset"], prov["vintage"]) == (PUBLISHER, DATASET, "2017")
    assert prov["source"] == (shared_data / METRO).name and len(prov["sha256"]) == 64
    assert prov["layout"] == "brookings-metro" and "goods and services" in prov["note"]


def test_the_real_county_file_keeps_leading_zeros(shared_data):
    frame, prov = read_brookings(shared_data / COUNTY)
    assert set(frame["scope"]) == {"county"} and len(frame) == 3113 and prov["layout"] == "brookings-county"
    assert frame["area_code"].iloc[0] == "01001"
    assert frame["area_name"].iloc[0] == "Autauga County (AL)"


def test_the_region_counties_sum_to_the_hand_sum(shared_data, columbus):
    report = columbus.export_profile.import_brookings(shared_data / COUNTY)
    assert report.rows == 3113
    hand = hand_rows(shared_data / COUNTY, "stco_code", COLUMBUS)
    assert set(hand) == set(COLUMBUS)
    figure = columbus.export_profile.brookings()
    assert figure.status == "counties" and figure.year == 2017
    assert figure.area_codes == COLUMBUS and figure.counties_missing == ()
    total = sum(float(hand[c]["county_exports_nominal"]) for c in COLUMBUS) * 1e6
    assert figure.exports_usd == pytest.approx(total, rel=1e-12)
    gdp = sum(float(hand[c]["county_exports_nominal"]) / float(hand[c]["county_pct_exports_gdp"]) for c in COLUMBUS)
    assert figure.pct_gdp == pytest.approx(total / 1e6 / gdp, rel=1e-9)
    assert figure.coverage == "goods and services, by production location"
    assert "Franklin County (OH) (39049)" in " ".join(figure.notes)


def test_the_metro_figure_when_the_region_is_that_metro(shared_data, columbus):
    columbus.export_profile.import_brookings(shared_data / COUNTY)
    columbus.export_profile.import_brookings(shared_data / METRO)
    assert columbus.export_profile.brookings().status == "counties"  # no cbsa set: the counties' sum
    columbus.config["region"]["cbsa"] = "18140"
    figures = columbus.export_profile.brookings_figures()
    assert [f.status for f in figures] == ["metro", "counties"]
    hand = hand_rows(shared_data / METRO, "cbsa_code", {"18140"})["18140"]
    assert figures[0].exports_usd == pytest.approx(float(hand["cbsa_exports_nominal"]) * 1e6, rel=1e-12)
    assert figures[0].label == "Columbus, OH (metro 18140)" and figures[0].year == 2017
    refs = columbus.export_profile.brookings_sources(figures[:1])
    assert [r.file for r in refs] == [(shared_data / METRO).name]


def test_counties_the_file_lacks_are_named(shared_data, tmp_path):
    ws = Workspace.init(tmp_path / "w", name="Odd", counties=["39049", "39999"], reference_area="USLQ")
    try:
        ws.export_profile.import_brookings(shared_data / COUNTY)
        figure = ws.export_profile.brookings()
        hand = hand_rows(shared_data / COUNTY, "stco_code", {"39049"})["39049"]
        assert figure.counties_missing == ("39999",) and "partial" in figure.label
        assert figure.exports_usd == pytest.approx(float(hand["county_exports_nominal"]) * 1e6, rel=1e-12)
        assert any("39999" in note for note in figure.notes)
    finally:
        ws.close()


def test_no_figure_says_how_to_import_one(columbus):
    figure = columbus.export_profile.brookings()
    assert figure.status == "missing" and figure.exports_usd is None
    assert "import brookings FILE" in str(figure.missing[0])


# ---------------------------------------------------------------- storing: all or nothing, idempotent

def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_reimporting_the_same_file_changes_nothing(tmp_path, columbus):
    path = write(tmp_path / "metro.csv", METRO_HEADER + '18140,2017,"Columbus, OH",10701.04,10701.04,0.0819\n'
                 '10100,2017,"Aberdeen, SD",366.7,366.7,0.142\n')
    service = columbus.export_profile
    first = service.import_brookings(path)
    rows, prov = service.brookings_rows(), columbus.citations.provenance("regional_exports")
    again = service.import_brookings(path)
    assert (first.rows, again.rows, again.replaced) == (2, 0, 0)
    assert any("nothing changed" in n for n in again.notes)
    pd.testing.assert_frame_equal(service.brookings_rows(), rows)
    pd.testing.assert_frame_equal(columbus.citations.provenance("regional_exports"), prov)


def test_a_new_file_replaces_only_its_own_scope(tmp_path, columbus):
    service = columbus.export_profile
    service.import_brookings(write(tmp_path / "county.csv", COUNTY_HEADER
                                   + "39049,2017,Franklin County (OH),39,Ohio,OH,6215.27,6215.27,0.063\n"))
    service.import_brookings(write(tmp_path / "m1.csv", METRO_HEADER + '18140,2017,"Columbus, OH",1,1,0.01\n'
                                   '10100,2017,"Aberdeen, SD",2,2,0.02\n'))
    report = service.import_brookings(write(tmp_path / "m2.csv", METRO_HEADER
                                            + '18140,2017,"Columbus, OH",3,3,0.03\n'))
    assert (report.rows, report.replaced) == (1, 2)
    rows = service.brookings_rows()
    assert rows.groupby("scope").size().to_dict() == {"county": 1, "metro": 1}
    assert rows.set_index("area_code").loc["18140", "exports_usd"] == 3e6
    kept = columbus.citations.provenance("regional_exports")["source"].tolist()
    assert sorted(kept) == ["county.csv", "m2.csv"]  # the replaced file's record is pruned


def test_a_bad_file_writes_nothing(tmp_path, columbus):
    service = columbus.export_profile
    service.import_brookings(write(tmp_path / "m1.csv", METRO_HEADER + '18140,2017,"Columbus, OH",1,1,0.01\n'))
    with pytest.raises(ImportFailed):
        service.import_brookings(write(tmp_path / "m2.csv", METRO_HEADER + '18140,2017,"Columbus, OH",x,1,0.01\n'))
    assert service.brookings_rows()["exports_usd"].tolist() == [1e6]


# ---------------------------------------------------------------- bad files

def problems(path) -> list:
    with pytest.raises(ImportFailed) as caught:
        read_brookings(path)
    return caught.value.table.problems


def test_every_bad_cell_is_reported_with_its_line_and_column(tmp_path):
    path = write(tmp_path / "bad.csv", METRO_HEADER
                 + '1814,2017,"Columbus, OH",10701,10701,0.08\n'      # line 2: code not 5 digits
                 + '18140,17,"Columbus, OH",10701,10701,0.08\n'       # line 3: year
                 + '10100,2017,"Aberdeen, SD",lots,366,0.14\n'        # line 4: value
                 + '10140,2017,"Aberdeen, WA",-5,173,0.05\n'          # line 5: negative
                 + '10180,2017,"Abilene, TX",681,681,8.6\n'           # line 6: a percent, not a share
                 + '10220,2017,"Ada, OK",144,144,0.07\n'
                 + '10220,2017,"Ada, OK",144,144,0.07\n')             # line 8: twice
    found = [(p.row, p.column, p.value) for p in problems(path)]
    assert found == [(2, "cbsa_code", "1814"), (3, "year", "17"), (4, "cbsa_exports_nominal", "lots"),
                     (5, "cbsa_exports_nominal", "-5"), (6, "cbsa_pct_exports_gdp", "8.6"), (8, "cbsa_code", "10220")]
    assert all(p.fix and p.file == "bad.csv" for p in problems(path))


def test_a_header_of_neither_layout_is_refused(tmp_path):
    path = write(tmp_path / "other.csv", "fips,exports\n39049,5\n")
    (problem,) = problems(path)
    assert problem.row == 1 and "neither" in problem.problem and "stco_code" in problem.fix


def test_a_missing_column_is_named(tmp_path):
    path = write(tmp_path / "short.csv", "cbsa_code,year,cbsa_2013_name\n18140,2017,Columbus\n")
    (problem,) = problems(path)
    assert problem.row == 1 and problem.column == "cbsa_exports_nominal"


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"\x00\x01\x02PK binary" * 50, "binary"),
    (METRO_HEADER.encode() + b'18140,2017,"Columbus, OH",10701,10701,0.08\n10100,2017,"Aberd', "cut short"),
    (METRO_HEADER.encode(), "no rows"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path, content, words):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    (problem,) = problems(path)
    assert words in problem.problem and problem.file == "f.csv"


def test_a_missing_file_is_named(tmp_path):
    (problem,) = problems(tmp_path / "nope.csv")
    assert "not found" in problem.problem


def test_county_codes_a_spreadsheet_shortened_get_their_zero_back(tmp_path):
    path = write(tmp_path / "c.csv", COUNTY_HEADER + "1001,2017,Autauga County (AL),1,Alabama,AL,225.8,225.8,0.17\n")
    frame, _ = read_brookings(path)
    assert frame["area_code"].tolist() == ["01001"] and frame["exports_usd"].tolist() == [225.8e6]


@pytest.mark.parametrize("header, scope", [
    (["cbsa_code", "year", "cbsa_exports_nominal"], "metro"), (["STCO_CODE", "Year"], "county"),
    (["fips", "value"], None), (["cbsa_code", "stco_code"], None)])
def test_the_layout_comes_from_the_header(header, scope):
    assert detect_scope(header) == scope
