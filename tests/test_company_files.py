"""The exporter pipeline's files (issue 9): round trip of the export, and malformed files reported precisely.

File level only: writing (write_pipeline, template) and reading (read_company_file) without a workspace.
"""
from __future__ import annotations

import csv
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportplan.analysis.pipeline_terms import (INTERACTION_KINDS, OUTCOME_KINDS, REFERRAL_STATUSES,
                                                SERVICE_CATEGORIES, STAGE_SOURCES, STAGES)
from exportplan.errors import ImportFailed
from exportplan.imports import companies as company_files
from exportplan.imports.companies import (canonical_frame, missing_codes, read_company_file, restore, template,
                                          write_pipeline)
from exportplan.imports.company_sheets import COLUMNS, SHEETS, derived_key
from exportplan.output.workbook import neutralise_text

TODAY = date(2026, 6, 30)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


# ----------------------------------------------------------------- helpers

def read(path, **kw):
    kw.setdefault("today", TODAY)
    return read_company_file(path, **kw)


def problems(path, **kw) -> list[tuple[str, int | None, str, str]]:
    """(file, row, column, problem) of every problem reading ``path`` reports."""
    with pytest.raises(ImportFailed) as info:
        read(path, **kw)
    return [(p["file"], p["row"], p["column"], p["problem"]) for p in info.value.table.to_records()]


def write_csv_rows(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


def write_xlsx_rows(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


HEADER = ["company_id", "name", "naics", "county_fips", "employees", "revenue_usd", "stage", "current_markets",
          "parent_country"]
GOOD = ["C1", "Acme Tool & Die, Inc.", "332710", "39049", "45", "1250000", "active", "MEX;CAN", "Japan"]
OTHER = ["C2", "Buckeye Foods", "311", "39041", "12", "", "", "", ""]


def companies_csv(tmp_path: Path, second: list[str] | None = None, header: list[str] | None = None) -> Path:
    return write_csv_rows(tmp_path / "companies.csv", [header or HEADER, GOOD, second or OTHER])


def base_sheets() -> dict[str, list[list[object]]]:
    return {
        "companies": [HEADER, GOOD, OTHER],
        "export_sales": [list(COLUMNS["export_sales"]), ["C1", 2023, 250000]],
        "interactions": [list(COLUMNS["interactions"]), ["C1", "2025-03-04", "visit", "plant tour", "jdoe"]],
        "needs": [list(COLUMNS["needs"]), ["C2", "market research", "Mexico", ""]],
        "referrals": [list(COLUMNS["referrals"]), ["C1", "2025-04-01", "U.S. Commercial Service", "Gold Key", "jdoe",
                                                    "made", "", "uscs-gold-key"]],
        "outcomes": [list(COLUMNS["outcomes"]), ["C1", "2025-06-01", "new market", "CAN", 120000, "Gold Key", ""]],
        "stage_history": [list(COLUMNS["stage_history"]), ["C1", "2024-01-10", "export-ready", "active", "jdoe",
                                                            "manual", ""]],
        "contacts": [list(COLUMNS["contacts"]), ["C1", "P1", "Ana López", "Export manager", "ana@acme.example",
                                                  "+1 614 555 0100"]],
    }


def workbook(tmp_path: Path, sheet: str | None = None, line: list[object] | None = None,
             header: list[str] | None = None, name: str = "pipeline.xlsx") -> Path:
    """The base workbook, with ``line`` added to (or ``header`` replacing that of) ``sheet``."""
    sheets = base_sheets()
    if header is not None:
        sheets[sheet][0] = header
    if line is not None:
        sheets[sheet].append(line)
    return write_xlsx_rows(tmp_path / name, sheets)


# ----------------------------------------------------------------- good files

def test_a_clean_workbook_reads_every_sheet(tmp_path):
    frames, notes = read(workbook(tmp_path))
    assert list(frames) == list(SHEETS)
    for name, frame in frames.items():
        assert tuple(frame.columns) == COLUMNS[name]
    companies = frames["companies"]
    assert companies["parent_country"].tolist() == ["JPN", pd.NA]
    assert companies["current_markets"].tolist() == ["MEX;CAN", pd.NA]
    assert companies["stage"].tolist() == ["active", "not ready"]  # blank stage -> not ready
    assert companies.index.tolist() == [2, 3]  # the lines a user sees
    assert frames["needs"]["country"].tolist() == ["MEX"]
    assert frames["export_sales"]["year"].dtype == "Int64"
    assert not any("NAICS" in n for n in notes)


def test_companies_without_naics_or_county_are_listed_not_refused(tmp_path):
    path = companies_csv(tmp_path, ["C2", "Buckeye Foods", "", "", "", "", "", "", ""])
    frames, notes = read(path)
    assert missing_codes(frames["companies"]) == {"naics": ["C2"], "county_fips": ["C2"]}
    assert any("1 company has no NAICS code yet" in n and "Buckeye Foods (C2)" in n for n in notes)
    assert any("no county FIPS code" in n for n in notes)


def test_blank_company_id_is_derived_from_name_and_county_and_stable(tmp_path):
    rows = [HEADER, ["", "Acme, Inc.", "", "39049", "", "", "", "", ""],
            ["", "Zoë's Café", "", "", "", "", "", "", ""]]
    path = write_csv_rows(tmp_path / "c.csv", rows)
    first, _ = read(path)
    again, _ = read(path)
    keys = first["companies"]["company_id"].tolist()
    assert keys == again["companies"]["company_id"].tolist()
    assert keys == [derived_key("ACME INC", "39049"), derived_key("Zoe's Cafe", None)]
    assert keys[0] == "acme-39049"


def test_a_crm_mapping_and_aliases_are_applied(tmp_path):
    rows = [["Account Name", "Primary NAICS", "Cnty", "Employees", "Lifecycle"],
            ["Acme", "332710", "1001", "12", "Export Ready"]]
    path = write_csv_rows(tmp_path / "crm.csv", rows)
    frames, notes = read(path, mapping={"Account Name": "name", "Primary NAICS": "naics", "Cnty": "county_fips",
                                        "Lifecycle": "stage"})
    row = frames["companies"].iloc[0]
    assert (row["name"], row["naics"], row["county_fips"], row["employees"], row["stage"]) == \
        ("Acme", "332710", "01001", 12, "export-ready")
    assert any("leading zero" in n for n in notes)


def test_a_single_sheet_workbook_is_the_companies_sheet(tmp_path):
    path = write_xlsx_rows(tmp_path / "crm.xlsx", {"Sheet1": [HEADER, GOOD]})
    frames, notes = read(path)
    assert frames["companies"]["company_id"].tolist() == ["C1"]
    assert any("read as the companies sheet" in n for n in notes)
    named = write_xlsx_rows(tmp_path / "two.xlsx", {"Summary": [["x"]], "Firms": [HEADER, GOOD]})
    assert read(named, sheet="Firms")[0]["companies"]["name"].tolist() == ["Acme Tool & Die, Inc."]


def test_child_rows_may_name_companies_already_in_the_workspace(tmp_path):
    path = workbook(tmp_path, "interactions", ["C9", "2025-01-02", "call", "", ""])
    assert problems(path)[0][2:] == ("company_id",
                                     "names a company that is not in the companies sheet (nor in the workspace)")
    frames, _ = read(path, known_ids={"C9"})
    assert frames["interactions"]["company_id"].tolist() == ["C1", "C9"]


def test_restore_strips_exactly_the_quote_an_export_added():
    for text in ("=SUM(A1)", "+1 614", "-x", "@home", "'=x", "''@y", "it's", "'plain'", "-3.5", "'-3.5"):
        assert restore(str(neutralise_text(text))) == text


def test_template_has_every_sheet_and_instructions(tmp_path):
    path = template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        assert book.sheetnames == [*SHEETS, "instructions"]
        for name in SHEETS:
            assert tuple(next(book[name].iter_rows(values_only=True))) == COLUMNS[name]
        text = " ".join(str(v) for row in book["instructions"].iter_rows(values_only=True) for v in row if v)
    finally:
        book.close()
    assert "export-ready" in text and "market research" in text and "YYYY-MM-DD" in text
    assert problems(path)[0][3] == "there are no data lines below the header"
    header = (tmp_path / "t.csv")
    template(header)
    assert header.read_text(encoding="utf-8").strip() == ",".join(COLUMNS["companies"])
    filled = openpyxl.load_workbook(path)
    filled["companies"].append(GOOD[:2])
    filled.save(tmp_path / "filled.xlsx")
    assert read(tmp_path / "filled.xlsx")[0]["companies"]["name"].tolist() == [GOOD[1]]


def test_write_pipeline_json_and_contacts_only_when_asked(tmp_path):
    frames, _ = read(workbook(tmp_path))
    import json

    write_pipeline(frames, tmp_path / "p.json")
    doc = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert list(doc) == [s for s in SHEETS if s != "contacts"]
    assert doc["companies"][1]["naics"] == "311" and doc["companies"][1]["revenue_usd"] is None
    write_pipeline(frames, tmp_path / "p.xlsx")
    assert "contacts" not in openpyxl.load_workbook(tmp_path / "p.xlsx", read_only=True).sheetnames
    write_pipeline(frames, tmp_path / "c.xlsx", with_contacts=True)
    assert read(tmp_path / "c.xlsx")[0]["contacts"]["name"].tolist() == ["Ana López"]


# ----------------------------------------------------------------- round trip (property)

FRAGMENTS = ("Acme", "O'Brien", '"Quoted"', "Tool, Die", "Café", "Zoë", "Ñandú", "Müller & Söhne", "日本",
             "😀", "👩\u200d🔬", "<b>bold</b>", "<script>alert(1)</script>", "&amp;", "Inc.", "=SUM(A1:A2)",
             "+1", "-minus", "@home", "'=quoted", "''+x", "a;b", "x\ty")
_frag = st.sampled_from(FRAGMENTS)
_sep = st.sampled_from((" ", "\n", "  ", "\r\n", ", "))


@st.composite
def messy_name(draw) -> str:
    """A name whose fragments are joined by spaces, commas and line breaks (the import makes it one line)."""
    parts = draw(st.lists(st.tuples(_frag, _sep), min_size=1, max_size=4))
    return "".join(f + s for f, s in parts)


def one_line(text: str) -> str:
    return " ".join(text.split())


_line = st.lists(_frag, min_size=1, max_size=3).map(" ".join).map(one_line)
_notes = st.none() | st.lists(_line, min_size=1, max_size=3).map("\n".join)
_text = st.none() | _line
_dates = st.dates(min_value=date(2000, 1, 1), max_value=TODAY).map(date.isoformat)
_money = st.none() | st.integers(0, 10 ** 11).map(lambda cents: cents / 100)
_iso = st.sampled_from(("JPN", "DEU", "MEX", "CAN", "GBR", "KOR"))
_markets = st.none() | st.lists(_iso, min_size=1, max_size=3, unique=True).map(";".join)


@st.composite
def pipelines(draw) -> dict[str, pd.DataFrame]:
    n = draw(st.integers(1, 4))
    ids = [draw(st.sampled_from((f"C-{i}", f"00{i}", f"={i}", f"id, {i}", f"-{i}"))) for i in range(n)]
    companies = [{
        "company_id": key, "name": draw(messy_name()),
        "naics": draw(st.sampled_from((None, "33", "3327", "332710", "541511"))), "sector": draw(_text),
        "county_fips": draw(st.sampled_from((None, "39049", "01001", "06037"))), "city": draw(_text),
        "employees": draw(st.none() | st.integers(0, 100_000)), "revenue_usd": draw(_money),
        "website": draw(st.none() | st.just("https://acme.example/?a=1&b=2")), "foreign_parent": draw(_text),
        "parent_country": draw(st.none() | _iso), "stage": draw(st.sampled_from(STAGES)),
        "current_markets": draw(_markets), "target_markets": draw(_markets),
        "tags": draw(st.none() | st.lists(st.sampled_from(("aero", "=x", "a b", "café")), min_size=1, max_size=3,
                                          unique=True).map(";".join)),
        "notes": draw(_notes)} for key in ids]
    company = st.sampled_from(ids)
    frames = {"companies": pd.DataFrame(companies)}
    years = draw(st.lists(st.tuples(company, st.integers(2000, TODAY.year)), max_size=4, unique=True))
    frames["export_sales"] = pd.DataFrame([{"company_id": c, "year": y, "export_sales_usd": draw(_money) or 0.0}
                                           for c, y in years], columns=COLUMNS["export_sales"])
    rows = {
        "contacts": lambda i: {"company_id": draw(company), "contact_id": draw(st.none() | st.just(f"P{i}")),
                               "name": draw(_line), "role": draw(_text), "email": draw(st.none() | st.just("a@b.c")),
                               "phone": draw(st.none() | st.just("+1 614 555 0100"))},
        "interactions": lambda i: {"company_id": draw(company), "date": draw(_dates),
                                   "kind": draw(st.sampled_from(INTERACTION_KINDS)), "summary": draw(_notes),
                                   "staff": draw(_text)},
        "needs": lambda i: {"company_id": draw(company), "service_category": draw(st.sampled_from(SERVICE_CATEGORIES)),
                            "country": draw(st.none() | _iso), "note": draw(_notes)},
        "referrals": lambda i: {"company_id": draw(company), "date": draw(_dates), "provider": draw(_line),
                                "program": draw(_text), "referrer": draw(_text),
                                "status": draw(st.sampled_from(REFERRAL_STATUSES)), "outcome": draw(_notes)},
        "outcomes": lambda i: {"company_id": draw(company), "date": draw(_dates),
                               "kind": draw(st.sampled_from(OUTCOME_KINDS)), "country": draw(st.none() | _iso),
                               "export_sales_usd": draw(_money), "program": draw(_text), "note": draw(_notes)},
        "stage_history": lambda i: {"company_id": draw(company), "date": draw(_dates),
                                    "from_stage": draw(st.none() | st.sampled_from(STAGES)),
                                    "to_stage": draw(st.sampled_from(STAGES)), "changed_by": draw(_text),
                                    "source": draw(st.sampled_from(STAGE_SOURCES)), "note": draw(_notes)},
    }
    for name, make in rows.items():
        frames[name] = pd.DataFrame([make(i) for i in range(draw(st.integers(0, 3)))], columns=COLUMNS[name])
    return {name: canonical_frame(name, frame) for name, frame in frames.items()}


def expected(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What the store holds after the import: names on one line (line breaks in notes are kept)."""
    out = {name: frame.reset_index(drop=True) for name, frame in frames.items()}
    out["companies"]["name"] = out["companies"]["name"].map(one_line).astype("string")
    return out


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pipelines())
def test_round_trip_xlsx_with_contacts_and_csv(frames):
    want = expected(frames)
    with tempfile.TemporaryDirectory() as folder:
        xlsx = write_pipeline(frames, Path(folder) / "pipeline.xlsx", with_contacts=True)
        got, _ = read(xlsx)
        assert list(got) == list(SHEETS)
        for name in SHEETS:
            same(got[name], want[name])
        again, _ = read(write_pipeline(got, Path(folder) / "again.xlsx", with_contacts=True))
        for name in SHEETS:  # an export of an import imports back unchanged
            same(again[name], got[name])
        text, _ = read(write_pipeline(frames, Path(folder) / "companies.csv"))
        assert list(text) == ["companies"]
        same(text["companies"], want["companies"])


def test_the_sample_pipeline_workbook_reads_back(tmp_path):
    sample = pytest.importorskip("exportplan.demo.sample_pipeline")
    writer = getattr(sample, "write_sample_pipeline", None)
    if writer is None:
        pytest.skip("the sample pipeline has no writer yet")
    path = writer(tmp_path)
    path = path if isinstance(path, Path) else next(tmp_path.rglob("*.xlsx"))
    frames, _ = read_company_file(path)
    assert len(frames["companies"]) >= 100


# ----------------------------------------------------------------- bad input, each reported precisely

C = "companies.csv"


def _bad_company(field: str, value: str):
    def build(tmp_path):
        row = list(OTHER)
        row[HEADER.index(field)] = value
        return companies_csv(tmp_path, row), {}
    return build


def _bad_child(sheet: str, line: list[object]):
    return lambda tmp_path: (workbook(tmp_path, sheet, line), {})


def _header_without(sheet: str, column: str):
    def build(tmp_path):
        sheets = base_sheets()
        keep = [i for i, c in enumerate(sheets[sheet][0]) if c != column]
        sheets[sheet] = [[row[i] for i in keep] for row in sheets[sheet]]
        return write_xlsx_rows(tmp_path / "pipeline.xlsx", sheets), {}
    return build


def _file(name: str, data: bytes, **kw):
    def build(tmp_path):
        path = tmp_path / name
        path.write_bytes(data)
        return path, kw
    return build


def _zip_named_xlsx(tmp_path):
    path = tmp_path / "pipeline.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return path, {}


def _csv(rows: list[list[str]], **kw):
    return lambda tmp_path: (write_csv_rows(tmp_path / C, rows), kw)


X = "pipeline.xlsx [{}]"
CASES = {
    # companies: required columns and cells
    "missing name column": (_csv([["company_id", "naics"], ["C1", "332710"]]),
                            (C, 1, "name", "missing required column(s): name")),
    "empty name": (_bad_company("name", ""), (C, 3, "name", "is empty")),
    "name too long": (_bad_company("name", "N" * 600), (C, 3, "name", "is 600 characters long")),
    "two columns for name": (_csv([["name", "company_name"], ["Acme", "Acme"]]),
                             (C, 1, "name", "two columns mean 'name'")),
    "no header": (_csv([["foo", "bar"], ["1", "2"]]), (C, 1, "", "no header line found")),
    "header only": (_csv([HEADER]), (C, 1, "", "there are no data lines below the header")),
    # codes
    "naics seven digits": (_bad_company("naics", "3327101"), (C, 3, "naics", "is not a NAICS code (2 to 6 digits)")),
    "naics unknown sector": (_bad_company("naics", "99"), (C, 3, "naics", "is not a NAICS code (2 to 6 digits)")),
    "naics range": (_bad_company("naics", "31-33"), (C, 3, "naics", "is not a NAICS code (2 to 6 digits)")),
    "naics letters": (_bad_company("naics", "33a"), (C, 3, "naics", "is not a NAICS code (2 to 6 digits)")),
    "fips six digits": (_bad_company("county_fips", "390490"),
                        (C, 3, "county_fips", "is not a 5-digit county FIPS code")),
    "fips letters": (_bad_company("county_fips", "ABCDE"), (C, 3, "county_fips", "is not a 5-digit county FIPS code")),
    "fips state 00": (_bad_company("county_fips", "00123"),
                           (C, 3, "county_fips", "is not a 5-digit county FIPS code")),
    # numbers
    "negative employees": (_bad_company("employees", "-3"), (C, 3, "employees", "is below the minimum 0")),
    "fractional employees": (_bad_company("employees", "12.5"), (C, 3, "employees", "is not a whole number")),
    "employees as words": (_bad_company("employees", "many"), (C, 3, "employees", "is not a number")),
    "negative revenue": (_bad_company("revenue_usd", "-100"), (C, 3, "revenue_usd", "is below the minimum 0")),
    # vocabulary and countries
    "unknown stage": (_bad_company("stage", "ready-ish"), (C, 3, "stage", "is not one of the allowed values for stage")),
    "unknown parent country": (_bad_company("parent_country", "Atlantis"),
                               (C, 3, "parent_country", "is not a country name or code we know")),
    "unknown market": (_bad_company("current_markets", "MEX;Narnia"),
                       (C, 3, "current_markets", "'Narnia' is not a country name or code we know")),
    "market is a group": (_bad_company("current_markets", "World"),
                          (C, 3, "current_markets", "'World' is a group of countries")),
    "markets split by commas": (_bad_company("current_markets", "Mexico, Canada"),
                                (C, 3, "current_markets", "(separate countries with ';', not ',')")),
    # keys
    "duplicate company_id": (_bad_company("company_id", "C1"),
                             (C, 3, "company_id", "duplicates the company_id of line 2")),
    "same name and county without ids": (
        _csv([HEADER, ["", "Acme", "", "39049", "", "", "", "", ""], ["", "ACME", "", "39049", "", "", "", "", ""]]),
        (C, 3, "company_id", "has no company_id, and its name and county are those of line 2")),
    "mapping to an unknown column": (_csv([HEADER, GOOD], mapping={"Acct": "account_name"}),
                                     (C, None, "Acct", "is not a column of any sheet")),
    # files
    "empty file": (_file(C, b""), (C, None, "", "is empty (0 bytes)")),
    "blank lines only": (_file(C, b"\r\n\r\n  \r\n"), (C, None, "", "holds only blank lines")),
    "png named xlsx": (_file("pipeline.xlsx", PNG), ("pipeline.xlsx", None, "", "is named like an Excel workbook")),
    "png named csv": (_file(C, PNG), (C, None, "", "is not a text (CSV) file")),
    "zip named xlsx": (_zip_named_xlsx, ("pipeline.xlsx", None, "", "not a readable .xlsx workbook")),
    "old xls": (_file("pipeline.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
                ("pipeline.xls", None, "", ".xls spreadsheets cannot be read")),
    "unclosed quote": (_file(C, b'company_id,name\r\nC1,"Acme\r\nC2,Beta\r\n'), (C, 2, "", "the CSV cannot be parsed")),
    "wrong sheet named": (lambda tmp: (workbook(tmp), {"sheet": "Firms"}),
                          ("pipeline.xlsx", None, "sheet", "the workbook has no sheet named 'Firms'")),
    "no companies sheet": (lambda tmp: (write_xlsx_rows(tmp / "pipeline.xlsx", {"Summary": [["x"]], "Data": [HEADER]}),
                                        {}),
                           ("pipeline.xlsx", None, "sheet", "the workbook has no sheet named 'companies'")),
    "companies sheet empty": (lambda tmp: (write_xlsx_rows(tmp / "pipeline.xlsx", {"companies": [[]]}), {}),
                              (X.format("companies"), None, "", "the companies sheet is empty")),
    # child sheets
    "future interaction": (_bad_child("interactions", ["C1", "2026-07-01", "call", "", ""]),
                           (X.format("interactions"), 3, "date", "is in the future (today is 2026-06-30)")),
    "us date": (_bad_child("interactions", ["C1", "03/15/2024", "call", "", ""]),
                (X.format("interactions"), 3, "date", "is not a date written YYYY-MM-DD")),
    "impossible date": (_bad_child("referrals", ["C1", "2024-02-30", "SBDC", "", "", "made", ""]),
                        (X.format("referrals"), 3, "date", "is not a date written YYYY-MM-DD")),
    "summary too long": (_bad_child("interactions", ["C1", "2025-01-02", "call", "x" * 4001, ""]),
                         (X.format("interactions"), 3, "summary", "is 4001 characters long; the limit is 4000")),
    "unknown interaction kind": (_bad_child("interactions", ["C1", "2025-01-02", "fax", "", ""]),
                                 (X.format("interactions"), 3, "kind", "is not one of the allowed values for kind")),
    "child names unknown company": (_bad_child("outcomes", ["C7", "2025-01-02", "first export", "", "", "", ""]),
                                    (X.format("outcomes"), 3, "company_id", "names a company that is not in")),
    "negative export sales": (_bad_child("export_sales", ["C2", 2024, -5]),
                              (X.format("export_sales"), 3, "export_sales_usd", "is below the minimum 0")),
    "duplicate export sales year": (_bad_child("export_sales", ["C1", 2023, 1]),
                                    (X.format("export_sales"), 3, "company_id, year", "duplicates line 2")),
    "future export sales year": (_bad_child("export_sales", ["C1", 2027, 1]),
                                 (X.format("export_sales"), 3, "year", "is in the future (this is 2026)")),
    "unknown service category": (_bad_child("needs", ["C1", "lunch", "", ""]),
                                 (X.format("needs"), 3, "service_category", "is not one of the allowed values")),
    "unknown need country": (_bad_child("needs", ["C1", "logistics", "Narnia", ""]),
                             (X.format("needs"), 3, "country", "is not a country name or code we know")),
    "unknown referral status": (_bad_child("referrals", ["C1", "2025-01-02", "SBDC", "", "", "lost", ""]),
                                (X.format("referrals"), 3, "status", "is not one of the allowed values for status")),
    "referral without provider column": (_header_without("referrals", "provider"),
                                         (X.format("referrals"), 1, "provider", "missing required column(s): provider")),
    "unknown outcome kind": (_bad_child("outcomes", ["C1", "2025-01-02", "profit", "", "", "", ""]),
                             (X.format("outcomes"), 3, "kind", "is not one of the allowed values for kind")),
    "unknown to_stage": (_bad_child("stage_history", ["C1", "2025-01-02", "", "exporting", "", "", ""]),
                         (X.format("stage_history"), 3, "to_stage", "is not one of the allowed values")),
    "stage change without to_stage": (_bad_child("stage_history", ["C1", "2025-01-02", "active", "", "", "", ""]),
                                      (X.format("stage_history"), 3, "to_stage", "is empty")),
    "duplicate contact_id": (_bad_child("contacts", ["C2", "P1", "Bo", "", "", ""]),
                             (X.format("contacts"), 3, "contact_id", "duplicates the contact_id of line 2")),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_malformed_input_is_reported_precisely(tmp_path, case):
    build, (file, row, column, problem) = CASES[case]
    path, kw = build(tmp_path)
    found = problems(path, **kw)
    assert len(found) == 1, found
    assert found[0][0] == file and found[0][1] == row and found[0][2] == column, found
    assert problem in found[0][3], found


def test_there_are_at_least_thirty_distinct_cases():
    assert len(CASES) >= 30
    assert len({(row, column, problem) for _, (_, row, column, problem) in CASES.values()}) >= 30


def test_problems_of_every_sheet_come_in_one_table(tmp_path):
    sheets = base_sheets()
    sheets["companies"].append(["C3", "Gamma", "3327101", "", "", "", "", "", ""])
    sheets["interactions"].append(["C1", "2030-01-01", "call", "", ""])
    sheets["outcomes"].append(["C9", "2025-01-02", "first export", "", "", "", ""])
    found = problems(write_xlsx_rows(tmp_path / "pipeline.xlsx", sheets))
    assert [(f, r, c) for f, r, c, _ in found] == [(X.format("companies"), 4, "naics"),
                                                   (X.format("interactions"), 3, "date"),
                                                   (X.format("outcomes"), 3, "company_id")]


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"company_id,name\r\n" + b"C1,Acme\r\n" * 2000)  # about 18 kB
    from exportplan.imports import guard

    for name in ("read_rows", "workbook_rows"):
        monkeypatch.setattr(company_files, name, lambda *a, **k: pytest.fail("the file was read"))
    monkeypatch.setattr(guard, "check_file", lambda *a, **k: pytest.fail("the file was read"))
    found = problems(path, max_mb=0.01)
    assert len(found) == 1
    file, row, column, problem = found[0]
    assert (file, row) == ("big.csv", None)
    assert "over the import limit of 0.01 MB" in problem and "pipeline.max_import_mb" in problem
    assert "0.02 MB" in problem  # the file's size


def test_text_cells_are_trimmed_and_formula_like_text_is_kept_as_text(tmp_path):
    """The fast path for plain text cells must give what the full conversion gives: spaces trimmed (a leading
    space once slipped past it), a cell that starts like a formula kept as its text."""
    path = write_csv_rows(tmp_path / "messy.csv", [
        ["company_id", "name", "city", "notes"],
        ["C1", "  Acme Tool & Die  ", " Columbus", "=SUM(A1:A2)"],
        ["C2", "Buckeye Plastics", "Dayton ", "plain"],
    ])
    frames, notes = read(path)
    companies = frames["companies"].set_index("company_id")
    assert companies.loc["C1", "name"] == "Acme Tool & Die"
    assert companies.loc["C1", "city"] == "Columbus" and companies.loc["C2", "city"] == "Dayton"
    assert companies.loc["C1", "notes"] == "=SUM(A1:A2)" and companies.loc["C2", "notes"] == "plain"
