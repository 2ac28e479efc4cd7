"""Demand cells, the supply that serves them, and the gaps (docs: programs-and-pipeline §4).

Pure functions, pandas in and out. The rules:

**Demand.** A cell is service category x export stage x sector x country. Demand comes from two
places, one row per demand unit (:func:`demand_cells`):

- *Pipeline needs*: each need of a pipeline company is one row in the cell (its category, the
  company's stage, the company's sector, the need's country). A need without a country is a cell
  for "all" countries.
- *Plan priorities*: each target sector creates demand for :data:`PRIORITY_CATEGORIES` (market
  research, partner and buyer matchmaking, trade shows and trade missions) in that sector, for
  "all" countries; each target market (ISO3) creates the same in that country, for "all" sectors;
  both at stage "all". The companies behind a priority cell are the pipeline companies concerned:
  for a sector, those in it (by sector name, or by NAICS prefix when the target is digits) at
  export-ready or a later stage; for a market, those naming it among their target or current
  markets. A priority with no such company still gives a cell, with demand 0, flagged
  ``priority``, so that a missing supply shows.

A cell's demand is the number of distinct companies in it (:func:`cells`); one company counts once
per cell, and in every cell it needs.

**Supply.** Only programs with status "existing" count; a proposed program never does. A program
serves a cell when its scope holds the cell (``program_scope.serves``: its categories name the
category; its stages, sectors and countries hold the cell's, "all" holding everything and a cell
for "all" being held by every list) and at least one of the cell's companies is eligible
(``program_scope.eligibility``: size, states, sector limits; what is unknown never excludes).
A priority cell without companies is served on scope alone.

**Capacity.** A program's known capacity (companies a year) is shared among all the cells it
serves, in proportion to the demand it serves there (the cell's companies eligible for it). A
cell's known capacity is the sum of its shares. A program whose capacity is blank is unknown: it is
listed, never counted as unlimited nor as zero, and the cell's capacity is "unknown" unless the
known shares already cover the demand.

**Status** of a cell, first that applies (:data:`STATUSES`):

1. "no supply": no existing program's scope holds the cell;
2. "excluded by eligibility": programs hold the cell, but some of its companies are eligible for
   none of them (the eligibility of the only provider excludes them); those companies are the gap;
3. "capacity short": the known capacity is below the demand and no program of unknown capacity
   serves the cell;
4. "capacity unknown": the known capacity is below the demand, and programs of unknown capacity
   serve the cell;
5. "served".

A gap is a cell with one of the first three statuses.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from exportplan.analysis.pipeline_terms import STAGES
from exportplan.analysis.program_scope import eligibility, number, sector_matches, serves, text
from exportplan.analysis.program_terms import ALL, SERVICE_CATEGORIES, join_list, split_list
from exportplan.errors import ExportPlanError

__all__ = [
    "PRIORITY_CATEGORIES", "READY_STAGES", "SOURCES", "STATUSES", "GAP_STATUSES", "DEMAND_COLUMNS",
    "CELL_KEYS", "CELL_COLUMNS", "GAP_COLUMNS", "HEAT_COLUMNS", "HeatMap", "demand_cells", "cells",
    "supply_and_gaps", "stage_service", "sector_service", "market_service",
]

#: The service categories a target sector or market creates demand for.
PRIORITY_CATEGORIES = ("market research", "partner and buyer matchmaking", "trade shows and trade missions")
#: Stages of the companies a target sector counts (export-ready or later).
READY_STAGES = STAGES[1:]
#: Where a demand row comes from.
SOURCES = ("pipeline need", "target sector", "target market")
STATUSES = ("no supply", "excluded by eligibility", "capacity short", "capacity unknown", "served")
#: The statuses that make a cell a gap.
GAP_STATUSES = STATUSES[:3]

CELL_KEYS = ("category", "stage", "sector", "iso3")
#: One row per demand unit. ``company_id`` is blank for a priority with no company.
DEMAND_COLUMNS = ("company_id", "name", "category", "stage", "sector", "naics", "iso3", "source", "priority")
#: One row per cell. List cells (companies, naics, sources) are ';'-joined and sorted.
CELL_COLUMNS = CELL_KEYS + ("demand", "companies", "naics", "sources", "priority")
#: One row per cell with its supply and status. ``programs``/``program_names`` serve the cell;
#: ``excluding_programs`` hold it but exclude ``excluded_companies``; ``gap_companies`` are the
#: companies behind a gap (all the cell's, or the excluded ones); ``capacity_known`` is missing
#: when no program of known capacity serves the cell.
GAP_COLUMNS = CELL_KEYS + (
    "demand", "companies", "sources", "priority", "status", "gap", "programs", "program_names",
    "capacity_known", "capacity_unknown_programs", "capacity_status", "excluded_companies",
    "excluding_programs", "gap_companies", "reason",
)
#: Counts of a heat-map cell (long form), after its two dimensions.
HEAT_COLUMNS = ("cells", "gap_cells", "demand", "gap_companies")

_INT = ("demand",)
_BOOL = ("priority", "gap")
_FLOAT = ("capacity_known",)
_TOL = 1e-9


# --- helpers ---------------------------------------------------------------------------------------

def _empty(columns: Sequence[str], counts: Sequence[str] = ()) -> pd.DataFrame:
    """A typed frame without rows: counts and ``demand`` int64, flags bool, capacity float, text object."""
    def dtype(c: str) -> str:
        return "int64" if c in _INT or c in counts else "bool" if c in _BOOL else \
            "float64" if c in _FLOAT else "object"
    return pd.DataFrame({c: pd.Series(dtype=dtype(c)) for c in columns})


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str, fix: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"{what} lack(s) the column(s) {', '.join(missing)} "
                              f"(it has {', '.join(map(str, frame.columns)) or 'none'}). {fix}")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _rank(values: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


_CATEGORY_RANK = _rank(SERVICE_CATEGORIES)
_STAGE_RANK = _rank(STAGES + (ALL,))


def _order_key(column: str, values: pd.Series) -> pd.Series:
    """Vocabulary order for categories and stages (unknown values after, by text); text otherwise."""
    ranks = {"category": _CATEGORY_RANK, "stage": _STAGE_RANK}.get(column)
    if ranks is None:
        return values.astype(str)
    return values.map(lambda v: f"{ranks.get(v, len(ranks)):03d}{v}")


def _sort_cells(frame: pd.DataFrame, first: Sequence[tuple[str, bool]] = ()) -> pd.DataFrame:
    by = [c for c, _ in first] + list(CELL_KEYS)
    ascending = [a for _, a in first] + [True] * len(CELL_KEYS)
    keyed = frame.sort_values(by=by, ascending=ascending, kind="mergesort",
                              key=lambda s: _order_key(s.name, s) if s.name in CELL_KEYS else s)
    return keyed.reset_index(drop=True)


COMPANY_FIX = "Pass the pipeline's company rows (company_id, name, naics, sector, state, employees, stage)."


# --- demand ------------------------------------------------------------------------------------------

def _markets(targets: Iterable[str]) -> list[str]:
    out: list[str] = []
    bad: list[str] = []
    for raw in targets:
        code = text(raw).upper()
        if not code:
            continue
        if len(code) != 3 or not code.isalpha():
            bad.append(text(raw))
        elif code not in out:
            out.append(code)
    if bad:
        raise ExportPlanError(f"target market(s) {', '.join(repr(b) for b in bad)} are not ISO3 country codes. "
                              "Name each target market by its three-letter code, such as MEX or DEU.")
    return out


def demand_cells(companies: pd.DataFrame, needs: pd.DataFrame, *, target_sectors: Iterable[str] = (),
                 target_markets: Iterable[str] = (),
                 priority_categories: Sequence[str] = PRIORITY_CATEGORIES) -> pd.DataFrame:
    """One row per demand unit (:data:`DEMAND_COLUMNS`): pipeline needs and plan priorities.

    ``companies``: company rows (company_id, name, naics, sector, stage; current_markets and
    target_markets, ';'-joined ISO3, when the market priorities are to count companies).
    ``needs``: company_id, service_category, iso3 ('' = any country; a ``country`` column is read
    when there is no ``iso3``). See the module docstring for the rules. Rows come in a fixed order:
    needs by company and cell, then priorities by category, target and company.
    """
    _need(companies, ("company_id", "name", "naics", "sector", "stage"), "The companies", COMPANY_FIX)
    if "iso3" not in needs.columns and "country" in needs.columns:
        needs = needs.rename(columns={"country": "iso3"})
    _need(needs, ("company_id", "service_category", "iso3"), "The needs",
          "Pass the pipeline's needs (company_id, service_category, iso3).")
    unknown = sorted(set(priority_categories) - set(SERVICE_CATEGORIES))
    if unknown:
        raise ExportPlanError(f"priority categories {unknown} are not service categories; "
                              f"use names from {list(SERVICE_CATEGORIES)}.")
    sectors = [s for s in dict.fromkeys(text(t) for t in target_sectors) if s and s.lower() != ALL]
    markets = _markets(target_markets)

    by_id: dict[str, dict] = {}
    for row in companies.to_dict("records"):
        key = text(row["company_id"])
        by_id[key] = {"company_id": key, "name": text(row["name"]), "naics": text(row["naics"]),
                      "sector": text(row["sector"]), "stage": text(row["stage"]),
                      "markets": {m.upper() for column in ("target_markets", "current_markets")
                                  for m in split_list(row.get(column))}}
    rows: list[dict] = []
    strangers: list[str] = []
    for need in needs.to_dict("records"):
        key = text(need["company_id"])
        company = by_id.get(key)
        if company is None:
            strangers.append(key)
            continue
        rows.append({"company_id": key, "name": company["name"], "category": text(need["service_category"]),
                     "stage": company["stage"], "sector": company["sector"], "naics": company["naics"],
                     "iso3": text(need["iso3"]).upper() or ALL, "source": SOURCES[0], "priority": False})
    if strangers:
        raise ExportPlanError(f"needs name companies that are not among the companies: "
                              f"{', '.join(sorted(set(strangers))[:10])}. Pass every company that has needs.")
    rows.sort(key=lambda r: (r["company_id"], _CATEGORY_RANK.get(r["category"], 99), r["category"], r["iso3"]))

    ordered = sorted(by_id.values(), key=lambda c: c["company_id"])
    for category in priority_categories:
        for target in sectors:
            concerned = [c for c in ordered if c["stage"] in READY_STAGES
                         and sector_matches(target, c["sector"], c["naics"])]
            rows += _priority_rows(category, target, ALL, concerned, SOURCES[1],
                                   naics=target if target.isdigit() else "")
        for code in markets:
            concerned = [c for c in ordered if code in c["markets"]]
            rows += _priority_rows(category, ALL, code, concerned, SOURCES[2])
    if not rows:
        return _empty(DEMAND_COLUMNS)
    frame = pd.DataFrame(rows, columns=list(DEMAND_COLUMNS))
    return frame.astype({"priority": bool})


def _priority_rows(category: str, sector: str, iso3: str, concerned: list[dict], source: str,
                   naics: str = "") -> list[dict]:
    base = {"category": category, "stage": ALL, "sector": sector, "iso3": iso3, "source": source, "priority": True}
    if not concerned:
        return [{**base, "company_id": "", "name": "", "naics": naics}]
    return [{**base, "company_id": c["company_id"], "name": c["name"], "naics": c["naics"]} for c in concerned]


def cells(demand: pd.DataFrame) -> pd.DataFrame:
    """Demand rows aggregated to cells (:data:`CELL_COLUMNS`), in vocabulary and key order.

    ``demand`` is the number of distinct companies of the cell (a priority without companies has 0);
    ``companies``, ``naics`` and ``sources`` are ';'-joined, sorted; ``priority`` is true when a plan
    priority created the cell.
    """
    _need(demand, DEMAND_COLUMNS, "The demand rows", "Pass the frame demand_cells returns.")
    if demand.empty:
        return _empty(CELL_COLUMNS)
    out = []
    for keys, group in demand.groupby(list(CELL_KEYS), sort=False, dropna=False):
        companies = sorted({text(c) for c in group["company_id"]} - {""})
        out.append(dict(zip(CELL_KEYS, keys), demand=len(companies), companies=join_list(companies),
                        naics=join_list(sorted({text(n) for n in group["naics"]} - {""})),
                        sources=join_list(sorted(set(group["source"]), key=lambda s: (SOURCES + (s,)).index(s))),
                        priority=bool(group["priority"].astype(bool).any())))
    frame = pd.DataFrame(out, columns=list(CELL_COLUMNS)).astype({"demand": "int64", "priority": bool})
    return _sort_cells(frame)


# --- supply and gaps ---------------------------------------------------------------------------------

def _num(value: float) -> str:
    """A capacity in a reason: at most two decimals ('1.29', '2')."""
    return f"{round(value, 2):g}"


def _describe(cell: Mapping, country_names: Mapping[str, str]) -> str:
    """'2 companies need market research in Mexico at export-ready' (or the priority behind the cell)."""
    sector = "" if cell["sector"] in (ALL, "") else cell["sector"]
    where = "" if cell["iso3"] == ALL else f" in {country_names.get(cell['iso3'], cell['iso3'])}"
    when = "" if cell["stage"] in (ALL, "") else f" at {cell['stage']}"
    demand = int(cell["demand"])
    if demand:
        who = _plural(demand, "company", "companies") + (f" in {sector}" if sector else "")
        return f"{who} {'needs' if demand == 1 else 'need'} {cell['category']}{where}{when}"
    if sector:
        return (f"{cell['category']} in {sector}{where}{when} (a target sector of the plan; "
                "no pipeline company in it at export-ready or later yet)")
    return f"{cell['category']}{where}{when} (a target market of the plan; no pipeline company names it yet)"


def _programs(programs: pd.DataFrame) -> list[dict]:
    _need(programs, ("program_id", "name", "status", "categories", "capacity"), "The programs",
          "Pass program rows (the inventory's program columns plus level, provider_name, provider_states).")
    rows = [dict(p) for p in programs.to_dict("records") if text(p["status"]).lower() == "existing"]
    for row in rows:
        row["program_id"] = text(row["program_id"])
        row["capacity_number"] = number(row.get("capacity"))
    return sorted(rows, key=lambda r: r["program_id"])


def supply_and_gaps(demand: pd.DataFrame, programs: pd.DataFrame, companies: pd.DataFrame, *,
                    country_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per demand cell with the existing programs serving it, its capacity and status.

    ``demand``: the rows of :func:`demand_cells`; ``programs``: program rows (any status; only
    "existing" ones count); ``companies``: company rows for eligibility (company_id, naics, sector,
    state, employees, stage). ``country_names`` (ISO3 -> name) words the reasons; codes otherwise.
    Columns :data:`GAP_COLUMNS`; rules in the module docstring. Order: gaps first, then demand
    (largest first), then the cell's keys (categories and stages in vocabulary order).
    """
    names = dict(country_names or {})
    table = cells(demand)
    if table.empty:
        return _empty(GAP_COLUMNS)
    _need(companies, ("company_id",), "The companies", COMPANY_FIX)
    by_id = {text(c["company_id"]): c for c in companies.to_dict("records")}
    missing = sorted({c for cell in table["companies"] for c in split_list(cell)} - set(by_id))
    if missing:
        raise ExportPlanError(f"the demand names companies that are not among the companies: "
                              f"{', '.join(missing[:10])}. Pass the same companies as to demand_cells.")
    existing = _programs(programs)

    scans = []
    served_demand: dict[str, int] = {}
    for cell in table.to_dict("records"):
        scan = _scan(cell, existing, by_id)
        scans.append(scan)
        for pid, count in scan["covers"].items():
            served_demand[pid] = served_demand.get(pid, 0) + count

    out = []
    for cell, scan in zip(table.to_dict("records"), scans):
        out.append(_judge(cell, scan, served_demand, names))
    frame = pd.DataFrame(out, columns=list(GAP_COLUMNS)).astype(
        {"demand": "int64", "priority": bool, "gap": bool, "capacity_known": "float64"})
    return _sort_cells(frame, first=(("gap", False), ("demand", False)))


def _scan(cell: Mapping, existing: list[dict], by_id: Mapping[str, Mapping]) -> dict:
    """Which programs hold the cell, whom each may serve, and who is left out."""
    members = split_list(cell["companies"])
    naics_set = split_list(cell["naics"]) or [""]
    keys = (cell["category"], cell["stage"], cell["sector"], cell["iso3"])
    in_scope: list[dict] = []
    covers: dict[str, int] = {}
    covered: set[str] = set()
    why: dict[str, dict[str, str]] = {}  # company -> program -> why it may not serve it
    for program in existing:
        if not any(serves(program, *keys, naics=n) for n in naics_set):
            continue
        pid = program["program_id"]
        in_scope.append(program)
        if not members:  # a priority without companies: scope alone
            covers[pid] = 0
            continue
        count = 0
        for key in members:
            company = by_id[key]
            if not serves(program, *keys, naics=text(company.get("naics"))):
                why.setdefault(key, {})[pid] = "outside its sectors"
                continue
            verdict = eligibility(program, company)
            if verdict.eligible:
                count += 1
                covered.add(key)
            else:
                why.setdefault(key, {})[pid] = verdict.reason
        if count:
            covers[pid] = count
    excluded = [k for k in members if k not in covered] if in_scope else []
    excluding = sorted({pid for k in excluded for pid in why.get(k, {})})
    return {"in_scope": in_scope, "covers": covers, "excluded": excluded, "excluding": excluding,
            "why": {k: [f"{pid}: {text}" for pid, text in why.get(k, {}).items()] for k in excluded}}


def _judge(cell: Mapping, scan: Mapping, served_demand: Mapping[str, int], names: Mapping[str, str]) -> dict:
    """Capacity, status and the reason of one cell."""
    serving = [p for p in scan["in_scope"] if p["program_id"] in scan["covers"]]
    known_shares: list[tuple[str, float, float]] = []  # (program, share, capacity)
    unknown: list[str] = []
    for program in serving:
        pid, capacity = program["program_id"], program["capacity_number"]
        if capacity is None:
            unknown.append(pid)
            continue
        total = served_demand.get(pid, 0)
        share = capacity * scan["covers"][pid] / total if total else 0.0
        known_shares.append((pid, share, capacity))
    known = sum(s for _, s, _ in known_shares) if known_shares else None
    demand = int(cell["demand"])
    covers_demand = (known or 0.0) + _TOL >= demand
    if not scan["in_scope"]:
        status = STATUSES[0]
    elif scan["excluded"]:
        status = STATUSES[1]
    elif covers_demand:
        status = STATUSES[4]
    elif unknown:
        status = STATUSES[3]
    else:
        status = STATUSES[2]
    gap = status in GAP_STATUSES
    if status in (STATUSES[0], STATUSES[2]):
        gap_companies = cell["companies"]
    elif status == STATUSES[1]:
        gap_companies = join_list(sorted(scan["excluded"]))
    else:
        gap_companies = ""
    capacity_status = "" if not serving else "known" if covers_demand or not unknown else "unknown"
    return {
        **{k: cell[k] for k in CELL_KEYS}, "demand": demand, "companies": cell["companies"],
        "sources": cell["sources"], "priority": bool(cell["priority"]), "status": status, "gap": gap,
        "programs": join_list([p["program_id"] for p in serving]),
        "program_names": join_list([text(p["name"]) for p in serving]),
        "capacity_known": float("nan") if known is None else round(known, 2),
        "capacity_unknown_programs": join_list(unknown), "capacity_status": capacity_status,
        "excluded_companies": join_list(sorted(scan["excluded"])),
        "excluding_programs": join_list(scan["excluding"]), "gap_companies": gap_companies,
        "reason": _reason(cell, status, scan, serving, known_shares, known, unknown, names),
    }


def _capacitytext(known_shares: list[tuple[str, float, float]], known: float | None, unknown: list[str]) -> str:
    parts = []
    if known is not None:
        shares = ", ".join(f"{pid}: a share of {_num(share)} of {_num(capacity)}"
                           for pid, share, capacity in known_shares)
        parts.append(f"known capacity {_num(known)} ({shares})")
    if unknown:
        parts.append(f"capacity unknown for {', '.join(unknown)}")
    return "; ".join(parts)


def _reason(cell: Mapping, status: str, scan: Mapping, serving: list[dict],
            known_shares: list[tuple[str, float, float]], known: float | None, unknown: list[str],
            names: Mapping[str, str]) -> str:
    head = _describe(cell, names)
    demand = int(cell["demand"])
    if status == STATUSES[0]:
        return f"{head}; no existing program serves it"
    if status == STATUSES[1]:
        parts = [f"{key} ({'; '.join(scan['why'][key]) or 'not eligible'})" for key in scan["excluded"]]
        n = len(scan["excluded"])
        text = (f"{head}; {_plural(n, 'company is', 'companies are')} excluded by the eligibility of every "
                f"existing program that serves it: {', '.join(parts)}")
        if serving:
            text += f"; the others are served by {', '.join(p['program_id'] for p in serving)}"
        return text
    capacity = _capacitytext(known_shares, known, unknown)
    programs = ", ".join(p["program_id"] for p in serving)
    if status == STATUSES[2]:
        return f"{head}; {capacity} is short of the demand of {demand} ({programs})"
    if status == STATUSES[3]:
        known_text = f"known capacity {_num(known)} is below the demand of {demand}" if known is not None \
            else "no program serving it has a known capacity"
        return f"{head}; {known_text}; capacity unknown for {', '.join(unknown)}"
    return f"{head}; served by {programs}" + (f" ({capacity})" if capacity else "")


# --- heat maps -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeatMap:
    """Counts of cells, gap cells, demand and gap companies over two dimensions.

    ``long``: one row per (row value, category) that has a cell, columns ``[dimension, "category",
    *HEAT_COLUMNS]``. :meth:`pivot` gives one count as rows x service categories, zero-filled.
    ``demand`` and ``gap_companies`` count distinct companies (a company with needs in two
    countries counts once in a stage x service cell).
    """

    dimension: str
    long: pd.DataFrame
    rows: tuple[str, ...]
    columns: tuple[str, ...]

    def pivot(self, value: str = "gap_cells") -> pd.DataFrame:
        """One of :data:`HEAT_COLUMNS` as a table: rows (``dimension``) x service categories."""
        if value not in HEAT_COLUMNS:
            raise ExportPlanError(f"no heat-map count {value!r}; choose one of {', '.join(HEAT_COLUMNS)}.")
        wide = self.long.pivot(index=self.dimension, columns="category", values=value) \
            if not self.long.empty else pd.DataFrame()
        wide = wide.reindex(index=list(self.rows), columns=list(self.columns)).fillna(0).astype("int64")
        wide.index.name, wide.columns.name = self.dimension, "category"
        return wide


def _heat(gaps: pd.DataFrame, dimension: str, base_rows: Sequence[str]) -> HeatMap:
    _need(gaps, GAP_COLUMNS, "The gap table", "Pass the frame supply_and_gaps returns.")
    columns = [dimension, "category", *HEAT_COLUMNS]
    categories = list(SERVICE_CATEGORIES) if dimension == "stage" else []
    if gaps.empty:
        return HeatMap(dimension, _empty(columns, HEAT_COLUMNS), tuple(base_rows), tuple(categories))
    out = []
    for (row, category), group in gaps.groupby([dimension, "category"], sort=False):
        companies = {c for cell in group["companies"] for c in split_list(cell)}
        gap_companies = {c for cell in group.loc[group["gap"], "gap_companies"] for c in split_list(cell)}
        out.append({dimension: row, "category": category, "cells": len(group), "gap_cells": int(group["gap"].sum()),
                    "demand": len(companies), "gap_companies": len(gap_companies)})
    long = pd.DataFrame(out, columns=columns).astype({c: "int64" for c in HEAT_COLUMNS})
    rank = _STAGE_RANK if dimension == "stage" else {}
    present_rows = sorted(set(long[dimension]) - set(base_rows),
                          key=lambda v: (v == ALL, rank.get(v, len(rank)), v))
    rows = tuple(base_rows) + tuple(present_rows)
    present = sorted(set(long["category"]) - set(categories), key=lambda c: (_CATEGORY_RANK.get(c, 99), c))
    cols = tuple(categories) + tuple(present)
    row_rank, col_rank = _rank(rows), _rank(cols)
    long = long.sort_values(by=[dimension, "category"], kind="mergesort",
                            key=lambda s: s.map(row_rank if s.name == dimension else col_rank)).reset_index(drop=True)
    return HeatMap(dimension, long, rows, cols)


def stage_service(gaps: pd.DataFrame) -> HeatMap:
    """Export stages x service categories (every stage and category, "all" last when present)."""
    return _heat(gaps, "stage", STAGES)


def sector_service(gaps: pd.DataFrame) -> HeatMap:
    """Sectors x service categories (the sectors and categories that have cells; "all" last)."""
    return _heat(gaps, "sector", ())


def market_service(gaps: pd.DataFrame) -> HeatMap:
    """Countries (ISO3) x service categories (the countries and categories that have cells; "all" last)."""
    return _heat(gaps, "iso3", ())
