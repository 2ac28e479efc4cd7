"""Target sectors: the tiers (priority, emerging, sustain, monitor) of the ranked sectors.

:func:`assign_tiers` sorts the rows of a ranked table into tiers by the
documented :data:`TIER_RULES`, tried in order, and says why in
``tier_reason``; :func:`tier_notes` and :func:`no_priority_note` put the
rules and the lack of a priority sector into sentences (methods.md §4).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from exportplan.analysis.sensitivity import ROBUST_COVERAGE
from exportplan.analysis.uncertain import bounded_test
from exportplan.errors import ExportPlanError


@dataclass(frozen=True)
class Condition:
    """``column op value``; ``value`` is a number, ``'top_k'`` or ``'median'`` (of the column's observed values)."""

    column: str
    op: str
    value: float | str
    label: str

    def threshold(self, table: pd.DataFrame, top_k: int) -> float:
        if self.value == "top_k":
            return float(top_k)
        if self.value == "median":
            seen = pd.to_numeric(table[self.column], errors="coerce").dropna()
            return float(seen.median()) if len(seen) else math.nan
        return float(self.value)

    def test(self, x: float, threshold: float) -> bool | None:
        """True/False, or None when the value or threshold is missing (the rule then does not apply)."""
        if x is None or threshold is None or math.isnan(x) or math.isnan(threshold):
            return None
        return {"<=": x <= threshold, "<": x < threshold, ">=": x >= threshold, ">": x > threshold}[self.op]


@dataclass(frozen=True)
class TierRule:
    """A tier and the conditions (all must hold) that put a sector in it."""

    tier: str
    description: str
    conditions: tuple[Condition, ...]


#: Tier rules, tried in order; the first whose conditions all hold applies, else ``monitor``.
#: A condition on a missing value (no growth data, no LQ) does not hold; nor does one on a value whose exact
#: bounds (``lq_low``/``lq_high``, ``cagr_low``/``cagr_high``: withheld cells) straddle its threshold
#: (analysis.uncertain.bounded_test).
TIER_RULES: tuple[TierRule, ...] = (
    TierRule("priority",
             "in the top k by score, scored on at least 60% of the weight, and in the top k in at least half of "
             "the weight draws (every 'robust' sector in the top k is: robust means at least 80% of draws and "
             "the same 60% coverage)",
             (Condition("rank", "<=", "top_k", "rank"), Condition("coverage", ">=", ROBUST_COVERAGE, "coverage"),
              Condition("p_topk", ">=", 0.5, "share of draws in the top {k}"))),
    TierRule("emerging",
             "growing faster than the median ranked sector but not yet specialized (LQ below 1)",
             (Condition("cagr", ">", "median", "regional growth"), Condition("lq", "<", 1.0, "LQ"))),
    # Not "LQ >= 1 and growth <= median" alone: a specialized sector that also grows fast but missed the
    # shortlist would then fall to 'monitor', which no board would accept; and LQ alone decides it when
    # only one year of data is loaded.
    TierRule("sustain",
             "already specialized (LQ at least 1) but not on the shortlist: keep and grow what is there",
             (Condition("lq", ">=", 1.0, "LQ"),)),
)
TIERS = tuple(r.tier for r in TIER_RULES) + ("monitor",)
MONITOR_DESCRIPTION = "every other sector: keep watching it"


def tier_notes(top_k: int, table: pd.DataFrame | None = None) -> list[str]:
    """The tier rules as plain sentences (for the table's notes).

    With the tiered ``table`` (from :func:`assign_tiers`), a table without a
    priority sector gets a first sentence saying why (:func:`no_priority_note`).
    """
    why = no_priority_note(table, top_k) if table is not None else ""
    lines = [why] if why else []
    lines += [f"Tier '{r.tier}': {r.description.replace('top k', f'top {top_k}')}." for r in TIER_RULES]
    lines.append(f"Tier 'monitor': {MONITOR_DESCRIPTION}. Rules are tried in this order; a rule needing a value "
                 "a sector lacks (no growth data, no LQ) does not apply to it, nor does one on an LQ or a growth rate "
                 "that rests on withheld cells and whose exact bounds straddle the rule's threshold (uncertain; "
                 "the tier reason gives the bounds).")
    return lines


def no_priority_note(table: pd.DataFrame, top_k: int) -> str:
    """Why no sector is a priority, from the priority rule's conditions, or '' when some sector is.

    The first condition that no candidate meets decides the sentence: no sector
    reaches the coverage; none of the top k by score does; or those that do
    stay in the top k in fewer than half the draws. Each names the best value
    seen and what would change it.
    """
    if "tier" not in table.columns or not len(table) or (table["tier"] == "priority").any():
        return ""
    rule = TIER_RULES[0]
    cover = next(c for c in rule.conditions if c.column == "coverage")
    share = next(c for c in rule.conditions if c.column == "p_topk")
    floor, need = cover.threshold(table, top_k), share.threshold(table, top_k)
    coverage = pd.to_numeric(table["coverage"], errors="coerce")
    top = table[pd.to_numeric(table["rank"], errors="coerce") <= top_k]
    head = "No sector is a priority"
    more = ("Load the missing measures (see the notes on missing data) to score more of the weight; "
            "the ranking itself still stands as a shortlist, but on thin data.")
    if not (coverage >= floor - 1e-12).any():
        best = table.loc[coverage.idxmax()] if coverage.notna().any() else None
        seen = f" (the highest is {best['coverage']:.0%}, {best['name']})" if best is not None else ""
        return (f"{head}: no sector reaches coverage {floor:.0%}, the share of the weight a priority must be "
                f"scored on{seen}. {more}")
    top_cover = pd.to_numeric(top["coverage"], errors="coerce")
    able = top[top_cover >= floor - 1e-12]
    if able.empty:
        return (f"{head}: none of the top {top_k} by score reaches coverage {floor:.0%} (their highest is "
                f"{top_cover.max():.0%}); the sectors that do rank lower. {more}")
    p = pd.to_numeric(able["p_topk"], errors="coerce")
    best = able.loc[p.idxmax()] if p.notna().any() else able.iloc[0]
    return (f"{head}: none of the top {top_k} by score with coverage of at least {floor:.0%} stays in the top "
            f"{top_k} in {need:.0%} of the weight draws (the most stable is {best['name']}, in "
            f"{float(best['p_topk']):.0%} of draws): the shortlist depends on the weights. Compare presets, "
            "or settle the weights with the board ('exportplan weights ahp').")


def _show(cond: Condition, x: float, top_k: int) -> str:
    if x is None or math.isnan(x):
        return "no data"
    if cond.column == "rank":
        return f"#{int(x)}"
    if cond.column in ("coverage", "p_topk"):
        return f"{x:.0%}"
    if cond.column == "cagr":
        return f"{x:+.1%} a year"
    return f"{x:.2f}"


def _show_threshold(cond: Condition, t: float, top_k: int) -> str:
    if cond.value == "median":
        return f"the median {_show(cond, t, top_k)}"
    if cond.column == "rank":
        return f"#{int(t)}"
    return _show(cond, t, top_k)


def assign_tiers(table: pd.DataFrame, *, top_k: int = 5) -> pd.DataFrame:
    """``tier`` and ``tier_reason`` for each row of a ranked table, by :data:`TIER_RULES`.

    The table needs ``rank, coverage, p_topk`` (from the ranking and its
    robustness) and ``cagr, lq`` (missing values allowed). ``tier_reason``
    shows the values the rule used and, for the rules tried before it (and
    for ``monitor``, every rule), the first condition that failed.
    """
    need = sorted({c.column for r in TIER_RULES for c in r.conditions} - set(table.columns))
    if need:
        raise ExportPlanError(f"Tiers need the column(s) {need} in the ranked table.")
    thresholds = {(r.tier, i): c.threshold(table, top_k) for r in TIER_RULES for i, c in enumerate(r.conditions)}
    tiers, reasons = [], []
    for _, row in table.iterrows():
        tier, reason = _row_tier(row, thresholds, top_k)
        tiers.append(tier)
        reasons.append(reason)
    out = table.copy()
    out["tier"] = pd.Categorical(tiers, categories=list(TIERS))
    out["tier_reason"] = pd.array(reasons, dtype="str")
    return out


def _row_tier(row: pd.Series, thresholds: dict, top_k: int) -> tuple[str, str]:
    failed = []
    for rule in TIER_RULES:
        texts, first_fail = [], None
        for i, cond in enumerate(rule.conditions):
            x = pd.to_numeric(row[cond.column], errors="coerce")
            x = float(x) if pd.notna(x) else math.nan
            t = thresholds[(rule.tier, i)]
            ok, unsure = bounded_test(cond, row, x, t, lambda v, c=cond: _show(c, v, top_k),
                                      _show_threshold(cond, t, top_k))  # on the bounds where values are withheld
            label = cond.label.format(k=top_k)
            text = f"{label} {_show(cond, x, top_k)} {cond.op} {_show_threshold(cond, t, top_k)}"
            if ok is None:
                text = unsure or f"{label}: no data"
            if not ok and first_fail is None:
                first_fail = text if ok is None else f"{label} {_show(cond, x, top_k)}, not {cond.op} " \
                                                     f"{_show_threshold(cond, t, top_k)}"
            texts.append(text)
        if first_fail is None:
            why_not = f" ({'; '.join(failed)})" if failed else ""
            return rule.tier, f"{rule.tier}: " + "; ".join(texts) + why_not
        failed.append(f"not {rule.tier}: {first_fail}")
    return "monitor", "monitor: " + "; ".join(failed)
