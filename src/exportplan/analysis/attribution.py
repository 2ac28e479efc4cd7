"""Program reports: the pipeline's outcomes attributed to the organization's own programs.

Issue 12, "Attribution and KPIs" (docs/own-programs.md). The organization runs programs (a
cohort of an export acceleration program, a pitch competition round, a trade mission, a
referral program); companies take part in them; the pipeline's outcomes (first export, new
market, export sales) are attributed to one or more of them. :func:`program_report` gives, for
each program and a period, the figures the plan's implementation section and a program report
show.

Inputs (frames; the columns named, others ignored):

- ``programs``: ``key``, ``name``, ``kind`` (:data:`PROGRAM_KINDS`), ``cost_usd`` (what the
  program cost the organization; blank = not known) and ``grants_usd`` (grant dollars that
  paid for it, e.g. STEP; blank or 0 = none);
- ``participation``: ``program`` (a key), ``company_id`` and optionally ``plan_written`` (yes/no;
  cohorts record it: the company finished its export plan);
- ``outcomes``: ``outcome_id`` (a stable id, e.g. the stored record's), ``company_id``, ``date``,
  ``kind`` (``pipeline_terms.OUTCOME_KINDS``), ``export_sales_usd`` and optionally ``iso3``;
- ``attributions``: ``outcome_id`` and ``program`` (one key, or several joined with ';'); an
  outcome may be attributed to several programs, in one row or several.

Per program (definitions as the plan's KPIs, ``plan_goals``):

- **companies served**: distinct companies in its participation (the run's roster; the period
  does not filter it, since a run is the unit the cost and grants belong to);
- **plans written**: distinct companies whose participation has ``plan_written`` set;
- **outcomes**: distinct outcomes attributed to it and dated in the period;
- **first exports**: distinct companies with a 'first export' among them;
- **new markets**: 'new market' outcomes among them (each record once);
- **export sales reported**: the sum of their ``export_sales_usd`` (blank = 0);
- **sales per grant dollar**: export sales ÷ ``grants_usd`` (STEP's measure); blank without grants;
- **cost per outcome**: ``cost_usd`` ÷ outcomes; blank without outcomes or without a cost.

**Attribution rule.** An outcome attributed to several programs appears in full in each one's
row: each program contributed to it, and no share is invented. The **totals** row is therefore
not the sum of the program rows: it is computed over distinct companies and distinct outcomes,
so each company and each outcome counts once. Its cost and grants are the programs' sums; its
sales per grant dollar is the export sales of the distinct outcomes attributed to at least one
program with grants ÷ the summed grants (sales that no grant helped are not credited to the
grants), and its cost per outcome is the summed costs ÷ the distinct outcomes attributed to at
least one program with a cost.

Functions are pure: frames in, a frame out; ``attrs["notes"]`` says what was left out.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from exportplan.analysis.initiative_terms import KINDS
from exportplan.analysis.pipeline_terms import OUTCOME_KINDS
from exportplan.analysis.program_terms import split_list
from exportplan.errors import ErrorTable, ExportPlanError

#: What an organization's own program is (``initiative_terms.KINDS``).
PROGRAM_KINDS = KINDS
#: The key and name of the totals row.
TOTAL_KEY, TOTAL_NAME = "total", "All programs (each company and outcome once)"
#: The columns of :func:`program_report`.
REPORT_COLUMNS = ("key", "name", "kind", "companies_served", "plans_written", "outcomes", "first_exports",
                  "new_markets", "export_sales_usd", "cost_usd", "grants_usd", "sales_per_grant_dollar",
                  "cost_per_outcome")
NEEDS = {"programs": ("key", "name", "kind"), "participation": ("program", "company_id"),
         "outcomes": ("outcome_id", "company_id", "date", "kind"), "attributions": ("outcome_id", "program")}
_YES = {"yes", "y", "true", "1", "x", "written"}
_NO = {"", "no", "n", "false", "0"}


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _money(value: object) -> float | None | str:
    """A money cell: None when blank, a float when a number of 0 or more, else the text (a problem)."""
    text = _text(value).replace(",", "").replace("$", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return _text(value)
    return number if number >= 0 and number == number else _text(value)


def _need(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame(columns=list(NEEDS[name]))
    missing = [c for c in NEEDS[name] if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {name} frame lacks column(s) {', '.join(missing)}; it needs "
                              f"{', '.join(NEEDS[name])} (see analysis/attribution.py).")
    return frame.reset_index(drop=True)


def _day(value: Any, what: str) -> pd.Timestamp | None:
    if value is None or _text(value) == "":
        return None
    stamp = pd.to_datetime(_text(value)[:10], errors="coerce", format="%Y-%m-%d")
    if pd.isna(stamp):
        raise ExportPlanError(f"The period's {what} {value!r} is not a date; give it as YYYY-MM-DD, e.g. 2026-01-01.")
    return stamp


# ---------------------------------------------------------------- checking the inputs
def check_inputs(programs: pd.DataFrame, participation: pd.DataFrame | None, outcomes: pd.DataFrame | None,
                 attributions: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The four frames, checked and tidied: ``programs`` (key, name, kind, cost_usd, grants_usd as floats, NaN
    = blank), ``participation`` (program, company_id, plan_written as bool), ``outcomes`` (outcome_id,
    company_id, date as text, kind, export_sales_usd as float, 0 when blank) and ``pairs`` (outcome_id,
    program: one row per distinct attribution).

    Raises ExportPlanError when a column is missing and ImportFailed with one row per problem
    (sheet, line as in a sheet with one header line, column, value, problem, fix).
    """
    frames = {name: _need(frame, name) for name, frame in (("programs", programs), ("participation", participation),
                                                           ("outcomes", outcomes), ("attributions", attributions))}
    errors = ErrorTable()
    prog_rows: list[dict] = []
    keys: dict[str, int] = {}
    for i, row in enumerate(frames["programs"].to_dict("records")):
        where = {"file": "programs", "row": i + 2}
        key = _text(row.get("key"))
        if not key:
            errors.add("the program has no key", "Give every program a unique key.", column="key", **where)
        elif key in keys:
            errors.add(f"program {key!r} repeats the key of line {keys[key]}", "Give every program a unique key.",
                       column="key", value=key, **where)
        else:
            keys[key] = i + 2
        kind = _text(row.get("kind")).casefold()
        if kind not in PROGRAM_KINDS:
            errors.add(f"program {key!r}: kind {_text(row.get('kind'))!r} is not a program kind",
                       f"Use one of: {', '.join(PROGRAM_KINDS)}.", column="kind", value=_text(row.get("kind")),
                       **where)
        out = {"key": key, "name": _text(row.get("name")) or key, "kind": kind}
        for column in ("cost_usd", "grants_usd"):
            value = _money(row.get(column))
            if isinstance(value, str):
                errors.add(f"program {key!r}: {column} is not an amount of 0 or more",
                           "Give US dollars as a number, e.g. 25000, or leave it blank when not known.",
                           column=column, value=value, **where)
                value = None
            out[column] = np.nan if value is None else value
        prog_rows.append(out)
    part_rows: list[dict] = []
    for i, row in enumerate(frames["participation"].to_dict("records")):
        where = {"file": "participation", "row": i + 2}
        key, company = _text(row.get("program")), _text(row.get("company_id"))
        if key not in keys:
            errors.add(f"program {key!r} is not one of the programs", "Use the key of a program in the programs "
                       "frame.", column="program", value=key, **where)
        if not company:
            errors.add("the row has no company_id", "Name the company that took part.", column="company_id", **where)
        flag = _text(row.get("plan_written")).casefold()
        if flag not in _YES | _NO:
            errors.add(f"plan_written {flag!r} is not yes or no", "Write yes when the company finished its export "
                       "plan, no or blank when not.", column="plan_written", value=flag, **where)
        part_rows.append({"program": key, "company_id": company, "plan_written": flag in _YES})
    out_rows: list[dict] = []
    ids: dict[str, int] = {}
    kinds = {k.casefold(): k for k in OUTCOME_KINDS}
    for i, row in enumerate(frames["outcomes"].to_dict("records")):
        where = {"file": "outcomes", "row": i + 2}
        oid = _text(row.get("outcome_id"))
        if not oid:
            errors.add("the outcome has no outcome_id", "Give every outcome a unique id.", column="outcome_id",
                       **where)
        elif oid in ids:
            errors.add(f"outcome {oid!r} repeats the id of line {ids[oid]}", "Give every outcome a unique id.",
                       column="outcome_id", value=oid, **where)
        else:
            ids[oid] = i + 2
        kind = _text(row.get("kind")).casefold()
        if kind not in kinds:
            errors.add(f"outcome {oid!r}: kind {_text(row.get('kind'))!r} is not an outcome kind",
                       f"Use one of: {', '.join(OUTCOME_KINDS)}.", column="kind", value=_text(row.get("kind")),
                       **where)
        sales = _money(row.get("export_sales_usd"))
        if isinstance(sales, str):
            errors.add(f"outcome {oid!r}: export_sales_usd is not an amount of 0 or more",
                       "Give US dollars as a number, or leave it blank.", column="export_sales_usd", value=sales,
                       **where)
            sales = None
        out_rows.append({"outcome_id": oid, "company_id": _text(row.get("company_id")), "date": _text(row.get("date")),
                         "kind": kinds.get(kind, kind), "export_sales_usd": 0.0 if sales is None else sales})
    pairs: list[tuple[str, str]] = []
    for i, row in enumerate(frames["attributions"].to_dict("records")):
        where = {"file": "attributions", "row": i + 2}
        oid = _text(row.get("outcome_id"))
        if oid not in ids:
            errors.add(f"outcome {oid!r} is not one of the outcomes", "Use the outcome_id of an outcome in the "
                       "outcomes frame.", column="outcome_id", value=oid, **where)
        programs_named = split_list(row.get("program"))
        if not programs_named:
            errors.add(f"outcome {oid!r} is attributed to no program", "Name one or more program keys, "
                       "separated by ';'.", column="program", **where)
        for key in programs_named:
            if key not in keys:
                errors.add(f"program {key!r} is not one of the programs", "Use the key of a program in the "
                           "programs frame.", column="program", value=key, **where)
            elif (oid, key) not in pairs:
                pairs.append((oid, key))
    errors.raise_if_any("The program report")
    return {"programs": pd.DataFrame(prog_rows, columns=["key", "name", "kind", "cost_usd", "grants_usd"]),
            "participation": pd.DataFrame(part_rows, columns=["program", "company_id", "plan_written"])
            .astype({"plan_written": bool}),
            "outcomes": pd.DataFrame(out_rows, columns=["outcome_id", "company_id", "date", "kind", "export_sales_usd"])
            .astype({"date": str, "export_sales_usd": float}),
            "pairs": pd.DataFrame(pairs, columns=["outcome_id", "program"])}


# ---------------------------------------------------------------- the figures
def _figures(companies: pd.DataFrame, outcomes: pd.DataFrame) -> dict[str, Any]:
    """Counts over one set of participation rows and one set of distinct outcomes."""
    return {"companies_served": int(companies["company_id"].nunique()),
            "plans_written": int(companies.loc[companies["plan_written"], "company_id"].nunique()),
            "outcomes": int(outcomes["outcome_id"].nunique()),
            "first_exports": int(outcomes.loc[outcomes["kind"] == "first export", "company_id"].nunique()),
            "new_markets": int((outcomes["kind"] == "new market").sum()),
            "export_sales_usd": float(outcomes["export_sales_usd"].sum())}


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator == denominator and denominator > 0 else np.nan


def program_report(programs: pd.DataFrame, participation: pd.DataFrame | None, outcomes: pd.DataFrame | None,
                   attributions: pd.DataFrame | None, start: Any = None, end: Any = None, *,
                   totals: bool = True) -> pd.DataFrame:
    """One row per program (in the programs' order) and a totals row: :data:`REPORT_COLUMNS`.

    Outcomes count when dated from ``start`` to ``end`` (both days included; either may be
    None for no bound); outcomes without a readable date are left out and noted. The totals
    row (key :data:`TOTAL_KEY`) follows the attribution rule in the module's docstring.
    """
    lo, hi = _day(start, "start"), _day(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise ExportPlanError(f"The period ends ({hi:%Y-%m-%d}) before it starts ({lo:%Y-%m-%d}); swap the dates.")
    data = check_inputs(programs, participation, outcomes, attributions)
    notes: list[str] = []
    found = data["outcomes"]
    dates = pd.to_datetime(found["date"].str[:10], errors="coerce", format="%Y-%m-%d")
    attributed_ids = set(data["pairs"]["outcome_id"])
    undated = dates.isna() & found["outcome_id"].isin(attributed_ids)
    if undated.any():
        notes.append(f"{int(undated.sum())} attributed outcome(s) without a readable date left out.")
    keep = dates.notna()
    if lo is not None:
        keep &= dates >= lo
    if hi is not None:
        keep &= dates <= hi
    found = found[keep]
    linked = data["pairs"].merge(found, on="outcome_id", how="inner")
    unattributed = int((~found["outcome_id"].isin(attributed_ids)).sum())
    if unattributed:
        notes.append(f"{unattributed} outcome(s) in the period are attributed to no program; they are in no row.")
    part = data["participation"]
    rows: list[dict] = []
    for program in data["programs"].to_dict("records"):
        mine = linked[linked["program"] == program["key"]].drop_duplicates("outcome_id")
        row = {**program, **_figures(part[part["program"] == program["key"]], mine)}
        row["sales_per_grant_dollar"] = _ratio(row["export_sales_usd"], program["grants_usd"])
        row["cost_per_outcome"] = _ratio(program["cost_usd"], row["outcomes"])
        rows.append(row)
    served = set(part["company_id"])
    outside = linked.loc[~linked["company_id"].isin(served), "company_id"].nunique()
    if outside:
        notes.append(f"{outside} compan{'y' if outside == 1 else 'ies'} with attributed outcomes took part in no "
                     "program's participation; their outcomes count, but not as companies served.")
    if totals:
        progs = data["programs"]
        distinct = linked.drop_duplicates("outcome_id")
        row = {"key": TOTAL_KEY, "name": TOTAL_NAME, "kind": "", **_figures(part, distinct)}
        cost = progs["cost_usd"].sum(min_count=1)
        grants = progs["grants_usd"].sum(min_count=1)
        row["cost_usd"], row["grants_usd"] = cost, grants
        granted = set(progs.loc[progs["grants_usd"] > 0, "key"])
        costed = set(progs.loc[progs["cost_usd"].notna(), "key"])
        grant_sales = linked[linked["program"].isin(granted)].drop_duplicates("outcome_id")["export_sales_usd"].sum()
        costed_outcomes = linked.loc[linked["program"].isin(costed), "outcome_id"].nunique()
        row["sales_per_grant_dollar"] = _ratio(float(grant_sales), grants)
        row["cost_per_outcome"] = _ratio(cost, costed_outcomes)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    for column in ("companies_served", "plans_written", "outcomes", "first_exports", "new_markets"):
        frame[column] = frame[column].astype("int64")
    for column in ("export_sales_usd", "cost_usd", "grants_usd", "sales_per_grant_dollar", "cost_per_outcome"):
        frame[column] = frame[column].astype("float64")
    period = (f"from {lo:%Y-%m-%d}" if lo is not None else "") + (f" to {hi:%Y-%m-%d}" if hi is not None else "")
    frame.attrs["notes"] = [
        f"Outcomes dated {period.strip() or 'at any date'}. An outcome attributed to several programs counts in "
        "each program's row; the totals row counts each company and outcome once, so it is not the sum of the "
        "rows (docs/own-programs.md).", *notes]
    return frame
