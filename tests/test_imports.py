"""Importers for the user's own tables: good files load, bad files fail clearly."""
from __future__ import annotations

import csv
import io
import math
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportplan.errors import ImportFailed
from exportplan.imports import schema, tables
from exportplan.imports.schema import Column, TableSpec, clean_text, read_any, validate
from exportplan.imports.tables import TABLES, describe_tables, read_table


# ------------------------------------------------------------------ helpers

def write_csv(path, rows, *, delimiter=",", encoding="utf-8", bom=False):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path, rows, *, sheet="Sheet1", extra_sheets=()):
    wb = openpyxl.Workbook()
    for name in extra_sheets:  # sheets before the data sheet
        wb.create_sheet(name, 0).append(["nothing", "here"])
    ws = wb.worksheets[-1] if extra_sheets else wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def failure(kind, path) -> list[dict]:
    with pytest.raises(ImportFailed) as info:
        read_table(kind, path)
    return info.value.table.to_records()


def only(records, **match) -> dict:
    hits = [r for r in records if all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, records
    return hits[0]


# Good tables, written the way EDO staff write them: title line above the
# header, mixed-case headers, aliases, thousands separators.
GOOD = {
    "targets": [
        ["Target Industry", "Kind", "Priority", "Source"],
        ["3364", "", "1", "State plan 2023"],
        ["Automotive", "", "2", ""],
        ["7", "cluster", "", ""],
        ["31", "", "3", ""],
    ],
    "sector_fdi": [
        ["NAICS", "Foreign Establishments", "Foreign_Companies", "Employment", "Year"],
        ["3364", "12", "9", "1,250", "2022"],
        ["Automotive", "3", "", "", "2022"],
    ],
    "assets": [
        ["Industry", "Unique Asset", "Strength"],
        ["4831", "Deep-water port", "3"],
        ["Biopharmaceuticals", "University medical center", ""],
    ],
    "countries": [
        ["Country Name", "Year", "GDP", "GDP growth", "Special 301", "FTA", "Latitude",
         "Longitude"],
        ["Mexico", "2022", "1,414,187,000,000", "3.9%", "none", "yes", "23.6", "-102.5"],
        ["Korea, Rep.", "2022", "", "2.6", "WL", "yes", "", ""],
        ["IND", "2022", "3,353,470,000,000", "7", "Priority Watch List", "no", "", ""],
    ],
    "exports": [
        ["Destination", "Year", "Value (USD)", "NAICS", "Scope"],
        ["Canada", "2022", "12,345,678", "", ""],
        ["MEX", "2022", "1,234.5", "3364", "State"],
        ["Germany", "2021", "99", "total", "national"],
    ],
    "partnerships": [
        ["Our City", "Sister City", "Country", "Type", "Since", "Strength", "Notes"],
        ["Columbus", "Hefei", "China", "Sister City", "1988", "2", ""],
        ["Ohio State University", "University of Tokyo", "JPN", "university", "", "", "MoU"],
        ["Columbus", "Dresden", "Germany", "Sister-City", "1992", "", ""],
    ],
    "fdi": [
        ["Parent Country", "Establishments", "Jobs", "Industry", "Company"],
        ["Japan", "4", "3,200", "3361", "Honda"],
        ["Germany", "2", "", "", ""],
    ],
    "survey": [
        ["Company Name", "Target Market", "Weight", "Year", "Comments"],
        ["Acme Tools", "Mexico", "", "2023", "distributor found"],
        ["Acme Tools", "Canada", "0.5", "2023", ""],
        ["Buckeye Sensors", "DEU", "2", "", ""],
    ],
}

# One checked value per table: (column, first data row's canonical value).
FIRST_VALUE = {
    "targets": ("target", "3364"), "sector_fdi": ("jobs", 1250), "assets": ("sector", "4831"),
    "exports": ("value_usd", 12345678.0), "partnerships": ("type", "sister_city"),
    "fdi": ("country", "JPN"), "survey": ("weight", 1.0),
}


def with_title(rows):
    return [["Regional export plan: staff table (draft)"], []] + rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_tables_load(tmp_path, kind, fmt):
    rows = with_title(GOOD[kind]) + [[], [""] * 3]  # title above, empty trailing rows
    path = tmp_path / f"{kind}.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(path, rows)
    frame = read_table(kind, path)
    if kind == "countries":
        assert list(frame.columns) == ["iso3", "year", "indicator", "value"]
        assert list(dict.fromkeys(frame["iso3"])) == ["MEX", "KOR", "IND"]
        return
    assert list(frame.columns) == [c.name for c in TABLES[kind].columns]
    assert len(frame) == len(GOOD[kind]) - 1
    assert list(frame.index) == list(range(4, 4 + len(frame)))  # lines after title + blank + header
    column, expected = FIRST_VALUE[kind]
    assert frame[column].iloc[0] == expected


def test_targets_kind_inference(tmp_path):
    frame = read_table("targets", write_csv(tmp_path / "t.csv", GOOD["targets"]))
    assert frame["target"].tolist() == ["3364", "Automotive", "7", "31-33"]
    assert frame["kind"].tolist() == ["naics", "cluster", "cluster", "naics"]
    assert frame["priority"].tolist() == [1, 2, 1, 3]  # empty -> default 1


def test_countries_long_form_codes_text_indicators(tmp_path):
    frame = read_table("countries", write_csv(tmp_path / "c.csv", GOOD["countries"]))
    value = frame.set_index(["iso3", "indicator"])["value"]
    assert value["MEX", "gdp_usd"] == 1_414_187_000_000
    assert value["MEX", "gdp_growth_pct"] == pytest.approx(3.9)
    assert value["MEX", "special301"] == tables.SPECIAL301_LEVELS["none"]
    assert value["KOR", "special301"] == tables.SPECIAL301_LEVELS["watch_list"]
    assert value["IND", "special301"] == tables.SPECIAL301_LEVELS["priority_watch_list"]
    assert (value["MEX", "fta_partner"], value["IND", "fta_partner"]) == (1.0, 0.0)
    assert ("KOR", "gdp_usd") not in value.index  # empty cell -> no row, not zero
    assert set(frame["year"]) == {2022}


def test_countries_unknown_columns_are_a_warning(tmp_path):
    rows = [["country", "cpi_score", "Happiness", "Coffee per capita"], ["Chad", "19", "4.3", "1"]]
    frame = read_table("countries", write_csv(tmp_path / "c.csv", rows))
    assert frame["value"].tolist() == [19.0]
    [warning] = frame.attrs["warnings"]
    assert "Happiness" in warning.problem and "Coffee per capita" in warning.problem


def test_semicolon_bom_and_thousands(tmp_path):
    rows = [["Exports 2022"], ["COUNTRY ", "year", "export_value", "naics code"],
            ["Japan", "2022", "1,234,567.25", "336411"], ["Chile", "2022", "1 234", ""]]
    path = write_csv(tmp_path / "e.csv", rows, delimiter=";", bom=True)
    frame = read_table("exports", path)
    assert frame["value_usd"].tolist() == [1234567.25, 1234.0]
    assert frame["naics"].tolist() == ["336411", ""]
    assert frame["scope"].tolist() == ["region", "region"]


def test_xlsx_numeric_cells(tmp_path):
    rows = [["country", "year", "value_usd", "naics"], ["Peru", 2022, 1234567.5, 3364],
            ["Chile", 2022.0, 12, None]]
    frame = read_table("exports", write_xlsx(tmp_path / "n.xlsx", rows))
    assert frame["year"].tolist() == [2022, 2022]
    assert frame["value_usd"].tolist() == [1234567.5, 12.0]
    assert frame["naics"].tolist() == ["3364", ""]


def test_windows_1252_csv_reads_with_a_note(tmp_path):
    rows = [["company", "country"], ["Café Zoë", "Côte d'Ivoire"]]
    frame = read_table("survey", write_csv(tmp_path / "s.csv", rows, encoding="cp1252"))
    assert frame["company"].tolist() == ["Café Zoë"]
    assert frame["country"].tolist() == ["CIV"]
    assert any("UTF-8" in w.fix for w in frame.attrs["warnings"])


def test_named_sheet_and_first_sheet(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", GOOD["survey"], sheet="Answers",
                      extra_sheets=["Readme"])
    assert len(read_table("survey", path, sheet="Answers")) == 3
    records = failure("survey", path)  # first sheet is the readme: no header there
    assert "no header line" in records[0]["problem"]
    with pytest.raises(ImportFailed, match="Readme, Answers"):
        read_table("survey", path, sheet="Data")


def test_validate_accepts_a_frame():
    frame = pd.DataFrame({"Company": ["Acme"], "Market": ["Peru"]})
    out, warnings = validate(frame, TABLES["survey"])
    assert out["country"].tolist() == ["PER"] and warnings == []
    assert list(out.index) == [2]


# ------------------------------------------------------------- bad input

def test_missing_required_column_lists_found_and_expected(tmp_path):
    rows = [["Company", "Weight"], ["Acme", "1"]]
    record = failure("survey", write_csv(tmp_path / "s.csv", rows))[0]
    assert record["row"] == 1 and record["column"] == "country"
    assert "Company, Weight" in record["problem"]
    assert "company (required), country (required), weight" in record["fix"]


def test_non_numeric_and_negative_counts(tmp_path):
    rows = [["sector", "foreign_establishments", "jobs"], ["3364", "many", "10"],
            ["3361", "-3", "1.5"], ["3362", "4", "12,5"]]
    records = failure("sector_fdi", write_csv(tmp_path / "f.csv", rows))
    bad = only(records, row=2, column="foreign_establishments")
    assert bad["value"] == "many" and "not a number" in bad["problem"]
    neg = only(records, row=3, column="foreign_establishments")
    assert neg["value"] == "-3" and "negative" in neg["fix"]
    assert "whole number" in only(records, row=3, column="jobs")["problem"]
    assert "12.5" in only(records, row=4, column="jobs")["fix"]  # decimal comma explained


def test_unknown_country_aggregate_and_lists(tmp_path):
    rows = [["company", "country"], ["Acme", "Atlantis"], ["Acme", "World"],
            ["Acme", "Mexico, Canada"], ["Acme", "Peru"]]
    records = failure("survey", write_csv(tmp_path / "s.csv", rows))
    assert len(records) == 3
    atlantis = only(records, row=2)
    assert atlantis["column"] == "country" and atlantis["value"] == "Atlantis"
    assert "e.g. MEX" in atlantis["fix"]
    assert "group of countries" in only(records, row=3)["problem"]
    assert "one country per line" in only(records, row=4)["fix"]


def test_duplicate_key_names_both_lines(tmp_path):
    rows = [["country", "year", "value"], ["Mexico", "2022", "5"], ["Canada", "2022", "5"],
            ["MEX", "2022", "7"]]
    [record] = failure("exports", write_csv(tmp_path / "e.csv", rows))
    assert record["row"] == 4 and "line 2" in record["problem"]
    assert "lines 2 and 4" in record["fix"]
    assert "country=MEX" in record["value"]


def test_year_holding_text(tmp_path):
    rows = [["country", "year", "value_usd"], ["Mexico", "last year", "5"],
            ["Peru", "1492", "5"]]
    records = failure("exports", write_csv(tmp_path / "e.csv", rows))
    assert only(records, row=2)["value"] == "last year"
    assert "4-digit year" in only(records, row=2)["fix"]
    assert "plausible" in only(records, row=3)["problem"]


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    rows = [["country", "year", "value_usd", "naics"], ["Atlantis", "x", "-1", "99"]]
    records = failure("exports", write_csv(tmp_path / "e.csv", rows))
    assert {r["column"] for r in records} == {"country", "year", "value_usd", "naics"}


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\r\n  \r\n", b",,,\r\n,,\r\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    [record] = failure("survey", path)
    assert "empty" in record["problem"] and record["fix"]


def test_header_without_data(tmp_path):
    [record] = failure("survey", write_csv(tmp_path / "s.csv", [["company", "country"]]))
    assert "no data lines" in record["problem"]


def test_truncated_and_corrupt_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", GOOD["survey"]).read_bytes()
    cases = {"half.xlsx": good[: len(good) // 2],
             "junk.xlsx": good[:2000] + b"\x00" * 400 + good[2400:],
             "fake.xlsx": b"company,country\nAcme,Peru\n",
             "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        [record] = failure("survey", tmp_path / name)
        assert record["file"] == name
        assert "save it" in record["fix"] or "save it again" in record["fix"], record


def test_half_written_csv(tmp_path):
    (tmp_path / "nul.csv").write_bytes(b"company,country\nAcme,Peru\n\x00\x00\x00\x00")
    assert "partly written" in failure("survey", tmp_path / "nul.csv")[0]["problem"]
    (tmp_path / "quote.csv").write_bytes(b'company,country\nAcme,Peru\n"Beta Corp,Chi')
    record = failure("survey", tmp_path / "quote.csv")[0]
    assert record["row"] == 3 and "partly written" in record["problem"]


def test_two_columns_meaning_the_same(tmp_path):
    rows = [["Country", "Destination", "year", "value"], ["Peru", "Chile", "2022", "1"]]
    record = failure("exports", write_csv(tmp_path / "e.csv", rows))[0]
    assert record["column"] == "country" and "two columns" in record["problem"]


def test_no_header_found(tmp_path):
    rows = [["a", "b"], ["1", "2"]]
    record = failure("survey", write_csv(tmp_path / "s.csv", rows))[0]
    assert "no header line" in record["problem"] and "company (required)" in record["fix"]


def test_sector_codes_that_are_not_naics(tmp_path):
    rows = [["target", "kind"], ["7", ""], ["60", "cluster"], ["15", "naics"], ["Autos", "naics"],
            ["3364 Aerospace", ""], ["", "cluster"]]
    records = failure("targets", write_csv(tmp_path / "t.csv", rows))
    assert "set the column kind to cluster" in only(records, row=2)["fix"]
    assert "1-51" in only(records, row=3)["fix"]
    assert "NAICS" in only(records, row=4)["problem"]
    assert "NAICS" in only(records, row=5)["problem"]
    assert "only the code" in only(records, row=6)["fix"]
    assert only(records, row=7)["problem"] == "is empty"


def test_choice_aliases_and_bad_choice(tmp_path):
    rows = [["city", "partner", "country", "type"], ["Dayton", "Augsburg", "DEU", "Twin Town"],
            ["Dayton", "Osaka U", "JPN", "friendship"]]
    record = only(failure("partnerships", write_csv(tmp_path / "p.csv", rows)), row=3)
    assert "sister_city, academic" in record["fix"] and record["value"] == "friendship"
    rows.pop()
    frame = read_table("partnerships", write_csv(tmp_path / "q.csv", rows))
    assert frame["type"][2] == "sister_city"


HOSTILE = ["=cmd|' /C calc'!A0", "<script>alert(1)</script>", "Acme\x1b\u202e Corp\x07",
           "+SUM(A1:A9)", "@import"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_hostile_text_is_kept_inert(tmp_path, fmt):
    # XML (hence XLSX) cannot hold \x07 or \x1b at all; the bidi override stays.
    names = HOSTILE if fmt == "csv" else [re.sub("[\x07\x1b]", "", n) for n in HOSTILE]
    rows = [["company", "country"]] + [[name, "Peru"] for name in names]
    path = tmp_path / f"h.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(path, rows)
    frame = read_table("survey", path)
    assert frame["company"].tolist() == [
        "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "Acme Corp", "+SUM(A1:A9)",
        "@import"]
    problems = " ".join(w.problem for w in frame.attrs["warnings"])
    assert "control characters were removed (line(s) 4)" in problems
    assert "never evaluated (line(s) 2, 5, 6)" in problems


def test_xlsx_formulas_give_their_saved_value_and_are_never_run(tmp_path):
    rows = [["company", "country", "weight"], ["Acme", "Peru", "=1+1"]]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    # openpyxl saves no result: the formula text is kept, reported, and is not a number.
    record = only(failure("survey", path), column="weight")
    assert record["value"] == "=1+1" and record["row"] == 2
    # As Excel saves it, with the result stored: the result is read.
    _store_formula_result(path, "C2", "2")
    frame = read_table("survey", path)
    assert frame["weight"].tolist() == [2.0] and frame.attrs["warnings"] == []


def _store_formula_result(path, cell, value):
    """Rewrite a workbook so that ``cell``'s formula carries a saved result, as Excel does."""
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    marker = f'<c r="{cell}">'.encode()
    head, tail = parts[sheet].split(marker)
    # an empty value element: <v /> (openpyxl's own XML writer) or <v></v> (with lxml installed)
    parts[sheet] = head + marker + re.sub(rb"<v\s*/>|<v></v>", f"<v>{value}</v>".encode(), tail, count=1)
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def test_overlong_text_is_an_error(tmp_path):
    rows = [["company", "country"], ["x" * 501, "Peru"], ["y" * 500, "Chile"]]
    [record] = failure("survey", write_csv(tmp_path / "s.csv", rows))
    assert record["row"] == 2 and "501 characters" in record["problem"]
    assert len(record["value"]) < 100  # the error table shows a shortened value


def test_multiline_quoted_cell_keeps_editor_line_numbers(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('company,country,note\nAcme,Peru,"two\nlines"\nBeta,Atlantis,x\n')
    [record] = failure("survey", path)
    assert record["row"] == 4


def test_unknown_table_kind(tmp_path):
    with pytest.raises(Exception, match="Use one of: targets"):
        read_table("customers", tmp_path / "x.csv")


def test_read_any_returns_strings_with_line_index(tmp_path):
    grid = read_any(write_xlsx(tmp_path / "g.xlsx", [["a", "b"], [1, 2.5], [None, "007"]]))
    assert grid.values.tolist() == [["a", "b"], ["1", "2.5"], ["", "007"]]
    assert list(grid.index) == [1, 2, 3]


def test_sniff_delimiter_not_fooled_by_thousands():
    assert schema.sniff_delimiter("a;b;c\n1,234;2;3\n1,234,567;2;3\n") == ";"
    assert schema.sniff_delimiter("title, with comma\na\tb\n1\t2\n3\t4\n") == "\t"
    assert schema.sniff_delimiter("a,b\n1,2\n") == ","


def test_describe_tables_mentions_every_table_and_column():
    text = describe_tables()
    for name, spec in TABLES.items():
        assert f"{name}:" in text
        for col in spec.columns:
            need = "required" if col.required else "optional"
            assert f"  {col.name} ({need})" in text
    assert "Mexico,2022" in text  # an example row


def test_spec_rejects_ambiguous_headers():
    with pytest.raises(ValueError, match="names two columns"):
        TableSpec("x", (Column("a", aliases=("b",)), Column("b")))
    with pytest.raises(ValueError, match="type"):
        Column("a", "number")


# --------------------------------------------------------------- round trip

COUNTRY_CODES = ["MEX", "CAN", "DEU", "JPN", "BRA", "IND", "KOR", "CHN"]
company_names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40) \
    .map(lambda s: clean_text(s)[0]).filter(bool)
survey_rows = st.lists(
    st.tuples(company_names, st.sampled_from(COUNTRY_CODES),
              st.floats(0, 1e9, allow_nan=False, allow_infinity=False),
              st.one_of(st.none(), st.integers(1990, 2030))),
    min_size=1, max_size=15, unique_by=lambda r: (r[0], r[1], r[3]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=survey_rows, grouped=st.booleans(), delimiter=st.sampled_from([",", ";"]))
def test_survey_round_trips_through_csv(tmp_path, rows, grouped, delimiter):
    table = [["Company", "Country", "Weight", "Year"]] + [
        [c, iso, f"{w:,}" if grouped else repr(w), "" if y is None else str(y)]
        for c, iso, w, y in rows]
    frame = read_table("survey", write_csv(tmp_path / "rt.csv", table, delimiter=delimiter))
    assert frame["company"].tolist() == [r[0] for r in rows]
    assert frame["country"].tolist() == [r[1] for r in rows]
    assert all(math.isclose(a, r[2]) for a, r in zip(frame["weight"], rows))
    assert [None if pd.isna(y) else y for y in frame["year"]] == [r[3] for r in rows]
    # ... and the canonical frame written back out reads the same again.
    out = tmp_path / "again.csv"
    frame.to_csv(out, index=False)
    again = read_table("survey", out)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), frame.reset_index(drop=True))


def test_excel_sep_line_and_unnamed_column(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('sep=;\ncompany;country;\nAcme;Peru;forgot the header\n')
    frame = read_table("survey", path)
    assert frame["country"].tolist() == ["PER"]
    [warning] = frame.attrs["warnings"]
    assert "column 3 has values but no header" in warning.problem and warning.row == 3


def test_other_spreadsheet_formats_are_refused_clearly(tmp_path):
    (tmp_path / "s.ods").write_bytes(b"PK\x03\x04rest")
    assert ".ods" in failure("survey", tmp_path / "s.ods")[0]["problem"]


def test_absurd_numbers_and_giant_cells(tmp_path):
    rows = [["company", "country", "weight"], ["Acme", "Peru", "1e400"], ["Beta", "Peru", "inf"],
            ["Gamma", "Peru", "nan"]]
    records = failure("survey", write_csv(tmp_path / "s.csv", rows))
    assert only(records, row=2)["problem"] == "is too large"
    assert only(records, row=3)["problem"] == "is not a number"
    assert len(records) == 2  # "nan" is a missing-value marker: the default weight applies
    (tmp_path / "big.csv").write_text("company,country\n" + "x" * 200_000 + ",Peru\n")
    record = failure("survey", tmp_path / "big.csv")[0]
    assert record["row"] == 2 and "longer than" in record["problem"]
