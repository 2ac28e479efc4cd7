"""Estimates of withheld QCEW cells from their parent industries (methods.md §1).

:func:`estimate_withheld` fills withheld cells with the residual of their
parent NAICS industry shared by establishments; the frame then carries
``estimated`` (bool) and every sum (:func:`exportplan.analysis.area_frames.region_sum`)
reports the share of its employment that is estimated, so an estimate never
passes as disclosed. LQ and growth are computed on estimated values.
:func:`drop_estimates` undoes it.
"""
from __future__ import annotations

import polars as pl

from exportplan.analysis.area_frames import TOTAL_CODE, _check_columns, _ratio, _withheld_cell, naics_level_expr
from exportplan.errors import ExportPlanError

_EST_KEYS = ("area_fips", "year", "qtr", "own_code", "size_code")
# NAICS sectors that QCEW publishes as ranges: the 2-digit prefix of a 3-digit code -> its sector code.
_SECTOR_RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
                  "48": "48-49", "49": "48-49"}


def naics_parent_expr(code: str = "industry_code") -> pl.Expr:
    """Expression giving the parent of a QCEW industry code in the NAICS hierarchy.

    A sector's parent is the all-industry total '10'; a 3-digit code's parent
    its sector (ranges '31-33', '44-45', '48-49' included); a 4- to 6-digit
    code's parent the code one digit shorter. Null for the total and the
    domain/supersector aggregates.
    """
    c, level = pl.col(code), naics_level_expr(code)
    sector = c.str.head(2).replace(_SECTOR_RANGES)
    return (pl.when(level == 2).then(pl.lit(TOTAL_CODE))
            .when(level == 3).then(sector)
            .when(level >= 4).then(c.str.head(level.cast(pl.Int64) - 1))
            .otherwise(pl.lit(None, pl.String)))


def estimate_withheld(qcew: pl.DataFrame, *, weight: str = "estabs") -> pl.DataFrame:
    """Fill withheld cells with the residual of their parent industry, shared by establishments.

    Per area, year, qtr and ownership (and size_code), top-down through the
    NAICS hierarchy (total '10' -> sectors -> 3 -> 4 -> 5 -> 6 digits): for a
    parent with a value (disclosed, or estimated one step earlier, so a
    withheld child of a withheld parent waits for its parent's estimate) the
    residual ``R = parent - sum of disclosed children`` is split among the
    withheld children in proportion to ``weight`` (establishment counts,
    which BLS publishes even for withheld cells; equally when they are all
    0); wages likewise. A negative residual (rounding of the published
    averages) is clipped: the children get 0 and ``estimate_note`` says so.
    Withheld cells whose parent has no value stay null.

    Returns the frame with ``emplvl``, ``total_wages`` and ``avg_annual_pay``
    filled for estimated rows, ``estimated`` (bool, True only for those rows;
    ``disclosure_code`` stays 'N') and ``estimate_note`` (how each estimate was
    made; null otherwise). Disclosed cells are never changed. Estimates
    already in the frame are dropped first, so the function is idempotent.
    """
    _check_columns(qcew, ("area_fips", "own_code", "industry_code", "year", "qtr", "emplvl", weight),
                   "The QCEW frame")
    if "n_areas" in qcew.columns and "synthetic" not in qcew.columns:
        raise ExportPlanError("estimate_withheld works on the cells of each area (a QCEW frame from read_qcew), "
                              "not on region sums: estimate first, then sum with region_sum.")
    base = drop_estimates(qcew)
    keys = [k for k in _EST_KEYS if k in base.columns]
    wages = pl.col("total_wages") if "total_wages" in base.columns else pl.lit(None, pl.Float64)
    flag = _withheld_cell() if "disclosure_code" in base.columns else pl.col("emplvl").is_null()
    work = base.with_row_index("_row").select(
        "_row", *keys, "industry_code", _level=naics_level_expr(), _parent=naics_parent_expr(),
        _hidden=flag, _w=pl.col(weight).cast(pl.Float64).fill_null(0.0),
        _emp=pl.col("emplvl"), _wages=wages.cast(pl.Float64), _note=pl.lit(None, pl.String))
    by = "establishments" if weight == "estabs" else weight
    for level in (2, 3, 4, 5, 6):
        work = _estimate_level(work, keys, level, by)
    filled = work.filter(pl.col("_hidden") & pl.col("_emp").is_not_null() & pl.col("_note").is_not_null())
    return _apply_estimates(base, filled)


def _estimate_level(work: pl.DataFrame, keys: list[str], level: int, by: str) -> pl.DataFrame:
    """Fill the withheld cells of one NAICS level from their parents' current values."""
    parent_level = 0 if level == 2 else level - 1
    parents = work.filter(pl.col("_level") == parent_level).select(
        *keys, pl.col("industry_code").alias("_parent"), pl.col("_emp").alias("_P"), pl.col("_wages").alias("_PW"))
    kids = work.filter((pl.col("_level") == level) & pl.col("_parent").is_not_null())
    shown = ~pl.col("_hidden")
    groups = kids.group_by(*keys, "_parent").agg(
        pl.col("_emp").filter(shown).sum().alias("_shown"),
        pl.col("_wages").filter(shown).sum().alias("_shown_w"),
        pl.col("_w").filter(pl.col("_hidden")).sum().alias("_wsum"),
        pl.col("_hidden").sum().alias("_nh"),
    ).filter(pl.col("_nh") > 0).join(parents.filter(pl.col("_P").is_not_null()), on=[*keys, "_parent"],
                                     how="inner", nulls_equal=True)
    if groups.height == 0:
        return work
    residual, residual_w = pl.col("_P") - pl.col("_shown"), pl.col("_PW") - pl.col("_shown_w")
    part = (pl.when(pl.col("_wsum") > 0).then(pl.col("_w") / pl.col("_wsum"))
            .otherwise(1.0 / pl.col("_nh").cast(pl.Float64)))
    note = (pl.when(residual < 0)
            .then(pl.format("residual of {} was negative ({}, rounding of published averages): estimated 0",
                            pl.col("_parent"), residual.round(0)))
            .otherwise(pl.format("share of the residual of {} ({}) by {}",
                                 pl.col("_parent"), residual.round(0), pl.lit(by))))
    estimates = kids.filter(pl.col("_hidden") & pl.col("_emp").is_null()).join(
        groups, on=[*keys, "_parent"], how="inner", nulls_equal=True).select(
        "_row", (residual.clip(lower_bound=0.0) * part).alias("_e"),
        (residual_w.clip(lower_bound=0.0) * part).alias("_ew"), note.alias("_n"))
    return work.join(estimates, on="_row", how="left").with_columns(
        _emp=pl.coalesce("_emp", "_e"),
        _wages=pl.when(pl.col("_e").is_not_null()).then(pl.col("_ew")).otherwise(pl.col("_wages")),
        _note=pl.coalesce("_note", "_n"),
    ).drop("_e", "_ew", "_n")


def _apply_estimates(base: pl.DataFrame, filled: pl.DataFrame) -> pl.DataFrame:
    """Write the estimated values into the frame's rows and flag them."""
    fill = filled.select("_row", pl.col("_emp").alias("_e"), pl.col("_wages").alias("_ew"), "_note")
    out = base.with_row_index("_row").join(fill, on="_row", how="left", maintain_order="left")
    est = pl.col("_e").is_not_null()
    cols = {"emplvl": pl.when(est).then(pl.col("_e")).otherwise(pl.col("emplvl")),
            "estimated": est, "estimate_note": pl.col("_note")}
    if "total_wages" in base.columns:
        cols["total_wages"] = pl.when(est).then(pl.col("_ew")).otherwise(pl.col("total_wages"))
    out = out.with_columns(**cols)
    if "avg_annual_pay" in base.columns:
        out = out.with_columns(avg_annual_pay=pl.when(est).then(_ratio("total_wages", "emplvl"))
                               .otherwise(pl.col("avg_annual_pay")))
    return out.drop("_row", "_e", "_ew", "_note")


def drop_estimates(qcew: pl.DataFrame) -> pl.DataFrame:
    """Undo :func:`estimate_withheld`: estimated cells back to null, flag columns removed.

    Only cell frames carry the boolean flag; an area frame (``estimated`` a
    share) is returned as it is.
    """
    if "estimated" not in qcew.columns or qcew.schema["estimated"] != pl.Boolean:
        return qcew
    est = pl.col("estimated").fill_null(False)
    cols = [c for c in ("emplvl", "total_wages", "avg_annual_pay") if c in qcew.columns]
    return qcew.with_columns(pl.when(est).then(None).otherwise(pl.col(c)).alias(c) for c in cols).drop(
        [c for c in ("estimated", "estimate_note") if c in qcew.columns])


__all__ = ["drop_estimates", "estimate_withheld", "naics_parent_expr"]
