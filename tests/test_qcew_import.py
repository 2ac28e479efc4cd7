"""Importing QCEW files into a workspace: rows are replaced by their full key, never by area-year.

The files are small hand-written annual slices (the official column names), so each
test shows exactly which rows a file holds and which stored rows must survive.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from exportplan.errors import ImportFailed
from exportplan.store import schema as t
from exportplan.workspace import Workspace
from records import imported_records

HEADER = ("area_fips,own_code,industry_code,agglvl_code,size_code,year,qtr,disclosure_code,"
          "annual_avg_estabs,annual_avg_emplvl,total_annual_wages,avg_annual_pay")
# (own, industry, agglvl) of a small "whole area" file: the total row, a sector and three industries.
AREA_ROWS = [("0", "10", "70"), ("5", "10", "71"), ("5", "31-33", "74"), ("5", "336", "75"),
             ("5", "311", "75"), ("5", "3361", "76")]
AREAS = ("39049", "39041")


def line(area: str, own: str, industry: str, agglvl: str, year: int = 2023, emp: int = 100) -> str:
    return f"{area},{own},{industry},{agglvl},0,{year},A,,{emp // 10 + 1},{emp},{emp * 50000},50000"


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def area_file(tmp_path: Path, area: str, rows=AREA_ROWS, emp: int = 100, year: int = 2023) -> Path:
    return write(tmp_path, f"area_{area}_{year}_{emp}.csv", [line(area, *r, year=year, emp=emp) for r in rows])


def stored(ws: Workspace) -> dict[tuple, float]:
    """(area, own, industry, year) -> employment of every stored row."""
    frame = ws.store.frame("SELECT area_fips, own_code, industry_code, year, emplvl FROM qcew")
    return {(a, o, i, int(y)): e for a, o, i, y, e in frame.itertuples(index=False)}


@pytest.fixture(params=["sqlite", "postgres"])
def ws(request, tmp_path):
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = Workspace.init(tmp_path / "ws", name="QCEW import test", counties=list(AREAS), database_url=url,
                          reference_area="39041")
    yield made
    made.close()


def test_industry_slice_replaces_only_its_own_industries(ws, tmp_path):
    ws.import_qcew([area_file(tmp_path, a) for a in AREAS])
    before = stored(ws)
    slice_336 = write(tmp_path, "industry_336_2023.csv", [line(a, "5", "336", "75", emp=777) for a in AREAS])
    report = ws.import_qcew([slice_336])
    after = stored(ws)
    assert report.rows == 2 and report.replaced == 2
    assert len(after) == len(before) == 2 * len(AREA_ROWS)
    assert {k for k, v in after.items() if v != before[k]} == {(a, "5", "336", 2023) for a in AREAS}
    assert after[("39049", "5", "336", 2023)] == 777
    assert any("industry slice" in n and "replaces only its own industries" in n for n in report.notes)
    assert not any("were kept" in n for n in report.notes)  # a slice keeps other industries by design


def test_whole_file_reimport_replaces_its_rows_and_keeps_rows_it_lacks(ws, tmp_path):
    ws.import_qcew([area_file(tmp_path, "39049")])
    fewer = area_file(tmp_path, "39049", rows=[r for r in AREA_ROWS if r[1] != "311"], emp=200)
    report = ws.import_qcew([fewer])
    after = stored(ws)
    assert report.replaced == len(AREA_ROWS) - 1
    assert after[("39049", "5", "311", 2023)] == 100  # not in the new file: kept, and said so
    assert {v for k, v in after.items() if k[2] != "311"} == {200}
    assert not any("industry slice" in n for n in report.notes)
    assert any("1 earlier row(s)" in n and "kept" in n for n in report.notes)


def test_other_years_and_areas_are_untouched(ws, tmp_path):
    ws.import_qcew([area_file(tmp_path, "39049", year=2022), area_file(tmp_path, "39041")])
    report = ws.import_qcew([area_file(tmp_path, "39049", emp=300)])
    assert report.replaced == 0
    after = stored(ws)
    assert len(after) == 3 * len(AREA_ROWS)
    assert after[("39049", "5", "336", 2022)] == 100 and after[("39041", "5", "336", 2023)] == 100


def test_a_failed_write_rolls_back_and_the_next_import_works(ws, tmp_path, monkeypatch):
    ws.import_qcew([area_file(tmp_path, "39049")])
    before = stored(ws)
    real_insert = ws.store.insert

    def failing_insert(conn, table, rows):
        if table is t.qcew:
            raise RuntimeError("disk full (simulated)")
        return real_insert(conn, table, rows)

    monkeypatch.setattr(ws.store, "insert", failing_insert)
    with pytest.raises(RuntimeError, match="simulated"):
        ws.import_qcew([area_file(tmp_path, "39049", emp=500)])
    assert stored(ws) == before  # the delete was rolled back with the failed insert
    monkeypatch.setattr(ws.store, "insert", real_insert)
    report = ws.import_qcew([area_file(tmp_path, "39049", emp=600)])  # no leftover from the failed attempt
    assert report.replaced == len(AREA_ROWS) and set(stored(ws).values()) == {600}


def test_a_line_repeated_in_one_file_is_reported_with_both_lines(ws, tmp_path):
    rows = [line("39049", *r) for r in AREA_ROWS]
    path = write(tmp_path, "twice.csv", rows + [rows[3]])
    with pytest.raises(ImportFailed) as err:
        ws.import_qcew([path])
    problems = err.value.table.problems
    assert len(problems) == 1
    assert problems[0].file == str(path) and problems[0].row == 2 + len(AREA_ROWS)
    assert "line 5" in problems[0].problem and "39049" in problems[0].problem and "336" in problems[0].problem
    assert "nothing was written" in str(err.value)
    assert ws.store.count(t.qcew) == 0 and imported_records(ws) == 0


def test_a_row_in_two_files_is_reported_but_slices_of_one_area_year_combine(ws, tmp_path):
    first = write(tmp_path, "a.csv", [line("39049", "5", "336", "75"), line("39049", "5", "311", "75")])
    second = write(tmp_path, "b.csv", [line("39049", "5", "3361", "76"), line("39049", "5", "336", "75")])
    with pytest.raises(ImportFailed) as err:
        ws.import_qcew([first, second])
    problem = err.value.table.problems[0]
    assert problem.file == str(second) and problem.row == 3
    assert "a.csv" in problem.problem and "line 2" in problem.problem
    assert ws.store.count(t.qcew) == 0
    third = write(tmp_path, "c.csv", [line("39049", "5", "3361", "76")])
    report = ws.import_qcew([first, third])  # same area and year, different industries: fine
    assert report.rows == 3 and ws.store.count(t.qcew) == 3
