"""Employment location quotients, and the U.S. reference implied by BLS's published LQs.

:func:`location_quotients` compares a region (area frame, see
:mod:`exportplan.analysis.area_frames`) with one reference area.

Reference ``USLQ`` (:func:`implied_reference`): when no U.S. file is loaded,
the U.S. shares implied by BLS's published county LQs make a synthetic
reference area whose employment levels are not real (``synthetic``): LQs
against it work, growth and shift-share against it are null.
"""
from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from exportplan.analysis.area_frames import (
    ALL_OWNERSHIPS,
    TOTAL_CODE,
    _REQUIRED,
    _check_columns,
    _with_withheld,
    _withheld_cell,
)
from exportplan.errors import ExportPlanError

LQ_BASES = ("bls", "ownership")


# ---------------------------------------------------------------- USLQ: U.S. shares implied by published LQs

USLQ = "USLQ"
IMPLIED_TOTAL = 1_000_000.0
USLQ_NOTE = ("reference: U.S. shares implied by BLS's published county LQs (no U.S. file loaded); "
             "two-decimal rounding limits precision")


def implied_reference(qcew: pl.DataFrame, counties: Iterable[str], *, area_code: str = USLQ) -> pl.DataFrame:
    """A synthetic U.S. reference area built from the LQs BLS publishes in county files.

    BLS's LQ of a county row is ``(e_ci / E_c) / (N_i / N)`` with E and N the
    total covered employment of all ownerships (own 0, industry 10), so the
    U.S. share ``s_i = N_i / N = (e_ci / E_c) / LQ_ci`` (methods.md §1). For
    each year, qtr, ownership and industry the share is taken from the county
    whose published LQ (disclosed, > 0) is largest: the two-decimal rounding
    of the LQ then costs the least relative precision (at most 0.005 / LQ).
    The frame has ``N = 1,000,000`` (own 0, industry 10) and ``N_i = s_i x
    1,000,000``, so LQs with base 'bls' work unchanged, and base 'ownership'
    too (the ownership totals have published LQs). For quarterly rows BLS's
    LQ is the mean of the monthly LQs: the share is approximate.

    Returns a canonical/area frame with ``area_fips = area_code``: own_code,
    industry_code, year, qtr, disclosure_code ('N' where no county has a
    usable LQ: then emplvl is null, withheld 1, and stays so: an implied
    share is never estimated), emplvl, withheld,
    ``n_areas`` (counties with a usable LQ), ``source_area`` and
    ``source_lq`` (the county and LQ used), ``synthetic``
    (True: levels are not employment, so growth and shift-share against this
    frame are null) and, when the input has it (:func:`annual_rows`),
    ``period``: that of the county row used, so :func:`check_periods` can
    compare it with the region's. estabs and wages are null.
    """
    areas = sorted({str(c) for c in counties})
    if not areas:
        raise ExportPlanError("The implied U.S. reference needs at least one county file with published LQs.")
    _check_columns(qcew, (*_REQUIRED, "bls_lq_emplvl"), "The QCEW frame")
    rows = qcew.filter(pl.col("area_fips").is_in(areas))
    if "size_code" in rows.columns:
        rows = rows.filter(pl.col("size_code").fill_null("0") == "0")
    flag = _withheld_cell() if "disclosure_code" in rows.columns else pl.col("emplvl").is_null()
    totals = rows.filter((pl.col("own_code") == ALL_OWNERSHIPS) & (pl.col("industry_code") == TOTAL_CODE)
                         & (pl.col("emplvl") > 0)).select("area_fips", "year", "qtr", pl.col("emplvl").alias("_E"))
    cells = rows.join(totals, on=["area_fips", "year", "qtr"], how="left").with_columns(
        _ok=~flag & (pl.col("bls_lq_emplvl") > 0) & pl.col("_E").is_not_null() & pl.col("emplvl").is_not_null())
    if cells.filter(pl.col("_ok")).height == 0:
        raise ExportPlanError(
            f"No published LQs in the QCEW rows of {', '.join(areas)}: the U.S. reference cannot be implied. "
            "Load the BLS area files (they carry lq_annual_avg_emplvl) or a U.S. file (US000) as reference.")
    return _implied_frame(cells, area_code)


def _implied_frame(cells: pl.DataFrame, area_code: str) -> pl.DataFrame:
    """One synthetic row per year/qtr/ownership/industry from the usable county cells (implied_reference)."""
    keys = ["own_code", "industry_code", "year", "qtr"]
    best = (cells.filter(pl.col("_ok")).sort(["bls_lq_emplvl", "area_fips"], descending=[True, False])
            .group_by(keys, maintain_order=True).agg(
                ((pl.col("emplvl") / pl.col("_E")) / pl.col("bls_lq_emplvl")).first().alias("_share"),
                pl.col("area_fips").first().alias("source_area"), pl.col("bls_lq_emplvl").first().alias("source_lq"),
                pl.len().cast(pl.UInt32).alias("n_areas"),
                *[pl.col("period").first()] if "period" in cells.columns else []))
    titles = [pl.col("industry_title").drop_nulls().first()] if "industry_title" in cells.columns else []
    every = cells.group_by(keys).agg(pl.len().alias("_cells"), *titles).drop("_cells")
    out = every.join(best, on=keys, how="left")
    total = (pl.col("own_code") == ALL_OWNERSHIPS) & (pl.col("industry_code") == TOTAL_CODE)
    value = pl.when(total).then(pl.lit(IMPLIED_TOTAL)).otherwise(pl.col("_share") * IMPLIED_TOTAL)
    known = value.is_not_null()
    return out.select(
        pl.lit(area_code).alias("area_fips"), *keys, pl.lit("0").alias("size_code"),
        pl.when(known).then(pl.lit("")).otherwise(pl.lit("N")).alias("disclosure_code"),
        pl.lit(None, pl.Int64).alias("estabs"), value.alias("emplvl"),
        *[pl.lit(None, pl.Float64).alias(c) for c in ("total_wages", "avg_annual_pay", "bls_lq_emplvl")],
        pl.when(known).then(0.0).otherwise(1.0).alias("withheld"),
        pl.col("n_areas").fill_null(0), "source_area", "source_lq",
        pl.lit(True).alias("synthetic"), *[c for c in ("period", "industry_title") if c in out.columns],
    ).sort(keys)


# ---------------------------------------------------------------- LQ

def location_quotients(region, reference, *, base: str = "bls"):
    """Employment location quotients of ``region`` against one ``reference`` area.

    ``LQ_i = (e_i / E) / (N_i / N)``, matched on own_code, industry_code,
    year and qtr. With ``base='bls'`` (default) E and N are each area's total
    covered employment of all ownerships (own_code '0', industry '10'), BLS's
    definition also for private rows, so a one-county region reproduces the
    published ``lq_annual_avg_emplvl``. With ``base='ownership'`` they are the
    total of the row's own ownership. ``region`` may hold several areas
    (``area_fips``), each with its own base. LQ is null when either side's
    row or base has a withheld cell without a value (``missing > 0``) or is
    absent, or a count is 0; estimated values (estimate_withheld) are used.

    Returns ``region`` with ``ref_emplvl``, ``lq`` and ``lq_base`` ('bls' or
    'ownership') added. Lazy frames in give a lazy frame out.
    """
    if base not in LQ_BASES:
        raise ExportPlanError(f"Unknown LQ base {base!r}; use 'bls' (BLS definition) or 'ownership'.")
    lazy = isinstance(region, pl.LazyFrame)
    # cache(): the region feeds two branches below; a lazy scan would otherwise read its file twice.
    reg, ref = _with_withheld(region.lazy()).cache(), _with_withheld(reference.lazy())
    _check_columns(reg, ("area_fips", "own_code", "industry_code", "year", "qtr", "emplvl"), "The region frame")
    _check_columns(ref, ("own_code", "industry_code", "year", "qtr", "emplvl"), "The reference frame")
    reg = reg.drop([c for c in ("ref_emplvl", "lq", "lq_base") if c in reg.collect_schema().names()])
    # The ratio is computed on a narrow projection whose joins keep the left order, then
    # put beside the untouched input: joining the wide frame would copy every column.
    narrow = _lq_narrow(reg.select("area_fips", *_LQ_KEYS, "emplvl", "missing"), ref, base)
    out = pl.concat([reg, narrow], how="horizontal")
    return out if lazy else out.collect()


_LQ_KEYS = ["own_code", "industry_code", "year", "qtr"]


def _lq_narrow(reg: pl.LazyFrame, ref: pl.LazyFrame, base: str) -> pl.LazyFrame:
    """``ref_emplvl, lq, lq_base`` for each row of ``reg``, in its order (see location_quotients)."""
    base_keys = ["year", "qtr"] if base == "bls" else ["own_code", "year", "qtr"]
    if "size_code" in ref.collect_schema().names():
        ref = ref.filter(pl.col("size_code").fill_null("0") == "0")
    ref_ind = ref.group_by(_LQ_KEYS).agg(pl.col("emplvl").first().alias("ref_emplvl"),
                                         pl.col("missing").first().alias("_ref_w"))
    out = (reg.join(ref_ind, on=_LQ_KEYS, how="left", maintain_order="left")
           .join(_base_totals(reg, ["area_fips", *base_keys], "_E", "_E_w"), on=["area_fips", *base_keys],
                 how="left", maintain_order="left")
           .join(_base_totals(ref, base_keys, "_N", "_N_w"), on=base_keys, how="left", maintain_order="left"))
    clean = ((pl.col("missing") == 0) & (pl.col("_ref_w") == 0) & (pl.col("_E_w") == 0) & (pl.col("_N_w") == 0)
             & (pl.col("emplvl") >= 0) & (pl.col("_E") > 0) & (pl.col("ref_emplvl") > 0) & (pl.col("_N") > 0))
    lq = (pl.col("emplvl") / pl.col("_E")) / (pl.col("ref_emplvl") / pl.col("_N"))
    return out.select("ref_emplvl", pl.when(clean).then(lq).otherwise(None).alias("lq"), pl.lit(base).alias("lq_base"))


def _base_totals(frame: pl.LazyFrame, keys: list[str], value: str, flag: str) -> pl.LazyFrame:
    """The industry-'10' totals per key (own_code '0' unless own_code is a key)."""
    rows = frame.filter(pl.col("industry_code") == TOTAL_CODE)
    if "own_code" not in keys:
        rows = rows.filter(pl.col("own_code") == ALL_OWNERSHIPS)
    return rows.group_by(keys).agg(pl.col("emplvl").first().alias(value), pl.col("missing").first().alias(flag))


__all__ = ["IMPLIED_TOTAL", "LQ_BASES", "USLQ", "USLQ_NOTE", "implied_reference", "location_quotients"]
