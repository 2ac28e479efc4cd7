"""Weights for the scoring engine: named presets, parsing, and AHP pairwise comparison.

Weights are given per *group* — one of the guide's five target-sector criteria
(:data:`SECTOR_GROUPS`) or eight market factors (:data:`MARKET_FACTORS`) —
and :func:`spread_group_weights` shares each group's weight evenly among the
measures (criteria) that belong to it. They can come from a preset
(:data:`SECTOR_PRESETS`, :data:`MARKET_PRESETS`), from a ``"k=v,k=v"`` string
(:func:`parse_weights`, e.g. from the command line), or from pairwise
comparisons (:func:`ahp_weights`, :func:`ahp_from_pairs`; Saaty's analytic
hierarchy process).

Example::

    >>> round(resolve_weights("sector", "growth", "state_target=0.3")["state_target"], 3)
    0.261
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from exportplan.analysis.presets import (  # noqa: F401  (re-exported: the presets' documented home)
    MARKET_FACTORS,
    MARKET_PRESETS,
    MAX_PARTNERSHIPS,
    MIN_TRADE_EVIDENCE,
    SECTOR_GROUPS,
    SECTOR_PRESETS,
    TRADE_EVIDENCE,
    Preset,
)
from exportplan.errors import ExportPlanError

if TYPE_CHECKING:  # pragma: no cover - typing only; scoring imports this module
    from exportplan.analysis.scoring import Criterion


def trade_evidence_share(weights: Mapping[str, float]) -> float:
    """Share of the (market) factor weights on trade evidence (:data:`TRADE_EVIDENCE`)."""
    total = math.fsum(float(v) for v in weights.values())
    return math.fsum(float(weights.get(k, 0.0)) for k in TRADE_EVIDENCE) / total if total > 0 else 0.0

_KINDS = {"sector": (SECTOR_PRESETS, SECTOR_GROUPS), "market": (MARKET_PRESETS, MARKET_FACTORS)}


def _kind(kind: str) -> tuple[dict[str, Preset], dict[str, str]]:
    if kind not in _KINDS:
        raise ExportPlanError(f"Unknown ranking kind {kind!r}; choose 'sector' or 'market'.")
    return _KINDS[kind]


def preset_weights(kind: str, name: str) -> dict[str, float]:
    """The group weights of preset ``name`` for ``kind`` (``'sector'`` or ``'market'``)."""
    presets, _ = _kind(kind)
    if name not in presets:
        raise ExportPlanError(f"Unknown {kind} weight preset {name!r}; the presets are: {', '.join(presets)}.")
    return dict(presets[name].weights)


def normalize_weights(weights: Mapping[str, float], valid_keys: Iterable[str] | None = None, *,
                      what: str = "weights") -> dict[str, float]:
    """Weights scaled to sum 1, after checking keys and values.

    Unknown keys (when ``valid_keys`` is given) are an error that lists the
    valid keys; valid keys left out get 0. Values must be finite and >= 0, and
    at least one must be > 0.
    """
    weights = dict(weights)  # also accepts a pandas Series (iterating one yields values, not keys)
    valid = list(valid_keys) if valid_keys is not None else list(weights)
    unknown = [k for k in weights if k not in valid]
    if unknown:
        raise ExportPlanError(f"Unknown key(s) in {what}: {unknown}. Valid keys: {', '.join(valid)}.")
    values = {k: _number(weights.get(k, 0.0), k, what) for k in valid}
    negative = {k: v for k, v in values.items() if v < 0}
    if negative:
        raise ExportPlanError(f"Negative {what} are not allowed: {negative}. Use 0 to leave a criterion out.")
    total = math.fsum(values.values())
    if total <= 0:
        raise ExportPlanError(f"All {what} are zero; give at least one a positive weight.")
    return {k: v / total for k, v in values.items()}


def _number(value, key: str, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ExportPlanError(f"The {what} for '{key}' is {value!r}, not a number.") from None
    if not math.isfinite(number):
        raise ExportPlanError(f"The {what} for '{key}' is {value!r}; give a finite number.")
    return number


def parse_weights(text: str, valid_keys: Iterable[str]) -> dict[str, float]:
    """Parse ``"k=v,k=v"`` into ``{k: v}`` (not normalized), e.g. from a command-line option.

    Errors name the faulty item: a missing ``=``, a value that is not a
    number, a negative value, a key given twice, or an unknown key (the
    message lists the valid keys).
    """
    valid = list(valid_keys)
    out: dict[str, float] = {}
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise ExportPlanError(f"No weights given. Write them as key=value pairs, e.g. '{valid[0]}=0.3'." if valid
                              else "No weights given.")
    for item in items:
        if not item:
            continue
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key:
            example = f"{valid[0] if valid else 'key'}=0.3"
            raise ExportPlanError(f"Weight {item!r} is not of the form key=value (e.g. '{example}').")
        if key not in valid:
            raise ExportPlanError(f"Unknown weight key {key!r}. Valid keys: {', '.join(valid)}.")
        if key in out:
            raise ExportPlanError(f"Weight key {key!r} is given twice in {text!r}; give each key once.")
        number = _number(value, key, "weight")
        if number < 0:
            raise ExportPlanError(f"Weight {key}={value} is negative; weights must be >= 0.")
        out[key] = number
    return out


def resolve_weights(kind: str, preset: str = "balanced",
                    overrides: str | Mapping[str, float] | None = None) -> dict[str, float]:
    """Group weights from a preset with some groups overridden, normalized to sum 1.

    ``overrides`` is a ``"k=v,k=v"`` string or a mapping; the other groups keep
    their preset values before the whole set is rescaled to sum 1.
    """
    _, groups = _kind(kind)
    base = preset_weights(kind, preset)
    if isinstance(overrides, str):
        overrides = parse_weights(overrides, groups)
    base.update(overrides or {})
    return normalize_weights(base, groups, what=f"{kind} weights")


def spread_group_weights(group_weights: Mapping[str, float], criteria: Sequence["Criterion"], *,
                         on_empty: str = "drop") -> dict[str, float]:
    """Share each group's weight evenly among the criteria of that group; criterion key → weight.

    Every criterion's ``group`` must be a key of ``group_weights`` (else an
    error lists the groups). A group with positive weight but no criteria
    (e.g. no foreign-investor data loaded) is dropped and the rest rescaled
    to sum 1 when ``on_empty='drop'`` (use :func:`empty_groups` to report
    it), or raises when ``on_empty='error'``.
    """
    if on_empty not in ("drop", "error"):
        raise ExportPlanError(f"on_empty must be 'drop' or 'error', not {on_empty!r}.")
    stray = sorted({c.key for c in criteria if c.group not in group_weights})
    if stray:
        raise ExportPlanError(
            f"Criteria {stray} belong to no weighted group; set their group to one of: {', '.join(group_weights)}.")
    empty = empty_groups(group_weights, criteria)
    if empty and on_empty == "error":
        raise ExportPlanError(
            f"Groups {empty} have weight but no measures; load their data or set their weight to 0.")
    members: dict[str, list[str]] = {}
    for c in criteria:
        members.setdefault(c.group, []).append(c.key)
    out = {c.key: float(group_weights[c.group]) / len(members[c.group]) for c in criteria}
    return normalize_weights(out, [c.key for c in criteria], what="criterion weights")


def empty_groups(group_weights: Mapping[str, float], criteria: Sequence["Criterion"]) -> list[str]:
    """Groups that carry positive weight but have no criteria."""
    used = {c.group for c in criteria}
    return [g for g, w in group_weights.items() if w > 0 and g not in used]


# --------------------------------------------------------------------------- AHP

#: Saaty's random consistency index RI_n for n = 1..15 (Saaty 1980, *The Analytic
#: Hierarchy Process*, McGraw-Hill): mean CI of random reciprocal matrices.
RANDOM_INDEX: tuple[float, ...] = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49,
                                   1.51, 1.48, 1.56, 1.57, 1.59)

#: Saaty's threshold: a consistency ratio above 0.10 calls for revising the judgements.
CR_LIMIT = 0.10


class AHPResult(NamedTuple):
    """AHP weights with their consistency figures; ``warning`` is None when CR <= 0.10.

    ``weights`` is a dict label → weight when the matrix has labels (a
    DataFrame, or :func:`ahp_from_pairs`), else a numpy array.
    """

    weights: dict[str, float] | np.ndarray
    lambda_max: float
    ci: float
    cr: float
    warning: str | None


def ahp_weights(matrix, *, rtol: float = 0.02) -> AHPResult:
    """Weights from a positive reciprocal pairwise-comparison matrix (principal eigenvector).

    ``matrix[i][j]`` says how many times more important ``i`` is than ``j``
    (Saaty's 1-9 scale); ``matrix[j][i]`` must be its reciprocal and the
    diagonal 1, within ``rtol`` (so 0.33 passes for 1/3). Returns weights
    summing to 1, ``λmax``, ``CI = (λmax − n)/(n − 1)``, ``CR = CI / RI_n``
    (0 for n <= 2, where every matrix is consistent) and a warning naming the
    least consistent judgement when ``CR > 0.10``.
    """
    labels = [str(c) for c in matrix.columns] if isinstance(matrix, pd.DataFrame) else None
    a = _check_pairwise(matrix, labels, rtol)
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    top = int(np.argmax(values.real))
    lam = float(values[top].real)
    vec = np.abs(vectors[:, top].real)  # the Perron vector has one sign; abs() drops a global -1
    w = vec / vec.sum()
    ci = max((lam - n) / (n - 1), 0.0) if n > 1 else 0.0
    cr = ci / RANDOM_INDEX[n - 1] if n > 2 else 0.0
    warning = _consistency_warning(a, w, cr, labels) if cr > CR_LIMIT else None
    weights = dict(zip(labels, map(float, w))) if labels is not None else w
    return AHPResult(weights, lam, ci, cr, warning)


def ahp_from_pairs(pairs: Mapping[tuple[str, str], float], keys: Sequence[str], *,
                   rtol: float = 0.02) -> AHPResult:
    """AHP weights from judgements ``{('a', 'b'): 3, ...}`` meaning "a is 3 times as important as b".

    Every unordered pair of ``keys`` needs one judgement (giving both
    directions is fine if they are reciprocal); the rest of the matrix follows
    by reciprocity.
    """
    keys = list(keys)
    if len(set(keys)) != len(keys):
        raise ExportPlanError(f"AHP keys must be unique: {keys}.")
    a = np.full((len(keys), len(keys)), np.nan)
    np.fill_diagonal(a, 1.0)
    pos = {k: i for i, k in enumerate(keys)}
    for (x, y), value in pairs.items():
        _place_pair(a, pos, x, y, value, rtol)
    missing = [(keys[i], keys[j]) for i in range(len(keys)) for j in range(i + 1, len(keys)) if np.isnan(a[i, j])]
    if missing:
        raise ExportPlanError(
            f"AHP needs a judgement for every pair; missing: {missing[:10]}"
            f"{' ...' if len(missing) > 10 else ''}. Give 1 where two are equally important.")
    return ahp_weights(pd.DataFrame(a, index=keys, columns=keys), rtol=rtol)


def _place_pair(a: np.ndarray, pos: dict[str, int], x: str, y: str, value, rtol: float) -> None:
    unknown = [k for k in (x, y) if k not in pos]
    if unknown:
        raise ExportPlanError(f"AHP pair ({x!r}, {y!r}) names unknown key(s) {unknown}. Valid keys: {', '.join(pos)}.")
    if x == y:
        raise ExportPlanError(f"AHP pair ({x!r}, {y!r}) compares a criterion with itself; leave it out.")
    v = _number(value, f"{x} vs {y}", "AHP judgement")
    if v <= 0:
        raise ExportPlanError(f"AHP judgement ({x!r}, {y!r}) = {value!r} must be > 0 (use 1/3, not -3).")
    i, j = pos[x], pos[y]
    if not np.isnan(a[i, j]) and not math.isclose(a[i, j], v, rel_tol=rtol):
        raise ExportPlanError(
            f"AHP judgements for {x!r} vs {y!r} disagree: {a[i, j]:.4g} and {v:.4g} (from the reverse pair). "
            "Give each pair once.")
    a[i, j], a[j, i] = v, 1.0 / v


def _check_pairwise(matrix, labels: list[str] | None, rtol: float) -> np.ndarray:
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ExportPlanError("The AHP matrix must hold numbers only.") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ExportPlanError(f"The AHP matrix must be square and non-empty; got shape {a.shape}.")
    n = a.shape[0]
    if n > len(RANDOM_INDEX):
        raise ExportPlanError(
            f"AHP with {n} criteria: Saaty's random index is tabulated up to {len(RANDOM_INDEX)}. "
            "Group the criteria and compare within groups.")
    name = (lambda i: labels[i]) if labels else (lambda i: f"row {i + 1}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        i, j = np.argwhere(~np.isfinite(a) | (a <= 0))[0]
        raise ExportPlanError(
            f"AHP matrix entry ({name(i)}, {name(j)}) = {a[i, j]!r}; every entry must be a positive number.")
    for i in range(n):
        if not math.isclose(a[i, i], 1.0, rel_tol=rtol):
            raise ExportPlanError(f"AHP matrix diagonal ({name(i)}, {name(i)}) = {a[i, i]:.4g}; it must be 1.")
        for j in range(i + 1, n):
            if not math.isclose(a[i, j] * a[j, i], 1.0, rel_tol=rtol):
                raise ExportPlanError(
                    f"AHP matrix is not reciprocal at ({name(i)}, {name(j)}) = {a[i, j]:.4g} and "
                    f"({name(j)}, {name(i)}) = {a[j, i]:.4g}; the second must be 1/{a[i, j]:.4g} = {1 / a[i, j]:.4g}.")
    return a


def _consistency_warning(a: np.ndarray, w: np.ndarray, cr: float, labels: list[str] | None) -> str:
    """Name the judgement furthest from what the derived weights imply (largest |log(a_ij w_j / w_i)|)."""
    dev = np.abs(np.log(a * w[None, :] / w[:, None]))
    i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
    if a[i, j] < 1:  # report the judgement as given the ">= 1" way round
        i, j = j, i
    name = (lambda k: labels[k]) if labels else (lambda k: f"item {k + 1}")
    return (f"Consistency ratio {cr:.2f} exceeds {CR_LIMIT:.2f}: the pairwise judgements contradict each "
            f"other. Revisit them, starting with {name(i)} vs {name(j)} (judged {a[i, j]:.3g}; the weights "
            f"imply {w[i] / w[j]:.3g}).")
