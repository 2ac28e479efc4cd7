"""U.S. free trade agreements in force, by partner country.

The project ships ``exportplan/data/us_fta_partners.csv``: the 20 countries
with which the United States has a free trade agreement in force (14
agreements), one row per country, with the agreement's name, the year it
entered into force for that country, ``fta_since`` (the first year any U.S.
FTA with the country was in force: Canada 1989 under the Canada-U.S. FTA,
Mexico 1994 under NAFTA; otherwise the same year) and the source page
(USTR's list of free trade agreements). Multi-country agreements are spelled out: USMCA
(Canada, Mexico; in force 2020, replacing NAFTA of 1994) and CAFTA-DR
(Costa Rica, Dominican Republic, El Salvador, Guatemala, Honduras,
Nicaragua). Review the list when USTR announces a new agreement.

:func:`read_usitc_agreements` reads the USITC list of the trade-agreement
and preference-program codes of the Harmonized Tariff Schedule, which can be
used to cross-check the shipped list.
"""
from __future__ import annotations

import io
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources.textio import read_text
from exportplan.sources.countries import (
    SourceReport, check_unique, file_provenance, to_iso3,
)

COLUMNS = ["iso3", "country", "agreement", "in_force_year", "fta_since", "source"]
USITC_COLUMNS = ["agreement", "agreement_full", "agreement_notes", "kind", "partner_iso3"]

# Names of comprehensive FTAs in the HTS "special" column; the U.S.-Japan
# Trade Agreement (2020) is a limited tariff agreement, not an FTA.
_FTA_NAME = re.compile(r"free trade agreement|trade promotion agreement|"
                       r"united states-mexico-canada agreement", re.IGNORECASE)
_PREFERENCE_NAME = re.compile(r"\bact\b|preference|generalized system|initiative|program",
                              re.IGNORECASE)


def shipped_path():
    """Path of the shipped FTA partner list."""
    return resources.files("exportplan") / "data" / "us_fta_partners.csv"


def us_fta_partners(path: str | Path | None = None) -> pd.DataFrame:
    """The U.S. FTA partners in force: iso3, country, agreement, in_force_year, fta_since, source.

    ``path`` reads a user's own copy of the list (same columns) instead of
    the shipped one; it is checked the same way (known ISO3 codes, one row
    per country, a year, a source).
    """
    source = Path(path) if path is not None else shipped_path()
    with source.open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    _check_partners(frame, Path(str(source)).name)
    return frame.astype({"iso3": "string", "country": "string", "agreement": "string",
                         "in_force_year": "Int64", "fta_since": "Int64",
                         "source": "string"})[COLUMNS]


def has_us_fta(iso3: list[str], *, year: int | None = None,
               partners: pd.DataFrame | None = None) -> pd.Series:
    """True per ISO3 code if a U.S. FTA is in force (in ``year``, if given; by ``fta_since``)."""
    table = us_fta_partners() if partners is None else partners
    if year is not None:
        table = table[table["fta_since"] <= year]
    codes = pd.Series(iso3, dtype="string")
    return codes.isin(set(table["iso3"])).rename("us_fta").astype("boolean")


def read_usitc_agreements(path: str | Path) -> tuple[pd.DataFrame, SourceReport]:
    """Read USITC's list of HTS special-rate agreement codes.

    Columns: agreement (the HTS code, e.g. ``korea``), agreement_full,
    agreement_notes, kind (``fta``, ``preference`` or ``other``) and
    partner_iso3 for FTAs with one partner (the notes or the code name the
    country; multi-country FTAs such as ``dr_cafta`` and ``usmca`` have none).
    """
    path = Path(path)
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Give the path of the agreements CSV.")
    text = read_text(path, "Save the agreements table as 'CSV UTF-8', then import that file.")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    problems = ErrorTable()
    for column in USITC_COLUMNS[:3]:
        if column not in frame.columns:
            problems.add(f"column '{column}' is missing", file=path.name, row=1, column=column,
                         fix="The file needs the columns agreement, agreement_full, "
                             "agreement_notes")
    problems.raise_if_any(f"Reading the USITC agreements file {path.name}")
    frame["kind"] = [_kind(name) for name in frame["agreement_full"]]
    frame["partner_iso3"] = [_partner(code, notes) if kind == "fta" else None
                             for code, notes, kind in zip(frame["agreement"],
                                                          frame["agreement_notes"],
                                                          frame["kind"])]
    report = SourceReport(provenance=file_provenance(
        path, publisher="U.S. International Trade Commission", layout="usitc-agreements",
        dataset="HTS special-rate trade agreement codes", url="https://hts.usitc.gov/",
        rows=len(frame)))
    return frame[USITC_COLUMNS].astype("string"), report


def _kind(name: str) -> str:
    if _FTA_NAME.search(name):
        return "fta"
    return "preference" if _PREFERENCE_NAME.search(name) else "other"


def _partner(code: str, notes: str) -> str | None:
    """The one partner of an FTA code: from the notes ("Canada"), else the code ("israel_fta")."""
    for text in (notes, re.sub(r"(_fta)?[+*]*$", "", code).replace("_", " ")):
        iso3 = to_iso3(text, source="usitc") if text and text != "NA" else None
        if iso3:
            return iso3
    return None


def _check_partners(frame: pd.DataFrame, file: str) -> None:
    problems = ErrorTable()
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        problems.add(f"column(s) {', '.join(missing)} missing", file=file, row=1,
                     fix=f"The list needs the columns {', '.join(COLUMNS)}")
        problems.raise_if_any(f"Reading the FTA partner list {file}")
    lines = list(range(2, len(frame) + 2))
    for line, row in zip(lines, frame.itertuples(index=False)):
        if to_iso3(row.iso3) != row.iso3:
            problems.add("not an ISO3 country code", file=file, row=line, column="iso3",
                         value=row.iso3, fix="Use the ISO 3166 alpha-3 code, e.g. KOR")
        for column in ("in_force_year", "fta_since"):
            value = getattr(row, column).strip()
            if not re.fullmatch(r"(19|20)\d\d", value):
                problems.add(f"{column} is not a year", file=file, row=line, column=column,
                             value=value, fix="Enter the 4-digit year it entered into force")
        if not row.source.strip():
            problems.add("source is empty", file=file, row=line, column="source",
                         fix="Give the URL of the page that lists the agreement")
    check_unique(frame["iso3"].tolist(), lines, file=file, column="iso3", what="country",
                 problems=problems)
    problems.raise_if_any(f"Reading the FTA partner list {file}")
