"""The region's goods exports by industry, estimated from national exports and the region's employment.

Pure functions, frames in and out, no I/O.

Method
    For each industry (NAICS code) the region's goods exports are estimated
    as national goods exports x the region's share of national employment in
    that industry, which is the national export intensity (exports per worker,
    :func:`exportplan.analysis.prospects.export_intensity`) x the region's
    employment::

        estimate = (national exports / national employment) x region employment

    It is **an estimate**: it assumes the region's export intensity equals the
    nation's in each industry. Census data cover goods only, so wholesale,
    retail, utilities, construction, transportation and every service
    industry are listed as "not measured by goods data", never counted as 0.

Levels
    The intensity table holds rows at the NAICS levels both Census and QCEW
    publish (3- and 4-digit for USA Trade Online, 3-digit for the Census API
    goods list). The estimate is made at one level (``level``; by default the
    coarsest level of the table's measured rows, 3 digits), so that industries
    do not overlap and the total adds up; the region's industries of that level
    are matched to the finest intensity code of their NAICS (a 4-digit
    industry without its own figure takes its 3-digit parent's intensity;
    column ``intensity_naics`` says which code was used).

Bounds
    Where QCEW withholds cells, the region's employment is known only within
    exact bounds (``employment_low``/``employment_high``, methods.md "Withheld
    cells"); the estimate carries them: ``exports_estimate_usd_low`` =
    intensity x employment_low, ``_high`` = intensity x employment_high (open,
    missing, when the employment has no upper bound). The point estimate uses
    the point employment (an estimate of the withheld cells when those are
    estimated; missing otherwise).

Years
    National exports, national employment and the region's employment may be
    of three different years: each is kept and the gap is said in the notes
    and in :attr:`EstimateTotals.years_label`.

Missing inputs
    With no intensity table, no region employment, or nothing that matches,
    :func:`estimate_exports` returns a result whose ``status`` is
    ``"missing"`` and whose ``missing`` list says what is missing and how to
    get it; it never returns an empty table silently.

Published figures
    :func:`brookings_figures` picks the region's Brookings Export Monitor
    figure (goods and services, by production location): the metro's row
    when the region is that metro, else the sum of the region's own counties
    (naming those the file lacks); :func:`comparison_table` sets it beside the
    estimate, each row labelled with its years and coverage.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from exportplan.analysis.prospects import MIN_LEVEL, NOT_MEASURED, match_industry, service_reason

ESTIMATE_NOTE = "an estimate: assumes the region's export intensity equals the nation's in each industry"
COLUMNS = ["naics", "title", "level", "status", "intensity_naics", "intensity", "national_exports_usd",
           "national_employment", "employment", "employment_low", "employment_high", "share_of_national_employment",
           "exports_estimate_usd", "exports_estimate_usd_low", "exports_estimate_usd_high", "exports_year",
           "national_employment_year", "employment_year", "note"]
ESTIMATED, UNMEASURED, NO_FIGURE = "estimate", "not measured", "no national figure"
MISSING_INTENSITY = (
    "national goods exports by NAICS and national employment (the export intensity table)",
    "run `exportplan -w DIR prospects intensity --exports FILE --qcew FILE` with a USA Trade Online CSV of exports "
    "by state and NAICS and the national QCEW file (area US000), or `exportplan -w DIR prospects intensity "
    "--fetch YEAR` for the Census API's national exports of that year")
MISSING_EMPLOYMENT = (
    "the region's employment by industry (QCEW)",
    "run `exportplan -w DIR import qcew FILES` with the region's county files, or `exportplan -w DIR fetch qcew "
    "--years YEAR`")
_LEVEL_NAMES = {3: "subsectors", 4: "industry groups", 5: "NAICS industries", 6: "national industries"}


@dataclass(frozen=True)
class Missing:
    """One input the estimate lacks: what, and how to get it."""

    what: str
    how: str

    def __str__(self) -> str:
        return f"Missing: {self.what}. To get it, {self.how}."


@dataclass
class EstimateTotals:
    """The region's estimated goods exports in total, with bounds and the years they rest on."""

    exports_usd: float | None  # None when some measured industry has no point estimate
    exports_low_usd: float
    exports_high_usd: float | None  # None: no upper bound (a withheld cell with nothing published above it)
    industries: int
    not_measured: int
    no_figure: int
    employment_measured: float
    employment_not_measured: float
    exports_years: tuple[int, ...]
    national_employment_years: tuple[int, ...]
    employment_year: int | None
    level: int
    years_label: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ExportEstimate:
    """The estimate by industry (:data:`COLUMNS`), its totals, notes and what is missing."""

    frame: pd.DataFrame
    totals: EstimateTotals | None
    notes: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``estimate`` when there is a total, ``missing`` when an input is missing and there is none."""
        return "estimate" if self.totals is not None else "missing"


def empty_frame() -> pd.DataFrame:
    """The estimate's columns with no rows (only ever returned with ``missing`` saying why)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def missing_result(missing: list[Missing], notes: list[str] | None = None) -> ExportEstimate:
    """A result that says what is missing and how to get it, and has no estimate."""
    return ExportEstimate(empty_frame(), None, [str(m) for m in missing] + list(notes or []), list(missing))


def default_level(intensity: pd.DataFrame) -> int | None:
    """The coarsest NAICS level (3 or more digits) of the intensity table's measured rows, or None."""
    rows = _measured(intensity)
    levels = sorted({len(str(c)) for c in rows["naics"] if len(str(c)) >= MIN_LEVEL})
    return levels[0] if levels else None


def estimate_exports(intensity: pd.DataFrame | None, industries: pd.DataFrame | None, *,
                     level: int | None = None, region_year: int | None = None) -> ExportEstimate:
    """The region's goods exports by industry (see the module notes for every rule).

    ``intensity``: the export intensity table (naics, exports_usd,
    exports_year, employment, employment_year, intensity, measured; the
    layout of ``ws.prospects.intensity()``), or None when there is none.
    ``industries``: the region's industries (naics, title, year, employment
    and, where cells are withheld, employment_low/employment_high and
    withheld; the layout of ``ws.industry.industries()``), or None. Rows of
    other levels than ``level`` are left out. ``region_year``: the year the
    region's employment should be (said in a missing result when absent).
    """
    missing = []
    if intensity is None or not len(intensity):
        missing.append(Missing(*MISSING_INTENSITY))
    elif not len(_measured(intensity)):
        missing.append(Missing("national goods exports with a measured intensity (the intensity table holds no "
                               "goods industry with exports and employment)", MISSING_INTENSITY[1]))
    if industries is None or not len(industries):
        what = MISSING_EMPLOYMENT[0] + (f" for {region_year}" if region_year else "")
        missing.append(Missing(what, MISSING_EMPLOYMENT[1].replace("YEAR", str(region_year or "YEAR"))))
    if missing:
        return missing_result(missing)
    level = int(level or default_level(intensity))
    region = industries[industries["naics"].astype(str).str.len() == level] if "naics" in industries else industries
    if not len(region):
        return missing_result([Missing(f"the region's employment at the {level}-digit NAICS level",
                                       f"load the region's QCEW files (they hold {level}-digit rows) or choose "
                                       "another level")])
    frame = _by_industry(intensity, region.reset_index(drop=True), level)
    if not (frame["status"] == ESTIMATED).any():
        return missing_result([Missing(
            f"a national goods exports figure for any of the region's {level}-digit industries",
            "load national exports by NAICS for the goods industries (" + MISSING_INTENSITY[1] + ")")],
            [f"{len(frame)} industries of the region, none measured by goods data."])
    totals = _totals(frame, level)
    result = ExportEstimate(frame, totals, _notes(frame, totals, level))
    year = totals.employment_year
    if year is not None and totals.exports_years and year not in totals.exports_years:
        result.missing.append(Missing(
            f"national goods exports for {year}, the region's year (the estimate uses "
            f"{', '.join(map(str, totals.exports_years))})",
            f"run `exportplan -w DIR prospects intensity --fetch {year} --qcew FILE` (Census API, with the national "
            f"QCEW file of {year}), or `--exports FILE --qcew FILE` with a USA Trade Online download of {year}"))
    return result


def _measured(intensity: pd.DataFrame) -> pd.DataFrame:
    measured = intensity["measured"].astype("boolean").fillna(False).astype(bool)
    return intensity[measured & intensity["intensity"].notna()]


def _float(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64")


def _years(series: pd.Series) -> pd.Series:
    return pd.array(pd.to_numeric(series, errors="coerce").round(), dtype="Int64")


def _by_industry(intensity: pd.DataFrame, region: pd.DataFrame, level: int) -> pd.DataFrame:
    """One row per region industry of ``level``: the intensity matched, the employment, the estimate."""
    table = intensity.assign(naics=intensity["naics"].astype("string"), measured=intensity["measured"].astype(bool),
                             intensity=_float(intensity["intensity"]))
    if "percentile" not in table:
        table["percentile"] = np.nan
    codes = region["naics"].astype("string")
    match = match_industry(codes, table)
    by_code = table.drop_duplicates("naics").set_index("naics")
    used = match["industry_naics"].where(match["industry_measured"].fillna(False).astype(bool))
    employment = _float(region["employment"])
    low = _float(region["employment_low"]) if "employment_low" in region else pd.Series(np.nan, index=region.index)
    high = _float(region["employment_high"]) if "employment_high" in region else pd.Series(np.nan, index=region.index)
    withheld = _float(region["withheld"]).fillna(0.0) if "withheld" in region else pd.Series(0.0, index=region.index)
    low = low.fillna(employment)
    high = high.where(high.notna() | (withheld > 0), employment)  # a disclosed industry's bounds are its value
    measured = match["industry_measured"]
    status = np.where(measured.fillna(False).astype(bool), ESTIMATED,
                      np.where(measured.isna(), NO_FIGURE, UNMEASURED))
    intensity_used = _float(match["intensity"]).where(status == ESTIMATED)
    national_exports = _float(used.map(by_code["exports_usd"]))
    national_employment = _float(used.map(by_code["employment"]))
    same = used == codes
    share = (employment / national_employment).where(same.fillna(False).astype(bool) & (national_employment > 0))
    title = region["title"].astype("string") if "title" in region else pd.Series("", index=region.index)
    region_year = _years(region["year"]) if "year" in region else pd.array([pd.NA] * len(region), dtype="Int64")
    frame = pd.DataFrame({
        "naics": codes, "title": title.fillna(""), "level": level, "status": status,
        "intensity_naics": used.astype("string"), "intensity": intensity_used,
        "national_exports_usd": national_exports, "national_employment": national_employment,
        "employment": employment, "employment_low": low, "employment_high": high,
        "share_of_national_employment": share,
        "exports_estimate_usd": intensity_used * employment, "exports_estimate_usd_low": intensity_used * low,
        "exports_estimate_usd_high": intensity_used * high,
        "exports_year": _years(used.map(by_code["exports_year"])),
        "national_employment_year": _years(used.map(by_code["employment_year"])),
        "employment_year": region_year})
    frame["note"] = [_row_note(s, n, u, why, h, w) for s, n, u, why, h, w in zip(
        frame["status"], frame["naics"], frame["intensity_naics"], match["industry_why"],
        frame["employment_high"], withheld)]
    order = frame.assign(_rank=frame["status"].map({ESTIMATED: 0, UNMEASURED: 1, NO_FIGURE: 2}),
                         _value=-frame["exports_estimate_usd"].fillna(frame["exports_estimate_usd_low"]).fillna(0.0),
                         _emp=-frame["employment"].fillna(frame["employment_low"]).fillna(0.0))
    order = order.sort_values(["_rank", "_value", "_emp", "naics"], kind="stable")
    out = order[COLUMNS].reset_index(drop=True)
    return out.astype({"naics": "string", "title": "string", "level": "Int64", "status": "string",
                       "intensity_naics": "string", "note": "string"})


def _row_note(status: str, naics: str, used, why, high: float, withheld: float) -> str:
    if status == UNMEASURED:
        reason = service_reason(naics)
        return f"{NOT_MEASURED} ({reason.split(':')[0]})" if reason else NOT_MEASURED
    if status == NO_FIGURE:
        return str(why) if isinstance(why, str) and why else f"no national export figure for NAICS {naics}"
    parts = []
    if isinstance(used, str) and used != naics:
        parts.append(f"national intensity of NAICS {used} (no figure for {naics} itself)")
    if withheld > 0:
        parts.append("employment partly withheld: estimate within bounds" if high == high
                     else "employment partly withheld with no upper bound")
    return "; ".join(parts)


def _distinct(series: pd.Series) -> tuple[int, ...]:
    return tuple(sorted({int(v) for v in series.dropna()}))


def _years_label(exports: tuple, national: tuple, region: int | None) -> str:
    def show(years: tuple) -> str:
        return ", ".join(map(str, years)) or "unknown"

    label = (f"national goods exports {show(exports)}; national employment {show(national)}; "
             f"region employment {region if region is not None else 'unknown'}")
    if exports and region is not None and set(exports) != {region}:
        gap = max(abs(region - y) for y in exports)
        label += f" (year gap: exports {gap} year{'s' if gap != 1 else ''} from the region's employment)"
    return label


def _totals(frame: pd.DataFrame, level: int) -> EstimateTotals:
    est = frame[frame["status"] == ESTIMATED]
    point = est["exports_estimate_usd"]
    high = est["exports_estimate_usd_high"]
    exports_years = _distinct(est["exports_year"])
    national_years = _distinct(est["national_employment_year"])
    region_years = _distinct(frame["employment_year"])
    region_year = region_years[-1] if region_years else None
    return EstimateTotals(
        exports_usd=None if point.isna().any() else float(point.sum()),
        exports_low_usd=float(est["exports_estimate_usd_low"].fillna(0.0).sum()),
        exports_high_usd=None if high.isna().any() else float(high.sum()),
        industries=len(est), not_measured=int((frame["status"] == UNMEASURED).sum()),
        no_figure=int((frame["status"] == NO_FIGURE).sum()),
        employment_measured=float(est["employment"].fillna(est["employment_low"]).sum()),
        employment_not_measured=float(frame.loc[frame["status"] != ESTIMATED, "employment"].fillna(0.0).sum()),
        exports_years=exports_years, national_employment_years=national_years, employment_year=region_year,
        level=level, years_label=_years_label(exports_years, national_years, region_year))


def _notes(frame: pd.DataFrame, totals: EstimateTotals, level: int) -> list[str]:
    notes = [ESTIMATE_NOTE[0].upper() + ESTIMATE_NOTE[1:] + ".",
             "Each industry's estimate is national goods exports x the region's share of national employment in "
             "it (national exports per worker x the region's employment).",
             f"Estimated at the {level}-digit NAICS level ({_LEVEL_NAMES.get(level, 'industries')}), so that "
             "industries do not overlap and the total adds up; column intensity_naics names the national figure "
             "used.",
             f"Years: {totals.years_label}."]
    if totals.exports_years and totals.employment_year is not None and set(totals.exports_years) != {
            totals.employment_year}:
        notes.append(f"The estimate applies the export intensity of {', '.join(map(str, totals.exports_years))} "
                     f"(dollars of that year per worker) to the region's {totals.employment_year} employment; "
                     "load national exports of the region's year for a current estimate.")
    bounded = frame[(frame["status"] == ESTIMATED)
                    & (frame["exports_estimate_usd_low"] != frame["exports_estimate_usd_high"])]
    if len(bounded):
        notes.append(f"{len(bounded)} industr{'y has' if len(bounded) == 1 else 'ies have'} withheld employment: "
                     "the estimate is bounded by the exact employment bounds (exports_estimate_usd_low/_high).")
    if totals.exports_usd is None:
        notes.append("No point total: some withheld employment was not estimated; the bounds still hold.")
    if totals.exports_high_usd is None:
        notes.append("No upper bound on the total: a withheld cell has nothing published above it.")
    if totals.not_measured:
        notes.append(f"{totals.not_measured} industries ({totals.employment_not_measured:,.0f} jobs) are "
                     f"{NOT_MEASURED} (wholesale, retail, transportation, utilities, construction, services): "
                     "listed, not counted as zero.")
    if totals.no_figure:
        notes.append(f"{totals.no_figure} goods industr{'y has' if totals.no_figure == 1 else 'ies have'} no "
                     "national export figure (status 'no national figure'): left out of the total.")
    return notes



# ------------------------------------------------------------------- published figures (Brookings) and the comparison

BROOKINGS_COVERAGE = "goods and services, by production location"
ESTIMATE_COVERAGE = "goods only, by industry of production (national exports x region employment share)"
COVERAGE_NOTES = ("Census data cover goods, by exporter location; Brookings estimates cover goods and services, by "
                  "production location. The two figures measure different things: the comparison shows their "
                  "order of magnitude, not an error of either.",)
MISSING_BROOKINGS = (
    "the Brookings Export Monitor figures (metro or county file)",
    "run `exportplan -w DIR import brookings FILE` with the Export Monitor metro file (cbsa_code ...) or county "
    "file (stco_code ...)")
COMPARISON_COLUMNS = ["figure", "area", "years", "coverage", "exports_usd", "exports_usd_low", "exports_usd_high",
                      "pct_gdp", "note"]


@dataclass
class BrookingsFigure:
    """The published Brookings figure for the region: a metro's row, or the sum of its counties' rows."""

    status: str  # metro | counties | missing
    label: str
    year: int | None = None
    exports_usd: float | None = None
    exports_real_usd: float | None = None
    pct_gdp: float | None = None
    area_codes: tuple[str, ...] = ()
    counties_missing: tuple[str, ...] = ()
    provenance_ids: tuple[int, ...] = ()
    coverage: str = BROOKINGS_COVERAGE
    notes: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


def brookings_figures(rows: pd.DataFrame, counties, cbsa: str = "") -> list[BrookingsFigure]:
    """The region's Brookings figures, best first: the metro's row when ``cbsa`` is one, then its counties' sum.

    ``rows``: the stored rows (scope, area_code, area_name, year, exports_usd,
    exports_real_usd, pct_gdp, provenance_id). Each figure is of the latest
    year its scope holds. A county sum names the region's counties it lacks;
    its share of GDP is the sum of exports over the sum of the counties' GDP
    (exports / pct each). With no usable row the one figure says what is
    missing.
    """
    counties = [str(c) for c in counties]
    out = []
    metro = rows[(rows["scope"] == "metro") & (rows["area_code"] == str(cbsa))] if cbsa and len(rows) else rows[:0]
    if len(metro):
        row = metro.sort_values("year").iloc[-1]
        out.append(BrookingsFigure(
            status="metro", label=f"{row['area_name']} (metro {row['area_code']})", year=int(row["year"]),
            exports_usd=_num(row["exports_usd"]), exports_real_usd=_num(row["exports_real_usd"]),
            pct_gdp=_num(row["pct_gdp"]), area_codes=(str(row["area_code"]),),
            provenance_ids=(int(row["provenance_id"]),),
            notes=["Brookings uses the 2013 metro (CBSA) delineation: its counties may differ from the region's."]))
    county_rows = rows[(rows["scope"] == "county") & rows["area_code"].isin(counties)] if len(rows) else rows[:0]
    if len(county_rows):
        year = int(county_rows["year"].max())
        found = county_rows[county_rows["year"] == year].sort_values("area_code")
        lacking = tuple(c for c in counties if c not in set(found["area_code"]))
        exports = found["exports_usd"].astype("float64")
        pct = found["pct_gdp"].astype("float64")
        gdp = (exports / pct).where(pct > 0)
        names = ", ".join(f"{n} ({c})" for c, n in zip(found["area_code"], found["area_name"]))
        notes = [f"Sum of the Brookings figures of {len(found)} of the region's {len(counties)} counties: {names}."]
        if lacking:
            notes.append(f"No Brookings {year} figure for county(ies) {', '.join(lacking)}: the sum leaves them out "
                         "(import the county file that covers them).")
        real = found["exports_real_usd"].astype("float64")
        out.append(BrookingsFigure(
            status="counties", label=f"sum of {len(found)} counties" + (" (partial)" if lacking else ""), year=year,
            exports_usd=float(exports.sum()), exports_real_usd=None if real.isna().any() else float(real.sum()),
            pct_gdp=None if gdp.isna().any() else float(exports.sum() / gdp.sum()),
            area_codes=tuple(found["area_code"].astype(str)), counties_missing=lacking,
            provenance_ids=tuple(sorted({int(p) for p in found["provenance_id"]})), notes=notes))
    if not out:
        why = ("no Brookings figure is stored" if not len(rows) else
               f"the stored Brookings figures have no row for the region's metro ({cbsa or 'none set'}) or "
               f"counties ({', '.join(counties)})")
        out.append(BrookingsFigure(status="missing", label="missing", notes=[why + "."],
                                   missing=[Missing(*MISSING_BROOKINGS)]))
    return out


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def comparison_table(figures: list[BrookingsFigure], estimate: ExportEstimate, region: str) -> pd.DataFrame:
    """The Brookings figure(s) and the estimate side by side (:data:`COMPARISON_COLUMNS`), one row each.

    A missing input is a row that says what is missing and how to get it.
    """
    rows = []
    for fig in figures:
        if fig.status == "missing":
            rows.append({"figure": "Brookings Export Monitor (published)", "area": region, "years": "",
                         "coverage": fig.coverage, "note": " ".join([*fig.notes, *map(str, fig.missing)])})
            continue
        rows.append({"figure": "Brookings Export Monitor (published)", "area": fig.label, "years": str(fig.year),
                     "coverage": fig.coverage, "exports_usd": fig.exports_usd, "pct_gdp": fig.pct_gdp,
                     "note": " ".join(fig.notes)})
    totals = estimate.totals
    if totals is None:
        rows.append({"figure": "Estimate (national intensity x region employment)", "area": region, "years": "",
                     "coverage": ESTIMATE_COVERAGE, "note": " ".join(map(str, estimate.missing))})
    else:
        years = (f"{totals.employment_year} employment; exports {', '.join(map(str, totals.exports_years))}")
        rows.append({"figure": "Estimate (national intensity x region employment)", "area": region, "years": years,
                     "coverage": ESTIMATE_COVERAGE, "exports_usd": totals.exports_usd,
                     "exports_usd_low": totals.exports_low_usd, "exports_usd_high": totals.exports_high_usd,
                     "note": f"{ESTIMATE_NOTE}; {totals.industries} goods industries; {totals.years_label}."})
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for column in ("exports_usd", "exports_usd_low", "exports_usd_high", "pct_gdp"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame.astype({c: "string" for c in ("figure", "area", "years", "coverage", "note")}).fillna(
        {"note": "", "years": ""})

__all__ = ["BROOKINGS_COVERAGE", "BrookingsFigure", "COLUMNS", "COMPARISON_COLUMNS", "COVERAGE_NOTES",
           "ESTIMATE_COVERAGE", "ESTIMATE_NOTE", "ESTIMATED", "EstimateTotals", "ExportEstimate",
           "MISSING_BROOKINGS", "MISSING_EMPLOYMENT", "MISSING_INTENSITY", "Missing", "NO_FIGURE", "UNMEASURED",
           "brookings_figures", "comparison_table", "default_level", "empty_frame", "estimate_exports",
           "missing_result"]
