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
  All draws are scored with matrix products and ranked with one sort (in
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

The views live beside this module and are re-exported here (callers use
``sensitivity.X``): :mod:`exportplan.analysis.batch_scoring` (scoring many
weight vectors at once), :mod:`exportplan.analysis.weight_draws` (the
Monte Carlo) and :mod:`exportplan.analysis.reorder` (one-at-a-time and the
smallest reordering change). This module puts them together:
:func:`robustness` and :class:`Robustness` (with its plain-language summary).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Sequence

import pandas as pd

from exportplan.analysis.batch_scoring import orders, ranks_from_orders  # noqa: F401  (re-exported)
from exportplan.analysis.defaults import DEFAULT_DRAWS
from exportplan.analysis.reorder import (  # noqa: F401  (re-exported: callers use sensitivity.X)
    DEFAULT_DELTAS,
    describe_moves,
    one_at_a_time,
    shifted_weights,
    smallest_reorder,
)
from exportplan.analysis.scoring import ScoreResult
from exportplan.analysis.weight_draws import (  # noqa: F401  (re-exported: callers use sensitivity.X)
    DEFAULT_CONCENTRATION,
    ROBUST_COVERAGE,
    ROBUST_SHARE,
    MonteCarlo,
    dirichlet_weights,
    draw_weights,
    monte_carlo,
)


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
        moves = _records(self.reorder[self.reorder["direction"] != ""], _MOVE_COLUMNS)  # read once for every sentence
        for row in _records(self.table[self.table["rank"] <= self.top_k], _ROW_COLUMNS):
            lines.append(self._alternative_sentence(row, moves))
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

    def _alternative_sentence(self, row, moves=None) -> str:
        same = float(self.acceptability.loc[row.code, row.rank])
        band = (f"#{row.rank_p05}" if row.rank_p05 == row.rank_p95
                else f"between #{row.rank_p05} and #{row.rank_p95}")
        text = (f"{self._name(row.code)} (#{row.rank}) stays #{row.rank} in {_pct(same)} of weight draws "
                f"and in the top {self.top_k} in {_pct(row.p_topk)}"
                f" ({self._verdict(row)}); 90% of draws rank it {band}")
        return text + self._first_move(row.code, row.rank, moves) + "."

    def _verdict(self, row) -> str:
        """'robust', 'not robust', or 'not robust: scored on only 25% of the weight' when coverage decides."""
        if row.robust:
            return "robust"
        cover = getattr(row, "coverage", math.nan)
        if row.p_topk >= ROBUST_SHARE and cover < ROBUST_COVERAGE - 1e-12:
            return f"not robust: scored on only {cover:.0%} of the weight, below {ROBUST_COVERAGE:.0%}"
        return "not robust"

    def _first_move(self, code: str, rank: int, moves=None) -> str:
        """"; it drops to #3 if the 'distance' weight rises from 0.10 to 0.24" for the smallest change that moves it.

        ``moves``: the rows of :attr:`reorder` (those with a direction suffice), when already read.
        """
        for r in (_records(self.reorder, _MOVE_COLUMNS) if moves is None else moves):
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
                for r in _records(rows, _ROW_COLUMNS)]

    def _reorder_sentence(self) -> str:
        hits = self.reorder[self.reorder["direction"] != ""]
        if hits.empty:
            return f"No change of a single weight within [0, 1] changes the top {self.top_k}."
        r = hits.iloc[0]
        way = "rises" if r["direction"] == "increase" else "falls"
        before, after = _two(r["weight"], r["new_weight"])
        return (f"The top {self.top_k} changes first if the '{self._label(r['criterion'])}' weight {way} from "
                f"{before} to {after}: {r['moves']}.")


#: The columns the sentences read: of the Monte Carlo table, and of the reorder table.
_ROW_COLUMNS = ("code", "rank", "rank_p05", "rank_p95", "p_topk", "robust", "coverage")
_MOVE_COLUMNS = ("criterion", "direction", "weight", "new_weight", "top_k", "moves")


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[SimpleNamespace]:
    """The rows of ``frame`` as plain records of ``columns`` (those it has; ``row.code``), in order: one list per
    column, cheaper than itertuples or a pandas row per record."""
    names = [c for c in columns if c in frame.columns]
    return [SimpleNamespace(**dict(zip(names, values))) for values in zip(*(frame[c].tolist() for c in names))]


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
    coverage = dict(zip(result.table["code"].tolist(), result.table["coverage"].tolist()))
    mc = monte_carlo(result.norm, result.weights, draws=draws, concentration=concentration, seed=seed,
                     groups=groups, coverage=coverage,
                     data_draws=None if data_draws is None else data_draws.for_result(result), **args)
    table = mc.table.copy()
    table.insert(1, "name", pd.array([result.names.get(c, c) for c in table["code"].tolist()], dtype="str"))
    oat = one_at_a_time(result.norm, result.weights, deltas=deltas, names=result.names, **args)
    reorder = smallest_reorder(result.norm, result.weights, names=result.names, resolution=resolution, **args)
    grouped = bool(groups) and len(mc.drawn) < len(result.norm.columns) - len(mc.left_out)
    return Robustness(table, mc.acceptability, oat, reorder, top_k, draws, concentration, seed,
                      result.method, dict(result.names), result.labels, mc.drawn, grouped, mc.left_out)
