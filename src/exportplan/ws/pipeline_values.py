"""Checks of the values the pipeline service is given one record at a time (the importer checks files).

Each check returns the canonical value (codes as text, ISO3 countries, dates
``YYYY-MM-DD``) or raises :class:`~exportplan.errors.ExportPlanError` with a
message that says what to fix. :func:`company_values` checks a whole company
record and reports every problem at once.
"""
from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Iterable, Mapping

import pandas as pd

from ..analysis.company_names import name_key
from ..analysis.pipeline_bundle import COMPANY_COLUMNS, join_list, split_list
from ..analysis.pipeline_terms import STAGES
from ..errors import ExportPlanError
from ..sources.countries import to_iso3

#: The company fields a caller may give (the template's columns, with ``company_id`` as the key).
COMPANY_INPUT = tuple(c for c in COMPANY_COLUMNS if c != "company_id")
_TEXT = ("name", "sector", "city", "website", "foreign_parent", "notes")


def blank(value: Any) -> bool:
    """None, NaN, pd.NA or text of only spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, dict)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value: Any) -> str:
    """Text with surrounding spaces removed; '' when blank."""
    return "" if blank(value) else str(value).strip()


def choice(value: Any, allowed: Iterable[str], what: str) -> str:
    """One of ``allowed`` (any case)."""
    allowed = tuple(allowed)
    found = {a.lower(): a for a in allowed}.get(text(value).lower())
    if found is None:
        raise ExportPlanError(f"{what} {value!r} is not known; use one of: {', '.join(allowed)}.")
    return found


def date(value: Any, today: str, what: str = "date") -> str:
    """An ISO date (YYYY-MM-DD) that is not after ``today``; a date or datetime object is accepted too."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        day = value
    else:
        try:
            day = _dt.datetime.fromisoformat(text(value)).date()
        except ValueError:
            raise ExportPlanError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD, e.g. {today}.") from None
    if day.isoformat() > today[:10]:
        raise ExportPlanError(f"{what} {day.isoformat()} is in the future (today is {today[:10]}); "
                              "record things once they have happened.")
    return day.isoformat()


def money(value: Any, what: str = "amount") -> float | None:
    """A dollar amount >= 0, or None when blank."""
    if blank(value):
        return None
    try:
        amount = float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        raise ExportPlanError(f"{what} {value!r} is not a number; give US dollars, e.g. 250000.") from None
    if not math.isfinite(amount) or amount < 0:
        raise ExportPlanError(f"{what} {value!r} must be zero or more (US dollars).")
    return amount


def count(value: Any, what: str = "employees") -> int | None:
    """A whole number >= 0, or None when blank."""
    if blank(value):
        return None
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        raise ExportPlanError(f"{what} {value!r} is not a whole number; give a count, e.g. 25.") from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise ExportPlanError(f"{what} {value!r} must be a whole number of zero or more.")
    return int(number)


def country(value: Any, what: str = "country") -> str:
    """An ISO3 code from any spelling of a country ('' when blank)."""
    if blank(value):
        return ""
    code = to_iso3(text(value))
    if not code:
        raise ExportPlanError(f"{what} {value!r} is not a country exportplan knows; give its name or its ISO3 code "
                              "(e.g. CAN, DEU).")
    return code


def countries(value: Any, what: str = "markets") -> str:
    """A ';'-separated list (or a list) of countries as ISO3 codes joined by ';'."""
    return join_list([country(v, what) for v in split_list(value)])


def naics(value: Any) -> str:
    """A NAICS code of 2 to 6 digits, or ''."""
    code = text(value)
    if code and not (code.isdigit() and 2 <= len(code) <= 6):
        raise ExportPlanError(f"NAICS {value!r} must be 2 to 6 digits (e.g. 332710), or blank.")
    return code


def fips(value: Any) -> str:
    """A 5-digit county FIPS code, or ''."""
    code = text(value)
    if code and not (code.isdigit() and len(code) == 5):
        raise ExportPlanError(f"county_fips {value!r} must be a 5-digit county FIPS code (e.g. 39049), or blank.")
    return code


_CHECKS = {"naics": naics, "county_fips": fips, "employees": count,
           "revenue_usd": lambda v: money(v, "revenue_usd"),
           "parent_country": lambda v: country(v, "parent_country"),
           "stage": lambda v: choice(v, STAGES, "stage") if not blank(v) else "not ready",
           "current_markets": lambda v: countries(v, "current_markets"),
           "target_markets": lambda v: countries(v, "target_markets"),
           "tags": join_list}


def company_values(fields: Mapping[str, Any], *, partial: bool = False) -> dict:
    """Check a company's fields (:data:`COMPANY_INPUT`); the stored values, with ``name_key``.

    ``partial``: only the fields given (an update); else every field, blanks
    filled in, and a name is required. Every problem is reported at once.
    """
    unknown = sorted(set(fields) - set(COMPANY_INPUT))
    problems = [f"unknown field(s) {', '.join(unknown)}; a company has {', '.join(COMPANY_INPUT)}"] if unknown else []
    names = [f for f in COMPANY_INPUT if f in fields] if partial else list(COMPANY_INPUT)
    out: dict[str, Any] = {}
    for field in names:
        value = fields.get(field)
        try:
            out[field] = _CHECKS[field](value) if field in _CHECKS else text(value)
        except ExportPlanError as exc:
            problems.append(str(exc).rstrip("."))
    if "name" in out:
        if not out["name"]:
            problems.append("a company needs a name")
        out["name_key"] = name_key(out["name"])
    if problems:
        raise ExportPlanError("Cannot save the company: " + "; ".join(problems) + ".")
    return out


def shown(value: Any) -> str:
    """A stored value as audit-log text ('' for none; whole numbers without '.0')."""
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
