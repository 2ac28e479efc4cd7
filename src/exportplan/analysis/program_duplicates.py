"""Duplication and complementarity: does a regional or proposed program repeat an existing public one?

A regional organization should connect companies with the state and federal
programs that exist and fill gaps, never duplicate them (programs-and-pipeline
§4). This module compares every program that could duplicate — a regional or
local program, or any proposed one (R) — with every existing state or federal
program (F), and names each overlap:

- **duplication**: R and F share at least one service category, their stages
  overlap, their scopes overlap (below), they serve the same companies (size
  ranges and states overlap) and on comparable terms (the same cost kind:
  free and free, fee and fee, cost-share and cost-share).
- **different terms**: the same overlap, but R and F differ in cost kind (a free
  regional program beside a fee-based federal service, say). Reported, not a
  duplication.
- **complement**: R is a grant (cost-share, or the "grants and cost-share"
  category) whose ``pays_for`` names a category F sells as a fee-based service,
  for the same companies: R helps companies buy F (a pitch competition's
  cost-share grant paying for Gold Key matchmaking). Not a duplication.

Scope, for a duplication. Stages and states overlap in the plain way ("all"
overlaps everything). Sectors and countries are stricter: a specific list
overlaps another only on common entries (a NAICS prefix relation counts: "336"
and "336411" share 336411), and an "all" cell of F overlaps R only when R is
"all" there too. A federal service for every sector is not duplicated by a
regional aerospace program: the regional one is a specialisation. An "all" R
does cover F's specific entries (a regional all-sector program repeats a
federal aerospace one for aerospace). For a complement the plain overlap
applies: a regional aerospace grant still pays for an all-sector fee service.

Two grants are compared on what they pay for: when both name ``pays_for`` and
the lists share nothing, "grants and cost-share" alone does not make them overlap.

Functions are pure: frames in, frames out (docs/programs.md has worked examples).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from exportplan.analysis.program_scope import eligibility, number, serves_sector, serves_value, text
from exportplan.analysis.program_terms import (
    ALL, COSTS, LEVELS, PUBLIC_LEVELS, REGIONAL_LEVELS, SERVICE_CATEGORIES, STAGES, STATUSES, split_list,
)
from exportplan.errors import ErrorTable, ExportPlanError

#: What an overlap is, in the order rows are listed.
KINDS = ("duplication", "different terms", "complement")
#: The columns of :func:`duplications`.
COLUMNS = ("program_id", "program", "level", "status", "duplicates_id", "duplicates", "duplicates_level",
           "kind", "categories", "cells", "companies", "n_companies", "reason")
GRANTS = "grants and cost-share"
#: Columns a program frame must have; the others of a program row are blank when absent.
REQUIRED = ("program_id", "name", "status", "categories", "cost", "level")
OPTIONAL = ("provider_id", "provider_name", "provider_states", "stages", "sectors", "countries", "min_employees",
            "max_employees", "min_us_content_pct", "min_years_in_business", "eligible_states", "eligibility_note",
            "cost_share_rate", "cost_share_cap_usd", "cost_note", "funding_source", "capacity", "pays_for")
COMPANY_COLUMNS = ("company_id", "name", "naics", "sector", "state", "employees", "stage")


# ---------------------------------------------------------------- cells and checks
def entries(cell: object) -> list[str]:
    """A list cell's items without "all" (an empty list means every value)."""
    return [item for item in split_list(cell) if item.lower() != ALL]


def _canonical(vocabulary: Sequence[str]) -> dict[str, str]:
    return {term.casefold(): term for term in vocabulary}


def check_programs(programs: pd.DataFrame, what: str = "programs") -> pd.DataFrame:
    """The program rows, checked and tidied: vocabulary words in their canonical spelling, blanks as "".

    Raises ExportPlanError when a required column is missing, and ImportFailed with
    one row per problem (line, column, value, problem, fix) when a value is wrong:
    a blank or repeated ``program_id``, an unknown level, status, cost, category or
    stage, a size that is not a number or a minimum above the maximum.
    """
    missing = [c for c in REQUIRED if c not in programs.columns]
    if missing:
        raise ExportPlanError(f"The {what} frame lacks column(s) {', '.join(missing)}; a program row has "
                              f"{', '.join(REQUIRED)} and its provider's level (see program_terms.PROGRAM_COLUMNS).")
    frame = programs.reset_index(drop=True).copy()
    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    errors = ErrorTable()
    seen: dict[str, int] = {}
    words = {"level": _canonical(LEVELS), "status": _canonical(STATUSES), "cost": _canonical(COSTS)}
    lists = {"categories": _canonical(SERVICE_CATEGORIES), "pays_for": _canonical(SERVICE_CATEGORIES),
             "stages": _canonical(STAGES)}
    tidy: list[dict] = []
    for position, row in enumerate(frame.to_dict("records")):
        line = position + 2  # as in a sheet with one header line
        pid = text(row.get("program_id"))
        where = {"file": what, "row": line}
        if not pid:
            errors.add("the program has no program_id", "Give every program a unique program_id.",
                       column="program_id", **where)
        elif pid in seen:
            errors.add(f"program {pid!r} repeats the program_id of line {seen[pid]}",
                       "Give every program a unique program_id.", column="program_id", value=pid, **where)
        else:
            seen[pid] = line
        out = {k: (v if k in ("min_employees", "max_employees") else text(v)) for k, v in row.items()}
        out["program_id"] = pid
        for column, vocabulary in words.items():
            value = text(row.get(column))
            if value.casefold() not in vocabulary:
                errors.add(f"program {pid!r}: {column} {value!r} is not one of the inventory's words",
                           f"Use one of: {', '.join(vocabulary.values())}.", column=column, value=value, **where)
            out[column] = vocabulary.get(value.casefold(), value)
        for column, vocabulary in lists.items():
            items = entries(row.get(column))
            bad = [item for item in items if item.casefold() not in vocabulary]
            if bad:
                errors.add(f"program {pid!r}: {column} names {', '.join(map(repr, bad))}, not in the vocabulary",
                           f"Use ';'-joined words of: {', '.join(vocabulary.values())}.",
                           column=column, value=text(row.get(column)), **where)
            out[column] = ";".join(vocabulary.get(item.casefold(), item) for item in items)
        if not entries(row.get("categories")):
            errors.add(f"program {pid!r} names no service category", "Name at least one service category.",
                       column="categories", **where)
        sizes = {}
        for column in ("min_employees", "max_employees"):
            raw = text(row.get(column))
            sizes[column] = number(raw) if raw else None
            if raw and sizes[column] is None:
                errors.add(f"program {pid!r}: {column} is not a number", "Write a whole number of employees.",
                           column=column, value=raw, **where)
            out[column] = sizes[column]
        if None not in sizes.values() and sizes["min_employees"] > sizes["max_employees"]:
            errors.add(f"program {pid!r}: min_employees is above max_employees", "Swap or correct them.",
                       column="min_employees", value=text(row.get("min_employees")), **where)
        tidy.append(out)
    errors.raise_if_any(f"Checking the {what}")
    return pd.DataFrame(tidy, columns=list(frame.columns))


def check_companies(companies: pd.DataFrame | None) -> list[dict]:
    """Company rows as dicts (missing columns blank); raises when ``company_id`` is missing."""
    if companies is None:
        return []
    if "company_id" not in companies.columns:
        has = ", ".join(map(str, companies.columns))
        raise ExportPlanError(f"The companies frame lacks column company_id (has {has}); "
                              f"a company row has {', '.join(COMPANY_COLUMNS)}.")
    rows = []
    for row in companies.to_dict("records"):
        rows.append({c: (row.get(c) if c == "employees" else text(row.get(c))) for c in COMPANY_COLUMNS})
    return sorted(rows, key=lambda r: r["company_id"])


# ---------------------------------------------------------------- words
def list_words(items: Sequence[str], every: str) -> str:
    """"a, b and c", or ``every`` for an empty list."""
    items = list(items)
    if not items:
        return every
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def cells_words(categories: Sequence[str], stages: Sequence[str], sectors: Sequence[str],
                countries: Sequence[str]) -> str:
    """A block of cells in words: 'market research for new-to-export companies, in 336411, in CAN and MEX'."""
    stage = f"{list_words(stages, '')} companies" if stages else "companies at every stage"
    return (f"{list_words(categories, 'no category')} for {stage}, in {list_words(sectors, 'all sectors')}, "
            f"in {list_words(countries, 'all countries')}")


def cost_words(program: Mapping) -> str:
    """'free', 'fee-based' or 'cost-share (pays 50% up to $5,000)'."""
    cost = text(program.get("cost"))
    if cost == "fee":
        return "fee-based"
    if cost != "cost-share":
        return cost
    rate, cap = number(program.get("cost_share_rate")), number(program.get("cost_share_cap_usd"))
    terms = ([f"pays {rate:.0%}"] if rate is not None else []) + ([f"up to ${cap:,.0f}"] if cap is not None else [])
    return f"cost-share ({' '.join(terms)})" if terms else "cost-share"


def size_words(program: Mapping) -> str:
    low, high = number(program.get("min_employees")), number(program.get("max_employees"))
    if low is None and high is None:
        return "any size"
    if high is None:
        return f"{low:,.0f}+ employees"
    if low is None:
        return f"up to {high:,.0f} employees"
    return f"{low:,.0f}-{high:,.0f} employees"


# ---------------------------------------------------------------- overlaps
Overlap = list[str] | None  # None: no overlap; []: every value ("all")


def plain_overlap(a: Sequence[str], b: Sequence[str]) -> Overlap:
    """Plain overlap of two list cells' entries: "all" (empty) overlaps everything."""
    if not a or not b:
        return list(b if not a else a)
    other = {y.casefold() for y in b}
    return [x for x in a if x.casefold() in other] or None


def _sector_relation(x: str, y: str) -> str:
    if x.isdigit() and y.isdigit():
        return x if x.startswith(y) else y if y.startswith(x) else ""
    return x if x.casefold() == y.casefold() else ""


def _same(x: str, y: str) -> str:
    return x if x.casefold() == y.casefold() else ""


def strict_overlap(program: Sequence[str], existing: Sequence[str], related: Callable[[str, str], str] = _same
                   ) -> Overlap:
    """The duplication overlap of R's entries with F's: an "all" F overlaps only an "all" R.

    Two specific lists overlap on their related entries (equal, or for sectors a
    NAICS prefix relation, giving the narrower code); an "all" R covers F's entries.
    """
    if not existing:
        return [] if not program else None
    if not program:
        return list(existing)
    common: list[str] = []
    for x in program:
        for y in existing:
            hit = related(x, y)
            if hit and hit not in common:
                common.append(hit)
    return common or None


def states_served(program: Mapping) -> Overlap:
    """The postal codes a program serves: the provider's and the program's own (None: no state at all)."""
    provider = [s.upper() for s in entries(program.get("provider_states"))]
    own = [s.upper() for s in entries(program.get("eligible_states"))]
    return plain_overlap(provider, own)


def sizes_overlap(a: Mapping, b: Mapping) -> bool:
    lows = [v for v in (number(a.get("min_employees")), number(b.get("min_employees"))) if v is not None]
    highs = [v for v in (number(a.get("max_employees")), number(b.get("max_employees"))) if v is not None]
    return not lows or not highs or max(lows) <= min(highs)


def is_grant(program: Mapping) -> bool:
    return text(program.get("cost")) == "cost-share" or GRANTS in entries(program.get("categories"))


def _stage_ok(program: Mapping, stage: str) -> bool:
    return serves_value(program.get("stages"), stage)


def _both_eligible(r: Mapping, f: Mapping, companies: Sequence[dict]) -> list[str]:
    out = []
    for company in companies:
        if (eligibility(r, company).eligible and eligibility(f, company).eligible
                and _stage_ok(r, company["stage"]) and _stage_ok(f, company["stage"])
                and serves_sector(r.get("sectors"), company["sector"], company["naics"])
                and serves_sector(f.get("sectors"), company["sector"], company["naics"])):
            out.append(company["company_id"])
    return out


def compare(program: Mapping, existing: Mapping, companies: Sequence[dict] | None = None) -> list[dict]:
    """The overlaps of one program (R) with one existing program (F): none, or rows of :data:`COLUMNS`.

    ``companies`` are checked company rows (:func:`check_companies`); when given,
    the rows name the companies eligible for both. Both programs must be checked
    rows (:func:`check_programs`).
    """
    r, f = program, existing
    cats_r, cats_f = entries(r.get("categories")), entries(f.get("categories"))
    paid = ([c for c in entries(r.get("pays_for")) if c in cats_f]
            if is_grant(r) and text(f.get("cost")) == "fee" else [])
    shared = [c for c in cats_r if c in cats_f and c not in paid]
    pays_r, pays_f = entries(r.get("pays_for")), entries(f.get("pays_for"))
    both_pay = [c for c in pays_r if c in pays_f]
    if GRANTS in shared and pays_r and pays_f and not both_pay:
        shared.remove(GRANTS)
    if not shared and not paid:
        return []
    stages = plain_overlap(entries(r.get("stages")), entries(f.get("stages")))
    states_r, states_f = states_served(r), states_served(f)
    states = None if states_r is None or states_f is None else plain_overlap(states_r, states_f)
    if stages is None or states is None or not sizes_overlap(r, f):
        return []
    sizes = size_words(r) if size_words(r) == size_words(f) else f"{size_words(r)} and {size_words(f)}"
    who = f"for the same companies ({sizes}; {list_words(states, 'every state')})"
    sectors_r, sectors_f = entries(r.get("sectors")), entries(f.get("sectors"))
    countries_r = [c.upper() for c in entries(r.get("countries"))]
    countries_f = [c.upper() for c in entries(f.get("countries"))]
    found: list[tuple[str, list[str], str, str]] = []
    if paid:
        sectors, countries = plain_overlap(sectors_r, sectors_f), plain_overlap(countries_r, countries_f)
        if sectors is not None and countries is not None:
            cells = cells_words(paid, stages, sectors, countries)
            reason = (f"{r['name']} ({cost_words(r)}) pays for {list_words(paid, '')}, which {f['name']} "
                      f"sells as a fee-based service, {who}: it helps companies buy {f['name']}, "
                      f"a complement, not a duplication")
            found.append(("complement", paid, cells, reason))
    if shared:
        sectors = strict_overlap(sectors_r, sectors_f, _sector_relation)
        countries = strict_overlap(countries_r, countries_f)
        if sectors is not None and countries is not None:
            cells = cells_words(shared, stages, sectors, countries)
            if GRANTS in shared and both_pay:
                cells += f" (both pay for {list_words(both_pay, '')})"
            cost_r, cost_f = text(r.get("cost")), text(f.get("cost"))
            if cost_r == cost_f:
                reason = (f"{r['name']} ({r['level']}, {r['status']}) serves {cells}, which {f['name']} "
                          f"({f['level']}) already serves, {who}, on the same terms (both {cost_words(r)})")
                found.append(("duplication", shared, cells, reason))
            else:
                reason = (f"{r['name']} serves {cells} like {f['name']}, {who}, but {r['name']} is "
                          f"{cost_words(r)} and {f['name']} is {cost_words(f)}: an overlap on different terms, "
                          f"not a duplication")
                found.append(("different terms", shared, cells, reason))
    rows = []
    for kind, categories, cells, reason in found:
        ids = _both_eligible(r, f, companies) if companies is not None else []
        rows.append({
            "program_id": r["program_id"], "program": r["name"], "level": r["level"], "status": r["status"],
            "duplicates_id": f["program_id"], "duplicates": f["name"], "duplicates_level": f["level"],
            "kind": kind, "categories": ";".join(categories), "cells": cells,
            "companies": ";".join(ids), "n_companies": len(ids) if companies is not None else pd.NA,
            "reason": reason,
        })
    return rows


def may_duplicate(program: Mapping) -> bool:
    """A regional or local program, or any proposed one: the programs checked for duplication."""
    return program["level"] in REGIONAL_LEVELS or program["status"] == "proposed"


def is_existing_public(program: Mapping) -> bool:
    """An existing state or federal program: what the others must not duplicate."""
    return program["status"] == "existing" and program["level"] in PUBLIC_LEVELS


def sort_overlaps(rows: list[dict]) -> pd.DataFrame:
    """Rows of :data:`COLUMNS` as a frame: duplications first, then by program and existing program."""
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    if out.empty:
        return out.astype({"n_companies": "Int64"})
    out["_kind"] = out["kind"].map(KINDS.index)
    out = out.sort_values(["_kind", "program_id", "duplicates_id"], kind="mergesort").drop(columns="_kind")
    return out.astype({"n_companies": "Int64"}).reset_index(drop=True)


def duplications(programs: pd.DataFrame, companies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every overlap of a regional, local or proposed program with an existing state or federal program.

    One row per (program, existing program, kind) with :data:`COLUMNS`: the program,
    the existing program it overlaps (``duplicates``), ``kind`` ("duplication",
    "different terms" or "complement"), the shared categories, the shared cells in
    words, the companies eligible for both (when ``companies`` are given: company
    rows with company_id, name, naics, sector, state, employees, stage) and the
    reason. Duplications first, then by program_id and the existing program's id.
    """
    rows = check_programs(programs).to_dict("records")
    people = check_companies(companies) if companies is not None else None
    existing = [p for p in rows if is_existing_public(p)]
    found = [row for r in rows if may_duplicate(r) for f in existing if f["program_id"] != r["program_id"]
             for row in compare(r, f, people)]
    out = sort_overlaps(found)
    out.attrs["notes"] = [
        "A duplication: a regional, local or proposed program serving cells an existing state or federal "
        "program serves, for the same companies, at the same cost kind; an 'all' sector or country row of "
        "the existing program does not make a specialised program a duplicate (docs/programs.md)."]
    return out
