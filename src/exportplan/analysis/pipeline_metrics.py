"""Pipeline analytics (issue 9, item 5): counts, flows, the share exporting, markets per exporter, conversion.

Pure functions, pandas in and out; each returns a :class:`Metric` (``table, notes``). The notes say
what was counted and what was left out, and why. Definitions (docs/methods.md, "Exporter pipeline"):

- **Companies** frames have company_id (or key), stage, and as needed sector, county_fips and
  current_markets (a list of ISO3 codes, or text separated by ";"). A stage outside
  :data:`~exportplan.analysis.pipeline_terms.STAGES` (including blank) is left out and noted; a
  blank sector or county counts under ``(blank)``.
- **Stage history** frames have company_id, date (ISO text or datetimes), from_stage (blank when
  the company entered the pipeline) and to_stage. Rows without a readable date are left out.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from exportplan.analysis.pipeline_terms import EXPORTING_STAGES, STAGES
from exportplan.errors import ExportPlanError

BLANK = "(blank)"
NEW = "(new)"
PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}
_RANK = {s: i for i, s in enumerate(STAGES)}


class Metric(NamedTuple):
    """A metric's table and the notes that go with it."""

    table: pd.DataFrame
    notes: list[str]


# --- shared helpers -------------------------------------------------------------------------------

def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"{what} needs the column(s) {', '.join(missing)}; "
                              f"the frame has {', '.join(map(str, frame.columns)) or 'none'}.")


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip()


def _known_stages(companies: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Companies whose stage is one of STAGES; the others are noted and left out."""
    stage = _text(companies["stage"])
    bad = ~stage.isin(STAGES)
    if bad.any():
        shown = sorted(set(stage[bad]))[:5]
        notes.append(f"{int(bad.sum())} compan{'y' if bad.sum() == 1 else 'ies'} with no known stage left out "
                     f"(values: {', '.join(repr(s) if s else 'blank' for s in shown)}).")
    return companies.loc[~bad].assign(stage=stage[~bad])


def _grouping(frame: pd.DataFrame, by: Sequence[str], notes: list[str]) -> pd.DataFrame:
    """``frame`` with its ``by`` columns (other than stage) as text, blanks as (blank) and noted."""
    out = frame.copy()
    for col in by:
        if col == "stage":
            continue
        values = _text(out[col])
        blank = values == ""
        if blank.any():
            notes.append(f"{int(blank.sum())} row(s) with a blank {col} counted under {BLANK}.")
        out[col] = values.where(~blank, BLANK)
    return out


def _stage_order(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Sort by ``columns``, stage-like columns in STAGES order (NEW first)."""
    keys = {c: frame[c].map(lambda s: _RANK.get(s, -1)) for c in columns if "stage" in c}
    order = frame.assign(**{f"__{c}": k for c, k in keys.items()})
    cols = [f"__{c}" if c in keys else c for c in columns]
    return order.sort_values(cols, kind="stable").drop(columns=list(f"__{c}" for c in keys)).reset_index(drop=True)


def _markets(value: object) -> tuple[str, ...]:
    """Distinct ISO3 codes of a current_markets cell (list or ";"-separated text), sorted."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ()
    items = value.split(";") if isinstance(value, str) else list(value)
    return tuple(sorted({str(v).strip().upper() for v in items if str(v).strip()}))


def _dates(history: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """History rows with a parsed ``date``; unreadable ones noted and left out."""
    dates = pd.to_datetime(history["date"], errors="coerce", format="mixed")
    bad = dates.isna()
    if bad.any():
        notes.append(f"{int(bad.sum())} stage change(s) without a readable date left out.")
    out = history.loc[~bad].copy()
    out["date"] = dates[~bad]
    out["from_stage"] = _text(out["from_stage"])
    out["to_stage"] = _text(out["to_stage"])
    return out


# --- counts -------------------------------------------------------------------------------------

def stage_counts(companies: pd.DataFrame, by: Sequence[str] = ("stage",)) -> Metric:
    """Companies by stage (and sector, county or any other column): the ``by`` columns, companies, share.

    With stage in ``by``, every stage is listed for each group (zero counts included) and
    ``share`` is of the group's companies (e.g. of the sector's); otherwise of all companies.
    """
    by = list(by)
    _need(companies, ["stage", *by], "stage_counts")
    notes: list[str] = []
    frame = _grouping(_known_stages(companies, notes), by, notes)
    counts = frame.groupby(by, sort=True).size().rename("companies").reset_index() if by else \
        pd.DataFrame({"companies": [len(frame)]})
    groups = [c for c in by if c != "stage"]
    if "stage" in by:
        counts = _all_stages(counts, groups)
    within = bool(groups) and "stage" in by
    total = counts.groupby(groups)["companies"].transform("sum") if within else counts["companies"].sum()
    counts["share"] = np.where(total > 0, counts["companies"] / np.where(total > 0, total, 1), np.nan).round(4)
    notes.insert(0, f"{len(frame)} companies counted" + (f" by {', '.join(by)}" if by else "") + "; share is of "
                 + (f"the companies with the same {', '.join(groups)}." if within else "all of them."))
    return Metric(_stage_order(counts, by) if by else counts, notes)


def _all_stages(counts: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Add zero rows so that every group lists every stage."""
    if groups:
        keys = counts[groups].drop_duplicates()
        full = keys.merge(pd.DataFrame({"stage": STAGES}), how="cross")
    else:
        full = pd.DataFrame({"stage": STAGES})
    out = full.merge(counts, on=[*groups, "stage"], how="left")
    out["companies"] = out["companies"].fillna(0).astype("int64")
    return out[[*[c for c in counts.columns if c != "companies"], "companies"]]


# --- flows --------------------------------------------------------------------------------------

def stage_flows(stage_history: pd.DataFrame, start: str | pd.Timestamp, end: str | pd.Timestamp, *,
                companies: pd.DataFrame | None = None, by: Sequence[str] = ()) -> Metric:
    """Stage changes dated ``start`` to ``end`` (both included): [by...], from_stage, to_stage,
    direction (entry, forward, back), changes, companies (distinct).

    ``by`` columns (e.g. sector, county_fips) come from ``companies`` joined on company_id.
    """
    _need(stage_history, ["company_id", "date", "from_stage", "to_stage"], "stage_flows")
    notes: list[str] = []
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    if hi < lo:
        raise ExportPlanError(f"stage_flows: the period ends ({end}) before it starts ({start}).")
    hist = _dates(stage_history, notes)
    hist = hist[(hist["date"] >= lo) & (hist["date"] <= hi)]
    hist = _with_company_columns(hist, companies, list(by), notes)
    hist["from_stage"] = hist["from_stage"].where(hist["from_stage"] != "", NEW)
    keys = [*by, "from_stage", "to_stage"]
    if hist.empty:
        table = pd.DataFrame({c: pd.Series(dtype="object") for c in keys}).assign(
            direction=pd.Series(dtype="object"), changes=pd.Series(dtype="int64"), companies=pd.Series(dtype="int64"))
    else:
        table = hist.groupby(keys, sort=True).agg(changes=("company_id", "size"),
                                                  companies=("company_id", "nunique")).reset_index()
        table.insert(len(keys), "direction", [_direction(f, t) for f, t in zip(table["from_stage"], table["to_stage"])])
    notes.insert(0, f"{len(hist)} stage change(s) dated {lo.date()} to {hi.date()} (both included); "
                    f"{NEW} is a company entering the pipeline.")
    return Metric(_stage_order(table, keys), notes)


def _direction(from_stage: str, to_stage: str) -> str:
    if from_stage == NEW:
        return "entry"
    return "forward" if _RANK.get(to_stage, -1) > _RANK.get(from_stage, -1) else "back"


def _with_company_columns(hist: pd.DataFrame, companies: pd.DataFrame | None, by: list[str],
                          notes: list[str]) -> pd.DataFrame:
    if not by:
        return hist
    if companies is None:
        raise ExportPlanError("stage_flows: breaking flows down by " + ", ".join(by) + " needs the companies frame.")
    _need(companies, ["company_id", *by], "stage_flows (companies)")
    cols = _grouping(companies[["company_id", *by]], by, notes)
    cols = cols.assign(company_id=_text(cols["company_id"])).drop_duplicates("company_id")
    out = hist.assign(company_id=_text(hist["company_id"])).merge(cols, on="company_id", how="left")
    unknown = out[by[0]].isna()
    if unknown.any():
        notes.append(f"{int(unknown.sum())} change(s) of companies not in the companies frame counted under {BLANK}.")
    out[by] = out[by].fillna(BLANK)
    return out


# --- exporting ----------------------------------------------------------------------------------

def exporting_share(companies: pd.DataFrame, by: Sequence[str] = ()) -> Metric:
    """[by...], companies, exporting (stage new-to-export, active or expanding), share."""
    by = list(by)
    _need(companies, ["stage", *by], "exporting_share")
    notes: list[str] = []
    frame = _grouping(_known_stages(companies, notes), by, notes)
    frame["exporting"] = frame["stage"].isin(EXPORTING_STAGES)
    if by:
        table = frame.groupby(by, sort=True).agg(companies=("stage", "size"),
                                                 exporting=("exporting", "sum")).reset_index()
    else:
        table = pd.DataFrame({"companies": [len(frame)], "exporting": [int(frame["exporting"].sum())]})
    table["exporting"] = table["exporting"].astype("int64")
    table["share"] = (table["exporting"] / table["companies"].where(table["companies"] > 0)).round(4)
    notes.insert(0, f"Exporting: stage {', '.join(EXPORTING_STAGES)}; share of the {len(frame)} companies "
                    "with a known stage.")
    if "current_markets" in frame.columns:
        listed = frame["current_markets"].map(_markets).map(len) > 0
        odd = int((listed & ~frame["exporting"]).sum())
        if odd:
            notes.append(f"{odd} compan{'y lists' if odd == 1 else 'ies list'} current markets but a stage "
                         "that does not export; counted by stage.")
    return Metric(table, notes)


def markets_per_exporter(companies: pd.DataFrame, by: Sequence[str] = ()) -> Metric:
    """[by...], exporters, with_markets, markets_mean, markets_median, markets_max, distinct_markets.

    Counts the distinct ISO3 codes in each exporter's current_markets. Exporters that list no
    market are unknown, not zero: they count in ``exporters`` only and are noted.
    """
    by = list(by)
    _need(companies, ["stage", "current_markets", *by], "markets_per_exporter")
    notes: list[str] = []
    frame = _grouping(_known_stages(companies, notes), by, notes)
    frame = frame[frame["stage"].isin(EXPORTING_STAGES)].copy()
    frame["markets"] = frame["current_markets"].map(_markets)
    frame["n"] = frame["markets"].map(len)
    groups = frame.groupby(by, sort=True) if by else [((), frame)]
    rows = [{**dict(zip(by, key if isinstance(key, tuple) else (key,))), **_market_summary(part)}
            for key, part in groups]
    table = pd.DataFrame(rows, columns=[*by, "exporters", "with_markets", "markets_mean", "markets_median",
                                        "markets_max", "distinct_markets"])
    none = int((frame["n"] == 0).sum())
    notes.insert(0, f"{len(frame)} exporters (stage {', '.join(EXPORTING_STAGES)}); markets are the distinct "
                    "codes in current_markets.")
    if none:
        notes.append(f"{none} exporter(s) list no current market: left out of the mean, median and maximum "
                     "(unknown, not zero).")
    return Metric(table, notes)


def _market_summary(part: pd.DataFrame) -> dict:
    listed = part.loc[part["n"] > 0, "n"]
    codes = {c for ms in part["markets"] for c in ms}
    return {"exporters": len(part), "with_markets": len(listed),
            "markets_mean": round(float(listed.mean()), 4) if len(listed) else np.nan,
            "markets_median": float(listed.median()) if len(listed) else np.nan,
            "markets_max": int(listed.max()) if len(listed) else 0, "distinct_markets": len(codes)}


# --- conversion ---------------------------------------------------------------------------------

def conversion(stage_history: pd.DataFrame, period: str = "quarter", *, horizon: int = 1,
               as_of: str | pd.Timestamp | None = None) -> Metric:
    """Share of companies that moved on from a stage, by cohort: stage, cohort, companies, converted,
    share, window_end, complete.

    A cohort is the companies that entered ``stage`` (a change to it) during one period (month,
    quarter or year); each company once per cohort. It converted when a later change took it to a
    later stage by the end of the ``horizon`` periods after its cohort's (moves in the same period
    count). ``complete`` is False when that window ends after ``as_of`` (default: the latest
    change), so later moves may still come. The last stage (expanding) has no later stage.
    """
    if period not in PERIODS:
        raise ExportPlanError(f"conversion: unknown period {period!r}; valid periods: {', '.join(PERIODS)}.")
    if horizon < 0:
        raise ExportPlanError(f"conversion: horizon must be 0 or more periods (got {horizon}).")
    _need(stage_history, ["company_id", "date", "from_stage", "to_stage"], "conversion")
    notes: list[str] = []
    hist = _dates(stage_history, notes)
    hist = hist.assign(company_id=_text(hist["company_id"]), rank=hist["to_stage"].map(_RANK))
    unknown = hist["rank"].isna()
    if unknown.any():
        notes.append(f"{int(unknown.sum())} change(s) to an unknown stage left out.")
    hist = hist[~unknown].sort_values(["company_id", "date"], kind="stable")
    hist["seq"] = np.arange(len(hist))  # order of the changes (same-day changes keep their row order)
    cutoff = pd.Timestamp(as_of) if as_of is not None else (hist["date"].max() if len(hist) else pd.Timestamp.min)
    entries = _cohort_entries(hist, PERIODS[period], horizon)
    entries["converted"] = _converted(entries, hist)
    table = _conversion_table(entries, cutoff)
    notes.insert(0, f"Cohorts: companies entering a stage in a {period}; converted: reached a later stage by the end "
                    f"of the {horizon} {period}(s) after it. Windows ending after {cutoff.date()} are incomplete.")
    notes.append(f"{STAGES[-1]} has no later stage and is left out.")
    return Metric(table, notes)


def _cohort_entries(hist: pd.DataFrame, freq: str, horizon: int) -> pd.DataFrame:
    """First entry of each company into each stage per period, with the end of its window."""
    entries = hist[hist["to_stage"] != STAGES[-1]].copy()
    entries["cohort"] = entries["date"].dt.to_period(freq)
    entries = entries.drop_duplicates(["company_id", "to_stage", "cohort"], keep="first")
    stops = [p.start_time for p in entries["cohort"] + (horizon + 1)]  # exclusive
    entries["window_stop"] = pd.Series(stops, index=entries.index, dtype="datetime64[ns]")  # typed when empty
    entries = entries.rename(columns={"to_stage": "stage"})
    return entries[["company_id", "stage", "rank", "seq", "cohort", "window_stop"]]


def _converted(entries: pd.DataFrame, hist: pd.DataFrame) -> pd.Series:
    """Whether each entry is followed, within its window, by a change to a later stage."""
    later = entries.reset_index(drop=True).reset_index().merge(
        hist[["company_id", "date", "rank", "seq"]].rename(columns={"date": "moved", "rank": "moved_rank",
                                                                    "seq": "moved_seq"}), on="company_id")
    hit = later[(later["moved_seq"] > later["seq"]) & (later["moved"] < later["window_stop"])
                & (later["moved_rank"] > later["rank"])]
    flags = np.zeros(len(entries), dtype=bool)
    flags[hit["index"].unique()] = True
    return pd.Series(flags, index=entries.index)


def _conversion_table(entries: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    columns = ["stage", "cohort", "companies", "converted", "share", "window_end", "complete"]
    if entries.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    table = entries.groupby(["stage", "cohort"], sort=True).agg(
        companies=("company_id", "nunique"), converted=("converted", "sum"), window_stop=("window_stop", "first"),
    ).reset_index()
    table["window_end"] = table["window_stop"] - pd.Timedelta(days=1)
    table["converted"] = table["converted"].astype("int64")
    table["share"] = (table["converted"] / table["companies"]).round(4)
    table["complete"] = table["window_end"] <= cutoff
    table["cohort"] = table["cohort"].astype(str)
    table["window_end"] = table["window_end"].dt.strftime("%Y-%m-%d")
    return _stage_order(table[columns], ["stage", "cohort"])


__all__ = ["BLANK", "Metric", "NEW", "PERIODS", "conversion", "exporting_share", "markets_per_exporter",
           "stage_counts", "stage_flows"]
