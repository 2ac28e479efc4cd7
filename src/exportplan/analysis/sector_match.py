"""Target sectors: matching the user tables' entries to the ranked alternatives.

The targets, sector-FDI and assets tables name sectors as NAICS codes or
clusters; :func:`match_table` matches each entry to the ranked alternatives
(a :class:`Universe`) and :func:`user_measure` turns a loaded table into a
measure of :func:`exportplan.analysis.sectors.build_sector_matrix`, with a
match report. Pure functions, frames in and out (methods.md §4).

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

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from exportplan.analysis.names import name_key
from exportplan.errors import ExportPlanError

USER_TABLES = ("targets", "sector_fdi", "assets")
#: State-target priority (1 highest .. 3) → score in [0, 1]; a sector the loaded list does not name scores 0.
PRIORITY_SCORES: dict[int, float] = {1: 1.0, 2: 2 / 3, 3: 1 / 3}
_ENTRY_COLUMN = {"targets": "target", "sector_fdi": "sector", "assets": "sector"}
TABLE_LABELS = {"targets": "state targets", "sector_fdi": "foreign-owned establishments by sector",
                "assets": "unique assets"}


def present(value) -> bool:
    """Is a table cell filled: not None, NaN or blank (nor the text 'None' or 'nan')?"""
    if value is None:
        return False
    try:
        return not bool(pd.isna(value)) and str(value).strip() not in ("", "None", "nan")
    except (TypeError, ValueError):
        return True


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
        value = str(value).strip() if present(value) else ""
        k = str(k) if present(k) else ""
        codes, note = match_entry(value, k, universe) if value else ([], "empty entry")
        if len(codes) > 1 and kind != "targets":
            note += "; credited in full to each"
        rows.append({"table": kind, "entry": value, "kind": k, "matched": ", ".join(codes),
                     "matched_names": "; ".join(universe.names.get(c, c) for c in codes),
                     "status": "matched" if codes else "unmatched", "note": note})
    return pd.DataFrame(rows, columns=_REPORT_COLUMNS).astype("str") if rows else empty_report()


_REPORT_COLUMNS = ["table", "entry", "kind", "matched", "matched_names", "status", "note"]


def empty_report() -> pd.DataFrame:
    """A match report without rows (the columns of :func:`match_table`)."""
    return pd.DataFrame({c: pd.Series(dtype="str") for c in _REPORT_COLUMNS})


def user_measure(kind: str, frame: pd.DataFrame, universe: Universe) -> tuple[pd.Series, pd.DataFrame]:
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
        priority = int(row["priority"]) if "priority" in row and present(row["priority"]) else 1
        if priority not in PRIORITY_SCORES:
            raise ExportPlanError(f"State target {row['target']!r} has priority {priority}; use 1 (highest) to 3.")
        return PRIORITY_SCORES[priority]
    column = "foreign_establishments" if kind == "sector_fdi" else "strength"
    default = 1.0 if kind == "assets" else 0.0  # the assets import defaults strength to 1
    value = row[column] if column in row else None
    return float(value) if present(value) else default


def _latest_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The sector FDI table's latest row per (kind, sector): a sector counted once, not once per year."""
    if "year" not in frame.columns or frame["year"].isna().all():
        return frame.reset_index(drop=True)
    keys = [c for c in ("kind", "sector") if c in frame.columns]
    ordered = frame.assign(_y=pd.to_numeric(frame["year"], errors="coerce").fillna(-1))
    ordered = ordered.sort_values("_y", kind="stable")
    return ordered.drop_duplicates(keys, keep="last").drop(columns="_y").sort_index().reset_index(drop=True)


def match_notes(matches: pd.DataFrame) -> list[str]:
    """One sentence per user table with entries that matched no ranked sector, naming them and why."""
    notes = []
    for kind in USER_TABLES:
        bad = matches[(matches["table"] == kind) & (matches["status"] == "unmatched")]
        if len(bad):
            shown = "; ".join(f"'{e}' ({n})" for e, n in zip(bad["entry"].head(8), bad["note"].head(8)))
            more = f"; and {len(bad) - 8} more" if len(bad) > 8 else ""
            notes.append(f"{len(bad)} {TABLE_LABELS[kind]} entr{'y' if len(bad) == 1 else 'ies'} matched no ranked "
                         f"sector and were not used: {shown}{more}.")
    return notes
