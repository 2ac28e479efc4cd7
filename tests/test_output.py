"""Table writers (CSV, XLSX, JSON) and the terminal table renderer."""
from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportplan.errors import ExportPlanError
from exportplan.output import tables
from exportplan.output.tables import (FORMATS, column_format, neutralise, render_text_table,
                                      write_table)

META = {
    "title": "Industry clusters, Example County",
    "sources": [{"publisher": "BLS", "dataset": "QCEW", "vintage": "2023 annual",
                 "file/url": "https://data.bls.gov/cew/data/api/2023/a/area/39049.csv"}],
    "notes": ["Withheld cells are missing, never zero."],
    "sample_data": True,
    "withheld_share": np.float64(0.125),
}


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "naics": pd.array(["01", "=SUM(A1:A9)", "-cmd", "336"], dtype="string"),
        "name": ["Agriculture", "+danger", "@import", None],
        "employment": [12345.0, np.nan, 3.0, -4.0],
        "lq": [1.2345, np.nan, 0.5, 2.0],
        "emp_growth": [0.12, -0.05, np.nan, 0.0],
        "estabs": pd.array([10, None, 3, 4], dtype="Int64"),
        "year": np.array([2023] * 4, dtype=np.int64),
        "target": [True, False, True, False],
    })


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- CSV


def test_csv_round_trip_keeps_codes_and_missing_as_empty(tmp_path, frame):
    out = write_table(frame, tmp_path / "t.csv", meta=META)
    assert out == tmp_path / "t.csv"
    raw = out.read_text(encoding="utf-8")
    assert "QCEW" not in raw  # CSV is data only; meta goes to XLSX and JSON
    back = pd.read_csv(out, dtype={"naics": str, "name": str}, keep_default_na=False)
    assert back.columns.tolist() == frame.columns.tolist()
    assert back["naics"].tolist() == ["01", "'=SUM(A1:A9)", "'-cmd", "336"]
    assert back["name"].tolist() == ["Agriculture", "'+danger", "'@import", ""]
    # missing numbers are empty cells; negative numbers are untouched
    assert raw.splitlines()[2].split(",")[2:4] == ["", ""]
    assert pd.read_csv(out)["employment"].tolist()[3] == -4.0


def test_csv_named_index_becomes_a_column(tmp_path):
    df = pd.DataFrame({"v": [1, 2]}, index=pd.Index(["06", "48"], name="state_fips"))
    out = write_table(df, tmp_path / "t.csv")
    back = pd.read_csv(out, dtype=str)
    assert back.to_dict("list") == {"state_fips": ["06", "48"], "v": ["1", "2"]}


# --------------------------------------------------------------------------- XLSX


def test_xlsx_data_sheet_types_formats_and_safety(tmp_path, frame):
    out = write_table(frame, tmp_path / "t.xlsx", meta=META, sheet="clusters")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["clusters", "sources"]
    ws = wb["clusters"]
    assert [c.value for c in ws[1]] == frame.columns.tolist()
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    naics = ws.cell(row=2, column=1)
    assert naics.value == "01" and naics.data_type == "s" and naics.number_format == "@"
    assert [r[0] for r in rows] == ["01", "'=SUM(A1:A9)", "'-cmd", "336"]
    assert [r[1] for r in rows] == ["Agriculture", "'+danger", "'@import", None]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert [r[2] for r in rows] == [12345, None, 3, -4]  # numbers stay numbers, negatives intact
    assert ws.cell(row=2, column=3).data_type == "n"
    assert [r[5] for r in rows] == [10, None, 3, 4]
    assert [r[7] for r in rows] == [True, False, True, False]
    formats = {ws.cell(row=1, column=j).value: ws.cell(row=2, column=j).number_format for j in range(1, 8)}
    assert formats["employment"] == "#,##0"
    assert formats["lq"] == "0.00"
    assert formats["emp_growth"] == "0.0%"
    assert formats["year"] == "0"
    assert ws.column_dimensions["B"].width > len("Agriculture")


def test_xlsx_sources_sheet_carries_meta(tmp_path, frame):
    out = write_table(frame, tmp_path / "t.xlsx", meta=META)
    rows = list(openpyxl.load_workbook(out)["sources"].iter_rows(values_only=True))
    cells = [c for r in rows for c in r if c is not None]
    assert "Industry clusters, Example County" in cells
    assert 0.125 in cells
    header = next(r for r in rows if r[0] == "publisher")
    record = rows[rows.index(header) + 1]
    assert dict(zip(header, record))["vintage"] == "2023 annual"
    assert dict(zip(header, record))["file/url"].endswith("39049.csv")
    assert "Withheld cells are missing, never zero." in cells
    assert any(isinstance(c, str) and c.startswith("yes") for c in cells)  # sample data flag


def test_xlsx_without_meta_says_so(tmp_path):
    out = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx")
    first = openpyxl.load_workbook(out)["sources"]["A1"].value
    assert "No source information" in first


def test_xlsx_dates_and_control_characters(tmp_path):
    df = pd.DataFrame({"when": pd.to_datetime(["2024-01-31", None]),
                       "note": ["bell\x07 here", "ok"]})
    ws = openpyxl.load_workbook(write_table(df, tmp_path / "t.xlsx"))["data"]
    assert ws["A2"].value.date().isoformat() == "2024-01-31"
    assert ws["A3"].value is None
    assert ws["B2"].value == "bell here"


@pytest.mark.parametrize("sheet", ["", "x" * 32, "a/b", "sources"])
def test_xlsx_bad_sheet_names_fail_clearly_and_leave_nothing(tmp_path, sheet):
    with pytest.raises(ExportPlanError, match="[Ss]heet name"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx", sheet=sheet)
    assert _leftovers(tmp_path) == []


def test_xlsx_explicit_formats_override_convention(tmp_path):
    df = pd.DataFrame({"share_pts": [12.5]})
    ws = openpyxl.load_workbook(write_table(df, tmp_path / "t.xlsx", formats={"share_pts": ".1f"}))["data"]
    assert ws["A2"].number_format == "0.0"


# --------------------------------------------------------------------------- JSON


def test_json_structure_nulls_and_numpy_types(tmp_path, frame):
    df = frame.assign(ratio=[np.inf, 1.0, 2.0, -np.inf],
                      when=pd.to_datetime(["2024-03-01", None, "2024-03-02", "2024-03-03"]))
    out = write_table(df, tmp_path / "t.json", meta=META)
    with open(out, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert set(doc) == {"meta", "columns", "rows"}
    assert doc["meta"]["sources"][0]["vintage"] == "2023 annual"
    assert doc["meta"]["withheld_share"] == 0.125
    assert doc["columns"] == df.columns.tolist()
    first, second = doc["rows"][0], doc["rows"][1]
    assert first["naics"] == "01" and first["year"] == 2023 and isinstance(first["year"], int)
    assert first["estabs"] == 10 and first["target"] is True
    assert second["employment"] is None and second["lq"] is None and second["estabs"] is None
    assert first["ratio"] is None and doc["rows"][3]["ratio"] is None  # infinities are not JSON
    assert doc["rows"][3]["employment"] == -4.0
    assert second["naics"] == "=SUM(A1:A9)"  # JSON is not a spreadsheet: text kept exactly
    assert first["when"].startswith("2024-03-01") and second["when"] is None


def test_json_empty_frame(tmp_path):
    out = write_table(pd.DataFrame({"a": pd.Series([], dtype=float)}), tmp_path / "t.json")
    assert json.loads(out.read_text()) == {"meta": {}, "columns": ["a"], "rows": []}


# --------------------------------------------------------------------------- formats and errors


def test_polars_frames_are_accepted(tmp_path):
    import polars as pl

    df = pl.DataFrame({"naics": ["01", "336"], "lq": [1.5, None]})
    back = json.loads(write_table(df, tmp_path / "t.json").read_text())
    assert back["rows"] == [{"naics": "01", "lq": 1.5}, {"naics": "336", "lq": None}]
    assert "336" in render_text_table(df)
    with pytest.raises(ExportPlanError, match="pandas or polars"):
        write_table([[1, 2]], tmp_path / "t.csv")


def test_registry_and_explicit_format(tmp_path):
    assert set(FORMATS) == {"csv", "xlsx", "json"}
    out = write_table(pd.DataFrame({"a": [1]}), tmp_path / "table.txt", fmt="JSON")
    assert json.loads(out.read_text())["rows"] == [{"a": 1}]


def test_unknown_format_lists_choices(tmp_path):
    with pytest.raises(ExportPlanError, match="csv, json, xlsx"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.parquet")
    with pytest.raises(ExportPlanError, match="'html'"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv", fmt="html")
    assert _leftovers(tmp_path) == []


def test_duplicate_columns_rejected(tmp_path):
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ExportPlanError, match="duplicate column"):
        write_table(df, tmp_path / "t.json")


def test_failed_write_leaves_no_partial_file_and_keeps_old_one(tmp_path, monkeypatch):
    target = tmp_path / "t.csv"
    write_table(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()

    def broken(df, tmp, **_):
        tmp.write_text("a\n1\n2\n")  # a partial file, then a failure
        raise RuntimeError("disk vanished")

    monkeypatch.setitem(FORMATS, "csv", broken)
    with pytest.raises(RuntimeError):
        write_table(pd.DataFrame({"a": [1, 2, 3]}), target)
    assert target.read_bytes() == before
    with pytest.raises(RuntimeError):
        write_table(pd.DataFrame({"a": [1, 2, 3]}), tmp_path / "new.csv")
    assert _leftovers(tmp_path) == ["t.csv"]


def test_unwritable_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportPlanError, match="Could not write"):
        write_table(pd.DataFrame({"a": [1]}), blocker / "t.csv")


def test_creates_missing_folders(tmp_path):
    out = write_table(pd.DataFrame({"a": [1]}), tmp_path / "x" / "y" / "t.csv")
    assert out.exists()


# --------------------------------------------------------------------------- neutralising


@pytest.mark.parametrize("text, safe", [
    ("=1+2", "'=1+2"), ("+A1", "'+A1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-3.5", "-3.5"), ("+12", "+12"), ("1e-3", "1e-3"),
    ("abc", "abc"), ("", ""),
])
def test_neutralise(text, safe):
    assert neutralise(text) == safe


def test_neutralise_leaves_numbers_alone():
    assert neutralise(-3) == -3
    assert neutralise(np.float64(-2.5)) == -2.5


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                        max_size=12), min_size=1, max_size=5))
def test_csv_text_round_trips_except_for_the_quote(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    write_table(pd.DataFrame({"t": texts}), path)
    # skip_blank_lines=False: pandas otherwise drops a row holding only white space (the file keeps it)
    back = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)["t"].tolist()
    for original, read in zip(texts, back):
        assert read == neutralise(original)
        if read != original:
            assert read == "'" + original and original[0] in "=+-@\t\r"


# --------------------------------------------------------------------------- text tables


def test_column_format_conventions():
    assert column_format("lq") == ".2f"
    assert column_format("emp_growth_2018_2023") == ".1%"
    assert column_format("employment") == ",.0f"
    assert column_format("contrib_lq") == ".3f"  # a part of a score, not an LQ
    assert column_format("score") == ".3f"
    assert column_format("year") == "d"
    assert column_format("name", pd.Series(["a"])) is None
    assert column_format("x", pd.Series([1, 2])) == ",.0f"
    assert column_format("x", pd.Series([1.5]), floatfmt=".4f") == ".4f"


def test_render_text_table_alignment_and_formats(frame):
    text = render_text_table(frame, columns=["naics", "employment", "lq", "emp_growth", "year"])
    lines = text.splitlines()
    assert lines[0].split() == ["naics", "employment", "lq", "emp_growth", "year"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert "12,345" in lines[2] and "1.23" in lines[2] and "12.0%" in lines[2] and "2023" in lines[2]
    assert "n/a" in lines[3] and "-5.0%" in lines[3]
    assert len({len(line) for line in lines[:2]}) == 1
    # numbers right-aligned: the employment column's cells end at the same place
    end = lines[0].index("employment") + len("employment")
    assert lines[2][:end].endswith("12,345") and lines[3][:end].endswith("n/a")
    assert lines[2].startswith("01 ")  # text left-aligned, formula text shown as is


def test_render_text_table_max_rows_formats_and_errors(frame):
    text = render_text_table(frame, max_rows=2, formats={"lq": lambda v: f"LQ {v:.1f}"})
    assert "LQ 1.2" in text
    assert text.splitlines()[-1] == "... 2 more rows (4 in all)"
    assert len(text.splitlines()) == 5
    with pytest.raises(ExportPlanError, match="nope"):
        render_text_table(frame, columns=["nope"])


def test_is_missing():
    assert all(tables.is_missing(v) for v in (None, np.nan, pd.NA, pd.NaT, math.inf))
    assert not any(tables.is_missing(v) for v in (0, "", -1.5, False))


# --------------------------------------------------------------------------- real data


@pytest.mark.shared_data
def test_real_qcew_slice_keeps_codes_as_text(shared_data, tmp_path):
    src = shared_data / "qcew" / "bls_qcew_2020_annual_area_39073.csv"
    df = pd.read_csv(src, dtype={"area_fips": str, "own_code": str, "industry_code": str,
                                 "agglvl_code": str, "size_code": str, "disclosure_code": str})
    df = df[df["agglvl_code"] == "75"][["area_fips", "industry_code", "disclosure_code",
                                        "annual_avg_emplvl", "lq_annual_avg_emplvl"]]
    meta = {"sources": [{"publisher": "BLS", "dataset": "QCEW", "vintage": "2020 annual",
                         "file/url": src.name}]}
    ws = openpyxl.load_workbook(write_table(df, tmp_path / "q.xlsx", meta=meta))["data"]
    fips = {ws.cell(row=i, column=1).value for i in range(2, ws.max_row + 1)}
    assert fips == {"39073"}
    codes = [ws.cell(row=i, column=2).value for i in range(2, ws.max_row + 1)]
    assert codes == df["industry_code"].tolist()
    assert all(isinstance(c, str) for c in codes)
    emp = [ws.cell(row=i, column=4).value for i in range(2, ws.max_row + 1)]
    assert emp == df["annual_avg_emplvl"].tolist()
    back = json.loads(write_table(df, tmp_path / "q.json", meta=meta).read_text())
    assert [r["industry_code"] for r in back["rows"]] == codes
