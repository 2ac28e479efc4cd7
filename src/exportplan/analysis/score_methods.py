"""Normalization and scoring methods of the scoring engine, and their registries.

:data:`NORMALIZERS` (``minmax``, ``percentile``) map a criterion's raw values
over the alternatives in play to [0, 1] (1 = best); :data:`METHODS`
(``weighted``, ``topsis``) turn normalized values and weights into scores
and per-criterion contributions that add up to them. See
:mod:`exportplan.analysis.scoring` for the rules (methods.md §3); it
re-exports every public name here, so ``scoring.METHODS`` and
``scoring.NORMALIZERS`` are these registries.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from exportplan.analysis.criteria import Criterion
from exportplan.errors import ExportPlanError


# --------------------------------------------------------------------------- normalization

def minmax(values: np.ndarray) -> np.ndarray:
    """Min-max over the observed values (1 = highest); NaN stays NaN.

    A constant column (or a single observed value) has no spread to normalize
    over: every value comes back NaN, and :func:`score` leaves the criterion
    out as uninformative.
    """
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    seen = ~np.isnan(values)
    if not seen.any():
        return out
    lo, hi = values[seen].min(), values[seen].max()
    if hi > lo:
        out[seen] = (values[seen] - lo) / (hi - lo)
    return out


def percentile(values: np.ndarray) -> np.ndarray:
    """Percentile rank ``(r - 1)/(n - 1)`` of the observed values (average rank for ties).

    The highest value gets 1, the lowest 0; NaN stays NaN. A constant column
    (or a single observed value) comes back all NaN, as with :func:`minmax`.
    """
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    seen = ~np.isnan(values)
    n = int(seen.sum())
    if n == 0 or values[seen].min() == values[seen].max():
        return out
    ranks = pd.Series(values[seen]).rank(method="average").to_numpy()
    out[seen] = (ranks - 1.0) / (n - 1.0)
    return out


#: Normalizer name → callable(1-D float array with NaN) → values in [0, 1], 1 = best
#: (all NaN for a constant column: it has no spread to normalize over).
NORMALIZERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"minmax": minmax, "percentile": percentile}


def raw_values(matrix: pd.DataFrame, criteria: Sequence[Criterion]) -> pd.DataFrame:
    """The criteria columns of ``matrix`` as floats (NaN = missing), index = codes as text.

    Booleans become 1.0/0.0. Text that is not a number, infinities, duplicate
    codes and missing columns raise :class:`ExportPlanError`.
    """
    _check_criteria(criteria)
    codes = _codes(matrix)
    absent = [c.key for c in criteria if c.key not in matrix.columns]
    if absent:
        raise ExportPlanError(
            f"The score matrix has no column for criteria {absent}; it has {list(map(str, matrix.columns))}. "
            "Add the columns or drop those criteria.")
    out = {c.key: _numeric_column(matrix[c.key], c.key, codes) for c in criteria}
    return pd.DataFrame(out, index=pd.Index(codes, dtype="str", name="code"))


def transformed(raw: pd.DataFrame, criteria: Sequence[Criterion]) -> np.ndarray:
    """Apply each criterion's transform (``log1p`` for ``'log'``) to the raw values."""
    values = raw[[c.key for c in criteria]].to_numpy(dtype=float, copy=True)
    for j, crit in enumerate(criteria):
        if crit.transform != "log":
            continue
        col = values[:, j]
        negative = np.flatnonzero(col < 0)
        if negative.size:
            codes = [str(raw.index[i]) for i in negative[:5]]
            raise ExportPlanError(
                f"Criterion '{crit.key}' has transform='log' but negative values (alternatives {codes}). "
                "A log transform needs values >= 0; set transform='none' for rates and changes.")
        values[:, j] = np.log1p(col)
    return values


def uninformative_criteria(raw: pd.DataFrame, criteria: Sequence[Criterion]) -> list[str]:
    """Keys of the criteria whose observed (transformed) values are all equal: they cannot separate alternatives.

    A criterion observed for a single alternative counts too; one observed
    for none does not (it is missing, which shows in ``coverage``).
    """
    values = transformed(raw, criteria)
    out = []
    for j, crit in enumerate(criteria):
        col = values[:, j][~np.isnan(values[:, j])]
        if col.size and col.min() == col.max():
            out.append(crit.key)
    return out


def normalize_matrix(raw: pd.DataFrame, criteria: Sequence[Criterion], how: str = "minmax") -> pd.DataFrame:
    """Normalized values in [0, 1] (1 = best; cost criteria flipped; NaN kept), alternatives × keys.

    An uninformative criterion (:func:`uninformative_criteria`) is NaN for every alternative.
    """
    if how not in NORMALIZERS:
        raise ExportPlanError(f"Unknown normalization {how!r}; choose one of {sorted(NORMALIZERS)}.")
    values = transformed(raw, criteria)
    # Negate a cost criterion before normalizing (rather than 1 - x after), so
    # the normalizers only ever see "more is better".
    signs = np.array([-1.0 if c.direction == "cost" else 1.0 for c in criteria])
    norm = np.column_stack([NORMALIZERS[how](values[:, j] * signs[j]) for j in range(len(criteria))]) \
        if criteria else np.empty((len(raw), 0))
    # The normalizers blank constant columns already; this holds for any normalizer.
    for key in uninformative_criteria(raw, criteria):
        norm[:, [c.key for c in criteria].index(key)] = np.nan
    return pd.DataFrame(norm, index=raw.index, columns=[c.key for c in criteria])


def topsis_scale(raw: pd.DataFrame, criteria: Sequence[Criterion]) -> pd.Series:
    """Per criterion ``(max − min) / ||x||`` of the transformed observed values (0 if constant).

    With it TOPSIS can be computed from min-max values ``x̂``: the weighted
    vector-normalized distance of ``a`` to the anti-ideal on ``j`` is
    ``w_j · s_j · x̂_aj`` and to the ideal ``w_j · s_j · (1 − x̂_aj)``.
    """
    values = transformed(raw, criteria)
    scale = np.zeros(len(criteria))
    for j in range(len(criteria)):
        col = values[:, j][~np.isnan(values[:, j])]
        norm = math.sqrt(float(np.sum(col * col))) if col.size else 0.0
        if norm > 0:
            scale[j] = (col.max() - col.min()) / norm
    return pd.Series(scale, index=[c.key for c in criteria], dtype=float)


# --------------------------------------------------------------------------- methods

def _observed(norm: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Cells that count: observed and carrying positive weight."""
    return ~np.isnan(norm) & (weights[None, :] > 0)


def weighted_sum(norm: np.ndarray, weights: np.ndarray, scale: np.ndarray | None = None):
    """Weighted sum over the observed criteria, weights renormalized per alternative.

    Returns ``(scores, contributions)``; ``contributions[a, j] = w_j x̂_aj / Σ_obs w``
    (NaN where ``a`` has no value for ``j``) and sums to ``scores[a]``. An
    alternative observed on no weighted criterion scores NaN. ``scale`` is
    unused (the registry's methods share one signature).
    """
    seen = _observed(norm, weights)
    w = np.where(seen, weights[None, :], 0.0)
    total = w.sum(axis=1)
    has = total > 0
    contrib = np.zeros(norm.shape)
    contrib[has] = w[has] / total[has, None] * np.where(seen[has], norm[has], 0.0)
    contrib[np.isnan(norm)] = np.nan
    contrib[~has] = np.nan
    scores = np.where(has, np.nansum(np.where(seen, contrib, 0.0), axis=1), np.nan)
    # w/total sums to 1 only up to rounding; keep scores inside [0, 1].
    return np.clip(scores, 0.0, 1.0), contrib


def topsis(norm: np.ndarray, weights: np.ndarray, scale: np.ndarray | None = None):
    """TOPSIS closeness from min-max values ``norm`` and :func:`topsis_scale` ``scale``.

    Distances use the observed criteria only. Renormalizing the weights per
    alternative (as the weighted sum does) multiplies both ``D+`` and ``D−`` by
    the same factor, which cancels in ``C = D− / (D+ + D−)``, so missing
    criteria simply drop out of both distances. An uninformative (constant)
    criterion is NaN in ``norm`` from :func:`normalize_matrix`, so it drops
    out too (its scale is 0 anyway: the ideal and anti-ideal coincide). An
    alternative whose observed criteria all have ``w_j · s_j = 0`` (no
    separation at all) scores NaN, as one without data does.

    Contributions: ``C_a · d−_aj² / D−_a²`` where ``d−_aj`` is the weighted
    distance to the anti-ideal on ``j`` — each criterion's share of the
    squared separation from the worst, scaled to sum to ``C_a`` (0 for all
    when ``D− = 0``). ``scale`` of ``None`` means all ones (TOPSIS on
    ``norm`` as given).
    """
    scale = np.ones(norm.shape[1]) if scale is None else np.asarray(scale, dtype=float)
    seen = _observed(norm, weights)
    has = seen.any(axis=1)
    x = np.where(seen, norm, 0.0)
    v = weights * scale
    dm2 = np.where(seen, (v * x) ** 2, 0.0)
    dp2 = np.where(seen, (v * (1.0 - x)) ** 2, 0.0)
    dm, dp = np.sqrt(dm2.sum(axis=1)), np.sqrt(dp2.sum(axis=1))
    both = dm + dp
    scores = np.full(len(norm), np.nan)
    ok = has & (both > 0)
    scores[ok] = dm[ok] / both[ok]
    contrib = np.zeros(norm.shape)
    pos = ok & (dm > 0)
    contrib[pos] = scores[pos, None] * dm2[pos] / (dm[pos, None] ** 2)
    contrib[np.isnan(norm)] = np.nan
    contrib[~ok] = np.nan
    return scores, contrib


#: Method name → callable(norm, weights, scale=None) → (scores, contributions).
METHODS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {"weighted": weighted_sum, "topsis": topsis}


# --------------------------------------------------------------------------- validation

def _check_criteria(criteria: Sequence[Criterion]) -> None:
    keys = [c.key for c in criteria]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ExportPlanError(f"Criterion keys must be unique; repeated: {dupes}.")
    bad = [c for c in criteria if not isinstance(c, Criterion)]
    if bad:
        raise ExportPlanError(f"Expected Criterion objects, got {[type(b).__name__ for b in bad]}.")



def check_method(method: str, normalize: str) -> None:
    if method not in METHODS:
        raise ExportPlanError(f"Unknown scoring method {method!r}; choose one of {sorted(METHODS)}.")
    if normalize not in NORMALIZERS:
        raise ExportPlanError(f"Unknown normalization {normalize!r}; choose one of {sorted(NORMALIZERS)}.")
    if method == "topsis" and normalize != "minmax":
        raise ExportPlanError(
            "TOPSIS does its own vector normalization of the raw values, so it takes normalize='minmax' "
            f"(got {normalize!r}). Use method='weighted' for percentile normalization.")


def _codes(matrix: pd.DataFrame) -> list[str]:
    codes = [str(c) for c in matrix.index]
    seen: set[str] = set()
    dupes = sorted({c for c in codes if c in seen or seen.add(c)})
    if dupes:
        raise ExportPlanError(f"Alternative codes must be unique; repeated in the score matrix: {dupes[:10]}.")
    return codes


def _numeric_column(col: pd.Series, key: str, codes: list[str]) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col.dtype):
        col = col.astype(float)
    num = pd.to_numeric(col, errors="coerce")
    values = num.to_numpy(dtype=float, na_value=np.nan)
    given = col.notna().to_numpy()
    bad = np.flatnonzero(given & np.isnan(values))
    if bad.size:
        shown = [f"{codes[i]}={col.iloc[i]!r}" for i in bad[:5]]
        raise ExportPlanError(
            f"Criterion '{key}' has values that are not numbers: {', '.join(shown)}. "
            "Fix them, or leave them empty to mark them missing.")
    inf = np.flatnonzero(np.isinf(values))
    if inf.size:
        raise ExportPlanError(
            f"Criterion '{key}' has infinite values for {[codes[i] for i in inf[:5]]} "
            "(a division by zero upstream?). Replace them with a number or leave them empty.")
    return values
