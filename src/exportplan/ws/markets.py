"""Workspace part: country data (imports and downloads) and the target-market ranking.

Loading
-------
- :meth:`MarketsMixin.import_countries` reads a publisher's file (World Bank
  WDI CSV, WGI workbook, TI CPI workbook, CEPII geo or dist, USTR Special
  301 table; detected from the file, or named with ``publisher=``) or the
  user's own wide country table, and stores long rows in ``country_values``
  under stable keys: WDI codes (``NY.GDP.MKTP.CD``), WGI codes (``CC.EST``),
  ``cpi_score``, ``special301_ip_score`` (status in ``value_text``),
  ``cepii_lat``/``cepii_lon`` (the capital; city in ``value_text``),
  ``contiguous_us`` and ``cepii_distcap_km`` (from CEPII's dist table), and
  for the user table the mapping :data:`exportplan.analysis.markets.USER_INDICATORS`.
- :meth:`~MarketsMixin.import_exports`: the user's table, an IMF DOTS CSV
  (stored as scope ``nation``, area ``US``) or a saved Census trade API JSON
  answer (scope ``state`` when it has a STATE column, else ``nation``).
- :meth:`~MarketsMixin.import_partnerships`: the user's table, or the
  sister-city scrape layout for one U.S. city (``city=``, ``state=``).
- :meth:`~MarketsMixin.fetch_countries` (World Bank API: WDI and WGI) and
  :meth:`~MarketsMixin.fetch_exports` (Census API: a state's exports by
  country and NAICS; key from ``EXPORTPLAN_CENSUS_KEY``, never stored).

The files' layouts are detected and read in :mod:`exportplan.sources.country_files`,
:mod:`exportplan.sources.export_files` and :mod:`exportplan.sources.sistercities`;
this part checks, maps and stores what they return.

Every load validates everything first and writes in one transaction (all or
nothing) with its provenance (publisher, dataset, vintage, file or URL,
SHA-256). Country names that cannot be mapped to ISO3 fail the import with
their line numbers (``allow_unmapped=True`` leaves them out and lists them
in the report); aggregates and former countries are left out and listed.
Keyed rows (country values, exports) replace the rows with the same keys.

Ranking
-------
:meth:`~MarketsMixin.rank_markets` builds the eight factors
(:mod:`exportplan.analysis.markets`), scores them with the chosen preset and
weights, drops countries below the coverage floor and checks robustness.
Settings read from ``exportplan.toml`` (all optional)::

    [region]
    centre = [39.96, -82.99]       # else the employment-weighted county centres
    state = "OH"                   # which state's exports to prefer

    [markets]
    preset = "balanced"            # a key of weights.MARKET_PRESETS
    weights = "proximity=0.2"      # overrides of the preset's factor weights
    coverage_floor = 0.5           # drop countries with data on less of the weight
    priority_sectors = ["336", "cluster:Automotive"]   # NAICS codes or clusters
    county_centres = "county_centres.csv"              # county_fips, lat, lon

The region's priority sectors (for the demand factor and the per-sector
views) come from ``markets.priority_sectors`` when set, else from the sector
ranking's priority tier (``rank_sectors``, when the workspace has it and it
runs), else the five traded clusters with the highest LQ.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from sqlalchemy import and_, delete, func, select, tuple_

from ..analysis import markets as am
from ..analysis.defaults import DEFAULT_DRAWS
from ..analysis.weights import MARKET_FACTORS, MIN_TRADE_EVIDENCE, resolve_weights, trade_evidence_share
from ..errors import ErrorTable, ExportPlanError, ImportFailed, Problem
from ..imports.guard import check_file
from ..sources.country_files import COUNTRY_PUBLISHERS, detect_country_layout, long_rows, read_country_file
from ..sources.export_files import detect_exports_layout, read_exports_file
from ..store import schema as t
from ..store.db import now_utc
from ..verbosity import SHORT, is_verbose, long_list
from .base import ImportReport
from .tables import check_sheet, no_values

DEFAULT_WGI = ("CC.EST", "RL.EST", "RQ.EST")
_PROV_KEYS = ("publisher", "dataset", "vintage", "source", "url", "retrieved_at", "sha256", "rows", "layout", "note")
_CHUNK = 300
_ALLOW_HINT = " (or import with --allow-unmapped to leave these rows out)"


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO3 -> short English name for every country (ISO 3166 and Kosovo)."""
    from ..sources.countries import all_countries

    frame = all_countries()
    return dict(zip(frame["iso3"].astype(str), frame["name"].astype(str)))


# ============================================================================ helpers

def _check_unmapped(report, allow_unmapped: bool, what: str) -> None:
    """Fail on unmapped country names unless allowed (then they are listed in the notes)."""
    if not report.unmapped:
        return
    if allow_unmapped:
        report.notes.append(f"left out {len(report.unmapped)} unrecognised name(s): {long_list(report.unmapped)}"
                            if len(report.unmapped) <= SHORT or is_verbose() else
                            f"left out {len(report.unmapped)} unrecognised names (--verbose lists them)")
        return
    table = ErrorTable([Problem(p.problem, p.fix + _ALLOW_HINT, file=p.file, row=p.row, column=p.column,
                                value=p.value) for p in report.problems.problems])
    if not table:
        table.add(f"country names not recognised: {', '.join(report.unmapped)}",
                  "Correct them or add them to the alias table" + _ALLOW_HINT)
    raise ImportFailed(what, table)


def _report_notes(report) -> list[str]:
    notes = []
    if report.aggregates:
        notes.append(f"aggregates left out: {long_list(report.aggregates)}")
    if report.historic:
        notes.append(f"former countries left out: {long_list(report.historic)}")
    return notes + list(report.notes)


def _prov_fields(prov: Mapping, rows: int, sample: bool = False) -> dict:
    """Provenance fields of an import; ``sample`` (the workspace's sample_data flag, never a file name) notes it."""
    out = {k: prov.get(k, "") for k in _PROV_KEYS}
    out["rows"] = rows
    out["vintage"] = str(out["vintage"] or "")
    if sample:
        out["note"] = "SAMPLE DATA"
    return out


def _duplicates(rows: pd.DataFrame, keys: list[str], file: str) -> None:
    """Rows that map to the same keys (e.g. two spellings of one country) fail the import."""
    dup = rows[rows.duplicated(keys, keep=False)]
    if dup.empty:
        return
    table = ErrorTable()
    for key, _ in list(dup.groupby(keys, sort=True))[:20]:
        table.add(f"two rows give {'/'.join(map(str, key))}", "Keep one row per country (and year): two "
                  "names or codes in the file map to the same country", file=file)
    raise ImportFailed(f"Importing {file}", table)


def _records(rows: pd.DataFrame, pid: int) -> list[dict]:
    out = rows.assign(provenance_id=pid).to_dict("records")
    for rec in out:
        for k, v in rec.items():
            if hasattr(v, "item"):
                rec[k] = v.item()
    return out


# ============================================================================ the ranking object

@dataclass
class MarketRanking:
    """A target-market ranking: the table, its robustness, weights, notes and sources.

    ``table``: rank, iso3, country, score, coverage, p_top<k>, rank_p05,
    rank_p95, median_rank, robust, reason, contrib_<factor> per factor, then
    raw_<measure>, norm_<measure>, contrib_<measure> per measure (its
    ``attrs['exportplan']`` is :attr:`meta`). ``weights``: the factor
    weights used; ``criterion_weights``: per measure. ``meta``: title,
    sources, notes, exports_scope and exports_label, preset, method, draws.
    """

    outcome: am.MarketOutcome
    meta: dict
    sector: am.Sector | None = None

    @property
    def table(self) -> pd.DataFrame:
        return self.outcome.table

    @property
    def robustness(self):
        return self.outcome.robustness

    @property
    def weights(self) -> dict[str, float]:
        return self.outcome.group_weights

    @property
    def criterion_weights(self) -> dict[str, float]:
        return self.outcome.weights

    @property
    def criteria(self):
        return self.outcome.result.criteria

    @property
    def notes(self) -> list[str]:
        return list(self.meta.get("notes", []))

    def explain(self, iso3: str) -> str:
        """Why ``iso3`` ranks where it does: contributions with raw values, rank band, what would move it."""
        return "\n".join(am.explain(self.outcome, iso3))

    def summary(self) -> list[str]:
        """The robustness sentences (draws, top countries, what reorders the top k)."""
        return self.outcome.robustness.summary()

    def write(self, path, fmt: str | None = None) -> Path:
        """Write the table (CSV, XLSX with a sources sheet, or JSON with meta)."""
        from ..output.tables import write_table

        return write_table(self.table, path, fmt, meta=self.meta)

    def world_map(self, path) -> list[Path]:
        """A world map of the scores (PNG and SVG)."""
        from ..output.worldmap import world_map

        return world_map(self.table[["iso3", "score"]], title=self.meta["title"], meta=self.meta, path=path,
                         label="Score (0 to 1)")

    def contribution_chart(self, path, *, top: int = 15) -> list[Path]:
        """Stacked bars of each top country's score by factor (PNG and SVG)."""
        from ..output.charts import contribution_chart

        factors = [(g, am.FACTOR_LABELS[g]) for g in MARKET_FACTORS if f"contrib_{g}" in self.table.columns]
        return contribution_chart(self.table, criteria=factors, name_col="country", top=top,
                                  title=self.meta["title"], meta=self.meta, path=path, noun="countries")


# ============================================================================ the mixin

class MarketsMixin:
    # ---------------------------------------------------------------- imports
    def import_countries(self, path, *, publisher: str = "auto", indicator: str | None = None,
                         sheet: str | None = None, allow_unmapped: bool = False) -> ImportReport:
        """Load a country file (publisher layout or the user's table) into ``country_values``; all or nothing."""
        path = Path(path)
        if publisher not in COUNTRY_PUBLISHERS:
            raise ExportPlanError(f"Unknown publisher {publisher!r}; use one of {', '.join(COUNTRY_PUBLISHERS)}.")
        if not path.is_file():
            raise ExportPlanError(f"{path}: file not found. Check the path.")
        check_file(path, "country file", empty=False, workbook=False, binary=False, text=False)  # cut short
        check_sheet(path, sheet)
        layout = detect_country_layout(path) if publisher == "auto" else publisher
        rows, report = read_country_file(path, layout, indicator=indicator, sheet=sheet)
        _check_unmapped(report, allow_unmapped, f"Importing {path.name}")
        _duplicates(rows, ["iso3", "indicator", "year"], path.name)
        if rows.empty:
            raise no_values(path, "country values")
        out = ImportReport(f"country value ({layout})", files=[str(path)], notes=_report_notes(report))
        with self.store.transaction() as conn:
            out.rows, out.replaced = self._store_keyed(conn, t.country_values, rows, ["iso3", "indicator", "year"],
                                                       _prov_fields(report.provenance, len(rows), self.is_sample))
        out.notes.append("indicators: " + ", ".join(sorted(rows["indicator"].unique())))
        return out

    def import_exports(self, path, *, scope: str | None = None, area: str | None = None,
                       reporter: str = "United States", sheet: str | None = None,
                       allow_unmapped: bool = False, layout: str = "auto") -> ImportReport:
        """Load exports by destination (own table, IMF DOTS CSV or saved Census API JSON); all or nothing.

        ``layout``: ``auto`` (detected from the file), ``table``, ``imf`` or ``census``.
        """
        path = Path(path)
        if scope is not None and scope not in am.EXPORT_SCOPES:
            raise ExportPlanError(f"scope {scope!r}: use one of {', '.join(am.EXPORT_SCOPES)}.")
        if layout not in ("auto", "table", "imf", "census"):
            raise ExportPlanError(f"Unknown exports layout {layout!r}; use auto, table, imf or census.")
        detected = detect_exports_layout(path)  # also checks that the file exists
        check_file(path, "exports file", empty=False, workbook=False, binary=False, text=False)  # cut short
        layout = detected if layout == "auto" else layout
        check_sheet(path, sheet)
        rows, report = read_exports_file(path, layout, reporter=reporter, scope=scope, area=area, sheet=sheet)
        _check_unmapped(report, allow_unmapped, f"Importing {path.name}")
        keys = ["scope", "area", "iso3", "naics", "year"]
        _duplicates(rows, keys, path.name)
        if rows.empty:
            raise no_values(path, "export values")
        out = ImportReport(f"exports ({layout})", files=[str(path)], notes=_report_notes(report))
        with self.store.transaction() as conn:
            out.rows, out.replaced = self._store_keyed(conn, t.exports, rows, keys,
                                                       _prov_fields(report.provenance, len(rows), self.is_sample),
                                                       kind="exports")
        scopes = rows.groupby(["scope", "area"])["year"].agg(["min", "max"])
        out.notes += [f"scope {s}, area {a}: {lo}-{hi}" for (s, a), (lo, hi) in scopes.iterrows()]
        return out

    def import_partnerships(self, path, *, city: str | None = None, state: str | None = None,
                            partner_countries: Mapping[str, str] | None = None, sheet: str | None = None,
                            allow_unmapped: bool = False) -> ImportReport:
        """Load partnerships: the user's table (replaces the table), or one U.S. city's sister cities.

        With ``city`` the file is read in the sister-city scrape layout
        (country, city, sister); that city's earlier sister-city rows are
        replaced, other partnerships are kept.
        """
        if city is None:
            return self._import_list_table("partnerships", path, sheet=sheet)
        from ..sources.sistercities import read_sister_cities, state_name

        path = Path(path)
        check_sheet(path, sheet)
        frame, report = read_sister_cities(path, city=city, state=state_name(state),
                                           partner_countries=dict(partner_countries or {}))
        _check_unmapped(report, allow_unmapped, f"Importing the sister cities of {city} from {path.name}")
        kept = frame[frame["iso3"].notna()]
        ours = str(frame["city"].iloc[0]) if len(frame) else city
        records = [{"city": str(r.city), "partner": str(r.partner_city), "iso3": str(r.iso3), "type": "sister_city",
                    "since": None, "strength": 1, "note": "sistercity.info scrape (not the official registry)"}
                   for r in kept.itertuples(index=False)]
        if not records:
            raise no_values(path, f"sister cities of {city} in a country that could be mapped")
        out = ImportReport("partnership (sister cities)", files=[str(path)], notes=_report_notes(report))
        with self.store.transaction() as conn:
            pid = self.store.add_provenance(conn, kind="partnerships",
                                            **_prov_fields(report.provenance, len(records), self.is_sample))
            out.replaced = conn.execute(delete(t.partnerships).where(and_(
                t.partnerships.c.city == ours, t.partnerships.c.type == "sister_city"))).rowcount or 0
            out.rows = self.store.insert(conn, t.partnerships, [dict(r, provenance_id=pid) for r in records])
        out.notes.append(f"{ours}: {len(records)} sister cities in {kept['iso3'].nunique()} countries")
        return out

    def _store_keyed(self, conn, table, rows: pd.DataFrame, keys: list[str], prov: dict,
                     kind: str = "countries") -> tuple[int, int]:
        """Replace rows with the same keys and insert ``rows``, with one provenance record.

        Runs on the caller's connection ``conn``, inside the caller's one
        transaction (a download of several indicators or years is all or nothing).
        """
        replaced = 0
        prov = dict(prov)
        # Rows can only collide within the same indicators (or scopes and areas): skip the
        # key-by-key deletes when there are none yet, as on a first import.
        narrow = ["indicator"] if "indicator" in keys else ["scope", "area"]
        overlap = and_(*[table.c[k].in_(sorted(set(rows[k].astype(str)))) for k in narrow])
        pid = self.store.add_provenance(conn, kind=kind, retrieved_at=prov.pop("retrieved_at", "") or now_utc(),
                                        **prov)
        existing = conn.execute(select(func.count()).select_from(table).where(overlap)).scalar_one()
        tuples = list(rows[keys].itertuples(index=False, name=None)) if existing else []
        columns = tuple_(*[table.c[k] for k in keys])
        for start in range(0, len(tuples), _CHUNK):
            chunk = [tuple(v.item() if hasattr(v, "item") else v for v in tup) for tup in tuples[start:start + _CHUNK]]
            replaced += conn.execute(delete(table).where(columns.in_(chunk))).rowcount or 0
        inserted = self.store.insert(conn, table, _records(rows, pid))
        return inserted, replaced

    # ---------------------------------------------------------------- downloads
    def fetch_countries(self, *, years: tuple[int, int] | None = None, indicators: Sequence[str] | None = None,
                        wgi: Sequence[str] = DEFAULT_WGI, base_url: str | None = None, progress: bool = False,
                        allow_unmapped: bool = False, client=None) -> ImportReport:
        """Download WDI indicators and WGI estimates from the World Bank API and store them; all or nothing."""
        from ..sources import wgi as wgi_source
        from ..sources import worldbank

        if indicators is not None and not [c for c in indicators if str(c).strip()]:
            raise ExportPlanError("Name at least one indicator (e.g. --indicators NY.GDP.MKTP.CD), or leave "
                                  "--indicators out for the market ranking's set.")
        options = {"cache_dir": self.cache_dir / "worldbank", "years": tuple(years) if years else None,
                   "progress": progress, "client": client}
        if base_url:
            options["base_url"] = base_url
        frames, reports = [], {}
        frame, found = worldbank.fetch_indicators(indicators, **options)
        frames.append(frame)
        reports.update(found)
        if wgi:
            frame, found = wgi_source.fetch_wgi(tuple(wgi), **options)
            frames.append(frame)
            reports.update(found)
        for code, report in reports.items():
            _check_unmapped(report, allow_unmapped, f"Downloading {code} from the World Bank")
        parts = []  # everything is checked before anything is written
        for frame in frames:
            for code, part in frame.groupby("indicator"):
                rows = long_rows(part["iso3"], code, part["year"], part["value"])
                _duplicates(rows, ["iso3", "indicator", "year"], f"World Bank {code}")
                parts.append((code, rows, reports[code]))
        if not any(len(rows) for _, rows, _ in parts):
            raise no_values(f"the World Bank's answers for {', '.join(reports) or 'the indicators'}",
                            "values for these years")
        out = ImportReport("country value (World Bank API)")
        with self.store.transaction() as conn:
            for code, rows, report in parts:
                if rows.empty:
                    out.notes.append(f"{code}: no values in these years (nothing stored)")
                    continue
                rows_in, replaced = self._store_keyed(conn, t.country_values, rows, ["iso3", "indicator", "year"],
                                                      _prov_fields(report.provenance, len(rows)))
                out.rows += rows_in
                out.replaced += replaced
                out.files.append(report.provenance.get("url", ""))
                out.notes.append(f"{code}: {rows_in:,} values ({report.provenance.get('vintage', '')})")
        for code, report in reports.items():
            out.notes += [f"{code}: {n}" for n in _report_notes(report)]
        return out

    def fetch_exports(self, state: str | None = None, years: int | Sequence[int] = (), *, naics_level: int = 3,
                      key: str | None = None, base_url: str | None = None, progress: bool = False,
                      allow_unmapped: bool = False, client=None) -> ImportReport:
        """Download a state's exports by destination and NAICS from the Census API and store them.

        The key comes from ``key`` or ``EXPORTPLAN_CENSUS_KEY``; it is sent
        to Census but kept out of the cache, the provenance and messages.
        """
        from ..sources import census_trade as ct

        state = (state or self.config["region"].get("state") or "").strip().upper()
        if not state:
            raise ExportPlanError("Give the state, e.g. --state OH (or save it: exportplan config set region.state OH).")
        if not ct.census_key(key):
            raise ExportPlanError(f"The Census trade API needs a key: get one free at {ct.KEY_SIGNUP} and set the "
                                  f"environment variable {ct.KEY_ENV}.")
        options = {"cache_dir": self.cache_dir / "census", "naics_level": naics_level, "key": key,
                   "progress": progress, "client": client}
        if base_url:
            options["base_url"] = base_url
        frame, reports = ct.fetch_state_exports(state, years, **options)
        for label, report in reports.items():
            _check_unmapped(report, allow_unmapped, f"Downloading {label} exports from Census")
        out = ImportReport("exports (Census API)")
        keys = ["scope", "area", "iso3", "naics", "year"]
        parts = []  # everything is checked before anything is written
        for (year,), part in frame.groupby(["year"]):
            rows = part[keys + ["value_usd"]].astype({"year": int, "value_usd": "float64"})
            rows = rows[rows["value_usd"].notna()]
            _duplicates(rows, keys, f"Census {state} {int(year)}")
            parts.append((int(year), rows, reports[f"{state} {int(year)}"]))
        if not any(len(rows) for _, rows, _ in parts):
            raise no_values(f"the Census answers for {state}", "export values for these years")
        with self.store.transaction() as conn:
            for year, rows, report in parts:
                if not rows.empty:
                    rows_in, replaced = self._store_keyed(conn, t.exports, rows, keys,
                                                          _prov_fields(report.provenance, len(rows)), kind="exports")
                    out.rows += rows_in
                    out.replaced += replaced
                    out.files.append(report.provenance.get("url", ""))
                out.notes += [f"{state} {year}: {n}" for n in _report_notes(report)]
        return out

    # ---------------------------------------------------------------- inputs of the ranking
    def region_point(self) -> tuple[tuple[float, float] | None, str]:
        """The region's centre and how it was found.

        region.centre when set; else the mean of the counties' points (from
        markets.county_centres when set, else the 2010 Census Gazetteer points
        shipped with exportplan), weighted by the counties' employment once
        QCEW data are loaded. Counties without a point are left out, and the
        note says so; with none, (None, note saying how to set region.centre).
        """
        centre = list(self.config["region"].get("centre") or [])
        if len(centre) == 2:
            lat, lon = float(centre[0]), float(centre[1])
            return (lat, lon), f"the region's centre ({lat:.2f}, {lon:.2f}; region.centre)"
        from ..analysis.geo import region_centre
        from ..sources.county_points import why_missing

        source = self.config.get("markets", {}).get("county_centres")
        points = self._county_points(source)
        missing = [f for f in self.counties if f not in set(points["county_fips"])]
        where = "markets.county_centres" if source else "the 2010 Census Gazetteer file shipped with exportplan"
        if points.empty:
            return None, (f"none of the region's counties has a point in {where} "
                          f"({why_missing(missing)}). Give the region's centre with "
                          "'exportplan config set region.centre LAT,LON', e.g. 41.76,-72.67")
        weights, year = self._county_employment()
        points["employment"] = points["county_fips"].map(weights).astype("float64")
        if points["employment"].isna().any() or points["employment"].sum() <= 0:
            points["employment"] = 1.0
            how = "the unweighted centre of the counties (no county employment loaded)"
        else:
            how = f"the employment-weighted centre of the counties ({year} QCEW employment)"
        lat, lon = region_centre(points)
        note = f"{how} ({lat:.2f}, {lon:.2f})"
        if missing:
            note += (f"; from {len(points)} of {len(self.counties)} counties: {where} lacks "
                     f"{why_missing(missing)}")
        return (lat, lon), note

    def _county_points(self, source) -> pd.DataFrame:
        """county_fips, lat, lon of the region's counties that have a point (in ``source``, else shipped)."""
        if not source:
            from ..sources.county_points import county_points

            return county_points(self.counties)[["county_fips", "lat", "lon"]]
        if isinstance(source, Mapping):
            frame = pd.DataFrame([(str(k), float(v[0]), float(v[1])) for k, v in source.items()],
                                 columns=["county_fips", "lat", "lon"])
        else:
            path = Path(source) if Path(source).is_absolute() else self.path / source
            if not path.is_file():
                raise ExportPlanError(f"markets.county_centres names {path}, which does not exist; give a CSV with "
                                      "the columns county_fips, lat, lon (exportplan config set "
                                      "markets.county_centres FILE), or clear it (exportplan config set "
                                      "markets.county_centres '') to use the shipped county points.")
            from ..sources.county_points import read_county_centres

            frame = read_county_centres(path)
        frame["county_fips"] = frame["county_fips"].str.zfill(5)
        frame = frame[frame["county_fips"].isin(self.counties)]
        return frame.reset_index(drop=True)

    def _county_employment(self) -> tuple[dict[str, float], int | None]:
        """Total covered employment per county in the latest annual QCEW year (all ownerships)."""
        import polars as pl

        frame = self.qcew_frame(self.counties)
        rows = frame.filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10") & (pl.col("qtr") == "A"))
        if rows.height == 0:
            return {}, None
        year = int(rows.get_column("year").max())
        latest = rows.filter(pl.col("year") == year)
        return dict(zip(latest.get_column("area_fips").to_list(), latest.get_column("emplvl").to_list())), year

    def market_data(self, *, year: int | None = None, doing_business: bool = False) -> am.MarketData:
        """The stored country data, exports, partnerships, FDI and survey as :class:`MarketData`.

        Export growth is asked to use the analysis window (:meth:`analysis_window`,
        the years every growth measure uses); ``doing_business`` includes the
        discontinued Doing Business rank (an explicit choice).
        """
        from ..sources.fta import us_fta_partners

        def table(tb, columns):
            frame = self.store.table(tb)
            return frame if len(frame) else pd.DataFrame({c: pd.Series(dtype="object") for c in columns})

        exports = table(t.exports, ["scope", "area", "iso3", "naics", "year", "value_usd", "provenance_id"])
        exports = exports.astype({"naics": "object", "scope": "object", "area": "object"})
        exports["naics"] = exports["naics"].fillna("")
        centre, note = self.region_point()
        partners = us_fta_partners()
        return am.MarketData(
            countries=table(t.country_values, ["iso3", "indicator", "year", "value", "value_text", "provenance_id"]),
            exports=exports,
            partnerships=table(t.partnerships, ["iso3", "strength", "provenance_id"]),
            fdi=table(t.fdi, ["iso3", "establishments", "provenance_id"]),
            survey=table(t.survey, ["iso3", "weight", "provenance_id"]),
            provenance=self.provenance(), centre=centre, centre_note=note,
            state=str(self.config["region"].get("state") or "").upper(),
            window=int(self.config["analysis"].get("window") or 5), year=year,
            fta_partners=frozenset(partners["iso3"].astype(str)),
            fta_source="USTR list of U.S. free trade agreements in force (shipped with exportplan)",
            growth_window=self._market_window(year), doing_business=bool(doing_business),
            window_text='the years every growth measure uses; methods.md, "The growth window"')

    def _market_window(self, year: int | None) -> tuple[int | None, int | None] | None:
        """The analysis window (start, end) for export growth; None without QCEW years."""
        if not hasattr(self, "analysis_window"):
            return None
        try:
            window = self.analysis_window(end=year)
        except ExportPlanError:
            return None
        return None if window.end is None else (window.start, window.end)

    # ---------------------------------------------------------------- sectors
    def sector(self, code: str, kind: str | None = None, name: str | None = None) -> am.Sector:
        """A sector by NAICS code (``336``, ``31-33``, ``naics:51``) or cluster (``cluster:6``, a cluster name)."""
        text = str(code).strip()
        if ":" in text and kind is None:
            kind, text = (p.strip() for p in text.split(":", 1))
            kind = kind.lower()
        if kind is None:
            kind = "naics" if re.fullmatch(r"\d{2,6}|\d{2}\s*-\s*\d{2}", text) else "cluster"
        if kind == "naics":
            return self._naics_sector(text, name)
        if kind == "cluster":
            return self._cluster_sector(text, name)
        raise ExportPlanError(f"Sector kind {kind!r}: use naics or cluster (e.g. naics:336, cluster:Automotive).")

    def _naics_sector(self, text: str, name: str | None) -> am.Sector:
        span = re.fullmatch(r"(\d{2})\s*-\s*(\d{2})", text)
        if span:
            codes = tuple(str(n) for n in range(int(span[1]), int(span[2]) + 1))
        elif re.fullmatch(r"\d{2,6}", text):
            codes = (text,)
        else:
            raise ExportPlanError(f"{text!r} is not a NAICS code: give 2 to 6 digits (e.g. 336) or a range (31-33).")
        if name is None:
            titles = self.titles().to_pandas()
            hit = titles.loc[titles["naics"] == text, "title"]
            name = str(hit.iloc[0]) if len(hit) else f"NAICS {text}"
        return am.Sector(text, name, codes, "naics")

    def _cluster_sector(self, text: str, name: str | None) -> am.Sector:
        crosswalk, record = self.crosswalk()
        frame = crosswalk.to_pandas()
        hit = frame[(frame["cluster_code"] == text) | (frame["cluster_name"].str.lower() == text.lower())]
        if hit.empty:
            known = ", ".join(sorted(set(frame["cluster_name"]))[:8])
            raise ExportPlanError(f"No cluster {text!r} in the crosswalk '{record['name']}' (e.g. {known}); give a "
                                  "cluster code or name, or a NAICS code.")
        code = str(hit["cluster_code"].iloc[0])
        return am.Sector(code, name or str(hit["cluster_name"].iloc[0]), tuple(sorted(set(hit["naics"]))), "cluster")

    def priority_sectors(self) -> tuple[list[am.Sector], str]:
        """The region's priority sectors and where they came from (see the module docstring)."""
        configured = self.config.get("markets", {}).get("priority_sectors") or []
        if configured:
            return [self.sector(str(c)) for c in configured], "markets.priority_sectors in exportplan.toml"
        why = "no sector ranking in this workspace"
        if hasattr(self, "rank_sectors"):
            try:
                sectors = self._ranked_priority()
            except ExportPlanError as exc:
                why = f"the sector ranking could not run ({str(exc).splitlines()[0]})"
            else:
                if sectors:
                    return sectors, "the sector ranking's priority tier"
                why = "the sector ranking has no priority tier"
        try:
            clusters = self.clusters(cluster_type="traded")
        except ExportPlanError as exc:
            return [], f"not known: {why}, and no clusters ({str(exc).splitlines()[0]})"
        top = clusters.dropna(subset=["lq"]).sort_values(["lq", "cluster_code"], ascending=[False, True]).head(5)
        sectors = [self._cluster_sector(str(c), None) for c in top["cluster_code"]]
        if not sectors:
            return [], f"not known: {why}, and no traded cluster has an LQ"
        return sectors, f"the 5 traded clusters with the highest LQ ({why}; set markets.priority_sectors to choose)"

    def _ranked_priority(self) -> list[am.Sector]:
        """The sector ranking's priority tier (its top 5 without tiers), as sectors.

        Without a ``kind`` column a code is taken as a cluster (the sector
        ranking ranks clusters, methods.md §4), else as a NAICS code.
        """
        table = self.rank_sectors().table
        rows = table[table["tier"] == "priority"] if "tier" in table.columns else table.head(5)
        out = []
        for r in rows.itertuples(index=False):
            name = str(getattr(r, "name", "") or "") or None
            kind = getattr(r, "kind", None)
            if kind:
                out.append(self.sector(str(r.code), kind=str(kind), name=name))
                continue
            try:
                out.append(self.sector(str(r.code), kind="cluster", name=name))
            except ExportPlanError:
                out.append(self.sector(str(r.code), kind="naics", name=name))
        return out

    # ---------------------------------------------------------------- the ranking
    def rank_markets(self, *, sector: str | am.Sector | None = None, preset: str | None = None,
                     weights: str | Mapping[str, float] | None = None, method: str = "weighted",
                     draws: int = DEFAULT_DRAWS, seed: int = 0, top_k: int = 5, year: int | None = None,
                     doing_business: bool = False) -> MarketRanking:
        """Rank country markets on the guide's eight factors (see the module docstring).

        ``sector`` (NAICS code, ``cluster:CODE`` or a cluster name) gives the
        per-sector view (which exports feed which factor: see
        :func:`exportplan.analysis.markets.current_market_exports`); ``preset`` a key of
        :data:`~exportplan.analysis.weights.MARKET_PRESETS` (default
        ``markets.preset`` or ``balanced``); ``weights`` overrides factor
        weights (``"proximity=0.3"`` or a mapping); ``method`` ``weighted`` or
        ``topsis``; ``draws``/``seed``/``top_k`` the robustness check;
        ``year`` caps the data year; ``doing_business`` includes the
        discontinued Doing Business rank (never by default).
        """
        settings = self.config.get("markets", {})
        preset = preset or settings.get("preset") or "balanced"
        overrides = weights if weights is not None else (settings.get("weights") or None)
        group_weights = resolve_weights("market", preset, overrides)
        data = self.market_data(year=year, doing_business=doing_business)
        chosen = self.sector(sector) if isinstance(sector, str) else sector
        priority, where = ([], "")
        if chosen is None:  # the demand factor needs them: goods and services sectors are measured apart
            priority, where = self.priority_sectors()
        mm = am.build_market_matrix(data, country_names(), sector=chosen, priority=priority)
        floor = float(settings.get("coverage_floor", am.COVERAGE_FLOOR))
        outcome = am.rank_matrix(mm, group_weights, method=method, draws=draws, seed=seed, top_k=top_k, floor=floor)
        outcome.notes.extend(_trade_evidence_note(group_weights, mm))
        if where and priority:
            names = ", ".join(f"{s.code} {s.name}" for s in priority)
            outcome.notes.append(f"Priority sectors ({where}): {names}.")
        elif where:
            outcome.notes.append(f"Priority sectors: {where}; the demand factor cannot tell goods from services "
                                 "sectors. Set them with 'exportplan config set markets.priority_sectors "
                                 "cluster:Automotive,524' (NAICS codes or clusters).")
        meta = self._market_meta(mm, outcome, chosen, preset, method, draws, seed, floor)
        outcome.table.attrs["exportplan"] = meta
        return MarketRanking(outcome, meta, chosen)

    def _market_meta(self, mm: am.MarketMatrix, outcome: am.MarketOutcome, sector, preset, method, draws, seed,
                     floor) -> dict:
        view = f", sector {sector.code} {sector.name}" if sector else ""
        meta = self._meta(f"{self.name}: target country markets ({preset} weights{view})", (), outcome.notes)
        prov = self.provenance()
        used = prov[prov["id"].isin(mm.provenance_ids)] if len(prov) else prov
        meta["sources"] = [{"publisher": r.publisher, "dataset": r.dataset, "vintage": r.vintage,
                            "file/url": r.url or (Path(r.source).name if r.source else ""),
                            "retrieved_at": r.retrieved_at} for r in used.sort_values("id").itertuples()]
        meta.update(exports_scope=mm.exports_scope, exports_label=mm.exports_label, preset=preset,
                    method=method, draws=draws, seed=seed, coverage_floor=floor,
                    factor_weights=outcome.group_weights, left_out=len(outcome.dropped),
                    sector=(sector.code if sector else ""), sector_data=list(mm.sector_data),
                    criteria=[{"key": c.key, "label": c.label, "factor": c.group, "direction": c.direction,
                               "unit": c.unit, "transform": c.transform, "weight": round(outcome.weights[c.key], 6),
                               "source": c.source} for c in outcome.result.criteria])
        return meta

    def markets_by_sector(self, *, top: int = 5, preset: str | None = None,
                          weights: str | Mapping[str, float] | None = None, method: str = "weighted",
                          draws: int = 2_000, seed: int = 0, year: int | None = None,
                          doing_business: bool = False) -> pd.DataFrame:
        """For each priority sector, its ``top`` markets (:meth:`rank_markets` with ``sector=``).

        Each view's current markets and growth use the region's (else the
        state's) exports of the sector, else the region's (else the state's,
        else the U.S.) all-goods exports; the nation's exports of the sector
        feed only demand (:func:`exportplan.analysis.markets.current_market_exports`).
        Columns: sector, sector_name, rank, iso3, country, score, coverage,
        p_top5, robust, reason, exports_data (the view's exports label: which
        series current markets and growth use and why, then the demand series).
        The notes say which views are identical, and whether that is for want
        of data by sector.
        """
        sectors, where = self.priority_sectors()
        if not sectors:
            raise ExportPlanError(f"The region's priority sectors are {where}. Set them with 'exportplan config set "
                                  "markets.priority_sectors 336,334' (NAICS codes or cluster:CODE).")
        parts, views = [], []
        for sec in sectors:
            ranking = self.rank_markets(sector=sec, preset=preset, weights=weights, method=method, draws=draws,
                                        seed=seed, year=year, doing_business=doing_business)
            head = ranking.table.head(top)[["rank", "iso3", "country", "score", "coverage", "p_top5", "robust",
                                            "reason"]]
            parts.append(head.assign(sector=sec.code, sector_name=sec.name,
                                     exports_data=ranking.meta["exports_label"]))
            views.append((sec, ranking))
        out = pd.concat(parts, ignore_index=True)
        out = out[["sector", "sector_name"] + [c for c in out.columns if c not in ("sector", "sector_name")]]
        out.attrs["exportplan"] = self._meta(f"{self.name}: top {top} markets per priority sector", (),
                                             [f"Priority sectors: {where}."] + identical_views_notes(views))
        return out


def _trade_evidence_note(group_weights: Mapping[str, float], mm: am.MarketMatrix) -> list[str]:
    """A note when the factors with data put less than half of the weight on trade evidence."""
    used = {c.group for c in mm.criteria}
    live = {g: w for g, w in group_weights.items() if g in used}
    share = trade_evidence_share(live) if live else 0.0
    if not live or share >= MIN_TRADE_EVIDENCE - 1e-9:
        return []
    return [f"Trade evidence (current markets, export growth, demand) carries {share:.0%} of the weight of the "
            f"factors with data, less than the {MIN_TRADE_EVIDENCE:.0%} the presets give it (methods.md §5)."]


def identical_views_notes(views: Sequence[tuple[am.Sector, MarketRanking]]) -> list[str]:
    """Which per-sector views rank every country alike, and whether for want of data by sector."""
    groups: dict[tuple, list[tuple[am.Sector, MarketRanking]]] = {}
    for sec, ranking in views:
        table = ranking.table
        key = tuple(zip(table["iso3"], table["score"].round(9)))
        groups.setdefault(key, []).append((sec, ranking))
    notes = []
    for same in groups.values():
        if len(same) < 2:
            continue
        names = [sec.name for sec, _ in same]
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        every = f"All the per-sector views ({listed})" if len(same) == len(views) else f"The views of {listed}"
        if not any(r.meta.get("sector_data") for _, r in same):
            notes.append(f"{every} are identical for want of sector data: no regional, state or national exports of "
                         "these sectors' NAICS codes are loaded, so each view uses the same all-goods exports and "
                         "the same demand measure. Load exports by NAICS ('exportplan fetch exports --state XX', or "
                         "a saved Census answer) for views that differ.")
        else:
            notes.append(f"{every} rank every country alike.")
    return notes


__all__ = ["COUNTRY_PUBLISHERS", "MarketRanking", "MarketsMixin", "country_names", "detect_country_layout",
           "detect_exports_layout"]
