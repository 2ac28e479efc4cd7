"""Regional industry measures from BLS QCEW: the industry table of a region's counties.

Pure functions, polars frames in and out (methods.md §1). The measures live
beside this module and are re-exported here (callers use ``industry.X``):

* :mod:`exportplan.analysis.area_frames` - the canonical QCEW and area
  frames, ownership and NAICS codes, annual rows, region sums;
* :mod:`exportplan.analysis.estimation` - estimates of withheld cells;
* :mod:`exportplan.analysis.location_quotients` - LQs and the USLQ
  reference implied by BLS's published LQs;
* :mod:`exportplan.analysis.shift_share` - growth and shift-share.

This module puts them together: :func:`industry_table` (employment, pay, LQ,
growth, withheld shares and bounds per industry), :func:`withheld_share`,
:func:`reference_frame` and :func:`attach_titles`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from exportplan.analysis.area_frames import (  # noqa: F401  (re-exported: callers use industry.X)
    ALL_OWNERSHIPS,
    NAICS_LEVELS,
    NAICS_VINTAGES,
    OWNERSHIP_ALIASES,
    TOTAL_CODE,
    _estimated_share,
    _sum_cells,
    _with_withheld,
    annual_rows,
    check_periods,
    naics_level_expr,
    naics_vintage,
    ownership_code,
    region_sum,
)
from exportplan.analysis.estimation import drop_estimates, estimate_withheld, naics_parent_expr  # noqa: F401
from exportplan.analysis.location_quotients import (  # noqa: F401  (re-exported)
    IMPLIED_TOTAL,
    LQ_BASES,
    USLQ,
    USLQ_NOTE,
    implied_reference,
    location_quotients,
)
from exportplan.analysis.shift_share import growth, growth_window, shift_share  # noqa: F401  (re-exported)
from exportplan.errors import ExportPlanError


# ---------------------------------------------------------------- tables

def withheld_share(region: pl.DataFrame, *, level: int, ownership: str = "5", year: int | None = None,
                   count_estimates: bool = False) -> float | None:
    """Share of the area's employment (of an ownership) not shown at a NAICS level.

    ``(total - sum of disclosed employment at the level) / total`` for one
    area frame (or a one-area canonical frame) and year (default latest).
    Partially withheld rows count with their disclosed part; estimated
    employment (estimate_withheld) counts as not shown, since this measures
    what BLS withheld (``count_estimates=True`` counts it as shown: the share
    left unplaced even after estimation). Annual averages are rounded, so
    rows can add up to a few jobs over the total: the share is floored at 0.
    None when the total itself is withheld or missing.
    """
    frame = _with_withheld(region)
    if "area_fips" in frame.columns and frame.get_column("area_fips").n_unique() > 1:
        raise ExportPlanError("withheld_share needs one area; sum the counties first with region_sum.")
    own = ownership_code(ownership)
    frame = frame.filter(pl.col("own_code") == own)
    year = year if year is not None else frame.get_column("year").max()
    frame = frame.filter(pl.col("year") == year)
    total = frame.filter(pl.col("industry_code") == TOTAL_CODE)
    if total.height == 0 or total.get_column("withheld")[0] > 0 or total.get_column("emplvl")[0] is None:
        return None
    total_emp = total.get_column("emplvl")[0]
    disclosed = pl.col("emplvl") * (1.0 - (pl.lit(0.0) if count_estimates else _estimated_share(frame.columns)))
    shown = frame.filter(naics_level_expr() == level).select(disclosed.sum()).item()
    if not total_emp:
        return None
    return max(0.0, (total_emp - shown) / total_emp)


def industry_table(qcew: pl.DataFrame, counties: Iterable[str], reference_area: str = "US000", *,
                   year: int | None = None, level: int | Sequence[int] | None = None,
                   ownership: str = "5", window: int = 5, base: str = "bls",
                   titles: pl.DataFrame | None = None, estimate: bool = False,
                   max_bound_ratio: float | None = None, start_year: int | None = None) -> pl.DataFrame:
    """The region's industries with employment, pay, LQ, growth and withheld share.

    Counties are summed first (:func:`region_sum`), annual rows used (or the
    average of quarters, see :func:`annual_rows`), the reference area taken
    from the same frame; ``reference_area='USLQ'`` builds it instead with
    :func:`implied_reference` from every area in the frame (all published
    LQs are against the U.S.). ``year`` defaults to the latest year;
    ``level`` to all NAICS levels 2-6 (an int or a list picks levels).
    Growth (the region's own) runs from ``start_year`` (the workspace passes
    its analysis window's) to ``year``; without it from ``year - window`` (or
    the earliest loaded year); a ``start_year`` not before ``year`` means no
    growth. ``estimate=True`` fills the counties' withheld
    cells first (:func:`estimate_withheld`); the reference is not estimated,
    so an LQ never rests on an estimated reference row.

    Columns: naics, title, level, ownership, year, period, employment,
    establishments, wages, avg_pay, lq, lq_base, start_year, growth
    (fraction), cagr, vintage_break, withheld (share of establishments in
    withheld cells), estimated (share of employment estimated; 0 without
    estimation), level_withheld_share (:func:`withheld_share` of the row's
    level), and the exact bounds of withheld cells from the NAICS hierarchy
    (:mod:`exportplan.analysis.withheld`): employment_low/high, lq_low/high,
    growth_low/high; where the bounds are wider than ``max_bound_ratio``
    (high/low; default ``withheld.DEFAULT_MAX_RATIO``) lq (growth) is null
    and lq_note (growth_note) says why. Ranked by employment, largest first.

    When the reference lacks ``year`` in the region's period (e.g. a U.S.
    file of Q1 only against the counties' annual averages, or no U.S. file
    for the year) every LQ is blank: the reference rows of another period
    are never used (:func:`exportplan.analysis.reference.match_reference`);
    the caller says so (:func:`exportplan.analysis.reference.reference_gap`).
    """
    from .reference import match_reference

    own = ownership_code(ownership)
    levels = NAICS_LEVELS if level is None else ([level] if isinstance(level, int) else list(level))
    data = drop_estimates(annual_rows(qcew))
    counties = sorted({str(c) for c in counties})
    reference = reference_frame(data, reference_area)
    if estimate:
        data = estimate_withheld(data.filter(pl.col("area_fips").is_in(counties)))
    region = region_sum(data, counties)
    year = int(year) if year is not None else int(region.get_column("year").max())
    reference, _ = match_reference(region, reference, [year])
    rows = location_quotients(region.filter(pl.col("year") == year),
                              reference.filter(pl.col("year") == year), base=base)
    if rows.height == 0:
        raise ExportPlanError(f"No QCEW rows for {year}; load that year or pick a loaded one.")
    rows = rows.with_columns(level=naics_level_expr()).filter(
        (pl.col("own_code") == own) & pl.col("level").is_in(levels))
    rows = rows.join(_table_growth(region, year, window, start_year), on=["own_code", "industry_code"], how="left")
    # Exact bounds from the NAICS hierarchy (analysis.withheld); wide ones blank the point value.
    from exportplan.analysis import withheld as wh

    starts = rows.get_column("start_year").drop_nulls()
    bounds = wh.industry_table_bounds(data.filter(pl.col("area_fips").is_in(counties)), reference, year=year,
                                      start_year=int(starts[0]) if starts.len() else None, base=base)
    rows = wh.limit_table(rows.join(bounds, on=["own_code", "industry_code", "year", "qtr"], how="left"),
                          max_bound_ratio, midpoint=estimate)
    shares = {lv: withheld_share(region, level=lv, ownership=own, year=year) for lv in levels}
    return _finish_table(rows, shares, titles)


def reference_frame(data: pl.DataFrame, reference_area: str, *, estimate: bool = False) -> pl.DataFrame:
    """The reference area frame: the area's rows summed, or for 'USLQ' the implied U.S. shares.

    For USLQ the shares come from every other area in ``data`` (all
    published LQs are against the U.S.), see :func:`implied_reference`, and
    only from published LQs: a share no county publishes stays missing, and
    ``estimate`` does not apply (the reference is never estimated from the
    region's own counties). For a real area ``estimate=True`` fills its
    withheld cells from its own parent industries (:func:`estimate_withheld`).
    """
    if reference_area == USLQ:
        areas = [a for a in data.get_column("area_fips").unique().to_list() if a != USLQ]
        return implied_reference(data, areas)
    rows = data.filter(pl.col("area_fips") == reference_area)
    if rows.height == 0:  # no file of the reference yet: an empty frame, so what needs it is blank (and said)
        return _sum_cells(_with_withheld(rows), reference_area)
    if estimate:
        rows = estimate_withheld(rows)
    return region_sum(rows, [reference_area], region_code=reference_area)


def _table_growth(region: pl.DataFrame, year: int, window: int, start_year: int | None = None) -> pl.DataFrame:
    """Growth columns for industry_table; null columns when no earlier year is loaded (or start_year >= year)."""
    years = [y for y in region.get_column("year").unique().to_list() if y <= year]
    cols = ["own_code", "industry_code", "start_year", "growth", "cagr", "vintage_break"]
    if start_year is not None and (int(start_year) >= year or int(start_year) not in years):
        years = []
    if len(years) < 2:
        return pl.DataFrame(schema={"own_code": pl.String, "industry_code": pl.String, "start_year": pl.Int32,
                                    "growth": pl.Float64, "cagr": pl.Float64, "vintage_break": pl.Boolean})
    return growth(region, start_year, year, window=window, keys=["own_code", "industry_code"]).select(cols)


def _finish_table(rows: pl.DataFrame, shares: dict, titles: pl.DataFrame | None) -> pl.DataFrame:
    share_map = pl.DataFrame({"level": list(shares), "level_withheld_share": list(shares.values())},
                             schema={"level": pl.Int8, "level_withheld_share": pl.Float64})
    rows = attach_titles(rows, titles).join(share_map, on="level", how="left")
    return rows.select(
        pl.col("industry_code").alias("naics"), "title", "level", pl.col("own_code").alias("ownership"),
        "year", pl.col("period") if "period" in rows.columns else pl.lit("annual").alias("period"),
        pl.col("emplvl").alias("employment"), pl.col("estabs").alias("establishments"),
        pl.col("total_wages").alias("wages"), pl.col("avg_annual_pay").alias("avg_pay"),
        "lq", "lq_base", "start_year", "growth", "cagr", "vintage_break", "withheld", "estimated",
        "level_withheld_share", *[c for c in _BOUND_COLUMNS if c in rows.columns],
    ).sort(["employment", "naics"], descending=[True, False], nulls_last=True)


_BOUND_COLUMNS = ("employment_low", "employment_high", "lq_low", "lq_high", "lq_note", "growth_low",
                  "growth_high", "growth_note")


def attach_titles(rows: pl.DataFrame, titles: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add ``title``: the data's industry_title, else a titles frame's, else null.

    ``titles`` has columns ``naics, title`` (or BLS's ``industry_code,
    industry_title``). BLS's 'NAICS 336411 ' prefix is removed.
    """
    title = (pl.col("industry_title") if "industry_title" in rows.columns else pl.lit(None, pl.String))
    rows = rows.with_columns(title=_clean_title(title))
    if titles is None:
        return rows
    lookup = _titles_frame(titles)
    return (rows.join(lookup, left_on="industry_code", right_on="naics", how="left")
            .with_columns(title=pl.coalesce("title", "_title")).drop("_title"))


def _titles_frame(titles: pl.DataFrame) -> pl.DataFrame:
    cols = {c.lower(): c for c in titles.columns}
    code = cols.get("naics") or cols.get("industry_code")
    name = cols.get("title") or cols.get("industry_title")
    if code is None or name is None:
        raise ExportPlanError("The titles frame needs columns 'naics, title' (or 'industry_code, industry_title').")
    return titles.select(pl.col(code).cast(pl.String).str.strip_chars().alias("naics"),
                         _clean_title(pl.col(name).cast(pl.String)).alias("_title")).unique("naics", keep="first")


def _clean_title(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(r"^NAICS\s+[0-9-]+\s+", "").str.strip_chars()


__all__ = [
    "IMPLIED_TOTAL", "LQ_BASES", "NAICS_LEVELS", "USLQ", "USLQ_NOTE", "annual_rows", "attach_titles",
    "check_periods", "drop_estimates", "estimate_withheld", "growth", "growth_window", "implied_reference", "industry_table",
    "location_quotients", "naics_level_expr", "naics_parent_expr", "naics_vintage", "ownership_code",
    "reference_frame", "region_sum", "shift_share", "withheld_share",
]
