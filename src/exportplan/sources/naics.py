"""NAICS codes and titles: every level shipped, other titles on import.

The package ships ``data/naics_titles.csv`` (built by
``scripts/build_naics_titles.py``, which names its public sources): the Census
titles of every NAICS code, 2 to 6 digits including the sector ranges
``31-33``, ``44-45``, ``48-49``, for the 2017 and 2022 vintages; and, with an
empty vintage column because they apply to every vintage, the BLS QCEW titles
of the codes in neither Census file: the QCEW aggregates (``10`` all
industries, ``101``/``102`` domains, ``1011``-``1029`` supersectors), the
unclassified codes (``99`` ... ``999999``), retired codes and the BLS-only
construction splits (``238111`` ...). The user's own title file (a Census code
file or the BLS ``industry_titles.csv``, read by :func:`read_titles_file`)
can add or replace titles.

>>> title_for("31-33")
'Manufacturing'
>>> title_for("336411"), title_for("238111")
('Aircraft Manufacturing', 'Residential poured foundation contractors')
>>> naics_level("336411"), naics_level("44-45"), naics_level("1013")
(6, 2, None)
>>> naics_vintage_for_year(2020)
2017
"""
from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.imports.guard import check_file
from exportplan.sources.filekind import workbook_or_text
from exportplan.sources.textio import decode_text, workbook_rows

#: Vintages whose sector and subsector titles ship with the package.
SHIPPED_VINTAGES = (2017, 2022)
#: NAICS 2017 changed no sector or subsector of NAICS 2012 (only 4- to
#: 6-digit industries), so the 2017 titles serve 2012 data at these levels.
SAME_TOP_LEVELS = {2012: 2017}
#: QCEW data year -> NAICS vintage (BLS, cewindcode.htm and the 2022 schedule).
_VINTAGE_STARTS = ((2022, 2022), (2017, 2017), (2011, 2012), (2007, 2007), (1990, 2002))

_RANGE = re.compile(r"^\d\d-\d\d$")
#: "NAICS 336411 Aircraft manufacturing", "NAICS07 311222 Soybean processing".
_BLS_PREFIX = re.compile(r"^NAICS\d*\s+(\d\d(?:-\d\d)?\d*)\s+")
_YEAR = re.compile(r"(?:19|20)\d\d")
COLUMNS = ["naics", "title", "level"]
#: A title file's code: NAICS 2-6 digits (QCEW aggregates 10, 101, 1011 ... too) or a sector range.
_CODE = re.compile(r"^(?:\d{2,6}|\d\d-\d\d)$")
TITLES_FIX = ("Give the BLS industry_titles.csv or a Census NAICS code file (CSV, or the .xlsx as "
              "downloaded; save a damaged or old .xls workbook again as .xlsx or CSV).")


def clean_code(code: object) -> str:
    """A NAICS or QCEW industry code as text: stripped, ``31_33`` -> ``31-33``, no ``.0``."""
    text = "" if code is None else str(code).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]  # a code that went through a spreadsheet as a number
    return text.replace("_", "-")


def naics_level(code: object) -> int | None:
    """The NAICS level of a code: 2 (sector, incl. ranges) to 6; None for others.

    QCEW aggregates (``10``, domains ``101``/``102``, supersectors
    ``1011``-``1029``) are not NAICS codes: no NAICS sector starts with 10.
    """
    text = clean_code(code)
    if _RANGE.match(text):
        return 2
    if not text.isdigit() or text.startswith("10") or not 2 <= len(text) <= 6:
        return None
    return len(text)


def naics_vintage_for_year(year: int) -> int:
    """The NAICS vintage QCEW uses for a data year (2017 for 2017-2021, 2022 from 2022)."""
    for first_year, vintage in _VINTAGE_STARTS:
        if int(year) >= first_year:
            return vintage
    raise ExportPlanError(f"QCEW data for {year} are coded in SIC, not NAICS (NAICS starts with "
                          "1990 data). Choose a year from 1990 on.")


@lru_cache(maxsize=1)
def _shipped() -> pd.DataFrame:
    """The shipped title table (naics, title, level, vintage), read once."""
    text = resources.files("exportplan").joinpath("data/naics_titles.csv").read_text("utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("#"))  # the source line
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame["level"] = pd.array([int(v) if v else None for v in frame["level"]], dtype="Int64")
    return frame


def _check_vintage(vintage: int | None) -> int:
    """The shipped vintage that serves ``vintage`` (None -> the newest)."""
    if vintage is None:
        return SHIPPED_VINTAGES[-1]
    served = SAME_TOP_LEVELS.get(int(vintage), int(vintage))
    if served not in SHIPPED_VINTAGES:
        raise ExportPlanError(
            f"NAICS titles for vintage {vintage} are not shipped (shipped: "
            f"{', '.join(map(str, SHIPPED_VINTAGES))}; 2012 uses 2017). Import the Census code "
            "file of that vintage (or BLS industry_titles.csv) with 'exportplan import titles FILE'.")
    return served


def naics_titles(vintage: int | None = None) -> pd.DataFrame:
    """Titles of a vintage's codes (default the newest) plus the BLS codes of every vintage.

    Columns ``naics`` (text), ``title``, ``level`` (2 to 6, or <NA> for QCEW
    aggregates such as ``10``).
    """
    served = str(_check_vintage(vintage))
    table = _shipped()
    rows = table[(table["vintage"] == served) | (table["vintage"] == "")]
    return rows[COLUMNS].reset_index(drop=True).copy()


def all_titles(prefer: int | None = None) -> pd.DataFrame:
    """One title per code over every shipped vintage: ``prefer`` (default the newest) first, then the others.

    A table of QCEW data of any year then has a title for every code, e.g.
    ``454`` (NAICS 2017 only) and ``455`` (NAICS 2022 only). Columns as
    :func:`naics_titles`.

    >>> titles = all_titles()
    >>> sorted(set(titles.loc[titles["naics"].isin(["454", "455", "1011"]), "title"]))
    ['General Merchandise Retailers', 'Natural resources and mining', 'Nonstore Retailers']
    """
    first = _check_vintage(prefer)
    order = [first] + [v for v in reversed(SHIPPED_VINTAGES) if v != first]
    frames = [naics_titles(v) for v in order]
    return pd.concat(frames, ignore_index=True).drop_duplicates("naics", keep="first").reset_index(drop=True)


@lru_cache(maxsize=4)
def _title_map(served: int) -> dict[str, str]:
    titles = naics_titles(served)
    mapping = dict(zip(titles["naics"], titles["title"], strict=True))
    for code in [c for c in mapping if _RANGE.match(c)]:
        first, last = (int(part) for part in code.split("-"))
        for member in range(first, last + 1):  # BLS titles 31, 32, 33 as "31-33"
            mapping.setdefault(str(member), mapping[code])
    return mapping


def title_for(code: object, vintage: int | None = None) -> str | None:
    """The shipped title of a NAICS or QCEW code in a vintage (default the newest); None if not shipped."""
    return _title_map(_check_vintage(vintage)).get(clean_code(code))


def read_titles_file(path: str | Path) -> pd.DataFrame:
    """Read a NAICS title file: BLS ``industry_titles.csv`` or a Census code file (CSV/XLSX).

    Returns columns ``naics``, ``title``, ``level`` (see :func:`naics_level`).
    The header row is found by pattern (a "code" and a "title" column), so
    title rows above it are fine. BLS prefixes such as "NAICS 336411 " are
    removed, and BLS's ``31`` titled "NAICS 31-33 Manufacturing" also yields
    the ``31-33`` row. The vintage named in a Census header (e.g. "2017 NAICS
    US Code") is kept in ``frame.attrs["vintage"]`` (None if not named).

    Codes must be 2 to 6 digits (NAICS levels and QCEW aggregates such as
    ``10`` or ``1013``) or a sector range such as ``31-33``, and have a
    title; rows with a title but no code (notes) are skipped. Bad rows are
    raised together as ImportFailed with their line; unreadable files
    (damaged workbooks, old .xls, binary files) as ExportPlanError.
    """
    path = Path(path)
    check_file(path, "NAICS title file", workbook=False, binary=False, complete=False)  # empty or random text
    rows = _read_rows(path)
    header_at, code_col, title_col = _find_header([cells for _, cells in rows], path)
    header = rows[header_at][1]
    records: dict[str, str] = {}
    errors = ErrorTable()
    for line, row in rows[header_at + 1:]:
        raw_code = _cell(row, code_col).strip()
        code = clean_code(raw_code)
        title = " ".join(_cell(row, title_col).split())
        if not code:
            continue  # blank lines and notes
        if not _CODE.match(code):
            errors.add("the code is not a NAICS code (2 to 6 digits, or a sector range such as 31-33) "
                       "or a QCEW aggregate code (e.g. 10, 1013)", "Correct the code or delete the line.",
                       file=path.name, row=line, column=_cell(header, code_col).strip(), value=raw_code)
        elif not title:
            errors.add("the title is empty", "Fill in the industry's title or delete the line.",
                       file=path.name, row=line, column=_cell(header, title_col).strip(), value="")
        else:
            _add_title(records, code, title)
    errors.raise_if_any(f"Reading the NAICS title file {path.name}")
    frame = pd.DataFrame({"naics": list(records), "title": list(records.values())}, dtype=str)
    frame["level"] = pd.array([naics_level(c) for c in frame["naics"]], dtype="Int64")
    year = _YEAR.search(_cell(header, code_col))
    frame.attrs["vintage"] = int(year.group()) if year else None
    return frame


def _add_title(records: dict[str, str], code: str, title: str) -> None:
    """Store one title, stripping a BLS "NAICS <code> " prefix (first title wins)."""
    match = _BLS_PREFIX.match(title)
    if match:
        title = title[match.end():]
        if _RANGE.match(match.group(1)):
            records.setdefault(match.group(1), title)
    records.setdefault(code, title)


def _cell(row: list, index: int) -> str:
    value = row[index] if index < len(row) else None
    return "" if value is None else str(value)


def _read_rows(path: Path) -> list[tuple[int, list]]:
    """(line or sheet row, cells) of the CSV or of the workbook's first sheet, blank lines included."""
    if not path.is_file():
        raise ExportPlanError(f"NAICS title file not found: {path}. Check the path.")
    if workbook_or_text(path, "a CSV or XLSX file", TITLES_FIX):
        return _workbook_rows(path)
    try:
        reader = csv.reader(io.StringIO(decode_text(path.read_bytes(), "utf-8-sig"), newline=""))
        return [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise ExportPlanError(f"{path.name} is not a readable CSV ({exc}). {TITLES_FIX}") from exc


def _workbook_rows(path: Path) -> list[tuple[int, list]]:
    """The first sheet's rows (1-based sheet row, cells); a damaged workbook says so."""
    _, rows = workbook_rows(path, TITLES_FIX, first_only=True)[0]
    return [(i, list(values)) for i, values in enumerate(rows, 1)]


def _find_header(rows: list[list], path: Path) -> tuple[int, int, int]:
    """(row index, code column, title column) of the first row naming both."""
    for index, row in enumerate(rows[:30]):
        cells = [str(c).strip().lower() if c is not None else "" for c in row]
        codes = [i for i, c in enumerate(cells) if "code" in c and "seq" not in c]
        titles = [i for i, c in enumerate(cells) if "title" in c]
        if codes and titles:
            return index, codes[0], titles[0]
    raise ExportPlanError(
        f"{path.name}: no header row with a code and a title column in the first 30 rows. "
        "Expected the BLS layout (industry_code, industry_title) or a Census NAICS code file "
        "(e.g. '2022 NAICS US Code', '2022 NAICS US Title').")
