"""The scoring engine: one weighted ranking for target sectors and country markets.

An *alternative* (a cluster, a country) has a raw value on each *criterion*.
:func:`score` normalizes the raw values, weights them and ranks the
alternatives, and explains every score (methods.md §3):

* **Normalization** (:data:`NORMALIZERS`) happens over the alternatives in
  play. ``minmax`` (default) maps the lowest observed value to 0 and the
  highest to 1; ``percentile`` uses the percentile rank ``(r - 1)/(n - 1)``
  (average rank for ties). A criterion with ``transform='log'`` is
  transformed with ``log1p`` first (for non-negative, heavy-tailed values:
  employment, GDP, exports; ``log1p`` keeps zeros finite). Cost criteria are
  negated before normalizing, so 1 is always best. A missing value stays
  missing (NaN).
* **Uninformative criteria**: a criterion whose observed values are all equal
  (or that only one alternative has a value on) cannot separate the
  alternatives. It is left out of every score, exactly as if no alternative
  had it: its normalized value is NaN, its weight is renormalized over the
  other criteria, its contribution is 0 (NaN where the alternative has no
  value), it counts neither in ``coverage`` nor in reasons, and
  :attr:`ScoreResult.uninformative` names it (with
  :meth:`ScoreResult.uninformative_notes` for people). Giving it full marks
  instead would add the same amount to every observed alternative and so
  lift the alternatives that miss other criteria: it would change ranks.
* **Missing values** are never zero: an alternative missing a criterion is
  scored on the criteria it has, with the weights renormalized over them, and
  its ``coverage`` is the share of the informative weight (every weighted
  criterion except the uninformative ones) it was observed on.
* **Methods** (:data:`METHODS`): ``weighted`` is the weighted sum
  ``S_a = Σ_j w_j x̂_aj``; ``topsis`` is TOPSIS (Hwang & Yoon 1981) on the
  (log-transformed where set) raw values: vector normalization
  ``r_aj = x_aj / ||x_j||``, weighting, Euclidean distances ``D+``/``D−`` to
  the ideal and anti-ideal, closeness ``C_a = D− / (D+ + D−)``.
* **Contributions** add up to the score: ``w_j · x̂_aj`` (renormalized
  weights; 0 for an uninformative criterion) for the weighted sum; for
  TOPSIS, ``C_a`` split in proportion to each criterion's share of the
  squared distance to the anti-ideal (see :func:`topsis`).
* **Reasons**: a plain-language sentence per alternative from the raw values
  of its largest contributions (equal contributions, up to rounding at
  :data:`RANK_DECIMALS` decimals, are ordered by criterion key). Missing
  measures are not repeated on every row: :meth:`ScoreResult.missing_notes`
  lists once which measures are missing for which alternatives.

Example::

    >>> import pandas as pd
    >>> crit = [Criterion("lq", "LQ", fmt="{:.2f}"), Criterion("emp", "employment", transform="log", fmt="int")]
    >>> m = pd.DataFrame({"lq": [3.1, 0.8, 1.2], "emp": [1200, 45000, None]}, index=["A", "B", "C"])
    >>> t = score(m, crit, {"lq": 0.6, "emp": 0.4}).table
    >>> list(t["code"]), list(t["coverage"])
    (['A', 'B', 'C'], [1.0, 1.0, 0.6])
    >>> t.loc[0, "reason"]
    'LQ 3.10 (highest of 3)'

The parts live beside this module and are re-exported here (callers use
``scoring.X``): :mod:`exportplan.analysis.criteria` (:class:`Criterion`,
:data:`FORMATS`) and :mod:`exportplan.analysis.score_methods` (the
normalizers and methods, :data:`NORMALIZERS` and :data:`METHODS`). This
module scores and ranks (:func:`score`, :class:`ScoreResult`) and writes
the reasons.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from exportplan.analysis.criteria import DIRECTIONS, FORMATS, TRANSFORMS, Criterion  # noqa: F401  (re-exported)
from exportplan.analysis.score_methods import (  # noqa: F401  (re-exported: callers use scoring.X)
    METHODS,
    NORMALIZERS,
    check_method,
    minmax,
    normalize_matrix,
    percentile,
    raw_values,
    topsis,
    topsis_scale,
    transformed,
    uninformative_criteria,
    weighted_sum,
)
from exportplan.analysis.weights import normalize_weights

#: Round scores to this many decimals before ranking, so that scores equal up to
#: floating-point noise tie (and ties are broken by code) in every code path.
RANK_DECIMALS = 12
RANK_SCALE = 10 ** RANK_DECIMALS


# --------------------------------------------------------------------------- score()

@dataclass(frozen=True)
class ScoreResult:
    """A ranking and its inputs.

    ``table`` has one row per alternative, best first: ``rank, code, name,
    score, coverage``, then ``raw_<key>``, ``norm_<key>`` and ``contrib_<key>``
    for every criterion, then ``reason`` (left out when scored with
    ``reasons=False``). ``matrix`` holds the raw values used, ``norm`` the
    normalized values (what :mod:`sensitivity` needs),
    ``weights`` the weights after normalization (sum 1), ``topsis_scale`` the
    per-criterion factor that lets TOPSIS run on ``norm``. For both methods
    ``norm_<key>`` is the min-max (or percentile) value; under TOPSIS it is
    the position between the anti-ideal (0) and the ideal (1) on that criterion.

    ``uninformative`` holds the keys of the weighted criteria left out because
    every alternative with a value has the same one (see the module notes);
    their ``norm_<key>`` is NaN and ``contrib_<key>`` 0 (NaN where the
    alternative has no value or no score). :meth:`uninformative_notes` says
    so in sentences.
    """

    table: pd.DataFrame
    matrix: pd.DataFrame
    norm: pd.DataFrame
    criteria: tuple[Criterion, ...]
    weights: dict[str, float]
    method: str
    normalize: str
    names: dict[str, str] = field(default_factory=dict)
    topsis_scale: pd.Series | None = None
    uninformative: tuple[str, ...] = ()

    @property
    def labels(self) -> dict[str, str]:
        """Criterion key → label."""
        return {c.key: c.label for c in self.criteria}

    def uninformative_notes(self, noun: str = "alternative", plural: str | None = None) -> list[str]:
        """One sentence per uninformative criterion, e.g. for ``noun='ranked sector'``:

        ``"state target: every ranked sector has the same value (not listed), so it
        cannot separate them and is left out of the score."``
        """
        plural = plural or f"{noun}s"
        crits = {c.key: c for c in self.criteria}
        lines = []
        for key in self.uninformative:
            col = self.matrix[key].to_numpy(dtype=float)
            seen = col[~np.isnan(col)]
            value = crits[key].format_value(float(seen[0]))
            if seen.size == len(col):
                who = f"every {noun} has the same value ({value})"
            elif seen.size == 1:
                who = f"only one {noun} has a value ({value})"
            else:
                who = f"the {seen.size} {plural} with data all have the same value ({value})"
            lines.append(f"{crits[key].label}: {who}, so it cannot separate them and is left out of the score.")
        return lines

    def missing_notes(self, noun: str = "alternative", plural: str | None = None, *,
                      skip_all: bool = False, shown: int = 6) -> list[str]:
        """Which weighted measures are missing for which alternatives, said once (not on every reason).

        Measures missing for the same alternatives share a sentence, e.g.
        ``"No data on regional growth, US growth for 3 of 48 ranked sectors:
        Automotive, Insurance, Wholesale (scored on the other measures; see
        coverage)."`` Alternatives are named best first, at most ``shown`` of
        them. ``skip_all`` leaves out measures no alternative has (a caller
        that explains those itself). Uninformative and unweighted measures are
        not listed: they play no part in any score.
        """
        plural = plural or f"{noun}s"
        n = len(self.table)
        order = [str(c) for c in self.table["code"].tolist()]
        # The matrix's rows in the table's order (best first), found once for every measure.
        row_of = {code: i for i, code in enumerate(map(str, self.matrix.index.tolist()))}
        at = np.array([row_of[c] for c in order], dtype=np.int64)
        codes = np.array(order, dtype=object)
        groups: dict[tuple[str, ...], list[str]] = {}
        for crit in self.criteria:
            if self.weights.get(crit.key, 0.0) <= 0 or crit.key in self.uninformative:
                continue
            missing = np.isnan(self.matrix[crit.key].to_numpy(dtype=float))[at]
            gone = tuple(codes[missing].tolist())
            if not gone or (skip_all and len(gone) == n):
                continue
            groups.setdefault(gone, []).append(crit.label)
        lines = []
        for gone, labels in sorted(groups.items(), key=lambda kv: (-len(kv[0]), kv[1])):
            what = ", ".join(labels)
            if len(gone) == n:
                lines.append(f"No data on {what} for any {noun}: left out of every score, the weights "
                             "renormalized over the rest.")
                continue
            names = [self.names.get(c, c) for c in gone[:shown]]
            more = f" and {len(gone) - shown} more" if len(gone) > shown else ""
            who = f"{len(gone)} of {n} {plural}" if len(gone) > 1 else f"1 of {n} {plural}"
            lines.append(f"No data on {what} for {who}: {', '.join(names)}{more} (scored on the other measures, "
                         "never as zero; see coverage).")
        return lines


@dataclass(frozen=True)
class Prepared:
    """What :func:`score` computes before it looks at the weights (:func:`prepare_scoring`): the raw values
    checked, the normalized matrix, the TOPSIS scale, the uninformative criteria (``flat``) and the names.

    The same alternatives and criteria scored with other weights can start from it
    (:func:`score_prepared`), which gives what :func:`score` gives. Read-only: results share it.
    """

    raw: pd.DataFrame
    criteria: tuple[Criterion, ...]
    normalize: str
    norm: pd.DataFrame
    scale: pd.Series
    flat: np.ndarray
    names: dict[str, str]


def prepare_scoring(matrix: pd.DataFrame, criteria: Sequence[Criterion], normalize: str = "minmax",
            names: Mapping[str, str] | pd.Series | None = None) -> Prepared:
    """The weight-independent part of :func:`score` (checks the matrix and criteria, normalizes)."""
    criteria = tuple(criteria)
    check_method("weighted", normalize)
    raw = raw_values(matrix, criteria)
    norm = normalize_matrix(raw, criteria, normalize)  # uninformative columns are all NaN
    flat = np.isin([c.key for c in criteria], uninformative_criteria(raw, criteria))
    return Prepared(raw, criteria, normalize, norm, topsis_scale(raw, criteria), flat, _names(raw.index, names))


def score(matrix: pd.DataFrame, criteria: Sequence[Criterion], weights: Mapping[str, float], *,
          method: str = "weighted", normalize: str = "minmax",
          names: Mapping[str, str] | pd.Series | None = None, reasons: bool = True) -> ScoreResult:
    """Score and rank the alternatives (rows of ``matrix``, index = codes) on ``criteria``.

    ``weights`` maps criterion keys to non-negative numbers (normalized to sum
    1; a criterion left out weighs 0). ``method`` is a key of :data:`METHODS`,
    ``normalize`` a key of :data:`NORMALIZERS` (TOPSIS takes ``'minmax'``
    only: it does its own vector normalization). Ranks run 1..n by score,
    ties broken by code; alternatives without any weighted data rank last with
    a NaN score. Uninformative criteria (one value among the alternatives that
    have one) are left out of the score for everyone; see the module notes.
    ``reasons=False`` leaves the ``reason`` column out (for a caller that writes its own).
    """
    check_method(method, normalize)
    prepared = prepare_scoring(matrix, criteria, normalize, names)
    return score_prepared(prepared, weights, method=method, reasons=reasons)


def score_prepared(prepared: Prepared, weights: Mapping[str, float], *, method: str = "weighted",
                   reasons: bool = True) -> ScoreResult:
    """:func:`score` from its weight-independent part (:func:`prepare_scoring`): the same result."""
    check_method(method, prepared.normalize)
    raw, criteria, norm, scale, flat = prepared.raw, prepared.criteria, prepared.norm, prepared.scale, prepared.flat
    keys = [c.key for c in criteria]
    w = normalize_weights(weights, keys, what="score weights")
    wvec = np.array([w[k] for k in keys], dtype=float)
    scores, contrib = METHODS[method](norm.to_numpy(), wvec, scale.to_numpy())
    values = raw.to_numpy()
    # A value that cannot separate anyone contributes nothing (NaN stays for "no value" and "no score").
    contrib[:, flat] = np.where(~np.isnan(values[:, flat]) & ~np.isnan(scores)[:, None], 0.0, np.nan)
    coverage = _coverage(values, wvec, flat)
    table = _table(raw, norm, contrib, scores, coverage, criteria, wvec, prepared.names, flat, reasons)
    dropped = tuple(k for k, f, wk in zip(keys, flat, wvec) if f and wk > 0)
    return ScoreResult(table, raw, norm, criteria, w, method, prepared.normalize, prepared.names, scale, dropped)


def _coverage(raw: np.ndarray, wvec: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """Share of the informative weight (weighted criteria that are not uninformative) each alternative has data on."""
    informative = np.where(flat, 0.0, wvec)
    total = informative.sum()
    if total <= 0:
        return np.zeros(len(raw))
    missing = np.isnan(raw) & (informative > 0)[None, :]
    seen = np.where(missing, 0.0, informative[None, :]).sum(axis=1)
    # Exactly 1.0 for full coverage (a sum of the same weights divided by itself could round below 1).
    return np.where(missing.any(axis=1), seen / total, 1.0)


def rank_keys(scores: np.ndarray) -> np.ndarray:
    """Scores as whole numbers ``round(score × 10^12)`` in [0, 10^12] (NaN → −1), so every code path ties alike.

    Returned as float64, which holds these integers exactly and sorts fast.
    """
    keys = np.multiply(scores, float(RANK_SCALE), dtype=float)
    np.rint(keys, out=keys)
    np.clip(keys, 0.0, float(RANK_SCALE), out=keys)
    keys[np.isnan(keys)] = -1.0
    return keys


def rank_order(scores: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """Positions of the alternatives best first: score descending, NaN last, ties by code."""
    return np.lexsort((np.asarray(codes, dtype=str), -rank_keys(scores)))


def _table(raw, norm, contrib, scores, coverage, criteria, wvec, names, flat, reasons: bool = True) -> pd.DataFrame:
    codes = list(raw.index)
    order = rank_order(scores, codes)
    keys = [c.key for c in criteria]
    cols = {
        "code": pd.array(codes, dtype="str"),
        "name": pd.array([names[c] for c in codes], dtype="str"),
        "score": scores,
        "coverage": coverage,
    }
    cols.update({f"raw_{k}": raw[k].to_numpy() for k in keys})
    cols.update({f"norm_{k}": norm[k].to_numpy() for k in keys})
    cols.update({f"contrib_{k}": contrib[:, j] for j, k in enumerate(keys)})
    if reasons:
        values = raw[keys].to_numpy(dtype=float)  # the reasons read numbers, not pandas cells
        where = _Positions(values, criteria)
        cols["reason"] = pd.array([_reason(i, values, contrib, coverage, criteria, wvec, flat, where)
                                   for i in range(len(codes))], dtype="str")
    table = pd.DataFrame(cols).iloc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    return table


# --------------------------------------------------------------------------- reasons

def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def position_text(values: np.ndarray, i: int, crit: Criterion) -> str:
    """Where alternative ``i`` stands on ``crit`` among the observed values, e.g. ``"highest of 14"``."""
    seen = values[~np.isnan(values)]
    x = values[i]
    if crit.is_flag or seen.size < 2 or seen.min() == seen.max() or math.isnan(x):
        return ""
    return _position_words(int(np.sum(seen < x)), int(np.sum(seen > x)), seen.size, crit.direction)


def positions(values: np.ndarray, crit: Criterion) -> list[str]:
    """:func:`position_text` of every alternative at once (one sort and two searches, not a scan each)."""
    values = np.asarray(values, dtype=float)
    seen = np.sort(values[~np.isnan(values)])
    if crit.is_flag or seen.size < 2 or seen[0] == seen[-1]:
        return [""] * len(values)
    lower = np.searchsorted(seen, values, side="left").tolist()  # observed values below each value
    higher = (seen.size - np.searchsorted(seen, values, side="right")).tolist()  # and above it
    return ["" if math.isnan(x) else _position_words(lo, hi, seen.size, crit.direction)
            for x, lo, hi in zip(values.tolist(), lower, higher)]


def _position_words(lower: int, higher: int, size: int, direction: str) -> str:
    """'tied 2nd highest of 14' from the counts of observed values below and above a value (``size`` in all)."""
    best, worst = ("lowest", "highest") if direction == "cost" else ("highest", "lowest")
    better, worse = (lower, higher) if direction == "cost" else (higher, lower)
    tied = "tied " if size - lower - higher > 1 else ""
    if better == 0:
        return f"{tied}{best} of {size}"
    if worse == 0:
        return f"{tied}{worst} of {size}"
    return f"{tied}{_ordinal(better + 1)} {best} of {size}"


class _Positions:
    """Position texts per criterion column, found for the whole column the first time one is asked for."""

    def __init__(self, values: np.ndarray, criteria: Sequence[Criterion]):
        self.values, self.criteria, self.texts = values, criteria, {}

    def __call__(self, i: int, j: int) -> str:
        if j not in self.texts:
            self.texts[j] = positions(self.values[:, j], self.criteria[j])
        return self.texts[j][i]


def _describe_with_position(values: np.ndarray, i: int, crit: Criterion, where: str | None = None) -> str:
    """``crit``'s value of alternative ``i`` (``values``: the criterion's raw column) and its position
    (``where``: its :func:`position_text` when already known)."""
    text = crit.describe(values[i])
    where = position_text(values, i, crit) if where is None else where
    return f"{text} ({where})" if where else text


def _reason(i, raw: np.ndarray, contrib, coverage, criteria, wvec, flat, where: _Positions) -> str:
    """Plain-language reason for alternative ``i`` from its largest contributions and raw values
    (``raw``: alternatives × criteria, in ``criteria`` order).

    Uninformative criteria (``flat``) are never mentioned: they played no part in the score.
    Measures it has no data on are not listed here but once for all in
    :meth:`ScoreResult.missing_notes`. Equal contributions (and equal weights)
    are ordered by criterion key: values are compared after rounding to
    :data:`RANK_DECIMALS` decimals, so figures equal up to floating-point
    noise (weights rescaled by another sum) keep one order.
    """
    weighted = [j for j in range(len(criteria)) if wvec[j] > 0 and not flat[j]]
    if not weighted:
        return "no weighted criterion separates the alternatives (each has a single value)"
    if coverage[i] == 0:
        return "no data on any weighted criterion"
    seen = [j for j in weighted if not np.isnan(raw[i, j])]
    top = sorted((j for j in seen if contrib[i, j] > 0), key=lambda j: (-_key(contrib[i, j]), criteria[j].key))[:3]
    if top:
        parts = [_describe_with_position(raw[:, j], i, criteria[j], where(i, j)) for j in top]
    else:
        heavy = sorted(seen, key=lambda j: (-_key(wvec[j]), criteria[j].key))[:2]
        parts = ["weakest on every weighted criterion: "
                 + "; ".join(_describe_with_position(raw[:, j], i, criteria[j], where(i, j)) for j in heavy)]
    return "; ".join(parts)


def _key(value: float) -> float:
    """A contribution or weight as a sort key: rounded to :data:`RANK_DECIMALS` decimals (noise ties)."""
    return round(float(value), RANK_DECIMALS)


def _names(index: pd.Index, names) -> dict[str, str]:
    given = {} if names is None else {str(k): str(v) for k, v in dict(names).items() if pd.notna(v)}
    return {code: given.get(code, code) for code in index}
