"""Census USA Trade Online: exports by state and NAICS, in the site's raw CSV download.

The download (e.g. "2012 export by state by NAICS") starts with title lines
(the report name, ``"Current date: ..."``), then the header::

    "Commodity","State","Country","Time","Total Exports Value ($US)",

and one row per commodity x state x country x period. Commodities are NAICS
codes followed by their title (``"336 Transportation Equipment"``,
``"3361 Motor Vehicles"``) or ``"All Commodities"``; states are names,
``"All States"`` (the U.S., national) and ``"Unknown"``. Values are whole
dollars written with thousands separators (``"241,336,911,762"``). Rows end
with a trailing comma (an empty last field), which is ignored.

:func:`read_usatrade` returns the tidy frame (:data:`COLUMNS`): naics (``''``
for All Commodities), naics_title, state, country, year (Int64),
exports_usd (Float64). :func:`national_exports` keeps the ``All States``
rows as the national exports by NAICS (:data:`NATIONAL_COLUMNS`, the same
layout as :func:`exportplan.sources.census_trade.fetch_national_totals_by_naics`),
which :func:`exportplan.analysis.prospects.export_intensity` divides by
national employment.

Census's special codes 910 (waste and scrap), 920, 930 (used merchandise),
980 (goods returned) and 990 (special classification provisions), with their
4-digit children, are product groups, not industries: they are kept here and
flagged by ``special`` in :func:`national_exports`.
"""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.imports.guard import check_file
from exportplan.sources.download import file_sha256
from exportplan.sources.textio import decode_text, require_columns

PUBLISHER = "U.S. Census Bureau"
DATASET = "USA Trade Online: exports by state and NAICS"
URL = "https://usatrade.census.gov/"
HEADER = ("Commodity", "State", "Country", "Time", "Total Exports Value ($US)")
COLUMNS = ["naics", "naics_title", "state", "country", "year", "exports_usd"]
NATIONAL_COLUMNS = ["naics", "naics_title", "year", "exports_usd", "special"]
NATIONAL = "All States"
ALL_COMMODITIES = "All Commodities"
#: First three digits of Census's non-industry commodity groups.
SPECIAL_CODES = ("910", "920", "930", "980", "990")
_EXPECTED = ("Download the report from USA Trade Online (usatrade.census.gov) as CSV with the "
             "columns Commodity, State, Country, Time and Total Exports Value ($US).")
_COMMODITY = re.compile(r"(\d{2,6})\s+(.+)")


def read_usatrade(path_or_text, *, file: str = "") -> tuple[pd.DataFrame, dict]:
    """Read a USA Trade Online exports-by-state-and-NAICS CSV into the tidy frame.

    ``path_or_text``: a path, bytes or text. Returns the frame (:data:`COLUMNS`,
    in file order) and its provenance (publisher, dataset, source, vintage,
    rows, sha256 for a path). Every bad row (a commodity that is neither
    ``All Commodities`` nor a NAICS code and title, a year or value that is
    not a number, a row twice) is collected and raised together as
    ImportFailed.
    """
    text, where, sha = _text(path_or_text, file)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines[:20]) if line.lstrip('"').startswith("Commodity")),
                 None)
    if start is None:
        raise ExportPlanError(f"{where}: no header line starting with Commodity in the first 20 "
                              f"lines; this is not a USA Trade Online export. {_EXPECTED}")
    reader = csv.reader(io.StringIO("\n".join(lines[start:])))
    header = [h.strip() for h in next(reader)]
    while header and not header[-1]:
        header.pop()
    require_columns(header, HEADER, where, _EXPECTED)
    at = {name: header.index(name) for name in HEADER}
    problems, records = ErrorTable(), []
    for line, row in enumerate(reader, start=start + 2):
        if not any(cell.strip() for cell in row):
            continue
        record = _record(row, at, line, where, problems)
        if record is not None:
            records.append(record + [line])
    problems.raise_if_any(f"Reading {where}")
    frame = pd.DataFrame(records, columns=COLUMNS + ["_line"])
    _check_unique(frame, where, problems)
    problems.raise_if_any(f"Reading {where}")
    if frame.empty:
        raise ExportPlanError(f"{where} has a header but no rows. {_EXPECTED}")
    frame = frame.drop(columns="_line").astype({
        "naics": "string", "naics_title": "string", "state": "string", "country": "string",
        "year": "Int64", "exports_usd": "Float64"})
    years = sorted(int(y) for y in frame["year"].dropna().unique())
    provenance = {"publisher": PUBLISHER, "dataset": DATASET, "url": URL, "source": where,
                  "vintage": ", ".join(map(str, years)), "rows": len(frame),
                  "layout": "usatradeonline-csv"}
    if sha:
        provenance["sha256"] = sha
    return frame, provenance


def national_exports(frame: pd.DataFrame, *, country: str = "World Total") -> pd.DataFrame:
    """The ``All States`` rows (national) by NAICS code, for one destination (World Total).

    Columns (:data:`NATIONAL_COLUMNS`): naics, naics_title, year, exports_usd,
    special (True for Census's non-industry groups 910-990). The All
    Commodities row is left out. Raises ExportPlanError when the file has no
    All States rows (a download of selected states only).
    """
    rows = frame[(frame["state"] == NATIONAL) & (frame["country"] == country)
                 & (frame["naics"] != "")]
    if rows.empty:
        raise ExportPlanError(f"The file has no '{NATIONAL}' rows for {country}: download the "
                              "report again with All States selected (the national total).")
    out = rows[["naics", "naics_title", "year", "exports_usd"]].reset_index(drop=True)
    out["special"] = out["naics"].str.slice(0, 3).isin(SPECIAL_CODES).astype(bool)
    return out[NATIONAL_COLUMNS]


def _text(path_or_text, file: str) -> tuple[str, str, str]:
    """(text, name for messages, sha256 or '')."""
    if isinstance(path_or_text, (str, os.PathLike)) and not (
            isinstance(path_or_text, str) and "\n" in path_or_text):
        path = Path(path_or_text)
        check_file(path, "USA Trade Online CSV", workbook=False, complete=False)
        raw = path.read_bytes()
        return decode_text(raw, "cp1252"), file or path.name, file_sha256(path)
    raw = path_or_text
    text = decode_text(raw, "cp1252") if isinstance(raw, bytes) else str(raw)
    return text, file or "the USA Trade Online file", ""


def _record(row: list[str], at: dict, line: int, where: str, problems: ErrorTable) -> list | None:
    cells = {name: (row[i].strip() if i < len(row) else "") for name, i in at.items()}
    commodity = cells["Commodity"]
    ok = True
    if commodity == ALL_COMMODITIES:
        naics, title = "", ALL_COMMODITIES
    elif found := _COMMODITY.fullmatch(commodity):
        naics, title = found[1], found[2].strip()
    else:
        naics = title = ""
        ok = False
        problems.add("the commodity is not 'All Commodities' nor a NAICS code and its title",
                     file=where, row=line, column="Commodity", value=commodity,
                     fix="Download the report by NAICS (not HS or SITC) from USA Trade Online")
    year = cells["Time"][:4]
    if not re.fullmatch(r"\d{4}", year):
        ok = False
        problems.add("the time is not a year", file=where, row=line, column="Time",
                     value=cells["Time"], fix="Download annual data (Time = a year such as 2012)")
    raw = cells["Total Exports Value ($US)"].replace(",", "")
    value = None
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        value = float(raw)
    elif raw:
        ok = False
        problems.add("the value is not a number of dollars", file=where, row=line,
                     column="Total Exports Value ($US)", value=cells["Total Exports Value ($US)"],
                     fix="Download the report again; values look like 1,545,820,839,892")
    if not ok:
        return None
    return [naics, title, cells["State"], cells["Country"], int(year), value]


def _check_unique(frame: pd.DataFrame, where: str, problems: ErrorTable) -> None:
    keys = ["naics", "state", "country", "year"]
    for _, group in frame[frame.duplicated(keys, keep=False)].groupby(keys, sort=False):
        first = group.iloc[0]
        problems.add(f"NAICS {first['naics'] or '(all)'} for {first['state']} {first['year']} "
                     f"appears more than once (lines {', '.join(map(str, group['_line']))})",
                     file=where, row=int(group["_line"].iloc[1]), column="Commodity",
                     value=str(first["naics"]), fix="Remove the repeated line or download again")


__all__ = ["COLUMNS", "NATIONAL", "NATIONAL_COLUMNS", "SPECIAL_CODES", "national_exports",
           "read_usatrade"]
