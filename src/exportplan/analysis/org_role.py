"""The organization's role: connect and refer, or also run programs that fill gaps without duplicating.

The guide's first priority for a regional organization is to connect companies
with the state and federal programs that exist; only an organization with the
people and money to run programs should add its own, and then only where they
fill gaps (programs-and-pipeline §4).

**Thresholds** (:data:`THRESHOLDS`): fewer than 3 full-time staff, or a budget
under $250,000 a year (or either not known), gives "connect and refer" and no
proposed programs. Otherwise "connect, refer and run programs", with candidate
programs built from the gaps (the gap table of ``program_gaps``: category,
stage, sector, iso3, demand, gap):

- **training**: gaps in awareness and training, or compliance, standards and IP
  protection (free);
- **export acceleration**, where companies write their own export plans: gaps in
  readiness assessment and counseling, or export planning and acceleration (fee,
  as ExporTech-style programs charge participants);
- **pitch competition with cost-share grants**: a gap in grants and cost-share,
  or a gap in a cell an existing state or federal program serves for a fee (its
  capacity is short, say); the grant pays for those fee-based categories (the
  gapped ones, else the demanded ones a fee-based program serves), so it
  complements them;
- **missions**: one per target market with a trade-mission gap that no existing
  state program names in its countries (fee);
- **cluster programs**: one per sector with a gap in cluster and sector programs
  or market research for that sector (free).

Each candidate is a proposed program row, compared (``program_duplicates.compare``)
with every existing program of every level; one that would duplicate any is
dropped, and the reason says which. A candidate built from several gap cells
first leaves out the cells an existing program would be duplicated on (they
are that program's capacity gaps: refer companies there), and is dropped only
when nothing is left. Each kept candidate names the gaps it fills,
the existing programs it was checked against, its other overlaps (different
terms, complements) and the partners suggested as co-deliverers.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from exportplan.analysis.program_duplicates import (
    GRANTS, check_programs, compare, entries, is_existing_public, list_words, number, text,
)
from exportplan.analysis.program_scope import serves
from exportplan.analysis.program_terms import PROGRAM_COLUMNS, SERVICE_CATEGORIES, STAGES, split_list
from exportplan.errors import ExportPlanError

CONNECT = "connect and refer"
RUN = "connect, refer and run programs"
#: Below either threshold an organization connects and refers only.
THRESHOLDS = {"staff_fte_min": 3.0, "budget_usd_min": 250_000.0}
#: Columns the gap table must have (``demand`` is used when present).
GAP_COLUMNS = ("category", "stage", "sector", "iso3", "gap")
CANDIDATE_COLUMNS = ("candidate_id", "name", "kind", "categories", "stages", "sectors", "countries", "cost",
                     "pays_for", "fills", "n_gaps", "demand", "left_out", "checked_against", "overlaps",
                     "co_deliverers", "reason")
DROPPED_COLUMNS = ("candidate_id", "name", "kind", "fills", "duplicates", "reason")
#: Candidate kinds in listing order: (kind, categories whose gaps call for it, cost).
KINDS = (
    ("training", ("awareness and training", "compliance, standards and IP protection"), "free"),
    ("export acceleration", ("readiness assessment and counseling", "export planning and acceleration"), "fee"),
    ("pitch competition", (GRANTS,), "cost-share"),
    ("mission", ("trade shows and trade missions",), "fee"),
    ("cluster program", ("cluster and sector programs", "market research"), "free"),
)
MISSIONS = "trade shows and trade missions"


@dataclass(frozen=True)
class Role:
    """The recommended role and, for a larger organization, the candidate programs."""

    role: str
    reason: str
    thresholds: dict = field(default_factory=lambda: dict(THRESHOLDS))
    candidates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CANDIDATE_COLUMNS)))
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DROPPED_COLUMNS)))
    #: The kept candidates as proposed program rows (PROGRAM_COLUMNS + level, provider_name, provider_states).
    programs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PROGRAM_COLUMNS)))


def _amount(value: object, what: str) -> float | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or text(value) == "":
        return None
    out = number(value)
    if out is None or out < 0:
        raise ExportPlanError(f"The organization's {what} must be a number of 0 or more, not {value!r}.")
    return out


def _partners(partners: Iterable[str] | str) -> list[str]:
    return split_list(partners if isinstance(partners, str) else [text(p) for p in partners])


def _gap_rows(gaps: pd.DataFrame) -> list[dict]:
    missing = [c for c in GAP_COLUMNS if c not in gaps.columns]
    if missing:
        raise ExportPlanError(f"The gaps frame lacks column(s) {', '.join(missing)} (has "
                              f"{', '.join(map(str, gaps.columns)) or 'none'}); pass the gap table of the programs "
                              f"analysis.")
    vocabulary = {c.casefold(): c for c in SERVICE_CATEGORIES}
    stages = {s.casefold(): s for s in STAGES}
    rows = []
    for row in gaps.to_dict("records"):
        category = vocabulary.get(text(row.get("category")).casefold())
        if category is None:
            raise ExportPlanError(f"The gaps frame names the service category {text(row.get('category'))!r}; "
                                  f"use one of: {', '.join(SERVICE_CATEGORIES)}.")
        flag = row.get("gap")
        rows.append({
            "category": category,
            "stage": stages.get(text(row.get("stage")).casefold(), ""),
            "sector": "" if text(row.get("sector")).lower() == "all" else text(row.get("sector")),
            "iso3": "" if text(row.get("iso3")).lower() == "all" else text(row.get("iso3")).upper(),
            "demand": number(row.get("demand")) or 0.0,
            "gap": bool(flag) if flag is not None and not (not isinstance(flag, str) and pd.isna(flag)) else False,
        })
    return sorted(rows, key=lambda r: (SERVICE_CATEGORIES.index(r["category"]), r["stage"], r["sector"].casefold(),
                                       r["iso3"]))


def _union(values: Iterable[str], order=None) -> list[str]:
    """Entries of several gap rows: every value ([]) when one row is "all"."""
    values = list(values)
    if not values or "" in values:
        return []
    unique = {v.casefold(): v for v in values}
    key = order or str.casefold
    return sorted(unique.values(), key=key)


def _cell(row: dict) -> str:
    return (f"{row['category']} / {row['stage'] or 'every stage'} / {row['sector'] or 'all sectors'} / "
            f"{row['iso3'] or 'all countries'}")


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.casefold()).strip("-") or "x"


def _spec(kind: str, cid: str, name: str, rows: list[dict], cost: str, categories: list[str] | None = None,
          pays_for: Iterable[str] = ()) -> dict:
    cats = categories or _union((r["category"] for r in rows), SERVICE_CATEGORIES.index)
    return {"kind": kind, "candidate_id": cid, "name": name, "rows": rows, "cost": cost, "categories": cats,
            "stages": _union((r["stage"] for r in rows), STAGES.index),
            "sectors": _union(r["sector"] for r in rows), "countries": _union(r["iso3"] for r in rows),
            "pays_for": list(pays_for), "fixed": categories}


def _state_names(program: Mapping, iso3: str) -> bool:
    return (program["level"] == "state" and program["status"] == "existing"
            and MISSIONS in entries(program.get("categories"))
            and iso3 in {c.upper() for c in entries(program.get("countries"))})


def _sold(fee_programs: list[dict], row: dict) -> bool:
    """A fee-based state or federal program serves the gap table's cell."""
    return any(serves(p, row["category"], row["stage"], row["sector"], row["iso3"]) for p in fee_programs)


def _specs(gapped: list[dict], demand: list[dict], programs: list[dict]) -> tuple[list[dict], list[dict]]:
    """Candidate specs from the gap rows, and the mission markets left out because the state runs missions there."""
    specs: list[dict] = []
    skipped: list[dict] = []
    by_kind = {kind: [r for r in gapped if r["category"] in cats] for kind, cats, _ in KINDS}
    cost = {kind: c for kind, _, c in KINDS}
    if by_kind["training"]:
        specs.append(_spec("training", "proposed-training", "Export training", by_kind["training"], cost["training"]))
    if by_kind["export acceleration"]:
        specs.append(_spec("export acceleration", "proposed-acceleration",
                           "Export acceleration (companies write their own export plans)",
                           by_kind["export acceleration"], cost["export acceleration"]))
    fee = [p for p in programs if is_existing_public(p) and p["cost"] == "fee"]
    fee_gaps = [r for r in gapped if _sold(fee, r)]
    if by_kind["pitch competition"] or fee_gaps:
        paid = {r["category"] for r in fee_gaps} or {r["category"] for r in demand if _sold(fee, r)}
        specs.append(_spec("pitch competition", "proposed-pitch-competition",
                           "Pitch competition with cost-share export grants", by_kind["pitch competition"] + fee_gaps,
                           cost["pitch competition"], [GRANTS], sorted(paid, key=SERVICE_CATEGORIES.index)))
    for iso3 in sorted({r["iso3"] for r in by_kind["mission"] if r["iso3"]}):
        rows = [r for r in by_kind["mission"] if r["iso3"] == iso3]
        state = sorted(p["name"] for p in programs if _state_names(p, iso3))
        spec = _spec("mission", f"proposed-mission-{iso3.lower()}", f"Trade mission to {iso3}", rows, cost["mission"])
        if state:
            skipped.append({**spec, "duplicates": "; ".join(state),
                            "reason": f"the state already runs trade missions to {iso3} ({'; '.join(state)}): "
                                      f"refer companies to it rather than run another"})
        else:
            specs.append(spec)
    sectors = {r["sector"].casefold(): r["sector"] for r in by_kind["cluster program"] if r["sector"]}
    for key in sorted(sectors):
        rows = [r for r in by_kind["cluster program"] if r["sector"].casefold() == key]
        specs.append(_spec("cluster program", f"proposed-cluster-{_slug(key)}", f"{sectors[key]} cluster program",
                           rows, cost["cluster program"]))
    return specs, skipped


def _program_row(spec: dict, organization: str, states: list[str]) -> dict:
    row = {c: "" for c in PROGRAM_COLUMNS}
    row.update({
        "program_id": spec["candidate_id"], "provider_id": "organization", "name": spec["name"],
        "status": "proposed", "categories": ";".join(spec["categories"]), "stages": ";".join(spec["stages"]),
        "sectors": ";".join(spec["sectors"]), "countries": ";".join(spec["countries"]),
        "min_employees": None, "max_employees": None, "cost": spec["cost"], "pays_for": ";".join(spec["pays_for"]),
        "eligible_states": ";".join(states), "note": "fills: " + "; ".join(_cell(r) for r in spec["rows"]),
        "cost_note": "rate and cap to set" if spec["cost"] == "cost-share" else "",
        "level": "regional", "provider_name": organization, "provider_states": ";".join(states),
    })
    return row


def _narrow(spec: dict, existing: list[dict], organization: str, states: list[str]
            ) -> tuple[dict, dict, list[dict], list[dict], list[tuple[dict, str]]]:
    """Check a candidate against every existing program, leaving out the gap cells a duplicated program serves.

    A grant first stops paying for what a duplicated grant already pays for (those
    cells are left to it). Then a gap cell whose one-cell candidate would duplicate
    an existing program is left to that program (it is a capacity gap there: refer
    companies to it), and the rest is checked again. Returns the final spec, its program row, its overlaps,
    the duplications that remain (none: kept) and the cells left out with the program serving each.
    """
    left: list[tuple[dict, str]] = []
    while True:
        row = _program_row(spec, organization, states)
        overlaps = [o for f in existing for o in compare(row, f)]
        same = [o for o in overlaps if o["kind"] == "duplication"]
        if not same:
            return spec, row, overlaps, [], left
        culprits = [f for f in existing if f["program_id"] in {o["duplicates_id"] for o in same}]
        paid = {c: f["name"] for f in reversed(culprits) for c in entries(f.get("pays_for"))}
        taken = [c for c in spec["pays_for"] if c in paid]
        if taken and len(taken) < len(spec["pays_for"]):
            # An existing grant already pays for these: the candidate pays for the rest only.
            moved = [cell for cell in spec["rows"] if cell["category"] in taken]
            left += [(cell, paid[cell["category"]]) for cell in moved]
            spec = _rebuilt(spec, [cell for cell in spec["rows"] if cell not in moved] or spec["rows"],
                            [c for c in spec["pays_for"] if c not in taken])
            continue
        keep, out = [], []
        for cell in spec["rows"]:
            one = _program_row(_rebuilt(spec, [cell]), organization, states)
            owner = next((f["name"] for f in culprits
                          if any(o["kind"] == "duplication" for o in compare(one, f))), None)
            if owner:
                out.append((cell, owner))
            else:
                keep.append(cell)
        if not keep or not out:
            return spec, row, overlaps, same, left
        left += out
        spec = _rebuilt(spec, keep)


def _rebuilt(spec: dict, rows: list[dict], pays_for: list[str] | None = None) -> dict:
    return _spec(spec["kind"], spec["candidate_id"], spec["name"], rows, spec["cost"], spec["fixed"],
                 spec["pays_for"] if pays_for is None else pays_for)


def _candidates(gaps: pd.DataFrame, programs: pd.DataFrame, partners: list[str], organization: str,
                states: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows = check_programs(programs).to_dict("records")
    existing = sorted((p for p in rows if p["status"] == "existing"), key=lambda p: p["program_id"])
    demand = _gap_rows(gaps)
    specs, skipped = _specs([r for r in demand if r["gap"]], demand, rows)
    taken = {p["program_id"] for p in rows}
    kept, dropped, program_rows = [], [], []
    for spec in skipped:
        dropped.append({"candidate_id": spec["candidate_id"], "name": spec["name"], "kind": spec["kind"],
                        "fills": "; ".join(_cell(r) for r in spec["rows"]), "duplicates": spec["duplicates"],
                        "reason": spec["reason"]})
    checked = "; ".join(p["name"] for p in existing)
    for spec in specs:
        base, n = spec["candidate_id"], 2
        while spec["candidate_id"] in taken:
            spec["candidate_id"], n = f"{base}-{n}", n + 1
        taken.add(spec["candidate_id"])
        spec, row, overlaps, same, left = _narrow(spec, existing, organization, states)
        fills = "; ".join(_cell(r) for r in spec["rows"])
        if same:
            names = "; ".join(dict.fromkeys(o["duplicates"] for o in same))
            dropped.append({"candidate_id": spec["candidate_id"], "name": spec["name"], "kind": spec["kind"],
                            "fills": fills, "duplicates": names,
                            "reason": f"dropped: it would duplicate {names} ({same[0]['reason']}); refer companies "
                                      f"there instead"})
            continue
        others = "; ".join(f"{o['kind']} with {o['duplicates']}" for o in overlaps)
        left_out = "; ".join(f"{_cell(g)} (covered by {name}: refer there)" for g, name in left)
        reason = (f"fills {len(spec['rows'])} gap(s): {fills}; checked against {len(existing)} existing program(s), "
                  f"none duplicated" + (f"; leaves out {left_out}" if left_out else "")
                  + (f"; also {others}" if others else "")
                  + (f"; co-deliver with {list_words(partners, '')}" if partners else ""))
        kept.append({"candidate_id": spec["candidate_id"], "name": spec["name"], "kind": spec["kind"],
                     "categories": row["categories"], "stages": row["stages"], "sectors": row["sectors"],
                     "countries": row["countries"], "cost": row["cost"], "pays_for": row["pays_for"],
                     "fills": fills, "n_gaps": len(spec["rows"]), "demand": sum(r["demand"] for r in spec["rows"]),
                     "left_out": left_out, "checked_against": checked, "overlaps": others,
                     "co_deliverers": "; ".join(partners), "reason": reason})
        program_rows.append(row)
    columns = list(PROGRAM_COLUMNS) + ["level", "provider_name", "provider_states"]
    return (pd.DataFrame(kept, columns=list(CANDIDATE_COLUMNS)).astype({"n_gaps": "int64", "demand": "float64"}),
            pd.DataFrame(dropped, columns=list(DROPPED_COLUMNS)), pd.DataFrame(program_rows, columns=columns))


def recommend_role(staff: float | None, budget: float | None, partners: Iterable[str] | str = (), *,
                   gaps: pd.DataFrame, programs: pd.DataFrame, organization: str = "the organization",
                   states: Iterable[str] = ()) -> Role:
    """The role the plan recommends for an organization of ``staff`` FTE and ``budget`` dollars a year.

    Below :data:`THRESHOLDS` (or with either unknown): "connect and refer", no
    candidates. Otherwise "connect, refer and run programs" with the candidate
    programs that fill the gaps of ``gaps`` without duplicating any existing program
    of ``programs`` (program rows with their provider's level). ``partners`` are
    named as co-deliverers; ``states`` (postal codes) are those the organization
    serves (none: checked as if it served every state, the strictest comparison).
    """
    people, money = _amount(staff, "staff (FTE)"), _amount(budget, "budget (USD a year)")
    names = _partners(partners)
    area = [s.upper() for s in split_list(states if isinstance(states, str) else list(states))]
    short = []
    if people is None:
        short.append("its staff is not known")
    elif people < THRESHOLDS["staff_fte_min"]:
        short.append(f"{people:g} FTE staff is under {THRESHOLDS['staff_fte_min']:g}")
    if money is None:
        short.append("its budget is not known")
    elif money < THRESHOLDS["budget_usd_min"]:
        short.append(f"a ${money:,.0f} budget is under ${THRESHOLDS['budget_usd_min']:,.0f}")
    if short:
        check_programs(programs)
        n_gaps = sum(r["gap"] for r in _gap_rows(gaps))
        return Role(CONNECT, f"{list_words(short, '')}: connect companies with the existing state and federal "
                             f"programs and refer them; run no programs of its own"
                             + (f" (refer the {n_gaps} gap cell(s) to existing providers and partners)"
                                if n_gaps else "")
                             + (f"; partners to refer with: {list_words(names, '')}" if names else ""))
    kept, dropped, rows = _candidates(gaps, programs, names, organization, area)
    reason = (f"{people:g} FTE staff and a ${money:,.0f} budget meet the thresholds "
              f"({THRESHOLDS['staff_fte_min']:g} FTE, ${THRESHOLDS['budget_usd_min']:,.0f}): connect and refer first, "
              f"and run programs that fill gaps: {len(kept)} candidate(s)")
    if len(dropped):
        reason += f"; {len(dropped)} left out ({'; '.join(dropped['name'] + ': ' + dropped['reason'])})"
    if not len(kept) and not len(dropped):
        reason += " (no gap calls for one)"
    return Role(RUN, reason, dict(THRESHOLDS), kept, dropped, rows)
