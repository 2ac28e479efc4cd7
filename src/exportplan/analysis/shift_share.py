"""Employment growth between two years, and its shift-share decomposition against a reference.

Inputs are area frames (:mod:`exportplan.analysis.area_frames`); rows with
withheld cells that have no value, and every row of a ``synthetic``
reference (USLQ, :mod:`exportplan.analysis.location_quotients`), get null
growth and null parts.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from exportplan.analysis.area_frames import TOTAL_CODE, _ids, _with_withheld, naics_vintage
from exportplan.errors import ExportPlanError


# ---------------------------------------------------------------- growth

def growth(frame: pl.DataFrame, start_year: int | None = None, end_year: int | None = None, *,
           window: int = 5, value: str = "emplvl", keys: Sequence[str] | None = None,
           max_withheld: float = 0.0) -> pl.DataFrame:
    """Change, growth and compound annual growth of ``value`` between two years.

    ``end_year`` defaults to the latest year in ``frame``; ``start_year`` to
    ``end_year - window`` when that year is present, else the earliest year.
    Keys default to the id columns present (area_fips, own_code,
    industry_code, qtr). Returns one row per key with ``start_year,
    end_year, start_value, end_value, change, growth`` ((x1/x0) - 1, a
    fraction), ``cagr`` ((x1/x0)^(1/(t1-t0)) - 1) and ``vintage_break``
    (True when the window crosses a NAICS vintage: codes may differ).
    All are null where either end is absent or has withheld cells without a
    value (``missing > max_withheld``; estimated values count), growth and
    CAGR also where x0 is 0, and all where a row is ``synthetic`` (the
    implied USLQ reference: its levels are not real employment).
    """
    frame = _with_withheld(frame)
    keys = list(keys) if keys is not None else _ids(frame)
    start_year, end_year = growth_window(frame.get_column("year").unique().to_list(),
                                         start_year, end_year, window)
    # A synthetic row's level is a scaled share: treat it like a missing value.
    unusable = (pl.when(pl.col("synthetic").fill_null(False)).then(float("inf")).otherwise(pl.col("missing"))
                if "synthetic" in frame.columns else pl.col("missing"))
    ends = [frame.filter(pl.col("year") == y).select(*keys, pl.col(value).alias(f"_x{i}"),
                                                      unusable.alias(f"_w{i}"))
            for i, y in enumerate((start_year, end_year))]
    joined = ends[0].join(ends[1], on=keys, how="full", coalesce=True, nulls_equal=True)
    ok = ((pl.col("_w0") <= max_withheld) & (pl.col("_w1") <= max_withheld)
          & pl.col("_x0").is_not_null() & pl.col("_x1").is_not_null())
    x0 = pl.when(ok).then(pl.col("_x0"))
    x1 = pl.when(ok).then(pl.col("_x1"))
    ratio = pl.when(ok & (pl.col("_x0") > 0)).then(pl.col("_x1") / pl.col("_x0"))
    return joined.with_columns(
        start_year=pl.lit(start_year, pl.Int32), end_year=pl.lit(end_year, pl.Int32),
        start_value=x0, end_value=x1, change=x1 - x0, growth=ratio - 1,
        cagr=ratio.pow(1.0 / (end_year - start_year)) - 1,
        vintage_break=pl.lit(naics_vintage(start_year) != naics_vintage(end_year)),
    ).drop("_x0", "_x1", "_w0", "_w1").sort(keys)


def growth_window(years: Iterable[int], start_year: int | None, end_year: int | None,
                  window: int = 5) -> tuple[int, int]:
    """Resolve the (start, end) years of a growth window from the years present."""
    present = sorted({int(y) for y in years if y is not None})
    if not present:
        raise ExportPlanError("No years in the data; load QCEW data for at least two years.")
    end = int(end_year) if end_year is not None else present[-1]
    if start_year is None:
        earlier = [y for y in present if y < end]
        if not earlier:
            raise ExportPlanError(
                f"Growth needs two years of data; only {end} is loaded at or before it. "
                "Load an earlier QCEW year (the default window is 5 years).")
        start = end - window if end - window in present else earlier[0]
    else:
        start = int(start_year)
    if start >= end:
        raise ExportPlanError(f"The growth window {start}-{end} is empty; the start year must precede the end year.")
    return start, end


# ---------------------------------------------------------------- shift-share

def shift_share(region: pl.DataFrame, reference: pl.DataFrame, start_year: int, end_year: int) -> pl.DataFrame:
    """Shift-share decomposition of each industry's employment change.

    With ``e0, e1`` the region's employment, ``G`` the reference's total
    growth of the same ownership (industry '10'), ``G_i`` the reference's
    growth of industry i and ``g_i`` the region's: ``national_share =
    e0*G``, ``industry_mix = e0*(G_i - G)``, ``competitive_shift =
    e0*(g_i - G_i)``; the three add up to ``change = e1 - e0``. Rows with a
    withheld or missing end, or ``e0 = 0``, get null parts; so does every row
    against a ``synthetic`` reference (USLQ: no real national levels).

    Returns own_code, industry_code(, qtr), start_year, end_year, e0, e1,
    change, g_i, G_i, G and the three parts.
    """
    keys = [k for k in ("own_code", "industry_code", "qtr") if k in region.columns]
    reg = growth(region, start_year, end_year, keys=keys)
    ref = growth(reference, start_year, end_year, keys=keys).select(*keys, pl.col("growth").alias("G_i"))
    total = ref.filter(pl.col("industry_code") == TOTAL_CODE).select(
        *[k for k in keys if k != "industry_code"], pl.col("G_i").alias("G"))
    out = reg.join(ref, on=keys, how="left").join(total, on=[k for k in keys if k != "industry_code"], how="left")
    e0 = pl.col("start_value")
    return out.select(
        *keys, "start_year", "end_year", e0.alias("e0"), pl.col("end_value").alias("e1"), "change",
        pl.col("growth").alias("g_i"), "G_i", "G",
        (e0 * pl.col("G")).alias("national_share"),
        (e0 * (pl.col("G_i") - pl.col("G"))).alias("industry_mix"),
        (e0 * (pl.col("growth") - pl.col("G_i"))).alias("competitive_shift"),
    )


__all__ = ["growth", "growth_window", "shift_share"]
