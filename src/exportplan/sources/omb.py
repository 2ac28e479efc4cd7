"""OMB / Census CBSA delineation ("List 1"): which counties make up a metro area.

:func:`read_delineation` reads the Census workbook (or a CSV of the same
columns) into one row per county; :func:`cbsa_counties` lists the 5-digit
county FIPS codes of a CBSA, the region a user picks by metro name or code.

The official workbook has two title lines above the header and a note and a
source line below the data; the reader finds the header row by its column
names and keeps only rows with a 5-digit CBSA code, so it also reads copies
whose title rows were removed.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
from pathlib import Path

import pandas as pd

from exportplan.errors import ExportPlanError
from exportplan.sources.download import fetch
from exportplan.sources.filekind import WORKBOOK_SUFFIXES
from exportplan.sources.textio import decode_text, workbook_rows

#: The July 2023 delineation (OMB Bulletin 23-01), the current one.
DELINEATION_URL = ("https://www2.census.gov/programs-surveys/metro-micro/geographies/"
                   "reference-files/2023/delineation-files/list1_2023.xlsx")
LANDING_PAGE = ("https://www.census.gov/geographies/reference-files/time-series/demo/"
                "metro-micro/delineation-files.html")

COLUMNS = ["cbsa_code", "cbsa_title", "metro_micro", "csa_code", "csa_title", "county_fips",
           "county_name", "state_name", "central_outlying"]
#: Canonical field -> accepted headers (compared case- and space-insensitively):
#: the official header first, then the canonical name (a CSV written by exportplan).
_HEADERS = {
    "cbsa_code": ("cbsa code", "cbsa_code"),
    "cbsa_title": ("cbsa title", "cbsa_title"),
    "metro_micro": ("metropolitan/micropolitan statistical area", "metro_micro"),
    "csa_code": ("csa code", "csa_code"),
    "csa_title": ("csa title", "csa_title"),
    "county_name": ("county/county equivalent", "county_name"),
    "state_name": ("state name", "state_name"),
    "state_fips": ("fips state code", "state_fips"),
    "county_code": ("fips county code", "county_code"),
    "county_fips": ("county_fips",),
    "central_outlying": ("central/outlying county", "central_outlying"),
}
_HEADER_SCAN_ROWS = 20


def _norm(text: object) -> str:
    return " ".join(str(text).split()).lower() if text is not None else ""


def _code(value: object, width: int) -> str:
    """A code cell as zero-padded text; '' when empty (e.g. no CSA)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]  # a code stored as a number in a re-saved workbook
    return text.zfill(width) if text.isdigit() else text


def _read_rows(path: Path, suffix: str) -> list[list]:
    """The first sheet (xlsx) or the CSV as lists of cells, all text."""
    if not path.is_file():
        raise ExportPlanError(f"Delineation file not found: {path}. Download it with "
                              f"`download_delineation` or from {LANDING_PAGE}.")
    if suffix in WORKBOOK_SUFFIXES:
        _, rows = workbook_rows(path, f"Download the delineation file again from {LANDING_PAGE}.", first_only=True)[0]
        return [[None if v is None else str(v) for v in row] for row in rows]  # all text, as documented
    if suffix == ".xls":
        raise ExportPlanError(f"{path.name} is an old Excel (.xls) file, which exportplan does "
                              "not read. Open it in a spreadsheet program and save it as .xlsx "
                              "or .csv, then try again.")
    return list(csv.reader(io.StringIO(decode_text(path.read_bytes(), "utf-8-sig"), newline="")))


def _header_map(rows: list[list], path: Path) -> tuple[int, dict[str, int]]:
    """Index of the header row and canonical field -> column position."""
    accepted = {alias: name for name, aliases in _HEADERS.items() for alias in aliases}
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            if _norm(cell) in accepted:
                found.setdefault(accepted[_norm(cell)], position)
        has_county = "county_fips" in found or {"state_fips", "county_code"} <= found.keys()
        if {"cbsa_code", "cbsa_title"} <= found.keys() and has_county:
            return index, found
    raise ExportPlanError(
        f"{path.name}: no header row with the columns 'CBSA Code', 'CBSA Title', 'FIPS State "
        "Code' and 'FIPS County Code' in its first rows. Use the Census 'List 1' delineation "
        f"file ({LANDING_PAGE}) or a CSV with those columns.")


def _record(row: list, cols: dict[str, int]) -> dict[str, str]:
    """One county row in the canonical layout."""
    def get(name: str) -> str:
        at = cols.get(name)
        value = row[at] if at is not None and at < len(row) else None
        return "" if value is None else " ".join(str(value).split())

    kind = get("metro_micro").lower()
    return {
        "cbsa_code": _code(get("cbsa_code"), 5),
        "cbsa_title": get("cbsa_title"),
        "metro_micro": kind[:5] if kind[:5] in ("metro", "micro") else kind,
        "csa_code": _code(get("csa_code"), 3),
        "csa_title": get("csa_title"),
        "county_fips": (_code(get("county_fips"), 5) if "county_fips" in cols
                        else _code(get("state_fips"), 2) + _code(get("county_code"), 3)),
        "county_name": get("county_name"),
        "state_name": get("state_name"),
        "central_outlying": get("central_outlying").lower(),
    }


def read_delineation(path: str | Path) -> pd.DataFrame:
    """Read the OMB/Census "List 1" delineation (xlsx, or CSV of the same columns).

    Returns one row per county with columns :data:`COLUMNS`, all text:
    ``cbsa_code`` (5 digits), ``metro_micro`` (``metro``/``micro``),
    ``csa_code`` (3 digits or ''), ``county_fips`` (5 digits, state + county),
    ``central_outlying`` (``central``/``outlying``). Title, note and source
    lines around the table are skipped.
    """
    path = Path(path)
    return _parse(_read_rows(path, path.suffix.lower()), path)


def _parse(rows: list[list], path: Path) -> pd.DataFrame:
    """The canonical frame from the rows of a delineation table."""
    header_at, cols = _header_map(rows, path)
    records = [_record(row, cols) for row in rows[header_at + 1:]]
    records = [r for r in records if re.fullmatch(r"\d{5}", r["cbsa_code"])]
    if not records:
        raise ExportPlanError(f"{path.name}: the header was found but no county rows with a "
                              "5-digit CBSA code follow it. Is this the 'List 1' file?")
    return pd.DataFrame(records, columns=COLUMNS, dtype=str)


def normalize_cbsa_code(code: object) -> str:
    """A CBSA code as 5-digit text; also accepts the QCEW MSA area code ``C1814``."""
    text = str(code).strip().upper()
    if re.fullmatch(r"C\d{4}", text):
        return text[1:] + "0"  # QCEW drops the CBSA's last digit, always 0
    return _code(text, 5)


def cbsa_counties(delineation: pd.DataFrame, cbsa_code: object) -> list[str]:
    """The sorted 5-digit county FIPS codes of a CBSA.

    Raises :class:`ExportPlanError` naming near matches (by code and by
    title) when the code is not in the delineation.
    """
    code = normalize_cbsa_code(cbsa_code)
    counties = delineation.loc[delineation["cbsa_code"] == code, "county_fips"]
    if counties.empty:
        raise ExportPlanError(_unknown_cbsa_message(delineation, str(cbsa_code).strip()))
    return sorted(counties.unique().tolist())


def _unknown_cbsa_message(delineation: pd.DataFrame, asked: str) -> str:
    """Say the code is unknown and suggest CBSAs with a similar code or title."""
    titles = (delineation[["cbsa_code", "cbsa_title"]].drop_duplicates("cbsa_code")
              .set_index("cbsa_code")["cbsa_title"].to_dict())
    code = normalize_cbsa_code(asked)
    near = sorted(titles, key=lambda c: abs(int(c) - int(code)))[:3] if code.isdigit() else []
    by_title = {t.lower(): c for c, t in titles.items()}
    lowered = asked.lower()
    if not code.isdigit():  # a name, not a code: match titles
        near += [c for t, c in by_title.items() if lowered and lowered in t]
        near += [by_title[t] for t in difflib.get_close_matches(lowered, list(by_title), n=3)]
    near = list(dict.fromkeys(near))[:6]
    hint = ("Did you mean: " + "; ".join(f"{c} {titles[c]}" for c in near) + "?") if near else \
        "No similar code or title was found."
    return (f"CBSA '{asked}' is not in the delineation file ({len(titles)} CBSAs). {hint} "
            f"Use the 5-digit CBSA code from the 'CBSA Code' column (list: {LANDING_PAGE}).")


def download_delineation(cache_dir: str | Path, *, url: str = DELINEATION_URL,
                         timeout: float = 60.0, retries: int = 3, backoff: float = 0.5,
                         progress: bool = True, client=None) -> Path:
    """Download the delineation workbook into ``cache_dir`` (cached) and return its path.

    The file is checked with :func:`read_delineation` before it is cached, so
    an error page saved under the workbook's name is never kept.
    """
    return fetch(url, cache_dir, timeout=timeout, retries=retries, backoff=backoff,
                 progress=progress, validate=_validate_download, client=client)


def _validate_download(path: Path) -> bool:
    """Reject a download that is not a readable delineation table (e.g. an error page)."""
    with open(path, "rb") as fh:
        is_zip = fh.read(2) == b"PK"  # xlsx files are ZIP archives
    return len(_parse(_read_rows(path, ".xlsx" if is_zip else ".csv"), path)) > 0
