"""Referral matching: for one company's needs, the existing programs that serve them and whether it may use them.

A need is a service category and a country (blank: any country). A program
serves it when its scope holds the category, the company's stage, its sector
(or NAICS) and the need's country (``program_scope.serves``); whether the
company may use it is ``program_scope.eligibility`` (size, states, sector
limits; what the workspace cannot check is named "to check", never excluding).
Only existing programs are matched: a proposed program cannot take a referral.

Each row says why, in words a referral note can carry: the eligibility reason,
then the scope ("serves market research for all sectors in all countries") and
the cost ("free"). Within a need, eligible programs come first, then state and
federal before regional and local (the guide's first priority: connect
companies with the public programs that exist), then by name. A need no program
serves gets one row saying so: it is a gap to report.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from exportplan.analysis.program_duplicates import (
    check_programs, cost_words, entries, list_words, number, text,
)
from exportplan.analysis.program_scope import eligibility, is_all, serves
from exportplan.analysis.program_terms import PUBLIC_LEVELS, REGIONAL_LEVELS, SERVICE_CATEGORIES, STAGES
from exportplan.errors import ErrorTable, ExportPlanError

#: The columns of :func:`match`.
COLUMNS = ("service_category", "iso3", "program_id", "program", "provider", "level", "cost", "eligible", "reason")


def _level_rank(level: str) -> int:
    return 0 if level in PUBLIC_LEVELS else 1 if level in REGIONAL_LEVELS else 2


def _company(company: Mapping | pd.Series) -> dict:
    row = dict(company)
    out = {c: text(row.get(c)) for c in ("company_id", "name", "naics", "sector", "state", "stage")}
    out["employees"] = number(row.get("employees"))
    stages = {s.casefold(): s for s in STAGES}
    if out["stage"] and out["stage"].casefold() not in stages:
        raise ExportPlanError(f"Company {out['company_id'] or out['name']!r} has stage {out['stage']!r}; "
                              f"use one of: {', '.join(STAGES)} (or leave it blank).")
    out["stage"] = stages.get(out["stage"].casefold(), "")
    return out


def _needs(needs: pd.DataFrame) -> list[tuple[str, str]]:
    """(category, ISO3) pairs, checked, without repeats, in vocabulary then country order."""
    country = "iso3" if "iso3" in needs.columns else "country" if "country" in needs.columns else None
    if "service_category" not in needs.columns or country is None:
        raise ExportPlanError(f"The needs frame needs columns service_category and iso3 (or country); it has "
                              f"{', '.join(map(str, needs.columns)) or 'none'}.")
    vocabulary = {c.casefold(): c for c in SERVICE_CATEGORIES}
    errors = ErrorTable()
    pairs: set[tuple[str, str]] = set()
    for position, row in enumerate(needs.to_dict("records")):
        category, iso3 = text(row.get("service_category")), text(row.get(country)).upper()
        if category.casefold() not in vocabulary:
            errors.add(f"the need's service category {category!r} is not in the vocabulary",
                       f"Use one of: {', '.join(SERVICE_CATEGORIES)}.", file="needs", row=position + 2,
                       column="service_category", value=category)
            continue
        pairs.add((vocabulary[category.casefold()], "" if iso3 == "ALL" else iso3))
    errors.raise_if_any("Matching the company's needs")
    return sorted(pairs, key=lambda p: (SERVICE_CATEGORIES.index(p[0]), p[1]))


def serves_words(program: Mapping, category: str) -> str:
    """'serves market research for all sectors in all countries; free' (stages named when limited)."""
    stages = entries(program.get("stages"))
    who = f" for {list_words(stages, '')} companies," if stages else ""
    return (f"serves {category}{who} for {list_words(entries(program.get('sectors')), 'all sectors')} "
            f"in {list_words(entries(program.get('countries')), 'all countries')}; {cost_words(program)}")


def _reason(program: Mapping, company: dict, category: str) -> tuple[bool, str]:
    check = eligibility(program, company)
    reason = check.reason if check.eligible else f"not eligible: {check.reason}"
    if not is_all(program.get("sectors")) and not (company["sector"] or company["naics"]):
        reason += "; to check: sector (the company's is not known)"
    return check.eligible, f"{reason}; {serves_words(program, category)}"


def _nothing(company: dict, category: str, iso3: str) -> str:
    who = " ".join(w for w in (company["stage"], company["sector"] or company["naics"]) if w)
    article = "an" if who[:1].lower() in "aeiou" else "a"
    return (f"no existing program in the inventory serves {category} in {iso3 or 'any country'} "
            f"for {article + ' ' + who + ' company' if who else 'this company'}: a gap to report")


def match(company: Mapping | pd.Series, needs: pd.DataFrame, programs: pd.DataFrame) -> pd.DataFrame:
    """Every existing program serving each of one company's needs, eligible or not, with the reason.

    ``company``: a company row (company_id, name, naics, sector, state as a postal
    code, employees, stage). ``needs``: rows with service_category and iso3 (or the
    pipeline's ``country``). ``programs``: program rows with their provider's
    level, provider_name and provider_states. Returns :data:`COLUMNS`, needs in
    the vocabulary's order then by country; within a need eligible first, then
    state and federal, regional and local, the others, then by name.
    """
    who = _company(company)
    wanted = _needs(needs)
    rows = check_programs(programs).to_dict("records")
    existing = [p for p in rows if p["status"] == "existing"]
    out: list[dict] = []
    for category, iso3 in wanted:
        found = []
        for program in existing:
            if not serves(program, category, who["stage"], who["sector"], iso3, who["naics"]):
                continue
            eligible, reason = _reason(program, who, category)
            found.append({"service_category": category, "iso3": iso3, "program_id": program["program_id"],
                          "program": program["name"], "provider": program.get("provider_name", ""),
                          "level": program["level"], "cost": program["cost"], "eligible": eligible,
                          "reason": reason})
        found.sort(key=lambda r: (not r["eligible"], _level_rank(r["level"]), r["program"].casefold(),
                                  r["program_id"]))
        out += found or [{"service_category": category, "iso3": iso3, "program_id": "", "program": "",
                          "provider": "", "level": "", "cost": "", "eligible": False,
                          "reason": _nothing(who, category, iso3)}]
    frame = pd.DataFrame(out, columns=list(COLUMNS)).astype({"eligible": "bool"})
    frame.attrs["notes"] = ["Existing programs serving each need at the company's stage and sector; eligibility "
                            "from size, states and sector limits, with what the workspace cannot check named."]
    return frame
