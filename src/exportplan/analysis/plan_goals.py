"""The plan's goals and their indicators (KPIs): what each measures, baselines, and progress to targets.

Pure functions over the pipeline's frames (issue 11, "Goals and metrics"). ``frames`` is a mapping
(or any object with attributes, such as a :class:`~exportplan.analysis.pipeline_bundle.CompanyBundle`)
of the pipeline's sheets as ``ws.pipeline.companies()`` and ``ws.pipeline.records(sheet)`` give them:

- ``companies``: company_id, stage (and optionally created_at);
- ``stage_history``: company_id, date, from_stage, to_stage;
- ``outcomes``: company_id, date, kind, export_sales_usd;
- ``interactions``: company_id, date;
- ``referrals``: company_id, date, status.

A KPI reads only the sheets it needs (:attr:`Kpi.frames`); a sheet that is missing, ``None`` or
empty counts as no records, so an empty pipeline gives zeros with a note, never an error.

Periods run from ``start`` to ``end``, both days included. Dates that cannot be read are left out
and noted. Every count is deterministic: the same frames give the same numbers in any row order
except where the stage history has several changes of one company on one day (then the later
row wins, as in :func:`exportplan.analysis.pipeline_metrics.conversion`).

Definitions (docs/methods.md, "Plan goals"):

- **Stock KPIs** (exporters) are counted as of a date; ``start`` is ignored.
- **Yearly KPIs** (annual export sales) take the last complete calendar year on a date; ``start``
  is ignored.
- **Flow KPIs** (all others) are counted over a period. A baseline is the flow over the 12 months
  that end on the baseline date; the current value is the flow over the 12 months that end on the
  as-of date, so the two are comparable.
- **Status** of a goal: ``no target`` (no target, or no target year); ``met`` when the current
  value has reached the target (in the target's direction from the baseline); otherwise ``on
  track`` when it has covered at least the share of the way that a straight line from the
  baseline (on the baseline date) to the target (on 31 December of the target year) has
  covered by the as-of date, and ``behind`` when not.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from exportplan.analysis.pipeline_terms import EXPORTING_STAGES
from exportplan.errors import ErrorTable, ExportPlanError

#: Statuses of a goal, in the order a report lists them.
STATUSES = ("met", "on track", "behind", "no target")
#: Months in the window of a flow KPI's baseline and current value.
WINDOW_MONTHS = 12
#: The columns of a stored goal (the ``plan_goals`` table without its bookkeeping).
GOAL_COLUMNS = ("key", "title", "kpi", "unit", "baseline", "baseline_date", "target", "target_year", "note",
                "position")
#: The columns of :func:`progress`.
PROGRESS_COLUMNS = ("key", "goal", "kpi", "unit", "baseline", "baseline_date", "target", "target_year", "current",
                    "as_of", "progress", "expected", "status", "note")
#: The columns of :func:`baselines`.
BASELINE_COLUMNS = ("kpi", "label", "unit", "baseline", "period_start", "period_end", "note")


class Kpi(NamedTuple):
    """One indicator of the plan: its key, label, unit, kind (stock or flow), the sheets it reads and how it is
    measured (the sentence the plan's method notes print), and the title of the goal a new plan starts with."""

    key: str
    label: str
    unit: str
    kind: str
    frames: tuple[str, ...]
    measured: str
    goal: str


#: The plan's KPIs, declared once.
KPIS: tuple[Kpi, ...] = (
    Kpi("exporters", "Exporting companies", "companies", "stock", ("companies", "stage_history"),
        "Companies at an exporting stage (" + ", ".join(EXPORTING_STAGES) + ") on the date: each company's last "
        "stage change on or before it in the stage history; a company with no stage history counts at its "
        "current stage from the day it was added (created_at), or always when that is not known.",
        "More companies exporting"),
    Kpi("new_markets", "New markets entered", "markets", "flow", ("outcomes",),
        "Outcomes of kind 'new market' dated in the period; each outcome record counts once.",
        "Exporters entering new markets"),
    Kpi("export_sales", "Export sales reported", "USD", "flow", ("outcomes",),
        "Sum of export_sales_usd of the outcomes dated in the period (any kind; the sales reported then). A "
        "company's annual export sales (export_sales sheet) are not added: they are figures per year, often "
        "the same sales as an outcome, and would count them twice.",
        "Higher export sales of the companies served"),
    Kpi("annual_export_sales", "Annual export sales of the pipeline's companies", "USD", "year", ("export_sales",),
        "Sum of the companies' export sales (export_sales sheet) in the last complete calendar year on the date "
        "(the date's year when it is 31 December, else the year before); companies without a figure for that "
        "year are left out (unknown, not zero).",
        "Higher annual export sales of the region's exporters"),
    Kpi("companies_served", "Companies served", "companies", "flow", ("interactions", "referrals"),
        "Distinct companies with an interaction or a referral dated in the period.",
        "More companies served"),
    Kpi("referrals_completed", "Referrals completed", "referrals", "flow", ("referrals",),
        "Referrals with status 'completed' whose date (the day the referral was made; the day it was completed "
        "is not recorded) is in the period.",
        "Referrals that lead to a service"),
    Kpi("first_exports", "First exports", "companies", "flow", ("outcomes",),
        "Distinct companies with an outcome of kind 'first export' dated in the period.",
        "More companies making their first export sale"),
)
_BY_KEY = {k.key: k for k in KPIS}
_NEEDS = {"companies": ("company_id", "stage"), "stage_history": ("company_id", "date", "to_stage"),
          "outcomes": ("company_id", "date", "kind"), "interactions": ("company_id", "date"),
          "referrals": ("company_id", "date", "status"), "export_sales": ("company_id", "year", "export_sales_usd")}


def kpi(key: str) -> Kpi:
    """The KPI named ``key``; an unknown key raises with the valid ones."""
    found = _BY_KEY.get(str(key).strip())
    if found is None:
        raise ExportPlanError(f"Unknown KPI {key!r}; use one of {', '.join(_BY_KEY)}.")
    return found


# --- reading the frames --------------------------------------------------------------------------

def _sheet(frames: Any, name: str) -> pd.DataFrame | None:
    """The sheet ``name`` of ``frames`` (a mapping or an object with attributes); None when absent or empty."""
    frame = frames.get(name) if isinstance(frames, Mapping) else getattr(frames, name, None)
    if frame is None or len(frame) == 0:
        return None
    missing = [c for c in _NEEDS[name] if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {name} frame needs the column(s) {', '.join(missing)}; it has "
                              f"{', '.join(map(str, frame.columns)) or 'none'}.")
    return frame


def _day(value: Any, what: str) -> pd.Timestamp:
    """A date (ISO text, date or Timestamp) as a Timestamp at midnight; unreadable raises with the fix."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT or pd.isna(stamp):
        raise ExportPlanError(f"{what} {value!r} is not a date; give it as YYYY-MM-DD, e.g. 2026-01-01.")
    return stamp.tz_localize(None).normalize() if stamp.tzinfo else stamp.normalize()


def _dated(frame: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    """``frame`` with ``date`` parsed to days; rows without a readable date left out and noted."""
    dates = pd.to_datetime(frame["date"].astype("string").str.strip().str[:10], errors="coerce", format="%Y-%m-%d")
    bad = dates.isna()
    if bad.any():
        notes.append(f"{int(bad.sum())} {name} row(s) without a readable date left out.")
    return frame.loc[~bad].assign(date=dates[~bad], company_id=frame.loc[~bad, "company_id"].astype("string")
                                  .fillna("").str.strip())


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip().str.lower()


def _in_period(frame: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    return frame[(frame["date"] >= lo) & (frame["date"] <= hi)]


# --- the KPIs ------------------------------------------------------------------------------------

def stages_on(frames: Any, as_of: Any) -> pd.DataFrame:
    """company_id, stage: each company's export stage on ``as_of`` (from the stage history; see KPIS)."""
    return _stages_on(frames, _day(as_of, "as_of"), [])


def _stages_on(frames: Any, day: pd.Timestamp, notes: list[str]) -> pd.DataFrame:
    history, companies = _sheet(frames, "stage_history"), _sheet(frames, "companies")
    parts = []
    known: set[str] = set()
    if history is not None:
        hist = _dated(history, "stage history", notes)
        known = set(hist["company_id"])
        hist = hist.assign(_row=np.arange(len(hist)))
        hist = hist[hist["date"] <= day]
        last = hist.sort_values(["company_id", "date", "_row"], kind="stable").drop_duplicates("company_id",
                                                                                              keep="last")
        parts.append(pd.DataFrame({"company_id": last["company_id"].to_numpy(),
                                   "stage": _text(last["to_stage"]).to_numpy()}))
    if companies is not None:
        ids = companies["company_id"].astype("string").fillna("").str.strip()
        rest = companies.loc[~ids.isin(known)].assign(company_id=ids[~ids.isin(known)])
        if len(rest):
            if "created_at" in rest.columns:
                added = pd.to_datetime(rest["created_at"].astype("string").str[:10], errors="coerce",
                                       format="%Y-%m-%d")
                rest = rest[added.isna() | (added <= day)]
            notes.append(f"{len(rest)} compan{'y' if len(rest) == 1 else 'ies'} without stage history counted at "
                         "the current stage.")
            parts.append(pd.DataFrame({"company_id": rest["company_id"].to_numpy(),
                                       "stage": _text(rest["stage"]).to_numpy()}))
    if not parts:
        return pd.DataFrame({"company_id": pd.Series(dtype="object"), "stage": pd.Series(dtype="object")})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("company_id", kind="stable").reset_index(drop=True)


def _measure(key: str, frames: Any, lo: pd.Timestamp | None, hi: pd.Timestamp, notes: list[str]) -> float:
    """The value of KPI ``key`` (``lo`` unused for stocks); notes say what was left out."""
    if key == "exporters":
        stages = _stages_on(frames, hi, notes)
        return float(stages["stage"].isin(EXPORTING_STAGES).sum())
    if key == "annual_export_sales":
        return _annual_sales(frames, hi, notes)
    assert lo is not None
    if key in ("new_markets", "export_sales", "first_exports"):
        outcomes = _sheet(frames, "outcomes")
        if outcomes is None:
            return 0.0
        rows = _in_period(_dated(outcomes, "outcome", notes), lo, hi)
        if key == "export_sales":
            if "export_sales_usd" not in rows.columns:
                raise ExportPlanError("The outcomes frame needs the column export_sales_usd for export_sales.")
            values = pd.to_numeric(rows["export_sales_usd"], errors="coerce")
            return float(values.sum()) if values.notna().any() else 0.0
        kind = "new market" if key == "new_markets" else "first export"
        chosen = rows[_text(rows["kind"]) == kind]
        return float(len(chosen) if key == "new_markets" else chosen["company_id"].nunique())
    if key == "companies_served":
        ids: set[str] = set()
        for name in ("interactions", "referrals"):
            frame = _sheet(frames, name)
            if frame is not None:
                ids |= set(_in_period(_dated(frame, name[:-1], notes), lo, hi)["company_id"])
        ids.discard("")
        return float(len(ids))
    if key == "referrals_completed":
        referrals = _sheet(frames, "referrals")
        if referrals is None:
            return 0.0
        rows = _in_period(_dated(referrals, "referral", notes), lo, hi)
        return float((_text(rows["status"]) == "completed").sum())
    raise AssertionError(key)


def complete_year(day: Any) -> int:
    """The last complete calendar year on ``day``: its own year on 31 December, else the year before."""
    stamp = _day(day, "date")
    return stamp.year if (stamp.month, stamp.day) == (12, 31) else stamp.year - 1


def _annual_sales(frames: Any, day: pd.Timestamp, notes: list[str]) -> float:
    sales = _sheet(frames, "export_sales")
    if sales is None:
        return 0.0
    year = complete_year(day)
    years = pd.to_numeric(sales["year"], errors="coerce")
    values = pd.to_numeric(sales["export_sales_usd"], errors="coerce")
    chosen = values[(years == year) & values.notna()]
    reported = sales.loc[chosen.index, "company_id"].nunique()
    notes.append(f"Export sales of {year}: {reported} compan{'y' if reported == 1 else 'ies'} reported a figure.")
    return float(chosen.sum()) if len(chosen) else 0.0


def kpi_value(key: str, frames: Any, start: Any, end: Any) -> float:
    """The value of KPI ``key`` from ``start`` to ``end`` (both days included); for a stock KPI (exporters),
    its value on ``end``, and for a yearly KPI (annual_export_sales), its value in the last complete year on
    ``end`` (``start`` may be None for both). See :data:`KPIS` for what each counts."""
    item = kpi(key)
    hi = _day(end, "end")
    lo = None if item.kind != "flow" and start is None else _day(start, "start")
    if lo is not None and hi < lo:
        raise ExportPlanError(f"The period ends ({hi.date()}) before it starts ({lo.date()}); swap start and end.")
    return _measure(item.key, frames, lo, hi, [])


def window(end: Any, months: int = WINDOW_MONTHS) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The ``months`` months that end on ``end`` (both days included): 2025-12-31 -> 2025-01-01..2025-12-31."""
    hi = _day(end, "end")
    return hi - pd.DateOffset(months=months) + pd.Timedelta(days=1), hi


def _window_value(item: Kpi, frames: Any, day: pd.Timestamp, notes: list[str]) -> tuple[float, pd.Timestamp | None]:
    if item.kind != "flow":
        return _measure(item.key, frames, None, day, notes), None
    lo, hi = window(day)
    return _measure(item.key, frames, lo, hi, notes), lo


def _empty_note(item: Kpi, frames: Any) -> str:
    """A note when none of the sheets the KPI reads has a record; '' otherwise."""
    if any(_sheet(frames, name) is not None for name in item.frames):
        return ""
    return (f"No {' or '.join(n.replace('_', ' ') for n in item.frames)} recorded in the pipeline yet: the value is 0 "
            "until they are.")


def baselines(frames: Any, baseline_date: Any) -> pd.DataFrame:
    """Each KPI's baseline: kpi, label, unit, baseline, period_start, period_end, note.

    A flow KPI's baseline is its value over the 12 months that end on ``baseline_date`` (both
    days included); the exporters' is the number of exporters on that date, and the annual export
    sales' the sum for the last complete year on that date (period_start blank for both).
    """
    day = _day(baseline_date, "baseline_date")
    rows = []
    for item in KPIS:
        notes: list[str] = []
        value, lo = _window_value(item, frames, day, notes)
        empty = _empty_note(item, frames)
        rows.append({"kpi": item.key, "label": item.label, "unit": item.unit, "baseline": value,
                     "period_start": "" if lo is None else lo.strftime("%Y-%m-%d"),
                     "period_end": day.strftime("%Y-%m-%d"), "note": " ".join([*([empty] if empty else []), *notes])})
    return pd.DataFrame(rows, columns=list(BASELINE_COLUMNS))


def default_goals(frames: Any, baseline_date: Any) -> pd.DataFrame:
    """The goals a new plan starts with: one per KPI (in :data:`KPIS` order), its baseline computed on
    ``baseline_date``, target and target year blank for staff. Columns: :data:`GOAL_COLUMNS`."""
    base = baselines(frames, baseline_date)
    rows = []
    for position, (item, (_, row)) in enumerate(zip(KPIS, base.iterrows()), start=1):
        period = (f"{row['period_start']} to {row['period_end']}" if row["period_start"]
                  else f"on {row['period_end']}")
        note = f"Baseline from the pipeline ({period}). Set the target and target year."
        rows.append({"key": item.key, "title": item.goal, "kpi": item.key, "unit": item.unit,
                     "baseline": row["baseline"], "baseline_date": row["period_end"], "target": np.nan,
                     "target_year": pd.NA, "note": " ".join(v for v in (note, row["note"]) if v),
                     "position": position})
    out = pd.DataFrame(rows, columns=list(GOAL_COLUMNS))
    out["target_year"] = out["target_year"].astype("Int64")
    return out


# --- goals: checking and progress ----------------------------------------------------------------

def _number(value: Any) -> float | None:
    """A number, None for blank, NaN for text that is not a number."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not value:
            return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def check_goals(goals: pd.DataFrame | list[dict]) -> pd.DataFrame:
    """Goals as staff give them, checked and tidied to :data:`GOAL_COLUMNS` (blank position: row order).

    Every problem (unknown KPI, blank or repeated key, a target or baseline that is not a number, a
    target year outside 2000-2100, a baseline date that is not a date) goes into one table; raises
    :class:`~exportplan.errors.ImportFailed` listing them all (row, column, value, problem, fix).
    """
    frame = pd.DataFrame(goals) if not isinstance(goals, pd.DataFrame) else goals.copy()
    problems, rows, seen = ErrorTable(), [], set()
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        def bad(column: str, problem: str, fix: str, rec: dict = rec, i: int = i) -> None:
            shown = rec.get(column)
            problems.add(problem, fix, file="goals", row=i, column=column,
                         value="" if shown is None or shown is pd.NA else str(shown))
        key = str(rec.get("key") or "").strip()
        kpi_key = str(rec.get("kpi") or "").strip()
        if not key:
            bad("key", "a goal needs a key", "give a short key such as 'exporters-2028'")
        elif key in seen:
            bad("key", "this key is used by an earlier goal", "give each goal its own key")
        seen.add(key)
        if kpi_key not in _BY_KEY:
            bad("kpi", "unknown KPI", f"use one of {', '.join(_BY_KEY)}")
        values = {}
        for column in ("baseline", "target"):
            values[column] = _number(rec.get(column))
            if values[column] is not None and math.isnan(values[column]):
                bad(column, "not a number", "give a number such as 120 or 2500000, or leave it blank")
        year = _number(rec.get("target_year"))
        if year is not None and (math.isnan(year) or year != int(year) or not 2000 <= year <= 2100):
            bad("target_year", "not a year between 2000 and 2100", "give the year the target is for, e.g. 2030")
        day = str(rec.get("baseline_date") or "").strip()
        if day and pd.isna(pd.to_datetime(day, errors="coerce", format="%Y-%m-%d")):
            bad("baseline_date", "not a date", "give it as YYYY-MM-DD, e.g. 2025-12-31, or leave it blank")
        position = _number(rec.get("position"))
        unit = str(rec.get("unit") or "").strip() or (_BY_KEY[kpi_key].unit if kpi_key in _BY_KEY else "")
        rows.append({"key": key, "title": str(rec.get("title") or "").strip(), "kpi": kpi_key, "unit": unit,
                     "baseline": values["baseline"], "baseline_date": day, "target": values["target"],
                     "target_year": None if year is None or math.isnan(year) else int(year),
                     "note": str(rec.get("note") or "").strip(),
                     "position": i if position is None or math.isnan(position) else int(position)})
    problems.raise_if_any("Checking the goals")
    out = pd.DataFrame(rows, columns=list(GOAL_COLUMNS))
    out["baseline"] = out["baseline"].astype("float64")
    out["target"] = out["target"].astype("float64")
    out["target_year"] = out["target_year"].astype("Int64")
    return out


def _status(baseline: float, target: float | None, year: int | None, current: float, start: pd.Timestamp,
            day: pd.Timestamp) -> tuple[float, float, str]:
    """(progress share, expected value on ``day``, status) of one goal (see the module's rule)."""
    if target is None:
        return math.nan, math.nan, "no target"
    share = (current - baseline) / (target - baseline) if target != baseline else math.nan
    if year is None:
        return share, math.nan, "no target"
    finish = pd.Timestamp(year=int(year), month=12, day=31)
    elapsed = 1.0 if finish <= start else min(max((day - start) / (finish - start), 0.0), 1.0)
    expected = baseline + (target - baseline) * elapsed
    up = target >= baseline
    if (current >= target) if up else (current <= target):
        return share, expected, "met"
    ahead = current >= expected if up else current <= expected
    return share, expected, "on track" if ahead else "behind"


def progress(goals: pd.DataFrame | list[dict], frames: Any, as_of: Any) -> pd.DataFrame:
    """Progress on each goal on ``as_of``: :data:`PROGRESS_COLUMNS`, in the goals' position order.

    ``goal`` is the goal's title (its KPI's label when blank); ``current`` the KPI on ``as_of``
    (exporters) or over the 12 months that end on it (the others, like their baselines);
    ``baseline`` the goal's, or computed on its baseline date when blank (noted), or on ``as_of``
    when that is blank too; ``progress`` = (current - baseline) / (target - baseline), blank without
    a target (or when target = baseline); ``expected`` the value the straight path from baseline to
    target has reached on ``as_of``; ``status`` one of :data:`STATUSES` (rule in the module's notes).
    """
    day = _day(as_of, "as_of")
    checked = check_goals(goals).sort_values(["position", "key"], kind="stable")
    rows, cache = [], {}
    for rec in checked.to_dict("records"):
        item = _BY_KEY[rec["kpi"]]
        notes: list[str] = []
        if item.key not in cache:
            empty = _empty_note(item, frames)
            value, _ = _window_value(item, frames, day, notes)
            cache[item.key] = (value, [*([empty] if empty else []), *notes])
        current, notes = cache[item.key][0], list(cache[item.key][1])
        start = _day(rec["baseline_date"], "baseline_date") if rec["baseline_date"] else day
        baseline = rec["baseline"]
        if pd.isna(baseline):
            baseline, _ = _window_value(item, frames, start, [])
            notes.insert(0, f"Baseline computed from the pipeline on {start.date()}.")
        target = None if pd.isna(rec["target"]) else float(rec["target"])
        year = None if pd.isna(rec["target_year"]) else int(rec["target_year"])
        share, expected, status = _status(float(baseline), target, year, current, start, day)
        if target is not None and year is None:
            notes.append("Give a target year to see whether the goal is on track.")
        elif target is None:
            notes.append("No target yet: staff set it.")
        rows.append({"key": rec["key"], "goal": rec["title"] or item.label, "kpi": item.key,
                     "unit": rec["unit"] or item.unit, "baseline": float(baseline),
                     "baseline_date": start.strftime("%Y-%m-%d"), "target": np.nan if target is None else target,
                     "target_year": year, "current": current, "as_of": day.strftime("%Y-%m-%d"),
                     "progress": round(share, 4) if not math.isnan(share) else np.nan,
                     "expected": round(expected, 4) if not math.isnan(expected) else np.nan, "status": status,
                     "note": " ".join([*([rec["note"]] if rec["note"] else []), *notes])})
    out = pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))
    for column in ("baseline", "target", "current", "progress", "expected"):
        out[column] = out[column].astype("float64")
    out["target_year"] = out["target_year"].astype("Int64")
    return out.reset_index(drop=True)


__all__ = ["BASELINE_COLUMNS", "GOAL_COLUMNS", "KPIS", "Kpi", "PROGRESS_COLUMNS", "STATUSES", "WINDOW_MONTHS",
           "baselines", "check_goals", "complete_year", "default_goals", "kpi", "kpi_value", "progress", "stages_on",
           "window"]
