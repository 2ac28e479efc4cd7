"""NAICS titles (shipped and imported) and the OMB CBSA delineation reader."""
from __future__ import annotations

import csv

import openpyxl
import pytest

from exportplan.errors import DownloadError, ExportPlanError, ImportFailed
from exportplan.sources import naics, omb

SECTORS = ["11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "53", "54",
           "55", "56", "61", "62", "71", "72", "81", "92"]
REAL_DELINEATION = "qcew/census_omb_cbsa_county_delineation_list1_2023.xlsx"
OMB_HEADER = ["CBSA Code", "Metropolitan Division Code", "CSA Code", "CBSA Title",
              "Metropolitan/Micropolitan Statistical Area", "Metropolitan Division Title",
              "CSA Title", "County/County Equivalent", "State Name", "FIPS State Code",
              "FIPS County Code", "Central/Outlying County"]
# Two counties each of two CBSAs, written the way the official workbook lays them out.
OMB_ROWS = [
    ["18140", None, "198", "Columbus, OH", "Metropolitan Statistical Area", None,
     "Columbus-Marion-Zanesville, OH", "Franklin County", "Ohio", "39", "049", "Central"],
    ["18140", None, "198", "Columbus, OH", "Metropolitan Statistical Area", None,
     "Columbus-Marion-Zanesville, OH", "Hocking County", "Ohio", "39", "073", "Outlying"],
    ["10700", None, None, "Albertville, AL", "Micropolitan Statistical Area", None, None,
     "Marshall County", "Alabama", 1, 95, "Central"],
]


# --------------------------------------------------------------------------- NAICS

@pytest.mark.parametrize("vintage", [2017, 2022])
def test_every_sector_and_subsector_has_a_title(vintage):
    titles = naics.naics_titles(vintage)
    by_code = dict(zip(titles["naics"], titles["title"], strict=True))
    assert all(by_code.get(s) for s in SECTORS)
    subsectors = titles[titles["level"] == 3]
    assert len(subsectors) > 90 and subsectors["title"].str.len().min() > 3
    assert set(subsectors["naics"].map(lambda c: naics.naics_level(c))) == {3}
    assert list(titles.columns) == ["naics", "title", "level"]


def test_vintages_differ_where_naics_changed():
    assert "454" in set(naics.naics_titles(2017)["naics"])  # Nonstore retailers, gone in 2022
    assert "455" in set(naics.naics_titles(2022)["naics"])
    assert "455" not in set(naics.naics_titles(2017)["naics"])
    assert naics.naics_titles().equals(naics.naics_titles(2022))  # default: newest
    assert naics.naics_titles(2012).equals(naics.naics_titles(2017))  # same top levels


def test_unshipped_vintage_says_how_to_import_titles():
    with pytest.raises(ExportPlanError, match="exportplan import titles FILE"):
        naics.naics_titles(2007)


def test_title_for_sectors_ranges_and_aggregates():
    assert naics.title_for("31-33") == "Manufacturing"
    assert naics.title_for("32") == "Manufacturing"  # BLS titles 31, 32, 33 as the range
    assert naics.title_for("48_49") == "Transportation and Warehousing"  # slice URL spelling
    assert naics.title_for("10") == "Total, all industries"
    assert naics.title_for("1013") == "Manufacturing"
    assert naics.title_for("454", vintage=2017) == "Nonstore Retailers"
    assert naics.title_for("454") is None  # not a 2022 code
    assert naics.title_for("336411") == "Aircraft Manufacturing"  # every level is shipped


@pytest.mark.parametrize(("code", "level"), [
    ("31-33", 2), ("44-45", 2), ("11", 2), ("336", 3), ("3364", 4), ("33641", 5),
    ("336411", 6), (336411, 6), ("10", None), ("101", None), ("1025", None), ("", None),
    ("33x", None), ("3364110", None)])
def test_naics_level(code, level):
    assert naics.naics_level(code) == level


@pytest.mark.parametrize(("year", "vintage"), [
    (2012, 2012), (2016, 2012), (2017, 2017), (2021, 2017), (2022, 2022), (2024, 2022),
    (2011, 2012), (2008, 2007), (1995, 2002)])
def test_naics_vintage_for_year(year, vintage):
    assert naics.naics_vintage_for_year(year) == vintage


def test_sic_years_are_refused():
    with pytest.raises(ExportPlanError, match="SIC"):
        naics.naics_vintage_for_year(1985)


@pytest.mark.parametrize("vintage", [2017, 2022])
def test_shipped_titles_match_the_census_files(shared_data, vintage):
    census = naics.read_titles_file(shared_data / f"naics/census_naics{vintage}_codes_titles.csv")
    top = census[census["level"].isin([2, 3])]
    shipped = dict(zip(*[naics.naics_titles(vintage)[c] for c in ("naics", "title")], strict=True))
    assert len(top) > 100
    assert {c: shipped.get(c) for c in top["naics"]} == dict(zip(top["naics"], top["title"], strict=True))


def test_bls_industry_titles_prefix_is_stripped(shared_data):
    titles = naics.read_titles_file(shared_data / "naics/bls_qcew_industry_titles_2018.csv")
    by_code = dict(zip(titles["naics"], titles["title"], strict=True))
    assert by_code["336411"] == "Aircraft manufacturing"
    assert by_code["31-33"] == by_code["31"] == "Manufacturing"
    assert by_code["10"] == "Total, all industries"
    assert not titles["title"].str.startswith("NAICS").any()
    assert titles.attrs["vintage"] is None
    assert titles.loc[titles["naics"] == "10", "level"].isna().all()
    assert (titles.loc[titles["naics"] == "336411", "level"] == 6).all()


@pytest.mark.parametrize(("name", "vintage", "rows"), [
    ("census_2-6_digit_2017_Codes.xlsx", 2017, 2196), ("census_2-6_digit_2022_Codes.xlsx", 2022, 2125),
    ("census_naics2022_codes_titles.csv", 2022, 2125)])
def test_census_code_files_give_six_digit_titles(shared_data, name, vintage, rows):
    titles = naics.read_titles_file(shared_data / "naics" / name)
    assert titles.attrs["vintage"] == vintage
    assert len(titles) == rows
    by_code = dict(zip(titles["naics"], titles["title"], strict=True))
    assert by_code["336411"] == "Aircraft Manufacturing" and by_code["44-45"] == "Retail Trade"
    assert (titles["level"] == 6).sum() > 900


def test_titles_file_with_title_rows_and_a_bad_file(tmp_path):
    good = tmp_path / "titles.csv"
    good.write_text("My industry list\n\nindustry_code,industry_title\n"
                    '"336411","NAICS07 336411 Aircraft manufacturing"\n1013,Manufacturing\n',
                    encoding="utf-8")
    titles = naics.read_titles_file(good)
    assert titles["naics"].tolist() == ["336411", "1013"]
    assert titles["title"].tolist() == ["Aircraft manufacturing", "Manufacturing"]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportPlanError, match="code and a title"):
        naics.read_titles_file(bad)
    with pytest.raises(ExportPlanError, match="not found"):
        naics.read_titles_file(tmp_path / "missing.csv")


# --------------------------------------------------------------------------- OMB

@pytest.fixture(scope="module")
def delineation(shared_data):
    return omb.read_delineation(shared_data / REAL_DELINEATION)


def test_columbus_has_ten_counties(delineation):
    counties = omb.cbsa_counties(delineation, "18140")
    assert len(counties) == 10
    assert {"39049", "39041", "39045", "39073"} <= set(counties)
    assert "39047" not in counties  # Fayette is outside the metro
    assert omb.cbsa_counties(delineation, "C1814") == counties  # the QCEW MSA code
    assert omb.cbsa_counties(delineation, 18140) == counties


def test_real_delineation_columns_and_codes(delineation):
    assert list(delineation.columns) == omb.COLUMNS
    assert len(delineation) == 1915  # county rows; the note and source lines are skipped
    assert delineation["county_fips"].str.fullmatch(r"\d{5}").all()
    assert delineation["cbsa_code"].str.fullmatch(r"\d{5}").all()
    assert delineation["metro_micro"].value_counts().to_dict() == {"metro": 1252, "micro": 663}
    assert set(delineation["central_outlying"]) == {"central", "outlying"}
    franklin = delineation[delineation["county_fips"] == "39049"].iloc[0]
    assert (franklin["csa_code"], franklin["cbsa_title"]) == ("198", "Columbus, OH")


def test_unknown_cbsa_suggests_near_matches(delineation):
    with pytest.raises(ExportPlanError) as err:
        omb.cbsa_counties(delineation, "18150")
    assert "18150" in str(err.value) and "not in the delineation" in str(err.value)
    assert "18140 Columbus, OH" in str(err.value)
    with pytest.raises(ExportPlanError, match="18140 Columbus, OH"):
        omb.cbsa_counties(delineation, "Columbus, OH")


def _official_workbook(path):
    """A workbook laid out like the Census file: 2 title rows, header, data, note lines."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 1"
    sheet.append(["List 1. Core Based Statistical Areas (CBSAs), Metropolitan Divisions, and "
                  "Combined Statistical Areas (CSAs)"])
    sheet.append(["July 2023"])
    sheet.append(OMB_HEADER)
    for row in OMB_ROWS:
        sheet.append(row)
    sheet.append([])
    sheet.append(["Note: The Office of Management and Budget's (OMB's) 2020 Standards ..."])
    sheet.append(["Source: File prepared by U.S. Census Bureau, Population Division ..."])
    book.save(path)
    return path


def test_official_layout_with_title_and_note_rows(tmp_path):
    frame = omb.read_delineation(_official_workbook(tmp_path / "list1_2023.xlsx"))
    assert frame["county_fips"].tolist() == ["39049", "39073", "01095"]  # numbers zero-padded
    assert frame["csa_code"].tolist() == ["198", "198", ""]
    assert frame["metro_micro"].tolist() == ["metro", "metro", "micro"]
    assert omb.cbsa_counties(frame, "10700") == ["01095"]


def test_csv_of_the_same_columns(tmp_path):
    path = tmp_path / "list1.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(OMB_HEADER)
        writer.writerows([["" if v is None else v for v in row] for row in OMB_ROWS])
    frame = omb.read_delineation(path)
    assert omb.cbsa_counties(frame, "18140") == ["39049", "39073"]
    frame.to_csv(tmp_path / "canonical.csv", index=False)  # exportplan's own layout reads back
    assert omb.read_delineation(tmp_path / "canonical.csv")["county_fips"].tolist() == [
        "39049", "39073", "01095"]


def test_wrong_files_are_explained(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportPlanError, match="CBSA Code"):
        omb.read_delineation(other)
    old = tmp_path / "list1.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ExportPlanError, match="save it as .xlsx"):
        omb.read_delineation(old)


def test_delineation_url_is_the_2023_census_file():
    assert omb.DELINEATION_URL.startswith("https://www2.census.gov/programs-surveys/metro-micro/")
    assert omb.DELINEATION_URL.endswith("2023/delineation-files/list1_2023.xlsx")


def test_download_is_checked_and_cached(replay_server, tmp_path):  # noqa: F811
    body = _official_workbook(tmp_path / "served.xlsx").read_bytes()
    replay_server.add("/list1_2023.xlsx", body)
    url = replay_server.url("/list1_2023.xlsx")
    first = omb.download_delineation(tmp_path / "cache", url=url, retries=0, progress=False)
    again = omb.download_delineation(tmp_path / "cache", url=url, retries=0, progress=False)
    assert first == again and replay_server.hits("/list1_2023.xlsx") == 1
    assert omb.cbsa_counties(omb.read_delineation(first), "18140") == ["39049", "39073"]


def test_an_error_page_is_not_cached(replay_server, tmp_path):  # noqa: F811
    replay_server.add("/list1_2023.xlsx", b"<html><body>Service unavailable</body></html>")
    with pytest.raises(DownloadError):
        omb.download_delineation(tmp_path / "cache", url=replay_server.url("/list1_2023.xlsx"),
                                 retries=0, progress=False)
    assert not list((tmp_path / "cache").glob("*.xlsx"))


# --------------------------------------------------------------------------- NAICS title files that are wrong

def _titles_book(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize(("name", "content", "words"), [
    ("bad.xlsx", b"not a zip at all", "not a readable XLSX"),
    ("bad.xlsx", b"PK\x03\x04 a cut-off zip", "not a readable XLSX"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Excel"),
    ("titles.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Excel"),
    ("titles.csv", b"industry_code,industry_title\n10,Total\x00\x00\x00\n", "binary"),
])
def test_unreadable_title_files_are_explained(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExportPlanError, match=words) as err:
        naics.read_titles_file(path)
    assert name in str(err.value) and "CSV" in str(err.value)


def test_a_damaged_workbook_is_explained(tmp_path):
    good = _titles_book(tmp_path / "good.xlsx", [["2022 NAICS US Code", "2022 NAICS US Title"],
                                                  [336411, "Aircraft Manufacturing"]])
    assert naics.read_titles_file(good)["naics"].tolist() == ["336411"]
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ExportPlanError, match="cut.xlsx is not a readable XLSX"):
        naics.read_titles_file(cut)
    renamed = tmp_path / "titles.csv"  # a workbook saved with a .csv name is still read as one
    renamed.write_bytes(good.read_bytes())
    assert naics.read_titles_file(renamed)["naics"].tolist() == ["336411"]


def test_bad_codes_are_reported_with_their_lines(tmp_path):
    path = tmp_path / "titles.csv"
    path.write_text("industry_code,industry_title\n10,Total\n31-33,Manufacturing\n3364111,Seven digits\n"
                    "33641X,A letter\n336411,\n1,One digit\n336412,Aircraft engines\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        naics.read_titles_file(path)
    found = [(p.row, p.column, p.value) for p in err.value.table.problems]
    assert found == [(4, "industry_code", "3364111"), (5, "industry_code", "33641X"),
                     (6, "industry_title", ""), (7, "industry_code", "1")]
    assert all(p.file == "titles.csv" and p.fix for p in err.value.table.problems)


def test_bad_codes_in_a_workbook_are_reported_with_their_rows(tmp_path):
    rows = [["Census NAICS codes"], [], ["2022 NAICS US Code", "2022 NAICS US Title"],
            [336411, "Aircraft Manufacturing"], ["3364-11", "Bad code"]]
    path = _titles_book(tmp_path / "codes.xlsx", rows)
    with pytest.raises(ImportFailed) as err:
        naics.read_titles_file(path)
    assert [(p.row, p.value) for p in err.value.table.problems] == [(5, "3364-11")]
