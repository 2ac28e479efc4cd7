"""USTR Special 301 Report status by country and year (an IP-protection signal).

Each year USTR's Special 301 Report lists trading partners whose protection
of intellectual property concerns the United States, in three tiers:
Priority Foreign Country (the worst), Priority Watch List and Watch List.
Countries not listed raise no such concern.

Layout read here (a wide table, one row per listed country): ``Country``,
then one column per year (``2005`` ... ``2018``), each cell one of

- ``PFC`` Priority Foreign Country, ``PWL`` Priority Watch List, ``WL`` Watch List;
- ``Monitoring``: Section 306 monitoring (Paraguay 2005-2012), kept as its own status;
- ``Pending``: status announced later (Israel 2010), kept as its own status;
- empty: not listed; a leading ``*`` marks a change or an out-of-cycle review
  that year, and a lone ``*`` means the country left the list that year.

Countries absent from the file are not listed in any year (status ``none``).
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources.countries import (
    SourceReport, check_unique, file_provenance, resolve_countries,
)
from exportplan.sources.textio import read_text

PUBLISHER = "Office of the United States Trade Representative (USTR)"
DATASET = "Special 301 Report status"
URL = "https://ustr.gov/issue-areas/intellectual-property/special-301"

STATUSES = {"PFC": "priority_foreign_country", "PWL": "priority_watch_list",
            "WL": "watch_list", "MONITORING": "section_306_monitoring",
            "PENDING": "pending", "": "none"}

#: IP-protection score per status: 1 = no USTR concern, 0 = the worst tier.
#: Equal steps would over-state the gap between the Watch List and not being
#: listed, so the Watch List keeps half the score and each tier above halves
#: it again; the Priority Foreign Country tier (trade sanctions possible)
#: scores 0. Section 306 monitoring is scored like the Watch List (monitoring
#: of a bilateral IP agreement: a concern, not an escalation). A ``pending``
#: year has no score (NaN): the status was not decided in the report.
IP_SCORES = {"none": 1.0, "watch_list": 0.5, "section_306_monitoring": 0.5,
             "priority_watch_list": 0.25, "priority_foreign_country": 0.0,
             "pending": float("nan")}

COLUMNS = ["iso3", "country", "year", "status", "changed", "raw", "ip_score"]
_YEAR = re.compile(r"^(19|20)\d\d$")


def ip_protection_score(status: str) -> float:
    """Score of a status (see :data:`IP_SCORES`): 1.0 none ... 0.0 priority foreign country."""
    try:
        return IP_SCORES[status]
    except KeyError:
        raise ExportPlanError(
            f"Unknown Special 301 status {status!r}; use one of {', '.join(IP_SCORES)}.") from None


def read_special301(path: str | Path, *, strict: bool = False) -> tuple[pd.DataFrame, SourceReport]:
    """Read the wide Special 301 table into one row per listed country and year.

    Returns ``(frame, report)``; frame columns: iso3, country, year, status
    (see :data:`STATUSES`), changed (the ``*`` marker), raw (the cell as
    written) and ip_score (:data:`IP_SCORES`). Aggregates such as "European
    Union" are left out and listed in ``report.aggregates``; unknown names are
    left out and reported (``strict=True``: an error). A header column that
    is not a year, an unknown status code or a country listed twice raise
    ImportFailed, and nothing is returned.
    """
    path = Path(path)
    raw = _read(path)
    problems = ErrorTable()
    country_col, years = _header(raw, path.name, problems)
    problems.raise_if_any(f"Reading the Special 301 file {path.name}")
    report = SourceReport(provenance={})
    lines = list(range(2, len(raw) + 2))
    names = raw[country_col].fillna("").str.strip().tolist()
    iso3 = resolve_countries(names, lines, file=path.name, column=country_col,
                             source="special301", report=report)
    check_unique(iso3, lines, file=path.name, column=country_col, what="country",
                 problems=problems)
    records = [record
               for line, code, name, (_, row) in zip(lines, iso3, names, raw.iterrows())
               if code is not None
               for record in _row_records(row, line, code, name, years, path.name, problems)]
    problems.raise_if_any(f"Reading the Special 301 file {path.name}")
    if strict:
        report.problems.raise_if_any(f"Reading the Special 301 file {path.name}")
    frame = _typed(records)
    report.provenance = file_provenance(path, publisher=PUBLISHER, dataset=DATASET, url=URL,
                                        vintage=f"{min(years)}-{max(years)}",
                                        layout="special301-wide", rows=len(frame))
    return frame, report


def status_in(frame: pd.DataFrame, year: int, iso3: list[str] | None = None) -> pd.DataFrame:
    """Status and ip_score per country in one year; countries not listed get ``none`` / 1.0.

    ``iso3`` is the list of countries wanted (default: those in ``frame``).
    """
    if year not in set(frame["year"].dropna().astype(int)):
        raise ExportPlanError(
            f"The Special 301 table has no column for {year}; it covers "
            f"{frame['year'].min()}-{frame['year'].max()}. Choose a year in that range.")
    wanted = pd.Series(iso3 if iso3 is not None else frame["iso3"].unique(), dtype="string")
    that_year = frame[frame["year"] == year].set_index("iso3")["status"]
    status = wanted.map(that_year).fillna("none").astype("string")
    return pd.DataFrame({"iso3": wanted, "status": status,
                         "ip_score": status.map(IP_SCORES).astype("Float64")})


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Give the path of the Special 301 CSV.")
    return pd.read_csv(io.StringIO(read_text(path, "", "latin-1")), dtype=str, keep_default_na=False)


def _header(raw: pd.DataFrame, file: str, problems: ErrorTable) -> tuple[str, list[int]]:
    """The country column (first) and the year columns; any other column is a problem."""
    columns = [str(c).strip() for c in raw.columns]
    raw.columns = columns
    if not columns or columns[0].lower() != "country":
        problems.add("the first column should be 'Country'", file=file, row=1,
                     column=columns[0] if columns else "", fix="Put the country names first, "
                     "headed 'Country', then one column per year (2005, 2006, ...)")
    years = []
    for column in columns[1:]:
        if _YEAR.match(column):
            years.append(int(column))
        elif column and not column.startswith("Unnamed"):
            problems.add("column heading is not a year", file=file, row=1, column=column,
                         value=column, fix="Head each status column with its 4-digit year")
    if not years:
        problems.add("no year columns found", file=file, row=1,
                     fix="Head each status column with its 4-digit year (2005, 2006, ...)")
    return (columns[0] if columns else "Country"), years


def _row_records(row, line, code, name, years, file, problems) -> list[dict]:
    out = []
    for year in years:
        text = str(row[str(year)]).strip()
        changed = text.startswith("*")
        key = text.lstrip("*").strip().upper()
        if key not in STATUSES:
            problems.add("unknown Special 301 status", file=file, row=line, column=str(year),
                         value=text, fix="Use PFC, PWL, WL, Monitoring, Pending or leave empty "
                         "(a leading * marks a change)")
            continue
        status = STATUSES[key]
        out.append({"iso3": code, "country": name, "year": year, "status": status,
                    "changed": changed, "raw": text, "ip_score": IP_SCORES[status]})
    return out


def _typed(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=COLUMNS)
    return frame.astype({"iso3": "string", "country": "string", "year": "Int64",
                         "status": "string", "changed": "boolean", "raw": "string",
                         "ip_score": "Float64"})
