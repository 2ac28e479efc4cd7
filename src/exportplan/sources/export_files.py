"""Exports files: which layout a file has, and its exports by destination as tidy rows.

:func:`detect_exports_layout` tells an IMF DOTS CSV, a saved Census trade API
JSON answer and the user's own table apart; :func:`read_exports_file` reads
one into rows (scope, area, iso3, naics, year, value_usd) with its
:class:`~exportplan.sources.countries.SourceReport`.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ExportPlanError
from .country_files import sniff_lines
from .filekind import WORKBOOK_SUFFIXES

def detect_exports_layout(path: str | Path) -> str:
    """``imf`` (DOTS CSV), ``census`` (saved API JSON answer) or ``table``."""
    path = Path(path)
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Check the path.")
    if path.suffix.lower() == ".json":
        return "census"
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return "table"
    lines = sniff_lines(path, 3)
    head = lines[0] if lines else ""
    if "Counterpart Country Name" in head:
        return "imf"
    if head.lstrip().startswith("["):
        return "census"
    return "table"


def read_exports_file(path: Path, layout: str, *, reporter: str, scope: str | None, area: str | None,
                       sheet: str | None):
    """(tidy rows scope/area/iso3/naics/year/value_usd, SourceReport) for one exports file."""
    from .countries import SourceReport, file_provenance

    if layout == "imf":
        from . import imf

        frame, report = imf.read_imf_dots(path, reporter=reporter)
        rows = frame.assign(naics="")
    elif layout == "census":
        rows, report = read_census_file(path)
    elif layout == "table":
        from ..imports import tables as it

        frame = it.read_table("exports", path, sheet=sheet)
        rows = pd.DataFrame({"scope": frame["scope"], "area": frame["area"].fillna("").replace("", "REGION"),
                             "iso3": frame["country"], "naics": frame["naics"].fillna(""),
                             "year": frame["year"], "value_usd": frame["value_usd"]})
        report = SourceReport(provenance=file_provenance(
            path, publisher="the organization's own records", dataset="exports by destination (own table)",
            layout="user-exports-table"))
        report.notes += [str(w) for w in frame.attrs.get("warnings", [])]
    else:
        raise ExportPlanError(f"Unknown exports layout {layout!r}; use imf, census or table.")
    rows = rows[["scope", "area", "iso3", "naics", "year", "value_usd"]].copy()
    if scope:
        rows["scope"] = scope
    if area:
        rows["area"] = area
    rows["naics"] = rows["naics"].fillna("").astype(str)
    rows["year"] = pd.to_numeric(rows["year"]).astype(int)
    rows["value_usd"] = pd.to_numeric(rows["value_usd"], errors="coerce").astype("float64")
    rows = rows[rows["value_usd"].notna() & rows["iso3"].notna()].reset_index(drop=True)
    report.provenance["rows"] = len(rows)
    return rows, report


def read_census_file(path: Path):
    """A saved Census intltrade answer: country rows, plus per-country totals when NAICS is at one level."""
    from .census_trade import PUBLISHER, parse_intltrade
    from .countries import file_provenance

    parsed, report = parse_intltrade(path, file=path.name)
    rows = parsed[(parsed["kind"] == "country") & parsed["iso3"].notna()]
    state = rows["state"].fillna("").astype(str)
    times = rows["time"].astype(str)
    months = sorted(set(times.str[5:7]) - {""})
    if months and months != ["12"]:
        report.notes.append(f"months {', '.join(months)}: ALL_VAL_YR is year-to-date, so a year's value is "
                            "complete only for December (time=YYYY-12)")
    tidy = pd.DataFrame({"scope": state.map(lambda s: "state" if s else "nation"),
                         "area": state.map(lambda s: s or "US"), "iso3": rows["iso3"].astype(str),
                         "naics": rows["naics"].fillna("").astype(str), "year": times.str[:4].astype(int),
                         "value_usd": rows["value"].astype("float64")})
    codes = set(tidy["naics"])
    lengths = {len(c) for c in codes}
    # A state answer asks for a whole NAICS level (COMM_LVL), so its codes add up to all goods; a
    # national answer is one NAICS code per request, so it says nothing about all goods.
    if (state != "").any() and "" not in codes and len(lengths) == 1 and len(codes) > 1:
        totals = tidy.groupby(["scope", "area", "iso3", "year"], as_index=False)["value_usd"].sum()
        tidy = pd.concat([tidy, totals.assign(naics="")], ignore_index=True)
        report.notes.append(f"all-goods rows (naics '') are each country's sum over its NA{lengths.pop()} codes")
    elif "" not in codes:
        report.notes.append("the answer has exports by NAICS code only; they count for the demand of the "
                            "priority sectors, not as all-goods exports")
    vintage = ", ".join(sorted(set(times)))
    report.provenance = file_provenance(path, publisher=PUBLISHER, dataset="International Trade API: exports by "
                                        "country" + (" and state" if (state != "").any() else ""),
                                        vintage=vintage, layout="census-intltrade-json")
    return tidy, report

