"""The program inventory's files (issue 10): template, reader with its error table, writer and round trip.

File level only: writing (template, write_programs) and reading (read_program_file) without a workspace.
"""
from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportplan.analysis.program_terms import (COSTS, EVENT_COLUMNS, EVENT_KINDS, LEVELS, PROGRAM_COLUMNS,
                                               PROVIDER_COLUMNS, SERVICE_CATEGORIES, SHEETS, STAGES, STATUSES)
from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.imports.program_sheets import DTYPES, FIELDS, state_code
from exportplan.imports.programs import canonical_frame, read_program_file, template, write_programs

TODAY = date(2026, 6, 30)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


# ----------------------------------------------------------------- helpers

def read(path, **kw):
    kw.setdefault("today", TODAY)
    return read_program_file(path, **kw)


def problems(path, **kw) -> list[tuple[str, int | None, str, str, str]]:
    """(file, row, column, value, problem) of every problem reading ``path`` reports."""
    with pytest.raises(ImportFailed) as info:
        read(path, **kw)
    return [(p["file"], p["row"], p["column"], p["value"], p["problem"]) for p in info.value.table.to_records()]


def write_xlsx_rows(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def write_csv_rows(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


def row(columns: tuple[str, ...], **values) -> list[object]:
    return [values.get(c, "") for c in columns]


def base_sheets() -> dict[str, list[list[object]]]:
    """A clean workbook: two providers, two programs, one event (data from line 2)."""
    return {
        "providers": [list(PROVIDER_COLUMNS),
                      row(PROVIDER_COLUMNS, provider_id="oh-dev", name="Ohio Department of Development", level="State",
                          states="oh", last_verified="2025-11-03", url="https://development.ohio.gov"),
                      row(PROVIDER_COLUMNS, provider_id="morpc", name="MORPC", level="regional", states="OH;Kentucky")],
        "programs": [list(PROGRAM_COLUMNS),
                     row(PROGRAM_COLUMNS, program_id="oh-step", provider_id="oh-dev", name="Ohio STEP grant",
                         categories="Grants and Cost-Share", cost="Cost Share", cost_share_rate="50%",
                         countries="Mexico; CAN", stages="new-to-export;ACTIVE", min_employees=1, max_employees=500,
                         pays_for="partner and buyer matchmaking", last_verified="2025-11-03"),
                     row(PROGRAM_COLUMNS, program_id="morpc-train", provider_id="morpc", name="Export 101",
                         categories="awareness and training", cost="free", status="proposed", capacity=40,
                         min_us_content_pct="51%")],
        "events": [list(EVENT_COLUMNS),
                   row(EVENT_COLUMNS, event_id="mx-2026", program_id="oh-step", name="Mission to Mexico",
                       kind="Trade Mission", iso3="Mexico", start_date="2026-09-14", end_date="2026-09-18")],
    }


def workbook(tmp_path: Path, edits: dict[tuple[str, int, str], object] | None = None,
             sheets: dict[str, list[list[object]]] | None = None) -> Path:
    """The base workbook with cells replaced: {(sheet, line, column): value}."""
    sheets = sheets or base_sheets()
    for (sheet, line, column), value in (edits or {}).items():
        rows = sheets[sheet]
        while len(rows) < line:
            rows.append(row(SHEETS[sheet]))
        rows[line - 1][list(SHEETS[sheet]).index(column)] = value
    return write_xlsx_rows(tmp_path / "programs.xlsx", sheets)


# ----------------------------------------------------------------- template and a clean file

def test_template_has_the_three_sheets_in_spec_order_and_instructions(tmp_path):
    path = template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["providers", "programs", "events", "instructions"]
    for name, columns in SHEETS.items():
        assert [c.value for c in next(book[name].iter_rows(max_row=1))] == list(columns)
    rows = list(book["instructions"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header == ("sheet", "column", "required", "allowed values", "help")
    described = {(r[0], r[1]): r for r in body if r[1]}
    assert set(described) == {(s, c) for s, cols in SHEETS.items() for c in cols}
    required = {(s, c) for (s, c), r in described.items() if r[2] == "yes"}
    assert required == {("providers", "provider_id"), ("providers", "name"), ("providers", "level"),
                        ("programs", "program_id"), ("programs", "provider_id"), ("programs", "name"),
                        ("programs", "categories"), ("events", "event_id"), ("events", "program_id"),
                        ("events", "name"), ("events", "kind"), ("events", "start_date")}
    for (sheet, column), vocab in {("providers", "level"): LEVELS, ("programs", "status"): STATUSES,
                                   ("programs", "cost"): COSTS, ("programs", "categories"): SERVICE_CATEGORIES,
                                   ("programs", "stages"): STAGES, ("events", "kind"): EVENT_KINDS}.items():
        assert all(word in described[sheet, column][3] for word in vocab), (sheet, column)


def test_template_reads_back_as_three_empty_canonical_frames(tmp_path):
    frames = read(template(tmp_path / "template.xlsx"))
    assert list(frames) == list(SHEETS)
    for name, frame in frames.items():
        assert frame.empty and tuple(frame.columns) == SHEETS[name]
        assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES[name]


def test_template_as_csv_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(ExportPlanError, match="three sheets.*xlsx"):
        template(tmp_path / "template.csv")


def test_fields_follow_the_shared_column_lists():
    assert {s: tuple(f.name for f in fields) for s, fields in FIELDS.items()} == SHEETS


def test_a_clean_workbook_reads_into_canonical_values(tmp_path):
    frames = read(workbook(tmp_path))
    providers, programs, events = frames["providers"], frames["programs"], frames["events"]
    assert providers["level"].tolist() == ["state", "regional"]
    assert providers["states"].tolist() == ["OH", "OH;KY"]
    assert providers["last_verified"].tolist() == ["2025-11-03", ""]
    step = programs.iloc[0]
    assert step["categories"] == "grants and cost-share" and step["cost"] == "cost-share"
    assert step["cost_share_rate"] == 0.5 and step["countries"] == "MEX;CAN"
    assert step["stages"] == "new-to-export;active" and step["status"] == "existing"
    assert programs["capacity"].tolist()[1] == 40 and pd.isna(programs["capacity"].tolist()[0])
    assert programs["min_us_content_pct"].tolist()[1] == 51.0
    assert programs["status"].tolist() == ["existing", "proposed"]
    assert events.iloc[0][["kind", "iso3", "start_date"]].tolist() == ["trade mission", "MEX", "2026-09-14"]
    assert programs.index.tolist() == [2, 3]  # the row numbers a user sees
    for name, frame in frames.items():
        assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES[name]


def test_typed_workbook_cells_dates_and_numbers_read_as_written(tmp_path):
    from datetime import datetime

    path = workbook(tmp_path, {("events", 2, "start_date"): datetime(2026, 9, 14),
                               ("events", 2, "last_verified"): datetime(2026, 1, 5),
                               ("programs", 2, "cost_share_rate"): 0.75, ("programs", 3, "capacity"): 12.0})
    sheets = read(path)
    assert sheets["events"].iloc[0][["start_date", "last_verified"]].tolist() == ["2026-09-14", "2026-01-05"]
    assert sheets["programs"]["cost_share_rate"].tolist()[0] == 0.75
    assert sheets["programs"]["capacity"].tolist()[1] == 12


def test_columns_the_sheet_does_not_read_are_ignored_with_a_note(tmp_path):
    sheets = base_sheets()
    for line, cells in enumerate(sheets["providers"]):
        cells.append("Internal rating" if line == 0 else "A+")
    frames = read(workbook(tmp_path, sheets=sheets))
    assert "Internal rating" in " ".join(frames["providers"].attrs["notes"])
    assert tuple(frames["providers"].columns) == PROVIDER_COLUMNS


def test_header_aliases_and_case_are_accepted(tmp_path):
    path = write_csv_rows(tmp_path / "programs.csv", [
        ["Program ID", "Provider ID", "Program Name", "Services", "Export Stages", "Markets"],
        ["p1", "oh-dev", "Gold Key help", "partner and buyer MATCHMAKING", "All", "all"]])
    frame = read(path, known_providers={"oh-dev"})["programs"]
    assert frame.iloc[0][["name", "categories", "stages", "countries"]].tolist() == [
        "Gold Key help", "partner and buyer matchmaking", "all", "all"]


def test_the_state_codes_are_the_workspaces():
    from exportplan.imports.program_sheets import us_states
    from exportplan.workspace import STATE_CODES

    assert set(us_states()) == STATE_CODES


def test_state_codes_and_names():
    assert [state_code(s) for s in ("oh", "Kentucky", "DC", "Puerto Rico", "XX", "Ohio River")] == [
        "OH", "KY", "DC", "PR", None, None]


# ----------------------------------------------------------------- bad input, each reported precisely

X = "programs.xlsx"
PV, PG, EV = f"{X} [providers]", f"{X} [programs]", f"{X} [events]"

BAD = {
    "unknown level": ({("providers", 3, "level"): "county"}, (PV, 3, "level", "county", "is not one of the allowed")),
    "state code": ({("providers", 2, "states"): "OH;XX"}, (PV, 2, "states", "OH;XX", "'XX' is not a U.S. state")),
    "states with commas": ({("providers", 2, "states"): "OH, KY"}, (PV, 2, "states", "OH, KY", "not ','")),
    "verified in the future": ({("providers", 2, "last_verified"): "2026-07-01"},
                               (PV, 2, "last_verified", "2026-07-01", "is in the future")),
    "verified not ISO": ({("programs", 2, "last_verified"): "11/03/2025"},
                         (PG, 2, "last_verified", "11/03/2025", "is not a date written YYYY-MM-DD")),
    "duplicate provider": ({("providers", 4, "provider_id"): "oh-dev", ("providers", 4, "name"): "Again",
                            ("providers", 4, "level"): "state"},
                           (PV, 4, "provider_id", "oh-dev", "duplicates the provider_id of line 2")),
    "blank key": ({("providers", 4, "name"): "Nameless office", ("providers", 4, "level"): "federal"},
                  (PV, 4, "provider_id", "", "is empty")),
    "blank name": ({("programs", 3, "name"): ""}, (PG, 3, "name", "", "is empty")),
    "unknown provider": ({("programs", 3, "provider_id"): "nobody"},
                         (PG, 3, "provider_id", "nobody", "names a provider that is not in the providers sheet")),
    "unknown category": ({("programs", 2, "categories"): "grants;lobbying"},
                         (PG, 2, "categories", "grants;lobbying", "'grants' is not one of the allowed")),
    "all categories": ({("programs", 2, "categories"): "all"}, (PG, 2, "categories", "all", "'all' is not allowed")),
    "unknown stage": ({("programs", 2, "stages"): "beginner"}, (PG, 2, "stages", "beginner", "'beginner' is not")),
    "all mixed into a list": ({("programs", 2, "stages"): "all;active"}, (PG, 2, "stages", "all;active", "mixes")),
    "unknown country": ({("programs", 3, "countries"): "Mexico;Atlantis"},
                        (PG, 3, "countries", "Mexico;Atlantis", "'Atlantis' is not a country")),
    "negative employees": ({("programs", 3, "min_employees"): -5}, (PG, 3, "min_employees", "-5", "is below 0")),
    "min above max": ({("programs", 2, "min_employees"): 600},
                      (PG, 2, "max_employees", "500", "is below min_employees (600)")),
    "percent above 100": ({("programs", 3, "min_us_content_pct"): "150%"},
                          (PG, 3, "min_us_content_pct", "150%", "is above 100")),
    "rate above 1": ({("programs", 2, "cost_share_rate"): 1.5}, (PG, 2, "cost_share_rate", "1.5", "is above 1")),
    "unknown status": ({("programs", 3, "status"): "maybe"}, (PG, 3, "status", "maybe", "is not one of the allowed")),
    "unknown cost": ({("programs", 3, "cost"): "cheap"}, (PG, 3, "cost", "cheap", "is not one of the allowed")),
    "fractional capacity": ({("programs", 3, "capacity"): 2.5}, (PG, 3, "capacity", "2.5", "is not a whole number")),
    "capacity not a number": ({("programs", 3, "capacity"): "lots"}, (PG, 3, "capacity", "lots", "is not a number")),
    "bad url": ({("providers", 2, "url"): "javascript:alert(1)"},
                (PV, 2, "url", "javascript:alert(1)", "is not a web address")),
    "unknown program": ({("events", 2, "program_id"): "gone"},
                        (EV, 2, "program_id", "gone", "names a program that is not in the programs sheet")),
    "end before start": ({("events", 2, "end_date"): "2026-09-01"},
                         (EV, 2, "end_date", "2026-09-01", "is before start_date (2026-09-14)")),
    "unknown event kind": ({("events", 2, "kind"): "party"}, (EV, 2, "kind", "party", "is not one of the allowed")),
    "bad start date": ({("events", 2, "start_date"): "2026-02-30"},
                       (EV, 2, "start_date", "2026-02-30", "is not a date")),
    "several countries for an event": ({("events", 2, "iso3"): "MEX;CAN"},
                                       (EV, 2, "iso3", "MEX;CAN", "more than one country")),
    "duplicate event": ({("events", 3, "event_id"): "mx-2026", ("events", 3, "program_id"): "oh-step",
                         ("events", 3, "name"): "again", ("events", 3, "kind"): "training",
                         ("events", 3, "start_date"): "2026-10-01"},
                        (EV, 3, "event_id", "mx-2026", "duplicates the event_id of line 2")),
}


@pytest.mark.parametrize("edits, expected", list(BAD.values()), ids=list(BAD))
def test_bad_cell_is_the_one_problem_reported(edits, expected, tmp_path):
    found = problems(workbook(tmp_path, edits))
    assert len(found) == 1, found
    file, line, column, value, problem = found[0]
    assert (file, line, column, value) == expected[:4]
    assert expected[4] in problem


def test_every_problem_of_the_file_is_reported_at_once_in_sheet_and_line_order(tmp_path):
    found = problems(workbook(tmp_path, {("providers", 3, "level"): "county", ("providers", 2, "states"): "ZZ",
                                         ("programs", 3, "cost"): "cheap", ("programs", 2, "categories"): "x",
                                         ("events", 2, "kind"): "party"}))
    assert [(f, r, c) for f, r, c, _, _ in found] == [
        (PV, 2, "states"), (PV, 3, "level"), (PG, 2, "categories"), (PG, 3, "cost"), (EV, 2, "kind")]


def test_missing_required_columns_are_named_on_the_header_line(tmp_path):
    sheets = base_sheets()
    keep = [i for i, c in enumerate(PROVIDER_COLUMNS) if c != "level"]
    sheets["providers"] = [[r[i] for i in keep] for r in sheets["providers"]]
    sheets["programs"] = [r[:3] for r in sheets["programs"]]  # no categories
    found = problems(workbook(tmp_path, sheets=sheets))
    assert [(f, r, c) for f, r, c, _, _ in found] == [(PV, 1, "level"), (PG, 1, "categories")]
    assert all("missing required column" in p for *_, p in found)


def test_references_to_the_workspace_are_accepted(tmp_path):
    path = write_csv_rows(tmp_path / "events.csv", [list(EVENT_COLUMNS[:5]) + ["start_date"],
                                                    ["e1", "known-program", "Expo", "trade show", "DEU", "2027-03-01"]])
    assert problems(path) == [("events.csv", 2, "program_id", "known-program",
                               "names a program that is not in the programs sheet (nor in the workspace)")]
    assert read(path, known_programs={"known-program"})["events"]["iso3"].tolist() == ["DEU"]


@pytest.mark.parametrize("sheets, problem", [
    ({"providers": [list(PROVIDER_COLUMNS)], "Programmes list": [["x"]]}, "is not one the import reads"),
    ({"Sheet1": [["a", "b"], ["1", "2"]], "notes": [["c"]]}, "is not one the import reads"),
    ({"instructions": [["help"]]}, "the workbook has none of the sheets"),
])
def test_a_wrong_set_of_sheets_is_reported(sheets, problem, tmp_path):
    found = problems(write_xlsx_rows(tmp_path / X, sheets))
    assert found and all(c == "sheet" for _, _, c, _, _ in found)
    assert problem in found[0][4]


def test_a_lone_unnamed_sheet_is_told_apart_by_its_header(tmp_path):
    sheets = {"Sheet1": base_sheets()["providers"]}
    frames = read(write_xlsx_rows(tmp_path / X, sheets))
    assert list(frames) == ["providers"]
    assert "read as the providers sheet" in " ".join(frames["providers"].attrs["notes"])


@pytest.mark.parametrize("data, problem", [
    (b"", "empty"), (PNG, "cannot be imported"), (b"just some words\nnothing else\n", "cannot tell which sheet")])
def test_files_no_reader_can_use_are_refused(data, problem, tmp_path):
    path = tmp_path / "programs.csv"
    path.write_bytes(data)
    found = problems(path)
    assert len(found) == 1 and problem in found[0][4]


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = workbook(tmp_path)
    found = problems(path, max_mb=0.001)
    assert len(found) == 1 and "over the import limit" in found[0][4]


# ----------------------------------------------------------------- CSV: one sheet

@pytest.mark.parametrize("sheet", list(SHEETS))
def test_each_sheet_as_csv_is_detected_from_its_header(sheet, tmp_path):
    frames = read(workbook(tmp_path))
    path = write_programs({sheet: frames[sheet]}, tmp_path / f"{sheet}.csv")
    got = read(path, known_providers={"oh-dev", "morpc"}, known_programs={"oh-step"})
    assert list(got) == [sheet]
    pd.testing.assert_frame_equal(got[sheet], frames[sheet])


def test_csv_export_of_several_sheets_is_refused_with_what_to_do(tmp_path):
    frames = read(workbook(tmp_path))
    with pytest.raises(ExportPlanError, match="a CSV file holds one sheet.*providers, programs"):
        write_programs({"providers": frames["providers"], "programs": frames["programs"]}, tmp_path / "all.csv")
    assert not (tmp_path / "all.csv").exists()


def test_json_export_has_every_sheet(tmp_path):
    import json

    frames = read(workbook(tmp_path))
    doc = json.loads(write_programs(frames, tmp_path / "programs.json").read_text(encoding="utf-8"))
    assert list(doc) == list(SHEETS)
    assert doc["programs"][0]["cost_share_rate"] == 0.5 and doc["programs"][0]["capacity"] is None
    assert list(doc["events"][0]) == list(EVENT_COLUMNS)


def test_export_leaves_extra_columns_out_and_tidies_lists(tmp_path):
    frame = pd.DataFrame([row(PROVIDER_COLUMNS, provider_id="x", name="X", level="federal")], columns=PROVIDER_COLUMNS)
    frame["states"] = [["OH", " KY", "OH"]]
    frame["origin"] = "catalogue"
    got = read(write_programs({"providers": frame}, tmp_path / "p.xlsx"))["providers"]
    assert "origin" not in got.columns and got["states"].tolist() == ["OH;KY"]


# ----------------------------------------------------------------- round trip with hostile text

_FRAGMENTS = ('Acme', '"quoted"', 'a,b', "it's", 'Café Ñandú', 'Zürich', '🚀', '<b>bold</b>',
              '<script>alert(1)</script>', '=SUM(A1)', "'=x", "''=y", '+1 614', '@home', '-minus', '&amp;', '1,234',
              '007', 'TRUE', 'x;y')
_word = st.sampled_from(_FRAGMENTS)
_line = st.lists(_word, min_size=1, max_size=3).map(" ".join)
_text = st.just("") | _line
_long = st.just("") | st.lists(_line, min_size=1, max_size=3).map("\n".join)
_key = st.sampled_from(("=", "'", "é", "🚀", '"', "a,", "-", "@")).map(lambda p: p + "k")
_url = st.sampled_from(("", "https://example.org/?a=1&b=2", "http://www.export.gov/ohio/"))
_day = st.dates(date(2000, 1, 1), TODAY).map(date.isoformat)
_verified = st.just("") | _day


def _vocab_list(words, allow_all=True, min_size=0):
    lists = st.lists(st.sampled_from(words), min_size=max(min_size, 1), max_size=3, unique=True).map(";".join)
    choices = lists | (st.just("all") if allow_all else lists)
    return choices if min_size else st.just("") | choices


@st.composite
def inventories(draw):
    n = draw(st.integers(1, 3))
    pids = [f"{draw(_key)}{i}" for i in range(n)]
    providers = [{
        "provider_id": key, "name": draw(_line), "level": draw(st.sampled_from(LEVELS)), "type": draw(_text),
        "states": draw(st.sampled_from(("", "all", "OH", "OH;KY", "PR;DC"))), "geography": draw(_text),
        "address": draw(_long), "phone": draw(st.sampled_from(("", "+1 614 555 0100", "614-365-9510"))),
        "contact": draw(_text), "url": draw(_url), "source_url": draw(_url), "last_verified": draw(_verified),
        "evidence": draw(_long), "note": draw(_long)} for key in pids]
    gids = [f"{draw(_key)}g{i}" for i in range(draw(st.integers(0, 3)))]
    programs = []
    for key in gids:
        cost = draw(st.sampled_from(("",) + COSTS))
        low = draw(st.none() | st.integers(0, 50))
        programs.append({
            "program_id": key, "provider_id": draw(st.sampled_from(pids)), "name": draw(_line),
            "status": draw(st.sampled_from(STATUSES)), "categories": draw(_vocab_list(SERVICE_CATEGORIES, False, 1)),
            "stages": draw(_vocab_list(STAGES)),
            "sectors": draw(st.sampled_from(("", "all", "Automotive;3364", "336"))),
            "countries": draw(st.sampled_from(("", "all", "MEX", "MEX;CAN;DEU"))), "min_employees": low,
            "max_employees": None if low is None else low + draw(st.integers(0, 500)),
            "min_us_content_pct": draw(st.none() | st.sampled_from((0.0, 51.0, 12.5, 100.0))),
            "min_years_in_business": draw(st.none() | st.integers(0, 10)),
            "eligible_states": draw(st.sampled_from(("", "OH", "OH;KY"))), "eligibility_note": draw(_long),
            "cost": cost, "cost_share_rate": (draw(st.sampled_from((0.5, 0.25, 1 / 3, 1.0)))
                                              if cost == "cost-share" else draw(st.none() | st.just(0.75))),
            "cost_share_cap_usd": draw(st.none() | st.sampled_from((10000.0, 2500.5))), "cost_note": draw(_long),
            "funding_source": draw(_text), "capacity": draw(st.none() | st.integers(0, 1000)),
            "pays_for": draw(_vocab_list(SERVICE_CATEGORIES, False)), "calendar": draw(_long),
            "source_url": draw(_url), "last_verified": draw(_verified), "evidence": draw(_long), "note": draw(_long)})
    events = []
    for i in range(draw(st.integers(0, 3)) if gids else 0):
        start = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
        end = draw(st.none() | st.integers(0, 10).map(lambda d, s=start: (s + pd.Timedelta(days=d)).isoformat()))
        events.append({
            "event_id": f"{draw(_key)}e{i}", "program_id": draw(st.sampled_from(gids)), "name": draw(_line),
            "kind": draw(st.sampled_from(EVENT_KINDS)), "iso3": draw(st.sampled_from(("", "MEX", "JPN"))),
            "sector": draw(_text), "start_date": start.isoformat(), "end_date": end or "", "city": draw(_text),
            "url": draw(_url), "source_url": draw(_url), "last_verified": draw(_verified), "evidence": draw(_long)})
    frames = {"providers": pd.DataFrame(providers, columns=PROVIDER_COLUMNS),
              "programs": pd.DataFrame(programs, columns=PROGRAM_COLUMNS),
              "events": pd.DataFrame(events, columns=EVENT_COLUMNS)}
    return {name: canonical_frame(name, frame) for name, frame in frames.items()}


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inventories())
def test_an_export_imports_back_unchanged_xlsx_and_csv(frames):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        got = read(write_programs(frames, folder / "inventory.xlsx"))
        assert list(got) == list(SHEETS)
        for name in SHEETS:
            same(got[name], frames[name])
        again = read(write_programs(got, folder / "again.xlsx"))
        for name in SHEETS:  # an export of an import imports back unchanged
            same(again[name], got[name])
        known = {"known_providers": set(frames["providers"]["provider_id"]),
                 "known_programs": set(frames["programs"]["program_id"])}
        for name in SHEETS:
            if frames[name].empty:
                continue
            text = read(write_programs({name: frames[name]}, folder / f"{name}.csv"), **known)
            assert list(text) == [name]
            same(text[name], frames[name])


def test_a_cost_share_program_may_leave_its_rate_unknown(tmp_path):
    """STEP's share varies by state: a blank rate is read as not known, never as 0 or 1."""
    frames = {"providers": pd.DataFrame([{"provider_id": "sba", "name": "SBA", "level": "federal"}])
              .reindex(columns=list(PROVIDER_COLUMNS)),
              "programs": pd.DataFrame([{"program_id": "step", "provider_id": "sba", "name": "STEP",
                                         "categories": "grants and cost-share", "cost": "cost-share"}])
              .reindex(columns=list(PROGRAM_COLUMNS))}
    path = write_programs(frames, tmp_path / "step.xlsx")
    read = read_program_file(path)
    assert read["programs"]["cost"].tolist() == ["cost-share"]
    assert pd.isna(read["programs"]["cost_share_rate"].iloc[0])
