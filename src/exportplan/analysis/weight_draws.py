"""Monte Carlo over the weights: Dirichlet draws around the chosen weights, rank stability.

:func:`monte_carlo` draws weight vectors (:func:`draw_weights`: the group
weights from a Dirichlet centred on the chosen ones, each measure keeping
its share of its group), scores and ranks every draw in cache-sized blocks
(:mod:`exportplan.analysis.batch_scoring`) and reports per alternative the
median rank, the 5th-95th percentile ranks, the rank acceptabilities and
whether it is robust (:data:`ROBUST_SHARE`, :data:`ROBUST_COVERAGE`). The
method and its reasons are in :mod:`exportplan.analysis.sensitivity`, which
re-exports every public name here (methods.md §3).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from exportplan.analysis.batch_scoring import (
    BatchInputs, batch_scores, check_top_k, orders, prepare, ranks_from_orders,
)
from exportplan.analysis.defaults import DEFAULT_DRAWS
from exportplan.errors import ExportPlanError

#: Sum of the Dirichlet parameters; larger → draws closer to the chosen weights.
DEFAULT_CONCENTRATION = 50.0
#: Share of draws in the top k that makes an alternative "robust".
ROBUST_SHARE = 0.80
#: Least share of the (informative) weight an alternative must be observed on to be called "robust".
ROBUST_COVERAGE = 0.60
_BLOCK_CELLS = 32_768  # draws × alternatives per block: ~256 kB of float64, fits a CPU's L2 cache


def dirichlet_weights(weights: np.ndarray, draws: int, concentration: float,
                      rng: np.random.Generator) -> np.ndarray:
    """``draws`` weight vectors from Dirichlet(``concentration × weights``); zero weights stay zero.

    Drawn as normalized gamma variates (row-major, so a per-draw loop with the
    same generator draws the same numbers).
    """
    weights = np.asarray(weights, dtype=float)
    if not concentration > 0 or not math.isfinite(concentration):
        raise ExportPlanError(f"The Dirichlet concentration must be a positive number, not {concentration!r}.")
    pos = weights > 0
    g = np.zeros((draws, weights.size))
    g[:, pos] = rng.gamma(concentration * weights[pos], size=(draws, int(pos.sum())))
    total = g.sum(axis=1)
    # With tiny alphas every gamma can underflow to 0: keep the centre weights for such a draw.
    flat = total <= 0
    g[flat] = weights
    total[flat] = 1.0
    return g / total[:, None]


def draw_weights(weights: np.ndarray, group: np.ndarray, draws: int, concentration: float,
                 rng: np.random.Generator) -> np.ndarray:
    """``draws`` weight vectors: the group weights from :func:`dirichlet_weights`, spread in fixed shares.

    ``group[j]`` is the group number of criterion ``j``. Each group's weight
    (the sum of its criteria's) is drawn; each criterion keeps its share of
    its group. With one criterion per group numbered ``0..m-1`` in order this
    is :func:`dirichlet_weights` itself: the same numbers from the same generator.
    """
    weights = np.asarray(weights, dtype=float)
    group = np.asarray(group, dtype=np.int64)
    totals = np.bincount(group, weights=weights, minlength=int(group.max(initial=-1)) + 1)
    share = np.divide(weights, totals[group], out=np.zeros_like(weights), where=totals[group] > 0)
    return dirichlet_weights(totals, draws, concentration, rng)[:, group] * share


@dataclass(frozen=True)
class MonteCarlo:
    """Monte Carlo results: ``table`` per alternative, ``acceptability`` (alternatives × ranks, shares).

    ``drawn``: the weights the Dirichlet was centred on, per group (or per
    criterion without a group), after leaving out ``left_out`` (criteria with
    no normalized value for any alternative).
    """

    table: pd.DataFrame
    acceptability: pd.DataFrame
    draws: int
    concentration: float
    seed: int
    top_k: int
    method: str
    drawn: dict[str, float] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()


def monte_carlo(norm_matrix: pd.DataFrame, weights: Mapping[str, float], *, draws: int = DEFAULT_DRAWS,
                concentration: float = DEFAULT_CONCENTRATION, top_k: int = 5, seed: int = 0,
                method: str = "weighted", topsis_scale=None,
                groups: Mapping[str, str] | None = None,
                coverage: Mapping[str, float] | pd.Series | None = None, data_draws=None) -> MonteCarlo:
    """Rank stability under random weights (Dirichlet centred on ``weights``), vectorized and seeded.

    ``table`` columns: ``code, rank`` (with the given weights), ``median_rank,
    rank_p05, rank_p95, p_top1, p_top<k>, p_topk, coverage, robust``, best
    first. ``coverage`` (code → share of the weight observed, e.g. the
    ScoreResult's) decides with ``p_topk`` who is robust; without it, each
    alternative's observed share of the weights of the criteria kept.
    ``acceptability.loc[code, r]`` is the share of draws that rank ``code`` at
    ``r``. For ``method='topsis'`` pass ``topsis_scale`` (from the
    ScoreResult) to reproduce :func:`~exportplan.analysis.scoring.score`.
    ``groups`` (criterion key → group name) draws the group weights and
    keeps each criterion's share of its group (:func:`draw_weights`);
    without it (or for a key it does not name) each criterion is drawn alone.
    ``data_draws`` (an :class:`exportplan.analysis.bound_draws.SectorDraws`)
    also draws the withheld values within their bounds in every draw, so the
    rank bands carry the uncertainty of suppressed data.
    """
    check_top_k(top_k)
    if draws < 1:
        raise ExportPlanError(f"draws must be >= 1, not {draws!r}.")
    inputs = prepare(norm_matrix, weights, method, topsis_scale, groups)
    w_draws = draw_weights(inputs.w, inputs.group, draws, concentration, np.random.default_rng(seed))
    counts = _draw_counts(inputs, w_draws, data_draws)
    base_scores = batch_scores(inputs, inputs.w[None, :])
    base = ranks_from_orders(orders(base_scores))[0]
    scored = ~np.isnan(base_scores[0])
    cover = _coverage(inputs, coverage)
    table = _mc_table(inputs.codes, base, counts, draws, top_k, scored, cover)
    sorted_codes = table["code"].tolist()
    n = len(inputs.codes)
    accept = pd.DataFrame(counts / draws, index=pd.Index(inputs.codes, dtype="str", name="code"),
                          columns=pd.Index(range(1, n + 1), name="rank")).loc[sorted_codes]
    return MonteCarlo(table, accept, draws, concentration, seed, top_k, method,
                      _drawn(inputs, groups), tuple(inputs.left_out))


def _coverage(inputs: BatchInputs, coverage) -> np.ndarray:
    """Coverage per alternative (in ``inputs.codes`` order): as given, else the observed share of the weights."""
    if coverage is None:
        return inputs.mask @ inputs.w
    given = {str(k): float(v) for k, v in dict(coverage).items()}
    lost = [c for c in inputs.codes if c not in given]
    if lost:
        raise ExportPlanError(f"coverage is missing for alternatives {lost[:5]}; give one value per alternative.")
    return np.array([given[c] for c in inputs.codes], dtype=float)


def _drawn(inputs: BatchInputs, groups: Mapping[str, str] | None) -> dict[str, float]:
    """The centre of the draws: weight per group name (or per key for an ungrouped criterion)."""
    named = {} if groups is None else {str(k): str(g) for k, g in dict(groups).items() if g}
    out: dict[str, float] = {}
    for key, w in zip(inputs.keys, inputs.w):
        label = named.get(key, key)
        out[label] = out.get(label, 0.0) + float(w)
    return out


def _draw_counts(inputs: BatchInputs, w_draws: np.ndarray, data_draws=None) -> np.ndarray:
    """Rank counts over all draws, scored and sorted in blocks of about ``_BLOCK_CELLS`` cells.

    Each block is one matrix product and one argsort; blocks only keep the
    working set in the CPU cache (about 2x faster on a busy machine than one
    10,000-row block) and give identical counts.
    """
    n = len(inputs.codes)
    counts = np.zeros((n, n), dtype=np.int64)
    step = max(1, _BLOCK_CELLS // max(n, 1))
    for start in range(0, len(w_draws), step):
        block = w_draws[start:start + step]
        scores = batch_scores(inputs, block) if data_draws is None else data_draws.scores(inputs, block, start)
        counts += _rank_counts(orders(scores))
    return counts


def _rank_counts(order: np.ndarray) -> np.ndarray:
    """counts[i, r-1] = number of draws ranking alternative i at r, from :func:`orders` (one bincount)."""
    n = order.shape[1]
    flat = order * n
    flat += np.arange(n)
    return np.bincount(flat.ravel(), minlength=n * n).reshape(n, n)


def _quantile_rank(cum: np.ndarray, draws: int, q: float) -> np.ndarray:
    """Empirical (inverted-CDF) q-quantile rank from cumulative counts: smallest r with F(r) >= q."""
    need = max(1, math.ceil(q * draws - 1e-9))
    if cum.shape[1] == 0:  # no alternatives
        return np.zeros(0, dtype=np.int64)
    return np.argmax(cum >= need, axis=1) + 1


def _mc_table(codes, base, counts, draws, top_k, scored, coverage) -> pd.DataFrame:
    cum = counts.cumsum(axis=1)
    k = min(top_k, counts.shape[1])
    p_topk = cum[:, k - 1] / draws if k else np.zeros(len(codes))
    cols = {
        "code": pd.array(codes, dtype="str"),
        "rank": base.astype(np.int64),
        "median_rank": _quantile_rank(cum, draws, 0.5),
        "rank_p05": _quantile_rank(cum, draws, 0.05),
        "rank_p95": _quantile_rank(cum, draws, 0.95),
        "p_top1": counts[:, :1].sum(axis=1) / draws,
    }
    if top_k != 1:
        cols[f"p_top{top_k}"] = p_topk
    cols["p_topk"] = p_topk
    cols["coverage"] = coverage
    # An alternative without any weighted data is in the top k only when k >= n: never call it robust;
    # nor one scored on too little of the weight (thin data is not firm, however stable its rank).
    cols["robust"] = (p_topk >= ROBUST_SHARE) & scored & (coverage >= ROBUST_COVERAGE - 1e-12)
    return pd.DataFrame(cols).sort_values("rank", kind="stable").reset_index(drop=True)
