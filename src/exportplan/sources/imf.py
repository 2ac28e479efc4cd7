"""IMF Direction of Trade Statistics (DOTS): a country's goods trade by partner.

Reads the IMF data portal's CSV export (PROVENANCE §3d): columns ``Country
Name, Country Code, Counterpart Country Name, Counterpart Country Code,
Time Period``, then per flow a value column named like ``Goods, Value of
Exports, Free on board (FOB), US Dollars (TXG_FOB_USD)`` (imports:
``... Imports, Cost, Insurance, Freight (CIF) ... (TMG_CIF_USD)``) and a
``Status`` column; a UTF-8 BOM and a trailing empty column. Values are US
dollars (a header saying "Millions" is scaled to dollars, and noted).

Partners are mapped by name to ISO3 (IMF spellings such as "China, P.R.:
Mainland"); aggregates ("European Union", "Special Categories") and former
countries ("Yugoslavia") are left out and counted; names that cannot be
mapped are listed in the report.

Frame columns as the Census trade frames (:data:`TIDY_COLUMNS`): scope
(``nation``), area (the reporter's ISO2, ``US``), iso3, country (IMF's name),
naics (``''``: all goods), year (Int64), value_usd (Float64, <NA> if missing).
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pandas as pd
import pycountry

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources.census_trade import TIDY_COLUMNS
from exportplan.sources.textio import read_text, require_columns
from exportplan.sources.countries import (
    SourceReport, check_unique, file_provenance, map_column, resolve_countries, to_iso3,
)

PUBLISHER = "International Monetary Fund"
DATASET = "Direction of Trade Statistics (DOTS)"
URL = "https://data.imf.org/"
_FLOWS = {"exports": ("TXG_FOB_USD", "exports"), "imports": ("TMG_CIF_USD", "imports")}
_REQUIRED = ["Country Name", "Counterpart Country Name", "Time Period"]


def read_imf_dots(path: str | os.PathLike, *, reporter: str = "United States",
                  flow: str = "exports", strict: bool = False,
                  ) -> tuple[pd.DataFrame, SourceReport]:
    """Read one reporter's goods ``flow`` (``exports`` or ``imports``) by partner and year.

    Returns ``(frame, report)``. Aggregates and former countries are left out
    (``report.aggregates`` / ``report.historic``; row counts in
    ``report.notes``); unmapped partner names are left out and listed in
    ``report.unmapped`` (``strict=True``: they fail). A year that is not a
    4-digit year, a non-numeric value, or a partner twice in one year raises
    ImportFailed: nothing is returned.
    """
    path = Path(path)
    raw = _read(path)
    column, scale = _value_column(raw, flow, path)
    rows = _reporter_rows(raw, reporter, path)
    problems = ErrorTable()
    report = SourceReport(provenance={})
    years = _years(rows, path.name, problems)
    values = _values(rows, column, scale, path.name, problems)
    problems.raise_if_any(f"Reading {path.name}")
    iso3 = resolve_countries(rows["Counterpart Country Name"].tolist(), rows["_line"].tolist(),
                             file=path.name, column="Counterpart Country Name", source="imf",
                             report=report)
    frame = pd.DataFrame({"iso3": pd.array(iso3, dtype="string"),
                          "country": pd.array(rows["Counterpart Country Name"], dtype="string"),
                          "year": years, "value_usd": values, "_line": rows["_line"].to_numpy()})
    _note_left_out(frame, report, scale)
    frame = frame[frame["iso3"].notna()]
    check_unique([f"{c} {y}" for c, y in zip(frame["iso3"], frame["year"])],
                 frame["_line"].tolist(),
                 file=path.name, column="Counterpart Country Name", what="partner and year",
                 problems=problems)
    problems.raise_if_any(f"Reading {path.name}")
    if strict:
        report.problems.raise_if_any(f"Reading {path.name}")
    out = frame.assign(scope="nation", area=_iso2(reporter), naics="")
    out = out.astype({"scope": "string", "area": "string", "naics": "string"})
    out = out.sort_values(["year", "iso3"], ignore_index=True)[TIDY_COLUMNS]
    report.provenance = file_provenance(
        path, publisher=PUBLISHER, dataset=f"{DATASET}: {reporter} goods {flow}", url=URL,
        vintage=_span(out), layout=f"imf-dots-csv ({column})", rows=len(out))
    return out, report


def _read(path: Path) -> pd.DataFrame:
    text = read_text(path, "Export the DOTS table from data.imf.org as CSV (UTF-8).")
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    raw = raw.loc[:, [c for c in raw.columns if c.strip() and not c.startswith("Unnamed")]]
    require_columns(raw.columns, _REQUIRED, path,
                    "Give the IMF DOTS CSV export with the columns 'Country Name, Country Code, Counterpart "
                    "Country Name, Counterpart Country Code, Time Period, Goods, Value of Exports ... "
                    "(TXG_FOB_USD), ...'.")
    return raw.assign(_line=range(2, len(raw) + 2))


def _value_column(raw: pd.DataFrame, flow: str, path: Path) -> tuple[str, float]:
    """The value column of ``flow`` and its scale to dollars."""
    if flow not in _FLOWS:
        raise ExportPlanError(f"flow {flow!r}: use 'exports' or 'imports'.")
    code, word = _FLOWS[flow]
    found = [c for c in raw.columns if code in c] or [
        c for c in raw.columns if word in c.lower() and "value" in c.lower()]
    if len(found) != 1:
        raise ExportPlanError(
            f"{path.name}: cannot find the one column of goods {flow} ({code}); columns: "
            f"{', '.join(raw.columns)}. Export DOTS with the indicator "
            f"'Goods, Value of {flow.title()} ... US Dollars'.")
    if "dollar" not in found[0].lower():
        raise ExportPlanError(f"{path.name}: the column {found[0]!r} is not in US dollars; "
                              "export DOTS in US dollars.")
    return found[0], 1e6 if "million" in found[0].lower() else 1.0


def _reporter_rows(raw: pd.DataFrame, reporter: str, path: Path) -> pd.DataFrame:
    wanted = to_iso3(reporter, source="imf")
    if wanted is None:
        raise ExportPlanError(f"Reporter {reporter!r} is not a country name we know; use e.g. "
                              "'United States'.")
    names = raw["Country Name"].tolist()
    codes = dict(zip(names, map_column(names, source="imf").iso3))
    rows = raw[[codes[n] == wanted for n in names]]
    if rows.empty:
        found = ", ".join(sorted(set(names))[:10])
        raise ExportPlanError(f"{path.name} has no rows for the reporter {reporter!r} (reporters "
                              f"in the file: {found}). Pass reporter= one of them.")
    return rows


def _years(rows: pd.DataFrame, file: str, problems: ErrorTable) -> pd.array:
    text = rows["Time Period"].str.strip()
    bad = ~text.str.fullmatch(r"\d{4}")
    for line, value in zip(rows.loc[bad, "_line"], text[bad]):
        problems.add("the time period is not a year", file=file, row=int(line),
                     column="Time Period", value=value,
                     fix="Export annual data (frequency: annual), with years such as 2022")
    return pd.array(pd.to_numeric(text.where(~bad), errors="coerce"), dtype="Int64")


def _values(rows: pd.DataFrame, column: str, scale: float, file: str,
            problems: ErrorTable) -> pd.array:
    text = rows[column].str.strip().str.replace(",", "", regex=False)
    blank = text.isin(["", "..", "-", "NA", "n.a."])
    numbers = pd.to_numeric(text.where(~blank), errors="coerce")
    for line, value in zip(rows.loc[numbers.isna() & ~blank, "_line"],
                           rows.loc[numbers.isna() & ~blank, column]):
        problems.add("the value is not a number", file=file, row=int(line), column=column,
                     value=value, fix="Leave the cell empty when there is no value")
    return pd.array(numbers * scale, dtype="Float64")


def _note_left_out(frame: pd.DataFrame, report: SourceReport, scale: float) -> None:
    dropped = int(frame["iso3"].isna().sum())
    if dropped:
        report.notes.append(
            f"left out {dropped} rows: {len(report.aggregates)} aggregate(s), "
            f"{len(report.historic)} former country(ies), {len(report.unmapped)} "
            "unrecognised name(s)")
    if scale != 1.0:
        report.notes.append("values were in millions of US dollars and are given in dollars")


def _iso2(reporter: str) -> str:
    iso3 = to_iso3(reporter, source="imf")
    country = pycountry.countries.get(alpha_3=iso3) if iso3 else None
    return country.alpha_2 if country else (iso3 or re.sub(r"\W", "", reporter)[:3].upper())


def _span(frame: pd.DataFrame) -> str:
    years = frame["year"].dropna()
    return f"{int(years.min())}-{int(years.max())}" if len(years) else ""


def top_partners(frame: pd.DataFrame, year: int | None = None, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest partners in ``year`` (default: the latest) and their share of all."""
    known = frame.dropna(subset=["value_usd"])
    year = int(known["year"].max()) if year is None else int(year)
    one = known[known["year"] == year]
    out = one.nlargest(n, "value_usd")[["iso3", "country", "year", "value_usd"]].copy()
    out["share"] = out["value_usd"] / one["value_usd"].sum()
    return out.reset_index(drop=True)


__all__ = ["read_imf_dots", "top_partners"]
