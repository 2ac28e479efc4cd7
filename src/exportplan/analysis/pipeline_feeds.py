"""Pipeline companies as inputs of the two rankings (issue 9, item 5). Pure functions, frames in and out.

The exporter pipeline's company records feed three factors, next to the
interim tables of the earlier issues (the client ``survey``, the ``fdi``
table by parent country, the ``sector_fdi`` table), which stay importable:

* **Client interest** (market ranking), :func:`client_interest`: each
  (pipeline company, target market) pair counts like one survey answer of
  weight 1; a company naming a market twice counts once there.
* **FDI connections** (market ranking), :func:`fdi_by_country`: each pipeline
  company with a foreign parent *and* the parent's country is one
  foreign-owned establishment of that country.
* **Foreign investors** (sector ranking), :func:`sector_feed` and
  :func:`merge_sector_fdi`: each pipeline company with a foreign parent is one
  foreign-owned establishment of its sector (its NAICS code, else its
  sector/cluster), matched to the ranked sectors as the sector FDI table's
  entries are (:mod:`exportplan.analysis.sector_match`).

**A company counts once; its record wins.** Names are compared by their
normalized key (:func:`exportplan.analysis.company_names.name_key`: case,
accents, ``&``, punctuation and legal suffixes do not matter). Only a record that says something on the matter
overrides a table, since a blank field is "not recorded yet", not "none":

* a survey row whose company is a pipeline company *with target markets* is
  dropped (the record's markets replace that company's answers);
* an ``fdi`` row whose company is a pipeline company with a foreign parent
  and its country is dropped (the record counts it as one establishment);
* an ``fdi`` row that names the foreign *parent* of pipeline companies (in
  the parent's country) counts that parent's establishments in the region,
  which may include them: the pair counts the larger of the row's
  establishments and the number of those companies, never their sum (a
  company the table also lists by its own name is not among them: it
  counts alone, as its record);
* the ``sector_fdi`` table names no companies, so it may or may not already
  count them: a ranked sector takes the larger of the table's count and
  the pipeline's count (both are lower bounds of the true number), never
  their sum. Without a table, the pipeline's count stands alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .company_names import name_key
from .sector_match import present
from .sectors import SectorMatrix

#: The company columns the feeds read.
FEED_COLUMNS = ("name", "naics", "sector", "foreign_parent", "parent_country", "target_markets", "provenance_id")
#: Where the notes of a merged frame travel (``frame.attrs[FEED_NOTE]``).
FEED_NOTE = "pipeline_feed"
PIPELINE_SOURCE = "pipeline companies"

_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class SectorFeed:
    """Pipeline companies with a foreign parent as sector-FDI entries (sector, kind, foreign_establishments,
    source): one row per NAICS code or sector they name. ``companies`` fed it; ``unplaced`` have neither."""

    entries: pd.DataFrame
    companies: int
    unplaced: int


# --------------------------------------------------------------------------- helpers

def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text ('' for blanks and missing columns)."""
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype="object")
    return pd.Series([str(v).strip() if present(v) else "" for v in frame[column]], index=frame.index,
                     dtype="object")


def _companies(companies: pd.DataFrame | None) -> pd.DataFrame:
    """The company columns the feeds read, as text ('' for blanks), plus ``key`` (the name's key)."""
    frame = companies if companies is not None else pd.DataFrame()
    out = pd.DataFrame({c: _text(frame, c) for c in FEED_COLUMNS if c != "provenance_id"})
    out["parent_country"] = out["parent_country"].str.upper()
    out["provenance_id"] = (pd.to_numeric(frame["provenance_id"], errors="coerce")
                            if "provenance_id" in frame.columns else np.nan)
    out["key"] = [name_key(n) for n in out["name"]]
    return out[out["name"] != ""].reset_index(drop=True)


def _codes(text: str) -> list[str]:
    """';'-separated ISO3 codes, upper-cased, each once, in order; anything else left out."""
    codes = (c.strip().upper() for c in re.split(r"[;,]", text))
    return list(dict.fromkeys(c for c in codes if _ISO3.match(c)))


def _with_note(frame: pd.DataFrame, note: str) -> pd.DataFrame:
    frame.attrs[FEED_NOTE] = note
    return frame


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") and not word.endswith("ey") else f"{n} {word}s"


def feed_notes(*frames: pd.DataFrame) -> list[str]:
    """The notes the feeds left on their frames (``attrs[FEED_NOTE]``), in order."""
    return [str(f.attrs[FEED_NOTE]) for f in frames if f is not None and f.attrs.get(FEED_NOTE)]


# --------------------------------------------------------------------------- client interest

def client_interest(survey: pd.DataFrame, companies: pd.DataFrame | None) -> pd.DataFrame:
    """Survey answers plus one answer of weight 1 per (pipeline company, target market).

    ``survey`` (iso3, weight[, company, provenance_id, ...]) is the stored
    survey table; ``companies`` the pipeline's records (name, target_markets
    as ';'-separated ISO3 codes, provenance_id). Survey rows of a company whose
    record names target markets are dropped (see the module docstring). The
    result has the survey's columns plus ``source`` ('survey' or 'pipeline
    companies'); ``attrs[FEED_NOTE]`` says what the pipeline added. Without
    companies naming target markets, ``survey`` is returned unchanged.
    """
    comp = _companies(companies)
    comp["markets"] = [_codes(t) for t in comp["target_markets"]]
    comp = comp[comp["markets"].map(len) > 0]
    if comp.empty:
        return survey
    keys = set(comp["key"])
    names = _text(survey, "company")
    own = pd.Series([bool(n) and name_key(n) in keys for n in names], index=survey.index, dtype=bool)
    kept = survey[~own].assign(source="survey")
    rows = pd.DataFrame([{"iso3": code, "weight": 1.0, "company": r.name, "provenance_id": r.provenance_id,
                          "source": PIPELINE_SOURCE}
                         for r in comp.itertuples(index=False) for code in r.markets])
    out = pd.concat([kept, rows], ignore_index=True) if len(kept) else rows
    note = (f"Client interest counts {_plural(len(comp), 'pipeline company')} naming target markets, each "
            f"(company, market) pair like one survey answer of weight 1 ({_plural(len(rows), 'pair')})")
    dropped = int(own.sum())
    if dropped:
        note += f"; survey answers of those companies replaced by their records (a company counts once): {dropped}"
    return _with_note(out, note + ".")


# --------------------------------------------------------------------------- FDI by country

def fdi_by_country(fdi: pd.DataFrame, companies: pd.DataFrame | None) -> pd.DataFrame:
    """The FDI table's rows plus one establishment per pipeline company with a foreign parent and its country.

    ``fdi`` (iso3, establishments[, company, provenance_id, ...]) is the stored
    table. A row naming such a company is dropped; a row naming the foreign
    parent of such companies (same country) stands, and those companies add
    only what exceeds its establishments (see the module docstring). The
    result has the table's columns plus ``source``; ``attrs[FEED_NOTE]`` says
    what the pipeline added. Without such companies, ``fdi`` is returned unchanged.
    """
    comp = _companies(companies)
    comp = comp[(comp["foreign_parent"] != "") & comp["parent_country"].str.match(_ISO3)]
    if comp.empty:
        return fdi
    comp = comp.assign(parent_key=[name_key(p) for p in comp["foreign_parent"]])
    row_keys = pd.Series([name_key(n) for n in _text(fdi, "company")], index=fdi.index, dtype="object")
    own = (row_keys != "") & row_keys.isin(set(comp["key"]))
    kept = fdi[~own].assign(source="fdi table")
    establishments = pd.to_numeric(kept.get("establishments", pd.Series(dtype=float)), errors="coerce").fillna(0)
    iso3 = _text(kept, "iso3").str.upper()
    parents = {pair: float(establishments[(row_keys[kept.index] == pair[0]) & (iso3 == pair[1])].sum())
               for pair in set(zip(comp["parent_key"], comp["parent_country"]))}
    # A company the table lists by its own name is not also among its parent's row: it stands alone.
    listed = set(row_keys[own])
    comp["parent_key"] = ["\0" + k if k in listed else p for k, p in zip(comp["key"], comp["parent_key"])]
    rows, covered = [], 0
    for (parent, country), group in comp.groupby(["parent_key", "parent_country"], sort=True):
        counted = parents.get((parent, country), 0.0)
        extra = max(0.0, len(group) - counted)
        covered += min(len(group), int(counted))
        if extra:
            ids = group["provenance_id"].dropna()
            rows.append({"iso3": country, "establishments": extra, "company": "; ".join(group["name"]),
                         "provenance_id": ids.iloc[0] if len(ids) else np.nan, "source": PIPELINE_SOURCE})
    added = pd.DataFrame(rows, columns=["iso3", "establishments", "company", "provenance_id", "source"])
    out = pd.concat([f for f in (kept, added) if len(f)], ignore_index=True) if len(kept) or len(added) else kept
    note = (f"FDI connections count {_plural(len(comp), 'pipeline company')} with a foreign parent and its country "
            "as one foreign-owned establishment of that country each")
    if int(own.sum()):
        note += f"; FDI table rows naming them replaced by their records (a company counts once): {int(own.sum())}"
    if covered:
        note += (f"; already counted by FDI table rows naming their parent: {covered} (a parent's row counts the "
                 "larger of its establishments and its pipeline companies, never their sum)")
    return _with_note(out, note + ".")


# --------------------------------------------------------------------------- foreign investors by sector

def sector_feed(companies: pd.DataFrame | None) -> SectorFeed:
    """Pipeline companies with a foreign parent as entries of the sector FDI table's shape.

    A company is placed by its NAICS code (kind ``naics``), else by its
    sector (kind ``cluster``: a cluster code or name); companies with the same
    entry are counted together (``foreign_establishments``). The parent's
    country is not needed here.
    """
    comp = _companies(companies)
    comp = comp[comp["foreign_parent"] != ""]
    kind = np.where(comp["naics"] != "", "naics", np.where(comp["sector"] != "", "cluster", ""))
    entry = np.where(comp["naics"] != "", comp["naics"], comp["sector"])
    placed = pd.DataFrame({"sector": entry, "kind": kind})
    placed = placed[placed["kind"] != ""]
    entries = (placed.groupby(["kind", "sector"], sort=True).size().rename("foreign_establishments")
               .reset_index().astype({"foreign_establishments": float}))
    entries = entries[["sector", "kind", "foreign_establishments"]].assign(source=PIPELINE_SOURCE)
    return SectorFeed(entries.reset_index(drop=True), len(comp), len(comp) - len(placed))


#: The match report's ``table`` for the pipeline's entries: they are the organization's records, not a
#: user table, and an entry in a sector that is not ranked (a local cluster) is expected, not an error.
PIPELINE_TABLE = "pipeline companies"


def pipeline_matches(matches: pd.DataFrame) -> pd.DataFrame:
    """The match report of a matrix built with :func:`sector_feed`'s entries as the sector FDI table, with
    those rows labelled :data:`PIPELINE_TABLE` (status 'not ranked' instead of 'unmatched')."""
    out = matches.copy()
    mine = out["table"] == "sector_fdi"
    out.loc[mine, "table"] = PIPELINE_TABLE
    out.loc[mine & (out["status"] == "unmatched"), "status"] = "not ranked"
    return out


def merge_sector_fdi(table: SectorMatrix, pipeline: SectorMatrix) -> SectorMatrix:
    """The sector matrix ``table`` (built with the sector FDI table) with the foreign-investors measure taken,
    per ranked sector, as the larger of the table's count and ``pipeline``'s (the same alternatives built
    with :func:`sector_feed`'s entries as the sector FDI table); the pipeline's match report is appended."""
    key = "foreign_establishments"
    ours = table.matrix[key].astype(float)
    theirs = pipeline.matrix[key].reindex(ours.index).astype(float).fillna(0.0)
    matrix = table.matrix.copy()
    matrix[key] = np.where(ours.isna(), theirs, np.maximum(ours.fillna(0.0), theirs))
    matches = pd.concat([table.matches, pipeline_matches(pipeline.matches)], ignore_index=True)
    return replace(table, matrix=matrix, matches=matches)


def sector_note(feed: SectorFeed, matches: pd.DataFrame, *, table_loaded: bool) -> str:
    """The ranking's note on what the pipeline added to the foreign-investors criterion; ``matches`` is the
    match report of a matrix built with the feed's entries as the sector FDI table."""
    mine = matches[matches["table"].isin(("sector_fdi", PIPELINE_TABLE))] if len(matches) else matches
    matched = int((mine["status"] == "matched").sum()) if len(mine) else 0
    note = (f"Foreign investors count {_plural(feed.companies, 'pipeline company')} with a foreign parent as one "
            f"foreign-owned establishment of its sector (NAICS code, else its sector); {matched} of the "
            f"{_plural(len(feed.entries), 'sector entry')} they make matched a ranked sector")
    if table_loaded:
        note += ("; the sector FDI table names no companies and may already count them, so a sector takes the "
                 "larger of the table's count and the pipeline's, never their sum")
    if feed.unplaced:
        note += f"; companies without NAICS code or sector, not counted: {feed.unplaced}"
    return note + "."


__all__ = ["FEED_COLUMNS", "FEED_NOTE", "PIPELINE_SOURCE", "PIPELINE_TABLE", "pipeline_matches", "SectorFeed", "client_interest", "fdi_by_country",
           "feed_notes", "merge_sector_fdi", "sector_feed", "sector_note"]
