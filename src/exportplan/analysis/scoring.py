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
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from exportplan.errors import ExportPlanError
from exportplan.analysis.weights import normalize_weights

DIRECTIONS = ("benefit", "cost")
TRANSFORMS = ("none", "log")

#: Named value formats for reasons; any ``str.format`` spec or a callable also works.
FORMATS: dict[str, str] = {
    "number": "{:,.2f}",
    "int": "{:,.0f}",
    "percent": "{:.1%}",   # a share given as a fraction: 0.123 -> 12.3%
    "change": "{:+.1%}",   # a growth rate given as a fraction: 0.12 -> +12.0%
    "money": "${:,.0f}",
    "flag": "",            # yes/no: the label when true, "<label>: no" when false
}

#: Round scores to this many decimals before ranking, so that scores equal up to
#: floating-point noise tie (and ties are broken by code) in every code path.
RANK_DECIMALS = 12
RANK_SCALE = 10 ** RANK_DECIMALS


@dataclass(frozen=True)
class Criterion:
    """One measure the alternatives are scored on.

    ``key`` names the matrix column; ``label`` is shown to people; ``direction``
    is ``'benefit'`` (more is better) or ``'cost'`` (less is better); ``unit``
    and ``source`` (publisher + vintage) document the figure; ``transform`` is
    ``'none'`` or ``'log'`` (``log1p``, for non-negative heavy-tailed values);
    ``group`` is the guide's criterion or factor the measure belongs to
    (several measures may share one group); ``fmt`` formats a raw value in
    reasons: a name in :data:`FORMATS`, a ``str.format`` spec such as
    ``"{:.1f} km"``, or a callable ``float -> str``.
    """

    key: str
    label: str = ""
    direction: str = "benefit"
    unit: str = ""
    source: str = ""
    transform: str = "none"
    description: str = ""
    group: str = ""
    fmt: str | Callable[[float], str] = "number"

    def __post_init__(self) -> None:
        if not self.key:
            raise ExportPlanError("A criterion has an empty key. Give every criterion a short key, e.g. 'lq'.")
        if self.direction not in DIRECTIONS:
            raise ExportPlanError(
                f"Criterion '{self.key}': direction {self.direction!r} is not one of {DIRECTIONS}. "
                "Use 'benefit' when more is better and 'cost' when less is better.")
        if self.transform not in TRANSFORMS:
            raise ExportPlanError(
                f"Criterion '{self.key}': transform {self.transform!r} is not one of {TRANSFORMS}.")
        if not self.label:
            object.__setattr__(self, "label", self.key)

    @property
    def is_flag(self) -> bool:
        return self.fmt == "flag"

    def format_value(self, value: float) -> str:
        """The raw value as text, with this criterion's format."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "no data"
        if callable(self.fmt):
            return self.fmt(value)
        if self.is_flag:
            return "yes" if value else "no"
        spec = FORMATS.get(self.fmt, self.fmt)
        return spec.format(value)

    def describe(self, value: float) -> str:
        """``"<label> <value>"`` for reasons, e.g. ``"LQ 3.10"``; flags read as the label when true."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return f"{self.label}: no data"
        if self.is_flag:
            return self.label if value else f"{self.label}: no"
        return f"{self.label} {self.format_value(value)}"


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


# --------------------------------------------------------------------------- score()

@dataclass(frozen=True)
class ScoreResult:
    """A ranking and its inputs.

    ``table`` has one row per alternative, best first: ``rank, code, name,
    score, coverage``, then ``raw_<key>``, ``norm_<key>`` and ``contrib_<key>``
    for every criterion, then ``reason``. ``matrix`` holds the raw values
    used, ``norm`` the normalized values (what :mod:`sensitivity` needs),
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
        order = [str(c) for c in self.table["code"]]
        groups: dict[tuple[str, ...], list[str]] = {}
        for crit in self.criteria:
            if self.weights.get(crit.key, 0.0) <= 0 or crit.key in self.uninformative:
                continue
            col = self.matrix[crit.key]
            gone = tuple(c for c in order if np.isnan(col.loc[c]))
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


def score(matrix: pd.DataFrame, criteria: Sequence[Criterion], weights: Mapping[str, float], *,
          method: str = "weighted", normalize: str = "minmax",
          names: Mapping[str, str] | pd.Series | None = None) -> ScoreResult:
    """Score and rank the alternatives (rows of ``matrix``, index = codes) on ``criteria``.

    ``weights`` maps criterion keys to non-negative numbers (normalized to sum
    1; a criterion left out weighs 0). ``method`` is a key of :data:`METHODS`,
    ``normalize`` a key of :data:`NORMALIZERS` (TOPSIS takes ``'minmax'``
    only: it does its own vector normalization). Ranks run 1..n by score,
    ties broken by code; alternatives without any weighted data rank last with
    a NaN score. Uninformative criteria (one value among the alternatives that
    have one) are left out of the score for everyone; see the module notes.
    """
    criteria = tuple(criteria)
    _check_method(method, normalize)
    raw = raw_values(matrix, criteria)
    keys = [c.key for c in criteria]
    w = normalize_weights(weights, keys, what="score weights")
    wvec = np.array([w[k] for k in keys], dtype=float)
    norm = normalize_matrix(raw, criteria, normalize)  # uninformative columns are all NaN
    scale = topsis_scale(raw, criteria)
    scores, contrib = METHODS[method](norm.to_numpy(), wvec, scale.to_numpy())
    flat = np.isin(keys, uninformative_criteria(raw, criteria))
    # A value that cannot separate anyone contributes nothing (NaN stays for "no value" and "no score").
    contrib[:, flat] = np.where(~np.isnan(raw.to_numpy()[:, flat]) & ~np.isnan(scores)[:, None], 0.0, np.nan)
    coverage = _coverage(raw.to_numpy(), wvec, flat)
    name_map = _names(raw.index, names)
    table = _table(raw, norm, contrib, scores, coverage, criteria, wvec, name_map, flat)
    dropped = tuple(k for k, f, wk in zip(keys, flat, wvec) if f and wk > 0)
    return ScoreResult(table, raw, norm, criteria, w, method, normalize, name_map, scale, dropped)


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


def _table(raw, norm, contrib, scores, coverage, criteria, wvec, names, flat) -> pd.DataFrame:
    codes = list(raw.index)
    order = rank_order(scores, codes)
    keys = [c.key for c in criteria]
    reasons = [_reason(i, raw, contrib, coverage, criteria, wvec, flat) for i in range(len(codes))]
    cols = {
        "code": pd.array(codes, dtype="str"),
        "name": pd.array([names[c] for c in codes], dtype="str"),
        "score": scores,
        "coverage": coverage,
    }
    cols.update({f"raw_{k}": raw[k].to_numpy() for k in keys})
    cols.update({f"norm_{k}": norm[k].to_numpy() for k in keys})
    cols.update({f"contrib_{k}": contrib[:, j] for j, k in enumerate(keys)})
    cols["reason"] = pd.array(reasons, dtype="str")
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
    best, worst = ("lowest", "highest") if crit.direction == "cost" else ("highest", "lowest")
    better = int(np.sum(seen < x)) if crit.direction == "cost" else int(np.sum(seen > x))
    worse = int(np.sum(seen > x)) if crit.direction == "cost" else int(np.sum(seen < x))
    tied = "tied " if int(np.sum(seen == x)) > 1 else ""
    if better == 0:
        return f"{tied}{best} of {seen.size}"
    if worse == 0:
        return f"{tied}{worst} of {seen.size}"
    return f"{tied}{_ordinal(better + 1)} {best} of {seen.size}"


def _describe_with_position(raw: pd.DataFrame, i: int, crit: Criterion) -> str:
    values = raw[crit.key].to_numpy()
    text = crit.describe(values[i])
    where = position_text(values, i, crit)
    return f"{text} ({where})" if where else text


def _reason(i, raw, contrib, coverage, criteria, wvec, flat) -> str:
    """Plain-language reason for alternative ``i`` from its largest contributions and raw values.

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
    seen = [j for j in weighted if not np.isnan(raw.iat[i, j])]
    top = sorted((j for j in seen if contrib[i, j] > 0), key=lambda j: (-_key(contrib[i, j]), criteria[j].key))[:3]
    if top:
        parts = [_describe_with_position(raw, i, criteria[j]) for j in top]
    else:
        heavy = sorted(seen, key=lambda j: (-_key(wvec[j]), criteria[j].key))[:2]
        parts = ["weakest on every weighted criterion: "
                 + "; ".join(_describe_with_position(raw, i, criteria[j]) for j in heavy)]
    return "; ".join(parts)


def _key(value: float) -> float:
    """A contribution or weight as a sort key: rounded to :data:`RANK_DECIMALS` decimals (noise ties)."""
    return round(float(value), RANK_DECIMALS)


# --------------------------------------------------------------------------- validation

def _check_criteria(criteria: Sequence[Criterion]) -> None:
    keys = [c.key for c in criteria]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ExportPlanError(f"Criterion keys must be unique; repeated: {dupes}.")
    bad = [c for c in criteria if not isinstance(c, Criterion)]
    if bad:
        raise ExportPlanError(f"Expected Criterion objects, got {[type(b).__name__ for b in bad]}.")


def _check_method(method: str, normalize: str) -> None:
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


def _names(index: pd.Index, names) -> dict[str, str]:
    given = {} if names is None else {str(k): str(v) for k, v in dict(names).items() if pd.notna(v)}
    return {code: given.get(code, code) for code in index}
