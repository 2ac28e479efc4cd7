"""Target country markets: the guide's eight factors as measures for the scoring engine.

Pure functions (frames in, frames out; no I/O, no printing). The workspace
(:mod:`exportplan.ws.markets`) reads the stored tables into a
:class:`MarketData` and calls :func:`build_market_matrix`, then
:func:`rank_matrix`.

Measures per factor (methods.md §5; the factor is the criterion's ``group``,
a key of :data:`~exportplan.analysis.weights.MARKET_FACTORS`):

=================  =====================================================================
factor             measures (criterion key: what, direction, transform)
=================  =====================================================================
current_markets    ``exports_usd``: exports to the country in the latest year (log);
                   ``exports_share``: its share of the exports to all countries that year
export_growth      ``exports_cagr``: compound annual growth of those exports over ONE
                   window for every country: the analysis window when the exports cover
                   its years, else the latest window of that length they allow (noted;
                   :func:`~exportplan.analysis.market_measures.growth_window`). A country
                   needs a positive start value and an end value, else it is missing
                   and the notes count it
client_interest    ``survey_mentions``: weighted count of companies naming the country
cluster_demand     ``demand_usd``: U.S. (else the state's) exports of the priority sectors'
                   (or the viewed sector's) NAICS products to the country (log); when none
                   are loaded, or the only ones are already used by current markets, the
                   country's merchandise imports (WDI ``TM.VAL.MRCH.CD.WT``) as a proxy.
                   Services sectors (NAICS 48-49, 5x-9x) are never proxied by merchandise
                   imports: ``services_demand_usd`` is the country's service imports (WDI
                   ``BM.GSR.NFSV.CD``) when loaded, else their demand has no measure (noted).
                   The criterion's label and source say which.
partnerships       ``partnership_strength``: partnerships, each counted by its strength 1-3
proximity          ``distance_km``: great-circle km from the region's centre to the
                   country's point (cost, log); ``contiguous_us``: land border (flag)
market_factors     ``gdp_usd`` (log), ``gdp_growth`` (average real GDP growth over the
                   country's last five reported years), ``corruption`` (TI CPI when loaded,
                   else WGI control of corruption), ``rule_of_law`` (WGI),
                   ``regulatory_quality`` (WGI), ``ip_protection`` (USTR Special 301
                   score), ``us_fta`` (U.S. FTA in force, flag); ``ease_business`` (Doing
                   Business rank, cost, discontinued 2021) only when asked for
fdi_connections    ``fdi_establishments``: foreign-owned establishments in the region
                   whose parent is in the country
=================  =====================================================================

Rules:

- **Exports scope**: the region's all-goods exports by destination when
  loaded, else the state's (``region.state``), else the U.S. total; always
  labelled (:attr:`MarketMatrix.exports_label`) with what the scopes passed
  over lack, e.g. "exports by destination: U.S. total (IMF DOTS), used
  because no regional or state data is loaded", or "... because no regional
  all-goods exports are loaded (only by NAICS)" (a total is never built
  from some sectors). All-goods rows have ``naics = ''``. A country missing
  from the chosen exports data has *no data* there (never a zero).
- **One series, one factor**: a series of exports rows feeds current markets
  and growth, or demand, never both. The matrix's label names both series
  ("...; demand for NAICS 332 products: U.S. exports of NAICS 332 to the
  country"). In the all-sectors view current markets reads all-goods rows and
  demand rows by NAICS, so they cannot overlap.
- **Lists that cover every country** count absence as 0 and say so: the
  client survey, partnerships and the foreign-owned establishments table
  (when loaded); USTR's Special 301 lists (a country not listed scores 1.0,
  no concern) when the USTR file was imported; contiguity (CEPII's flag, else
  Canada and Mexico); U.S. FTAs (the imported flag, else the shipped USTR
  list).
- **Indicators** take each country's latest value (at or before ``year``).
  The user's own wide country table is stored under its column names; they
  are mapped onto the publishers' keys by :data:`USER_INDICATORS`, so both
  paths feed the same measures. When two sources give the same country,
  indicator and year, the later import wins.
- **Universe**: every country with any loaded row, the United States
  itself and its territories (Guam, Puerto Rico, ...) excluded and named in
  a note. After a first scoring, countries observed on less than
  :data:`COVERAGE_FLOOR` of the weight are dropped and the rest re-scored
  (normalization runs over the countries in play); the notes say how many.
- **Per-sector view** (``sector=``): current markets and growth use the
  region's exports of the sector (matched by NAICS prefix at one level),
  else the state's; else the region's all-goods exports, else the state's,
  else the U.S. all-goods total, labelled e.g. "the region's exports of all
  goods, used because no regional exports of NAICS 332 are loaded". The
  nation's exports of the sector feed only demand; demand uses them, else a
  state's exports of the sector not already used by current markets, else
  the proxy (:func:`current_market_exports`).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from exportplan.analysis import market_measures as mm_
from exportplan.analysis.defaults import DEFAULT_DRAWS
from exportplan.analysis.geo import US_NEIGHBOURS, great_circle_km
from exportplan.analysis.scoring import Criterion, ScoreResult, position_text, score
from exportplan.analysis.sensitivity import Robustness, robustness
from exportplan.analysis.weights import (
    MARKET_FACTORS,
    empty_groups,
    spread_group_weights,
)
from exportplan.errors import ExportPlanError

HOME = "USA"
#: Countries observed on less than this share of the weight are left out of the ranking.
COVERAGE_FLOOR = 0.5
EXPORT_SCOPES = ("region", "state", "nation")

# Stable indicator keys in the store's country_values table.
GDP = "NY.GDP.MKTP.CD"
GDP_GROWTH = "NY.GDP.MKTP.KD.ZG"
MERCH_IMPORTS = "TM.VAL.MRCH.CD.WT"
EASE = "IC.BUS.EASE.XQ"
WGI_CC = "CC.EST"
WGI_RL = "RL.EST"
WGI_RQ = "RQ.EST"
SERVICES_IMPORTS = mm_.SERVICES_IMPORTS
CPI = "cpi_score"
IP_SCORE = "special301_ip_score"
CEPII_LAT, CEPII_LON = "cepii_lat", "cepii_lon"
COUNTRY_LAT, COUNTRY_LON = "country_lat", "country_lon"
CONTIGUOUS = "contiguous_us"
FTA = "us_fta"

#: The user's wide country-table columns (:data:`exportplan.imports.tables.INDICATORS`)
#: -> the stable keys the publishers' files are stored under.
USER_INDICATORS: dict[str, str] = {
    "gdp_usd": GDP, "gdp_growth_pct": GDP_GROWTH, "gdp_per_capita_usd": "NY.GDP.PCAP.CD",
    "imports_pct_gdp": "NE.IMP.GNFS.ZS", "merch_imports_usd": MERCH_IMPORTS,
    "population": "SP.POP.TOTL", "fdi_inflows_usd": "BX.KLT.DINV.CD.WD",
    "control_of_corruption": WGI_CC, "rule_of_law": WGI_RL, "regulatory_quality": WGI_RQ,
    "cpi_score": CPI, "doing_business_rank": EASE, "special301": IP_SCORE,
    "lat": COUNTRY_LAT, "lon": COUNTRY_LON, "contiguous_us": CONTIGUOUS, "fta_partner": FTA,
}
#: The user table's Special 301 levels (0 none ... 3 PFC) -> (IP score, status), as
#: :data:`exportplan.sources.special301.IP_SCORES`.
SPECIAL301_LEVELS = {0: (1.0, "none"), 1: (0.5, "watch_list"), 2: (0.25, "priority_watch_list"),
                     3: (0.0, "priority_foreign_country")}
_IP_TEXT = {1.0: "not listed", 0.5: "Watch List", 0.25: "Priority Watch List",
            0.0: "Priority Foreign Country"}
SPECIAL301_DATASET = "Special 301 Report status"
#: Short names of the eight factors for charts and printed tables.
FACTOR_LABELS = {"current_markets": "current markets", "export_growth": "export growth",
                 "client_interest": "client interest", "cluster_demand": "demand for priority sectors",
                 "partnerships": "partnerships", "proximity": "proximity", "market_factors": "market factors",
                 "fdi_connections": "FDI connections"}  # as exportplan.sources.special301.DATASET

_SCOPE_TEXT = {"region": "the region's exports", "state": "{area} state exports (origin of movement)",
               "nation": "U.S. total"}


# --------------------------------------------------------------------------- formats

def money(value: float) -> str:
    """US dollars in a short form: $1.23tn, $4.56bn, $7.8m, $12,345."""
    size = abs(value)
    for limit, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if size >= limit:
            return f"${value / limit:,.2f}{unit}" if limit > 1e6 else f"${value / limit:,.1f}{unit}"
    return f"${value:,.0f}"


def count(value: float) -> str:
    """A (weighted) count: whole numbers without decimals, others with one."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def ip_status(value: float) -> str:
    """A Special 301 IP score as the USTR list it stands for."""
    return _IP_TEXT.get(round(float(value), 2), f"score {value:.2f}")


# --------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Sector:
    """A sector for the per-sector view or the priority list: code, name and its NAICS codes."""

    code: str
    name: str
    naics: tuple[str, ...]
    kind: str = "naics"


def sector_tag(sector: Sector) -> str:
    """How a sector is named in labels: "NAICS 336" or the cluster's name."""
    return f"NAICS {sector.code}" if sector.kind == "naics" else sector.name


@dataclass(frozen=True)
class MarketData:
    """What the market ranking reads, as stored in the workspace.

    ``countries``: iso3, indicator, year (0 = no year), value, value_text,
    provenance_id (keys as stored; :func:`canonical_country_values` maps the
    user-table names). ``exports``: scope, area, iso3, naics ('' = all goods),
    year, value_usd, provenance_id. ``partnerships`` (iso3, strength, ...),
    ``fdi`` (iso3, establishments, ...), ``survey`` (iso3, weight, ...):
    the stored tables. ``provenance``: the provenance table (id, publisher,
    dataset, vintage, source, ...). ``centre``: the region's (lat, lon) or None,
    described by ``centre_note``. ``fta_partners``: countries with a U.S. FTA
    in force (e.g. the shipped USTR list, :func:`exportplan.sources.fta.us_fta_partners`),
    described by ``fta_source``; an imported ``us_fta`` flag overrides it.
    ``growth_window``: the analysis window (start, end) export growth should
    use (start None: ``end - window``), described by ``window_text``; None
    uses the exports' own latest window. ``doing_business``: include the
    discontinued Doing Business rank (an explicit choice; never by default).
    """

    countries: pd.DataFrame
    exports: pd.DataFrame
    partnerships: pd.DataFrame
    fdi: pd.DataFrame
    survey: pd.DataFrame
    provenance: pd.DataFrame
    centre: tuple[float, float] | None = None
    centre_note: str = ""
    state: str = ""
    window: int = 5
    year: int | None = None
    fta_partners: frozenset[str] = frozenset()
    fta_source: str = ""
    growth_window: tuple[int | None, int | None] | None = None
    window_text: str = ""
    doing_business: bool = False


@dataclass(frozen=True)
class MarketMatrix:
    """Countries x measures, ready for :func:`exportplan.analysis.scoring.score`.

    ``matrix`` (index iso3), ``criteria`` (group = factor), ``names`` (iso3 ->
    country name), ``notes`` (what was used, filled or left out),
    ``exports_scope``/``exports_label`` (which exports data current markets
    and growth use and why; the label then names the demand factor's series
    after "; demand for"), ``provenance_ids`` (the stored sources used),
    ``sector_data`` (in a sector view, the factors fed by data of that
    sector: empty when the view could only use all-sector data).
    """

    matrix: pd.DataFrame
    criteria: tuple[Criterion, ...]
    names: dict[str, str]
    notes: list[str]
    exports_scope: str
    exports_label: str
    provenance_ids: frozenset[int] = frozenset()
    sector_data: tuple[str, ...] = ()


# --------------------------------------------------------------------------- country values

def canonical_country_values(values: pd.DataFrame) -> pd.DataFrame:
    """Stored country values with the user table's names mapped to the stable keys.

    Special 301 levels of the user table (0-3) become IP scores (1.0 ... 0.0)
    with the status in ``value_text``. When two rows share iso3, indicator
    and year the one with the higher ``provenance_id`` (the later import) is
    kept. Rows without a value are dropped.
    """
    cols = ["iso3", "indicator", "year", "value", "value_text", "provenance_id"]
    if values.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else "object") for c in cols})
    out = values[cols].copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out = out[out["value"].notna()]
    user_ip = out["indicator"] == "special301"
    out["indicator"] = out["indicator"].map(lambda k: USER_INDICATORS.get(k, k))
    levels = out.loc[user_ip, "value"].round().astype(int)
    out.loc[user_ip, "value"] = levels.map(lambda v: SPECIAL301_LEVELS.get(v, (np.nan, ""))[0])
    out.loc[user_ip, "value_text"] = levels.map(lambda v: SPECIAL301_LEVELS.get(v, (np.nan, ""))[1])
    out["year"] = out["year"].fillna(0).astype(int)
    out = out[out["value"].notna()]
    out = out.sort_values("provenance_id", kind="stable").drop_duplicates(
        ["iso3", "indicator", "year"], keep="last")
    return out.sort_values(["indicator", "iso3", "year"], ignore_index=True)


def latest_values(values: pd.DataFrame, indicator: str, year: int | None = None) -> pd.DataFrame:
    """Each country's latest value of ``indicator`` (at or before ``year``; year 0 always counts).

    Index iso3; columns value, year, provenance_id, value_text.
    """
    rows = values[values["indicator"] == indicator]
    if year is not None:
        rows = rows[(rows["year"] <= year) | (rows["year"] == 0)]
    latest = rows.sort_values("year", kind="stable").drop_duplicates("iso3", keep="last")
    return latest.set_index("iso3")[["value", "year", "provenance_id", "value_text"]]


# --------------------------------------------------------------------------- exports

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
    source = ", ".join(dict.fromkeys(_short_source(r) for r in _prov_rows(provenance, ids))) or "source unknown"
    where = _SCOPE_TEXT[series.scope].format(area=series.area)
    if series.naics_used:
        # a sector view: the figures are that sector's exports, not all goods
        where = where.replace("U.S. total", "U.S. exports") + f" of NAICS {', '.join(series.naics_used)}"
    elif series.sector_view:
        where = _ALL_GOODS_TEXT[series.scope].format(area=series.area)
    return f"exports by destination: {where} ({source})" + (f", used because {series.why}" if series.why else "")


def _prov_rows(provenance: pd.DataFrame, ids: set[int]) -> list:
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
    for r in _prov_rows(provenance, ids):
        text = ", ".join(p for p in (r.publisher, r.dataset) if p)
        text += f" ({r.vintage})" if r.vintage else ""
        if "SAMPLE" in str(getattr(r, "note", "")).upper():
            text += " [SAMPLE DATA]"
        parts.append(text)
    body = "; ".join(dict.fromkeys(parts))
    return f"{body}; {extra}" if extra and body else (body or extra)


# --------------------------------------------------------------------------- the matrix

@dataclass
class _Builder:
    """Collects measures (columns), their criteria, notes and the sources used."""

    universe: list[str]
    provenance: pd.DataFrame
    columns: dict[str, pd.Series] = field(default_factory=dict)
    criteria: list[Criterion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)
    #: the demand factor uses exports of the viewed sector's NAICS codes
    sector_demand: bool = False

    def add(self, key: str, values: pd.Series, ids: set[int], extra: str = "", **spec) -> None:
        """Add one measure if any country in the universe has a value."""
        values = pd.to_numeric(values, errors="coerce").astype("float64").reindex(self.universe)
        if values.notna().sum() == 0:
            return
        self.columns[key] = values
        self.criteria.append(Criterion(key, source=source_text(self.provenance, ids, extra), **spec))
        self.ids |= {int(i) for i in ids}


def _ids(frame: pd.DataFrame, column: str = "provenance_id") -> set[int]:
    return set(frame[column].dropna().astype(int)) if column in frame.columns and len(frame) else set()


def universe(data: MarketData, values: pd.DataFrame, names: Mapping[str, str]) -> list[str]:
    """Every country with any loaded row, the U.S. and its territories excluded, known codes only."""
    return mm_.foreign_markets(_loaded_codes(data, values, names))[0]


def _loaded_codes(data: MarketData, values: pd.DataFrame, names: Mapping[str, str]) -> list[str]:
    found: set[str] = set()
    for frame in (values, data.exports, data.partnerships, data.fdi, data.survey):
        if len(frame) and "iso3" in frame.columns:
            found |= set(frame["iso3"].dropna().astype(str))
    return sorted(c for c in found - {HOME} if c in names)


def build_market_matrix(data: MarketData, names: Mapping[str, str], *, sector: Sector | None = None,
                        priority: Sequence[Sector] = ()) -> MarketMatrix:
    """Countries x measures of the eight factors (see the module docstring).

    ``names`` maps ISO3 codes to country names (codes missing from it are
    left out of the universe). ``sector`` gives the per-sector view;
    ``priority`` the region's priority sectors for the demand factor.
    """
    values = canonical_country_values(data.countries)
    countries = universe(data, values, names)
    if not countries:
        raise ExportPlanError(
            "No country data is loaded. Import country indicators ('exportplan import countries FILE' or "
            "'fetch countries'), exports by destination ('import exports FILE' or 'fetch exports --state XX'), "
            "partnerships, foreign investors or survey answers first.")
    b = _Builder(countries, data.provenance)
    scope, label, used = _current_markets(b, data, sector)
    _client_interest(b, data)
    demand = _cluster_demand(b, data, values, sector, priority, used)
    if demand:
        label = f"{label}; {demand}"
    _partnerships(b, data)
    _proximity(b, data, values)
    _market_factors(b, data, values)
    _fdi(b, data)
    matrix = pd.DataFrame(b.columns, index=pd.Index(countries, name="iso3"))
    if HOME in set(values["iso3"]) or (len(data.exports) and HOME in set(data.exports["iso3"])):
        b.notes.append("The United States itself is not a candidate market and is left out.")
    territories = mm_.territories_note(mm_.foreign_markets(_loaded_codes(data, values, names))[1])
    if territories:
        b.notes.append(territories)
    own_exports = used is not None and bool(used.naics_used)
    sector_data = tuple(k for k, fed in (("current markets", own_exports), ("demand", b.sector_demand)) if fed)
    return MarketMatrix(matrix, tuple(b.criteria), {c: names[c] for c in countries}, b.notes, scope, label,
                        frozenset(b.ids), sector_data if sector is not None else ())


def _current_markets(b: _Builder, data: MarketData,
                     sector: Sector | None) -> tuple[str, str, ExportSeries | None]:
    """exports_usd, exports_share (current_markets) and exports_cagr (export_growth).

    Returns the scope, the label and the series used (None when no exports
    series fits; see :func:`current_market_exports`).
    """
    series = current_market_exports(data.exports, state=data.state, sector=sector, year=data.year)
    if series is None:
        b.notes.append(_no_current_exports(data, sector))
        return "", "exports by destination: none loaded", None
    label = exports_label(series, b.provenance)
    who = {"region": "regional", "state": f"{series.area} state", "nation": "U.S."}[series.scope]
    what = f"{who} exports"
    if sector is not None:
        what += f" of {sector_tag(sector)}" if series.naics_used else " of all goods"
    em = export_measures(series, data.window, data.growth_window)
    measures, latest, start, end = em.measures, em.latest, em.start, em.end
    ids = _ids(series.rows)
    b.add("exports_usd", measures["exports_usd"], ids, extra=label, label=f"{what} {latest}",
          group="current_markets", transform="log", unit="US$", fmt=money)
    b.add("exports_share", measures["exports_share"], ids, extra=label, label=f"share of {what} {latest}",
          group="current_markets", unit="share of all destinations", fmt="percent")
    if start is None or end is None:
        b.notes.append(f"Export growth needs two years of exports; only {latest} is loaded.")
    else:
        window = _growth_window_note(data, em)
        b.add("exports_cagr", measures["exports_cagr"], ids, extra=f"{label}; {window}",
              label=f"growth of {what} {start}-{end}", group="export_growth", unit="per year (CAGR)",
              fmt="change")
        gaps = mm_.growth_gaps(measures, b.universe, start, end)
        b.notes += [_sentence(note) for note in (window, gaps) if note]
        if mm_.PANDEMIC_YEAR in (start, end):
            b.notes.append(f"Warning: the export growth window {'starts' if start == mm_.PANDEMIC_YEAR else 'ends'} "
                           f"in {mm_.PANDEMIC_YEAR}: the pandemic year distorts growth.")
    b.notes.append(label[0].upper() + label[1:] + (f" ({series.note})" if series.note else "") + ".")
    if series.scope != "region":
        b.notes.append(f"Shares are of the exports to all countries in that data ({latest}).")
    return series.scope, label, series


def _no_current_exports(data: MarketData, sector: Sector | None) -> str:
    """The note when no exports series fits current markets and export growth."""
    tail = ("the current-markets and export-growth factors have no data (import exports, or "
            "'fetch exports --state XX')")
    if data.exports.empty:
        return f"No exports by destination are loaded: {tail}."
    if sector is None:
        return f"No all-goods exports by destination are loaded (only by NAICS): {tail}."
    tag = sector_tag(sector)
    text = (f"No regional or state exports of {tag} or of all goods, and no U.S. all-goods exports, are "
            f"loaded: {tail}")
    if choose_exports(data.exports, naics=sector.naics, scopes=("nation",), year=data.year) is not None:
        text += (f"; national exports of {tag} feed only the demand factor (one series is not counted in "
                 "two factors)")
    return text + "."


def _growth_window_note(data: MarketData, em: ExportMeasures) -> str:
    """Which window export growth uses for every country, and why."""
    if em.note:
        return em.note
    span = f"{em.start}-{em.end}"
    if data.growth_window is not None and data.growth_window[1] == em.end:
        if data.growth_window[0] is None:
            return (f"export growth uses {span} for every country: the analysis window's end year and "
                    f"analysis.window ({data.window}) years before it (the QCEW data have no start year)")
        return f"export growth uses the analysis window {span} for every country" + (
            f" ({data.window_text})" if data.window_text else "")
    return (f"export growth uses {span} for every country: the latest {data.window}-year window of the exports "
            "loaded (no analysis window: no QCEW year is loaded)")


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _zero_filled(b: _Builder, frame: pd.DataFrame, column: str, what: str) -> pd.Series | None:
    """Per-country sums of ``column``; 0 for countries not in the table (noted), None if not loaded."""
    if frame.empty:
        return None
    sums = pd.to_numeric(frame[column], errors="coerce").groupby(frame["iso3"]).sum()
    b.notes.append(f"Countries not in the {what} count 0 there.")
    return sums.reindex(b.universe).fillna(0.0)


def _client_interest(b: _Builder, data: MarketData) -> None:
    values = _zero_filled(b, data.survey, "weight", "client survey")
    if values is not None:
        b.add("survey_mentions", values, _ids(data.survey), label="survey mentions (weighted)",
              group="client_interest", unit="weighted count of companies", fmt=count)


def _partnerships(b: _Builder, data: MarketData) -> None:
    values = _zero_filled(b, data.partnerships, "strength", "partnerships table")
    if values is not None:
        b.add("partnership_strength", values, _ids(data.partnerships), label="strength-weighted count",
              group="partnerships", unit="partnerships x strength (1-3)", fmt=count)


def _fdi(b: _Builder, data: MarketData) -> None:
    values = _zero_filled(b, data.fdi, "establishments", "foreign-owned establishments table")
    if values is not None:
        b.add("fdi_establishments", values, _ids(data.fdi), label="foreign-owned establishments",
              group="fdi_connections", unit="establishments", fmt=count)


def _cluster_demand(b: _Builder, data: MarketData, values: pd.DataFrame, sector: Sector | None,
                    priority: Sequence[Sector], used: ExportSeries | None = None) -> str:
    """U.S./state exports of the priority sectors' (or the sector's) products, else imports as a proxy.

    ``used`` is the series current markets took: its rows never feed demand
    too. Demand reads exports by NAICS only, and current markets in the
    all-sectors view reads all-goods rows (``naics = ''``), so those never
    overlap; in a sector view current markets may take a state's rows of the
    sector, and those are then left out here. Goods sectors fall back to
    merchandise imports; services sectors (:func:`~exportplan.analysis.
    market_measures.is_services`) to service imports, else no measure (a
    note says so): merchandise imports never stand in for services. Returns
    "demand for ...: ..." for the matrix's label ("" when the factor has no data).
    """
    if sector is not None:
        kind = "services" if mm_.is_services(sector.naics) else "goods"
        parts = [_demand(b, data, values, kind, sector_tag(sector), sector.naics, used, "demand_usd")]
        return "; ".join(p for p in parts if p)
    services = [s for s in priority if mm_.is_services(s.naics)]
    goods = [s for s in priority if not mm_.is_services(s.naics)]
    parts = []
    if goods or not services:
        what = "the priority goods sectors'" if services else "the priority sectors'"
        naics = tuple(dict.fromkeys(n for s in goods for n in s.naics))
        parts.append(_demand(b, data, values, "goods", what, naics, used, "demand_usd"))
    if services:
        what = "the priority services sectors'" if goods else "the priority sectors'"
        naics = tuple(dict.fromkeys(n for s in services for n in s.naics))
        parts.append(_demand(b, data, values, "services", what, naics, used, "services_demand_usd",
                             names=[s.name for s in services]))
    return "; ".join(p for p in parts if p)


def _demand(b: _Builder, data: MarketData, values: pd.DataFrame, kind: str, what: str, wanted: Sequence[str],
            used: ExportSeries | None, key: str, names: Sequence[str] = ()) -> str:
    """One demand measure: exports of ``wanted`` NAICS codes, else the proxy for ``kind`` (goods or services)."""
    by_naics = data.exports[data.exports["naics"] != ""]
    taken = by_naics.iloc[0:0]
    if used is not None and used.naics_used:
        same = (by_naics["scope"] == used.scope) & (by_naics["area"] == used.area)
        taken, by_naics = by_naics[same], by_naics[~same]
    series = None
    if wanted:
        series = choose_exports(by_naics, state=data.state, naics=wanted, scopes=("nation", "state"),
                                year=data.year)
    if series is not None:
        latest = int(series.rows["year"].max())
        now = series.rows[series.rows["year"] == latest].set_index("iso3")["value_usd"]
        who = "U.S." if series.scope == "nation" else f"{series.area} state"
        extra = f"{who} exports of NAICS {', '.join(series.naics_used)} to the country" + (
            f" ({series.note})" if series.note else "")
        b.add(key, now, _ids(series.rows), extra=extra, label=f"{who} exports of {what} products {latest}",
              group="cluster_demand", transform="log", unit="US$", fmt=money)
        b.sector_demand = True
        b.notes.append(f"Demand for {what} products: {extra}.")
        return f"demand for {what} products: {extra}"
    why = _proxy_why(data, wanted, taken, used)
    if kind == "services":
        imports = latest_values(values, SERVICES_IMPORTS, data.year)
        if imports.empty:
            who = f" ({', '.join(names)})" if names else ""
            b.notes.append(f"Demand for {what} products{who} has no measure: services are never proxied by "
                           f"merchandise imports, and no service imports (WDI {SERVICES_IMPORTS}) are loaded "
                           "('exportplan fetch countries', or import the WDI file of that indicator).")
            return ""
        extra = f"proxy: the country's service imports (WDI), used because {why}"
        label = "service imports (proxy)"
    else:
        imports = latest_values(values, MERCH_IMPORTS, data.year)
        extra = f"proxy: the country's merchandise imports, used because {why}"
        label = "merchandise imports (proxy)"
    b.add(key, imports["value"], _ids(imports), extra=extra, label=label, group="cluster_demand",
          transform="log", unit="current US$", fmt=money)
    if imports.empty:
        return ""
    b.notes.append(f"Demand for {what} products: {extra}.")
    return f"demand for {what} products: {extra}"


def _proxy_why(data: MarketData, wanted: Sequence[str], taken: pd.DataFrame, used: ExportSeries | None) -> str:
    """Why demand falls back to the imports proxy."""
    by_naics = data.exports["scope"].isin(["nation", "state"]) & (data.exports["naics"] != "")
    if used is not None and len(taken) and wanted and choose_exports(
            taken, naics=wanted, scopes=(used.scope,), year=data.year) is not None:
        return (f"the only exports of its NAICS codes loaded ({used.area} {used.scope} exports of NAICS "
                f"{', '.join(used.naics_used)}) are already used for current markets")
    if not by_naics.any():
        return "no national or state exports by NAICS are loaded"
    if wanted:
        return "no national or state exports of their NAICS codes are loaded"
    return "the region's priority sectors are not known"


def _proximity(b: _Builder, data: MarketData, values: pd.DataFrame) -> None:
    """distance_km (cost, log) from the region's centre and contiguous_us (flag)."""
    points, source_ids, how = country_points(values)
    if len(points):
        if data.centre is None:
            raise ExportPlanError(
                "The region has no centre for the distance to markets"
                + (f": {data.centre_note}." if data.centre_note else
                   ". Give it with 'exportplan config set region.centre LAT,LON' (e.g. 39.96,-82.99), "
                   "or name a CSV of county_fips, lat, lon with 'exportplan config set markets.county_centres FILE'."))
        lat, lon = data.centre
        km = pd.Series(great_circle_km(lat, lon, points["lat"].to_numpy(float), points["lon"].to_numpy(float)),
                       index=points.index)
        extra = f"great-circle distance from {data.centre_note or f'({lat:.2f}, {lon:.2f})'} to {how}"
        b.add("distance_km", km, source_ids, extra=extra, label="distance", direction="cost", transform="log",
              group="proximity", unit="km", fmt="{:,.0f} km")
    stored = latest_values(values, CONTIGUOUS)
    flags = pd.Series([1.0 if c in US_NEIGHBOURS else 0.0 for c in b.universe], index=b.universe)
    flags.update(stored["value"])
    extra = ("imported contiguity flag (CEPII contig, or the country table); countries without it: "
             if len(stored) else "") + "Canada and Mexico share a land border with the U.S."
    b.add("contiguous_us", flags, _ids(stored), extra=extra, label="land border with the U.S.",
          group="proximity", unit="yes/no", fmt="flag")


def country_points(values: pd.DataFrame) -> tuple[pd.DataFrame, set[int], str]:
    """Each country's point (lat, lon): the user's table first, else CEPII's capital."""
    user = pd.concat([latest_values(values, COUNTRY_LAT)["value"].rename("lat"),
                      latest_values(values, COUNTRY_LON)["value"].rename("lon")], axis=1).dropna()
    cepii = pd.concat([latest_values(values, CEPII_LAT)["value"].rename("lat"),
                       latest_values(values, CEPII_LON)["value"].rename("lon")], axis=1).dropna()
    points = pd.concat([user, cepii[~cepii.index.isin(user.index)]])
    ids = _ids(values[values["indicator"].isin([COUNTRY_LAT, COUNTRY_LON] if len(user) else [])])
    ids |= _ids(values[values["indicator"].isin([CEPII_LAT, CEPII_LON])]) if len(cepii) else set()
    how = " and ".join(h for h, f in (("the point in the country table", user), ("the capital (CEPII)", cepii))
                       if len(f))
    return points, ids, how


def _market_factors(b: _Builder, data: MarketData, values: pd.DataFrame) -> None:
    """GDP, market growth, corruption, rule of law, regulatory quality, IP protection, FTA (and Doing Business)."""
    year = data.year

    def add(key: str, indicator: str, **spec) -> None:
        found = latest_values(values, indicator, year)
        b.add(key, found["value"], _ids(found), extra=_years_text(found), group="market_factors", **spec)

    add("gdp_usd", GDP, label="GDP", transform="log", unit="current US$", fmt=money)
    _market_growth(b, data, values)
    if len(latest_values(values, CPI, year)):
        add("corruption", CPI, label="corruption perceptions (TI CPI, 100 = clean)", unit="0-100", fmt="{:.0f}")
    else:
        add("corruption", WGI_CC, label="control of corruption (WGI)", unit="about -2.5 to 2.5", fmt="{:+.2f}")
    add("rule_of_law", WGI_RL, label="rule of law (WGI)", unit="about -2.5 to 2.5", fmt="{:+.2f}")
    add("regulatory_quality", WGI_RQ, label="regulatory quality (WGI)", unit="about -2.5 to 2.5", fmt="{:+.2f}")
    _ip_protection(b, data, values)
    if data.doing_business:
        add("ease_business", EASE, label="ease of doing business rank (discontinued 2021)", direction="cost",
            unit="rank (1 = best)", fmt="#{:.0f}")
        if "ease_business" in b.columns:
            b.notes.append("Ease of doing business rank (World Bank Doing Business, discontinued 2021 after data "
                           "irregularities) is included because it was asked for; its last edition ranks 2019.")
    elif len(latest_values(values, EASE, year)):
        b.notes.append("The Doing Business rank is loaded but not used: the World Bank discontinued it in 2021 "
                       "after data irregularities. WGI regulatory quality takes its place; 'rank markets "
                       "--doing-business' includes it anyway, labelled.")
    _fta(b, data, values)


def _market_growth(b: _Builder, data: MarketData, values: pd.DataFrame) -> None:
    """gdp_growth: each country's average real GDP growth over its last five reported years."""
    means, spans = mm_.average_growth(values, GDP_GROWTH, data.year)
    common, other, stale = mm_.growth_span_text(spans, universe=b.universe)
    means = means.drop(index=stale, errors="ignore")
    if means.empty:
        return
    n = mm_.GROWTH_YEARS
    extra = f"mean of each country's last {n} reported years of real GDP growth (WDI {GDP_GROWTH})"
    extra += f", {common} for most countries" + (f"; {other}" if other else "")
    b.add("gdp_growth", means, _ids(spans), extra=extra, label=f"average real GDP growth {common}",
          group="market_factors", unit="% per year", fmt="{:+.1f}%")
    if other:
        b.notes.append(_sentence(f"Market growth: {other}"))


def _years_text(found: pd.DataFrame) -> str:
    years = found["year"][found["year"] > 0]
    if years.empty:
        return ""
    lo, hi = int(years.min()), int(years.max())
    return f"latest value per country, {lo}" + (f"-{hi}" if hi != lo else "")


def _ip_protection(b: _Builder, data: MarketData, values: pd.DataFrame) -> None:
    """Special 301 score in its latest loaded year; unlisted countries 1.0 when USTR's file was imported."""
    rows = values[values["indicator"] == IP_SCORE]
    if data.year is not None:
        rows = rows[rows["year"] <= data.year]
    if rows.empty:
        return
    year = int(rows["year"].max())
    that = rows[rows["year"] == year].set_index("iso3")["value"]
    ids = _ids(rows[rows["year"] == year])
    complete = any(r.dataset == SPECIAL301_DATASET for r in _prov_rows(b.provenance, ids))
    extra = f"USTR lists of {year}"
    if complete:
        that = that.reindex(b.universe).fillna(1.0)
        extra += "; countries not listed score 1 (no concern)"
    b.add("ip_protection", that, ids, extra=extra, label="USTR Special 301 status", group="market_factors",
          unit="1 not listed, 0.5 Watch List, 0.25 Priority Watch List, 0 PFC", fmt=ip_status)


def _fta(b: _Builder, data: MarketData, values: pd.DataFrame) -> None:
    """U.S. FTA in force: the imported flag where given, else membership of ``data.fta_partners``."""
    stored = latest_values(values, FTA)
    if not data.fta_partners and stored.empty:
        return
    flags = pd.Series([1.0 if c in data.fta_partners else 0.0 for c in b.universe], index=b.universe)
    flags.update(stored["value"])
    extra = ("imported flag; other countries: " if len(stored) else "") + (data.fta_source or "FTA partner list")
    b.add("us_fta", flags, _ids(stored), extra=extra, label="U.S. free-trade agreement in force",
          group="market_factors", unit="yes/no", fmt="flag")


# --------------------------------------------------------------------------- ranking

@dataclass(frozen=True)
class MarketOutcome:
    """A scored and robustness-checked market ranking.

    ``table``: rank, iso3, country, score, coverage, p_top<k>, rank_p05,
    rank_p95, median_rank, robust, reason, contrib_<factor> (the factor's
    share of the score), then raw_/norm_/contrib_ per measure.
    """

    table: pd.DataFrame
    result: ScoreResult
    robustness: Robustness
    group_weights: dict[str, float]
    weights: dict[str, float]
    dropped: list[str]
    notes: list[str]
    top_k: int


def rank_matrix(mm: MarketMatrix, group_weights: Mapping[str, float], *, method: str = "weighted",
                draws: int = DEFAULT_DRAWS, seed: int = 0, top_k: int = 5, floor: float = COVERAGE_FLOOR,
                concentration: float | None = None) -> MarketOutcome:
    """Score the countries, drop those below the coverage floor, re-score, and check robustness."""
    if not mm.criteria:
        raise ExportPlanError("No market measure has data: import country indicators or exports first.")
    weights = spread_group_weights(group_weights, mm.criteria)
    notes = list(mm.notes)
    for group in empty_groups(group_weights, mm.criteria):
        notes.append(f"No data for the factor '{MARKET_FACTORS[group]}': its weight is shared among the others.")
    first = score(mm.matrix, mm.criteria, weights, method=method, names=mm.names)
    keep = first.table.loc[first.table["coverage"] >= floor - 1e-12, "code"].tolist()
    dropped = sorted(set(mm.matrix.index) - set(keep))
    if not keep:
        raise ExportPlanError(
            f"No country has data on at least {floor:.0%} of the weight. Load more country data, or lower "
            "markets.coverage_floor (exportplan config set markets.coverage_floor 0.3).")
    if dropped:
        notes.append(f"{len(dropped)} of {len(mm.matrix)} countries have data on less than {floor:.0%} of the "
                     f"weight and are left out of the ranking (markets.coverage_floor).")
    result = score(mm.matrix.loc[sorted(keep)], mm.criteria, weights, method=method, names=mm.names)
    notes += result.uninformative_notes("ranked country", "ranked countries")
    notes += result.missing_notes("ranked country", "ranked countries")
    kwargs = {} if concentration is None else {"concentration": concentration}
    rob = robustness(result, draws=draws, top_k=top_k, seed=seed, **kwargs)
    table = _market_table(result, rob, top_k, weights)
    return MarketOutcome(table, result, rob, dict(group_weights), weights, dropped, notes, top_k)


def factor_reasons(result: ScoreResult, weights: Mapping[str, float], *, factors: int = 3,
                   per_factor: int = 2) -> dict[str, str]:
    """A reason per country built by factor: the largest factor contributions, with their raw values.

    E.g. "current markets: U.S. exports 2022 $356.45bn (highest of 206), share of
    U.S. exports 2022 17.3% (highest of 206); proximity: distance 849 km (lowest
    of 206), land border with the U.S.; ...". A value most countries share
    (e.g. "Special 301: not listed", :func:`~exportplan.analysis.market_measures.
    majority_value`) says nothing about one country and is never a reason. A
    country with no positive contribution is described by its most heavily
    weighted measures. Measures a country has no data on are not listed here
    but once for all in the ranking's notes. Returns code -> reason.
    """
    crits = [c for c in result.criteria if weights.get(c.key, 0) > 0 and c.key not in result.uninformative]
    raw = {c.key: result.matrix[c.key].to_numpy(dtype=float) for c in crits}
    common = {c.key: mm_.majority_value(raw[c.key]) for c in crits}
    contrib = result.table.set_index("code")[[f"contrib_{c.key}" for c in crits]]
    out = {}
    for i, code in enumerate(result.matrix.index):
        row = contrib.loc[code]
        seen = [c for c in crits if not math.isnan(raw[c.key][i])]
        telling = [c for c in seen if common[c.key] is None or raw[c.key][i] != common[c.key]]
        parts = _factor_parts(telling, row, raw, i, factors, per_factor)
        if not parts:
            heavy = sorted(telling or seen, key=lambda c: (-weights[c.key], c.key))[:2]
            parts = ["weakest on every weighted measure: " + ", ".join(_described(raw, c, i) for c in heavy)]
        out[str(code)] = "; ".join(parts)
    return out


def _factor_parts(seen, row, raw, i, factors, per_factor) -> list[str]:
    total: dict[str, float] = {}
    for c in seen:
        total[c.group] = total.get(c.group, 0.0) + float(row[f"contrib_{c.key}"])
    ranked = sorted((g for g in total if total[g] > 0), key=lambda g: (-total[g], g))[:factors]
    parts = []
    for group in ranked:
        top = sorted((c for c in seen if c.group == group and row[f"contrib_{c.key}"] > 0),
                     key=lambda c: (-round(float(row[f"contrib_{c.key}"]), 12), c.key))[:per_factor]
        parts.append(f"{FACTOR_LABELS.get(group, group)}: " + ", ".join(_described(raw, c, i) for c in top))
    return parts


def _described(raw: Mapping[str, np.ndarray], crit: Criterion, i: int) -> str:
    values = raw[crit.key]
    where = position_text(values, i, crit)
    text = crit.describe(values[i])
    return f"{text} ({where})" if where else text


def _market_table(result: ScoreResult, rob: Robustness, top_k: int, weights: Mapping[str, float]) -> pd.DataFrame:
    base = result.table.rename(columns={"code": "iso3", "name": "country"})
    reasons = factor_reasons(result, weights)
    base["reason"] = [reasons[code] for code in result.table["code"]]
    mc = rob.table.rename(columns={"code": "iso3"})
    ptop = f"p_top{top_k}"
    mc = mc[["iso3", ptop, "rank_p05", "rank_p95", "median_rank", "robust"]]
    table = base.merge(mc, on="iso3", how="left")
    for group in MARKET_FACTORS:
        keys = [c.key for c in result.criteria if c.group == group]
        if keys:
            table[f"contrib_{group}"] = table[[f"contrib_{k}" for k in keys]].sum(axis=1, min_count=1)
    head = ["rank", "iso3", "country", "score", "coverage", ptop, "rank_p05", "rank_p95", "median_rank",
            "robust", "reason"]
    factors = [f"contrib_{g}" for g in MARKET_FACTORS if f"contrib_{g}" in table.columns]
    rest = [c for c in table.columns if c not in head and c not in factors]
    return table[head + factors + rest]


# --------------------------------------------------------------------------- explanations

from exportplan.analysis.market_explain import _invert, explain, what_it_takes  # noqa: E402  (re-exported)


__all__ = [
    "COVERAGE_FLOOR",
    "EXPORT_SCOPES",
    "FACTOR_LABELS",
    "HOME",
    "USER_INDICATORS",
    "ExportSeries",
    "MarketData",
    "MarketMatrix",
    "MarketOutcome",
    "Sector",
    "build_market_matrix",
    "canonical_country_values",
    "choose_exports",
    "count",
    "country_points",
    "current_market_exports",
    "explain",
    "export_measures",
    "exports_label",
    "factor_reasons",
    "latest_values",
    "money",
    "rank_matrix",
    "sector_rows",
    "source_text",
    "universe",
    "what_it_takes",
]
