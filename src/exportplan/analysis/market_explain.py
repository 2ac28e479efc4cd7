"""Why a country ranks where it does, and what single change would move it (market ranking).

Pure functions on a :class:`~exportplan.analysis.market_rank.MarketOutcome`:
:func:`explain` (score, rank band, contributions with raw values, moves) and
:func:`what_it_takes` (single-measure changes that reach a target rank).
Re-exported by :mod:`exportplan.analysis.markets`.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from exportplan.analysis.scoring import Criterion, ScoreResult
from exportplan.analysis.weights import MARKET_FACTORS
from exportplan.errors import ExportPlanError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from exportplan.analysis.market_rank import MarketOutcome


def _invert(result: ScoreResult, crit: Criterion, norm_value: float) -> float | None:
    """The raw value that would normalize to ``norm_value`` on ``crit`` (min-max; else a quantile)."""
    col = result.matrix[crit.key].to_numpy(dtype=float)
    seen = col[~np.isnan(col)]
    if seen.size < 2:
        return None
    t = np.log1p(seen) if crit.transform == "log" else seen
    lo, hi = float(t.min()), float(t.max())
    if result.normalize == "minmax":
        value = lo + norm_value * (hi - lo) if crit.direction == "benefit" else hi - norm_value * (hi - lo)
    else:
        q = norm_value if crit.direction == "benefit" else 1.0 - norm_value
        value = float(np.quantile(t, min(max(q, 0.0), 1.0)))
    return float(np.expm1(value)) if crit.transform == "log" else value


def _feasible(result: ScoreResult, crit: Criterion, raw: float | None) -> float | None:
    """Round a needed value to a whole number when the measure is a count (up for benefits, down for costs)."""
    if raw is None:
        return None
    col = result.matrix[crit.key].dropna().to_numpy(dtype=float)
    if col.size and np.all(col == np.round(col)):
        return float(math.ceil(raw - 1e-9) if crit.direction == "benefit" else math.floor(raw + 1e-9))
    return raw


def what_it_takes(outcome: MarketOutcome, iso3: str, target_rank: int) -> list[str]:
    """Single-measure changes that would lift ``iso3`` to ``target_rank`` (weighted sum only).

    The score gap to the country now at ``target_rank`` divided by the
    measure's effective weight (weights renormalized over the measures the
    country has) gives the normalized value needed; it is turned back into a
    raw value. Changes beyond the best observed value are not listed.
    """
    result, table = outcome.result, outcome.table
    row = table.loc[table["iso3"] == iso3].iloc[0]
    other = table.loc[table["rank"] == target_rank].iloc[0]
    gap = float(other["score"]) - float(row["score"])
    if gap <= 0:
        return [f"(tied on score with {other['country']}; ties are broken by ISO code)"]
    # Geography cannot change, and flags and USTR's lists move in steps, not by degrees.
    fixed = {"distance_km", "contiguous_us", "ip_protection"}
    observed = [c for c in result.criteria if not math.isnan(row[f"raw_{c.key}"]) and outcome.weights[c.key] > 0
                and c.key not in result.uninformative]
    total = sum(outcome.weights[c.key] for c in observed)
    lines = []
    for crit in observed:
        if crit.key in fixed or crit.is_flag:
            continue
        w = outcome.weights[crit.key] / total
        need = float(row[f"norm_{crit.key}"]) + gap / w + 1e-9
        if need > 1.0:
            continue
        raw = _feasible(result, crit, _invert(result, crit, need))
        if raw is None or crit.format_value(raw) == crit.format_value(row[f"raw_{crit.key}"]):
            continue
        lines.append(f"{crit.label} from {crit.format_value(row[f'raw_{crit.key}'])} to "
                     f"{crit.format_value(raw)}")
    return lines


def explain(outcome: MarketOutcome, iso3: str) -> list[str]:
    """Why a country ranks where it does: score, rank band, contributions with raw values, what would move it."""
    table = outcome.table
    code = str(iso3).strip().upper()
    if code not in set(table["iso3"]):
        reason = "it was left out for low data coverage" if code in outcome.dropped else "it is not in the ranking"
        raise ExportPlanError(f"{iso3!r} has no rank: {reason}. The ranked countries are "
                              f"{', '.join(table['iso3'].head(10))}...")
    row = table.loc[table["iso3"] == code].iloc[0]
    n, k = len(table), outcome.top_k
    band = (f"#{int(row['rank_p05'])}" if row["rank_p05"] == row["rank_p95"]
            else f"between #{int(row['rank_p05'])} and #{int(row['rank_p95'])}")
    lines = [(f"{row['country']} ({code}) ranks #{int(row['rank'])} of {n} with score {row['score']:.3f} "
              f"(data on {row['coverage']:.0%} of the weight)."),
             (f"Robustness: 90% of {outcome.robustness.draws:,} weight draws rank it {band} (median "
              f"#{int(row['median_rank'])}); in the top {k} in {row[f'p_top{k}']:.0%} of draws"
              f" ({'robust' if row['robust'] else 'not robust'})."),
             "Contributions to the score (weight x normalized value), by factor:"]
    for group, meaning in MARKET_FACTORS.items():
        crits = [c for c in outcome.result.criteria if c.group == group]
        if not crits:
            continue
        total = row.get(f"contrib_{group}")
        head = f"  {meaning}: " + ("no data" if pd.isna(total) else f"+{float(total):.3f}")
        parts = [f"{c.label}: no data" if pd.isna(row[f"raw_{c.key}"]) else
                 f"{c.describe(row[f'raw_{c.key}'])} (same for every country: left out)"
                 if c.key in outcome.result.uninformative else
                 f"{c.describe(row[f'raw_{c.key}'])} (normalized {row[f'norm_{c.key}']:.2f}, weight "
                 f"{outcome.weights[c.key]:.3f})" for c in crits]
        lines.append(head + " - " + "; ".join(parts))
    lines += _moves(outcome, code, int(row["rank"]))
    return lines


def _moves(outcome: MarketOutcome, code: str, rank: int) -> list[str]:
    if rank == 1:
        below = outcome.table.loc[outcome.table["rank"] == 2, "country"]
        return [f"It ranks first{(' ahead of ' + below.iloc[0]) if len(below) else ''}."]
    if outcome.result.method != "weighted":
        return ["What it would take to move up is shown for the weighted-sum method only."]
    lines = []
    targets = [rank - 1] + ([outcome.top_k] if rank > outcome.top_k + 1 else [])
    for target in targets:
        other = outcome.table.loc[outcome.table["rank"] == target, "country"].iloc[0]
        moves = what_it_takes(outcome, code, target)
        goal = f"overtake {other} (#{target})" if target == rank - 1 else f"reach the top {outcome.top_k}"
        if moves:
            lines.append(f"To {goal}, any one of: " + "; ".join(moves) + ".")
        else:
            lines.append(f"To {goal}, no single measure change within the observed range is enough.")
    return lines


__all__ = ["explain", "what_it_takes"]
