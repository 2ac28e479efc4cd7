"""A whole pipeline import or export, store-independent: one frame per sheet of the template.

:class:`CompanyBundle` is what the company importer hands the pipeline service
(``ws.pipeline.store_bundle``) and what the service hands the exporter
(``ws.pipeline.export_bundle``). Every child row names its company by
``company_id`` (the organization's own key). Columns follow the import template
(:data:`SHEETS`); values are canonical text and numbers: dates ``YYYY-MM-DD``,
ISO3 country codes, market and tag lists joined by ``;``, blanks as ``""`` (text)
or missing (numbers).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from .company_names import name_key

#: The companies sheet (and CSV export), in this order.
COMPANY_COLUMNS = ("company_id", "name", "naics", "sector", "county_fips", "city", "employees", "revenue_usd",
                   "website", "foreign_parent", "parent_country", "stage", "current_markets", "target_markets",
                   "tags", "notes")
#: Every sheet of the XLSX export, with its columns in order (contacts only when asked for).
SHEETS: dict[str, tuple[str, ...]] = {
    "companies": COMPANY_COLUMNS,
    "export_sales": ("company_id", "year", "export_sales_usd"),
    "contacts": ("company_id", "contact_id", "name", "role", "email", "phone"),
    "interactions": ("company_id", "date", "kind", "summary", "staff"),
    "needs": ("company_id", "service_category", "country", "note"),
    "referrals": ("company_id", "date", "provider", "program", "referrer", "status", "outcome", "program_id"),
    "outcomes": ("company_id", "date", "kind", "country", "export_sales_usd", "program", "note"),
    "stage_history": ("company_id", "date", "from_stage", "to_stage", "changed_by", "source", "note"),
}
#: Columns a bundle may leave out (filled with blanks): added after the first layout, so that older files and
#: callers still fit.
OPTIONAL = {"referrals": ("program_id",)}
#: Columns that hold numbers (all others are text).
NUMERIC = frozenset({"employees", "revenue_usd", "year", "export_sales_usd"})


def empty_sheet(sheet: str) -> pd.DataFrame:
    """A sheet with its columns and no rows."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in NUMERIC else "object") for c in SHEETS[sheet]})


@dataclass
class CompanyBundle:
    """One frame per sheet (see :data:`SHEETS`); build it with :meth:`of` to fill in missing sheets."""

    companies: pd.DataFrame
    export_sales: pd.DataFrame
    contacts: pd.DataFrame
    interactions: pd.DataFrame
    needs: pd.DataFrame
    referrals: pd.DataFrame
    outcomes: pd.DataFrame
    stage_history: pd.DataFrame

    @classmethod
    def of(cls, **frames: pd.DataFrame) -> "CompanyBundle":
        """A bundle of the given sheets; sheets left out are empty. Unknown sheets or missing columns raise
        ValueError (a programming error: the importer has already checked the file)."""
        unknown = sorted(set(frames) - set(SHEETS))
        if unknown:
            raise ValueError(f"unknown sheet(s) {unknown}; a bundle has {list(SHEETS)}")
        out = {}
        for sheet, columns in SHEETS.items():
            frame = frames.get(sheet)
            if frame is None:
                frame = empty_sheet(sheet)
            optional = [c for c in OPTIONAL.get(sheet, ()) if c not in frame.columns]
            if optional:
                frame = frame.assign(**dict.fromkeys(optional, ""))
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"sheet {sheet!r} lacks column(s) {missing}")
            out[sheet] = frame.reset_index(drop=True)
        return cls(**out)

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Sheet name -> frame, in the template's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def child_sheets(self) -> dict[str, pd.DataFrame]:
        """The sheets whose rows belong to a company (all but ``companies``)."""
        return {name: frame for name, frame in self.sheets().items() if name != "companies"}


def derive_key(name: str, county_fips: str = "") -> str:
    """The key of a company whose ``company_id`` is blank: its normalized name and county.

    >>> derive_key("Acme Tool & Die, Inc.", "39049")
    'acme-tool-and-die-39049'
    """
    slug = "-".join(name_key(name).split()) or "company"
    county = str(county_fips or "").strip()
    return f"{slug}-{county}" if county else slug


def split_list(value) -> list[str]:
    """A ';'-separated list (markets, tags) as its non-blank items, in order, without repeats.

    >>> split_list(" CAN; MEX;;CAN ")
    ['CAN', 'MEX']
    """
    if isinstance(value, (list, tuple, set)):
        items = list(value)
    elif value is None or (not isinstance(value, str) and pd.isna(value)):
        return []
    else:
        items = str(value).split(";")
    out: list[str] = []
    for item in (str(i).strip() for i in items):
        if item and item not in out:
            out.append(item)
    return out


def join_list(value) -> str:
    """The stored form of a list: items joined by ';' (a string is tidied the same way)."""
    return ";".join(split_list(value))
