"""Cluster measures: 6-digit QCEW rolled up into clusters, cluster LQ, the USCMP flags.

Pure functions on polars frames (methods.md §2). Inputs:

- area frames (:func:`exportplan.analysis.industry.region_sum` output, or a
  one-area canonical QCEW frame) holding 6-digit private rows;
- a crosswalk from :func:`exportplan.sources.clusters.read_crosswalk`
  (naics, cluster_code, cluster_name, type, subcluster);
- for flags, a peer set from
  :func:`exportplan.sources.clusters.read_uscmp_cluster_table`.

Cluster table columns (:func:`cluster_table`)::

    cluster_code, cluster_name, type, year, employment, establishments, wages,
    avg_pay, n_naics, withheld, estimated, ref_estimated, base_withheld,
    base_missing, ref_base_missing, lq, lq_base ('type' | 'all'), start_year,
    growth, cagr, vintage_break, vintage_gap_codes

``employment`` sums the 6-digit cells that have a value: disclosed ones and,
when the frames were estimated (:func:`exportplan.analysis.industry.estimate_withheld`),
estimated ones; ``withheld`` is the share of the cluster's establishments in
withheld cells, ``estimated`` the share of its employment that is estimated
(``ref_estimated`` the same for the reference). LQ and growth are null when
the share of establishments in withheld cells *without* a value exceeds
``max_withheld`` (default 0), so withheld cells never pull them down; then
``employment`` is a lower bound. The LQ's base (traded or local employment,
or all mapped employment) obeys the same rule on each side:
``base_missing`` / ``ref_base_missing`` are the shares of the base's
establishments in withheld cells without a value in the region / the
reference, and the LQ is null when either exceeds ``max_withheld`` (an
understated base would inflate or deflate every LQ of its type).

**NAICS vintages.** The crosswalks are defined on one NAICS vintage (the
US Cluster Mapping one on NAICS 2012), while QCEW codes its data in the
vintage of the data year (:func:`exportplan.analysis.industry.naics_vintage`).
``vintage_break`` is True when the growth window crosses a vintage. Then a
cluster's sums at the two ends may cover different codes (a code split,
merged or renumbered has a row at one end only) and show growth that did not
happen: ``vintage_gap_codes`` counts the cluster's mapped 6-digit codes with
a row (withheld or not) in only one of the two years, in the region or in the
reference (a frame lacking either year entirely is not evidence), and growth
and CAGR are null when it is above 0. Within one vintage a code with a row at
one end only is a real change and counts (``vintage_gap_codes`` 0). Clusters
whose code set is the same at both ends keep their growth, flagged.

With the implied reference (USLQ, :func:`exportplan.analysis.industry.implied_reference`)
a 6-digit code whose U.S. share no county LQ gives is withheld in the
reference: a cluster holding one gets no LQ unless the reference was
estimated (its ``ref_estimated`` then says how much of ``N_c`` is a
residual estimate). A code that no loaded area has at all has no reference
row and counts as 0 in ``N_c`` and ``N_traded``, as in a U.S. file.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from exportplan.analysis.area_frames import _estimated_share, _with_withheld, naics_vintage, ownership_code
from exportplan.analysis.shift_share import growth
from exportplan.errors import ExportPlanError

FLAGS = ("strong", "strong10", "significant", "qualifying")
CLUSTER_BASES = ("type", "all")
_GROUP = ["_key", "cluster_code", "cluster_name", "type"]


# ---------------------------------------------------------------- sums and LQ

def cluster_sums(frame: pl.DataFrame, crosswalk: pl.DataFrame, *, ownership: str = "5",
                 by: Sequence[str] = ()) -> pl.DataFrame:
    """Sum an area frame's 6-digit rows of one ownership into clusters, per year (and per ``by`` column).

    Returns _key, cluster_code, cluster_name, type, year, employment,
    establishments, wages, n_naics, est_withheld, est_missing (establishments
    in withheld cells, in those without a value), withheld, estimated (share
    of employment estimated), missing (share of establishments in withheld
    cells without a value). ``_key`` is the cluster code, else the name,
    else the type (type-only crosswalks). Without establishment counts (the
    implied USLQ reference) the shares are those of the cells (withheld,
    missing: 1 when any cell is). ``by`` adds group keys, e.g. ``("area_fips",)``
    to sum every area of a many-area frame at once (:func:`exportplan.analysis.peers.qcew_peers`).
    """
    rows = _six_digit_rows(frame, ownership)
    joined = rows.join(_keyed(crosswalk), left_on="industry_code", right_on="naics", how="inner")
    sums = joined.group_by([*_GROUP, *by, "year"]).agg(
        pl.when(pl.col("emplvl").is_not_null().any()).then(pl.col("emplvl").sum()).alias("employment"),
        (pl.col("emplvl") * _estimated_share(joined.columns)).sum().alias("_emp_est"),
        pl.col("estabs").sum().alias("establishments"),
        pl.col("total_wages").sum().alias("wages"),
        pl.len().cast(pl.UInt32).alias("n_naics"),
        (pl.col("withheld") * pl.col("estabs")).sum().alias("est_withheld"),
        (pl.col("missing") * pl.col("estabs")).sum().alias("est_missing"),
        pl.col("withheld").max().alias("_max_w"),
        pl.col("missing").max().alias("_max_m"),
    )
    has_estabs = pl.col("establishments") > 0
    share = pl.when(has_estabs).then(pl.col("est_withheld") / pl.col("establishments"))
    missing = pl.when(has_estabs).then(pl.col("est_missing") / pl.col("establishments"))
    estimated = pl.when(pl.col("employment") > 0).then(pl.col("_emp_est") / pl.col("employment")).otherwise(0.0)
    return sums.with_columns(withheld=pl.coalesce(share, pl.col("_max_w")), missing=pl.coalesce(missing, pl.col("_max_m")),
                             estimated=estimated).drop("_max_w", "_max_m", "_emp_est")


def _six_digit_rows(frame: pl.DataFrame, ownership: str) -> pl.DataFrame:
    """An area frame's annual 6-digit rows of one ownership, with ``withheld`` and ``missing``."""
    own = ownership_code(ownership)
    rows = _with_withheld(frame).filter(
        (pl.col("own_code") == own) & pl.col("industry_code").str.contains(r"^[0-9]{6}$"))
    return rows.filter(pl.col("qtr") == "A") if "qtr" in rows.columns else rows


def _keyed(crosswalk: pl.DataFrame) -> pl.DataFrame:
    """The crosswalk with ``_key``: the cluster code, else 'name:' + name, else 'type:' + type."""
    return crosswalk.select("naics", "cluster_code", "cluster_name", "type").with_columns(
        _key=pl.coalesce(pl.col("cluster_code"), pl.lit("name:") + pl.col("cluster_name"),
                         pl.lit("type:") + pl.col("type")))


def _base_totals(sums: pl.DataFrame, base: str) -> pl.DataFrame:
    """Per year (and type): the LQ base employment ``_base`` and its withheld and missing shares.

    ``base_missing`` is the share of the base's establishments in withheld
    cells without a value; without establishment counts (USLQ) 1 when any
    cluster of the base has such a cell, as for a cluster's ``missing``.
    """
    keys = ["year", "type"] if base == "type" else ["year"]
    has_estabs = pl.col("establishments").sum() > 0
    return sums.group_by(keys).agg(
        pl.col("employment").sum().alias("_base"),
        pl.when(has_estabs).then(pl.col("est_withheld").sum() / pl.col("establishments").sum())
        .alias("base_withheld"),
        pl.when(has_estabs).then(pl.col("est_missing").sum() / pl.col("establishments").sum())
        .otherwise(pl.col("missing").max()).alias("base_missing"))


def _with_base(sums: pl.DataFrame, base: str) -> pl.DataFrame:
    """Add the LQ base (``_base``) and its shares (``base_withheld``, ``base_missing``) to cluster sums."""
    keys = ["year", "type"] if base == "type" else ["year"]
    return sums.join(_base_totals(sums, base), on=keys, how="left")


def cluster_table(region: pl.DataFrame, crosswalk: pl.DataFrame, reference: pl.DataFrame, *,
                  year: int | None = None, window: int = 5, base: str = "type", ownership: str = "5",
                  max_withheld: float = 0.0, region_cells: pl.DataFrame | None = None,
                  max_bound_ratio: float | None = None, start_year: int | None = None,
                  estimate: bool = False) -> pl.DataFrame:
    """The region's clusters with employment, LQ, growth and withheld share.

    ``estimate`` says the frames carry estimates of withheld cells: a value
    with no estimate but bounds within ``max_bound_ratio`` then gets the
    bounds' geometric midpoint (analysis.withheld.limit_points).

    ``region`` and ``reference`` are area frames with 6-digit rows (the
    region summed over its counties first). ``base='type'`` (US Cluster
    Mapping): ``LQ_c = (e_c / e_traded) / (N_c / N_traded)`` for a traded
    cluster, the local totals for a local one; ``base='all'``: the sums over
    all mapped clusters. The base is the sum of the cells with a value
    (``base_withheld`` reports its withheld share); the LQ is null when the
    region's or the reference's base misses more than ``max_withheld`` of
    its establishments (``base_missing``, ``ref_base_missing``). ``year``
    defaults to the latest; growth runs from ``start_year`` (the workspace
    passes its analysis window's; one not before ``year`` means no growth),
    else over ``window`` years (or from the earliest loaded year; null
    against nothing: it is the region's own) and
    is null for a cluster whose code set differs between the ends of a
    window that crosses a NAICS vintage (``vintage_break``,
    ``vintage_gap_codes``: see the module docstring). Ranked by employment,
    largest first. See the module docstring for the columns and for
    estimated frames and the implied USLQ reference.

    Bounds (:mod:`exportplan.analysis.withheld`): from ``region_cells`` (the
    counties' cells; a one-area ``region`` serves as its own), columns
    employment_low/high, lq_low/high, growth_low/high bound each cluster
    exactly by the NAICS hierarchy; lq (growth) is null and lq_note
    (growth_note) says why where the bounds are wider than
    ``max_bound_ratio``. Without cells for a many-county region the columns
    are absent.

    When the reference lacks ``year`` in the region's period (a U.S. file of
    Q1 only against the counties' annual averages, or no U.S. file for the
    year) every LQ is blank: reference rows of another period are never used
    (:func:`exportplan.analysis.reference.match_reference`); the caller says
    so (:func:`exportplan.analysis.reference.reference_gap`).
    """
    from exportplan.analysis.reference import match_reference

    if base not in CLUSTER_BASES:
        raise ExportPlanError(f"Unknown cluster LQ base {base!r}; use 'type' (traded/local, USCMP) or 'all'.")
    reg = _with_base(cluster_sums(region, crosswalk, ownership=ownership), base)
    if reg.height == 0:
        raise ExportPlanError("No 6-digit rows of the region match the crosswalk; load 6-digit QCEW data "
                              "(agglvl 78) and check the crosswalk's NAICS vintage.")
    year = int(year) if year is not None else int(reg.get_column("year").max())
    reference, _ = match_reference(region, reference, [year])
    ref = _with_base(cluster_sums(reference, crosswalk, ownership=ownership), base)
    table = _cluster_lq(reg.filter(pl.col("year") == year), ref.filter(pl.col("year") == year), base, max_withheld)
    grown = _cluster_growth(reg, year, window, max_withheld, start_year)
    table = table.join(grown, on="_key", how="left")
    table = _blank_vintage_gaps(table, grown, [region, reference], crosswalk, year, ownership)
    # max_withheld > 0 asks for LQs on incomplete sums: the bounds are given, the point values kept.
    limit = float("inf") if max_withheld > 0 else max_bound_ratio
    table = _with_bounds(table, region, region_cells, reference, crosswalk, year, base, ownership, limit, estimate)
    table = table.drop("_key", "est_withheld", "est_missing", "missing")
    first = [c for c in ("cluster_code", "cluster_name", "type", "year", "employment", "establishments", "wages",
                         "avg_pay", "n_naics", "withheld", "estimated", "ref_estimated", "base_withheld",
                         "base_missing", "ref_base_missing")
             if c in table.columns]
    return table.select(*first, pl.exclude(first)).sort(["employment", "cluster_name"], descending=[True, False],
                                                         nulls_last=True)


def _with_bounds(table: pl.DataFrame, region: pl.DataFrame, region_cells: pl.DataFrame | None,
                 reference: pl.DataFrame, crosswalk: pl.DataFrame, year: int, base: str, ownership: str,
                 max_ratio: float | None, estimate: bool = False) -> pl.DataFrame:
    """Add the bounds of withheld cells (analysis.withheld): from the counties' cells, or a one-area region."""
    from exportplan.analysis import withheld as wh

    if region_cells is None:
        if "n_areas" in region.columns and region.get_column("n_areas").max() not in (None, 1):
            return table  # a sum of several areas: the cells are needed for bounds
        region_cells = region
    starts = table.get_column("start_year").drop_nulls() if "start_year" in table.columns else pl.Series([])
    bounds = wh.cluster_table_bounds(region_cells, reference, _keyed(crosswalk), year=year,
                                     start_year=int(starts[0]) if starts.len() else None, base=base,
                                     ownership=ownership_code(ownership))
    out = table.join(bounds, on="_key", how="left")
    if "vintage_gap_codes" in out.columns:  # growth across a changed code set has no bounds either
        gap = pl.col("vintage_gap_codes").fill_null(0) > 0
        out = out.with_columns(growth_low=pl.when(~gap).then(pl.col("growth_low")),
                               growth_high=pl.when(~gap).then(pl.col("growth_high")))
    return wh.limit_table(out, max_ratio, midpoint=estimate)


def _cluster_lq(reg: pl.DataFrame, ref: pl.DataFrame, base: str, max_withheld: float) -> pl.DataFrame:
    # The reference's base per type (or one row for base 'all'), joined even where it lacks the cluster.
    keys = ["type"] if base == "type" else []
    ref_base = _base_totals(ref, base).select(*keys, pl.col("_base").alias("_Nb"),
                                              pl.col("base_missing").alias("ref_base_missing"))
    ref = ref.select("_key", pl.col("employment").alias("_N"), pl.col("missing").alias("_rw"),
                     pl.col("estimated").alias("ref_estimated"))
    out = reg.join(ref, on="_key", how="left")
    if keys:
        out = out.join(ref_base, on=keys, how="left")
    else:
        out = out.with_columns(_one=pl.lit(1)).join(ref_base.with_columns(_one=pl.lit(1)), on="_one",
                                                    how="left").drop("_one")
    # Both bases must be complete too: a withheld cell missing from e_traded (or N_traded) shifts every LQ.
    ok = ((pl.col("missing") <= max_withheld) & (pl.col("_rw") <= max_withheld)
          & (pl.col("base_missing") <= max_withheld) & (pl.col("ref_base_missing") <= max_withheld)
          & (pl.col("_base") > 0) & (pl.col("_N") > 0) & (pl.col("_Nb") > 0))
    lq = (pl.col("employment") / pl.col("_base")) / (pl.col("_N") / pl.col("_Nb"))
    return out.with_columns(
        avg_pay=pl.when(pl.col("employment") > 0).then(pl.col("wages") / pl.col("employment")),
        lq=pl.when(ok).then(lq), lq_base=pl.lit(base),
    ).drop("_N", "_Nb", "_rw", "_base")


def _cluster_growth(sums: pl.DataFrame, year: int, window: int, max_withheld: float,
                    start_year: int | None = None) -> pl.DataFrame:
    years = [y for y in sums.get_column("year").unique().to_list() if y <= year]
    if start_year is not None and (int(start_year) >= year or int(start_year) not in years):
        years = []
    if len(years) < 2:
        return pl.DataFrame(schema={"_key": pl.String, "start_year": pl.Int32, "growth": pl.Float64,
                                    "cagr": pl.Float64, "vintage_break": pl.Boolean})
    grown = growth(sums.select("_key", "year", pl.col("employment").alias("emplvl"), "withheld", "missing"),
                   start_year, year, window=window, keys=["_key"], max_withheld=max_withheld)
    return grown.select("_key", "start_year", "growth", "cagr", "vintage_break")


def _blank_vintage_gaps(table: pl.DataFrame, grown: pl.DataFrame, frames: Sequence[pl.DataFrame],
                        crosswalk: pl.DataFrame, year: int, ownership: str) -> pl.DataFrame:
    """Add ``vintage_gap_codes`` and blank growth where a vintage break changed the cluster's codes."""
    starts = grown.get_column("start_year").drop_nulls()
    if starts.len() == 0 or naics_vintage(int(starts[0])) == naics_vintage(year):
        return table.with_columns(vintage_gap_codes=pl.lit(0, pl.UInt32))
    gaps = vintage_gaps(frames, crosswalk, int(starts[0]), year, ownership=ownership).select(
        "_key", "vintage_gap_codes")
    out = table.join(gaps, on="_key", how="left").with_columns(pl.col("vintage_gap_codes").fill_null(0))
    changed = pl.col("vintage_gap_codes") > 0
    return out.with_columns(growth=pl.when(~changed).then(pl.col("growth")),
                            cagr=pl.when(~changed).then(pl.col("cagr")))


def vintage_gaps(frames: Sequence[pl.DataFrame | None], crosswalk: pl.DataFrame, start_year: int, end_year: int, *,
                 ownership: str = "5") -> pl.DataFrame:
    """Clusters holding mapped 6-digit codes that have a row in only one of two years.

    For each frame (area frames or canonical QCEW frames; None is skipped)
    with 6-digit rows of the ownership in both years, the crosswalk codes
    with a row (withheld or not) in exactly one of them are collected; a
    frame that lacks either year entirely says nothing and is skipped.
    Across a NAICS vintage break such a code was split, merged or
    renumbered, or is a real change that cannot be told apart: a cluster sum
    over it compares different code sets. Returns ``_key, cluster_code,
    cluster_name, vintage_gap_codes`` (UInt32, the number of such codes),
    one row per cluster that has any.
    """
    years = [int(start_year), int(end_year)]
    one_end: set[str] = set()
    for frame in frames:
        if frame is None:
            continue
        rows = _six_digit_rows(frame, ownership).filter(pl.col("year").is_in(years)).select(
            "industry_code", "year").unique()
        if rows.get_column("year").n_unique() < 2:
            continue
        counts = rows.group_by("industry_code").agg(pl.len().alias("_n"))
        one_end |= set(counts.filter(pl.col("_n") == 1).get_column("industry_code").to_list())
    return (_keyed(crosswalk).filter(pl.col("naics").is_in(sorted(one_end)))
            .group_by("_key", "cluster_code", "cluster_name")
            .agg(pl.col("naics").n_unique().cast(pl.UInt32).alias("vintage_gap_codes")).sort("_key"))


# ---------------------------------------------------------------- flags

def cluster_flags(frame: pl.DataFrame, *, region_col: str = "region_code", cluster_col: str = "cluster_code",
                  year_col: str = "year", lq_col: str = "lq", emp_col: str = "employment",
                  est_col: str = "establishments", type_col: str = "type") -> pl.DataFrame:
    """The four US Cluster Mapping flags for every region x cluster x year row.

    Per cluster and year, percentiles (numpy's linear interpolation) are taken
    across the regions with employment > 0 (LQ percentiles over those with an
    LQ). With ``size = emp > P25(emp) and est > P25(est)``:
    strong ``LQ >= P75(LQ) and LQ >= 1 and size``; strong10 the same with
    P90; significant ``LQ > P50(LQ) and size``; qualifying ``LQ > P25(LQ)
    and size``. Flags are null for local clusters (when ``type_col`` exists)
    and where LQ or employment is null. Adds the flags and the thresholds
    lq_p25, lq_p50, lq_p75, lq_p90, emp_p25, est_p25.
    """
    missing = [c for c in (region_col, cluster_col, year_col, lq_col, emp_col, est_col) if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"cluster_flags: the frame lacks column(s) {', '.join(missing)}; name them with "
                              "the region_col= ... arguments.")
    keys = [cluster_col, year_col]
    out = frame.join(_thresholds(frame, keys, lq_col, emp_col, est_col, type_col), on=keys, how="left",
                     nulls_equal=True)
    lq, size = pl.col(lq_col), (pl.col(emp_col) > pl.col("emp_p25")) & (pl.col(est_col) > pl.col("est_p25"))
    rules = {"strong": (lq >= pl.col("lq_p75")) & (lq >= 1) & size,
             "strong10": (lq >= pl.col("lq_p90")) & (lq >= 1) & size,
             "significant": (lq > pl.col("lq_p50")) & size,
             "qualifying": (lq > pl.col("lq_p25")) & size}
    known = lq.is_not_null() & pl.col(emp_col).is_not_null() & pl.col(est_col).is_not_null()
    if type_col in frame.columns:
        known = known & (pl.col(type_col) != "local")
    # With no populated peers the thresholds are null: then only a zero-employment row is decidable (False).
    empty = pl.col(emp_col) <= 0
    return out.with_columns(**{name: pl.when(known & empty).then(False).when(known).then(rule)
                               for name, rule in rules.items()})


def _thresholds(frame: pl.DataFrame, keys: list[str], lq_col: str, emp_col: str, est_col: str,
                type_col: str) -> pl.DataFrame:
    """Percentile thresholds per cluster and year, computed with numpy (linear interpolation)."""
    populated = frame.filter(pl.col(emp_col) > 0)
    if type_col in frame.columns:
        populated = populated.filter(pl.col(type_col).fill_null("traded") != "local")
    groups = populated.group_by(keys).agg(pl.col(lq_col).drop_nulls().alias("_lq"), pl.col(emp_col).alias("_emp"),
                                           pl.col(est_col).cast(pl.Float64).alias("_est"))
    rows = []
    for row in groups.iter_rows(named=True):
        lqs = np.asarray(row["_lq"], dtype=float)
        p = np.percentile(lqs, [25, 50, 75, 90]) if lqs.size else [None] * 4
        rows.append({**{k: row[k] for k in keys}, "lq_p25": p[0], "lq_p50": p[1], "lq_p75": p[2], "lq_p90": p[3],
                     "emp_p25": float(np.percentile(np.asarray(row["_emp"], dtype=float), 25)),
                     "est_p25": float(np.percentile(np.asarray(row["_est"], dtype=float), 25))})
    schema = {**{k: frame.schema[k] for k in keys}, **{c: pl.Float64 for c in
              ("lq_p25", "lq_p50", "lq_p75", "lq_p90", "emp_p25", "est_p25")}}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def flag_against_peers(region_clusters: pl.DataFrame, peers: pl.DataFrame, *, region_code: str = "REGION",
                       region_kind: str | None = None, region_text: str = "",
                       peer_kind: str | None = None) -> pl.DataFrame:
    """Flag the region's clusters with percentiles over a peer set plus the region itself.

    ``region_clusters`` is a :func:`cluster_table` (LQ with the traded/local
    base, official cluster codes); ``peers`` a USCMP-layout table (e.g. all
    states). For each year of the region the peers' same year is used, else
    their latest earlier year, else their earliest. A peer row with the
    region's own code is replaced by the region. Adds the four flags and
    ``flag_method`` ("peer percentiles over N regions ..."); clusters the
    peers lack get null flags. A region LQ (employment) that rests on
    withheld cells is flagged at both ends of its bounds (``lq_low``/``lq_high``,
    ``employment_low``/``employment_high``): a flag that differs between them
    is null (uncertain) and ``strong_note`` names it and the bounds.

    US Cluster Mapping compares a region only with regions of its kind and
    year. With ``region_kind`` (:func:`exportplan.analysis.peers.region_kind`;
    ``region_text`` describes the region) the peers' kind (``peer_kind``, else
    their ``region_type``) is compared with it, and the peer year with the
    region's: when either differs, every flag's ``flag_method`` ends with
    "against 2016 state peers, not of the region's kind or year" (the parts
    that differ). Without ``region_kind`` only the year is checked.
    """
    if "lq_base" in region_clusters.columns and (region_clusters.get_column("lq_base") != "type").any():
        raise ExportPlanError("Peer flags compare LQs with the traded/local base (USCMP); build the cluster table "
                              "with base='type'.")
    if "year" not in region_clusters.columns:
        raise ExportPlanError("The region's cluster table has no year column; use cluster_table's output.")
    from exportplan.analysis.peers import peer_set_kind

    if peer_kind is None:
        peer_kind = peer_set_kind(peers.get_column("region_type").to_list()) if "region_type" in peers.columns else ""
    parts = [_flag_year(region_clusters.filter(pl.col("year") == y), peers, int(y), region_code,
                        region_kind, region_text, peer_kind)
             for y in region_clusters.get_column("year").unique().sort().to_list()]
    return pl.concat(parts, how="vertical_relaxed") if parts else region_clusters


def _flag_year(region: pl.DataFrame, peers: pl.DataFrame, year: int, region_code: str,
               region_kind: str | None = None, region_text: str = "", peer_kind: str = "") -> pl.DataFrame:
    from exportplan.analysis import uncertain as unc
    from exportplan.analysis.peers import mismatch_label

    peer_year = _peer_year(peers.get_column("year").unique().to_list(), year)
    cols = ["region_code", "cluster_code", "type", "year", "lq", "employment", "establishments"]
    peer_rows = peers.filter((pl.col("year") == peer_year) & (pl.col("region_code") != region_code)).with_columns(
        year=pl.lit(year, pl.Int32))
    # An LQ (employment) on withheld cells is flagged at both ends of its bounds: every rule rises with both.
    lq_lo, lq_hi = unc.ends(region, "lq")
    emp_lo, emp_hi = unc.ends(region, "employment")
    ended = region.with_columns(_lq_lo=lq_lo, _lq_hi=lq_hi, _emp_lo=emp_lo.cast(pl.Float64),
                                _emp_hi=emp_hi.cast(pl.Float64))

    def flags_at(end: str) -> pl.DataFrame:
        own = ended.select(pl.lit(region_code).alias("region_code"), "cluster_code", "type",
                           pl.col("year").cast(pl.Int32), pl.col(f"_lq_{end}").alias("lq"),
                           pl.col(f"_emp_{end}").alias("employment"), pl.col("establishments").cast(pl.Int64))
        pool = pl.concat([peer_rows.select(cols), own], how="vertical_relaxed")
        return cluster_flags(pool).filter(pl.col("region_code") == region_code).select(
            "cluster_code", *FLAGS, "lq_p75")

    flagged = unc.combine_ends(
        flags_at("lo").join(ended.select("cluster_code", "_lq_lo", "_lq_hi", "_emp_lo", "_emp_hi"),
                            on="cluster_code", how="left"),
        flags_at("hi"), FLAGS, "cluster_code").select("cluster_code", *FLAGS, unc.NOTE_COLUMN)
    n = peer_rows.get_column("region_code").n_unique() + 1
    kinds = ", ".join(sorted(set(peer_rows.get_column("region_type").drop_nulls().to_list()))) \
        if "region_type" in peer_rows.columns else "peer"
    this = f"this region ({region_text})" if region_text else "this region"
    method = (f"peer percentiles over {n} regions ({n - 1} {kinds} regions, {peer_year} data, plus {this}, "
              f"{year} data)")
    kind_differs = region_kind is not None and (peer_kind or "") != region_kind
    if kind_differs or peer_year != year:
        method += f"; {mismatch_label(peer_kind or kinds, peer_year, kind_differs, peer_year != year)}"
    known = set(peers.get_column("cluster_code").to_list())
    out = region.drop([f for f in (*FLAGS, unc.NOTE_COLUMN) if f in region.columns]).join(
        flagged, on="cluster_code", how="left")
    return out.with_columns(flag_method=pl.when(pl.col("cluster_code").is_in(list(known)))
                            .then(pl.lit(method)).otherwise(pl.lit("no peer data for this cluster")))


def _peer_year(years: list[int], year: int) -> int:
    if not years:
        raise ExportPlanError("The peer table is empty; load a USCMP cluster table with rows.")
    earlier = [y for y in years if y <= year]
    return max(earlier) if earlier else min(years)


def flag_fallback(region_clusters: pl.DataFrame, threshold: float = 1.2, *,
                  reason: str = "no peer set loaded") -> pl.DataFrame:
    """Flags when no peer set can be used: strong = LQ >= threshold (traded clusters).

    An LQ that rests on withheld cells is judged on its bounds (``lq_low``,
    ``lq_high``; :mod:`exportplan.analysis.uncertain`): strong is True when
    ``lq_low >= threshold``, False when ``lq_high < threshold``, and null when
    the bounds straddle it, with ``strong_note`` saying so. The percentile
    flags (strong10, significant, qualifying) cannot be
    computed without peers and are null; ``flag_method`` says
    "LQ >= 1.2 fallback, no peer set loaded" (with the threshold used and
    ``reason``, e.g. why a loaded peer set does not apply).
    """
    from exportplan.analysis.uncertain import fallback_flags

    traded = pl.col("type") != "local" if "type" in region_clusters.columns else pl.lit(True)
    return region_clusters.with_columns(
        **fallback_flags(region_clusters, threshold, traded),
        strong10=pl.lit(None, pl.Boolean), significant=pl.lit(None, pl.Boolean),
        qualifying=pl.lit(None, pl.Boolean),
        flag_method=pl.lit(f"LQ >= {threshold:g} fallback, {reason}"),
    )


__all__ = ["CLUSTER_BASES", "FLAGS", "cluster_flags", "cluster_sums", "cluster_table", "flag_against_peers",
           "flag_fallback", "vintage_gaps"]
