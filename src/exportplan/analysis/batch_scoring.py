"""Score many weight vectors at once: the machinery the robustness views share.

:func:`prepare` sorts the normalized matrix of a
:class:`~exportplan.analysis.scoring.ScoreResult` by code (so column order
breaks ties by code, as the ranking does) and leaves out the criteria no
alternative has a value on; :func:`batch_scores` scores every alternative
under each row of a weight matrix with matrix products (weighted sum or
TOPSIS, missing values renormalized as :func:`~exportplan.analysis.scoring.score`
does); :func:`orders` and :func:`ranks_from_orders` rank the rows. Used by
:mod:`exportplan.analysis.weight_draws` (Monte Carlo),
:mod:`exportplan.analysis.reorder` (one-at-a-time, smallest reorder) and
:mod:`exportplan.analysis.bound_draws`; see :mod:`exportplan.analysis.sensitivity`
for the method (methods.md §3).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from exportplan.analysis.score_methods import METHODS
from exportplan.analysis.scoring import RANK_SCALE, rank_keys
from exportplan.analysis.weights import normalize_weights
from exportplan.errors import ExportPlanError


@dataclass(frozen=True)
class BatchInputs:
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


def prepare(norm_matrix: pd.DataFrame, weights, method: str, topsis_scale,
            groups: Mapping[str, str] | None = None) -> BatchInputs:
    if method not in METHODS:
        raise ExportPlanError(f"Unknown scoring method {method!r}; choose one of {sorted(METHODS)}.")
    keys = [str(k) for k in norm_matrix.columns]
    codes = np.asarray([str(c) for c in norm_matrix.index.tolist()], dtype=str)  # tolist: plain values, fast
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
    return BatchInputs(codes[order], kept, x0, mask, mask * (1.0 - x0), w, method, scale,
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


def batch_scores(inputs: BatchInputs, weights: np.ndarray) -> np.ndarray:
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


def _sort_keys(scores: np.ndarray) -> tuple[np.ndarray, int] | None:
    """One whole-number sort key per cell, ``(10^12 − rank key) << bits | column``, and ``bits``.

    The rounded score (:func:`~exportplan.analysis.scoring.rank_keys`, below 2^40) comes first and the
    column (code order) last, so the keys are unique within a row and sorting the keys themselves (a
    value sort, faster than an argsort) orders the row as a stable argsort of the scores would; the
    low ``bits`` of each sorted key give back its column. None when the columns need more bits than
    fit (over 8 million alternatives).
    """
    n = scores.shape[1]
    bits = max(1, (n - 1).bit_length())
    if bits > 23:
        return None
    key = rank_keys(scores).astype(np.int64)
    np.subtract(RANK_SCALE, key, out=key)
    np.left_shift(key, bits, out=key)
    key |= np.arange(n, dtype=np.int64)
    return key, bits


def _float_keys(scores: np.ndarray) -> np.ndarray:
    """The keys of :func:`_sort_keys` as floats (rank key × n + column), for argsort when the bits run out."""
    n = scores.shape[1]
    key = rank_keys(scores)
    np.subtract(float(RANK_SCALE), key, out=key)
    key *= n
    key += np.arange(n, dtype=float)
    return key


def orders(scores: np.ndarray) -> np.ndarray:
    """Per row, alternative positions best first (score desc, NaN last, ties in column = code order)."""
    found = _sort_keys(scores)
    if found is None:
        return np.argsort(_float_keys(scores), axis=1)
    key, bits = found
    key.sort(axis=1)
    key &= (1 << bits) - 1
    return key


def top_orders(scores: np.ndarray, k: int) -> np.ndarray:
    """``orders(scores)[:, :k]`` without sorting whole rows: the k best of each row, best first.

    The sort keys of :func:`orders` are unique within a row, so the k
    smallest keys (a partition) sorted among themselves are exactly the
    first k positions of the full sort.
    """
    n = scores.shape[1]
    found = _sort_keys(scores) if k < n else None
    if found is None:
        return orders(scores)
    key, bits = found
    part = np.partition(key, k - 1, axis=1)[:, :k]
    part.sort(axis=1)
    part &= (1 << bits) - 1
    return part


def ranks_from_orders(order: np.ndarray) -> np.ndarray:
    """Invert :func:`orders`: rank (1 = best) of each alternative in each row."""
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, order.shape[1] + 1), order.shape), axis=1)
    return ranks


def top_codes(order_row: np.ndarray, codes: np.ndarray, k: int) -> tuple[str, ...]:
    return tuple(codes[order_row[:k]].tolist())


def check_top_k(top_k: int) -> None:
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ExportPlanError(f"top_k must be a whole number >= 1, not {top_k!r}.")
