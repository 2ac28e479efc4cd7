"""Service ``ws.regional``: the region's QCEW data and where the region lies.

It loads BLS QCEW files and downloads (an import replaces stored rows by
their full key, so an industry slice or a trimmed file updates its own rows
and leaves the rest alone), answers which years and periods are loaded for
the region and its reference area (the growth window), and finds the
region's kind (for peers) and its centre (for distances to markets).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import polars as pl

from ..analysis.window import AnalysisWindow, period_label
from ..errors import ErrorTable, ExportPlanError, ImportFailed
from ..store import qcew as repo
from .base import ImportReport, provenance_fields
from .context import Service

USLQ = "USLQ"


class RegionalData(Service):
    # ---------------------------------------------------------------- loading QCEW
    def import_qcew(self, paths: Sequence[str | Path], *, urls: dict | None = None) -> ImportReport:
        """Load QCEW CSV files the user has (any official layout); all or nothing.

        Each row replaces the stored row with the same area, ownership,
        industry, size, year and period; stored rows the files do not hold
        are kept (and counted in the report's notes).
        """
        from ..sources import qcew as q
        from ..sources.qcew_duplicates import check_duplicate_rows

        if not paths:
            raise ExportPlanError("Name at least one QCEW CSV file to import.")
        frames, problems = [], ErrorTable()
        for p in paths:
            p = Path(p)
            if not p.is_file():
                problems.add("file not found", "Check the path; give the CSV file BLS published.", file=str(p))
                continue
            try:
                frames.append((p, q.read_qcew(p)))
            except ImportFailed as exc:
                problems.problems.extend(exc.table.problems)
        problems.raise_if_any("The QCEW import")
        check_duplicate_rows(frames)
        store = self.ctx.store
        report = ImportReport("QCEW", files=[str(p) for p, _ in frames])
        with store.transaction() as conn:
            report.replaced, kept = repo.replace_rows(conn, [frame for _, frame in frames])
            for p, frame in frames:
                prov = q.qcew_provenance(p, frame, url=(urls or {}).get(str(p)))
                prov_id = store.add_provenance(conn, kind="qcew", **provenance_fields(prov))
                report.rows += repo.insert_rows(store, conn, frame, prov_id)
                repo.store_titles(conn, frame)
        report.notes += self._area_notes(frames) + _coverage_notes(frames, kept)
        return report

    def _area_notes(self, frames) -> list[str]:
        known = set(self.ctx.counties) | {self.ctx.reference_area}
        notes = []
        for p, frame in frames:
            areas = sorted(set(frame["area_fips"].unique().to_list()))
            years = sorted(set(frame["year"].unique().to_list()))
            other = [a for a in areas if a not in known]
            withheld = frame.filter(pl.col("disclosure_code") == "N").height
            notes.append(f"{p.name}: layout {frame['layout'][0]}, areas {', '.join(areas[:6])}"
                         f"{'...' if len(areas) > 6 else ''}, years {', '.join(map(str, years))}, "
                         f"{withheld:,} withheld cell(s) kept as missing")
            if other and len(areas) <= 10:
                notes.append(f"{p.name}: area(s) {', '.join(other)} are neither the region's counties nor the "
                             "reference area (kept, e.g. as peers)")
        return notes

    def fetch_qcew(self, years: Sequence[int], *, qtr: str = "a", base_url: str | None = None,
                   progress: bool = True, timeout: float = 60.0, retries: int = 3) -> ImportReport:
        """Download BLS open-data area slices for the region's counties and the reference area."""
        from ..sources import qcew as q

        # USLQ is computed from the counties' published LQs: there is no file to download for it.
        ref = self.ctx.reference_area
        areas = self.ctx.counties + ([ref] if ref != USLQ else [])
        kwargs = dict(qtr=qtr, timeout=timeout, retries=retries, progress=progress)
        if base_url:
            kwargs["base_url"] = base_url
        paths = q.download_area_slices(areas, list(years), self.ctx.cache_dir / "qcew", **kwargs)
        urls = {}
        for path, (area, year) in zip(paths, [(a, y) for y in years for a in areas]):  # the downloader's order
            urls[str(path)] = q.qcew_slice_url(year, qtr, area, **({"base_url": base_url} if base_url else {}))
        return self.import_qcew(paths, urls=urls)

    # ---------------------------------------------------------------- the stored rows
    def qcew_frame(self, areas: Sequence[str] | None = None) -> pl.DataFrame:
        """The stored QCEW rows (canonical columns) for the given areas (default: region + reference)."""
        areas = list(areas) if areas is not None else self.ctx.counties + [self.ctx.reference_area]
        return repo.rows(self.ctx.store, areas)

    def years(self) -> list[int]:
        """Every year with stored QCEW rows (any area)."""
        return repo.years(self.ctx.store)

    def loaded(self) -> pl.DataFrame:
        """The region's and reference's rows; a clear error when no QCEW data are loaded yet."""
        from ..analysis import industry as ai

        frame = self.qcew_frame()
        if frame.height == 0:
            raise ExportPlanError("The workspace holds no QCEW data yet. Run 'exportplan -w DIR fetch qcew --years "
                                  "2019-2023' or 'exportplan -w DIR import qcew FILE...'.")
        if self.ctx.reference_area == ai.USLQ:
            if frame.get_column("bls_lq_emplvl").drop_nulls().len() == 0:
                raise ExportPlanError("The reference area USLQ needs BLS's published LQs, but the loaded QCEW rows "
                                      "carry none; import the BLS area files (with lq_ columns) or a U.S. file and "
                                      "set region.reference_area to US000.")
        # A reference area without rows is not an error here: the tables print the counties' own numbers,
        # leave what needs the reference blank and say so at the top (analysis.reference.reference_gap).
        return frame

    def county_cells(self) -> pl.DataFrame:
        """The counties' annual cells as published (withheld cells null): the input of the withheld bounds."""
        from ..analysis import industry as ai

        data = ai.drop_estimates(ai.annual_rows(self.loaded()))
        return data.filter(pl.col("area_fips").is_in(self.ctx.counties))

    def check_years(self, *years: int | None) -> None:
        """A clear error for a year the workspace holds no QCEW data for."""
        loaded = self.years()
        for year in years:
            if year is not None and int(year) not in loaded:
                raise ExportPlanError(f"No QCEW data for {year} in this workspace; loaded years: "
                                      f"{', '.join(map(str, loaded)) or 'none'}. Import or fetch {year}, or pick "
                                      "a loaded year.")

    # ---------------------------------------------------------------- years and the growth window
    def loaded_periods(self) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
        """``({year: periods} of the region, {year: periods} of the reference)``.

        A region year needs rows for every county; its periods are the union
        of the counties' (annual_rows labels). The reference's years are those
        of its area; for USLQ the years whose county rows carry published LQs.
        """
        counties, ref = self.ctx.counties, self.ctx.reference_area
        found = repo.periods(self.ctx.store, counties + ([ref] if ref != USLQ else []))
        qtrs: dict[tuple[str, int], set[str]] = defaultdict(set)
        lq_qtrs: dict[tuple[str, int], set[str]] = defaultdict(set)
        for area, year, qtr, n_lq in found:
            qtrs[(area, year)].add(qtr)
            if n_lq:
                lq_qtrs[(area, year)].add(qtr)
        years = sorted({y for (_, y) in qtrs})
        region = {year: {period_label(qtrs[(a, year)]) for a in counties}
                  for year in years if all((a, year) in qtrs for a in counties)}
        if ref == USLQ:
            reference = {y: {period_label(lq_qtrs[(a, y)]) for a in counties if (a, y) in lq_qtrs}
                         for y in years if any((a, y) in lq_qtrs for a in counties)}
        else:
            reference = {y: {period_label(qtrs[(ref, y)])} for y in years if (ref, y) in qtrs}
        return region, reference

    def analysis_window(self, window: int | None = None, *, end: int | None = None) -> AnalysisWindow:
        """The growth window every table uses by default (methods.md, "The growth window").

        end = the latest year loaded for both the region's counties and the
        reference area (for USLQ: county years with published LQs), start =
        end - ``window`` (default ``analysis.window``), or the nearest later
        loaded year; ``end`` forces the end year (an explicit --year).
        """
        return self.window_and_gaps(window, end)[0]

    def window_and_gaps(self, window: int | None = None, end: int | None = None, *, years: tuple = (),
                        what: str = "LQs") -> tuple[AnalysisWindow, list[str]]:
        """The analysis window and the top notes for the years (default: its end) the reference lacks."""
        from ..analysis.reference import reference_gaps
        from ..analysis.window import analysis_window

        ctx = self.ctx
        region, reference = self.loaded_periods()
        win = analysis_window(region, reference, int(window or ctx.config["analysis"]["window"]), end=end,
                              reference_name=reference_name(ctx.reference_area), workspace=str(ctx.path))
        gaps = reference_gaps(region, reference, years or (win.end,), reference_area=ctx.reference_area,
                              counties=ctx.counties, workspace=str(ctx.path), what=what)
        return win, gaps

    def region_year(self) -> int | None:
        """The latest year with QCEW rows for the region's counties (what its cluster table uses), None if none."""
        return repo.latest_year(self.ctx.store, self.ctx.counties)

    # ---------------------------------------------------------------- the region's kind and centre
    def region_kind(self) -> tuple[str, str, str]:
        """(kind, code, description) of the region for peer comparisons (analysis.peers.region_kind)."""
        from ..analysis import peers as ap

        counties = self.ctx.counties
        states = {c[:2] for c in counties}
        state_counties = None
        if len(counties) > 1 and len(states) == 1:  # maybe a whole state: its counties in the shipped 2010 list
            from ..sources.county_points import state_county_fips

            state_counties = state_county_fips(states.pop())
        return ap.region_kind(counties, self.ctx.region.cbsa, state_counties)

    def region_point(self) -> tuple[tuple[float, float] | None, str]:
        """The region's centre and how it was found.

        region.centre when set; else the mean of the counties' points (from
        markets.county_centres when set, else the 2010 Census Gazetteer points
        shipped with exportplan), weighted by the counties' employment once
        QCEW data are loaded. Counties without a point are left out, and the
        note says so; with none, (None, note saying how to set region.centre).
        """
        config, counties = self.ctx.config, self.ctx.counties
        centre = list(config["region"].get("centre") or [])
        if len(centre) == 2:
            lat, lon = float(centre[0]), float(centre[1])
            return (lat, lon), f"the region's centre ({lat:.2f}, {lon:.2f}; region.centre)"
        from ..analysis.geo import region_centre
        from ..sources.county_points import why_missing

        source = config.get("markets", {}).get("county_centres")
        points = self._county_points(source)
        missing = [f for f in counties if f not in set(points["county_fips"])]
        where = "markets.county_centres" if source else "the 2010 Census Gazetteer file shipped with exportplan"
        if points.empty:
            return None, (f"none of the region's counties has a point in {where} "
                          f"({why_missing(missing)}). Give the region's centre with "
                          "'exportplan config set region.centre LAT,LON', e.g. 41.76,-72.67")
        weights, year = self.county_employment()
        points["employment"] = points["county_fips"].map(weights).astype("float64")
        if points["employment"].isna().any() or points["employment"].sum() <= 0:
            points["employment"] = 1.0
            how = "the unweighted centre of the counties (no county employment loaded)"
        else:
            how = f"the employment-weighted centre of the counties ({year} QCEW employment)"
        lat, lon = region_centre(points)
        note = f"{how} ({lat:.2f}, {lon:.2f})"
        if missing:
            note += (f"; from {len(points)} of {len(counties)} counties: {where} lacks "
                     f"{why_missing(missing)}")
        return (lat, lon), note

    def centre_message(self) -> str:
        """Where the region sits for distances to markets (the county points it uses, or how to set it)."""
        point, note = self.region_point()
        if point is None:
            return f"The region has no centre yet: {note}."
        if self.ctx.config["region"].get("centre"):
            return f"Region centre for distances to markets: {note} ('exportplan config set region.centre \"\"' " \
                   "goes back to the counties' points)."
        later = "; employment-weighted once QCEW is loaded" if "unweighted" in note else ""
        return (f"Region centre for distances to markets: {note}{later} "
                "(or set it: exportplan config set region.centre LAT,LON).")

    def _county_points(self, source) -> pd.DataFrame:
        """county_fips, lat, lon of the region's counties that have a point (in ``source``, else shipped)."""
        counties = self.ctx.counties
        if not source:
            from ..sources.county_points import county_points

            return county_points(counties)[["county_fips", "lat", "lon"]]
        if isinstance(source, Mapping):
            frame = pd.DataFrame([(str(k), float(v[0]), float(v[1])) for k, v in source.items()],
                                 columns=["county_fips", "lat", "lon"])
        else:
            path = Path(source) if Path(source).is_absolute() else self.ctx.path / source
            if not path.is_file():
                raise ExportPlanError(f"markets.county_centres names {path}, which does not exist; give a CSV with "
                                      "the columns county_fips, lat, lon (exportplan config set "
                                      "markets.county_centres FILE), or clear it (exportplan config set "
                                      "markets.county_centres '') to use the shipped county points.")
            from ..sources.county_points import read_county_centres

            frame = read_county_centres(path)
        frame["county_fips"] = frame["county_fips"].str.zfill(5)
        frame = frame[frame["county_fips"].isin(counties)]
        return frame.reset_index(drop=True)

    def county_employment(self) -> tuple[dict[str, float], int | None]:
        """Total covered employment per county in the latest annual QCEW year (all ownerships)."""
        frame = self.qcew_frame(self.ctx.counties)
        rows = frame.filter(repo.TOTAL_ROW & (pl.col("qtr") == "A"))
        if rows.height == 0:
            return {}, None
        year = int(rows.get_column("year").max())
        latest = rows.filter(pl.col("year") == year)
        return dict(zip(latest.get_column("area_fips").to_list(), latest.get_column("emplvl").to_list())), year


def reference_name(reference: str) -> str:
    """How the notes name a reference area."""
    return "the U.S. shares implied by published LQs (USLQ)" if reference == USLQ else f"the reference area {reference}"


def _coverage_notes(frames: list[tuple[Path, pl.DataFrame]], kept: int) -> list[str]:
    """Say which files hold only some industries of their areas, and how many stored rows were kept."""
    notes = []
    for p, frame in frames:
        partial = frame.group_by(repo.UNIT).agg(repo.TOTAL_ROW.any().alias("whole")).filter(~pl.col("whole")).height
        if partial:
            notes.append(f"{p.name}: industry slice (no all-industries total, industry 10 ownership 0, for "
                         f"{partial} area-period(s)): replaces only its own industries; the other stored "
                         "industries of those areas and periods are kept")
    if kept:
        notes.append(f"{kept:,} earlier row(s) of areas and periods the file(s) hold in full are not in them and "
                     "were kept (a row is replaced only by one with the same area, ownership, industry, size "
                     "and period)")
    return notes
