"""Which weight changes reorder the top k: one-at-a-time changes and the smallest reordering change.

:func:`one_at_a_time` changes each weight by ±x% (relative) and
:func:`smallest_reorder` finds, per criterion, the smallest change of its
weight that changes the top *k* (membership or order); in both the other
weights are rescaled proportionally (:func:`shifted_weights`). See
:mod:`exportplan.analysis.sensitivity` (which re-exports every public name
here) for the method (methods.md §3).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from exportplan.analysis.batch_scoring import (
    BatchInputs, batch_scores, check_top_k, orders, prepare, top_codes, top_orders,
)
from exportplan.errors import ExportPlanError

DEFAULT_DELTAS = (-0.2, -0.1, 0.1, 0.2)
_BISECT_TOL = 1e-9
_BISECT_DEPTH = 5  # halvings scored together in one block (31 midpoints)
_FIRST_BLOCK = 32  # grid points scored in the first block of a walk; each next block is twice as large,
_BLOCK_CELLS = 32_768  # up to this many grid points × alternatives (larger products go multi-threaded in BLAS,
#                        which on a busy machine costs far more than it saves at these sizes)
#: How far below the k-th best a score may be and still be kept as a contender (:func:`_contenders`): far above
#: a score's floating-point noise (~1e-15) and the rank keys' rounding (1e-12).
_CONTENDER_MARGIN = 1e-9


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
    check_top_k(top_k)
    bad = [d for d in deltas if not d > -1]
    if bad:
        raise ExportPlanError(f"Relative weight changes must be > -1 (−100%); got {bad}.")
    inputs = prepare(norm_matrix, weights, method, topsis_scale)
    scen = [(j, d, min(inputs.w[j] * (1 + d), 1.0)) for j in range(len(inputs.keys))
            if 0 < inputs.w[j] < 1 for d in deltas]
    rows = [shifted_weights(inputs.w, j, t)[0] for j, _, t in scen]
    base_order = orders(batch_scores(inputs, inputs.w[None, :]))[0]
    new_orders = orders(batch_scores(inputs, np.array(rows).reshape(len(rows), len(inputs.keys))))
    names = dict(names or {})
    out = [_change_row(inputs, base_order, new_orders[s], top_k, names)
           | {"criterion": inputs.keys[j], "delta": d, "weight": inputs.w[j], "new_weight": t}
           for s, (j, d, t) in enumerate(scen)]
    cols = ["criterion", "delta", "weight", "new_weight", "changed", "membership_changed",
            "top_k", "entered", "left", "moves"]
    text = ("criterion", "top_k", "entered", "left", "moves")
    return pd.DataFrame(out, columns=cols).astype({c: "str" for c in text})


def _change_row(inputs: BatchInputs, base_order, new_order, k, names) -> dict:
    before, after = top_codes(base_order, inputs.codes, k), top_codes(new_order, inputs.codes, k)
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
    check_top_k(top_k)
    if not 0 < resolution <= 0.5:
        raise ExportPlanError(f"resolution must be in (0, 0.5], not {resolution!r}.")
    inputs = prepare(norm_matrix, weights, method, topsis_scale)
    base_order = orders(batch_scores(inputs, inputs.w[None, :]))[0]
    base_top = top_codes(base_order, inputs.codes, top_k)
    names = dict(names or {})
    rows = [_reorder_row(inputs, j, base_top, top_k, resolution, names) for j in range(len(inputs.keys))]
    table = pd.DataFrame(rows, columns=["criterion", "weight", "increase_to", "decrease_to", "direction",
                                        "new_weight", "change_abs", "change_rel", "top_k", "moves"])
    table = table.astype({c: "str" for c in ("criterion", "direction", "top_k", "moves")})
    # Equal changes are ordered by criterion key, so the order is total.
    return table.sort_values(["change_abs", "criterion"], kind="stable", na_position="last").reset_index(drop=True)


def _first_change(inputs: BatchInputs, j: int, target: float, base_top, k: int, resolution: float):
    """Walk w_j from its value towards ``target``; return (threshold, new top k) or None.

    The grid is scored in growing blocks and the walk stops at the first
    block with a change (the first change is the same as scoring the whole
    grid at once); only the top k of each row is ordered (:func:`top_orders`), and
    only the alternatives that can reach it are scored (:func:`_contenders`).
    """
    wj = inputs.w[j]
    if wj >= 1.0 or wj == target:
        return None
    inputs = _contenders(inputs, j, target, k)
    steps = max(1, math.ceil(abs(target - wj) / resolution))
    grid = wj + (target - wj) * np.arange(1, steps + 1) / steps
    base_idx = np.searchsorted(inputs.codes, base_top)  # codes are sorted
    first, start, size = None, 0, _FIRST_BLOCK
    largest = max(_FIRST_BLOCK, _BLOCK_CELLS // max(1, len(inputs.codes)))
    while first is None and start < steps:
        block = grid[start:start + size]
        tops = top_orders(batch_scores(inputs, shifted_weights(inputs.w, j, block)), k)
        changed = np.any(tops != base_idx, axis=1)
        if changed.any():
            first = start + int(np.argmax(changed))
        start, size = start + len(block), min(size * 2, largest)
    if first is None:
        return None
    hi = _bisect(inputs, j, (wj if first == 0 else grid[first - 1]), grid[first], base_idx, k)
    top = top_orders(batch_scores(inputs, shifted_weights(inputs.w, j, hi)), k)[0]
    return float(hi), tuple(inputs.codes[top].tolist())


def _contenders(inputs: BatchInputs, j: int, target: float, k: int) -> BatchInputs:
    """The alternatives that can be in the top k while w_j moves from its value to ``target`` (weighted sum).

    Under the weighted sum a score is ``num(t) / den(t)`` with both linear in the new weight ``t`` (the
    other weights scaled by ``(1 − t)/(1 − w_j)``), so it is monotone in ``t`` and its extremes over the
    walk are at its two ends (a score that is NaN, no weighted data, only ever ranks last). An
    alternative whose better end is below the k-th best of the worse ends (less a margin) is beaten by
    at least k others at every weight of the walk and is never in the top k: leaving it out changes no
    top k, since the others keep their scores and their order (ties by code: the kept ones stay sorted).
    TOPSIS scores need not be monotone: they keep every alternative.
    """
    n = len(inputs.codes)
    if inputs.method != "weighted" or k >= n:
        return inputs
    ends = batch_scores(inputs, shifted_weights(inputs.w, j, np.array([inputs.w[j], target])))
    ends = np.where(np.isnan(ends), -np.inf, ends)
    worse, better = ends.min(axis=0), ends.max(axis=0)
    floor = np.partition(worse, n - k)[n - k]  # the k-th best of the worse ends
    if not math.isfinite(floor):
        return inputs
    keep = np.flatnonzero(better >= floor - _CONTENDER_MARGIN)
    if len(keep) == n:
        return inputs
    return dataclasses.replace(inputs, codes=inputs.codes[keep], x0=inputs.x0[keep], mask=inputs.mask[keep],
                               gap=inputs.gap[keep])


def _bisect(inputs: BatchInputs, j: int, lo: float, hi: float, base_idx: np.ndarray, k: int) -> float:
    """Bisect [lo, hi] (top k unchanged at lo, changed at hi) down to :data:`_BISECT_TOL`; the new hi.

    The midpoints the next :data:`_BISECT_DEPTH` halvings can visit (a binary tree of them, computed as the
    halvings compute them) are scored in one block, then the halvings follow the tree: the same midpoints,
    tests and result as halving one midpoint at a time, with a twentieth of the calls.
    """
    size = 2 ** _BISECT_DEPTH - 1
    while abs(hi - lo) > _BISECT_TOL:
        spans, mids = [(lo, hi)], []
        for i in range(size):  # node i covers spans[i]; its children (2i+1, 2i+2) its lower and upper half
            a, b = spans[i]
            mid = (a + b) / 2
            mids.append(mid)
            if 2 * i + 2 < size:
                spans += [(a, mid), (mid, b)]
        tops = top_orders(batch_scores(inputs, shifted_weights(inputs.w, j, np.array(mids))), k)
        changed = np.any(tops != base_idx, axis=1)
        i = 0
        while i < size and abs(hi - lo) > _BISECT_TOL:
            if changed[i]:
                hi, i = mids[i], 2 * i + 1
            else:
                lo, i = mids[i], 2 * i + 2
    return hi


def _reorder_row(inputs: BatchInputs, j: int, base_top, k: int, resolution: float, names) -> dict:
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
