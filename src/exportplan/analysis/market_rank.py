"""Target country markets: the scored, robustness-checked ranking and each country's reasons.

Pure functions for :mod:`exportplan.analysis.markets`: :func:`rank_matrix`
scores a :class:`~exportplan.analysis.market_matrix.MarketMatrix`, leaves out
the countries observed on less than :data:`COVERAGE_FLOOR` of the weight,
re-scores the rest and checks the ranking's robustness to the weights;
:func:`factor_reasons` says, by factor, why each country scores as it does.
A :class:`RankMemo` keeps what does not depend on the weights (the normalized
matrix, the reasons' texts) between rankings of the same matrix.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exportplan.analysis import market_measures as mm_
from exportplan.analysis.defaults import DEFAULT_DRAWS
from exportplan.analysis.market_matrix import MarketMatrix
from exportplan.analysis.score_methods import check_method, raw_values, uninformative_criteria
from exportplan.analysis.scoring import (
    Criterion,
    Prepared,
    ScoreResult,
    _coverage,
    positions,
    prepare_scoring,
    score_prepared,
)
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


#: Sets of kept countries a :class:`RankMemo` keeps (the coverage floor keeps the same ones for most weights).
MEMO_VIEWS = 8


class ReasonTexts:
    """Per measure of one set of countries (rows of ``matrix``): its raw values, the value most of them
    share (:func:`~exportplan.analysis.market_measures.majority_value`) and each country's value with
    its position ("distance 849 km (lowest of 206)"), each found when first asked for and then kept.
    None of it depends on the weights; several threads may ask at once (a text found twice is the same).
    """

    def __init__(self, matrix: pd.DataFrame, criteria: Sequence[Criterion]):
        self.matrix = matrix
        self._raw: dict[str, np.ndarray] = {}
        self._common: dict[str, float | None] = {}
        self._where: dict[str, list[str]] = {}
        self._texts: dict[str, list[str | None]] = {}

    def raw(self, key: str) -> np.ndarray:
        found = self._raw.get(key)
        if found is None:
            found = self._raw[key] = self.matrix[key].to_numpy(dtype=float)
        return found

    def common(self, key: str) -> float | None:
        if key not in self._common:
            self._common[key] = mm_.majority_value(self.raw(key))
        return self._common[key]

    def described(self, crit: Criterion, i: int) -> str:
        """Country ``i``'s value of ``crit`` and its position among the observed values."""
        texts = self._texts.get(crit.key)
        if texts is None:
            texts = self._texts.setdefault(crit.key, [None] * len(self.matrix))
        text = texts[i]
        if text is None:
            values = self.raw(crit.key)
            where = self._where.get(crit.key)
            if where is None:
                where = self._where[crit.key] = positions(values, crit)
            text = crit.describe(values[i])
            text = texts[i] = f"{text} ({where[i]})" if where[i] else text
        return text


class RankMemo:
    """What the rankings of one :class:`MarketMatrix` share whatever the weights, kept between them.

    The raw values and uninformative measures of every country (for the coverage floor) and, per set
    of countries kept (at most :data:`MEMO_VIEWS`, the latest used), the checked and normalized matrix
    (:func:`~exportplan.analysis.scoring.prepare_scoring`) and the reasons' texts
    (:class:`ReasonTexts`). :func:`rank_matrix` with a memo gives what it gives without one. Safe to
    share between threads; what it hands out is read-only.
    """

    def __init__(self, mm: MarketMatrix):
        self.mm = mm
        self._lock = threading.Lock()
        self._full: tuple[np.ndarray, np.ndarray] | None = None
        self._views: OrderedDict[tuple[str, ...], tuple[Prepared, ReasonTexts]] = OrderedDict()

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        """Every country's raw values (rows in ``mm.matrix`` order) and which measures are uninformative."""
        if self._full is None:
            raw = raw_values(self.mm.matrix, self.mm.criteria)
            flat = np.isin([c.key for c in self.mm.criteria], uninformative_criteria(raw, self.mm.criteria))
            self._full = (raw.to_numpy(), flat)
        return self._full

    def view(self, keep: tuple[str, ...]) -> tuple[Prepared, ReasonTexts]:
        """The normalized matrix of the countries ``keep`` (sorted codes) and their reasons' texts."""
        with self._lock:
            found = self._views.get(keep)
            if found is not None:
                self._views.move_to_end(keep)
                return found
        prepared = prepare_scoring(self.mm.matrix.loc[list(keep)], self.mm.criteria, "minmax", self.mm.names)
        found = (prepared, ReasonTexts(prepared.raw, prepared.criteria))
        with self._lock:
            found = self._views.setdefault(keep, found)
            while len(self._views) > MEMO_VIEWS:
                self._views.popitem(last=False)
        return found


def rank_matrix(mm: MarketMatrix, group_weights: Mapping[str, float], *, method: str = "weighted",
                draws: int = DEFAULT_DRAWS, seed: int = 0, top_k: int = 5, floor: float = COVERAGE_FLOOR,
                concentration: float | None = None, memo: RankMemo | None = None) -> MarketOutcome:
    """Score the countries, drop those below the coverage floor, re-score, and check robustness.

    ``memo`` (a :class:`RankMemo` of ``mm``) reuses what earlier rankings of ``mm`` found that does
    not depend on the weights; the outcome is the same with or without it.
    """
    if not mm.criteria:
        raise ExportPlanError("No market measure has data: import country indicators or exports first.")
    if memo is None or memo.mm is not mm:
        memo = RankMemo(mm)
    weights = spread_group_weights(group_weights, mm.criteria)
    notes = list(mm.notes)
    for group in empty_groups(group_weights, mm.criteria):
        notes.append(f"No data for the factor '{MARKET_FACTORS[group]}': its weight is shared among the others.")
    check_method(method, "minmax")
    cover = _full_coverage(memo, weights)
    keep = [str(c) for c, share in zip(mm.matrix.index, cover) if share >= floor - 1e-12]
    dropped = sorted(set(mm.matrix.index) - set(keep))
    if not keep:
        raise ExportPlanError(
            f"No country has data on at least {floor:.0%} of the weight. Load more country data, or lower "
            "markets.coverage_floor (exportplan config set markets.coverage_floor 0.3).")
    if dropped:
        notes.append(f"{len(dropped)} of {len(mm.matrix)} countries have data on less than {floor:.0%} of the "
                     f"weight and are left out of the ranking (markets.coverage_floor).")
    prepared, texts = memo.view(tuple(sorted(keep)))
    result = score_prepared(prepared, weights, method=method, reasons=False)  # the reasons by factor follow
    notes += result.uninformative_notes("ranked country", "ranked countries")
    notes += result.missing_notes("ranked country", "ranked countries")
    kwargs = {} if concentration is None else {"concentration": concentration}
    rob = robustness(result, draws=draws, top_k=top_k, seed=seed, **kwargs)
    table = _market_table(result, rob, top_k, weights, texts)
    return MarketOutcome(table, result, rob, dict(group_weights), weights, dropped, notes, top_k)


def _full_coverage(memo: RankMemo, weights: Mapping[str, float]) -> np.ndarray:
    """:func:`coverage` of every country of the memo's matrix, from its kept raw values."""
    raw, flat = memo.full()
    keys = [c.key for c in memo.mm.criteria]
    chosen = normalize_weights(weights, keys, what="score weights")
    return _coverage(raw, np.array([chosen[k] for k in keys], dtype=float), flat)


def coverage(matrix: pd.DataFrame, criteria, weights: Mapping[str, float]) -> np.ndarray:
    """Each row's share of the informative weight it has data on, in ``matrix`` order: the ``coverage`` column
    :func:`~exportplan.analysis.scoring.score` gives (the same rule, without scoring or writing reasons)."""
    raw = raw_values(matrix, criteria)
    keys = [c.key for c in criteria]
    chosen = normalize_weights(weights, keys, what="score weights")
    flat = np.isin(keys, uninformative_criteria(raw, criteria))
    return _coverage(raw.to_numpy(), np.array([chosen[k] for k in keys], dtype=float), flat)


def factor_reasons(result: ScoreResult, weights: Mapping[str, float], *, factors: int = 3,
                   per_factor: int = 2, texts: ReasonTexts | None = None) -> dict[str, str]:
    """A reason per country built by factor: the largest factor contributions, with their raw values.

    E.g. "current markets: U.S. exports 2022 $356.45bn (highest of 206), share of
    U.S. exports 2022 17.3% (highest of 206); proximity: distance 849 km (lowest
    of 206), land border with the U.S.; ...". A value most countries share
    (e.g. "Special 301: not listed", :func:`~exportplan.analysis.market_measures.
    majority_value`) says nothing about one country and is never a reason. A
    country with no positive contribution is described by its most heavily
    weighted measures. Measures a country has no data on are not listed here
    but once for all in the ranking's notes. ``texts`` (the :class:`ReasonTexts`
    of ``result.matrix``) reuses the texts of earlier calls. Returns code -> reason.
    """
    texts = texts if texts is not None else ReasonTexts(result.matrix, result.criteria)
    crits = [c for c in result.criteria if weights.get(c.key, 0) > 0 and c.key not in result.uninformative]
    codes = [str(c) for c in result.matrix.index.tolist()]
    n, m = len(codes), len(crits)
    raw = np.column_stack([texts.raw(c.key) for c in crits]) if m else np.empty((n, 0))
    seen = ~np.isnan(raw)
    telling = seen.copy()  # observed, and not the value most countries share
    for j, c in enumerate(crits):
        common = texts.common(c.key)
        if common is not None:
            telling[:, j] &= raw[:, j] != common
    # The contributions in matrix order (the table is best first).
    row_of = dict(zip(result.table["code"].tolist(), range(len(result.table))))
    at = np.array([row_of[c] for c in codes], dtype=np.int64)
    contrib = (np.column_stack([result.table[f"contrib_{c.key}"].to_numpy(dtype=float)[at] for c in crits])
               if m else np.empty((n, 0)))
    groups = list(dict.fromkeys(c.group for c in crits))
    members = [[j for j, c in enumerate(crits) if c.group == g] for g in groups]
    totals = np.zeros((n, len(groups)))  # per factor, its telling measures' contributions added in measure order
    for g, js in enumerate(members):
        for j in js:
            totals[:, g] = totals[:, g] + np.where(telling[:, j], contrib[:, j], 0.0)
    totals_l, contrib_l, telling_l, seen_l = totals.tolist(), contrib.tolist(), telling.tolist(), seen.tolist()
    out = {}
    for i, code in enumerate(codes):
        total, row, tell = totals_l[i], contrib_l[i], telling_l[i]
        ranked = sorted((g for g in range(len(groups)) if total[g] > 0),
                        key=lambda g: (-total[g], groups[g]))[:factors]
        parts = []
        for g in ranked:
            top = sorted((j for j in members[g] if tell[j] and row[j] > 0),
                         key=lambda j: (-round(row[j], 12), crits[j].key))[:per_factor]
            parts.append(f"{FACTOR_LABELS.get(groups[g], groups[g])}: "
                         + ", ".join(texts.described(crits[j], i) for j in top))
        if not parts:
            pool = [j for j in range(m) if tell[j]] or [j for j in range(m) if seen_l[i][j]]
            heavy = sorted(pool, key=lambda j: (-weights[crits[j].key], crits[j].key))[:2]
            parts = ["weakest on every weighted measure: "
                     + ", ".join(texts.described(crits[j], i) for j in heavy)]
        out[code] = "; ".join(parts)
    return out


def _market_table(result: ScoreResult, rob: Robustness, top_k: int, weights: Mapping[str, float],
                  texts: ReasonTexts | None = None) -> pd.DataFrame:
    """The ranking's table: the scores, the robustness columns, the reasons and the contributions by factor.

    Built from columns (the rows of the robustness table matched by code), not by a merge of frames.
    """
    table = result.table
    reasons = factor_reasons(result, weights, texts=texts)
    codes = table["code"].tolist()
    cols: dict[str, object] = {}
    for name in table.columns:
        cols[{"code": "iso3", "name": "country"}.get(name, name)] = table[name].to_numpy()
    cols["iso3"], cols["country"] = table["code"].array, table["name"].array
    cols["reason"] = pd.array([reasons[code] for code in codes], dtype="str")
    mc = rob.table
    row_of = dict(zip(mc["code"].tolist(), range(len(mc))))
    at = np.array([row_of[c] for c in codes], dtype=np.int64)
    ptop = f"p_top{top_k}"
    for name in (ptop, "rank_p05", "rank_p95", "median_rank", "robust"):
        cols[name] = mc[name].to_numpy()[at]
    for group in MARKET_FACTORS:
        keys = [c.key for c in result.criteria if c.group == group]
        if keys:
            cols[f"contrib_{group}"] = _row_sum([cols[f"contrib_{k}"] for k in keys])
    head = ["rank", "iso3", "country", "score", "coverage", ptop, "rank_p05", "rank_p95", "median_rank",
            "robust", "reason"]
    factors = [f"contrib_{g}" for g in MARKET_FACTORS if f"contrib_{g}" in cols]
    rest = [c for c in cols if c not in head and c not in factors]
    return pd.DataFrame({name: cols[name] for name in head + factors + rest})


def _row_sum(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Per row the sum of the columns' values that are not NaN, NaN when all are: what a frame's
    ``sum(axis=1, min_count=1)`` gives (the columns added one after the other, NaN as 0)."""
    seen = np.zeros(len(columns[0]), dtype=bool)
    total = None
    for col in columns:
        col = np.asarray(col, dtype=float)
        there = ~np.isnan(col)
        filled = np.where(there, col, 0.0)
        total = filled if total is None else total + filled
        seen |= there
    return np.where(seen, total, np.nan)


__all__ = ["COVERAGE_FLOOR", "FACTOR_LABELS", "MEMO_VIEWS", "MarketOutcome", "RankMemo", "ReasonTexts", "coverage",
           "factor_reasons", "rank_matrix"]
