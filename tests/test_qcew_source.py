"""BLS QCEW reader, URLs and slice downloads: real files, hand-written bad files, local replay."""
from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from replay import Route

from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.sources import qcew as qcew_module
from exportplan.sources.download import DownloadFailed
from exportplan.sources.qcew import (
    CANONICAL_SCHEMA,
    check_qcew_file,
    download_area_slices,
    industry_slice_url,
    naics_vintage,
    qcew_provenance,
    qcew_slice_url,
    read_qcew,
    scan_qcew,
)

REAL_FILES = {  # file name -> expected layout
    "qcew/bls_qcew_2020_annual_area_39041.csv": "annual-slice",
    "qcew/bls_qcew_2020_annual_area_39045.csv": "annual-slice",
    "qcew/bls_qcew_2020_annual_area_39047.csv": "annual-slice",
    "qcew/bls_qcew_2020_annual_area_39049.csv": "annual-slice",
    "qcew/bls_qcew_2020_annual_area_39073.csv": "annual-slice",
    "qcew/bls_qcew_2019_q1_area_US000.csv": "quarterly-slice",
    "qcew/bls_qcew_2024_q1_area_US000.csv": "quarterly-slice",
    "api-responses/bls_qcew/bls_qcew_2016_q1-q4_by_area_C1814_columbus_oh_msa.csv": "quarterly-by-area",
}
BY_AREA = "api-responses/bls_qcew/bls_qcew_2016_q1-q4_by_area_C1814_columbus_oh_msa.csv"
NOT_QCEW_DATA = {"bls_qcew_area_titles_2018.csv"}  # a code list, not a data file

ANNUAL_HEADER = ("area_fips,own_code,industry_code,agglvl_code,size_code,year,qtr,disclosure_code,"
                 "annual_avg_estabs,annual_avg_emplvl,total_annual_wages,avg_annual_pay,"
                 "lq_disclosure_code,lq_annual_avg_emplvl")
ROWS = [
    "39049,0,10,70,0,2020,A,,34674,727016,45718355278,62885,,1.00",
    "39049,5,336411,78,0,2020,A,,3,140,9800000,70000,,0.35",
    "39049,5,3364,76,0,2020,A,N,2,0,0,0,N,0.00",
]


def raw(path: Path) -> pl.DataFrame:
    """The file exactly as text, for independent comparisons."""
    return pl.read_csv(path, infer_schema=False)


def write(tmp_path: Path, text: str, name: str = "input.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def problems(excinfo) -> list[dict]:
    return excinfo.value.table.to_records()


# --------------------------------------------------------------------------- real files

def test_every_qcew_csv_in_the_shared_folders_is_covered(shared_data):
    found = {str(p.relative_to(shared_data)) for p in (shared_data / "qcew").glob("*.csv")}
    found |= {str(p.relative_to(shared_data)) for p in (shared_data / "api-responses/bls_qcew").glob("*.csv")}
    assert found - {f"qcew/{n}" for n in NOT_QCEW_DATA} == set(REAL_FILES)


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_file_reads_into_the_canonical_frame(shared_data, name):
    path = shared_data / name
    frame, text = read_qcew(path), raw(path)
    assert frame.schema == CANONICAL_SCHEMA
    assert frame.height == text.height
    assert frame.get_column("layout").unique().to_list() == [REAL_FILES[name]]
    assert frame.get_column("area_fips").to_list() == text.get_column("area_fips").to_list()
    assert frame.get_column("industry_code").to_list() == text.get_column("industry_code").to_list()
    assert set(frame.get_column("own_code").unique()) <= {"0", "1", "2", "3", "5", "8", "9"}
    assert "0" in frame.get_column("own_code").to_list()  # codes stay text: '0', not 0


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_withheld_cells_are_null_but_keep_establishments(shared_data, name):
    path = shared_data / name
    frame = read_qcew(path)
    estabs_col = next(c for c in raw(path).columns if "estabs" in c and not c.startswith(("lq", "oty")))
    published_estabs = raw(path).get_column(estabs_col).cast(pl.Int64)
    withheld = frame.filter(pl.col("disclosure_code") == "N")
    assert withheld.height > 100
    for col in ("emplvl", "total_wages", "avg_annual_pay", "bls_lq_emplvl"):
        assert withheld.get_column(col).null_count() == withheld.height
    assert frame.get_column("estabs").to_list() == published_estabs.to_list()
    assert (withheld.get_column("estabs") > 0).sum() > 0.9 * withheld.height
    disclosed = frame.filter(pl.col("disclosure_code") == "")
    assert disclosed.get_column("emplvl").null_count() == 0
    assert set(frame.get_column("disclosure_code").unique()) == {"", "N"}


def test_annual_slice_values_and_published_lq(shared_data):
    frame = read_qcew(shared_data / "qcew/bls_qcew_2020_annual_area_39049.csv")
    total = frame.filter(pl.col("own_code") == "0", pl.col("industry_code") == "10").row(0, named=True)
    assert total["emplvl"] == 727016 and total["estabs"] == 34674
    assert total["total_wages"] == 45718355278 and total["avg_annual_pay"] == 62885
    assert total["bls_lq_emplvl"] == 1.0 and total["year"] == 2020 and total["qtr"] == "A"
    text = raw(shared_data / "qcew/bls_qcew_2020_annual_area_39049.csv")
    shown = text.filter(pl.col("lq_disclosure_code").is_null()).get_column("lq_annual_avg_emplvl")
    got = frame.filter(pl.col("bls_lq_emplvl").is_not_null()).get_column("bls_lq_emplvl")
    assert got.to_list() == shown.cast(pl.Float64).to_list()
    sectors = frame.filter(pl.col("agglvl_code") == "74").get_column("industry_code")
    assert "31-33" in sectors.to_list()


def test_quarterly_employment_is_the_mean_of_the_three_months(shared_data):
    path = shared_data / "qcew/bls_qcew_2024_q1_area_US000.csv"
    frame, text = read_qcew(path), raw(path)
    months = text.select(pl.col("month1_emplvl", "month2_emplvl", "month3_emplvl").cast(pl.Float64))
    expected = (months.sum_horizontal() / 3).to_list()
    disclosed = (frame.get_column("disclosure_code") == "").to_list()
    got = frame.get_column("emplvl").to_list()
    assert all(g == pytest.approx(e) for g, e, d in zip(got, expected, disclosed) if d)
    assert frame.get_column("avg_annual_pay").null_count() == frame.height
    assert frame.get_column("qtr").unique().to_list() == ["1"]


def test_bulk_by_area_file_keeps_titles_and_bls_dash_means_withheld(shared_data):
    path = shared_data / BY_AREA
    frame, text = read_qcew(path), raw(path)
    assert frame.get_column("area_title").unique().to_list() == ["Columbus, OH MSA"]
    assert frame.get_column("industry_title").str.starts_with("NAICS").sum() > 7000
    assert sorted(frame.get_column("qtr").unique()) == ["1", "2", "3", "4"]
    dashes = (text.get_column("disclosure_code") == "-").to_list()
    assert sum(dashes) > 0
    assert all(d == "N" for d, dash in zip(frame.get_column("disclosure_code"), dashes) if dash)
    lq_months = text.select(pl.col("lq_month1_emplvl", "lq_month2_emplvl", "lq_month3_emplvl").cast(pl.Float64))
    total = frame.row(0, named=True)
    assert total["bls_lq_emplvl"] == pytest.approx(lq_months.row(0)[0])  # MSA total: 1.00


def test_scan_gives_the_same_frame_lazily(shared_data):
    path = shared_data / BY_AREA
    lazy = scan_qcew(path)
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(read_qcew(path))


def test_real_code_list_is_rejected_as_another_layout(shared_data):
    with pytest.raises(ImportFailed) as info:
        read_qcew(shared_data / "qcew/bls_qcew_area_titles_2018.csv")
    message = str(info.value)
    assert "not a BLS QCEW CSV" in message and "own_code" in message and "annual_avg_emplvl" in message
    assert problems(info)[0]["row"] == 1


def test_provenance_of_a_real_file(shared_data):
    path = shared_data / "qcew/bls_qcew_2020_annual_area_39047.csv"
    frame = read_qcew(path)
    prov = qcew_provenance(path, frame, url="https://data.bls.gov/cew/data/api/2020/a/area/39047.csv")
    assert prov["publisher"] == "U.S. Bureau of Labor Statistics" and prov["dataset"] == "QCEW"
    assert prov["vintage"] == "2020 annual" and prov["naics_vintage"] == "NAICS 2017"
    assert prov["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prov["rows"] == frame.height and prov["layout"] == "annual-slice"
    assert prov["url"].endswith("/39047.csv") and prov["retrieved_at"].endswith("+00:00")
    quarterly = read_qcew(shared_data / BY_AREA)
    assert qcew_provenance(shared_data / BY_AREA, quarterly)["vintage"] == "2016 Q1-Q4"


# --------------------------------------------------------------------------- hand-written files

def test_quoted_crlf_file_reads_like_unquoted(tmp_path):
    plain = write(tmp_path, "\n".join([ANNUAL_HEADER, *ROWS]) + "\n", "plain.csv")
    quoted_lines = [",".join(f'"{f}"' for f in line.split(",")) for line in [ANNUAL_HEADER, *ROWS]]
    quoted = write(tmp_path, "\r\n".join(quoted_lines) + "\r\n", "quoted.csv")
    assert read_qcew(plain).equals(read_qcew(quoted))
    assert read_qcew(plain).get_column("disclosure_code").to_list() == ["", "", "N"]


def test_leading_zeros_survive_and_bytes_input_works():
    text = "\n".join([ANNUAL_HEADER, ROWS[0].replace("39049", "01001").replace(",0,10,", ",0,10,")])
    frame = read_qcew(text.encode(), source_name="al.csv")
    assert frame.get_column("area_fips").to_list() == ["01001"]
    assert frame.get_column("size_code").to_list() == ["0"]


def test_lq_not_disclosed_is_null_even_when_employment_is_published():
    row = "39049,5,336411,78,0,2020,A,,3,140,9800000,70000,N,0.00"
    frame = read_qcew("\n".join([ANNUAL_HEADER, row]) + "\n")
    assert frame.get_column("emplvl").to_list() == [140.0]
    assert frame.get_column("bls_lq_emplvl").to_list() == [None]


def test_singlefile_layouts_with_count_names_and_no_lq_columns():
    header = ("area_fips,own_code,industry_code,agglvl_code,size_code,year,qtr,disclosure_code,"
              "qtrly_estabs_count,month1_emplvl,month2_emplvl,month3_emplvl,total_qtrly_wages")
    rows = ["39049,5,3364,76,0,2021,3,,10,100,110,120,5000000",
            "06037,5,3364,56,0,2021,3,,20,200,200,200,9000000"]
    frame = read_qcew("\n".join([header, *rows]) + "\n")
    assert frame.get_column("layout").unique().to_list() == ["quarterly-singlefile"]
    assert frame.get_column("emplvl").to_list() == [110.0, 200.0]
    assert frame.get_column("estabs").to_list() == [10, 20]
    assert frame.get_column("bls_lq_emplvl").null_count() == 2
    many = "\n".join([ANNUAL_HEADER, ROWS[0], ROWS[1].replace("39049", "06037")]) + "\n"
    assert read_qcew(many).get_column("layout").unique().to_list() == ["annual-singlefile"]


def test_file_of_another_layout_names_the_missing_columns(tmp_path):
    path = write(tmp_path, "state,naics,employment\nOH,336411,140\n", "exports.csv")
    with pytest.raises(ImportFailed) as info:
        read_qcew(path)
    message = str(info.value)
    assert "exports.csv, line 1" in message and "not a BLS QCEW CSV" in message
    assert "area_fips" in message and "disclosure_code" in message and "nothing was written" in message


def test_empty_file(tmp_path):
    with pytest.raises(ImportFailed, match="input.csv: the file is empty"):
        read_qcew(write(tmp_path, ""))


def test_header_without_rows(tmp_path):
    with pytest.raises(ImportFailed, match="line 2: the file has a header but no data rows"):
        read_qcew(write(tmp_path, ANNUAL_HEADER + "\n"))


def test_truncated_last_line(tmp_path):
    path = write(tmp_path, "\n".join([ANNUAL_HEADER, ROWS[0], ROWS[1], ROWS[2][:20]]))
    with pytest.raises(ImportFailed) as info:
        read_qcew(path)
    [problem] = problems(info)
    assert problem["row"] == 4 and "last line is incomplete" in problem["problem"]
    assert "download it again" in problem["fix"]
    with pytest.raises(ImportFailed, match="last line is incomplete"):
        scan_qcew(path)
    with pytest.raises(ExportPlanError, match="last line is incomplete"):
        check_qcew_file(path)


def test_line_with_extra_fields(tmp_path):
    path = write(tmp_path, "\n".join([ANNUAL_HEADER, ROWS[0] + ",99", ROWS[1]]) + "\n")
    with pytest.raises(ImportFailed, match="line 2: this line has 15 fields but the header has 14"):
        read_qcew(path)


def test_non_numeric_count_names_line_column_and_value(tmp_path):
    path = write(tmp_path, "\n".join([ANNUAL_HEADER, ROWS[0], ROWS[1].replace(",140,", ",12a,")]) + "\n")
    with pytest.raises(ImportFailed) as info:
        read_qcew(path)
    [problem] = problems(info)
    assert (problem["row"], problem["column"], problem["value"]) == (3, "annual_avg_emplvl", "12a")
    assert problem["problem"] == "not a number" and problem["file"] == "input.csv"


def test_fractional_establishment_count_is_rejected():
    text = "\n".join([ANNUAL_HEADER, ROWS[1].replace(",3,140,", ",2.5,140,")]) + "\n"
    with pytest.raises(ImportFailed, match="establishment count is not a whole number"):
        read_qcew(text)


def test_unknown_area_codes(tmp_path):
    rows = [ROWS[0].replace("39049", "9049"), ROWS[1].replace("39049", "XX123"), ROWS[2]]
    with pytest.raises(ImportFailed) as info:
        read_qcew(write(tmp_path, "\n".join([ANNUAL_HEADER, *rows]) + "\n"))
    first, second = problems(info)
    assert (first["row"], first["column"], first["value"]) == (2, "area_fips", "9049")
    assert "leading zero" in first["fix"] and "'09049'" in first["fix"]
    assert (second["row"], second["value"]) == (3, "XX123") and "C1814" in second["fix"]


@pytest.mark.parametrize(("column", "old", "new", "words"), [
    ("own_code", ",5,336411,", ",7,336411,", "unknown ownership code"),
    ("qtr", ",A,,3,", ",2,,3,", "quarter is not A"),
    ("year", ",2020,", ",20x0,", "not a valid year"),
    ("year", ",2020,", ",1890,", "not a valid year"),
    ("disclosure_code", ",A,,3,", ",A,X,3,", "unknown disclosure code"),
])
def test_bad_codes(column, old, new, words):
    text = "\n".join([ANNUAL_HEADER, ROWS[0], ROWS[1].replace(old, new, 1)]) + "\n"
    with pytest.raises(ImportFailed) as info:
        read_qcew(text, source_name="codes.csv")
    [problem] = problems(info)
    assert (problem["row"], problem["column"]) == (3, column) and words in problem["problem"]


def test_many_bad_lines_are_summarised():
    rows = [ROWS[1].replace(",140,", ",x,")] * 25
    with pytest.raises(ImportFailed) as info:
        read_qcew("\n".join([ANNUAL_HEADER, *rows]) + "\n")
    records = problems(info)
    assert [r["row"] for r in records[:10]] == list(range(2, 12))
    assert records[10]["problem"] == "not a number: 15 more lines like the ones above"


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    text = "\n".join([ANNUAL_HEADER, ROWS[0], "", ROWS[1].replace("39049", "3904X")]) + "\n\n"
    with pytest.raises(ImportFailed) as info:
        read_qcew(text)
    assert [(r["row"], r["value"]) for r in problems(info)] == [(4, "3904X")]
    assert read_qcew("\n".join([ANNUAL_HEADER, ROWS[0], "", ROWS[1]]) + "\n\n").height == 2


@pytest.mark.parametrize(("content", "words"), [
    (b"PK\x03\x04\x14\x00rest-of-a-zip", "ZIP or Excel file"),
    (b"<!DOCTYPE html><html><body>Access Denied</body></html>", r"web page \(HTML\)"),
])
def test_zip_and_html_are_recognised(content, words):
    with pytest.raises(ImportFailed, match=words):
        read_qcew(content)


# --------------------------------------------------------------------------- typed fast path, lazy scan

SINGLEFILE = [  # two counties, several industries: the annual single-file layout
    "01001,0,10,70,0,2020,A,,1500,20000,1000000000,50000,,1.00",
    "01001,5,3364,76,0,2020,A,N,2,0,0,0,N,0.00",
    "01001,5,336411,78,0,2020,A,,3,140,9800000,70000,,0.35",
    "39049,0,10,70,0,2020,A,,34674,727016,45718355278,62885,,1.00",
    "39049,5,3364,76,0,2020,A,-,2,0,0,0,-,0.00",
    "39049,5,336411,78,0,2020,A,,3,140,9800000,70000,N,0.00",
]


def text_path(path: Path) -> pl.DataFrame:
    """The checked text path of read_qcew, which the typed path must reproduce on clean files."""
    header = qcew_module._header(path)
    return qcew_module._read_checked(path, path.name, header, qcew_module._detect(set(header)))


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_typed_path_reads_real_files_exactly_like_the_text_path(shared_data, name):
    path = shared_data / name
    header = qcew_module._header(path)
    typed = qcew_module._read_typed(path, header, qcew_module._detect(set(header)))
    assert typed is not None  # clean official files take the fast path
    assert typed.equals(text_path(path))
    assert read_qcew(path).equals(typed) and scan_qcew(path).collect().equals(typed)


def test_padded_and_lower_case_codes_take_the_text_path(tmp_path):
    clean = write(tmp_path, "\n".join([ANNUAL_HEADER, *ROWS]) + "\n", "clean.csv")
    padded = [" 39049 , 0,10,70,0,2020,a,,34674,727016,45718355278,62885,,1.00",
              "39049,5,336411,78,0,2020,A, ,3,140,9800000,70000,,0.35",
              "39049,5,3364,76,0,2020,A,n,2,0,0,0,n,0.00"]
    untidy = write(tmp_path, "\n".join([ANNUAL_HEADER, *padded]) + "\n", "untidy.csv")
    frame = read_qcew(untidy)
    assert frame.equals(read_qcew(clean))
    assert frame.get_column("disclosure_code").to_list() == ["", "", "N"]
    assert frame.get_column("emplvl").to_list() == [727016.0, 140.0, None]


def test_scan_parses_only_what_the_query_uses_and_filters_while_reading(tmp_path):
    rows = [*SINGLEFILE[:2], SINGLEFILE[2].replace(",140,", ",12a,"), *SINGLEFILE[3:]]
    path = write(tmp_path, "\n".join([ANNUAL_HEADER, *rows]) + "\n")
    areas = scan_qcew(path).filter(pl.col("industry_code") == "10").select("area_fips", "layout").collect()
    # the bad count is never parsed; layout still describes the whole file
    assert areas.rows() == [("01001", "annual-singlefile"), ("39049", "annual-singlefile")]
    clean = write(tmp_path, "\n".join([ANNUAL_HEADER, *SINGLEFILE]) + "\n", "clean.csv")
    query = scan_qcew(clean).filter(pl.col("area_fips") == "39049").select("industry_code", "emplvl", "layout")
    assert query.collect().equals(read_qcew(clean).filter(pl.col("area_fips") == "39049")
                                  .select("industry_code", "emplvl", "layout"))
    assert scan_qcew(clean).head(2).collect().get_column("industry_code").to_list() == ["10", "3364"]
    assert scan_qcew(clean).select(pl.len()).collect().item() == 6


def test_scan_keeps_withheld_cells_missing(tmp_path):
    path = write(tmp_path, "\n".join([ANNUAL_HEADER, *SINGLEFILE, SINGLEFILE[1].replace(",N,", ",n,")]) + "\n")
    frame = scan_qcew(path).collect()
    assert frame.get_column("disclosure_code").to_list() == ["", "N", "", "", "N", "", "N"]
    withheld = frame.filter(pl.col("disclosure_code") == "N")
    for col in ("emplvl", "total_wages", "avg_annual_pay", "bls_lq_emplvl"):
        assert withheld.get_column(col).null_count() == 3  # never BLS's placeholder 0
    assert withheld.get_column("estabs").to_list() == [2, 2, 2]
    # an LQ not disclosed is missing even where employment is published
    assert frame.row(5, named=True)["emplvl"] == 140.0 and frame.row(5, named=True)["bls_lq_emplvl"] is None
    assert frame.get_column("bls_lq_emplvl").to_list()[:3] == [1.0, None, 0.35]


def test_scan_reports_a_bad_number_with_its_line_when_collected(tmp_path):
    path = write(tmp_path, "\n".join([ANNUAL_HEADER, *SINGLEFILE[:4], SINGLEFILE[4].replace(",0,0,0,", ",0,x1,0,")]))
    lazy = scan_qcew(path)  # nothing is parsed yet
    with pytest.raises(ImportFailed) as info:
        lazy.collect()
    [problem] = problems(info)
    assert (problem["row"], problem["column"], problem["value"]) == (6, "total_annual_wages", "x1")
    assert problem["problem"] == "not a number"


def test_scan_reads_thousands_separators_through_the_text_path(tmp_path):
    rows = [SINGLEFILE[0].replace(",20000,", ',"20,000",'), *SINGLEFILE[1:], ""]
    frame = scan_qcew(write(tmp_path, "\n".join([ANNUAL_HEADER, *rows]) + "\n")).collect()
    assert frame.get_column("emplvl").to_list()[:3] == [20000.0, None, 140.0]
    assert frame.height == 6  # and the blank line is skipped


def test_scan_skips_blank_lines(tmp_path):
    path = write(tmp_path, "\n".join([ANNUAL_HEADER, SINGLEFILE[0], "", SINGLEFILE[2]]) + "\n\n")
    frame = scan_qcew(path).collect()
    assert frame.get_column("industry_code").to_list() == ["10", "336411"]
    assert frame.equals(read_qcew(path))


# --------------------------------------------------------------------------- URLs and downloads

def test_slice_urls():
    assert qcew_slice_url(2020, "A", "c1814") == "https://data.bls.gov/cew/data/api/2020/a/area/C1814.csv"
    assert qcew_slice_url(2019, 1, "us000", base_url="http://x/api/") == "http://x/api/2019/1/area/US000.csv"
    assert industry_slice_url(2015, 1, "31-33").endswith("/2015/1/industry/31_33.csv")
    with pytest.raises(ExportPlanError, match="'09049'"):
        qcew_slice_url(2020, "a", "9049")
    with pytest.raises(ExportPlanError, match="not a QCEW period"):
        qcew_slice_url(2020, 5, "39049")
    assert [naics_vintage(y) for y in (2024, 2020, 2016, 2008, 1995, 1980)] == [
        "NAICS 2022", "NAICS 2017", "NAICS 2012", "NAICS 2007", "NAICS 2002", "SIC"]


def _serve_slices(server, shared_data, areas=("39049", "39041")):
    for area in areas:
        server.add_file(f"/cew/data/api/2020/a/area/{area}.csv",
                        shared_data / f"qcew/bls_qcew_2020_annual_area_{area}.csv",
                        content_type="text/csv")
    return server.url("/cew/data/api")


def test_download_area_slices_caches_and_reads(replay_server, shared_data, tmp_path):
    base = _serve_slices(replay_server, shared_data)
    paths = download_area_slices(["39049", "39041"], [2020], tmp_path, base_url=base, timeout=2,
                                 retries=0, progress=False)
    assert [p.read_bytes() for p in paths] == [
        (shared_data / f"qcew/bls_qcew_2020_annual_area_{a}.csv").read_bytes() for a in ("39049", "39041")]
    assert download_area_slices(["39049"], [2020], tmp_path, base_url=base, progress=False) == paths[:1]
    assert replay_server.hits() == 2  # the second call came from the cache
    frame = read_qcew(paths[0])
    prov = qcew_provenance(paths[0], frame)
    assert prov["url"] == f"{base}/2020/a/area/39049.csv" and prov["vintage"] == "2020 annual"


def test_download_order_is_year_then_area(replay_server, tmp_path):
    for year in (2019, 2020):
        for area in ("39049", "39041"):
            row = ROWS[0].replace("39049", area).replace("2020", str(year))
            replay_server.add(f"/api/{year}/a/area/{area}.csv", f"{ANNUAL_HEADER}\n{row}\n")
    paths = download_area_slices(["39049", "39041"], [2019, 2020], tmp_path,
                                 base_url=replay_server.url("/api"), retries=0, progress=False)
    units = [read_qcew(p).select("year", "area_fips").row(0) for p in paths]
    assert units == [(2019, "39049"), (2019, "39041"), (2020, "39049"), (2020, "39041")]


def test_missing_slice_says_bls_has_no_file(replay_server, tmp_path):
    with pytest.raises(DownloadFailed) as info:
        download_area_slices(["39049"], [2012], tmp_path, base_url=replay_server.url("/api"),
                             retries=2, progress=False)
    message = str(info.value)
    assert "BLS has no file for area 39049 year 2012" in message and "bulk files" in message
    assert replay_server.hits() == 1 and list(tmp_path.iterdir()) == []


def test_slice_for_the_wrong_area_is_not_cached(replay_server, shared_data, tmp_path):
    replay_server.add_file("/api/2020/a/area/39049.csv", shared_data / "qcew/bls_qcew_2020_annual_area_39041.csv")
    with pytest.raises(DownloadFailed, match="is for area '39041', not '39049'"):
        download_area_slices(["39049"], [2020], tmp_path, base_url=replay_server.url("/api"),
                             retries=0, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_cut_short_slice_with_honest_length_is_caught_by_validation(replay_server, shared_data, tmp_path):
    body = (shared_data / "qcew/bls_qcew_2020_annual_area_39049.csv").read_bytes()
    replay_server.add("/api/2020/a/area/39049.csv", Route(body=body[: len(body) // 2]))
    with pytest.raises(DownloadFailed, match="last line is incomplete"):
        download_area_slices(["39049"], [2020], tmp_path, base_url=replay_server.url("/api"),
                             retries=0, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_html_error_page_is_not_cached(replay_server, tmp_path):
    replay_server.add("/api/2020/a/area/39049.csv", b"<html><body>Request blocked</body></html>")
    with pytest.raises(DownloadFailed, match="web page"):
        download_area_slices(["39049"], [2020], tmp_path, base_url=replay_server.url("/api"),
                             retries=0, progress=False)
    assert list(tmp_path.iterdir()) == []
