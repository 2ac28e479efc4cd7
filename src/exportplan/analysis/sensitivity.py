"""How robust is a ranking to its weights? (methods.md §3, "Sensitivity")

Three views, all computed from the normalized matrix of a
:class:`~exportplan.analysis.scoring.ScoreResult` (``result.norm``):

* :func:`monte_carlo` — weights drawn from a Dirichlet distribution centred on
  the chosen weights (``alpha = concentration × w``; a zero weight stays
  zero). With ``groups`` (measure → group; :func:`robustness` passes the
  criteria's groups) the draw is over the *group* weights, and each measure
  keeps its share of its group's weight: the user chooses group weights (the
  guide's criteria or factors) and the spread within a group is a fixed
  rule, so only the former is varied. A drawn weight ``w`` has standard
  deviation ``sqrt(w(1 − w)/(concentration + 1))``, i.e. relative to ``w``
  ``sqrt((1 − w)/(w (concentration + 1)))``: at the default concentration
  of 50 about ±28% for a weight of 0.2, ±42% for 0.1 and ±61% for 0.05.
  Drawing per measure instead (no ``groups``) leaves each group's total just
  as variable (a sum of Dirichlet components is again Dirichlet) but also
  reshuffles weight inside a group: a measure weight of 0.04 then varies by
  about ±69% and one of 0.02 by about ±98%.
  All draws are scored with matrix products and ranked with argsort (in
  cache-sized blocks of draws, no per-draw Python loop);
  the result gives per alternative the median rank, the 5th-95th percentile
  ranks, the probability of ranking first and in the top *k* (the rank
  acceptability of SMAA, Lahdelma & Salminen 2001), and ``robust`` = in the
  top *k* in at least 80% of draws (:data:`ROBUST_SHARE`) **and** scored on
  at least 60% of the weight (:data:`ROBUST_COVERAGE`). Stable ranks built
  on a fraction of the measures say little: an alternative observed on 25%
  of the weight is compared on one or two measures, so its rank barely
  moves with the weights of the others, and calling it robust would sell
  thin data as firm. The coverage rule is the same for sectors and
  markets, and matches the sector priority tier's. An alternative without
  any weighted data (coverage 0) is never robust either.
* :func:`one_at_a_time` — each weight changed by ±x% (relative), the others
  rescaled proportionally so the weights still sum to 1.
* :func:`smallest_reorder` — per criterion, the smallest change of its weight
  (reported as the new absolute weight, and the change absolute and relative;
  the others rescaled proportionally) that changes the top *k* (membership or
  order).

Missing values are handled as in :func:`~exportplan.analysis.scoring.score`:
each alternative is scored on the criteria it has, with the weights
renormalized over them (for the weighted sum ``S = (X0 Wᵀ) / (M Wᵀ)``, where
``X0`` has NaN → 0 and ``M`` is the observed mask). A criterion with no
normalized value for any alternative — no data, or uninformative (constant:
``score`` leaves it out and its normalized column is all NaN) — cannot move
any score, so all three views leave it out and renormalize the other weights
(they are then the weights the ranking effectively uses). TOPSIS runs vectorized
too, from the min-max matrix and ``ScoreResult.topsis_scale``. Ranks break
ties by code, as the ranking does; quantile ranks are empirical (inverted
CDF), so they are actual ranks.

Example::

    >>> from exportplan.analysis.scoring import Criterion, score
    >>> import pandas as pd
    >>> m = pd.DataFrame({"a": [3, 2, 1], "b": [3, 1, 2]}, index=["X", "Y", "Z"])
    >>> r = score(m, [Criterion("a"), Criterion("b")], {"a": 0.5, "b": 0.5})
    >>> rob = robustness(r, draws=1000, top_k=1)
    >>> float(rob.table.loc[0, "p_top1"])
    1.0
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from exportplan.analysis.defaults import DEFAULT_DRAWS
from exportplan.analysis.scoring import METHODS, RANK_SCALE, ScoreResult, rank_keys
from exportplan.analysis.weights import normalize_weights
from exportplan.errors import ExportPlanError

#: Sum of the Dirichlet parameters; larger → draws closer to the chosen weights.
DEFAULT_CONCENTRATION = 50.0
DEFAULT_DELTAS = (-0.2, -0.1, 0.1, 0.2)
#: Share of draws in the top k that makes an alternative "robust".
ROBUST_SHARE = 0.80
#: Least share of the (informative) weight an alternative must be observed on to be called "robust".
ROBUST_COVERAGE = 0.60
_BISECT_TOL = 1e-9
_BLOCK_CELLS = 32_768  # draws × alternatives per block: ~256 kB of float64, fits a CPU's L2 cache


# --------------------------------------------------------------------------- shared machinery

@dataclass(frozen=True)
class _Inputs:
    """The normalized matrix with alternatives sorted by code, so column order breaks ties by code.

    Only the criteria some alternative has a normalized value on (``keys``);
    ``left_out`` names the others.
    """

    codes: np.ndarray
    keys: list[str]
    x0: np.ndarray        # n × m, NaN → 0
    mask: np.ndarray      # n × m, 1.0 where observed
    gap: np.ndarray       # n × m, (1 − x) where observed, else 0 (TOPSIS distance to the ideal)
    w: np.ndarray         # m, sums to 1
    method: str
    scale: np.ndarray     # m, TOPSIS factor (ones when not given)
    group: np.ndarray     # m, group index of each criterion (its own index when ungrouped)
    left_out: list[str]


def _prepare(norm_matrix: pd.DataFrame, weights, method: str, topsis_scale,
             groups: Mapping[str, str] | None = None) -> _Inputs:
    if method not in METHODS:
        raise ExportPlanError(f"Unknown scoring method {method!r}; choose one of {sorted(METHODS)}.")
    keys = [str(k) for k in norm_matrix.columns]
    codes = np.asarray([str(c) for c in norm_matrix.index], dtype=str)
    if len(set(codes.tolist())) != len(codes):
        raise ExportPlanError("Alternative codes in the normalized matrix must be unique.")
    order = np.argsort(codes, kind="stable")
    x = norm_matrix.to_numpy(dtype=float)[order]
    if np.any(np.isinf(x)):
        raise ExportPlanError("The normalized matrix has infinite values; normalize it with scoring.normalize_matrix.")
    chosen = normalize_weights(dict(weights), keys, what="weights")
    w = np.array([chosen[k] for k in keys])
    scale = _scale(topsis_scale, keys)
    live = ~np.isnan(x).all(axis=0)
    # A column nobody has a value on drops out of every alternative's renormalized
    # weights, so leaving it out changes no score (unless nothing weighted is left:
    # then every score is NaN either way and the inputs stay as given).
    if not live.all() and w[live].sum() > 0:
        x, scale = x[:, live], scale[live]
        w = w[live] / w[live].sum()
    else:
        live = np.ones(len(keys), dtype=bool)
    kept = [k for k, on in zip(keys, live) if on]
    mask = (~np.isnan(x)).astype(float)
    x0 = np.nan_to_num(x, nan=0.0)
    return _Inputs(codes[order], kept, x0, mask, mask * (1.0 - x0), w, method, scale,
                   _group_index(kept, groups), [k for k, on in zip(keys, live) if not on])


def _group_index(keys: list[str], groups: Mapping[str, str] | None) -> np.ndarray:
    """Group number per key; a key without a (non-empty) group is a group of its own."""
    named = {} if groups is None else {str(k): str(g) for k, g in dict(groups).items() if g}
    labels = [("group", named[k]) if k in named else ("key", k) for k in keys]
    index = {label: i for i, label in enumerate(dict.fromkeys(labels))}
    return np.array([index[label] for label in labels], dtype=np.int64)


def _scale(topsis_scale, keys: list[str]) -> np.ndarray:
    if topsis_scale is None:
        return np.ones(len(keys))
    if isinstance(topsis_scale, (pd.Series, Mapping)):
        return np.array([float(topsis_scale[k]) for k in keys])
    return np.asarray(topsis_scale, dtype=float)


def _batch_scores(inputs: _Inputs, weights: np.ndarray) -> np.ndarray:
    """Scores of every alternative under each row of ``weights`` (draws × criteria) → draws × alternatives.

    One matrix product per term; an alternative with no observed weighted
    criterion gets NaN (ranked last).
    """
    if inputs.method == "weighted":
        den = weights @ inputs.mask.T
        num = weights @ inputs.x0.T
        # den == 0 only where every observed weight is 0, so num is 0 too: 0/0 → NaN, as wanted.
        with np.errstate(invalid="ignore"):
            return num / den
    v2 = (weights * inputs.scale) ** 2
    dm = np.sqrt(v2 @ (inputs.x0 ** 2).T)
    dp = np.sqrt(v2 @ (inputs.gap ** 2).T)
    total = dm + dp
    # No separation on any observed criterion (or no data) → NaN, as in scoring.topsis.
    return np.divide(dm, total, out=np.full(total.shape, np.nan), where=total > 0)


def orders(scores: np.ndarray) -> np.ndarray:
    """Per row, alternative positions best first (score desc, NaN last, ties in column = code order)."""
    n = scores.shape[1]
    # One key per cell (rounded score, then column = code order) makes every key unique,
    # so the fast default sort gives the order a stable sort would. The keys stay below
    # 2^53 for up to ~9,000 alternatives, so float64 holds them exactly.
    key = rank_keys(scores)
    np.subtract(float(RANK_SCALE), key, out=key)
    key *= n
    key += np.arange(n, dtype=float)
    return np.argsort(key, axis=1)


def ranks_from_orders(order: np.ndarray) -> np.ndarray:
    """Invert :func:`orders`: rank (1 = best) of each alternative in each row."""
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, order.shape[1] + 1), order.shape), axis=1)
    return ranks


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


def _top(order_row: np.ndarray, codes: np.ndarray, k: int) -> tuple[str, ...]:
    return tuple(codes[order_row[:k]].tolist())


def _check_top_k(top_k: int) -> None:
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ExportPlanError(f"top_k must be a whole number >= 1, not {top_k!r}.")


def _two(a: float, b: float) -> tuple[str, str]:
    """Two weights as text with enough decimals (2 to 4) to tell them apart."""
    for places in (2, 3, 4):
        sa, sb = f"{a:.{places}f}", f"{b:.{places}f}"
        if sa != sb:
            break
    return sa, sb


def _pct(p: float) -> str:
    if 0.99 < p < 1:
        return ">99%"
    if 0 < p < 0.01:
        return "<1%"
    return f"{p:.0%}"


# --------------------------------------------------------------------------- Monte Carlo

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
    _check_top_k(top_k)
    if draws < 1:
        raise ExportPlanError(f"draws must be >= 1, not {draws!r}.")
    inputs = _prepare(norm_matrix, weights, method, topsis_scale, groups)
    w_draws = draw_weights(inputs.w, inputs.group, draws, concentration, np.random.default_rng(seed))
    counts = _draw_counts(inputs, w_draws, data_draws)
    base_scores = _batch_scores(inputs, inputs.w[None, :])
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


def _coverage(inputs: _Inputs, coverage) -> np.ndarray:
    """Coverage per alternative (in ``inputs.codes`` order): as given, else the observed share of the weights."""
    if coverage is None:
        return inputs.mask @ inputs.w
    given = {str(k): float(v) for k, v in dict(coverage).items()}
    lost = [c for c in inputs.codes if c not in given]
    if lost:
        raise ExportPlanError(f"coverage is missing for alternatives {lost[:5]}; give one value per alternative.")
    return np.array([given[c] for c in inputs.codes], dtype=float)


def _drawn(inputs: _Inputs, groups: Mapping[str, str] | None) -> dict[str, float]:
    """The centre of the draws: weight per group name (or per key for an ungrouped criterion)."""
    named = {} if groups is None else {str(k): str(g) for k, g in dict(groups).items() if g}
    out: dict[str, float] = {}
    for key, w in zip(inputs.keys, inputs.w):
        label = named.get(key, key)
        out[label] = out.get(label, 0.0) + float(w)
    return out


def _draw_counts(inputs: _Inputs, w_draws: np.ndarray, data_draws=None) -> np.ndarray:
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
        scores = _batch_scores(inputs, block) if data_draws is None else data_draws.scores(inputs, block, start)
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


# --------------------------------------------------------------------------- one at a time

def shifted_weights(w: np.ndarray, j: int, t: np.ndarray) -> np.ndarray:
    """Rows of weights with ``w[j]`` set to each ``t`` and the others rescaled to keep the sum at 1."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    rest = (1.0 - t) / (1.0 - w[j])
    out = w[None, :] * rest[:, None]
    out[:, j] = t
    return out


def one_at_a_time(norm_matrix: pd.DataFrame, weights: Mapping[str, float], *,
                  deltas: Sequence[float] = DEFAULT_DELTAS, top_k: int = 5, method: str = "weighted",
                  topsis_scale=None, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Change each weight by each relative ``delta`` (−0.2 = 20% lower), others rescaled; does the top k change?

    One row per criterion × delta: ``criterion, delta, weight, new_weight,
    changed`` (membership or order of the top k), ``membership_changed,
    top_k`` (codes, best first, after the change), ``entered, left`` and
    ``moves`` (plain text, e.g. ``"Mexico #2→#3; Canada #3→#2"``).
    Criteria with weight 0 (nothing to scale) or 1 (nothing to rescale) are skipped.
    """
    _check_top_k(top_k)
    bad = [d for d in deltas if not d > -1]
    if bad:
        raise ExportPlanError(f"Relative weight changes must be > -1 (−100%); got {bad}.")
    inputs = _prepare(norm_matrix, weights, method, topsis_scale)
    scen = [(j, d, min(inputs.w[j] * (1 + d), 1.0)) for j in range(len(inputs.keys))
            if 0 < inputs.w[j] < 1 for d in deltas]
    rows = [shifted_weights(inputs.w, j, t)[0] for j, _, t in scen]
    base_order = orders(_batch_scores(inputs, inputs.w[None, :]))[0]
    new_orders = orders(_batch_scores(inputs, np.array(rows).reshape(len(rows), len(inputs.keys))))
    names = dict(names or {})
    out = [_change_row(inputs, base_order, new_orders[s], top_k, names)
           | {"criterion": inputs.keys[j], "delta": d, "weight": inputs.w[j], "new_weight": t}
           for s, (j, d, t) in enumerate(scen)]
    cols = ["criterion", "delta", "weight", "new_weight", "changed", "membership_changed",
            "top_k", "entered", "left", "moves"]
    text = ("criterion", "top_k", "entered", "left", "moves")
    return pd.DataFrame(out, columns=cols).astype({c: "str" for c in text})


def _change_row(inputs: _Inputs, base_order, new_order, k, names) -> dict:
    before, after = _top(base_order, inputs.codes, k), _top(new_order, inputs.codes, k)
    entered = [c for c in after if c not in before]
    left = [c for c in before if c not in after]
    return {
        "changed": before != after,
        "membership_changed": bool(entered or left),
        "top_k": ", ".join(after),
        "entered": ", ".join(entered),
        "left": ", ".join(left),
        "moves": describe_moves(before, after, k, names),
    }


def describe_moves(before: Sequence[str], after: Sequence[str], k: int, names: Mapping[str, str]) -> str:
    """Plain text for how the top k changed, e.g. ``"B #2→#3; C #3→#2; D enters the top 3"``."""
    parts = []
    for pos, code in enumerate(before, start=1):
        if code not in after:
            parts.append(f"{names.get(code, code)} drops out of the top {k}")
        elif after.index(code) + 1 != pos:
            parts.append(f"{names.get(code, code)} #{pos}→#{after.index(code) + 1}")
    parts += [f"{names.get(c, c)} enters the top {k} at #{after.index(c) + 1}" for c in after if c not in before]
    return "; ".join(parts)


# --------------------------------------------------------------------------- smallest reorder

def smallest_reorder(norm_matrix: pd.DataFrame, weights: Mapping[str, float], *, top_k: int = 5,
                     method: str = "weighted", topsis_scale=None, names: Mapping[str, str] | None = None,
                     resolution: float = 0.001) -> pd.DataFrame:
    """Per criterion, the smallest change of its weight that changes the top k (membership or order).

    The weight is moved up towards 1 and down towards 0 (others rescaled
    proportionally); the first change is located on a grid of step
    ``resolution`` and refined by bisection to 1e-9. A reordering that appears
    and disappears between two grid points (a window narrower than
    ``resolution``) can be missed. Columns: ``criterion, weight,
    increase_to, decrease_to`` (the new weight at which the top k first
    changes; NaN = no change within [0, 1]), ``direction`` ('increase',
    'decrease' or '' when neither), ``new_weight``, ``change_abs``
    (``|new − weight|``), ``change_rel`` (relative to the weight; NaN for a
    zero weight), ``top_k`` after the change (codes) and ``moves`` (text).
    Sorted by ``change_abs`` then criterion key, unchanged criteria last.
    """
    _check_top_k(top_k)
    if not 0 < resolution <= 0.5:
        raise ExportPlanError(f"resolution must be in (0, 0.5], not {resolution!r}.")
    inputs = _prepare(norm_matrix, weights, method, topsis_scale)
    base_order = orders(_batch_scores(inputs, inputs.w[None, :]))[0]
    base_top = _top(base_order, inputs.codes, top_k)
    names = dict(names or {})
    rows = [_reorder_row(inputs, j, base_top, top_k, resolution, names) for j in range(len(inputs.keys))]
    table = pd.DataFrame(rows, columns=["criterion", "weight", "increase_to", "decrease_to", "direction",
                                        "new_weight", "change_abs", "change_rel", "top_k", "moves"])
    table = table.astype({c: "str" for c in ("criterion", "direction", "top_k", "moves")})
    # Equal changes are ordered by criterion key, so the order is total.
    return table.sort_values(["change_abs", "criterion"], kind="stable", na_position="last").reset_index(drop=True)


def _first_change(inputs: _Inputs, j: int, target: float, base_top, k: int, resolution: float):
    """Walk w_j from its value towards ``target``; return (threshold, new top k) or None."""
    wj = inputs.w[j]
    if wj >= 1.0 or wj == target:
        return None
    steps = max(1, math.ceil(abs(target - wj) / resolution))
    grid = wj + (target - wj) * np.arange(1, steps + 1) / steps
    tops = orders(_batch_scores(inputs, shifted_weights(inputs.w, j, grid)))[:, :k]
    base_idx = np.searchsorted(inputs.codes, base_top)  # codes are sorted
    changed = np.any(tops != base_idx, axis=1)
    if not changed.any():
        return None
    first = int(np.argmax(changed))
    lo, hi = (wj if first == 0 else grid[first - 1]), grid[first]
    while abs(hi - lo) > _BISECT_TOL:
        mid = (lo + hi) / 2
        order = orders(_batch_scores(inputs, shifted_weights(inputs.w, j, mid)))[0]
        if _top(order, inputs.codes, k) != base_top:
            hi = mid
        else:
            lo = mid
    order = orders(_batch_scores(inputs, shifted_weights(inputs.w, j, hi)))[0]
    return float(hi), _top(order, inputs.codes, k)


def _reorder_row(inputs: _Inputs, j: int, base_top, k: int, resolution: float, names) -> dict:
    wj = float(inputs.w[j])
    up = _first_change(inputs, j, 1.0, base_top, k, resolution)
    down = _first_change(inputs, j, 0.0, base_top, k, resolution)
    found = [(abs(r[0] - wj), r[0], r[1], way) for r, way in ((up, "increase"), (down, "decrease")) if r is not None]
    row = {"criterion": inputs.keys[j], "weight": wj,
           "increase_to": up[0] if up else np.nan, "decrease_to": down[0] if down else np.nan,
           "direction": "", "new_weight": np.nan, "change_abs": np.nan, "change_rel": np.nan,
           "top_k": "", "moves": ""}
    if found:
        dist, t, top, way = min(found, key=lambda f: f[0])
        row.update(direction=way, new_weight=t, change_abs=dist,
                   change_rel=(t - wj) / wj if wj > 0 else np.nan,
                   top_k=", ".join(top), moves=describe_moves(base_top, top, k, names))
    return row


# --------------------------------------------------------------------------- all together

@dataclass(frozen=True)
class Robustness:
    """Monte Carlo ``table`` and ``acceptability``, one-at-a-time ``oat`` and ``reorder`` tables, and settings.

    ``drawn`` is the centre of the weight draws, per group name (or per
    criterion key for an ungrouped criterion); ``by_group`` is True when some
    group's measures were drawn together; ``left_out`` names the criteria no
    alternative has a normalized value on (no data, or uninformative), which
    no view varies.
    """

    table: pd.DataFrame
    acceptability: pd.DataFrame
    oat: pd.DataFrame
    reorder: pd.DataFrame
    top_k: int
    draws: int
    concentration: float
    seed: int
    method: str
    names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    drawn: dict[str, float] = field(default_factory=dict)
    by_group: bool = False
    left_out: tuple[str, ...] = ()

    def summary(self) -> list[str]:
        """Plain sentences: the draws used, then one per top-k alternative, then what reorders the top k."""
        lines = [f"Weights were varied in {self.draws:,} random draws around the chosen weights "
                 f"({self._draw_text()}); "
                 f"'robust' means in the top {self.top_k} in at least {ROBUST_SHARE:.0%} of draws and scored on "
                 f"at least {ROBUST_COVERAGE:.0%} of the weight."]
        for row in self.table.itertuples(index=False):
            if row.rank <= self.top_k:
                lines.append(self._alternative_sentence(row))
        lines += self._contenders()
        lines.append(self._reorder_sentence())
        return lines

    def _draw_text(self) -> str:
        """What was drawn and how far it moves: "Dirichlet over the 5 group weights, ...; concentration 50, so ..."."""
        what = "group" if self.by_group else "criterion"
        units = f" over the {len(self.drawn)} {what} weights" if self.drawn else ""
        keep = ", each measure keeping its share of its group's weight" if self.by_group else ""
        spread = sorted({r for r in (round(w, 2) for w in self.drawn.values()) if 0 < r < 1}, reverse=True)
        shown = [f"±{relative_spread(w, self.concentration):.0%} of a weight of {w:.2f}"
                 for w in ([spread[0], spread[-1]] if len(spread) > 1 else spread)]
        size = f", so one standard deviation is about {' and '.join(shown)}" if shown else ""
        return f"Dirichlet{units}{keep}; concentration {self.concentration:g}{size}; seed {self.seed}"

    def _name(self, code: str) -> str:
        return self.names.get(code, code)

    def _label(self, key: str) -> str:
        return self.labels.get(key, key)

    def _alternative_sentence(self, row) -> str:
        same = float(self.acceptability.loc[row.code, row.rank])
        band = (f"#{row.rank_p05}" if row.rank_p05 == row.rank_p95
                else f"between #{row.rank_p05} and #{row.rank_p95}")
        text = (f"{self._name(row.code)} (#{row.rank}) stays #{row.rank} in {_pct(same)} of weight draws "
                f"and in the top {self.top_k} in {_pct(row.p_topk)}"
                f" ({self._verdict(row)}); 90% of draws rank it {band}")
        return text + self._first_move(row.code, row.rank) + "."

    def _verdict(self, row) -> str:
        """'robust', 'not robust', or 'not robust: scored on only 25% of the weight' when coverage decides."""
        if row.robust:
            return "robust"
        cover = getattr(row, "coverage", math.nan)
        if row.p_topk >= ROBUST_SHARE and cover < ROBUST_COVERAGE - 1e-12:
            return f"not robust: scored on only {cover:.0%} of the weight, below {ROBUST_COVERAGE:.0%}"
        return "not robust"

    def _first_move(self, code: str, rank: int) -> str:
        """"; it drops to #3 if the 'distance' weight rises from 0.10 to 0.24" for the smallest change that moves it."""
        for r in self.reorder.itertuples(index=False):
            if not r.direction:
                continue
            after = r.top_k.split(", ")
            new = after.index(code) + 1 if code in after else None
            if new == rank:
                continue
            where = f"out of the top {self.top_k}" if new is None else f"to #{new}"
            verb = "drops" if new is None or new > rank else "rises"
            way = "rises" if r.direction == "increase" else "falls"
            before, after = _two(r.weight, r.new_weight)
            return (f"; it {verb} {where} if the '{self._label(r.criterion)}' weight {way} "
                    f"from {before} to {after}")
        return ""

    def _contenders(self) -> list[str]:
        """Alternatives outside the top k that enter it in at least 20% of draws."""
        rows = self.table[(self.table["rank"] > self.top_k) & (self.table["p_topk"] >= 0.2)]
        return [f"{self._name(r.code)} (#{r.rank}) enters the top {self.top_k} in {_pct(r.p_topk)} of draws."
                for r in rows.itertuples(index=False)]

    def _reorder_sentence(self) -> str:
        hits = self.reorder[self.reorder["direction"] != ""]
        if hits.empty:
            return f"No change of a single weight within [0, 1] changes the top {self.top_k}."
        r = hits.iloc[0]
        way = "rises" if r["direction"] == "increase" else "falls"
        before, after = _two(r["weight"], r["new_weight"])
        return (f"The top {self.top_k} changes first if the '{self._label(r['criterion'])}' weight {way} from "
                f"{before} to {after}: {r['moves']}.")


def relative_spread(weight: float, concentration: float = DEFAULT_CONCENTRATION) -> float:
    """Standard deviation of a Dirichlet-drawn weight relative to its centre: ``sqrt((1 − w)/(w (c + 1)))``."""
    return math.sqrt((1.0 - weight) / (weight * (concentration + 1.0))) if weight > 0 else math.nan


def robustness(result: ScoreResult, *, draws: int = DEFAULT_DRAWS,
               concentration: float = DEFAULT_CONCENTRATION, top_k: int = 5, seed: int = 0,
               deltas: Sequence[float] = DEFAULT_DELTAS, resolution: float = 0.001,
               by_group: bool = True, data_draws=None) -> Robustness:
    """All three robustness views for a :class:`ScoreResult`, with its method, weights and names.

    With ``by_group`` (default) the Monte Carlo draws the weights of the
    criteria's groups (``Criterion.group``; a criterion without one is its own
    group) and keeps each measure's share of its group; ``by_group=False``
    draws every measure weight on its own. One-at-a-time changes and the
    smallest reorder always move one measure weight. Uninformative criteria
    (``result.uninformative``) and criteria without data are left out, as
    the ranking leaves them out. ``data_draws`` (see :func:`monte_carlo`)
    draws withheld values within their bounds too (Monte Carlo only).
    """
    args = dict(top_k=top_k, method=result.method, topsis_scale=result.topsis_scale)
    groups = {c.key: c.group for c in result.criteria if c.group} if by_group else None
    coverage = dict(zip(result.table["code"], result.table["coverage"]))
    mc = monte_carlo(result.norm, result.weights, draws=draws, concentration=concentration, seed=seed,
                     groups=groups, coverage=coverage,
                     data_draws=None if data_draws is None else data_draws.for_result(result), **args)
    table = mc.table.copy()
    table.insert(1, "name", pd.array([result.names.get(c, c) for c in table["code"]], dtype="str"))
    oat = one_at_a_time(result.norm, result.weights, deltas=deltas, names=result.names, **args)
    reorder = smallest_reorder(result.norm, result.weights, names=result.names, resolution=resolution, **args)
    grouped = bool(groups) and len(mc.drawn) < len(result.norm.columns) - len(mc.left_out)
    return Robustness(table, mc.acceptability, oat, reorder, top_k, draws, concentration, seed,
                      result.method, dict(result.names), result.labels, mc.drawn, grouped, mc.left_out)
