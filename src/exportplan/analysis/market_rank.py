"""Target country markets: the scored, robustness-checked ranking and each country's reasons.

Pure functions for :mod:`exportplan.analysis.markets`: :func:`rank_matrix`
scores a :class:`~exportplan.analysis.market_matrix.MarketMatrix`, leaves out
the countries observed on less than :data:`COVERAGE_FLOOR` of the weight,
re-scores the rest and checks the ranking's robustness to the weights;
:func:`factor_reasons` says, by factor, why each country scores as it does.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exportplan.analysis import market_measures as mm_
from exportplan.analysis.defaults import DEFAULT_DRAWS
from exportplan.analysis.market_matrix import MarketMatrix
from exportplan.analysis.score_methods import check_method, raw_values, uninformative_criteria
from exportplan.analysis.scoring import Criterion, ScoreResult, _coverage, positions, score
from exportplan.analysis.sensitivity import Robustness, robustness
from exportplan.analysis.weights import (
    MARKET_FACTORS,
    empty_groups,
    normalize_weights,
    spread_group_weights,
)
from exportplan.errors import ExportPlanError

#: Countries observed on less than this share of the weight are left out of the ranking.
COVERAGE_FLOOR = 0.5
#: Short names of the eight factors for charts and printed tables.
FACTOR_LABELS = {"current_markets": "current markets", "export_growth": "export growth",
                 "client_interest": "client interest", "cluster_demand": "demand for priority sectors",
                 "partnerships": "partnerships", "proximity": "proximity", "market_factors": "market factors",
                 "fdi_connections": "FDI connections"}


@dataclass(frozen=True)
class MarketOutcome:
    """A scored and robustness-checked market ranking.

    ``table``: rank, iso3, country, score, coverage, p_top<k>, rank_p05,
    rank_p95, median_rank, robust, reason, contrib_<factor> (the factor's
    share of the score), then raw_/norm_/contrib_ per measure.
    """

    table: pd.DataFrame
    result: ScoreResult
    robustness: Robustness
    group_weights: dict[str, float]
    weights: dict[str, float]
    dropped: list[str]
    notes: list[str]
    top_k: int


def rank_matrix(mm: MarketMatrix, group_weights: Mapping[str, float], *, method: str = "weighted",
                draws: int = DEFAULT_DRAWS, seed: int = 0, top_k: int = 5, floor: float = COVERAGE_FLOOR,
                concentration: float | None = None) -> MarketOutcome:
    """Score the countries, drop those below the coverage floor, re-score, and check robustness."""
    if not mm.criteria:
        raise ExportPlanError("No market measure has data: import country indicators or exports first.")
    weights = spread_group_weights(group_weights, mm.criteria)
    notes = list(mm.notes)
    for group in empty_groups(group_weights, mm.criteria):
        notes.append(f"No data for the factor '{MARKET_FACTORS[group]}': its weight is shared among the others.")
    check_method(method, "minmax")
    cover = coverage(mm.matrix, mm.criteria, weights)
    keep = [str(c) for c, share in zip(mm.matrix.index, cover) if share >= floor - 1e-12]
    dropped = sorted(set(mm.matrix.index) - set(keep))
    if not keep:
        raise ExportPlanError(
            f"No country has data on at least {floor:.0%} of the weight. Load more country data, or lower "
            "markets.coverage_floor (exportplan config set markets.coverage_floor 0.3).")
    if dropped:
        notes.append(f"{len(dropped)} of {len(mm.matrix)} countries have data on less than {floor:.0%} of the "
                     f"weight and are left out of the ranking (markets.coverage_floor).")
    result = score(mm.matrix.loc[sorted(keep)], mm.criteria, weights, method=method, names=mm.names)
    notes += result.uninformative_notes("ranked country", "ranked countries")
    notes += result.missing_notes("ranked country", "ranked countries")
    kwargs = {} if concentration is None else {"concentration": concentration}
    rob = robustness(result, draws=draws, top_k=top_k, seed=seed, **kwargs)
    table = _market_table(result, rob, top_k, weights)
    return MarketOutcome(table, result, rob, dict(group_weights), weights, dropped, notes, top_k)


def coverage(matrix: pd.DataFrame, criteria, weights: Mapping[str, float]) -> np.ndarray:
    """Each row's share of the informative weight it has data on, in ``matrix`` order: the ``coverage`` column
    :func:`~exportplan.analysis.scoring.score` gives (the same rule, without scoring or writing reasons)."""
    raw = raw_values(matrix, criteria)
    keys = [c.key for c in criteria]
    chosen = normalize_weights(weights, keys, what="score weights")
    flat = np.isin(keys, uninformative_criteria(raw, criteria))
    return _coverage(raw.to_numpy(), np.array([chosen[k] for k in keys], dtype=float), flat)


def factor_reasons(result: ScoreResult, weights: Mapping[str, float], *, factors: int = 3,
                   per_factor: int = 2) -> dict[str, str]:
    """A reason per country built by factor: the largest factor contributions, with their raw values.

    E.g. "current markets: U.S. exports 2022 $356.45bn (highest of 206), share of
    U.S. exports 2022 17.3% (highest of 206); proximity: distance 849 km (lowest
    of 206), land border with the U.S.; ...". A value most countries share
    (e.g. "Special 301: not listed", :func:`~exportplan.analysis.market_measures.
    majority_value`) says nothing about one country and is never a reason. A
    country with no positive contribution is described by its most heavily
    weighted measures. Measures a country has no data on are not listed here
    but once for all in the ranking's notes. Returns code -> reason.
    """
    crits = [c for c in result.criteria if weights.get(c.key, 0) > 0 and c.key not in result.uninformative]
    raw = {c.key: result.matrix[c.key].to_numpy(dtype=float) for c in crits}
    common = {c.key: mm_.majority_value(raw[c.key]) for c in crits}
    cols = [f"contrib_{c.key}" for c in crits]
    # One dict per country (contribution column -> value): plain lookups, not a pandas row per country.
    values = result.table.set_index("code")[cols].reindex(result.matrix.index).to_numpy(dtype=float)
    out, texts = {}, {}
    for i, code in enumerate(result.matrix.index):
        row = dict(zip(cols, values[i].tolist()))
        seen = [c for c in crits if not math.isnan(raw[c.key][i])]
        telling = [c for c in seen if common[c.key] is None or raw[c.key][i] != common[c.key]]
        parts = _factor_parts(telling, row, raw, i, factors, per_factor, texts)
        if not parts:
            heavy = sorted(telling or seen, key=lambda c: (-weights[c.key], c.key))[:2]
            parts = ["weakest on every weighted measure: " + ", ".join(_described(raw, c, i, texts) for c in heavy)]
        out[str(code)] = "; ".join(parts)
    return out


def _factor_parts(seen, row, raw, i, factors, per_factor, texts) -> list[str]:
    total: dict[str, float] = {}
    for c in seen:
        total[c.group] = total.get(c.group, 0.0) + float(row[f"contrib_{c.key}"])
    ranked = sorted((g for g in total if total[g] > 0), key=lambda g: (-total[g], g))[:factors]
    parts = []
    for group in ranked:
        top = sorted((c for c in seen if c.group == group and row[f"contrib_{c.key}"] > 0),
                     key=lambda c: (-round(float(row[f"contrib_{c.key}"]), 12), c.key))[:per_factor]
        parts.append(f"{FACTOR_LABELS.get(group, group)}: " + ", ".join(_described(raw, c, i, texts) for c in top))
    return parts


def _described(raw: Mapping[str, np.ndarray], crit: Criterion, i: int, texts: dict[str, list[str]]) -> str:
    """The country's value of ``crit`` and its position (``texts``: the positions per measure, found once)."""
    values = raw[crit.key]
    if crit.key not in texts:
        texts[crit.key] = positions(values, crit)
    where = texts[crit.key][i]
    text = crit.describe(values[i])
    return f"{text} ({where})" if where else text


def _market_table(result: ScoreResult, rob: Robustness, top_k: int, weights: Mapping[str, float]) -> pd.DataFrame:
    base = result.table.rename(columns={"code": "iso3", "name": "country"})
    reasons = factor_reasons(result, weights)
    base["reason"] = [reasons[code] for code in result.table["code"]]
    mc = rob.table.rename(columns={"code": "iso3"})
    ptop = f"p_top{top_k}"
    mc = mc[["iso3", ptop, "rank_p05", "rank_p95", "median_rank", "robust"]]
    table = base.merge(mc, on="iso3", how="left")
    for group in MARKET_FACTORS:
        keys = [c.key for c in result.criteria if c.group == group]
        if keys:
            table[f"contrib_{group}"] = table[[f"contrib_{k}" for k in keys]].sum(axis=1, min_count=1)
    head = ["rank", "iso3", "country", "score", "coverage", ptop, "rank_p05", "rank_p95", "median_rank",
            "robust", "reason"]
    factors = [f"contrib_{g}" for g in MARKET_FACTORS if f"contrib_{g}" in table.columns]
    rest = [c for c in table.columns if c not in head and c not in factors]
    return table[head + factors + rest]


__all__ = ["COVERAGE_FLOOR", "FACTOR_LABELS", "MarketOutcome", "coverage", "factor_reasons", "rank_matrix"]
