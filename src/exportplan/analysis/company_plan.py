"""A company's own export plan (issue 12, item 1): its market ranking's choices, its items and its drafts.

Pure functions, no I/O; the service (``ws.company_plans``) feeds them the workspace's data.

The company's market ranking is the regional ranking engine run for the company's products
(docs/company-plans.md):

- **Its NAICS level.** The ranking is asked for the company's NAICS code at the finest level
  the loaded exports by destination hold data for (:func:`finest_level`): the full code, else
  its 5-, 4-, 3- and 2-digit prefixes. A level has data when some loaded export series is
  coded at that level or finer under the prefix. When none has, the ranking falls back to
  the region's priority sectors; the plan says which level was used and why
  (:func:`level_statement`).
- **Region-only factors left out.** Sister cities and other partnerships, the region's foreign
  investors and other companies' interest (the client survey and the pipeline's target markets)
  say something about the region, not about one company's products: their weights are set
  to zero (:data:`REGION_ONLY`, :func:`company_weights`).
- **Markets the company names** (the plan's markets and the company's target markets in the
  pipeline) are shown even when the ranking does not put them in its top, labelled
  :data:`NAMED` (:func:`market_rows`).
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from exportplan.analysis.initiative_terms import DEFAULT_METRICS, PLAN_TEXT_SECTIONS
from exportplan.analysis.weights import MARKET_FACTORS, parse_weights
from exportplan.errors import ExportPlanError

#: The market factors that describe the region rather than the company, left out of a company's ranking.
REGION_ONLY: dict[str, str] = {
    "partnerships": "the region's sister cities and other partnerships",
    "fdi_connections": "the region's foreign-owned establishments (FDI)",
    "client_interest": "other companies' interest (the client survey and the pipeline's target markets)",
}
#: NAICS levels (digits) tried, finest first.
NAICS_LEVELS = (6, 5, 4, 3, 2)
#: Markets of the ranking's top shown in the plan.
TOP = 5
#: The label of a market the company names.
NAMED = "named by the company"
#: Where a named market comes from.
NAMED_SOURCES = {"plan": "in its plan", "pipeline": "as a target market in the pipeline"}


# ---- the ranking's choices --------------------------------------------------------------------------
def company_weights(configured: str | Mapping[str, float] | None = None) -> dict[str, float]:
    """The factor weight overrides of a company's ranking: the workspace's own overrides
    (``markets.weights``), with every region-only factor set to zero."""
    if isinstance(configured, str) and configured.strip():
        out = parse_weights(configured, MARKET_FACTORS)
    else:
        out = {str(k): float(v) for k, v in dict(configured or {}).items()}
    out.update({factor: 0.0 for factor in REGION_ONLY})
    return out


def region_only_note() -> str:
    """What the company's ranking leaves out, and why."""
    names = "; ".join(REGION_ONLY.values())
    return (f"Left out of the company's ranking (weight 0): {names}. They describe the region, not this company's "
            "products; the other factors keep their weights, rescaled to sum 1.")


def naics_candidates(naics: str) -> list[str]:
    """The codes tried for a company's NAICS code, finest first: '332710' -> 332710, 33271, 3327, 332, 33."""
    code = str(naics or "").strip()
    if not code.isdigit() or not 2 <= len(code) <= 6:
        return []
    return [code[:n] for n in NAICS_LEVELS if n <= len(code)]


def finest_level(naics: str, loaded: Iterable[str]) -> tuple[str | None, list[str]]:
    """The finest code of :func:`naics_candidates` with export data, and the codes tried before it.

    A code has data when a loaded NAICS code is at its level or finer and starts with it
    (exports of 332 give data for 332 and 33, not for 3327). Returns (None, all tried) when none has.
    """
    codes = {str(c).strip() for c in loaded if str(c or "").strip()}
    tried: list[str] = []
    for candidate in naics_candidates(naics):
        if any(len(c) >= len(candidate) and c.startswith(candidate) for c in codes):
            return candidate, tried
        tried.append(candidate)
    return None, tried


def level_statement(naics: str, used: str | None, tried: Sequence[str], name: str = "",
                    loaded: Iterable[str] = (), priority: str = "") -> str:
    """The plan's sentence on the NAICS level its ranking uses, and why."""
    code = str(naics or "").strip()
    title = f" ({name})" if name else ""
    levels = sorted({len(str(c)) for c in loaded if str(c or "").strip()})
    held = f"the loaded exports by destination are coded at {_digits(levels)} NAICS" if levels else \
        "no exports by destination by NAICS are loaded"
    if used is not None and not tried:
        return (f"Markets are ranked for the company's own NAICS code {used}{title}: exports by destination are "
                "loaded at that level.")
    if used is not None:
        return (f"Markets are ranked for NAICS {used}{title}, the {len(used)}-digit level of the company's code "
                f"{code}: no exports of NAICS {', '.join(tried)} are loaded ({held}), so the ranking falls back to "
                "this coarser level. Load finer exports (e.g. 'exportplan fetch exports --state XX --naics-level 4') "
                "for a ranking closer to the company's own products.")
    if not code:
        why = "the company has no NAICS code (set it with 'exportplan companies update KEY --set naics=332710')"
    else:
        why = f"no exports of NAICS {', '.join(tried) or code} are loaded ({held})"
    where = f" ({priority})" if priority else ""
    return (f"Markets are ranked as for the region's priority sectors{where}, not for the company's products: "
            f"{why}.")


def _digits(levels: Sequence[int]) -> str:
    words = [f"{n}-digit" for n in levels]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def market_rows(table: pd.DataFrame, named: Mapping[str, Sequence[str]], top: int = TOP,
                names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The plan's markets: the ranking's ``top`` rows, then each market the company names (in rank order; those
    the ranking leaves out last), each with ``basis`` (why it is shown) and its ranking's reason.

    ``named``: ISO3 -> where the company names it (keys of :data:`NAMED_SOURCES`). Columns: rank, iso3,
    country, score, coverage, robust, basis, reason.
    """
    columns = ["rank", "iso3", "country", "score", "coverage", "robust", "basis", "reason"]
    names = dict(names or {})
    ranked = table.reset_index(drop=True)
    rows = []
    shown: set[str] = set()

    def basis(iso3: str, in_top: bool) -> str:
        parts = [f"top {top} of the ranking"] if in_top else []
        where = [NAMED_SOURCES.get(s, s) for s in named.get(iso3, ())]
        if where:
            parts.append(f"{NAMED} ({' and '.join(dict.fromkeys(where))})")
        return "; ".join(parts)

    for position, record in enumerate(ranked.to_dict("records")):
        iso3 = str(record["iso3"])
        in_top = position < top
        if not in_top and iso3 not in named:
            continue
        rows.append({c: record.get(c) for c in columns if c not in ("basis",)} | {"basis": basis(iso3, in_top)})
        shown.add(iso3)
    for iso3 in named:
        if iso3 in shown:
            continue
        rows.append({"rank": None, "iso3": iso3, "country": names.get(iso3, iso3), "score": None, "coverage": None,
                     "robust": None, "basis": basis(iso3, False),
                     "reason": "not ranked: too little country data for it (below the ranking's coverage floor, "
                               "or not loaded)"})
    out = pd.DataFrame(rows, columns=columns)
    out["rank"] = out["rank"].astype("Int64")
    for column in ("score", "coverage"):
        out[column] = out[column].astype("float64")
    return out


# ---- items -----------------------------------------------------------------------------------------
def due_date(value: object, what: str = "due date") -> str:
    """An ISO date (YYYY-MM-DD; past or future), or '' when blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return ""
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ExportPlanError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2027-03-31).") from None


def number(value: object, what: str) -> float | None:
    """A finite number, or None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        out = float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        raise ExportPlanError(f"{what} {value!r} is not a number; write it like 2500 or 2,500.") from None
    if math.isnan(out):
        return None
    if math.isinf(out):
        raise ExportPlanError(f"{what} {value!r} must be a finite number.")
    return out


def budget_total(values: Iterable[object]) -> float:
    """The sum of budget amounts (blanks left out), summed in whole cents."""
    cents = 0
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            continue
        cents += int(round(float(value) * 100))
    return cents / 100


def default_metrics() -> pd.DataFrame:
    """The metrics a company reports when its plan names none (title, unit; no target yet)."""
    return pd.DataFrame({"title": [m[0] for m in DEFAULT_METRICS], "target": [None] * len(DEFAULT_METRICS),
                         "unit": [m[1] for m in DEFAULT_METRICS], "due_date": [""] * len(DEFAULT_METRICS)}) \
        .astype({"target": "float64"})


def profile_frame(record: Mapping, plan: Mapping, names: Mapping[str, str], industry: str = "") -> pd.DataFrame:
    """The company's profile as (field, value) rows: the pipeline's record and the plan's own fields."""
    def named(codes) -> str:
        return ", ".join(names.get(c, c) for c in _codes(codes))

    def text(value) -> str:
        return "" if value is None or value != value else str(value)

    naics = text(record.get("naics")).strip()
    employees = record.get("employees")
    rows = [("Company", record.get("name")), ("Company id", record.get("company_id")),
            ("NAICS", f"{naics} {industry}".strip() or "not recorded"), ("Sector", record.get("sector")),
            ("County (FIPS)", record.get("county_fips")), ("City", record.get("city")),
            ("Employees", "" if employees is None or employees != employees else f"{int(employees):,}"),
            ("Export stage", record.get("stage")),
            ("Sells to now", named(record.get("current_markets")) or "none recorded"),
            ("Target markets (pipeline)", named(record.get("target_markets")) or "none recorded"),
            ("Markets named in the plan", named(plan.get("markets")) or "none"),
            ("Foreign parent", " ".join(text(record.get(k)) for k in ("foreign_parent", "parent_country")).strip()),
            ("Coach", plan.get("coach") or "not assigned"), ("Plan status", plan.get("status")),
            ("Cohort", plan.get("initiative") or "none")]
    return pd.DataFrame([(a, text(b)) for a, b in rows], columns=["field", "value"])


def _codes(value) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(";")
    return list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))


def actions_table(actions: pd.DataFrame) -> pd.DataFrame:
    """The action plan as shown: number, action, owner, due date, status, budget and note, then a total row
    (the budget summed in whole cents)."""
    columns = ["no", "action", "owner", "due_date", "status", "budget_usd", "note"]
    rows = [{"no": str(n), "action": r["title"], "owner": r["owner"], "due_date": r["due_date"], "status": r["status"],
             "budget_usd": r["budget_usd"], "note": r["note"]}
            for n, r in enumerate(actions.to_dict("records"), start=1)]
    rows.append({"no": "", "action": "Total budget", "owner": "", "due_date": "", "status": "",
                 "budget_usd": budget_total(actions["budget_usd"]) if len(actions) else 0.0, "note": ""})
    return pd.DataFrame(rows, columns=columns).astype({"budget_usd": "float64"})


def readiness_rows(assessment: Mapping, by_area: Mapping[str, float | None]) -> tuple[str, pd.DataFrame]:
    """The latest readiness assessment in a sentence, and its score by area (area, score 0-100)."""
    score = assessment.get("score")
    shown = "no score (nothing answered)" if score is None or score != score else f"{float(score):.0f} of 100"
    who = f" by {assessment['assessed_by']}" if assessment.get("assessed_by") else ""
    confirmed = assessment.get("confirmed_stage") or ""
    stage = (f"suggested stage {assessment.get('suggested_stage') or 'none'}"
             + (f", confirmed by staff as {confirmed}" if confirmed else ", not confirmed by staff"))
    sentence = f"Export readiness (assessed {assessment.get('date') or 'on an unknown date'}{who}): {shown}; {stage}."
    frame = pd.DataFrame({"area": list(by_area), "score": [by_area[a] for a in by_area]}).astype({"score": "float64"})
    return sentence, frame


# ---- drafts -----------------------------------------------------------------------------------------
@dataclass
class Facts:
    """What the drafts name about a company (names in words)."""

    company: str
    organization: str = "the organization"
    naics: str = ""
    industry: str = ""
    stage: str = ""
    employees: int | None = None
    current_markets: Sequence[str] = ()  # country names
    markets: Sequence[str] = ()  # the plan's markets, best first (country names)
    named: Sequence[str] = ()  # markets the company names (country names)
    programs: Sequence[str] = ()  # matched programs (names)
    needs: Sequence[str] = ()  # service categories
    readiness: float | None = None
    budget: float = 0.0
    actions: int = 0
    level: str = ""  # the ranking's NAICS level sentence
    extra: dict = field(default_factory=dict)


def _words(items: Sequence[str], none: str, limit: int = 3) -> str:
    items = [str(i) for i in items if str(i)][:limit]
    if not items:
        return none
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _summary(f: Facts) -> str:
    where = _words(f.markets, "the markets its ranking puts first")
    ready = "" if f.readiness is None else f" Its latest readiness score is {f.readiness:.0f} of 100."
    budget = (f" The action plan holds {f.actions} action{'s' if f.actions != 1 else ''} with a budget of "
              f"${f.budget:,.0f}." if f.actions else "")
    return (f"{f.company} plans to grow its export sales in {where}, with the help of {f.organization} and the "
            f"programs matched to its needs.{ready}{budget}\n\n"
            "Draft: say in a few sentences what the company will sell, where, by when, and what it needs.")


def _company(f: Facts) -> str:
    size = f" with {f.employees:,} employees" if f.employees else ""
    industry = f" in {f.industry} (NAICS {f.naics})" if f.naics else ""
    stage = f"Its export stage is {f.stage}. " if f.stage else ""
    selling = (f"It sells abroad to {_words(f.current_markets, '', 5)} today. " if f.current_markets
               else "It does not export yet. ")
    return (f"{f.company} is a company{size}{industry}. {stage}{selling}\n\n"
            "Draft: describe the company's history, ownership and management commitment to exporting, and its "
            "export goals for the next three years (sales, markets, share of revenue).")


def _products(f: Facts) -> str:
    return ("Draft: list the products or services the company will export, their HS or NAICS codes, what makes "
            "them competitive abroad (price, quality, technology, service), the certifications and adaptations "
            "each target market asks for, and the intellectual property to protect.")


def _entry_strategy(f: Facts) -> str:
    markets = list(dict.fromkeys([*f.markets[:3], *f.named]))
    lines = [f"- {m}: choose the entry mode (direct sales, distributor or agent, e-commerce, licensing) and "
             "the first buyers to meet" for m in markets[:5]]
    programs = _words(f.programs, "", 3)
    help_line = f"\n\nPrograms that can help: {programs}." if programs else ""
    body = "\n".join(lines) if lines else "- the first target market: choose the entry mode and the first buyers"
    return (f"The company enters its markets in this order:\n\n{body}{help_line}\n\n"
            "Draft: for each market, say how the company will find buyers (trade shows, trade missions, "
            "the U.S. Commercial Service's partner search), its pricing and payment terms, and its logistics.")


def _risks(f: Facts) -> str:
    return ("- Getting paid: use letters of credit or export credit insurance (EXIM) for new buyers\n"
            "- Currency: quote in U.S. dollars, or hedge\n"
            "- Regulations: check export controls, tariffs and product standards of each market\n"
            "- Intellectual property: register trademarks and patents in each market before selling there\n\n"
            "Draft: name the risks that matter most to this company and how it will manage them.")


DRAFTS = {"summary": _summary, "company": _company, "products": _products, "entry_strategy": _entry_strategy,
          "risks": _risks}
assert set(DRAFTS) == set(PLAN_TEXT_SECTIONS)


def draft(section: str, facts: Facts) -> str:
    """The draft of one of the plan's text sections (:data:`PLAN_TEXT_SECTIONS`), from the company's facts."""
    if section not in DRAFTS:
        raise ExportPlanError(f"No company plan section {section!r}; the sections are {', '.join(DRAFTS)}.")
    return DRAFTS[section](facts)


__all__ = ["DRAFTS", "Facts", "NAICS_LEVELS", "NAMED", "NAMED_SOURCES", "REGION_ONLY", "TOP", "actions_table",
           "budget_total", "company_weights", "default_metrics", "draft", "due_date", "finest_level",
           "level_statement", "market_rows", "naics_candidates", "number", "profile_frame", "readiness_rows",
           "region_only_note"]
