"""Target sectors: the reference-side measures (reference growth, competitive shift, pay ratio).

:func:`cluster_reference_measures` and :func:`industry_reference_measures`
compare the region with the reference area (usually the U.S.) per cluster
or NAICS industry: the reference area's growth of the same sector, the
shift-share competitive shift per start-year job and the reference average
pay. :func:`reference_note` says why they are missing when they are. Pure
functions, polars frames in, pandas out (methods.md §4); the measures feed
:func:`exportplan.analysis.sectors.build_sector_matrix`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from exportplan.analysis import clusters as ac
from exportplan.analysis import industry as ai
from exportplan.analysis.reference import match_reference


def _cluster_frame(sums: pl.DataFrame) -> pl.DataFrame:
    """cluster_sums output as an area-like frame keyed by cluster code (``_key``)."""
    extra = [c for c in ("missing", "estimated") if c in sums.columns]
    return sums.select(pl.col("_key").str.replace(r"^name:", ""), "year", pl.col("employment").alias("emplvl"),
                       "wages", "withheld", *extra)


def is_synthetic(reference: pl.DataFrame | None) -> bool:
    """True for a reference whose levels are not real employment (the implied USLQ reference)."""
    return reference is not None and "synthetic" in reference.columns and bool(
        reference.get_column("synthetic").fill_null(False).any())


def reference_note(reference: pl.DataFrame | None, area: str) -> str:
    """Why the reference-side measures (reference growth, competitive shift, pay ratio) are missing, or ''."""
    if reference is None:
        return (f"No rows for the reference area {area}: reference growth, the competitive shift and pay vs the "
                "reference are missing for every sector.")
    if is_synthetic(reference):
        return (f"The reference {area} holds U.S. shares implied by published LQs, not employment or pay: "
                "reference growth, the competitive shift and pay vs the reference are missing for every sector.")
    return ""


def cluster_reference_measures(region: pl.DataFrame, reference: pl.DataFrame | None, crosswalk: pl.DataFrame, *,
                               year: int, start_year: int | None, ownership: str = "5") -> pd.DataFrame:
    """Per cluster: ``code, ref_cagr, competitive_shift, ref_avg_pay`` against the reference area.

    ``region`` and ``reference`` are area frames with 6-digit rows
    (:func:`~exportplan.analysis.industry.region_sum`). ``ref_cagr`` is the
    reference area's CAGR of the cluster from ``start_year`` to ``year``;
    ``competitive_shift`` is the shift-share competitive shift per start-year
    job, ``g_c − G_c`` (regional minus reference growth of the cluster over the
    window, each ``x1/x0 − 1``); ``ref_avg_pay`` is the reference cluster's
    wages / employment in ``year``. Withheld cells without an estimate make
    them missing (pay: any withheld cell). With no reference frame, a
    synthetic one (USLQ: shares, not employment) or no start year, the
    growth columns are all missing (pay too, but for the start year).

    When the window crosses a NAICS vintage break, ``ref_cagr`` and
    ``competitive_shift`` are missing for a cluster holding a mapped code
    with a row at only one end of the window, in the region or the reference
    (:func:`~exportplan.analysis.clusters.vintage_gaps`): the sums would
    compare different code sets, as in the cluster table's growth. A year
    the reference lacks in the region's period (a Q1 file against annual
    counties, or no file) leaves what needs it missing
    (:func:`~exportplan.analysis.reference.match_reference`): never compared
    across periods.
    """
    reg = _cluster_frame(ac.cluster_sums(region, crosswalk, ownership=ownership))
    codes = reg.get_column("_key").unique().sort()
    if reference is None or is_synthetic(reference):
        return _empty_reference(codes.to_list())
    reference, _ = match_reference(region, reference, [start_year, year])
    ref = _cluster_frame(ac.cluster_sums(reference, crosswalk, ownership=ownership))
    out = _reference_measures(reg, ref, "_key", year, start_year, codes.to_list())
    if start_year is not None and start_year < year and ai.naics_vintage(int(start_year)) != ai.naics_vintage(year):
        gaps = ac.vintage_gaps([region, reference], crosswalk, int(start_year), int(year), ownership=ownership)
        changed = out["code"].isin(gaps.get_column("_key").str.replace(r"^name:", "").to_list())
        out.loc[changed, ["ref_cagr", "competitive_shift"]] = np.nan
    return out


def industry_reference_measures(region: pl.DataFrame, reference: pl.DataFrame | None, *, level: int, year: int,
                                start_year: int | None, ownership: str = "5") -> pd.DataFrame:
    """Per NAICS industry at ``level``: ``code, ref_cagr, competitive_shift, ref_avg_pay``.

    As :func:`cluster_reference_measures`; ``competitive_shift`` is
    :func:`~exportplan.analysis.industry.shift_share`'s competitive shift
    divided by the start-year employment ``e0``. Across a NAICS vintage
    break an industry code with a row at one end only has no growth anyway;
    the rows are flagged, not blanked (``vintage_break`` of the industry
    table), as the industry table does. A year the reference lacks in the
    region's period leaves what needs it missing (as
    :func:`cluster_reference_measures`).
    """
    own = ai.ownership_code(ownership)

    def rows(frame: pl.DataFrame) -> pl.DataFrame:
        frame = ai._with_withheld(frame).filter(pl.col("own_code") == own)
        if "qtr" in frame.columns:
            frame = frame.filter(pl.col("qtr") == "A")
        return frame

    reg = rows(region)
    codes = reg.filter(ai.naics_level_expr() == level).get_column("industry_code").unique().sort().to_list()
    if reference is None or is_synthetic(reference):
        return _empty_reference(codes)
    reference, _ = match_reference(region, reference, [start_year, year])
    ref = rows(reference)

    def keyed(frame: pl.DataFrame) -> pl.DataFrame:
        extra = [c for c in ("missing", "estimated") if c in frame.columns]
        return frame.select(pl.col("industry_code").alias("_key"), "year", "emplvl",
                            pl.col("total_wages").alias("wages"), "withheld", *extra)

    out = _reference_measures(keyed(reg), keyed(ref), "_key", year, start_year, codes)
    if start_year is not None and start_year < year:
        # The same figure through shift_share, so the definition cannot drift from §1.
        ss = ai.shift_share(reg, ref, int(start_year), int(year)).filter(pl.col("industry_code").is_in(codes))
        ss = ss.select(pl.col("industry_code").alias("code"),
                       pl.when(pl.col("e0") > 0).then(pl.col("competitive_shift") / pl.col("e0"))
                       .alias("_shift")).to_pandas()
        out = out.merge(ss, on="code", how="left")
        out["competitive_shift"] = out["_shift"]
        out = out.drop(columns="_shift")
    return out


def _empty_reference(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"code": pd.array(codes, dtype="str"), "ref_cagr": np.nan, "competitive_shift": np.nan,
                         "ref_avg_pay": np.nan})


def _reference_measures(reg: pl.DataFrame, ref: pl.DataFrame, key: str, year: int, start_year: int | None,
                        codes: list[str]) -> pd.DataFrame:
    out = _empty_reference(codes).set_index("code")
    pay = ref.filter((pl.col("year") == year) & (pl.col("withheld") == 0) & (pl.col("emplvl") > 0)).select(
        key, (pl.col("wages") / pl.col("emplvl")).alias("ref_avg_pay")).to_pandas().set_index(key)
    out["ref_avg_pay"] = pay["ref_avg_pay"].reindex(out.index).to_numpy(dtype=float, na_value=np.nan)
    years = set(ref.get_column("year").unique().to_list())
    if start_year is None or start_year >= year or not {start_year, year} <= years:
        return out.reset_index()
    g_ref = ai.growth(ref, int(start_year), int(year), keys=[key]).select(key, "growth", "cagr").to_pandas()
    g_reg = ai.growth(reg, int(start_year), int(year), keys=[key]).select(key, "growth").to_pandas()
    g_ref, g_reg = g_ref.set_index(key), g_reg.set_index(key)
    out["ref_cagr"] = g_ref["cagr"].reindex(out.index).to_numpy(dtype=float, na_value=np.nan)
    shift = g_reg["growth"].reindex(out.index) - g_ref["growth"].reindex(out.index)
    out["competitive_shift"] = shift.to_numpy(dtype=float, na_value=np.nan)
    return out.reset_index()
