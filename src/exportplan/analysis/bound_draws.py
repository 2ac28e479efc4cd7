"""Withheld values drawn within their bounds, for the robustness of the sector ranking (methods.md §3-4).

The sector ranking's Monte Carlo (:func:`exportplan.analysis.sensitivity.monte_carlo`)
draws weights; with a :class:`SectorDraws` it also draws every withheld cell
the sectors rest on, so the uncertainty of suppressed data shows in the rank
bands. Each draw splits every residual group's residual ``R``
(:mod:`exportplan.analysis.withheld`) among the group's withheld cells at the
ranked level with Dirichlet weights ``α = establishments + FLOOR`` (their mean
is the point estimate's split by establishments), so a cell holds ``D + R·share``
and the group's cells add up to exactly their parent's residual: siblings never
exceed their parent. A sector's employment is then its published cells plus a
matrix product of the drawn cells with a members × sectors incidence matrix;
its LQ and growth are recomputed from it:

- ``employment(d) = published_s + (v(d) @ A)_s``;
- ``lq(d) = lq · (e(d)/e) / (E(d)/E)`` with ``E`` the LQ base: the sum over the
  ranked sectors for clusters (their traded base), fixed for industries (the
  published area total);
- ``cagr(d) = (e1(d)/e0(d))^(1/t) − 1`` from independent draws of both years,
  and the competitive shift moves with the growth: ``cs + (e1(d)/e0(d) − e1/e0)``.

The reference is held at its values. Draws are seeded and blocked; a sector
without withheld cells keeps its values in every draw.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import polars as pl

from exportplan.analysis.area_frames import naics_level_expr
from exportplan.analysis.withheld import cell_bounds

#: Dirichlet weight of a withheld cell with no establishments (BLS publishes the counts; a few are 0).
FLOOR = 0.5
#: Distinct draws of the withheld values; weight draw d uses data draw d mod DATA_DRAWS (gamma variates
#: are the cost: 2,000 keep rank sectors within a second while the bands' 5th-95th percentiles settle).
DATA_DRAWS = 2_000
#: The measures a draw changes (sector criteria keys) and the table columns they come from.
AFFECTED = {"employment": "employment", "lq": "lq", "regional_growth": "cagr", "competitive_shift": "competitive_shift"}


@dataclass
class _YearDraws:
    """One year's members (withheld cells at the ranked level) and how they map to sectors."""

    published: np.ndarray        # S: published employment of each sector (its disclosed cells)
    base: np.ndarray             # M: D of each member (published cells below it in its group)
    residual: np.ndarray         # M: its group's residual R
    alpha: np.ndarray            # M: Dirichlet weight (establishments + FLOOR), members sorted by group
    starts: np.ndarray           # G: first member of each group (members sorted by group)
    group: np.ndarray            # M: group index of each member
    incidence: np.ndarray        # M × S: 1 where the member's code belongs to the sector
    cells: int = 0               # withheld cells of ranked sectors behind the members

    def employment(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws × sectors of employment."""
        if self.alpha.size == 0:
            return np.broadcast_to(self.published, (n, self.published.size)).copy()
        g = rng.gamma(self.alpha, size=(n, self.alpha.size))
        totals = np.add.reduceat(g, self.starts, axis=1)
        share = g / np.where(totals > 0, totals, 1.0)[:, self.group]
        values = self.base + self.residual * share
        return self.published + values @ self.incidence


@dataclass
class SectorDraws:
    """Draws of the affected sector measures; :meth:`scores` plugs them into the Monte Carlo.

    ``codes`` are the sector codes; ``points`` the table's values (columns of
    :data:`AFFECTED`, NaN where missing: those stay missing in every draw).
    """

    codes: list[str]
    end: _YearDraws
    start: _YearDraws | None
    points: pd.DataFrame
    years: int = 0
    lq_base_moves: bool = True
    seed: int = 0
    n_members: int = 0
    transforms: dict = field(default_factory=dict)
    directions: dict = field(default_factory=dict)
    normalize: str = "minmax"
    skip: tuple = ()
    _drawn: dict | None = field(default=None, repr=False)

    def for_result(self, result) -> "SectorDraws":
        """A copy that takes the criteria's transforms and directions, the normalization and the uninformative
        keys from a :class:`~exportplan.analysis.scoring.ScoreResult` (what :meth:`scores` must reproduce).

        The drawn values depend on none of these: they are drawn once (:meth:`drawn`) and every copy shares
        them, so one SectorDraws serves rankings with other weights, and several threads at once.
        """
        self.drawn()
        return replace(self, transforms={c.key: c.transform for c in result.criteria},
                       directions={c.key: c.direction for c in result.criteria},
                       normalize=result.normalize, skip=tuple(result.uninformative))

    def drawn(self) -> dict[str, np.ndarray]:
        """The :data:`DATA_DRAWS` draws of every affected measure, drawn on first use (seeded by ``seed``)."""
        if self._drawn is None:
            self._drawn = self.measure_draws(DATA_DRAWS, np.random.default_rng([int(self.seed), 0x5EC7]))
        return self._drawn

    def measure_draws(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``n`` draws × sectors of every affected measure (raw values, before transform and normalizing)."""
        e1 = self.end.employment(rng, n)
        p = self.points
        out = {"employment": np.where(np.isnan(p["employment"].to_numpy()), np.nan, e1)}
        emp = p["employment"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = e1 / emp
            if self.lq_base_moves:
                scale = scale / (np.nansum(e1, axis=1, keepdims=True) / np.nansum(emp))
            out["lq"] = p["lq"].to_numpy(dtype=float) * scale
            if self.start is not None and self.years > 0:
                e0 = self.start.employment(rng, n)
                ratio = e1 / e0
                out["regional_growth"] = np.where(ratio > 0, ratio ** (1.0 / self.years) - 1.0, np.nan)
                growth = p["growth"].to_numpy(dtype=float)
                out["competitive_shift"] = p["competitive_shift"].to_numpy(dtype=float) + (ratio - 1.0 - growth)
        for key, col in AFFECTED.items():
            if key in out:
                out[key] = np.where(np.isnan(p[col].to_numpy(dtype=float)), np.nan, out[key])
        return out

    def scores(self, inputs, weights: np.ndarray, start: int) -> np.ndarray:
        """Scores (draws × alternatives, in ``inputs.codes`` order) of one block of weight draws."""
        from exportplan.analysis.scoring import NORMALIZERS

        n = len(weights)
        order = [self.codes.index(str(c)) for c in inputs.codes]
        rows = np.arange(start, start + n) % DATA_DRAWS
        drawn = {k: v[rows] for k, v in self.drawn().items()}
        x0 = np.broadcast_to(inputs.x0, (n, *inputs.x0.shape)).copy()
        for j, key in enumerate(inputs.keys):
            if key not in drawn or key in self.skip:
                continue
            values = drawn[key][:, order]
            if self.transforms.get(key) == "log":
                values = np.log1p(np.clip(values, 0.0, None))
            if self.directions.get(key) == "cost":
                values = -values
            norm = _minmax_rows(values) if self.normalize == "minmax" else np.vstack(
                [NORMALIZERS[self.normalize](row) for row in values])
            x0[:, :, j] = np.where(inputs.mask[None, :, j] > 0, np.nan_to_num(norm, nan=0.0), 0.0)
        if inputs.method == "weighted":
            num = np.einsum("dm,dnm->dn", weights, x0)
            den = weights @ inputs.mask.T
            with np.errstate(invalid="ignore", divide="ignore"):
                return num / den
        v2 = (weights * inputs.scale) ** 2
        dm = np.sqrt(np.einsum("dm,dnm->dn", v2, x0 ** 2))
        gap = inputs.mask[None] * (1.0 - x0)
        dp = np.sqrt(np.einsum("dm,dnm->dn", v2, gap ** 2))
        total = dm + dp
        return np.divide(dm, total, out=np.full(total.shape, np.nan), where=total > 0)


def _minmax_rows(values: np.ndarray) -> np.ndarray:
    """Min-max of each row over its observed values (NaN kept; a constant row is NaN, as scoring.minmax)."""
    lo = np.nanmin(np.where(np.isnan(values), np.inf, values), axis=1, keepdims=True)
    hi = np.nanmax(np.where(np.isnan(values), -np.inf, values), axis=1, keepdims=True)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (values - lo) / np.where(span > 0, span, np.nan)
    return out


def year_draws(cells: pl.DataFrame, sectors: pl.DataFrame, codes: list[str], *, level: int, year: int,
               ownership: str = "5") -> _YearDraws:
    """Members, residual groups and the members × sectors incidence of one year.

    ``cells``: the counties' published cells (withheld ones null); ``sectors``:
    ``naics, sector`` mapping the ranked level's codes to sector codes (the
    crosswalk for clusters; each code to itself for industries).
    """
    rows = cells.filter((pl.col("year") == year) & (pl.col("own_code") == str(ownership)))
    if "qtr" in rows.columns:
        rows = rows.filter(pl.col("qtr") == "A")
    b = cell_bounds(rows).filter(naics_level_expr() == level)
    index = {c: i for i, c in enumerate(codes)}
    mapping = sectors.select(pl.col("naics").alias("industry_code"), "sector").filter(
        pl.col("sector").is_in(codes)).unique()
    # Published cells, and withheld ones nothing bounds, count at their (lower) value in every draw.
    fixed = b.filter(~pl.col("withheld") | pl.col("anchor").is_null()).join(mapping, on="industry_code").group_by(
        "sector").agg(pl.col("employment_low").sum())
    published = np.zeros(len(codes))
    for sector, value in fixed.iter_rows():
        published[index[sector]] += value
    # A group's withheld cells that fall in the same sector (or in none) are drawn as one: a sum of Dirichlet
    # components is the component with the summed weight, so this changes no distribution, only the cost.
    # Groups that touch no ranked sector are left out.
    withheld = b.filter(pl.col("withheld") & pl.col("anchor").is_not_null()).join(
        mapping.group_by("industry_code").agg(pl.col("sector").min()), on="industry_code", how="left")
    members = (withheld.group_by("area_fips", "anchor", "sector").agg(
        pl.col("employment_low").sum().alias("_D"), pl.col("residual").first().alias("_R"),
        (pl.col("estabs") + FLOOR).sum().alias("_alpha"))
        .filter(pl.col("sector").is_not_null().any().over("area_fips", "anchor"))
        .sort("area_fips", "anchor", "sector", nulls_last=True))
    keys = list(zip(members.get_column("area_fips").to_list(), members.get_column("anchor").to_list()))
    group = np.zeros(len(keys), dtype=np.int64)
    starts = []
    for i, k in enumerate(keys):
        if i == 0 or k != keys[i - 1]:
            starts.append(i)
        group[i] = len(starts) - 1
    incidence = np.zeros((len(keys), len(codes)))
    for i, sector in enumerate(members.get_column("sector").to_list()):
        if sector is not None:
            incidence[i, index[sector]] = 1.0
    return _YearDraws(published, members.get_column("_D").to_numpy().astype(float),
                      members.get_column("_R").to_numpy().astype(float),
                      members.get_column("_alpha").to_numpy().astype(float),
                      np.asarray(starts, dtype=np.int64), group, incidence,
                      int(withheld.filter(pl.col("sector").is_not_null()).height))


def sector_draws(cells: pl.DataFrame, points: pd.DataFrame, *, by: str, level: int | None, year: int,
                 start_year: int | None = None, crosswalk: pl.DataFrame | None = None, ownership: str = "5",
                 seed: int = 0) -> SectorDraws | None:
    """A :class:`SectorDraws` for the ranked sectors, or None when none of them rests on a withheld cell.

    ``points``: one row per sector with ``code, employment, lq, growth, cagr,
    competitive_shift`` (the ranking's values; missing columns are NaN).
    ``by='cluster'`` maps 6-digit codes through ``crosswalk`` (naics,
    cluster_code[, cluster_name]); ``by='naics'`` ranks codes of ``level``.
    """
    codes = [str(c) for c in points["code"]]
    if by == "cluster":
        if crosswalk is None:
            return None
        xw = crosswalk if isinstance(crosswalk, pl.DataFrame) else pl.from_pandas(crosswalk)
        name = pl.col("cluster_name") if "cluster_name" in xw.columns else pl.lit(None, pl.String)
        sectors = xw.select(pl.col("naics").cast(pl.String),
                            sector=pl.coalesce(pl.col("cluster_code").cast(pl.String), name))
        lvl = 6
    else:
        lvl = int(level or 3)
        sectors = pl.DataFrame({"naics": codes, "sector": codes})
    end = year_draws(cells, sectors, codes, level=lvl, year=year, ownership=ownership)
    start = None
    if start_year is not None and start_year < year:
        start = year_draws(cells, sectors, codes, level=lvl, year=start_year, ownership=ownership)
    touched = end.incidence.any(axis=0) | (start.incidence.any(axis=0) if start is not None else False)
    if not touched.any():
        return None
    frame = points.copy()
    for col in ("employment", "lq", "growth", "cagr", "competitive_shift"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce") if col in frame else np.nan
    return SectorDraws(codes, end, start, frame.reset_index(drop=True), years=(year - start_year) if start else 0,
                       lq_base_moves=by == "cluster", seed=seed, n_members=end.cells)


__all__ = ["AFFECTED", "DATA_DRAWS", "FLOOR", "SectorDraws", "sector_draws", "year_draws"]
