"""Service ``ws.markets``: country data (imports and downloads) and the target-market ranking.

Loading
-------
- :meth:`Markets.import_countries` reads a publisher's file (World Bank
  WDI CSV, WGI workbook, TI CPI workbook, CEPII geo or dist, USTR Special
  301 table; detected from the file, or named with ``publisher=``) or the
  user's own wide country table, and stores long rows in ``country_values``
  under stable keys: WDI codes (``NY.GDP.MKTP.CD``), WGI codes (``CC.EST``),
  ``cpi_score``, ``special301_ip_score`` (status in ``value_text``),
  ``cepii_lat``/``cepii_lon`` (the capital; city in ``value_text``),
  ``contiguous_us`` and ``cepii_distcap_km`` (from CEPII's dist table), and
  for the user table the mapping :data:`exportplan.analysis.markets.USER_INDICATORS`.
- :meth:`~Markets.import_exports`: the user's table, an IMF DOTS CSV
  (stored as scope ``nation``, area ``US``) or a saved Census trade API JSON
  answer (scope ``state`` when it has a STATE column, else ``nation``).
- :meth:`~Markets.import_partnerships`: the user's table, or the
  sister-city scrape layout for one U.S. city (``city=``, ``state=``).
- :meth:`~Markets.fetch_countries` (World Bank API: WDI and WGI) and
  :meth:`~Markets.fetch_exports` (Census API: a state's exports by
  country and NAICS; key from ``EXPORTPLAN_CENSUS_KEY``, never stored).

The files' layouts are detected and read in :mod:`exportplan.sources.country_files`,
:mod:`exportplan.sources.export_files` and :mod:`exportplan.sources.sistercities`;
this service checks, maps and stores what they return.

Every load validates everything first and writes in one transaction (all or
nothing) with its provenance (publisher, dataset, vintage, file or URL,
SHA-256). Country names that cannot be mapped to ISO3 fail the import with
their line numbers (``allow_unmapped=True`` leaves them out and lists them
in the report); aggregates and former countries are left out and listed.
Keyed rows (country values, exports) replace the rows with the same keys.

Ranking
-------
:meth:`~Markets.rank_markets` builds the eight factors
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

import copy
import dataclasses
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..analysis import markets as am
from ..analysis import pipeline_feeds as pf
from ..analysis.defaults import DEFAULT_DRAWS
from ..analysis.weights import resolve_weights
from ..errors import ErrorTable, ExportPlanError, ImportFailed, Problem
from ..imports.guard import check_file
from ..sources.country_files import COUNTRY_PUBLISHERS, detect_country_layout, long_rows, read_country_file
from ..sources.export_files import detect_exports_layout, read_exports_file
from ..store import markets as repo
from ..verbosity import SHORT, is_verbose, long_list
from .base import ImportReport, provenance_fields
from . import ranking_cache
from .context import Service
from .market_ranking import MarketRanking, country_names, identical_views_notes, trade_evidence_note
from .tables import check_sheet, no_values

DEFAULT_WGI = ("CC.EST", "RL.EST", "RQ.EST")
_ALLOW_HINT = " (or import with --allow-unmapped to leave these rows out)"


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


# ============================================================================ the service

class Markets(Service):
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
        out = self._store_file_rows(path, "countries", rows, report, allow_unmapped, f"country value ({layout})",
                                    "country values")
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
        out = self._store_file_rows(path, "exports", rows, report, allow_unmapped, f"exports ({layout})",
                                    "export values")
        scopes = rows.groupby(["scope", "area"])["year"].agg(["min", "max"])
        out.notes += [f"scope {s}, area {a}: {lo}-{hi}" for (s, a), (lo, hi) in scopes.iterrows()]
        return out

    def _store_file_rows(self, path: Path, kind: str, rows: pd.DataFrame, report, allow_unmapped: bool, label: str,
                         what: str) -> ImportReport:
        """Check a file's keyed rows (names mapped, no repeated keys, not empty) and store them; all or nothing."""
        _check_unmapped(report, allow_unmapped, f"Importing {path.name}")
        _duplicates(rows, repo.KEYED[kind][1], path.name)
        if rows.empty:
            raise no_values(path, what)
        out = ImportReport(label, files=[str(path)], notes=_report_notes(report))
        store = self.ctx.store
        with store.transaction() as conn:
            out.rows, out.replaced = repo.store_keyed(
                store, conn, kind, rows, provenance_fields(report.provenance, len(rows), self.ctx.is_sample))
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
            return self.ws.tables.import_list_table("partnerships", path, sheet=sheet)
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
        store = self.ctx.store
        with store.transaction() as conn:
            pid = store.add_provenance(conn, kind="partnerships",
                                       **provenance_fields(report.provenance, len(records), self.ctx.is_sample))
            out.rows, out.replaced = repo.replace_sister_cities(store, conn, ours, records, pid)
        out.notes.append(f"{ours}: {len(records)} sister cities in {kept['iso3'].nunique()} countries")
        return out

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
        options = {"cache_dir": self.ctx.cache_dir / "worldbank", "years": tuple(years) if years else None,
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
        store = self.ctx.store
        with store.transaction() as conn:
            for code, rows, report in parts:
                if rows.empty:
                    out.notes.append(f"{code}: no values in these years (nothing stored)")
                    continue
                rows_in, replaced = repo.store_keyed(store, conn, "countries", rows,
                                                     provenance_fields(report.provenance, len(rows)))
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

        state = (state or self.ctx.config["region"].get("state") or "").strip().upper()
        if not state:
            raise ExportPlanError("Give the state, e.g. --state OH (or save it: exportplan config set region.state OH).")
        if not ct.census_key(key):
            raise ExportPlanError(f"The Census trade API needs a key: get one free at {ct.KEY_SIGNUP} and set the "
                                  f"environment variable {ct.KEY_ENV}.")
        options = {"cache_dir": self.ctx.cache_dir / "census", "naics_level": naics_level, "key": key,
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
        store = self.ctx.store
        with store.transaction() as conn:
            for year, rows, report in parts:
                if not rows.empty:
                    rows_in, replaced = repo.store_keyed(store, conn, "exports", rows,
                                                         provenance_fields(report.provenance, len(rows)))
                    out.rows += rows_in
                    out.replaced += replaced
                    out.files.append(report.provenance.get("url", ""))
                out.notes += [f"{state} {year}: {n}" for n in _report_notes(report)]
        return out

    # ---------------------------------------------------------------- inputs of the ranking
    def market_data(self, *, year: int | None = None, doing_business: bool = False) -> am.MarketData:
        """The stored country data, exports, partnerships, FDI and survey as :class:`MarketData`.

        The pipeline's companies join the survey (their target markets) and
        the FDI table (their foreign parents' countries), each counted once
        (:mod:`exportplan.analysis.pipeline_feeds`).

        Export growth is asked to use the analysis window (``ws.regional.analysis_window``,
        the years every growth measure uses); ``doing_business`` includes the
        discontinued Doing Business rank (an explicit choice).
        """
        from ..sources.fta import us_fta_partners

        store, config = self.ctx.store, self.ctx.config
        exports = repo.ranking_table(store, "exports")
        exports = exports.astype({"naics": "object", "scope": "object", "area": "object"})
        exports["naics"] = exports["naics"].fillna("")
        centre, note = self.ws.regional.region_point()
        partners = us_fta_partners()
        companies = self.ws.pipeline.companies()  # target markets and foreign parents feed two factors
        return am.MarketData(
            countries=repo.ranking_table(store, "countries"),
            exports=exports,
            partnerships=repo.ranking_table(store, "partnerships"),
            fdi=pf.fdi_by_country(repo.ranking_table(store, "fdi"), companies),
            survey=pf.client_interest(repo.ranking_table(store, "survey"), companies),
            provenance=self.ws.citations.provenance(), centre=centre, centre_note=note,
            state=str(config["region"].get("state") or "").upper(),
            window=int(config["analysis"].get("window") or 5), year=year,
            fta_partners=frozenset(partners["iso3"].astype(str)),
            fta_source="USTR list of U.S. free trade agreements in force (shipped with exportplan)",
            growth_window=self._market_window(year), doing_business=bool(doing_business),
            window_text='the years every growth measure uses; methods.md, "The growth window"')

    def _market_window(self, year: int | None) -> tuple[int | None, int | None] | None:
        """The analysis window (start, end) for export growth; None without QCEW years."""
        try:
            window = self.ws.regional.analysis_window(end=year)
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
            titles = self.ws.definitions.titles().to_pandas()
            hit = titles.loc[titles["naics"] == text, "title"]
            name = str(hit.iloc[0]) if len(hit) else f"NAICS {text}"
        return am.Sector(text, name, codes, "naics")

    def _cluster_sector(self, text: str, name: str | None) -> am.Sector:
        crosswalk, record = self.ws.definitions.crosswalk()
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
        configured = self.ctx.config.get("markets", {}).get("priority_sectors") or []
        if configured:
            return [self.sector(str(c)) for c in configured], "markets.priority_sectors in exportplan.toml"
        try:
            sectors = self._ranked_priority()
        except ExportPlanError as exc:
            why = f"the sector ranking could not run ({str(exc).splitlines()[0]})"
        else:
            if sectors:
                return sectors, "the sector ranking's priority tier"
            why = "the sector ranking has no priority tier"
        try:
            clusters = self.ws.industry.clusters(cluster_type="traded")
        except ExportPlanError as exc:
            return [], f"not known: {why}, and no clusters ({str(exc).splitlines()[0]})"
        # an LQ left as bounds only (withheld cells) counts at its lower bound: never above what is known
        low = clusters["lq_low"] if "lq_low" in clusters else pd.Series(float("nan"), index=clusters.index)
        ranked = clusters.assign(_lq=clusters["lq"].fillna(low)).dropna(subset=["_lq"])
        top = ranked.sort_values(["_lq", "cluster_code"], ascending=[False, True]).head(5)
        sectors = [self._cluster_sector(str(c), None) for c in top["cluster_code"]]
        if not sectors:
            return [], f"not known: {why}, and no traded cluster has an LQ"
        bounds = " (the lower bound where withheld cells leave only bounds)" if top["lq"].isna().any() else ""
        return sectors, (f"the 5 traded clusters with the highest LQ{bounds} ({why}; set markets.priority_sectors "
                         "to choose)")

    def _ranked_priority(self) -> list[am.Sector]:
        """The sector ranking's priority tier (its top 5 without tiers), as sectors.

        Without a ``kind`` column a code is taken as a cluster (the sector
        ranking ranks clusters, methods.md §4), else as a NAICS code.
        """
        table = self.ws.sectors.rank_sectors().table
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
        settings = self.ctx.config.get("markets", {})
        preset = preset or settings.get("preset") or "balanced"
        overrides = weights if weights is not None else (settings.get("weights") or None)
        group_weights = resolve_weights("market", preset, overrides)
        # The same ranking asked again (a page reloaded, another user, the plan) is kept too, under the same
        # data-and-settings stamp as the inputs; each caller gets its own copy of the table (copy-on-write: it
        # costs nothing until changed, and made from the columns alone, so pandas does not copy the kept
        # meta only to have it replaced), of the meta and of the lists.
        key = ("markets-ranking", sector, preset, tuple(sorted(group_weights.items())), method, int(draws), seed,
               int(top_k), year, bool(doing_business))
        kept = ranking_cache.cached(self.ctx, key, lambda: self._rank(sector, preset, group_weights, method, draws,
                                                                       seed, top_k, year, doing_business))
        outcome = dataclasses.replace(kept.outcome, table=pd.DataFrame(kept.outcome.table, copy=False),
                                      notes=list(kept.outcome.notes), dropped=list(kept.outcome.dropped))
        meta = copy.deepcopy(kept.meta)
        outcome.table.attrs["exportplan"] = meta
        return MarketRanking(outcome, meta, kept.sector)

    def _rank(self, sector, preset: str, group_weights: dict, method: str, draws: int, seed: int, top_k: int,
              year: int | None, doing_business: bool) -> MarketRanking:
        """The ranking itself (see :meth:`rank_markets`) on the kept inputs."""
        settings = self.ctx.config.get("markets", {})
        data, chosen, priority, where, mm, memo, refs = self._ranking_inputs(sector, year, bool(doing_business))
        floor = float(settings.get("coverage_floor", am.COVERAGE_FLOOR))
        outcome = am.rank_matrix(mm, group_weights, method=method, draws=draws, seed=seed, top_k=top_k, floor=floor,
                                 memo=memo)
        outcome.notes.extend(trade_evidence_note(group_weights, mm))
        outcome.notes.extend(pf.feed_notes(data.survey, data.fdi))  # what the pipeline's companies added
        if where and priority:
            names = ", ".join(f"{s.code} {s.name}" for s in priority)
            outcome.notes.append(f"Priority sectors ({where}): {names}.")
        elif where:
            outcome.notes.append(f"Priority sectors: {where}; the demand factor cannot tell goods from services "
                                 "sectors. Set them with 'exportplan config set markets.priority_sectors "
                                 "cluster:Automotive,524' (NAICS codes or clusters).")
        meta = self._market_meta(mm, outcome, chosen, preset, method, draws, seed, floor, refs)
        outcome.table.attrs["exportplan"] = meta
        return MarketRanking(outcome, meta, chosen)

    def _ranking_inputs(self, sector, year: int | None, doing_business: bool) -> tuple:
        """The data, the sector, the priority sectors (and where from), the matrix, its
        :class:`~exportplan.analysis.market_rank.RankMemo` and the citations of its sources; none depend
        on weights.

        Kept in the per-process cache (:mod:`exportplan.ws.ranking_cache`) while the stored data and the
        settings are unchanged, so a re-rank with other weights only scores and checks robustness (the
        memo keeps the normalized matrix and the reasons' texts between re-ranks).
        """
        def build() -> tuple:
            data = self.market_data(year=year, doing_business=doing_business)
            chosen = self.sector(sector) if isinstance(sector, str) else sector
            priority, where = ([], "")
            if chosen is None:  # the demand factor needs them: goods and services sectors are measured apart
                priority, where = self.priority_sectors()
            mm = am.build_market_matrix(data, country_names(), sector=chosen, priority=priority)
            refs = self.ws.citations.refs(ids=mm.provenance_ids) if mm.provenance_ids else []
            return data, chosen, priority, where, mm, am.RankMemo(mm), refs

        return ranking_cache.cached(self.ctx, ("markets", sector, year, doing_business), build)

    def _market_meta(self, mm: am.MarketMatrix, outcome: am.MarketOutcome, sector, preset, method, draws, seed,
                     floor, refs) -> dict:
        """The ranking's meta; ``refs``: the citations of the matrix's sources (``ws.citations.refs``)."""
        view = f", sector {sector.code} {sector.name}" if sector else ""
        meta = self.ws.citations.meta(f"{self.ctx.name}: target country markets ({preset} weights{view})", (),
                                      outcome.notes, extra=refs)
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
        used = [ref for _, ranking in views for ref in ranking.meta["sources"]]  # every view's sources
        out.attrs["exportplan"] = self.ws.citations.meta(f"{self.ctx.name}: top {top} markets per priority sector", (),
                                                         [f"Priority sectors: {where}."] + identical_views_notes(views),
                                                         extra=used)
        return out


__all__ = ["COUNTRY_PUBLISHERS", "MarketRanking", "Markets", "country_names", "detect_country_layout",
           "detect_exports_layout"]
