"""Country files: which publisher's layout a file has, and its values as long rows.

:func:`detect_country_layout` tells the layouts apart (World Bank WDI CSV,
WGI workbook, TI CPI workbook, CEPII geo or dist, USTR Special 301 table, or
the user's own country table); :func:`read_country_file` reads one file into
long rows (iso3, indicator, year, value, value_text) with its
:class:`~exportplan.sources.countries.SourceReport`. The workspace stores them.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..analysis import markets as am
from ..errors import ExportPlanError
from .filekind import WORKBOOK_SUFFIXES
from .textio import decode_text, workbook_rows

COUNTRY_PUBLISHERS = ("auto", "wdi", "wgi", "cpi", "cepii-geo", "cepii-dist", "special301", "table")

def sniff_lines(path: Path, n: int = 25) -> list[str]:
    """The first ``n`` lines of a text file (UTF-8, else Latin-1), from its first 200 kB."""
    return decode_text(path.read_bytes()[:200_000], "latin-1").splitlines()[:n]


def _xlsx_head_rows(path: Path, n: int = 25) -> list[tuple[str, list[str]]]:
    """(sheet, cells) for the first ``n`` rows of every sheet, as lower-case text."""
    return [(title, ["" if c is None else str(c).strip().lower() for c in row])
            for title, rows in workbook_rows(path, "Give an .xlsx file (save .xls copies as .xlsx).", max_row=n)
            for row in rows]


def _xlsx_strings(path: Path, limit: int = 5000) -> set[str] | None:
    """The workbook's first ``limit`` shared strings, lower-cased (None when it has no string table).

    Header cells are among the first strings written, and reading only these
    is much faster than opening a large workbook (the WGI file is 3 MB).
    """
    import zipfile
    from xml.etree.ElementTree import iterparse

    try:
        with zipfile.ZipFile(path) as book:
            if "xl/sharedStrings.xml" not in book.namelist():
                return None
            found: set[str] = set()
            with book.open("xl/sharedStrings.xml") as fh:
                for _, elem in iterparse(fh):
                    if elem.tag.endswith("}si") or elem.tag == "si":
                        found.add("".join(elem.itertext()).strip().lower())
                        elem.clear()
                        if len(found) >= limit or (len(found) % 50 == 0 and _xlsx_layout(found)):
                            break
            return found
    except (zipfile.BadZipFile, OSError, SyntaxError):
        return None


def _xlsx_layout(cells: set[str]) -> str | None:
    if "iso3" in cells and any(re.match(r"^cpi score \d{4}$", c) for c in cells):
        return "cpi"
    if {"code", "countryname", "year", "indicator", "estimate"} <= cells:
        return "wgi"
    if "estimate" in cells and ({"code", "wbcode"} & cells):
        return "wgi"
    return None


def detect_country_layout(path: str | Path) -> str:
    """Which publisher's layout a country file has (a key of :data:`COUNTRY_PUBLISHERS`)."""
    path = Path(path)
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Check the path.")
    suffix = path.suffix.lower()
    if suffix in (".dta", ".xls"):  # CEPII ships .dta and .xls (the reader explains what to do with .xls)
        return "cepii-dist" if "dist" in path.name.lower() else "cepii-geo"
    if suffix in WORKBOOK_SUFFIXES:
        strings = _xlsx_strings(path)
        if strings is not None and _xlsx_layout(strings):
            return _xlsx_layout(strings)
        for _, cells in _xlsx_head_rows(path):  # inline strings, or a header beyond the first strings
            if _xlsx_layout(set(cells)):
                return _xlsx_layout(set(cells))
        return "table"
    lines = sniff_lines(path)
    if any(re.match(r'^"?Country Name"?\s*,\s*"?Country Code"?', ln, re.IGNORECASE) for ln in lines[:20]):
        return "wdi"
    first = lines[0] if lines else ""
    sep = max((";", ",", "\t"), key=first.count)
    cells = [c.strip().strip('"').lower() for c in first.split(sep)]
    if {"iso_o", "iso_d"} <= set(cells):
        return "cepii-dist"
    if {"iso3", "lat", "lon", "cap"} <= set(cells):
        return "cepii-geo"
    if cells and cells[0] == "country" and len(cells) > 1 and all(
            re.fullmatch(r"(19|20)\d\d", c) for c in cells[1:] if c):
        return "special301"
    return "table"



_LONG = ["iso3", "indicator", "year", "value", "value_text"]


def long_rows(iso3, indicator, year, value, text=None) -> pd.DataFrame:
    frame = pd.DataFrame({"iso3": pd.Series(iso3, dtype="object").to_numpy(),
                          "indicator": indicator, "year": year, "value": value})
    frame["value_text"] = "" if text is None else text
    frame["year"] = pd.to_numeric(frame["year"]).fillna(0).astype(int)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame = frame[frame["value"].notna() & frame["iso3"].notna()]
    return frame[_LONG].reset_index(drop=True)


def read_country_file(path: Path, layout: str, *, indicator: str | None, sheet: str | None):
    """(long rows, SourceReport) for one country file in ``layout``."""
    from . import cepii, cpi, special301, wgi, worldbank
    from .countries import SourceReport, file_provenance

    if layout == "wdi":
        frame, report = worldbank.read_wdi_csv(path, indicator=indicator)
        rows = long_rows(frame["iso3"], frame["indicator"], frame["year"], frame["value"])
    elif layout == "wgi":
        frame, report = wgi.read_wgi_xlsx(path)
        rows = long_rows(frame["iso3"], frame["indicator"], frame["year"], frame["value"])
    elif layout == "cpi":
        frame, report = cpi.read_cpi(path)
        rows = long_rows(frame["iso3"], am.CPI, frame["year"], frame["cpi_score"])
    elif layout == "cepii-geo":
        frame, report = cepii.read_geo(path)
        pts = cepii.points(frame, "capital")
        city = pts["city"].fillna("").astype(str)
        rows = pd.concat([long_rows(pts["iso3"], am.CEPII_LAT, 0, pts["lat"], city),
                          long_rows(pts["iso3"], am.CEPII_LON, 0, pts["lon"], city)], ignore_index=True)
        report.notes.append(f"{len(pts)} countries' capitals (CEPII cap=1 rows)")
    elif layout == "cepii-dist":
        frame, report = cepii.read_dist(path)
        us = frame[(frame["iso_o"] == am.HOME) & (frame["iso_d"] != am.HOME)]
        if us.empty:
            raise ExportPlanError(f"{path.name} has no rows from the United States (iso_o USA); give CEPII's "
                                  "complete dist_cepii table.")
        rows = pd.concat([long_rows(us["iso_d"], am.CONTIGUOUS, 0, us["contig"]),
                          long_rows(us["iso_d"], "cepii_distcap_km", 0, us["distcap"])], ignore_index=True)
        report.notes.append("kept the pairs from the United States: contiguity and capital-to-capital distance")
    elif layout == "special301":
        frame, report = special301.read_special301(path)
        rows = long_rows(frame["iso3"], am.IP_SCORE, frame["year"], frame["ip_score"], frame["status"])
    elif layout == "table":
        from ..imports import tables as it

        long = it.read_table("countries", path, sheet=sheet)
        names = long["indicator"].astype(str)
        values = long["value"].astype("float64")
        text = pd.Series("", index=long.index, dtype="object")
        ip = names == "special301"
        mapped = values[ip].round().astype(int).map(lambda v: am.SPECIAL301_LEVELS[v])
        values[ip] = mapped.map(lambda p: p[0])
        text[ip] = mapped.map(lambda p: p[1])
        rows = long_rows(long["iso3"].astype(str), names.map(am.USER_INDICATORS), long["year"].fillna(0),
                     values, text)
        report = SourceReport(provenance=file_provenance(
            path, publisher="the organization's own records", dataset="country indicators (own table)",
            layout="user-country-table", rows=len(rows)))
        report.notes += [str(w) for w in long.attrs.get("warnings", [])]
    else:
        raise ExportPlanError(f"Unknown country file layout {layout!r}; use one of {', '.join(COUNTRY_PUBLISHERS)}.")
    return rows, report


