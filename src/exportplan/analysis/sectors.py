"""Target sectors: the guide's five criteria as a scoring matrix, entry matching and tiers.

Pure functions, frames in and frames out (methods.md §4). The workspace
(:mod:`exportplan.ws.sectors`) gathers the frames; :func:`build_sector_matrix`
turns them into the alternatives × measures matrix that
:func:`exportplan.analysis.scoring.score` ranks; :func:`assign_tiers` sorts the
ranked sectors into tiers by the documented :data:`TIER_RULES`.

**Alternatives** are the region's traded clusters (``by='cluster'``) or its
NAICS industries at one level (``by='naics'``). **Measures** (:data:`MEASURES`)
belong to the five guide criteria (``group`` = a key of
:data:`~exportplan.analysis.weights.SECTOR_GROUPS`):

========================  =================  ==========================================
measure                   group              raw value
========================  =================  ==========================================
employment                size               private employment (log-transformed)
establishments            size               establishments (log-transformed)
regional_growth           growth             the region's employment CAGR over the window
national_growth           growth             the reference area's CAGR of the same sector
lq                        strength           location quotient
strong                    strength           US Cluster Mapping strong-cluster flag (clusters)
competitive_shift         strength           shift-share competitive shift per start-year job, ``g_i − G_i``
wage_premium              strength           average pay / the reference area's average pay
unique_assets             strength           summed strength (1-3) of staff-flagged assets
state_target              state_target       priority as a score: 1 → 1.0, 2 → 0.67, 3 → 0.33, not listed → 0
foreign_establishments    foreign_investors  foreign-owned establishments
========================  =================  ==========================================

**Missing versus zero.** A user table that is loaded makes its measure
observed for every sector: a sector the state target list does not name
scores 0 ("not listed"), a sector without foreign-owned establishments or
assets in the tables counts 0. A table that is *not* loaded leaves its
measure missing for every sector, so :func:`~exportplan.analysis.scoring.score`
drops it and the sectors' ``coverage`` shows the gap. Measures computed from
QCEW are missing where the data are (withheld cells, one year only).

The parts live beside this module and are re-exported here (callers use
``sectors.X``): :mod:`exportplan.analysis.sector_match` (matching the user
tables' entries to the alternatives: the rules are in its notes),
:mod:`exportplan.analysis.sector_reference` (the reference-side measures)
and :mod:`exportplan.analysis.sector_tiers` (the tier rules). This module
builds the matrix (:func:`build_sector_matrix`), the ranked table
(:func:`ranking_table`) and the explanations (:func:`explain`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import polars as pl

from exportplan.analysis.scoring import Criterion, ScoreResult
from exportplan.analysis.sector_match import (  # noqa: F401  (re-exported: callers use sectors.X)
    PRIORITY_SCORES,
    TABLE_LABELS,
    USER_TABLES,
    Universe,
    empty_report,
    match_entry,
    match_notes,
    match_table,
    naics_prefixes,
    user_measure,
)
from exportplan.analysis.sector_match import present
from exportplan.analysis.sector_reference import (  # noqa: F401  (re-exported)
    cluster_reference_measures,
    industry_reference_measures,
    is_synthetic,
    reference_note,
)
from exportplan.analysis.sector_tiers import (  # noqa: F401  (re-exported)
    MONITOR_DESCRIPTION,
    TIER_RULES,
    TIERS,
    Condition,
    TierRule,
    assign_tiers,
    no_priority_note,
    tier_notes,
)
from exportplan.analysis.sensitivity import Robustness
from exportplan.analysis.uncertain import mark_reason, value_text
from exportplan.errors import ExportPlanError

BY = ("cluster", "naics")


def priority_text(value: float) -> str:
    """A state-target score as text: ``'priority 1 of 3'`` ... ``'not listed'``."""
    if value <= 0:
        return "not listed"
    return f"priority {4 - int(round(value * 3))} of 3"


@dataclass(frozen=True)
class Measure:
    """A target-sector measure: its criterion settings and the alternatives' column it comes from."""

    key: str
    label: str
    group: str
    column: str
    unit: str
    fmt: str | Callable[[float], str]
    transform: str = "none"
    description: str = ""
    clusters_only: bool = False


#: The measures of the five guide criteria, in display order (see the module docstring).
MEASURES: tuple[Measure, ...] = (
    Measure("employment", "employment", "size", "employment", "jobs", "int", "log",
            "Private employment (annual average); a lower bound where cells are withheld."),
    Measure("establishments", "establishments", "size", "establishments", "establishments", "int", "log",
            "Private establishments (annual average)."),
    Measure("regional_growth", "regional growth", "growth", "cagr", "% a year", "{:+.1%} a year",
            description="The region's employment growth, compound annual rate over the window."),
    Measure("national_growth", "reference growth", "growth", "ref_cagr", "% a year", "{:+.1%} a year",
            description="The reference area's employment growth of the same sector (industry mix)."),
    Measure("lq", "LQ", "strength", "lq", "ratio", "{:.2f}",
            description="Location quotient against the reference area."),
    Measure("strong", "strong cluster", "strength", "strong", "yes/no", "flag",
            description="US Cluster Mapping strong-cluster flag.", clusters_only=True),
    Measure("competitive_shift", "competitive shift", "strength", "competitive_shift",
            "share of start-year jobs", "{:+.1%}",
            description="Shift-share competitive (regional) shift per start-year job: regional minus "
                        "reference growth of the sector over the window."),
    Measure("wage_premium", "pay vs reference", "strength", "wage_premium", "ratio", "{:.2f}x",
            description="Average annual pay relative to the same sector in the reference area."),
    Measure("unique_assets", "unique-asset strength", "strength", "unique_assets", "summed strength 1-3",
            "int", description="Summed strength (1 some .. 3 exceptional) of the unique assets staff flagged."),
    Measure("state_target", "state target", "state_target", "state_target", "score 0-1", priority_text,
            description="State target priority as a score: 1 → 1.0, 2 → 0.67, 3 → 0.33, not listed → 0."),
    Measure("foreign_establishments", "foreign-owned establishments", "foreign_investors",
            "foreign_establishments", "establishments", "int",
            description="Foreign-owned establishments in the sector (sector FDI table)."),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)
_USER_MEASURE = {"targets": "state_target", "sector_fdi": "foreign_establishments", "assets": "unique_assets"}


# --------------------------------------------------------------------------- the matrix

@dataclass(frozen=True)
class SectorMatrix:
    """The alternatives × measures matrix and what went into it.

    ``matrix`` is indexed by alternative code with one column per criterion
    key (NaN = missing); ``names`` maps codes to names; ``matches`` is the
    match report of the user tables' entries (see :func:`match_table`);
    ``notes`` are plain sentences for the table's notes.
    """

    matrix: pd.DataFrame
    criteria: tuple[Criterion, ...]
    names: dict[str, str]
    matches: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> pd.DataFrame:
        """The user-table entries that matched no ranked alternative, with the reason."""
        return self.matches[self.matches["status"] == "unmatched"].reset_index(drop=True)


def sector_criteria(by: str = "cluster", *, reference: str = "US", start_year: int | None = None,
                    sources: Mapping[str, str] | None = None) -> tuple[Criterion, ...]:
    """The :class:`Criterion` of every measure that applies to ``by`` (the strong flag: clusters only).

    ``reference`` names the reference area in labels ("US growth");
    ``start_year`` dates the competitive shift ("+2.1% of 2018 jobs");
    ``sources`` maps measure keys to source text (publisher + vintage).
    """
    check_by(by)
    sources = dict(sources or {})
    out = []
    for m in MEASURES:
        if m.clusters_only and by != "cluster":
            continue
        label, fmt = m.label, m.fmt
        if m.key == "national_growth":
            label = f"{reference} growth"
        if m.key == "wage_premium":
            label = f"pay vs {reference}"
        if m.key == "competitive_shift" and start_year is not None:
            fmt = "{:+.1%} of " + f"{int(start_year)} jobs"
        out.append(Criterion(m.key, label, unit=m.unit, source=sources.get(m.key, ""), transform=m.transform,
                             description=m.description, group=m.group, fmt=fmt))
    return tuple(out)


def build_sector_matrix(alternatives: pd.DataFrame, *, by: str = "cluster", level: int | None = None,
                        crosswalk: pd.DataFrame | pl.DataFrame | None = None,
                        targets: pd.DataFrame | None = None, sector_fdi: pd.DataFrame | None = None,
                        assets: pd.DataFrame | None = None, reference: str = "US",
                        start_year: int | None = None, sources: Mapping[str, str] | None = None,
                        official: pd.DataFrame | pl.DataFrame | None = None) -> SectorMatrix:
    """The alternatives × measures matrix of the five guide criteria.

    ``alternatives`` has one row per cluster or industry: ``code, name`` and
    any of the measure columns (``employment, establishments, cagr,
    ref_cagr, lq, strong, competitive_shift, wage_premium``); a column that
    is absent is missing for every alternative. ``targets`` (target, kind,
    priority), ``sector_fdi`` (sector, kind, foreign_establishments[, year])
    and ``assets`` (sector, kind, strength) are the user tables, or None
    (or empty) when not loaded. ``crosswalk`` (naics, cluster_code,
    cluster_name, type) maps NAICS entries to clusters and clusters to NAICS
    industries. ``level`` is the NAICS level when ``by='naics'`` (default:
    the length of the codes). ``official`` (cluster_code, cluster_name, type)
    is the official US Cluster Mapping list that cluster entries fall back on
    (the caller reads it, e.g. ``sources.clusters.official_clusters()``), or
    None to match against the crosswalk only.
    """
    check_by(by)
    alts = _alternatives(alternatives)
    codes = alts["code"].tolist()
    names = dict(zip(codes, alts["name"]))
    xwalk = _crosswalk(crosswalk)
    level = int(level) if level is not None else (_naics_level(codes) if by == "naics" else None)
    universe = Universe(by, codes, names, level, xwalk, _official(official))
    criteria = sector_criteria(by, reference=reference, start_year=start_year, sources=sources)
    matrix = pd.DataFrame(index=pd.Index(codes, dtype="str", name="code"))
    for crit in criteria:
        measure = _MEASURE[crit.key]
        if measure.column in alts.columns:
            matrix[crit.key] = _as_float(alts[measure.column]).to_numpy()
        else:
            matrix[crit.key] = np.nan
    reports, notes = [], []
    for kind, frame in (("targets", targets), ("sector_fdi", sector_fdi), ("assets", assets)):
        key = _USER_MEASURE[kind]
        if frame is None or len(frame) == 0:
            notes.append(f"No {TABLE_LABELS[kind]} table is loaded: '{_MEASURE[key].label}' is missing for every "
                         "sector (see coverage). Import one with 'exportplan import "
                         f"{kind.replace('_', '-')} FILE'.")
            continue
        values, report = user_measure(kind, frame, universe)
        matrix[key] = values.reindex(matrix.index).to_numpy()
        reports.append(report)
    matches = pd.concat(reports, ignore_index=True) if reports else empty_report()
    notes += match_notes(matches) + _missing_notes(matrix, criteria)
    return SectorMatrix(matrix, criteria, names, matches, notes)


_MEASURE = {m.key: m for m in MEASURES}


def check_by(by: str) -> None:
    if by not in BY:
        raise ExportPlanError(f"Unknown alternatives {by!r}: rank by 'cluster' (traded clusters) or 'naics' "
                              "(NAICS industries at one level).")


def _alternatives(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("code", "name") if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The alternatives frame needs columns 'code' and 'name'; it lacks {missing}.")
    alts = frame.copy()
    alts["code"] = alts["code"].astype("str").str.strip()
    alts["name"] = [str(n) if present(n) else c for n, c in zip(alts["name"], alts["code"])]
    dupes = sorted(alts.loc[alts["code"].duplicated(), "code"].unique())
    if dupes:
        raise ExportPlanError(f"Alternative codes must be unique; repeated: {dupes[:10]}.")
    return alts.reset_index(drop=True)


def _as_float(col: pd.Series) -> pd.Series:
    """A measure column as floats: booleans 1/0, None/NA → NaN."""
    return pd.Series([float(v) if present(v) else np.nan for v in col], index=col.index, dtype=float)


def _naics_level(codes: Sequence[str]) -> int:
    lengths = {2 if "-" in c else len(c) for c in codes}
    if len(lengths) != 1:
        raise ExportPlanError(f"NAICS alternatives mix levels {sorted(lengths)}; rank one level at a time.")
    return lengths.pop()


def _crosswalk(crosswalk) -> pd.DataFrame | None:
    if crosswalk is None:
        return None
    frame = crosswalk.to_pandas() if isinstance(crosswalk, pl.DataFrame) else pd.DataFrame(crosswalk)
    need = [c for c in ("naics", "cluster_code", "cluster_name") if c not in frame.columns]
    if need:
        raise ExportPlanError(f"The crosswalk needs columns naics, cluster_code, cluster_name; it lacks {need}.")
    out = pd.DataFrame({c: [str(v).strip() if present(v) else "" for v in frame[c]]
                        for c in ("naics", "cluster_code", "cluster_name")})
    out["type"] = [str(v) if present(v) else "" for v in frame["type"]] if "type" in frame.columns else ""
    return out


def _official(official) -> pd.DataFrame | None:
    """The official US Cluster Mapping list passed in (code, name, type) as pandas, or None."""
    if official is None:
        return None
    return official.to_pandas() if isinstance(official, pl.DataFrame) else pd.DataFrame(official)


def _missing_notes(matrix: pd.DataFrame, criteria: Sequence[Criterion]) -> list[str]:
    empty = [c.label for c in criteria if matrix[c.key].isna().all()]
    if not empty:
        return []
    return [f"No data for any sector on: {', '.join(empty)}. These measures are left out of every score "
            "and the weights renormalized over the rest; coverage shows the share of weight observed."]


# --------------------------------------------------------------------------- the ranked table

def rank_band(p05, p95) -> str:
    """The 90% rank band as text: ``'#2'`` or ``'#1-#4'``."""
    if pd.isna(p05) or pd.isna(p95):
        return ""
    return f"#{int(p05)}" if int(p05) == int(p95) else f"#{int(p05)}-#{int(p95)}"


def ranking_table(result: ScoreResult, rob: Robustness, extras: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranked table: the score table with robustness, tiers and ``extras`` (by ``code``) merged in.

    Columns: ``rank, code, name, score, tier, coverage, p_top5`` (and
    ``p_top<k>`` when k is not 5), ``p_top1, median_rank, rank_p05,
    rank_p95, band, robust, reason, tier_reason``, then ``raw_*, norm_*,
    contrib_*`` per measure, ``group_<criterion>`` (the summed contributions
    of each guide criterion's measures: what drove the score), then the
    ``extras`` columns (e.g. lq, growth, cagr, employment for the bubble chart). ``p_top5`` comes from the rank
    acceptabilities, so it is there whatever k the robustness used.
    """
    k = rob.top_k
    mc = rob.table.set_index("code")
    accept = rob.acceptability
    n = accept.shape[1]
    p5 = accept.loc[:, [r for r in accept.columns if r <= min(5, n)]].sum(axis=1)
    table = result.table.copy()
    codes = table["code"]
    add = {
        "p_top5": p5.reindex(codes).to_numpy(dtype=float),
        "p_top1": mc["p_top1"].reindex(codes).to_numpy(dtype=float),
        "p_topk": mc["p_topk"].reindex(codes).to_numpy(dtype=float),
        "median_rank": mc["median_rank"].reindex(codes).to_numpy(),
        "rank_p05": mc["rank_p05"].reindex(codes).to_numpy(),
        "rank_p95": mc["rank_p95"].reindex(codes).to_numpy(),
        "robust": mc["robust"].reindex(codes).to_numpy(dtype=bool),
    }
    if k != 5:
        add[f"p_top{k}"] = add["p_topk"]
    for name, values in add.items():
        table[name] = values
    table["band"] = pd.array([rank_band(a, b) for a, b in zip(table["rank_p05"], table["rank_p95"])], dtype="str")
    if extras is not None and len(extras):
        extra = extras.drop_duplicates("code").set_index("code")
        keep = [c for c in extra.columns if c not in table.columns]
        for col in keep:
            table[col] = extra[col].reindex(codes).to_numpy()
    for col in ("cagr", "lq"):
        if col not in table.columns:
            table[col] = np.nan
    est = table["estimated"] if "estimated" in table.columns else pd.Series(np.nan, index=table.index)
    held = table["withheld"] if "withheld" in table.columns else pd.Series(np.nan, index=table.index)
    # Estimated values are cited with their bounds (analysis.uncertain).
    marked = [mark_reason(r, row, result.criteria) for r, (_, row) in zip(table["reason"], table.iterrows())]
    table["reason"] = pd.array([_with_estimate(r, e, w) for r, e, w in zip(marked, est, held)], dtype="str")
    table = assign_tiers(table, top_k=k)
    keys = [c.key for c in result.criteria]
    groups = list(dict.fromkeys(c.group for c in result.criteria))
    for g in groups:
        cols = [f"contrib_{c.key}" for c in result.criteria if c.group == g]
        table[f"group_{g}"] = table[cols].sum(axis=1, min_count=1)
    head = ["rank", "code", "name", "score", "tier", "coverage", "p_top5", *([f"p_top{k}"] if k != 5 else []),
            "p_top1", "p_topk", "median_rank", "rank_p05", "rank_p95", "band", "robust", "reason", "tier_reason"]
    parts = [f"{p}_{key}" for p in ("raw", "norm", "contrib") for key in keys] + [f"group_{g}" for g in groups]
    rest = [c for c in table.columns if c not in head and c not in parts]
    return table[head + parts + rest]


ESTIMATE_PREFIX = "estimated for withheld cells: "


LOWER_BOUND = "employment is a lower bound (withheld cells)"


def _with_estimate(reason: str, share, withheld) -> str:
    """A reason with the share of employment estimated for withheld QCEW cells, or the lower-bound caveat."""
    share, withheld = pd.to_numeric(share, errors="coerce"), pd.to_numeric(withheld, errors="coerce")
    if pd.notna(share) and share > 0:
        text = "<1%" if share < 0.005 else f"{share:.0%}"
        return f"{reason}; {ESTIMATE_PREFIX}{text} of employment"
    if pd.notna(withheld) and withheld > 0:
        return f"{reason}; {LOWER_BOUND}"
    return reason


# --------------------------------------------------------------------------- explanations

def explain(table: pd.DataFrame, criteria: Sequence[Criterion], weights: Mapping[str, float],
            code: str) -> pd.DataFrame:
    """Why an alternative ranks where it does: one row per measure.

    Columns: ``group, key, label, raw, value`` (the raw value as text, as in
    reasons), ``norm`` (0-1), ``weight`` (the chosen weight), ``contribution``
    (to the score), ``share`` (of the score), ``above`` (the contribution of
    the alternative ranked just above, NaN for #1), ``gap`` (this
    contribution minus that one: where it gains or loses against it) and
    ``source`` (publisher and vintage of the measure).
    Sorted by contribution, largest first (equal ones by measure key); unobserved measures last.
    """
    code = str(code)
    hit = table.index[table["code"].astype(str) == code]
    if not len(hit):
        sample = ", ".join(f"{c} ({n})" for c, n in zip(table["code"].head(5), table["name"].head(5)))
        raise ExportPlanError(f"No ranked sector has code {code!r}. Codes look like: {sample}.")
    row = table.loc[hit[0]]
    above = table[table["rank"] == int(row["rank"]) - 1]
    above = above.iloc[0] if len(above) else None
    score = float(row["score"]) if pd.notna(row["score"]) else math.nan
    rows = []
    for c in criteria:
        raw = row[f"raw_{c.key}"]
        contrib = row[f"contrib_{c.key}"]
        up = above[f"contrib_{c.key}"] if above is not None else np.nan
        rows.append({"group": c.group, "key": c.key, "label": c.label, "raw": raw, "value": value_text(c, raw, row),
                     "norm": row[f"norm_{c.key}"], "weight": float(weights.get(c.key, 0.0)), "contribution": contrib,
                     "share": contrib / score if score and pd.notna(contrib) else np.nan,
                     "above": up, "gap": contrib - up if pd.notna(contrib) and pd.notna(up) else np.nan,
                     "source": c.source})
    out = pd.DataFrame(rows)
    out["_seen"] = out["contribution"].notna()
    out = out.sort_values(["_seen", "contribution", "key"], ascending=[False, False, True], kind="stable")
    return out.drop(columns="_seen").reset_index(drop=True).astype({"group": "str", "key": "str", "label": "str",
                                                                      "value": "str", "source": "str"})


def explain_lines(table: pd.DataFrame, code: str, top_k: int = 5) -> list[str]:
    """Plain sentences heading an explanation: rank, score, coverage, rank band, tier, the sector above."""
    row = table.loc[table["code"].astype(str) == str(code)].iloc[0]
    lines = [f"#{int(row['rank'])} {row['name']} ({row['code']}): score {row['score']:.3f}, "
             f"{row['coverage']:.0%} of the weight observed, tier '{row['tier']}'."]
    lines.append(f"In weight draws it ranks {row['band'] or 'n/a'} (90% of draws), median #{int(row['median_rank'])}; "
                 f"top {top_k} in {row['p_topk']:.0%} of draws ({'robust' if row['robust'] else 'not robust'}).")
    lines.append(f"Reason: {row['reason']}.")
    lines.append(f"Tier rule: {row['tier_reason']}.")
    above = table[table["rank"] == int(row["rank"]) - 1]
    if len(above):
        a = above.iloc[0]
        lines.append(f"The sector above it is #{int(a['rank'])} {a['name']} (score {a['score']:.3f}, "
                     f"{a['score'] - row['score']:+.3f}); the 'gap' column shows where the difference comes from.")
    return lines
