"""World Bank Worldwide Governance Indicators (WGI): the dataset workbook and the API.

Six dimensions, each an estimate on roughly -2.5 (weak) to +2.5 (strong):
``VA.EST`` voice and accountability, ``PV.EST`` political stability and
absence of violence, ``GE.EST`` government effectiveness, ``RQ.EST``
regulatory quality, ``RL.EST`` rule of law, ``CC.EST`` control of corruption.

:func:`read_wgi_xlsx` reads ``wgidataset.xlsx`` in either layout:

- the current long layout (one sheet, header ``codeindyr, code, countryname,
  year, indicator, estimate, ...``; ``..`` = missing), and
- the older one-sheet-per-dimension layout (title rows, then a row of years
  over six-column blocks and a header row ``Country/Territory, Code,
  Estimate, StdErr, NumSrc, Rank, Lower, Upper, ...``).

:func:`fetch_wgi` uses the Indicators API (``source=3``). The WGI moved to
``GOV_WGI_{dim}.EST`` codes; the bare legacy codes (``CC.EST``) are tried
when the new ones are refused, and the report records which one answered.

Frame columns: iso3, country, indicator (``CC.EST`` ...), indicator_name,
year (Int64), value (Float64, <NA> when missing).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources import download
from exportplan.sources.countries import SourceReport, file_provenance
from exportplan.sources.textio import workbook_rows
from exportplan.sources.worldbank import BASE_URL, WorldBankApiError, _finish_rows, fetch_indicator

DATASET = "Worldwide Governance Indicators"
PUBLISHER = "World Bank"
URL = "https://www.worldbank.org/en/publication/worldwide-governance-indicators"
COLUMNS = ["iso3", "country", "indicator", "indicator_name", "year", "value"]

#: Dimension code -> (name, words that identify its sheet in the older workbook).
DIMENSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "VA.EST": ("Voice and Accountability", ("voice",)),
    "PV.EST": ("Political Stability and Absence of Violence/Terrorism", ("political", "stability")),
    "GE.EST": ("Government Effectiveness", ("government", "effectiveness")),
    "RQ.EST": ("Regulatory Quality", ("regulatory",)),
    "RL.EST": ("Rule of Law", ("rule",)),
    "CC.EST": ("Control of Corruption", ("corruption",)),
}
_LONG_HEADER = {"code", "countryname", "year", "indicator", "estimate"}
_SEARCH_ROWS = 25


def read_wgi_xlsx(path: str | os.PathLike, *, strict: bool = False,
                  ) -> tuple[pd.DataFrame, SourceReport]:
    """Read the WGI dataset workbook (either layout) into the tidy frame.

    Countries are mapped from the WGI code (older codes such as ``ROM``,
    ``ZAR`` included), falling back to the name; former countries
    (Netherlands Antilles) and unmapped names are left out and listed in the
    report (``strict=True`` makes unmapped names fail). Text in the year or
    estimate column, or a country twice for one dimension and year, raises
    ImportFailed: nothing is returned.
    """
    path = Path(path)
    sheets = _load(path)
    problems = ErrorTable()
    long_sheet = next(((name, rows, head) for name, rows in sheets
                       if (head := _long_header(rows)) is not None), None)
    if long_sheet:
        records, layout = _long_records(*long_sheet, path.name, problems), "wgi-long"
    else:
        records, layout = _wide_records(sheets, path.name, problems), "wgi-sheet-per-dimension"
    if records is None:
        raise ExportPlanError(
            f"{path.name}: no sheet looks like the WGI dataset (neither a header with code, "
            "countryname, year, indicator, estimate nor sheets per dimension with 'Code' and "
            "'Estimate' columns). Give wgidataset.xlsx from " + URL + ".")
    long = pd.DataFrame(records, columns=["Country Code", "Country Name", "indicator", "Year",
                                          "Value", "_line", "_vcol"])
    long["indicator_name"] = long["indicator"].map(lambda c: DIMENSIONS[c][0])
    frame, report = _finish_rows(long, path.name, problems, strict, f"Reading {path.name}")
    years = frame["year"].dropna()
    report.provenance = file_provenance(
        path, publisher=PUBLISHER, dataset=DATASET, url=URL, layout=layout, rows=len(frame),
        vintage=f"{int(years.min())}-{int(years.max())}" if len(years) else "")
    return frame, report


def _load(path: Path) -> list[tuple[str, list[tuple]]]:
    if not path.is_file():
        raise ExportPlanError(f"Cannot read {path}: the file does not exist.")
    return workbook_rows(path, f"Give wgidataset.xlsx as downloaded from {URL}.")


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _long_header(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """(row index, column positions) of the long layout's header, if this sheet has it."""
    for index, row in enumerate(rows[:_SEARCH_ROWS]):
        cells = {_text(c).lower(): i for i, c in enumerate(row) if _text(c)}
        if _LONG_HEADER <= set(cells):
            return index, cells
    return None


def _cell_text(value) -> str:
    """A cell as text; whole-number floats lose their ``.0`` (years read as 1996.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _long_records(name: str, rows: list[tuple], head: tuple[int, dict[str, int]], file: str,
                  problems: ErrorTable) -> list[list]:
    """Rows of the long layout as [code, name, dimension, year, value, line, column]."""
    start, cols = head
    codes = {dim.split(".")[0].lower(): dim for dim in DIMENSIONS}
    out = []
    for index, row in enumerate(rows[start + 1:], start=start + 2):
        def get(column):
            return row[cols[column]] if cols[column] < len(row) else None
        if not any(_text(c) for c in row):
            continue
        raw = _text(get("indicator")).lower()
        dim = codes.get(raw.removesuffix(".est"))
        if dim is None:
            problems.add("unknown WGI indicator", file=f"{file} [{name}]", row=index,
                         column="indicator", value=raw,
                         fix="Use one of " + ", ".join(sorted(codes)))
            continue
        out.append([_text(get("code")), _text(get("countryname")), dim,
                    _cell_text(get("year")), _cell_text(get("estimate")), index, "estimate"])
    return out


def _wide_records(sheets, file: str, problems: ErrorTable) -> list[list] | None:
    """The older layout: one sheet per dimension, years over blocks of columns."""
    out, found = [], False
    for name, rows in sheets:
        dim = _dimension_of(name)
        head = _wide_header(rows) if dim else None
        if head is None:
            continue
        found = True
        index, code_col, name_col, year_cols = head
        for line, row in enumerate(rows[index + 1:], start=index + 2):
            if not any(_text(c) for c in row):
                continue
            for year, col in year_cols.items():
                value = row[col] if col < len(row) else None
                out.append([_text(row[code_col]), _text(row[name_col]), dim, year,
                            _cell_text(value), line, f"{year} Estimate"])
    return out if found else None


def _dimension_of(sheet: str) -> str | None:
    key = re.sub(r"[^a-z]", "", sheet.lower())
    for dim, (_, words) in DIMENSIONS.items():
        if any(w in key for w in words):
            return dim
    return None


def _wide_header(rows: list[tuple]) -> tuple[int, int, int, dict[str, int]] | None:
    """(header row, code column, name column, {year: estimate column}) of an older sheet."""
    for index, row in enumerate(rows[:_SEARCH_ROWS]):
        cells = [_text(c).lower() for c in row]
        if "estimate" not in cells or not ({"code", "wbcode"} & set(cells)) or index == 0:
            continue
        code_col = cells.index("code") if "code" in cells else cells.index("wbcode")
        name_col = next((i for i, c in enumerate(cells) if c.startswith("country")), 0)
        years_row, year_cols, last = rows[index - 1], {}, ""
        for col, cell in enumerate(cells):
            above = _cell_text(years_row[col]) if col < len(years_row) else ""
            last = above or last  # a merged year cell is only filled in its first column
            if cell == "estimate" and re.fullmatch(r"\d{4}", last):
                year_cols[last] = col
        if year_cols:
            return index, code_col, name_col, year_cols
    return None


def fetch_wgi(indicators=("CC.EST", "RL.EST", "RQ.EST"), *, cache_dir: str | os.PathLike,
              years: tuple[int, int] | int | None = None, mrv: int | None = None,
              base_url: str = BASE_URL, per_page: int = 20000, timeout: float = 30.0,
              retries: int = 3, progress: bool = True, client: httpx.Client | None = None,
              ) -> tuple[pd.DataFrame, dict[str, SourceReport]]:
    """Download WGI estimates from the Indicators API (``source=3``), one request per dimension.

    Each dimension is asked for as ``GOV_WGI_{code}`` first and, if the API
    refuses that code, as the legacy ``{code}``; ``report.provenance
    ['api_indicator']`` says which answered. The frame's ``indicator`` column
    always holds the plain dimension code (``CC.EST``). Raises DownloadError
    when neither code works.
    """
    frames, reports = [], {}
    for code in indicators:
        dim = _normal_dimension(code)
        frame, report = _fetch_dimension(
            dim, cache_dir=cache_dir, years=years, mrv=mrv, base_url=base_url,
            per_page=per_page, timeout=timeout, retries=retries, progress=progress, client=client)
        frames.append(frame.assign(indicator=dim, indicator_name=DIMENSIONS[dim][0]))
        reports[dim] = report
    return pd.concat(frames, ignore_index=True)[COLUMNS], reports


def _normal_dimension(code: str) -> str:
    dim = str(code).upper().removeprefix("GOV_WGI_")
    dim = dim if dim.endswith(".EST") else f"{dim}.EST"
    if dim not in DIMENSIONS:
        raise ExportPlanError(f"Unknown WGI indicator {code!r}: use one of "
                              f"{', '.join(DIMENSIONS)}.")
    return dim


def _fetch_dimension(dim: str, **options) -> tuple[pd.DataFrame, SourceReport]:
    """Try the current code, then the legacy one; remember which answered."""
    tried = []
    for api_code in (f"GOV_WGI_{dim}", dim):
        try:
            frame, report = fetch_indicator(api_code, source=3, **options)
        except WorldBankApiError as exc:
            tried.append(f"{api_code}: {exc}")
            continue
        except download.DownloadFailed as exc:
            if exc.status not in (400, 404):
                raise
            tried.append(f"{api_code}: {exc}")
            continue
        report.provenance.update(dataset=DATASET, indicator=dim, api_indicator=api_code)
        if api_code == dim:
            report.notes.append(f"the API refused GOV_WGI_{dim}; the legacy code {dim} answered")
        return frame, report
    raise download.DownloadFailed(
        f"The World Bank API refused both codes for the WGI dimension {dim} ("
        + " | ".join(tried) + "). Download wgidataset.xlsx from " + URL
        + " and read it with read_wgi_xlsx instead.", url=BASE_URL, kind="invalid")


__all__ = ["COLUMNS", "DIMENSIONS", "fetch_wgi", "read_wgi_xlsx"]
