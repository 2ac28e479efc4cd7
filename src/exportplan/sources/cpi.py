"""Transparency International Corruption Perceptions Index (CPI) results workbook.

TI publishes one workbook a year (e.g. ``CPI2022_GlobalResultsTrends.xlsx``)
from https://www.transparency.org/en/cpi/{year}; the file name changes every
year, so users download it themselves and give us the file.

Layout (checked on the 2022 workbook; see docs/data-sources.md §4): title
rows, then a header row containing ``ISO3`` and a cell starting ``Country``;
one score column ``CPI score {year}`` (``CPI Score`` for 2012-2013) per year,
with ``Rank``, ``Standard error`` and ``Number of sources``/``Sources`` next to
it. The header row is found by pattern, never by position, so an extra title
row does not matter. Every sheet with score columns is read (the results
sheet and the time-series sheet); when two sheets give the same country and
year, the first sheet wins.

Scores are 0 (highly corrupt) to 100 (very clean).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources.textio import workbook_rows
from exportplan.sources.countries import (
    SourceReport, check_unique, file_provenance, map_column, resolve_countries,
)

PUBLISHER = "Transparency International"
DATASET = "Corruption Perceptions Index"
URL = "https://www.transparency.org/en/cpi"
COLUMNS = ["iso3", "country", "year", "cpi_score", "rank", "region", "standard_error", "sources"]

_SCORE = re.compile(r"^CPI score (\d{4})$", re.IGNORECASE)
_EXTRA = {  # output column -> header pattern (year optional: the results sheet omits it)
    "rank": re.compile(r"^Rank(?: (\d{4}))?$", re.IGNORECASE),
    "standard_error": re.compile(r"^Standard error(?: (\d{4}))?$", re.IGNORECASE),
    "sources": re.compile(r"^(?:Number of sources|Sources)(?: (\d{4}))?$", re.IGNORECASE),
}
_HEADER_SEARCH_ROWS = 20


@dataclass
class _Sheet:
    """One sheet's header: where the columns are."""

    name: str
    header_row: int                 # 1-based
    country: int
    iso3: int
    region: int | None
    columns: dict[int, dict[str, int]] = field(default_factory=dict)  # year -> field -> col


def read_cpi(path: str | Path, *, strict: bool = False) -> tuple[pd.DataFrame, SourceReport]:
    """Read a TI CPI results workbook into one row per country and year.

    Returns ``(frame, report)``; frame columns: iso3, country, year, cpi_score
    (0-100), rank, region (TI's code: AME, AP, ECA, MENA, SSA, WE/EU),
    standard_error, sources (number of sources). Rows whose country cannot be
    mapped to ISO3 are left out and listed in ``report.unmapped`` (with line
    numbers in ``report.problems``); with ``strict=True`` they fail the import
    instead. Text in a score column, a country listed twice in a sheet, or an
    ISO3 code that contradicts the name raise ImportFailed (nothing returned).
    """
    path = Path(path)
    sheets = _load_sheets(path)
    problems = ErrorTable()
    report = SourceReport(provenance={})
    frames = []
    for title, rows in sheets:
        sheet = _header(title, rows)
        if sheet is None:
            report.notes.append(f"sheet '{title}' skipped (no CPI score columns)")
            continue
        frames.append(_read_sheet(path, sheet, rows, problems, report))
    if not frames:
        raise ExportPlanError(
            f"{path.name}: no sheet has a header row with 'ISO3', a 'Country' column and "
            f"'CPI score <year>' columns (sheets: {', '.join(t for t, _ in sheets)}). "
            "Give the CPI results workbook from transparency.org/en/cpi.")
    problems.raise_if_any(f"Reading the CPI workbook {path.name}")
    if strict:
        report.problems.raise_if_any(f"Reading the CPI workbook {path.name}")
    out = (pd.concat(frames, ignore_index=True)
           .drop_duplicates(["iso3", "year"], keep="first")
           .sort_values(["iso3", "year"], ignore_index=True))
    latest = int(out["year"].max())
    report.provenance = file_provenance(path, publisher=PUBLISHER, dataset=DATASET,
                                        vintage=str(latest), url=URL, layout="ti-cpi-xlsx",
                                        rows=len(out))
    return out[COLUMNS], report


def latest_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """The latest year's row per country (iso3, year, cpi_score), from :func:`read_cpi`."""
    scored = frame.dropna(subset=["cpi_score"])
    latest = scored.sort_values("year").groupby("iso3", as_index=False).tail(1)
    return latest[["iso3", "year", "cpi_score"]].sort_values("iso3", ignore_index=True)


def _load_sheets(path: Path) -> list[tuple[str, list[tuple]]]:
    """(sheet title, rows of cell values) for every sheet of the workbook."""
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Give the path of the CPI workbook (.xlsx).")
    return workbook_rows(path, "Give TI's CPI results .xlsx file (save .xls/.csv copies as .xlsx).")


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _header(name: str, rows: list[tuple]) -> _Sheet | None:
    """Find the header row by pattern: 'ISO3', a 'Country...' cell and score columns."""
    for number, row in enumerate(rows[:_HEADER_SEARCH_ROWS], start=1):
        cells = [_text(c) for c in row]
        upper = [c.upper() for c in cells]
        if "ISO3" not in upper:
            continue
        country = next((i for i, c in enumerate(upper) if c.startswith("COUNTRY")), None)
        if country is None:
            continue
        sheet = _Sheet(name, number, country, upper.index("ISO3"),
                       upper.index("REGION") if "REGION" in upper else None)
        _find_year_columns(cells, sheet)
        return sheet if sheet.columns else None
    return None


def _find_year_columns(cells: list[str], sheet: _Sheet) -> None:
    for i, cell in enumerate(cells):
        match = _SCORE.match(cell)
        if match:
            sheet.columns.setdefault(int(match[1]), {})["cpi_score"] = i
    single = next(iter(sheet.columns)) if len(sheet.columns) == 1 else None
    for i, cell in enumerate(cells):
        for name, pattern in _EXTRA.items():
            match = pattern.match(cell)
            year = int(match[1]) if match and match[1] else single
            if match and year in sheet.columns:
                sheet.columns[year].setdefault(name, i)


def _read_sheet(path: Path, sheet: _Sheet, rows: list[tuple], problems: ErrorTable,
                report: SourceReport) -> pd.DataFrame:
    """One sheet's rows in long form (one row per country and year with a score)."""
    where = f"{path.name} [{sheet.name}]"
    body = [(n, r) for n, r in enumerate(rows, start=1) if n > sheet.header_row
            and (_cell(r, sheet.country) or _cell(r, sheet.iso3))]
    lines = [n for n, _ in body]
    names = [_cell(r, sheet.country) for _, r in body]
    codes = [_cell(r, sheet.iso3) for _, r in body]
    iso3 = _country_codes(names, codes, lines, where, problems, report)
    check_unique(iso3, lines, file=where, column="ISO3", what="country", problems=problems)
    records = []
    for (line, row), code, name in zip(body, iso3, names):
        if code is None:
            continue
        region = _cell(row, sheet.region) if sheet.region is not None else ""
        for year, cols in sheet.columns.items():
            record = _year_record(row, line, year, cols, where, problems)
            if record is not None:
                records.append({"iso3": code, "country": name, "year": year,
                                "region": region or None, **record})
    return _typed(records)


def _cell(row: tuple, index: int | None) -> str:
    return _text(row[index]) if index is not None and index < len(row) else ""


def _country_codes(names, codes, lines, where, problems, report) -> list[str | None]:
    """ISO3 per row: TI's ISO3 column, else the name; a contradiction is an error."""
    by_code = map_column(codes, source="ti").iso3
    by_name = resolve_countries(
        [n if c is None else "" for n, c in zip(names, by_code)], lines,
        file=where, column="Country / Territory", source="ti", report=report)
    by_name_all = map_column(names, source="ti").iso3
    for line, code, named, name in zip(lines, by_code, by_name_all, names):
        if code and named and code != named:
            problems.add(f"the ISO3 code {code} does not match the country name {name!r} "
                         f"({named})", fix="Correct the ISO3 code or the name",
                         file=where, row=line, column="ISO3", value=code)
    return [c or n for c, n in zip(by_code, by_name)]


def _year_record(row, line, year, cols, where, problems) -> dict | None:
    """Values of one year's columns; None when the country has no score that year."""
    values = {}
    for name, index in cols.items():
        raw = row[index] if index < len(row) else None
        values[name] = _number(raw, line, where, name, year, problems)
    return values if values.get("cpi_score") is not None else None


def _number(raw, line, where, name, year, problems) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-")):
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        try:
            value = float(str(raw).strip())
        except ValueError:
            problems.add(f"{name} for {year} is not a number", file=where, row=line,
                         column=f"{name} {year}", value=str(raw),
                         fix="Enter a number, or leave the cell empty if there is no value")
            return None
    if name == "cpi_score" and not 0 <= value <= 100:
        problems.add(f"CPI score for {year} is outside 0-100", file=where, row=line,
                     column=f"CPI score {year}", value=str(raw),
                     fix="Check the cell: CPI scores run from 0 to 100")
        return None
    return value


def _typed(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=COLUMNS)
    return frame.astype({"iso3": "string", "country": "string", "year": "Int64",
                         "cpi_score": "Float64", "rank": "Int64", "region": "string",
                         "standard_error": "Float64", "sources": "Int64"})
