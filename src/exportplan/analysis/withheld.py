"""Withheld QCEW cells as exact bounds from the NAICS hierarchy (methods.md, "Withheld cells").

Pure polars functions, no I/O. BLS withholds (discloses as 'N') cells that
would reveal an employer, but it publishes their parents, so a withheld cell
is bounded the way Isserman & Westervelt (2006) bound suppressed County
Business Patterns cells:

- A cell's **anchor** is its nearest *disclosed* ancestor (its parent when
  that is disclosed; when the parent is itself withheld, the next disclosed
  ancestor). Cells are grouped per area, year, qtr, ownership and size
  (``CELL_KEYS``).
- The anchor's **residual** ``R = anchor − Σ disclosed cells anchored to it``
  (its disclosed children, and the disclosed cells inside its withheld
  subtree, which are already known) is what the withheld subtree holds
  beyond what is published. ``R`` is clipped at 0: published annual averages
  are rounded and can leave a residual of a few jobs below 0.
- A **residual group** is (area keys, anchor, R, the withheld cells anchored
  to it). Each residual is counted once, whatever number of members a sum
  takes from it.
- A withheld cell X of group A holds ``D(X)``, the disclosed cells below it in
  the group, plus an unknown part ≥ 0; the unknown parts of disjoint members
  add up to at most R. So ``D(X) ≤ X ≤ D(X) + R``, and for any sum of
  disjoint cells (an industry over counties, a cluster's 6-digit industries,
  a traded base) ``low = Σ disclosed + Σ D`` and ``high = low + Σ over the
  distinct groups touched of R``. A withheld cell with no disclosed ancestor
  (nothing above it is published) has no upper bound (``high`` null).

Location quotients and growth rates get bounds by interval arithmetic on their
parts (:func:`lq_interval`, :func:`growth_interval`); :func:`limit_points` blanks
a point value whose bounds are wider than ``analysis.max_bound_ratio`` and
says why in a note column.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from exportplan.analysis.area_frames import ALL_OWNERSHIPS, TOTAL_CODE, naics_level_expr
from exportplan.analysis.estimation import naics_parent_expr

CELL_KEYS = ("area_fips", "year", "qtr", "own_code", "size_code")
_DEPTH = 6  # a 6-digit code has at most 6 ancestors: 5, 4, 3 digits, sector, total '10'
BOUND_SCHEMA = {"employment_low": pl.Float64, "employment_high": pl.Float64}


def _keys(frame: pl.DataFrame) -> list[str]:
    return [k for k in CELL_KEYS if k in frame.columns]


def _hidden_expr(names: Sequence[str]) -> pl.Expr:
    """A withheld cell: disclosure code set, or an estimate, or no value."""
    hidden = pl.col("emplvl").is_null()
    if "disclosure_code" in names:
        hidden = hidden | (pl.col("disclosure_code").fill_null("") != "")
    if "estimated" in names:  # filled by estimate_withheld (a flag, or a one-area sum's share)
        hidden = hidden | (pl.col("estimated").cast(pl.Float64).fill_null(0.0) > 0)
    return hidden


def cell_bounds(cells: pl.DataFrame) -> pl.DataFrame:
    """Bounds of every cell of a QCEW cell frame (per area, year, qtr, ownership, size).

    ``cells`` is a canonical frame (read_qcew / annual_rows, estimated or not:
    estimates are treated as withheld). Codes outside the NAICS hierarchy
    (domain and supersector aggregates) are left out. Returns one row per cell:
    the key columns, ``industry_code``, ``withheld`` (bool), ``employment_low``,
    ``employment_high`` (null: unbounded), ``anchor`` (the group's disclosed
    ancestor; null for disclosed cells and for withheld cells with none),
    ``residual`` (the group's R clipped at 0) and ``estabs`` (0 when absent).
    Disclosed cells have ``low = high = emplvl``.
    """
    keys = _keys(cells)
    names = cells.columns
    estabs = pl.col("estabs").cast(pl.Float64).fill_null(0.0) if "estabs" in names else pl.lit(0.0)
    work = cells.filter(naics_level_expr().is_not_null()).select(
        *keys, "industry_code", _hidden=_hidden_expr(names), _v=pl.col("emplvl").cast(pl.Float64), estabs=estabs)
    shown = work.filter(~pl.col("_hidden")).select(*keys, "industry_code", "_v")
    prev = "industry_code"
    for k in range(1, _DEPTH + 1):
        work = work.with_columns(naics_parent_expr(prev).alias(f"_a{k}"))
        work = work.join(shown.rename({"industry_code": f"_a{k}", "_v": f"_d{k}"}), on=[*keys, f"_a{k}"],
                         how="left", nulls_equal=True)
        prev = f"_a{k}"
    found = [pl.col(f"_d{k}").is_not_null() for k in range(1, _DEPTH + 1)]
    work = work.with_columns(
        _depth=pl.coalesce([pl.when(f).then(pl.lit(k, pl.Int8)) for k, f in enumerate(found, 1)]),
        anchor=pl.coalesce([pl.when(f).then(pl.col(f"_a{k}")) for k, f in enumerate(found, 1)]),
        _av=pl.coalesce([pl.when(f).then(pl.col(f"_d{k}")) for k, f in enumerate(found, 1)]))
    # Residual of each anchor: its value less every disclosed cell anchored to it.
    explained = work.filter(~pl.col("_hidden") & pl.col("anchor").is_not_null()).group_by(
        *keys, "anchor").agg(pl.col("_v").sum().alias("_explained"))
    groups = work.filter(pl.col("_hidden") & pl.col("anchor").is_not_null()).group_by(*keys, "anchor").agg(
        pl.col("_av").first()).join(explained, on=[*keys, "anchor"], how="left", nulls_equal=True).select(
        *keys, "anchor", residual=(pl.col("_av") - pl.col("_explained").fill_null(0.0)).clip(lower_bound=0.0))
    # D(X): disclosed cells below a withheld X in X's group (their ancestors strictly below their anchor).
    below = [work.filter(~pl.col("_hidden") & (pl.col("_depth").fill_null(_DEPTH + 1) > k)
                         & pl.col(f"_a{k}").is_not_null())
             .select(*keys, pl.col(f"_a{k}").alias("industry_code"), "_v") for k in range(1, _DEPTH)]
    inside = pl.concat(below).group_by(*keys, "industry_code").agg(pl.col("_v").sum().alias("_D"))
    out = (work.select(*keys, "industry_code", "_hidden", "_v", "anchor", "estabs")
           .join(groups, on=[*keys, "anchor"], how="left", nulls_equal=True)
           .join(inside, on=[*keys, "industry_code"], how="left", nulls_equal=True))
    hidden = pl.col("_hidden")
    low = pl.when(hidden).then(pl.col("_D").fill_null(0.0)).otherwise(pl.col("_v"))
    return out.select(
        *keys, "industry_code", hidden.alias("withheld"),
        low.alias("employment_low"),
        pl.when(~hidden).then(pl.col("_v")).when(pl.col("anchor").is_not_null())
        .then(pl.col("_D").fill_null(0.0) + pl.col("residual")).alias("employment_high"),
        pl.when(hidden).then(pl.col("anchor")).alias("anchor"),
        pl.when(hidden).then(pl.col("residual")).alias("residual"), "estabs",
    ).sort([*keys, "industry_code"], nulls_last=True)


def residual_groups(bounds: pl.DataFrame) -> pl.DataFrame:
    """The residual groups of a :func:`cell_bounds` frame.

    One row per (area keys, anchor): ``residual`` (R, clipped at 0), ``members``
    (the withheld codes anchored to it, sorted), ``n_members``. Withheld cells
    with no disclosed ancestor form no group (they are unbounded).
    """
    keys = _keys(bounds)
    return (bounds.filter(pl.col("withheld") & pl.col("anchor").is_not_null())
            .group_by(*keys, "anchor").agg(pl.col("residual").first(), pl.col("industry_code").sort().alias("members"),
                                          pl.len().cast(pl.UInt32).alias("n_members"))
            .sort([*keys, "anchor"], nulls_last=True))


# ---------------------------------------------------------------- sums

def region_bounds(bounds: pl.DataFrame, areas: Sequence[str] | None = None, *,
                  region_code: str = "REGION") -> pl.DataFrame:
    """Bounds of each industry summed over areas (size '0'): per own_code, industry_code, year, qtr.

    ``employment_low`` sums the cells' lows; ``employment_high`` their highs
    (each cell of an industry is one area's, so no residual is counted twice),
    null when any cell is unbounded. ``withheld_cells`` counts the withheld
    cells summed.
    """
    rows = bounds if areas is None else bounds.filter(pl.col("area_fips").is_in(list(areas)))
    if "size_code" in rows.columns:
        rows = rows.filter(pl.col("size_code").fill_null("0") == "0")
    keys = [k for k in ("own_code", "industry_code", "year", "qtr") if k in rows.columns]
    return rows.group_by(keys).agg(
        pl.col("employment_low").sum(),
        pl.when(pl.col("employment_high").is_null().any()).then(None)
        .otherwise(pl.col("employment_high").sum()).alias("employment_high"),
        pl.col("withheld").sum().cast(pl.UInt32).alias("withheld_cells"),
    ).with_columns(area_fips=pl.lit(region_code)).sort(keys)


def set_bounds(bounds: pl.DataFrame, membership: pl.DataFrame, set_keys: Sequence[str], *,
               code: str = "naics", areas: Sequence[str] | None = None) -> pl.DataFrame:
    """Bounds of sums of disjoint cells (e.g. a cluster's 6-digit industries) over areas.

    ``membership`` maps codes (column ``code``) to sets (``set_keys``; a code
    may belong to several sets). Per set, year, qtr and ownership:
    ``employment_low = Σ lows`` and ``employment_high = low + Σ R`` over the
    distinct residual groups that the set's withheld members touch, each
    counted once (so never more than R from one group); null when a withheld
    member is unbounded. The members must be disjoint (no member the
    ancestor of another), as 6-digit codes are.
    """
    rows = bounds if areas is None else bounds.filter(pl.col("area_fips").is_in(list(areas)))
    if "size_code" in rows.columns:
        rows = rows.filter(pl.col("size_code").fill_null("0") == "0")
    keys = _keys(rows)
    per = [k for k in ("year", "qtr", "own_code") if k in rows.columns]
    joined = rows.join(membership.select(pl.col(code).alias("industry_code"), *set_keys).unique(),
                       on="industry_code", how="inner")
    low = joined.group_by(*set_keys, *per).agg(
        pl.col("employment_low").sum(),
        (pl.col("withheld") & pl.col("anchor").is_null()).any().alias("_unbounded"),
        pl.col("withheld").sum().cast(pl.UInt32).alias("withheld_cells"))
    touched = (joined.filter(pl.col("withheld") & pl.col("anchor").is_not_null())
               .group_by(*set_keys, *keys, "anchor").agg(pl.col("residual").first())
               .group_by(*set_keys, *per).agg(pl.col("residual").sum().alias("_extra")))
    out = low.join(touched, on=[*set_keys, *per], how="left", nulls_equal=True)
    return out.select(
        *set_keys, *per, "employment_low",
        pl.when(pl.col("_unbounded")).then(None)
        .otherwise(pl.col("employment_low") + pl.col("_extra").fill_null(0.0)).alias("employment_high"),
        "withheld_cells").sort([*set_keys, *per], nulls_last=True)


# ---------------------------------------------------------------- ratios

def lq_interval(e_low: str, e_high: str, base_low: str, base_high: str,
                n_low: str, n_high: str, ref_base_low: str, ref_base_high: str) -> tuple[pl.Expr, pl.Expr]:
    """``(lq_low, lq_high)`` of ``LQ = (e / E) / (n / N)`` from bounds on its four parts.

    Interval arithmetic, each part at its least favourable end:
    ``lq_low = (e_low / E_high) / (n_high / N_low)`` and ``lq_high = (e_high /
    E_low) / (n_low / N_high)``. This ignores that e is part of E (and n of
    N), so the interval is conservative (a little wider than the exact one).
    An unbounded part (null high) gives lq_low 0 or lq_high null (unbounded).
    """
    c = pl.col
    low = (pl.when((c(e_low) <= 0) | c(base_high).is_null() | c(n_high).is_null()).then(0.0)
           .when((c(base_high) > 0) & (c(n_high) > 0) & (c(ref_base_low) > 0))
           .then((c(e_low) / c(base_high)) / (c(n_high) / c(ref_base_low))))
    high = (pl.when(c(e_high).is_not_null() & c(ref_base_high).is_not_null() & (c(base_low) > 0)
                    & (c(n_low) > 0))
            .then((c(e_high) / c(base_low)) / (c(n_low) / c(ref_base_high))))
    return low.alias("lq_low"), high.alias("lq_high")


def growth_interval(x0_low: str, x0_high: str, x1_low: str, x1_high: str) -> tuple[pl.Expr, pl.Expr]:
    """``(growth_low, growth_high)`` of ``x1 / x0 − 1`` from bounds on both ends (null high: unbounded)."""
    c = pl.col
    low = (pl.when(c(x0_high).is_null()).then(-1.0)
           .when(c(x0_high) > 0).then(c(x1_low) / c(x0_high) - 1.0))
    high = pl.when(c(x1_high).is_not_null() & (c(x0_low) > 0)).then(c(x1_high) / c(x0_low) - 1.0)
    return low.alias("growth_low"), high.alias("growth_high")


def bound_ratio(low: str, high: str, *, shift: float = 0.0) -> pl.Expr:
    """``(high + shift) / (low + shift)``: 1 for exact bounds, null (infinite) when unbounded or low is 0."""
    lo, hi = pl.col(low) + shift, pl.col(high) + shift
    return pl.when(hi.is_not_null() & (lo > 0)).then(hi / lo)


def limit_points(frame: pl.DataFrame, value: str, *, max_ratio: float, note: str,
                 shift: float = 0.0, midpoint: bool = False) -> pl.DataFrame:
    """Blank ``value`` where its bounds are wider than ``max_ratio``; keep it inside them otherwise.

    Bounds are the columns ``{value}_low`` and ``{value}_high``; their width
    is ``(high + shift) / (low + shift)`` (shift 1 for growth rates, so the
    ratio is that of the growth factors). Where the ratio exceeds
    ``max_ratio`` (or the bounds are open) the point value becomes null and
    ``note`` says why; where it is kept, it is clipped into the bounds (an
    estimate never leaves them). With ``midpoint`` (estimation on), a missing
    value whose bounds are within ``max_ratio`` gets their geometric midpoint
    (on the shifted scale), marked as an estimate like any other. Where the bounds are exact the note is null.
    """
    low, high = pl.col(f"{value}_low"), pl.col(f"{value}_high")
    ratio = bound_ratio(f"{value}_low", f"{value}_high", shift=shift)
    exact = low.is_not_null() & high.is_not_null() & ((high - low).abs() <= 1e-9 * (1.0 + high.abs()))
    wide = pl.lit(False) if math.isinf(max_ratio) else ~exact & (ratio.is_null() | (ratio > max_ratio))
    has_bounds = low.is_not_null()
    reason = (pl.when(~has_bounds | exact).then(pl.lit(None, pl.String))
              .when(high.is_null()).then(pl.lit("no upper bound (withheld cells may leave the denominator 0, "
                                                "or have no published parent)"))
              .when(wide).then(pl.format("bounds too wide for a point value (high/low {} > {})",
                                         ratio.round(2).cast(pl.String).fill_null("inf"), pl.lit(f"{max_ratio:g}")))
              .when(pl.col(value).is_null() & pl.lit(midpoint)).then(pl.lit(
                  "no estimate for some withheld cells: geometric midpoint of the bounds"))
              .when(pl.col(value).is_null()).then(pl.lit("no estimate for some withheld cells: bounds only"))
              .otherwise(pl.lit("estimated within bounds")))
    # Narrow bounds without an estimate (e.g. reference cells that must not be estimated from the region) get
    # their geometric midpoint: within max_ratio of either end, marked estimated like any other.
    middle = ((low + shift) * (high + shift)).sqrt() - shift
    point = pl.when(pl.lit(midpoint) & pl.col(value).is_null() & has_bounds & high.is_not_null() & ~wide
                    & (low + shift > 0)).then(
        middle).otherwise(pl.col(value))
    kept = pl.when(has_bounds & wide).then(None).otherwise(point)
    clipped = pl.when(kept.is_not_null() & has_bounds).then(
        pl.max_horizontal(low, pl.min_horizontal(kept, pl.coalesce(high, kept)))).otherwise(kept)
    return frame.with_columns(clipped.alias(value), reason.alias(note))


def base_rows(region_b: pl.DataFrame, base: str) -> pl.DataFrame:
    """The LQ base (industry '10') bounds per join key: all ownerships ('bls') or each ownership."""
    rows = region_b.filter(pl.col("industry_code") == TOTAL_CODE)
    if base == "bls":
        return rows.filter(pl.col("own_code") == ALL_OWNERSHIPS).select(
            "year", "qtr", pl.col("employment_low").alias("_El"), pl.col("employment_high").alias("_Eh"))
    return rows.select("own_code", "year", "qtr", pl.col("employment_low").alias("_El"),
                       pl.col("employment_high").alias("_Eh"))


def industry_bounds(region_b: pl.DataFrame, reference_b: pl.DataFrame, *, base: str = "bls") -> pl.DataFrame:
    """Per own_code, industry_code, year, qtr of the region: employment and LQ bounds.

    ``region_b`` / ``reference_b`` are :func:`region_bounds` frames. Returns
    ``employment_low, employment_high, lq_low, lq_high`` (see :func:`lq_interval`).
    """
    keys = ["own_code", "industry_code", "year", "qtr"]
    base_keys = ["year", "qtr"] if base == "bls" else ["own_code", "year", "qtr"]
    ref = reference_b.select(*keys, pl.col("employment_low").alias("_nl"), pl.col("employment_high").alias("_nh"))
    ref_base = base_rows(reference_b, base).rename({"_El": "_Nl", "_Eh": "_Nh"})
    out = (region_b.select(*keys, "employment_low", "employment_high")
           .join(ref, on=keys, how="left")
           .join(base_rows(region_b, base), on=base_keys, how="left")
           .join(ref_base, on=base_keys, how="left"))
    # A reference without the row (no employment in it) gives no LQ bounds.
    low, high = lq_interval("employment_low", "employment_high", "_El", "_Eh", "_nl", "_nh", "_Nl", "_Nh")
    known = pl.col("_nl").is_not_null() & pl.col("_El").is_not_null() & pl.col("_Nl").is_not_null()
    return out.select(*keys, "employment_low", "employment_high",
                      pl.when(known).then(low).alias("lq_low"), pl.when(known).then(high).alias("lq_high"))


DEFAULT_MAX_RATIO = 1.5
BOUND_COLUMNS = ("employment_low", "employment_high", "lq_low", "lq_high", "lq_note", "growth_low", "growth_high",
                 "growth_note")


def industry_table_bounds(region_cells: pl.DataFrame, reference: pl.DataFrame, *, year: int,
                          start_year: int | None = None, base: str = "bls") -> pl.DataFrame:
    """Employment, LQ and growth bounds of the region's industries in ``year``.

    ``region_cells`` are the counties' cells (unestimated or estimated: estimates
    count as withheld), ``reference`` the reference area's one-area frame (cells,
    a one-area sum, or the implied USLQ frame). Returns own_code,
    industry_code, year, qtr, employment_low/high, lq_low/high and, with
    ``start_year``, growth_low/high (the region's own growth, as in the table).
    """
    reg = region_bounds(cell_bounds(region_cells))
    ref = region_bounds(cell_bounds(reference))
    out = industry_bounds(reg.filter(pl.col("year") == year), ref.filter(pl.col("year") == year), base=base)
    if start_year is None:
        return out.with_columns(growth_low=pl.lit(None, pl.Float64), growth_high=pl.lit(None, pl.Float64))
    x0 = reg.filter(pl.col("year") == start_year).select(
        "own_code", "industry_code", "qtr", pl.col("employment_low").alias("_x0l"),
        pl.col("employment_high").alias("_x0h"))
    out = out.join(x0, on=["own_code", "industry_code", "qtr"], how="left")
    low, high = growth_interval("_x0l", "_x0h", "employment_low", "employment_high")
    known = pl.col("_x0l").is_not_null()
    return out.with_columns(growth_low=pl.when(known).then(low), growth_high=pl.when(known).then(high)).drop(
        "_x0l", "_x0h")


def share_interval(part_low: str, part_high: str, rest_low: str, rest_high: str) -> tuple[pl.Expr, pl.Expr]:
    """``(low, high)`` of the share ``x / (x + rest)`` from bounds on x and on the rest of its base.

    The share rises with x and falls with the rest, and the two extremes are
    each attainable (a residual group shared by x and the rest can go wholly
    to either), so ``low = x_low / (x_low + rest_high)`` and ``high = x_high /
    (x_high + rest_low)`` are exact, unlike bounding x and its base apart. An
    unbounded part (null high) gives low 0 or high 1.
    """
    c = pl.col
    low = (pl.when(c(rest_high).is_null()).then(0.0)
           .when(c(part_low) + c(rest_high) > 0).then(c(part_low) / (c(part_low) + c(rest_high))))
    high = (pl.when(c(part_high).is_null()).then(1.0)
            .when(c(part_high) + c(rest_low) > 0).then(c(part_high) / (c(part_high) + c(rest_low))))
    return low.alias("share_low"), high.alias("share_high")


def cluster_table_bounds(region_cells: pl.DataFrame, reference: pl.DataFrame, keyed: pl.DataFrame, *, year: int,
                         start_year: int | None = None, base: str = "type", ownership: str = "5") -> pl.DataFrame:
    """Employment, LQ and growth bounds of each cluster (``_key``) in ``year``.

    ``keyed`` is the crosswalk with ``naics, _key, type``. A cluster sums its
    6-digit industries over the counties (:func:`set_bounds`: a residual group
    shared by several of its industries counts once). Its share of the LQ base
    (the traded or local total for ``base='type'``, all mapped employment for
    'all') is bounded exactly on each side from the cluster and the rest of
    its base (:func:`share_interval`), and ``lq_low = share_low(region) /
    share_high(reference)``, ``lq_high = share_high(region) /
    share_low(reference)``. Returns _key, employment_low/high, lq_low/high,
    growth_low/high.
    """
    own = str(ownership)
    members = keyed.select("naics", "_key").unique()
    types = keyed.select("_key", "type" if base == "type" else pl.lit("all").alias("type")).unique("_key")
    base_members = (keyed.select("naics", "type") if base == "type"
                    else keyed.select("naics", type=pl.lit("all"))).unique()
    # The rest of each cluster's base: the base's codes that are not the cluster's.
    rest_members = base_members.join(types, on="type", how="inner").join(members, on=["naics", "_key"], how="anti")

    def shares(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        cb = cell_bounds(frame.filter(pl.col("own_code") == own))
        if "qtr" in cb.columns:
            cb = cb.filter(pl.col("qtr") == "A")
        clusters = set_bounds(cb, members, ["_key"])
        rest = set_bounds(cb, rest_members, ["_key"]).select(
            "_key", "year", _rl="employment_low", _rh="employment_high")
        out = clusters.join(rest, on=["_key", "year"], how="left").with_columns(
            pl.col("_rl").fill_null(0.0),
            pl.when(pl.col("_rl").is_null()).then(0.0).otherwise(pl.col("_rh")).alias("_rh"))
        low, high = share_interval("employment_low", "employment_high", "_rl", "_rh")
        return clusters, out.select("_key", "year", _sl=low, _sh=high)

    reg, reg_share = shares(region_cells)
    _ref, ref_share = shares(reference)
    out = (reg.filter(pl.col("year") == year).select("_key", "employment_low", "employment_high")
           .join(reg_share.filter(pl.col("year") == year).drop("year"), on="_key", how="left")
           .join(ref_share.filter(pl.col("year") == year).drop("year")
                 .rename({"_sl": "_rsl", "_sh": "_rsh"}), on="_key", how="left"))
    # A cluster the reference lacks has N_c = 0: no LQ, as for the point value.
    known = pl.col("_rsl").is_not_null() & pl.col("_rsh").is_not_null() & (pl.col("_rsh") > 0)
    out = out.select(
        "_key", "employment_low", "employment_high",
        pl.when(known & pl.col("_sl").is_not_null()).then(pl.col("_sl") / pl.col("_rsh")).alias("lq_low"),
        pl.when(known & pl.col("_sh").is_not_null() & (pl.col("_rsl") > 0))
        .then(pl.col("_sh") / pl.col("_rsl")).alias("lq_high"))
    if start_year is None:
        return out.with_columns(growth_low=pl.lit(None, pl.Float64), growth_high=pl.lit(None, pl.Float64))
    x0 = reg.filter(pl.col("year") == start_year).select("_key", _x0l="employment_low", _x0h="employment_high")
    out = out.join(x0, on="_key", how="left")
    g_low, g_high = growth_interval("_x0l", "_x0h", "employment_low", "employment_high")
    has = pl.col("_x0l").is_not_null()
    return out.with_columns(growth_low=pl.when(has).then(g_low), growth_high=pl.when(has).then(g_high)).drop(
        "_x0l", "_x0h")


def limit_table(rows: pl.DataFrame, max_ratio: float | None, *, midpoint: bool = False) -> pl.DataFrame:
    """Apply :func:`limit_points` to ``lq`` and ``growth`` (and blank ``cagr`` with growth)."""
    limit = DEFAULT_MAX_RATIO if max_ratio is None else float(max_ratio)
    out = rows
    if "employment_low" in out.columns:  # an estimate stays within its bounds (rounding can push it out)
        emp_col = "employment" if "employment" in out.columns else "emplvl"
        emp, low, high = pl.col(emp_col), pl.col("employment_low"), pl.col("employment_high")
        clipped = pl.when(emp.is_not_null() & low.is_not_null()).then(
            pl.max_horizontal(low, pl.min_horizontal(emp, pl.coalesce(high, emp)))).otherwise(emp)
        cols = [clipped.alias(emp_col)]
        if "estimated" in out.columns:  # the published part stays what it was: the estimated share follows
            published = emp * (1.0 - pl.col("estimated").fill_null(0.0))
            cols.append(pl.when(clipped > 0).then(1.0 - published / clipped).otherwise(pl.col("estimated"))
                        .clip(0.0, 1.0).alias("estimated"))
        out = out.with_columns(cols)
    out = limit_points(out, "lq", max_ratio=limit, note="lq_note", midpoint=midpoint)
    if "growth_low" in out.columns:
        out = limit_points(out, "growth", max_ratio=limit, note="growth_note", shift=1.0, midpoint=midpoint)
        if "cagr" in out.columns:
            out = out.with_columns(cagr=pl.when(pl.col("growth").is_not_null()).then(pl.col("cagr")))
    return out


__all__ = ["BOUND_COLUMNS", "BOUND_SCHEMA", "CELL_KEYS", "DEFAULT_MAX_RATIO", "base_rows", "bound_ratio",
           "cell_bounds", "cluster_table_bounds", "growth_interval", "industry_bounds", "industry_table_bounds",
           "limit_points", "limit_table", "lq_interval", "region_bounds", "residual_groups", "set_bounds",
           "share_interval"]
