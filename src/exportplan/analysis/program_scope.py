"""What a program serves and whom it may serve: the matching rules every program analysis shares.

Gaps, duplication, referral matching and the organization's role all ask the
same two questions of a program row, answered here once:

- **scope**: does it serve a service category, export stage, sector and country?
  A blank or "all" list serves every value. A sector entry of digits is a NAICS
  prefix ("336" serves 336411); any other entry is a sector (cluster) name,
  compared without case.
- **eligibility**: may it serve this company? Size (min/max employees), the
  states served (the provider's and the program's own), and the sectors it is
  limited to. What the workspace does not know (U.S. content, years in business,
  an unknown size) never excludes a company: it is named in the reason, to check.

A program row is one row of the inventory: the columns of
``program_terms.PROGRAM_COLUMNS`` plus its provider's ``level``, ``provider_name``
and ``provider_states``. A company row has ``company_id``, ``naics``, ``sector``,
``state`` (postal code), ``employees`` and ``stage``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from exportplan.analysis.program_terms import ALL, split_list


def _items(cell: object) -> list[str]:
    return [item for item in split_list(cell) if item.lower() != ALL]


def is_all(cell: object) -> bool:
    """True when a list cell means every value (blank, or "all")."""
    return not _items(cell)


def sector_matches(entry: str, sector: str, naics: str = "") -> bool:
    """One sector entry against a sector name and a NAICS code ('336' is a prefix of '336411')."""
    entry = entry.strip()
    if entry.isdigit():
        return bool(naics) and str(naics).startswith(entry)
    return bool(sector) and entry.casefold() == str(sector).strip().casefold()


def serves_sector(cell: object, sector: str, naics: str = "") -> bool:
    """A program's ``sectors`` cell serves this sector (or NAICS); "all" serves every one.

    A demand cell for "all" sectors (a target market's) is served by any program.
    """
    entries = _items(cell)
    if not entries or not (sector or naics) or str(sector).lower() == ALL:
        return True
    return any(sector_matches(entry, sector, naics) for entry in entries)


def serves_value(cell: object, value: str) -> bool:
    """A list cell (stages, countries, categories) serves ``value``; "all" or a blank value matches."""
    entries = _items(cell)
    if not entries or not value or str(value).lower() == ALL:
        return True
    return str(value).strip().casefold() in {entry.casefold() for entry in entries}


def serves(program: Mapping, category: str, stage: str = "", sector: str = "", iso3: str = "",
           naics: str = "") -> bool:
    """The program's scope holds the cell (category x stage x sector x country).

    The category must be named by the program (an "all" categories cell is not
    allowed in the inventory); the other three follow ``serves_value``/``serves_sector``.
    """
    categories = {c.casefold() for c in _items(program.get("categories"))}
    return (category.casefold() in categories
            and serves_value(program.get("stages"), stage)
            and serves_sector(program.get("sectors"), sector, naics)
            and serves_value(program.get("countries"), iso3))


@dataclass(frozen=True)
class Eligibility:
    """Whether a program may serve a company, and why (``reason`` reads in a table cell)."""

    eligible: bool
    reason: str
    unknown: tuple[str, ...] = ()  # what the workspace cannot check (named, never excluding)


def number(value: object) -> float | None:
    """A numeric cell, or None when blank or not a number (the one reader of numbers in program rows)."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def text(value: object) -> str:
    """A cell as stripped text ("" for None and missing values)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def eligibility(program: Mapping, company: Mapping) -> Eligibility:
    """Check size, states and sector limits of a program against one company."""
    reasons: list[str] = []
    unknown: list[str] = []
    employees = number(company.get("employees"))
    low, high = number(program.get("min_employees")), number(program.get("max_employees"))
    if low is not None or high is not None:
        if employees is None:
            unknown.append("size")
        elif low is not None and employees < low:
            return Eligibility(False, f"{employees:,.0f} employees, below the minimum of {low:,.0f}")
        elif high is not None and employees > high:
            return Eligibility(False, f"{employees:,.0f} employees, above the maximum of {high:,.0f}")
        else:
            reasons.append(f"{employees:,.0f} employees within the size limits")
    state = str(company.get("state") or "").strip().upper()
    for column, label in (("provider_states", "the provider"), ("eligible_states", "the program")):
        states = [s.upper() for s in _items(program.get(column))]
        if not states:
            continue
        if not state:
            unknown.append("state")
        elif state not in states:
            return Eligibility(False, f"{label} serves {', '.join(states)} only, not {state}")
    sectors = program.get("sectors")
    if not is_all(sectors) and not serves_sector(sectors, str(company.get("sector") or ""),
                                                 str(company.get("naics") or "")):
        return Eligibility(False, f"limited to {', '.join(_items(sectors))}")
    for column, label in (("min_us_content_pct", "U.S. content"), ("min_years_in_business", "years in business")):
        if number(program.get(column)) is not None:
            unknown.append(label)
    reason = "; ".join(reasons) if reasons else "no limit excludes it"
    if unknown:
        reason += f"; to check: {', '.join(unknown)}"
    return Eligibility(True, reason, tuple(unknown))
