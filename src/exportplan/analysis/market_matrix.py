"""Target country markets: the guide's eight factors as measures for the scoring engine.

Pure functions (frames in, frames out; no I/O, no printing). The workspace
(:mod:`exportplan.ws.markets`) reads the stored tables into a
:class:`~exportplan.analysis.market_data.MarketData` and calls
:func:`build_market_matrix`, then
:func:`~exportplan.analysis.market_rank.rank_matrix`. All are re-exported by
:mod:`exportplan.analysis.markets`.

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
  :data:`~exportplan.analysis.market_rank.COVERAGE_FLOOR` of the weight are dropped and the rest re-scored
  (normalization runs over the countries in play); the notes say how many.
- **Per-sector view** (``sector=``): current markets and growth use the
  region's exports of the sector (matched by NAICS prefix at one level),
  else the state's; else the region's all-goods exports, else the state's,
  else the U.S. all-goods total, labelled e.g. "the region's exports of all
  goods, used because no regional exports of NAICS 332 are loaded". The
  nation's exports of the sector feed only demand; demand uses them, else a
  state's exports of the sector not already used by current markets, else
  the proxy (:func:`~exportplan.analysis.market_exports.current_market_exports`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from exportplan.analysis import market_measures as mm_
from exportplan.analysis.geo import US_NEIGHBOURS, great_circle_km
from exportplan.analysis.market_data import (
    CEPII_LAT, CEPII_LON, CONTIGUOUS, COUNTRY_LAT, COUNTRY_LON, CPI, EASE, FTA, GDP, GDP_GROWTH, HOME, IP_SCORE,
    MERCH_IMPORTS, SERVICES_IMPORTS, SPECIAL301_DATASET, WGI_CC, WGI_RL, WGI_RQ, MarketData, Sector,
    canonical_country_values, count, ip_status, latest_values, money, sector_tag,
)
from exportplan.analysis.market_exports import (
    ExportMeasures, ExportSeries, choose_exports, current_market_exports, export_measures, exports_label,
    provenance_rows, source_text,
)
from exportplan.analysis.scoring import Criterion
from exportplan.errors import ExportPlanError


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
    complete = any(r.dataset == SPECIAL301_DATASET for r in provenance_rows(b.provenance, ids))
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


__all__ = ["MarketMatrix", "build_market_matrix", "country_points", "universe"]
