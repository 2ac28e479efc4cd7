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

**Matching user entries to alternatives** (:func:`match_entry`). Each entry of
the targets, sector-FDI and assets tables is a NAICS code or a cluster (code
or name); ``kind`` says which:

* ranking clusters: a cluster code matches that cluster; a name matches by
  :func:`~exportplan.analysis.names.name_key` (case, spaces, ``&``) against
  the crosswalk's names, then the official US Cluster Mapping list (passed in); a NAICS
  code of any length (or a range such as ``31-33``) matches **every cluster
  that contains at least one 6-digit code starting with it** in the crosswalk
  in use (so ``3364`` matches Aerospace Vehicles and Defense, and any other
  cluster holding a 3364xx code).
* ranking NAICS industries at level L: a NAICS code with L or more digits
  matches the industry of its first L digits; a shorter code matches every
  industry that starts with it; a cluster matches the industries holding its
  6-digit codes (first L digits) in the crosswalk.

An entry that matches no ranked alternative is never dropped silently: it is
``unmatched`` in the match report, with the reason (unknown name, a local
cluster or one without employment in the region, no crosswalk code starting
with it, ...). Counts and strengths of an entry that matches several
alternatives are credited to each of them in full (the report says so); the
state-target score of an alternative named by several entries is the best
(highest) priority among them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import polars as pl

from exportplan.analysis import clusters as ac
from exportplan.analysis import industry as ai
from exportplan.analysis.names import name_key
from exportplan.analysis.reference import match_reference
from exportplan.analysis.scoring import Criterion, ScoreResult
from exportplan.analysis.sensitivity import ROBUST_COVERAGE, Robustness
from exportplan.analysis.uncertain import bounded_test, mark_reason, value_text
from exportplan.errors import ExportPlanError

BY = ("cluster", "naics")
USER_TABLES = ("targets", "sector_fdi", "assets")
#: State-target priority (1 highest .. 3) → score in [0, 1]; a sector the loaded list does not name scores 0.
PRIORITY_SCORES: dict[int, float] = {1: 1.0, 2: 2 / 3, 3: 1 / 3}
_ENTRY_COLUMN = {"targets": "target", "sector_fdi": "sector", "assets": "sector"}
_TABLE_LABELS = {"targets": "state targets", "sector_fdi": "foreign-owned establishments by sector",
                 "assets": "unique assets"}


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
    _check_by(by)
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
    _check_by(by)
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
            notes.append(f"No {_TABLE_LABELS[kind]} table is loaded: '{_MEASURE[key].label}' is missing for every "
                         "sector (see coverage). Import one with 'exportplan import "
                         f"{kind.replace('_', '-')} FILE'.")
            continue
        values, report = _user_measure(kind, frame, universe)
        matrix[key] = values.reindex(matrix.index).to_numpy()
        reports.append(report)
    matches = pd.concat(reports, ignore_index=True) if reports else _empty_report()
    notes += _match_notes(matches) + _missing_notes(matrix, criteria)
    return SectorMatrix(matrix, criteria, names, matches, notes)


_MEASURE = {m.key: m for m in MEASURES}


def _check_by(by: str) -> None:
    if by not in BY:
        raise ExportPlanError(f"Unknown alternatives {by!r}: rank by 'cluster' (traded clusters) or 'naics' "
                              "(NAICS industries at one level).")


def _alternatives(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("code", "name") if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The alternatives frame needs columns 'code' and 'name'; it lacks {missing}.")
    alts = frame.copy()
    alts["code"] = alts["code"].astype("str").str.strip()
    alts["name"] = [str(n) if _present(n) else c for n, c in zip(alts["name"], alts["code"])]
    dupes = sorted(alts.loc[alts["code"].duplicated(), "code"].unique())
    if dupes:
        raise ExportPlanError(f"Alternative codes must be unique; repeated: {dupes[:10]}.")
    return alts.reset_index(drop=True)


def _present(value) -> bool:
    if value is None:
        return False
    try:
        return not bool(pd.isna(value)) and str(value).strip() not in ("", "None", "nan")
    except (TypeError, ValueError):
        return True


def _as_float(col: pd.Series) -> pd.Series:
    """A measure column as floats: booleans 1/0, None/NA → NaN."""
    return pd.Series([float(v) if _present(v) else np.nan for v in col], index=col.index, dtype=float)


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
    out = pd.DataFrame({c: [str(v).strip() if _present(v) else "" for v in frame[c]]
                        for c in ("naics", "cluster_code", "cluster_name")})
    out["type"] = [str(v) if _present(v) else "" for v in frame["type"]] if "type" in frame.columns else ""
    return out


# --------------------------------------------------------------------------- matching

@dataclass(frozen=True)
class Universe:
    """What entries are matched against: the ranked alternatives and the crosswalk."""

    by: str
    codes: list[str]
    names: dict[str, str]
    level: int | None
    crosswalk: pd.DataFrame | None
    #: The official US Cluster Mapping list (cluster_code, cluster_name, type), or None.
    official: pd.DataFrame | None = None


def naics_prefixes(code: str) -> list[str]:
    """A NAICS code as the prefixes it stands for: ``'31-33'`` → ``['31', '32', '33']``."""
    code = str(code).strip()
    m = re.fullmatch(r"(\d{2})\s*[-–—]\s*(\d{2})", code)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        return [str(n) for n in range(lo, hi + 1)]
    return [code]


def match_entry(value: str, kind: str, universe: Universe) -> tuple[list[str], str]:
    """The alternative codes an entry matches, and a note (how it matched, or why it did not).

    See the module docstring for the rules. An empty list means unmatched.
    """
    value = str(value).strip()
    kind = (kind or "").strip().lower() or ("naics" if re.fullmatch(r"[\d\s\-–—]+", value) else "cluster")
    if kind not in ("naics", "cluster"):
        return [], f"kind {kind!r} is neither naics nor cluster"
    if universe.by == "cluster":
        return _cluster_by_naics(value, universe) if kind == "naics" else _cluster_by_cluster(value, universe)
    return _naics_by_naics(value, universe) if kind == "naics" else _naics_by_cluster(value, universe)


def _official(official) -> pd.DataFrame | None:
    """The official US Cluster Mapping list passed in (code, name, type) as pandas, or None."""
    if official is None:
        return None
    return official.to_pandas() if isinstance(official, pl.DataFrame) else pd.DataFrame(official)


def _resolve_cluster(value: str, universe: Universe) -> tuple[str | None, str]:
    """A cluster entry (code or name) → (code, name) via the alternatives, crosswalk, then the official list."""
    official = universe.official
    xw = universe.crosswalk
    if value.isdigit():
        code = str(int(value))
        name = universe.names.get(code) or _lookup(xw, "cluster_code", code, "cluster_name") \
            or _lookup(official, "cluster_code", code, "cluster_name")
        return code, name or ""
    key = name_key(value)
    if universe.by == "cluster":
        for code, name in universe.names.items():
            if name_key(name) == key:
                return code, name
    for table in (xw, official):
        if table is None:
            continue
        hit = table[[name_key(n) == key for n in table["cluster_name"]]]
        hit = hit[hit["cluster_code"] != ""]
        if len(hit):
            return str(hit["cluster_code"].iloc[0]), str(hit["cluster_name"].iloc[0])
    return None, ""


def _lookup(table: pd.DataFrame | None, col: str, value: str, out: str) -> str:
    if table is None:
        return ""
    hit = table.loc[table[col] == value, out]
    return str(hit.iloc[0]) if len(hit) else ""


def _cluster_type(code: str, universe: Universe) -> str:
    kind = _lookup(universe.crosswalk, "cluster_code", code, "type")
    return kind or _lookup(universe.official, "cluster_code", code, "type")


def _not_ranked(codes: Sequence[str], universe: Universe) -> str:
    """Why known clusters are not among the alternatives (local, or no employment in the region)."""
    official = universe.official
    parts = []
    for code in codes:
        name = _lookup(universe.crosswalk, "cluster_code", code, "cluster_name") \
            or _lookup(official, "cluster_code", code, "cluster_name") or code
        why = "a local cluster" if _cluster_type(code, universe) == "local" else "no employment in the region"
        parts.append(f"{name} ({code}: {why})")
    return "matches cluster(s) that are not ranked: " + "; ".join(parts)


def _cluster_by_cluster(value: str, universe: Universe) -> tuple[list[str], str]:
    code, name = _resolve_cluster(value, universe)
    if code is None:
        return [], "no cluster of this name in the crosswalk or the US Cluster Mapping list"
    if code in universe.codes:
        return [code], f"cluster {code}" if value.isdigit() else "cluster name"
    if value.isdigit() and not name:
        return [], f"no cluster with code {code} in the crosswalk or the US Cluster Mapping list"
    return [], _not_ranked([code], universe)


def _crosswalk_rows(prefixes: Sequence[str], universe: Universe) -> pd.DataFrame:
    xw = universe.crosswalk
    mask = np.zeros(len(xw), dtype=bool)
    for p in prefixes:
        mask |= xw["naics"].str.startswith(p).to_numpy()
    return xw[mask]


def _cluster_by_naics(value: str, universe: Universe) -> tuple[list[str], str]:
    if universe.crosswalk is None:
        return [], "no cluster crosswalk is loaded to map NAICS codes to clusters"
    rows = _crosswalk_rows(naics_prefixes(value), universe)
    found = [c for c in dict.fromkeys(rows["cluster_code"]) if c]
    if not found:
        return [], f"no 6-digit NAICS code in the crosswalk starts with {value}"
    ranked = [c for c in found if c in universe.codes]
    if not ranked:
        return [], _not_ranked(found, universe)
    note = f"NAICS {value} → {len(ranked)} cluster(s) containing its 6-digit codes"
    if len(ranked) < len(found):
        note += f" ({len(found) - len(ranked)} more not ranked)"
    return ranked, note


def _naics_matches(prefix: str, code: str) -> bool:
    """Does NAICS ``prefix`` (any length) fall in or contain the industry ``code`` (maybe a range)?"""
    covered = naics_prefixes(code)
    if len(prefix) >= len(covered[0]):
        return any(prefix.startswith(c) for c in covered)
    return any(c.startswith(prefix) for c in covered)


def _naics_by_naics(value: str, universe: Universe) -> tuple[list[str], str]:
    prefixes = naics_prefixes(value)
    hits = [c for c in universe.codes if any(_naics_matches(p, c) for p in prefixes)]
    if not hits:
        return [], f"no ranked {universe.level}-digit industry falls in or contains NAICS {value}"
    return hits, f"NAICS prefix ({len(hits)} industr{'y' if len(hits) == 1 else 'ies'})"


def _naics_by_cluster(value: str, universe: Universe) -> tuple[list[str], str]:
    if universe.crosswalk is None:
        return [], "no cluster crosswalk is loaded to map clusters to NAICS industries"
    code, name = _resolve_cluster(value, universe)
    if code is None:
        return [], "no cluster of this name in the crosswalk or the US Cluster Mapping list"
    six = universe.crosswalk.loc[universe.crosswalk["cluster_code"] == code, "naics"].tolist()
    if not six:
        return [], f"cluster {name or code} has no NAICS codes in the crosswalk"
    hits = [c for c in universe.codes if any(_naics_matches(n, c) for n in six)]
    if not hits:
        return [], f"none of the {len(six)} NAICS codes of cluster {name or code} is in a ranked industry"
    return hits, f"cluster {name or code} → {len(hits)} industr{'y' if len(hits) == 1 else 'ies'} holding its codes"


def match_table(kind: str, frame: pd.DataFrame, universe: Universe) -> pd.DataFrame:
    """The match report of one user table: one row per entry.

    Columns: ``table, entry, kind, matched`` (codes, comma-separated),
    ``matched_names, status`` ('matched' or 'unmatched'), ``note`` (how it
    matched or why not).
    """
    col = _ENTRY_COLUMN[kind]
    if col not in frame.columns:
        raise ExportPlanError(f"The {kind} table needs a '{col}' column; it has {list(frame.columns)}.")
    rows = []
    kinds = frame["kind"] if "kind" in frame.columns else pd.Series([""] * len(frame), index=frame.index)
    for value, k in zip(frame[col], kinds):
        value = str(value).strip() if _present(value) else ""
        k = str(k) if _present(k) else ""
        codes, note = match_entry(value, k, universe) if value else ([], "empty entry")
        if len(codes) > 1 and kind != "targets":
            note += "; credited in full to each"
        rows.append({"table": kind, "entry": value, "kind": k, "matched": ", ".join(codes),
                     "matched_names": "; ".join(universe.names.get(c, c) for c in codes),
                     "status": "matched" if codes else "unmatched", "note": note})
    return pd.DataFrame(rows, columns=_REPORT_COLUMNS).astype("str") if rows else _empty_report()


_REPORT_COLUMNS = ["table", "entry", "kind", "matched", "matched_names", "status", "note"]


def _empty_report() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in _REPORT_COLUMNS})


def _user_measure(kind: str, frame: pd.DataFrame, universe: Universe) -> tuple[pd.Series, pd.DataFrame]:
    """Per-alternative values of a loaded user table (0 where no entry matched) and its match report."""
    frame = _latest_year(frame) if kind == "sector_fdi" else frame.reset_index(drop=True)
    report = match_table(kind, frame, universe)
    values = pd.Series(0.0, index=pd.Index(universe.codes, dtype="str"))
    for i, matched in enumerate(report["matched"]):
        codes = [c for c in matched.split(", ") if c]
        if not codes:
            continue
        amount = _entry_amount(kind, frame.iloc[i])
        if kind == "targets":
            values[codes] = np.maximum(values[codes].to_numpy(), amount)
        else:
            values[codes] = values[codes].to_numpy() + amount
    return values, report


def _entry_amount(kind: str, row: pd.Series) -> float:
    if kind == "targets":
        priority = int(row["priority"]) if "priority" in row and _present(row["priority"]) else 1
        if priority not in PRIORITY_SCORES:
            raise ExportPlanError(f"State target {row['target']!r} has priority {priority}; use 1 (highest) to 3.")
        return PRIORITY_SCORES[priority]
    column = "foreign_establishments" if kind == "sector_fdi" else "strength"
    default = 1.0 if kind == "assets" else 0.0  # the assets import defaults strength to 1
    value = row[column] if column in row else None
    return float(value) if _present(value) else default


def _latest_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The sector FDI table's latest row per (kind, sector): a sector counted once, not once per year."""
    if "year" not in frame.columns or frame["year"].isna().all():
        return frame.reset_index(drop=True)
    keys = [c for c in ("kind", "sector") if c in frame.columns]
    ordered = frame.assign(_y=pd.to_numeric(frame["year"], errors="coerce").fillna(-1))
    ordered = ordered.sort_values("_y", kind="stable")
    return ordered.drop_duplicates(keys, keep="last").drop(columns="_y").sort_index().reset_index(drop=True)


def _match_notes(matches: pd.DataFrame) -> list[str]:
    notes = []
    for kind in USER_TABLES:
        bad = matches[(matches["table"] == kind) & (matches["status"] == "unmatched")]
        if len(bad):
            shown = "; ".join(f"'{e}' ({n})" for e, n in zip(bad["entry"].head(8), bad["note"].head(8)))
            more = f"; and {len(bad) - 8} more" if len(bad) > 8 else ""
            notes.append(f"{len(bad)} {_TABLE_LABELS[kind]} entr{'y' if len(bad) == 1 else 'ies'} matched no ranked "
                         f"sector and were not used: {shown}{more}.")
    return notes


def _missing_notes(matrix: pd.DataFrame, criteria: Sequence[Criterion]) -> list[str]:
    empty = [c.label for c in criteria if matrix[c.key].isna().all()]
    if not empty:
        return []
    return [f"No data for any sector on: {', '.join(empty)}. These measures are left out of every score "
            "and the weights renormalized over the rest; coverage shows the share of weight observed."]


# --------------------------------------------------------------------------- reference-side measures

def _cluster_frame(sums: pl.DataFrame) -> pl.DataFrame:
    """cluster_sums output as an area-like frame keyed by cluster code (``_key``)."""
    extra = [c for c in ("missing", "estimated") if c in sums.columns]
    return sums.select(pl.col("_key").str.replace(r"^name:", ""), "year", pl.col("employment").alias("emplvl"),
                       "wages", "withheld", *extra)


def is_synthetic(reference: pl.DataFrame | None) -> bool:
    """True for a reference whose levels are not real employment (the implied USLQ reference)."""
    return reference is not None and "synthetic" in reference.columns and bool(
        reference.get_column("synthetic").fill_null(False).any())


def reference_note(reference: pl.DataFrame | None, area: str) -> str:
    """Why the reference-side measures (reference growth, competitive shift, pay ratio) are missing, or ''."""
    if reference is None:
        return (f"No rows for the reference area {area}: reference growth, the competitive shift and pay vs the "
                "reference are missing for every sector.")
    if is_synthetic(reference):
        return (f"The reference {area} holds U.S. shares implied by published LQs, not employment or pay: "
                "reference growth, the competitive shift and pay vs the reference are missing for every sector.")
    return ""


def cluster_reference_measures(region: pl.DataFrame, reference: pl.DataFrame | None, crosswalk: pl.DataFrame, *,
                               year: int, start_year: int | None, ownership: str = "5") -> pd.DataFrame:
    """Per cluster: ``code, ref_cagr, competitive_shift, ref_avg_pay`` against the reference area.

    ``region`` and ``reference`` are area frames with 6-digit rows
    (:func:`~exportplan.analysis.industry.region_sum`). ``ref_cagr`` is the
    reference area's CAGR of the cluster from ``start_year`` to ``year``;
    ``competitive_shift`` is the shift-share competitive shift per start-year
    job, ``g_c − G_c`` (regional minus reference growth of the cluster over the
    window, each ``x1/x0 − 1``); ``ref_avg_pay`` is the reference cluster's
    wages / employment in ``year``. Withheld cells without an estimate make
    them missing (pay: any withheld cell). With no reference frame, a
    synthetic one (USLQ: shares, not employment) or no start year, the
    growth columns are all missing (pay too, but for the start year).

    When the window crosses a NAICS vintage break, ``ref_cagr`` and
    ``competitive_shift`` are missing for a cluster holding a mapped code
    with a row at only one end of the window, in the region or the reference
    (:func:`~exportplan.analysis.clusters.vintage_gaps`): the sums would
    compare different code sets, as in the cluster table's growth. A year
    the reference lacks in the region's period (a Q1 file against annual
    counties, or no file) leaves what needs it missing
    (:func:`~exportplan.analysis.reference.match_reference`): never compared
    across periods.
    """
    reg = _cluster_frame(ac.cluster_sums(region, crosswalk, ownership=ownership))
    codes = reg.get_column("_key").unique().sort()
    if reference is None or is_synthetic(reference):
        return _empty_reference(codes.to_list())
    reference, _ = match_reference(region, reference, [start_year, year])
    ref = _cluster_frame(ac.cluster_sums(reference, crosswalk, ownership=ownership))
    out = _reference_measures(reg, ref, "_key", year, start_year, codes.to_list())
    if start_year is not None and start_year < year and ai.naics_vintage(int(start_year)) != ai.naics_vintage(year):
        gaps = ac.vintage_gaps([region, reference], crosswalk, int(start_year), int(year), ownership=ownership)
        changed = out["code"].isin(gaps.get_column("_key").str.replace(r"^name:", "").to_list())
        out.loc[changed, ["ref_cagr", "competitive_shift"]] = np.nan
    return out


def industry_reference_measures(region: pl.DataFrame, reference: pl.DataFrame | None, *, level: int, year: int,
                                start_year: int | None, ownership: str = "5") -> pd.DataFrame:
    """Per NAICS industry at ``level``: ``code, ref_cagr, competitive_shift, ref_avg_pay``.

    As :func:`cluster_reference_measures`; ``competitive_shift`` is
    :func:`~exportplan.analysis.industry.shift_share`'s competitive shift
    divided by the start-year employment ``e0``. Across a NAICS vintage
    break an industry code with a row at one end only has no growth anyway;
    the rows are flagged, not blanked (``vintage_break`` of the industry
    table), as the industry table does. A year the reference lacks in the
    region's period leaves what needs it missing (as
    :func:`cluster_reference_measures`).
    """
    own = ai.ownership_code(ownership)

    def rows(frame: pl.DataFrame) -> pl.DataFrame:
        frame = ai._with_withheld(frame).filter(pl.col("own_code") == own)
        if "qtr" in frame.columns:
            frame = frame.filter(pl.col("qtr") == "A")
        return frame

    reg = rows(region)
    codes = reg.filter(ai.naics_level_expr() == level).get_column("industry_code").unique().sort().to_list()
    if reference is None or is_synthetic(reference):
        return _empty_reference(codes)
    reference, _ = match_reference(region, reference, [start_year, year])
    ref = rows(reference)

    def keyed(frame: pl.DataFrame) -> pl.DataFrame:
        extra = [c for c in ("missing", "estimated") if c in frame.columns]
        return frame.select(pl.col("industry_code").alias("_key"), "year", "emplvl",
                            pl.col("total_wages").alias("wages"), "withheld", *extra)

    out = _reference_measures(keyed(reg), keyed(ref), "_key", year, start_year, codes)
    if start_year is not None and start_year < year:
        # The same figure through shift_share, so the definition cannot drift from §1.
        ss = ai.shift_share(reg, ref, int(start_year), int(year)).filter(pl.col("industry_code").is_in(codes))
        ss = ss.select(pl.col("industry_code").alias("code"),
                       pl.when(pl.col("e0") > 0).then(pl.col("competitive_shift") / pl.col("e0"))
                       .alias("_shift")).to_pandas()
        out = out.merge(ss, on="code", how="left")
        out["competitive_shift"] = out["_shift"]
        out = out.drop(columns="_shift")
    return out


def _empty_reference(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"code": pd.array(codes, dtype="str"), "ref_cagr": np.nan, "competitive_shift": np.nan,
                         "ref_avg_pay": np.nan})


def _reference_measures(reg: pl.DataFrame, ref: pl.DataFrame, key: str, year: int, start_year: int | None,
                        codes: list[str]) -> pd.DataFrame:
    out = _empty_reference(codes).set_index("code")
    pay = ref.filter((pl.col("year") == year) & (pl.col("withheld") == 0) & (pl.col("emplvl") > 0)).select(
        key, (pl.col("wages") / pl.col("emplvl")).alias("ref_avg_pay")).to_pandas().set_index(key)
    out["ref_avg_pay"] = pay["ref_avg_pay"].reindex(out.index).to_numpy(dtype=float, na_value=np.nan)
    years = set(ref.get_column("year").unique().to_list())
    if start_year is None or start_year >= year or not {start_year, year} <= years:
        return out.reset_index()
    g_ref = ai.growth(ref, int(start_year), int(year), keys=[key]).select(key, "growth", "cagr").to_pandas()
    g_reg = ai.growth(reg, int(start_year), int(year), keys=[key]).select(key, "growth").to_pandas()
    g_ref, g_reg = g_ref.set_index(key), g_reg.set_index(key)
    out["ref_cagr"] = g_ref["cagr"].reindex(out.index).to_numpy(dtype=float, na_value=np.nan)
    shift = g_reg["growth"].reindex(out.index) - g_ref["growth"].reindex(out.index)
    out["competitive_shift"] = shift.to_numpy(dtype=float, na_value=np.nan)
    return out.reset_index()


# --------------------------------------------------------------------------- tiers

@dataclass(frozen=True)
class Condition:
    """``column op value``; ``value`` is a number, ``'top_k'`` or ``'median'`` (of the column's observed values)."""

    column: str
    op: str
    value: float | str
    label: str

    def threshold(self, table: pd.DataFrame, top_k: int) -> float:
        if self.value == "top_k":
            return float(top_k)
        if self.value == "median":
            seen = pd.to_numeric(table[self.column], errors="coerce").dropna()
            return float(seen.median()) if len(seen) else math.nan
        return float(self.value)

    def test(self, x: float, threshold: float) -> bool | None:
        """True/False, or None when the value or threshold is missing (the rule then does not apply)."""
        if x is None or threshold is None or math.isnan(x) or math.isnan(threshold):
            return None
        return {"<=": x <= threshold, "<": x < threshold, ">=": x >= threshold, ">": x > threshold}[self.op]


@dataclass(frozen=True)
class TierRule:
    """A tier and the conditions (all must hold) that put a sector in it."""

    tier: str
    description: str
    conditions: tuple[Condition, ...]


#: Tier rules, tried in order; the first whose conditions all hold applies, else ``monitor``.
#: A condition on a missing value (no growth data, no LQ) does not hold; nor does one on a value whose exact
#: bounds (``lq_low``/``lq_high``, ``cagr_low``/``cagr_high``: withheld cells) straddle its threshold
#: (analysis.uncertain.bounded_test).
TIER_RULES: tuple[TierRule, ...] = (
    TierRule("priority",
             "in the top k by score, scored on at least 60% of the weight, and in the top k in at least half of "
             "the weight draws (every 'robust' sector in the top k is: robust means at least 80% of draws and "
             "the same 60% coverage)",
             (Condition("rank", "<=", "top_k", "rank"), Condition("coverage", ">=", ROBUST_COVERAGE, "coverage"),
              Condition("p_topk", ">=", 0.5, "share of draws in the top {k}"))),
    TierRule("emerging",
             "growing faster than the median ranked sector but not yet specialized (LQ below 1)",
             (Condition("cagr", ">", "median", "regional growth"), Condition("lq", "<", 1.0, "LQ"))),
    # Not "LQ >= 1 and growth <= median" alone: a specialized sector that also grows fast but missed the
    # shortlist would then fall to 'monitor', which no board would accept; and LQ alone decides it when
    # only one year of data is loaded.
    TierRule("sustain",
             "already specialized (LQ at least 1) but not on the shortlist: keep and grow what is there",
             (Condition("lq", ">=", 1.0, "LQ"),)),
)
TIERS = tuple(r.tier for r in TIER_RULES) + ("monitor",)
MONITOR_DESCRIPTION = "every other sector: keep watching it"


def tier_notes(top_k: int, table: pd.DataFrame | None = None) -> list[str]:
    """The tier rules as plain sentences (for the table's notes).

    With the tiered ``table`` (from :func:`assign_tiers`), a table without a
    priority sector gets a first sentence saying why (:func:`no_priority_note`).
    """
    why = no_priority_note(table, top_k) if table is not None else ""
    lines = [why] if why else []
    lines += [f"Tier '{r.tier}': {r.description.replace('top k', f'top {top_k}')}." for r in TIER_RULES]
    lines.append(f"Tier 'monitor': {MONITOR_DESCRIPTION}. Rules are tried in this order; a rule needing a value "
                 "a sector lacks (no growth data, no LQ) does not apply to it, nor does one on an LQ or a growth rate "
                 "that rests on withheld cells and whose exact bounds straddle the rule's threshold (uncertain; "
                 "the tier reason gives the bounds).")
    return lines


def no_priority_note(table: pd.DataFrame, top_k: int) -> str:
    """Why no sector is a priority, from the priority rule's conditions, or '' when some sector is.

    The first condition that no candidate meets decides the sentence: no sector
    reaches the coverage; none of the top k by score does; or those that do
    stay in the top k in fewer than half the draws. Each names the best value
    seen and what would change it.
    """
    if "tier" not in table.columns or not len(table) or (table["tier"] == "priority").any():
        return ""
    rule = TIER_RULES[0]
    cover = next(c for c in rule.conditions if c.column == "coverage")
    share = next(c for c in rule.conditions if c.column == "p_topk")
    floor, need = cover.threshold(table, top_k), share.threshold(table, top_k)
    coverage = pd.to_numeric(table["coverage"], errors="coerce")
    top = table[pd.to_numeric(table["rank"], errors="coerce") <= top_k]
    head = "No sector is a priority"
    more = ("Load the missing measures (see the notes on missing data) to score more of the weight; "
            "the ranking itself still stands as a shortlist, but on thin data.")
    if not (coverage >= floor - 1e-12).any():
        best = table.loc[coverage.idxmax()] if coverage.notna().any() else None
        seen = f" (the highest is {best['coverage']:.0%}, {best['name']})" if best is not None else ""
        return (f"{head}: no sector reaches coverage {floor:.0%}, the share of the weight a priority must be "
                f"scored on{seen}. {more}")
    top_cover = pd.to_numeric(top["coverage"], errors="coerce")
    able = top[top_cover >= floor - 1e-12]
    if able.empty:
        return (f"{head}: none of the top {top_k} by score reaches coverage {floor:.0%} (their highest is "
                f"{top_cover.max():.0%}); the sectors that do rank lower. {more}")
    p = pd.to_numeric(able["p_topk"], errors="coerce")
    best = able.loc[p.idxmax()] if p.notna().any() else able.iloc[0]
    return (f"{head}: none of the top {top_k} by score with coverage of at least {floor:.0%} stays in the top "
            f"{top_k} in {need:.0%} of the weight draws (the most stable is {best['name']}, in "
            f"{float(best['p_topk']):.0%} of draws): the shortlist depends on the weights. Compare presets, "
            "or settle the weights with the board ('exportplan weights ahp').")


def _show(cond: Condition, x: float, top_k: int) -> str:
    if x is None or math.isnan(x):
        return "no data"
    if cond.column == "rank":
        return f"#{int(x)}"
    if cond.column in ("coverage", "p_topk"):
        return f"{x:.0%}"
    if cond.column == "cagr":
        return f"{x:+.1%} a year"
    return f"{x:.2f}"


def _show_threshold(cond: Condition, t: float, top_k: int) -> str:
    if cond.value == "median":
        return f"the median {_show(cond, t, top_k)}"
    if cond.column == "rank":
        return f"#{int(t)}"
    return _show(cond, t, top_k)


def assign_tiers(table: pd.DataFrame, *, top_k: int = 5) -> pd.DataFrame:
    """``tier`` and ``tier_reason`` for each row of a ranked table, by :data:`TIER_RULES`.

    The table needs ``rank, coverage, p_topk`` (from the ranking and its
    robustness) and ``cagr, lq`` (missing values allowed). ``tier_reason``
    shows the values the rule used and, for the rules tried before it (and
    for ``monitor``, every rule), the first condition that failed.
    """
    need = sorted({c.column for r in TIER_RULES for c in r.conditions} - set(table.columns))
    if need:
        raise ExportPlanError(f"Tiers need the column(s) {need} in the ranked table.")
    thresholds = {(r.tier, i): c.threshold(table, top_k) for r in TIER_RULES for i, c in enumerate(r.conditions)}
    tiers, reasons = [], []
    for _, row in table.iterrows():
        tier, reason = _row_tier(row, thresholds, top_k)
        tiers.append(tier)
        reasons.append(reason)
    out = table.copy()
    out["tier"] = pd.Categorical(tiers, categories=list(TIERS))
    out["tier_reason"] = pd.array(reasons, dtype="str")
    return out


def _row_tier(row: pd.Series, thresholds: dict, top_k: int) -> tuple[str, str]:
    failed = []
    for rule in TIER_RULES:
        texts, first_fail = [], None
        for i, cond in enumerate(rule.conditions):
            x = pd.to_numeric(row[cond.column], errors="coerce")
            x = float(x) if pd.notna(x) else math.nan
            t = thresholds[(rule.tier, i)]
            ok, unsure = bounded_test(cond, row, x, t, lambda v, c=cond: _show(c, v, top_k),
                                      _show_threshold(cond, t, top_k))  # on the bounds where values are withheld
            label = cond.label.format(k=top_k)
            text = f"{label} {_show(cond, x, top_k)} {cond.op} {_show_threshold(cond, t, top_k)}"
            if ok is None:
                text = unsure or f"{label}: no data"
            if not ok and first_fail is None:
                first_fail = text if ok is None else f"{label} {_show(cond, x, top_k)}, not {cond.op} " \
                                                     f"{_show_threshold(cond, t, top_k)}"
            texts.append(text)
        if first_fail is None:
            why_not = f" ({'; '.join(failed)})" if failed else ""
            return rule.tier, f"{rule.tier}: " + "; ".join(texts) + why_not
        failed.append(f"not {rule.tier}: {first_fail}")
    return "monitor", "monitor: " + "; ".join(failed)


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
