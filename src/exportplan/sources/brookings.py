"""Brookings Export Monitor: total exports of every metro (CBSA) and county, read into one tidy frame.

Layouts read (the Export Monitor 2018 files, as republished by Brookings Metro):

- metro: ``cbsa_code, year, cbsa_2013_name, cbsa_exports_nominal,
  cbsa_exports_real, cbsa_pct_exports_gdp`` (CBSA codes of the 2013
  delineation);
- county: ``stco_code, year, co_name, st_code, st_name, st_abbr,
  county_exports_nominal, county_exports_real, county_pct_exports_gdp``.

Which one a file is comes from its header (``cbsa_code`` or ``stco_code``).
Values are **millions of current U.S. dollars** of **goods and services**
exports, attributed to where they are **produced** (not where the exporter
is registered); ``pct`` is exports as a share of the area's GDP (0-1).

:func:`read_brookings` returns the frame (:data:`COLUMNS`): scope (metro |
county), area_code (5-digit CBSA or county FIPS, text), area_name, year
(Int64), exports_usd and exports_real_usd in **dollars** (the file's millions
x 1,000,000), pct_gdp (0-1), and the file's provenance. Every bad line (a
code that is not 5 digits, a year or value that is not a number, a negative
value, a share of GDP over 1, an area twice in a year) is collected with its
line and column and raised together as :class:`~exportplan.errors.ImportFailed`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable
from exportplan.imports.cells import clean_text, normalize_header
from exportplan.imports.guard import checked_lines, import_failure
from exportplan.sources.countries import file_provenance

PUBLISHER = "Brookings Institution"
DATASET = "Export Monitor 2018"
SOURCE = "brookings"
COVERAGE = "goods and services, by production location"
UNIT = "millions of current U.S. dollars"
MILLION = 1_000_000.0
COLUMNS = ["scope", "area_code", "area_name", "year", "exports_usd", "exports_real_usd", "pct_gdp"]
#: scope -> (column role -> header name); the first name of each layout identifies it.
LAYOUTS = {
    "metro": {"code": "cbsa_code", "year": "year", "name": "cbsa_2013_name", "nominal": "cbsa_exports_nominal",
              "real": "cbsa_exports_real", "pct": "cbsa_pct_exports_gdp"},
    "county": {"code": "stco_code", "year": "year", "name": "co_name", "nominal": "county_exports_nominal",
               "real": "county_exports_real", "pct": "county_pct_exports_gdp"},
}
_REQUIRED = ("code", "year", "nominal")
_EXPECTED = ("Give the Brookings Export Monitor metro file (cbsa_code, year, cbsa_2013_name, cbsa_exports_nominal, "
             "cbsa_exports_real, cbsa_pct_exports_gdp) or county file (stco_code, year, co_name, ..., "
             "county_exports_nominal, county_exports_real, county_pct_exports_gdp) as published.")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def detect_scope(header: list[str]) -> str | None:
    """``metro`` or ``county`` from a header line (names folded as :func:`normalize_header`), else None."""
    names = {normalize_header(h) for h in header}
    found = [scope for scope, layout in LAYOUTS.items() if layout["code"] in names]
    return found[0] if len(found) == 1 else None


def read_brookings(path: str | Path, *, file: str = "") -> tuple[pd.DataFrame, dict]:
    """Read a Brookings Export Monitor metro or county file into the tidy frame; see the module notes.

    Returns (frame in file order, provenance: publisher, dataset, vintage (the
    years found), source, sha256, rows, layout ``brookings-metro`` or
    ``brookings-county``, note on coverage and unit). Raises ImportFailed
    with every problem (line, column, value, what to fix).
    """
    path = Path(path)
    label = file or path.name
    rows = _rows(path, label)
    errors = ErrorTable()
    header_line, header = rows[0]
    scope = detect_scope(header)
    if scope is None:
        errors.add("the header is neither the Export Monitor metro layout (cbsa_code ...) nor the county layout "
                   f"(stco_code ...); found: {', '.join(h for h in header if h) or '(blank)'}", _EXPECTED,
                   file=label, row=header_line, column=header[0] if header else "")
        errors.raise_if_any(f"Reading the Brookings file {label}")
    layout = LAYOUTS[scope]
    positions = {normalize_header(h): i for i, h in reversed(list(enumerate(header)))}
    missing = [layout[role] for role in _REQUIRED if layout[role] not in positions]
    if missing:
        errors.add(f"missing column(s) {', '.join(missing)} of the {scope} layout", _EXPECTED, file=label,
                   row=header_line, column=", ".join(missing))
        errors.raise_if_any(f"Reading the Brookings file {label}")
    at = {role: positions.get(name) for role, name in layout.items()}
    body = rows[1:]
    if not body:
        errors.add("the file has a header but no rows", "Import the complete file, one row per area.", file=label,
                   row=header_line)
        errors.raise_if_any(f"Reading the Brookings file {label}")
    records = [_record(line, cells, at, layout, scope, label, errors) for line, cells in body]
    records = [r for r in records if r is not None]
    _check_unique(records, layout, label, errors)
    errors.problems.sort(key=lambda p: p.row or 0)
    errors.raise_if_any(f"Reading the Brookings file {label}")
    frame = pd.DataFrame([r[:-1] for r in records], columns=COLUMNS).astype({
        "scope": "string", "area_code": "string", "area_name": "string", "year": "Int64",
        "exports_usd": "Float64", "exports_real_usd": "Float64", "pct_gdp": "Float64"})
    years = sorted({int(y) for y in frame["year"]})
    provenance = file_provenance(path, publisher=PUBLISHER, dataset=DATASET, vintage=", ".join(map(str, years)),
                                 layout=f"brookings-{scope}", rows=len(frame))
    provenance["source"] = label
    provenance["note"] = (f"{scope} exports of {COVERAGE}; the file gives {UNIT}, stored in dollars; "
                          "pct_gdp = exports / GDP")
    return frame, provenance


def _rows(path: Path, label: str) -> list[tuple[int, list[str]]]:
    """The file's non-blank lines as text cells, the header first; a file no reader can use is refused."""
    rows = checked_lines(path, label, what="Brookings Export Monitor file (CSV)",
                         fix="Pick the Export Monitor file itself, a complete CSV.",
                         title=f"Reading the Brookings file {label}")
    if not rows:
        raise import_failure(label, "the file holds no lines", "Import the complete Export Monitor file.",
                             title=f"Reading the Brookings file {label}")
    return rows


def _cell(cells: list[str], pos: int | None) -> str:
    return clean_text(cells[pos])[0] if pos is not None and pos < len(cells) else ""


def _number(text: str) -> float | None:
    raw = text.replace(",", "").strip()
    return float(raw) if _NUMBER.fullmatch(raw) else None


def _record(line: int, cells: list[str], at: dict, layout: dict, scope: str, label: str,
            errors: ErrorTable) -> list | None:
    """One area's row (with its line last), or None when a cell is wrong (the problem goes to ``errors``)."""
    before = len(errors)
    code = _cell(cells, at["code"])
    if re.fullmatch(r"\d{4}", code) and scope == "county":
        code = code.zfill(5)  # a spreadsheet dropped the state's leading zero (1001 -> 01001)
    if not re.fullmatch(r"\d{5}", code):
        what = "CBSA code" if scope == "metro" else "county FIPS code (state + county)"
        errors.add(f"is not a 5-digit {what}", "Keep the codes as text with their leading zeros (e.g. 18140, "
                   "01001); re-export the file without letting a spreadsheet turn them into numbers.",
                   file=label, row=line, column=layout["code"], value=code)
    year_text = _cell(cells, at["year"])
    if not re.fullmatch(r"\d{4}", year_text):
        errors.add("is not a year", "Give the year of the figures, e.g. 2017.", file=label, row=line,
                   column=layout["year"], value=year_text)
    values = {}
    for role in ("nominal", "real", "pct"):
        text = _cell(cells, at[role])
        if at[role] is None or (text == "" and role != "nominal"):
            values[role] = None
            continue
        value = _number(text)
        if value is None or value < 0 or value != value:
            errors.add("is not a number of millions of dollars (0 or more)" if role != "pct"
                       else "is not a share of GDP (0 to 1)", "Correct the value; the file gives exports in "
                       "millions of U.S. dollars and the share of GDP as a fraction (0.08 for 8%).",
                       file=label, row=line, column=layout[role], value=text)
        elif role == "pct" and value > 1:
            errors.add("is a share of GDP over 1", "Give the share as a fraction (0.08 for 8%), as the Export "
                       "Monitor file does.", file=label, row=line, column=layout[role], value=text)
        values[role] = value
    if len(errors) > before:
        return None
    real = values["real"]
    return [scope, code, _cell(cells, at["name"]), int(year_text), values["nominal"] * MILLION,
            None if real is None else real * MILLION, values["pct"], line]


def _check_unique(records: list[list], layout: dict, label: str, errors: ErrorTable) -> None:
    seen: dict[tuple[str, int], int] = {}
    for record in records:
        key, line = (record[1], record[3]), record[-1]
        if key in seen:
            errors.add(f"area {key[0]} appears twice for {key[1]} (lines {seen[key]} and {line})",
                       "Remove the repeated line, or import the file as published.", file=label, row=line,
                       column=layout["code"], value=key[0])
        else:
            seen[key] = line


__all__ = ["COLUMNS", "COVERAGE", "DATASET", "LAYOUTS", "MILLION", "PUBLISHER", "SOURCE", "UNIT",
           "detect_scope", "read_brookings"]
