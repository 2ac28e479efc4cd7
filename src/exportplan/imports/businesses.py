"""The region's business list for prospects (issue 9, item 3): its table spec and reader.

Any list of businesses with a name and, ideally, NAICS, county and size: a state
business-register extract, a purchased list (Data Axle/InfoUSA, D&B Hoovers),
a chamber directory. Header spellings common in those files are read as the
canonical columns (:data:`BUSINESSES`; ``exportplan import`` help lists them).

Columns: name (required), naics (2-6 digits or a sector range; blank allowed),
county_fips (5 digits; a 4-digit code whose leading zero a spreadsheet dropped
gets it back; blank allowed), employees (whole number >= 0; blank = unknown),
foreign_parent (the foreign parent company's name; blank = none known),
parent_country (any country spelling -> ISO3; blank allowed).

A list may hold several establishments of one company in one county (chain
stores, branches), so rows are not refused as duplicates here; the prospects
service gives each row its stored key.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from exportplan.imports.schema import Column, InvalidValue, TableSpec, validate

COLUMNS = ("name", "naics", "county_fips", "employees", "foreign_parent", "parent_country")


def _county_rule(row: dict) -> None:
    value = row.get("county_fips")
    if value is None:
        return
    code = value.strip()
    if re.fullmatch(r"\d{4}", code):
        code = "0" + code  # 1001 -> 01001: Excel drops the leading zero of Alabama..Connecticut
    if not re.fullmatch(r"\d{5}", code) or code.endswith("000"):
        raise InvalidValue("is not a 5-digit county FIPS code",
                           "Write the state and county code together, 5 digits (39049 for "
                           "Franklin County, OH); leave it blank if unknown.",
                           column="county_fips")
    row["county_fips"] = code


BUSINESSES = TableSpec(
    "businesses",
    (Column("name", "text", required=True, example="Acme Tool & Die, Inc.",
            aliases=("business_name", "company", "company_name", "legal_name", "entity_name",
                     "firm", "firm_name", "establishment", "establishment_name", "organization",
                     "organization_name", "account_name", "business"),
            help="the business's name"),
     Column("naics", "naics", default="",
            aliases=("naics_code", "primary_naics", "primary_naics_code", "naics_primary",
                     "naics6", "naics_6", "naics_2017", "naics_2022", "industry_code",
                     "naics_1", "primary_naics_6"),
            help="NAICS code, 2 to 6 digits; blank if unknown", example="332710"),
     Column("county_fips", "code", max_length=10,
            aliases=("county_code", "fips", "county_fips_code", "fips_code", "cnty_fips",
                     "stcofips", "county_geoid", "fips_county"),
            help="5-digit county FIPS code; blank if unknown", example="39049"),
     Column("employees", "int", min=0,
            aliases=("employee_count", "employment", "emp", "number_of_employees",
                     "num_employees", "total_employees", "employees_total", "employees_here",
                     "headcount", "staff", "location_employee_size_actual",
                     "employee_size_location", "employees_at_location", "jobs"),
            help="employees, a whole number 0 or more; blank if unknown", example="85"),
     Column("foreign_parent", "text",
            aliases=("foreign_parent_name", "foreign_parent_company", "foreign_owner",
                     "foreign_ownership", "ultimate_foreign_parent", "foreign_parent_company_name"),
            help="name of a foreign parent company; blank if none", example="Bosch"),
     Column("parent_country", "iso3",
            aliases=("parent_country_name", "foreign_parent_country", "country_of_ownership",
                     "ultimate_parent_country", "home_country", "hq_country",
                     "headquarters_country", "global_ultimate_country", "parent_iso3"),
            help="the parent's country, name or ISO code (Germany, DEU, DE); blank if none",
            example="Germany")),
    description="The region's businesses (register extract or purchased list) to score as "
                "export prospects.",
    row_rule=_county_rule,
)


def read_businesses(path: str | Path | pd.DataFrame, *, file_label: str | None = None,
                    sheet: str | None = None) -> pd.DataFrame:
    """Validate a business list (CSV or XLSX) into :data:`COLUMNS` (index = source line).

    Warnings are in ``frame.attrs["warnings"]``; any problem raises
    ImportFailed with every bad cell listed, and nothing is returned.
    """
    frame, warnings = validate(path, BUSINESSES, file_label=file_label, sheet=sheet)
    frame.attrs["warnings"] = warnings
    return frame


__all__ = ["BUSINESSES", "COLUMNS", "read_businesses"]
