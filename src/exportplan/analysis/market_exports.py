"""Target country markets: which exports by destination feed the ranking, and how they are labelled.

Pure functions for :mod:`exportplan.analysis.markets`: the exports series of
one scope and area (:func:`sector_rows`, :func:`choose_exports`,
:func:`current_market_exports`; the rules are in
:mod:`exportplan.analysis.market_matrix`), the current-markets and
export-growth measures of a series (:func:`export_measures`), and the text
naming a series and its sources (:func:`exports_label`, :func:`source_text`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from exportplan.analysis import market_measures as mm_
from exportplan.analysis.market_data import EXPORT_SCOPES, Sector, sector_tag

_SCOPE_TEXT = {"region": "the region's exports", "state": "{area} state exports (origin of movement)",
               "nation": "U.S. total"}


@dataclass(frozen=True)
class ExportSeries:
    """Exports by country and year from one scope and area (all goods or one sector's NAICS)."""

    scope: str
    area: str
    rows: pd.DataFrame          # iso3, year, value_usd, provenance_id
    naics_used: tuple[str, ...] = ()
    note: str = ""
    #: what the better scopes passed over lack ("" when none was), for the label
    why: str = ""
    #: chosen for a sector view: all-goods rows are then labelled "of all goods"
    sector_view: bool = False


def sector_rows(rows: pd.DataFrame, naics: Sequence[str] | None) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    """Rows of one scope/area summed per country and year: all goods (``naics`` None) or a sector.

    For a sector, export codes related to any of its NAICS codes (one a
    prefix of the other) are taken at one NAICS level (the level that covers
    the most countries, then the finer) so nothing is counted twice. Returns
    (iso3/year/value_usd/provenance_id rows, codes used, note).
    """
    if naics is None:
        picked, used, note = rows[rows["naics"] == ""], (), ""
    else:
        codes = sorted(set(rows["naics"]) - {""})
        related = [c for c in codes if any(c.startswith(s) or s.startswith(c) for s in naics)]
        if not related:
            return _empty_series(), (), ""
        levels = {}
        for length in sorted({len(c) for c in related}):
            at = [c for c in related if len(c) == length]
            levels[length] = (rows.loc[rows["naics"].isin(at), "iso3"].nunique(), length, at)
        _, length, used = max(levels.values())
        picked = rows[rows["naics"].isin(used)]
        coarse = any(len(s) > length for s in naics)
        note = (f"export data are at {length}-digit NAICS ({', '.join(used)}), coarser than the sector's "
                "codes: an approximation") if coarse else ""
    summed = picked.groupby(["iso3", "year"], as_index=False).agg(
        value_usd=("value_usd", "sum"), known=("value_usd", "count"), provenance_id=("provenance_id", "max"))
    summed.loc[summed["known"] == 0, "value_usd"] = np.nan  # all missing stays missing, never 0
    return summed.drop(columns="known"), tuple(used), note


def _empty_series() -> pd.DataFrame:
    return pd.DataFrame({"iso3": pd.Series(dtype="object"), "year": pd.Series(dtype="int64"),
                         "value_usd": pd.Series(dtype="float64"), "provenance_id": pd.Series(dtype="int64")})


def _areas(exports: pd.DataFrame, scope: str, state: str) -> list[str]:
    """Areas of a scope, the configured state first, then by number of rows."""
    rows = exports[exports["scope"] == scope]
    counts = rows["area"].value_counts()
    areas = sorted(counts.index, key=lambda a: (a != state, -counts[a], a))
    return areas


#: A step of an exports search: a scope and the NAICS codes wanted there (None: all goods).
Step = tuple[str, tuple[str, ...] | None]


def _scope_series(data: pd.DataFrame, scope: str, state: str,
                  naics: Sequence[str] | None) -> ExportSeries | None:
    """The first area of ``scope`` (the configured state first) with exports for ``naics``."""
    areas = _areas(data, scope, state)
    for area in areas:
        rows = data[(data["scope"] == scope) & (data["area"] == area)]
        series, used, note = sector_rows(rows, naics)
        series = series[series["value_usd"].notna()]
        if len(series):
            extra = [note] if note else []
            if len(areas) > 1:
                extra.append(f"{scope} exports are loaded for {len(areas)} areas ({', '.join(areas)}); "
                             f"{area} is used")
            return ExportSeries(scope, area, series, used, "; ".join(extra))
    return None


def _search(data: pd.DataFrame, steps: Sequence[Step], state: str,
            what: str) -> tuple[ExportSeries | None, list[Step]]:
    """The series of the first step with exports, its ``why`` filled in; and the steps passed over."""
    skipped: list[Step] = []
    for scope, naics in steps:
        found = _scope_series(data, scope, state, naics)
        if found is not None:
            return replace(found, why=_why(data, skipped, what)), skipped
        skipped.append((scope, naics))
    return None, skipped


_ADJECTIVE = {"region": "regional", "state": "state", "nation": "national"}


def _why(data: pd.DataFrame, skipped: Sequence[Step], what: str) -> str:
    """Why the steps were passed over, e.g. "no regional all-goods exports are loaded (only by NAICS)".

    A scope without any rows "has no data"; consecutive such scopes are
    named together ("no regional or state data is loaded"). A scope with
    rows lacks the sector's exports (``what``, e.g. "NAICS 332"), its
    all-goods rows (only exports by NAICS are loaded), or both.
    """
    missing: dict[str, list[str]] = {}
    for scope, naics in skipped:
        missing.setdefault(scope, []).append("all goods" if naics is None else what)
    phrases: list[str] = []
    empty: list[str] = []
    for scope, lacks in missing.items():
        if not (data["scope"] == scope).any():
            empty.append(_ADJECTIVE[scope])
            continue
        if empty:
            phrases.append(f"no {' or '.join(empty)} data is loaded")
            empty = []
        adjective = _ADJECTIVE[scope]
        if lacks == ["all goods"]:
            by_naics = ((data["scope"] == scope) & (data["naics"] != "")).any()
            phrases.append(f"no {adjective} all-goods exports are loaded" + (" (only by NAICS)" if by_naics else ""))
        elif "all goods" in lacks:
            phrases.append(f"no {adjective} exports of {what} or of all goods are loaded (only of other NAICS codes)")
        else:
            phrases.append(f"no {adjective} exports of {what} are loaded")
    if empty:
        phrases.append(f"no {' or '.join(empty)} data is loaded")
    return " and ".join(phrases)


def choose_exports(exports: pd.DataFrame, *, state: str = "", naics: Sequence[str] | None = None,
                   scopes: Sequence[str] = EXPORT_SCOPES, year: int | None = None) -> ExportSeries | None:
    """The first scope (region, state, nation) with exports for ``naics`` (None: all goods).

    For a state, the workspace's ``state`` is preferred when loaded. Rows
    after ``year`` are ignored. The series' ``why`` says what the scopes
    passed over lack. Returns None when no scope has any.
    """
    data = exports if year is None else exports[exports["year"] <= year]
    wanted = None if naics is None else tuple(naics)
    what = f"NAICS {', '.join(wanted)}" if wanted else ""
    return _search(data, [(scope, wanted) for scope in scopes], state, what)[0]


def current_market_exports(exports: pd.DataFrame, *, state: str = "", sector: Sector | None = None,
                           year: int | None = None) -> ExportSeries | None:
    """The exports series for current markets and export growth (None when none fits).

    All sectors: the region's all-goods exports, else the state's, else the
    U.S. total (:func:`choose_exports`). A sector view: the region's exports
    of the sector, else the state's; else the region's all-goods exports,
    else the state's, else the U.S. all-goods total. The nation's exports of
    the sector are never used here: they feed the demand factor, and one
    series is not counted in two factors.
    """
    data = exports if year is None else exports[exports["year"] <= year]
    if sector is None:
        return _search(data, [(scope, None) for scope in EXPORT_SCOPES], state, "")[0]
    steps: list[Step] = [("region", sector.naics), ("state", sector.naics), ("region", None), ("state", None),
                         ("nation", None)]
    series = _search(data, steps, state, sector_tag(sector))[0]
    return None if series is None else replace(series, sector_view=True)


class ExportMeasures(NamedTuple):
    """What :func:`export_measures` gives: the measures and the years they use."""

    #: index iso3: exports_usd, exports_share (latest year), exports_cagr (the growth window)
    measures: pd.DataFrame
    latest: int
    #: the growth window, one for every country (None, None: fewer than two years loaded)
    start: int | None
    end: int | None
    #: why the window is not the analysis window ("" when it is, or none was asked for)
    note: str = ""


def export_measures(series: ExportSeries, window: int,
                    wanted: tuple[int | None, int | None] | None = None) -> ExportMeasures:
    """Latest-year exports and share, and CAGR over ONE window for every country (index iso3).

    The window is ``wanted`` (the analysis window) when the exports have rows
    in both its years, else the latest ``window``-year window they allow
    (:func:`~exportplan.analysis.market_measures.growth_window`, which says
    so in ``note``). A country needs a positive start value and an end value;
    its growth is never taken from other years. With a single year loaded
    there is no growth (start and end None).
    """
    rows = series.rows[series.rows["value_usd"].notna()]
    latest = int(rows["year"].max())
    now = rows[rows["year"] == latest].set_index("iso3")["value_usd"]
    total = now.sum()
    out = pd.DataFrame({"exports_usd": now, "exports_share": now / total if total > 0 else np.nan})
    start, end, note = mm_.growth_window(rows["year"], window, wanted)
    if start is None or end is None:
        return ExportMeasures(out, latest, None, None, note)
    out = out.join(mm_.window_cagr(rows, start, end), how="outer")
    return ExportMeasures(out, latest, start, end, note)


_ALL_GOODS_TEXT = {"region": "the region's exports of all goods",
                   "state": "{area} state exports of all goods (origin of movement)",
                   "nation": "U.S. exports of all goods"}


def exports_label(series: ExportSeries, provenance: pd.DataFrame) -> str:
    """"exports by destination: U.S. total (IMF DOTS), used because ..." for a chosen series."""
    ids = set(series.rows["provenance_id"].dropna().astype(int))
    source = ", ".join(dict.fromkeys(_short_source(r) for r in provenance_rows(provenance, ids))) or "source unknown"
    where = _SCOPE_TEXT[series.scope].format(area=series.area)
    if series.naics_used:
        # a sector view: the figures are that sector's exports, not all goods
        where = where.replace("U.S. total", "U.S. exports") + f" of NAICS {', '.join(series.naics_used)}"
    elif series.sector_view:
        where = _ALL_GOODS_TEXT[series.scope].format(area=series.area)
    return f"exports by destination: {where} ({source})" + (f", used because {series.why}" if series.why else "")


def provenance_rows(provenance: pd.DataFrame, ids: set[int]) -> list:
    """The provenance rows of ``ids`` (named tuples, by id)."""
    if provenance.empty or not ids:
        return []
    return list(provenance[provenance["id"].isin(ids)].sort_values("id").itertuples(index=False))


def _short_source(row) -> str:
    """"IMF DOTS", "Census statenaics", or the publisher and dataset."""
    short = {"International Monetary Fund": "IMF", "U.S. Census Bureau": "Census",
             "World Bank": "World Bank", "Transparency International": "TI"}
    acronym = re.search(r"\(([A-Z]{2,})\)", row.dataset or "")
    if acronym and row.publisher in short:
        return f"{short[row.publisher]} {acronym[1]}"
    return ", ".join(p for p in (row.publisher, row.dataset) if p)


def source_text(provenance: pd.DataFrame, ids: set[int], extra: str = "") -> str:
    """Publisher, dataset and vintage of the given provenance ids, for a criterion's source."""
    parts = []
    for r in provenance_rows(provenance, ids):
        text = ", ".join(p for p in (r.publisher, r.dataset) if p)
        text += f" ({r.vintage})" if r.vintage else ""
        if "SAMPLE" in str(getattr(r, "note", "")).upper():
            text += " [SAMPLE DATA]"
        parts.append(text)
    body = "; ".join(dict.fromkeys(parts))
    return f"{body}; {extra}" if extra and body else (body or extra)


__all__ = ["ExportMeasures", "ExportSeries", "Step", "choose_exports", "current_market_exports", "export_measures",
           "exports_label", "provenance_rows", "sector_rows", "source_text"]
