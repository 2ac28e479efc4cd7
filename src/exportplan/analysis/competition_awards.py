"""A pitch competition's awards under a cost-share rule, within a budget, and the claims against receipts.

Pure functions (issue 12, "Pitch competitions"; docs/competitions.md). The organization sets a
:class:`CostShare` rule (tiers of cost and the share it pays, and a cap per award). :func:`awards` goes
down :func:`~exportplan.analysis.competition.ranking`'s order until the budget runs out;
:func:`budget_summary` gives the budget left; :func:`claim_lines` and :func:`claims` reimburse each
award's receipts. Money is kept in whole cents (``Decimal``), so a budget is never overspent by rounding.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pandas as pd

from exportplan.analysis.competition import CENT, Problems, cents, frame_of, number, score_words, text, usd
from exportplan.errors import ExportPlanError

CLAIM_COLUMNS = ("application", "award", "receipts", "eligible", "reimbursed", "claimable", "reason")
CLAIM_LINE_COLUMNS = ("application", "receipt", "date", "amount", "eligible", "eligible_to_date",
                      "reimbursed", "reimbursed_to_date", "reason")
AWARD_COLUMNS = ("rank", "application", "score", "cost", "grant", "award", "status", "budget_left", "reason")
# --- the cost-share rule -------------------------------------------------------------------------

@dataclass(frozen=True)
class CostShare:
    """A cost-share rule: ``tiers`` of (up_to, share) in rising order, and a ``cap`` per award (None: no cap).

    ``grant(cost)`` is the sum over the tiers of share x the part of the cost within the tier, capped.
    Metro Chicago Exports' rule is ``CostShare([(2500, 1.0), (7500, 0.5)], cap=5000)``: 100% of the first
    $2,500 and 50% of costs from $2,500 to $7,500; costs above the last tier earn nothing more. A last
    tier ``up_to`` of None is open-ended.
    """

    tiers: tuple[tuple[float, float], ...]
    cap: float | None = None

    def __init__(self, tiers: Iterable[tuple[float | None, float]], cap: float | None = None):
        checked, lower = [], 0.0
        tiers = list(tiers)
        if not tiers:
            raise ExportPlanError("A cost-share rule needs at least one tier (up_to, share), e.g. [(2500, 1.0)].")
        for i, tier in enumerate(tiers, start=1):
            try:
                up_to, share = tier
            except (TypeError, ValueError):
                raise ExportPlanError(f"Cost-share tier {i} is {tier!r}; give each tier as (up_to, share), "
                                      f"e.g. (2500, 1.0).") from None
            up = math.inf if up_to is None else number(up_to)
            rate = number(share)
            if up is None or math.isnan(up) or up <= lower or (math.isinf(up) and i != len(tiers)):
                raise ExportPlanError(f"Cost-share tier {i}: up_to {up_to!r} must be a number of dollars above the "
                                      f"previous tier's ({usd(lower)}); only the last tier may be open (None).")
            if rate is None or math.isnan(rate) or not 0 <= rate <= 1:
                raise ExportPlanError(f"Cost-share tier {i}: share {share!r} must be a fraction from 0 to 1 "
                                      f"(0.5 for 50%).")
            checked.append((up, rate))
            lower = up
        if cap is not None and (number(cap) is None or math.isnan(number(cap)) or number(cap) < 0):
            raise ExportPlanError(f"The cost-share cap {cap!r} must be a number of dollars, 0 or more (or None).")
        object.__setattr__(self, "tiers", tuple(checked))
        object.__setattr__(self, "cap", None if cap is None else number(cap))

    def parts(self, cost) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(share, dollars within the tier, share x dollars) of each tier the cost reaches."""
        value = number(cost)
        if value is None or math.isnan(value) or value < 0:
            raise ExportPlanError(f"A cost must be a number of dollars, 0 or more, not {cost!r}.")
        amount, lower, out = cents(value), Decimal(0), []
        for up_to, share in self.tiers:
            top = amount if math.isinf(up_to) else min(amount, cents(up_to))
            if top > lower:
                rate = Decimal(str(share))
                out.append((rate, top - lower, rate * (top - lower)))
            if not math.isinf(up_to):
                lower = cents(up_to)
        return out

    def grant_cents(self, cost) -> Decimal:
        """The grant for ``cost`` in whole cents."""
        total = sum((p[2] for p in self.parts(cost)), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
        return total if self.cap is None else min(total, cents(self.cap))

    def grant(self, cost) -> float:
        """The grant for ``cost`` (dollars)."""
        return float(self.grant_cents(cost))

    def explain(self, cost) -> str:
        """'100% of $2,500 + 50% of $2,500 = $3,750' (and the cap when it binds)."""
        parts = self.parts(cost)
        if not parts:
            return f"{usd(cost)} of cost: no grant"
        words = " + ".join(f"{float(rate) * 100:g}% of {usd(part)}" for rate, part, _ in parts)
        total = sum((p[2] for p in parts), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
        out = f"{words} = {usd(total)}"
        return out + (f", capped at {usd(self.cap)}" if self.cap is not None and total > cents(self.cap) else "")


# --- awards --------------------------------------------------------------------------------------

def awards(ranked: pd.DataFrame, rule: CostShare, budget, *, min_score: float | None = None,
           partial: bool = False) -> pd.DataFrame:
    """Awards down the ranking (``competition.ranking``'s frame, with each application's ``cost``) within ``budget``.

    In rank order, an application below ``min_score`` (or without a score) gets nothing. Its grant is
    ``rule.grant(cost)``. If the grant fits in the budget left it is awarded in full. If not: with
    ``partial`` the application gets what is left (and the budget is spent); without it the application
    is skipped and the next one that fits is considered. The budget is never overspent; ``budget_left``
    is the budget after each row (the last row's is what remains).
    """
    amount = number(budget)
    if amount is None or math.isnan(amount) or amount < 0:
        raise ExportPlanError(f"The budget {budget!r} must be a number of dollars, 0 or more.")
    if min_score is not None and (number(min_score) is None or math.isnan(number(min_score))):
        raise ExportPlanError(f"The minimum score {min_score!r} must be a number from 0 to 100 (or None).")
    left = start = Decimal(str(amount)).quantize(CENT, rounding=ROUND_DOWN)
    frame = frame_of(ranked, "ranking", ("application", "score", "cost"))
    if "rank" not in frame.columns:
        frame["rank"] = range(1, len(frame) + 1)
    frame = frame.sort_values("rank", kind="stable", na_position="last").reset_index(drop=True)
    problems = Problems()
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        score = rec["score"]
        eligible = score is not None and not pd.isna(score) and (min_score is None or score >= float(min_score))
        cost = number(rec["cost"])
        if eligible and (cost is None or math.isnan(cost) or cost < 0):
            problems.bad("applications", i, "cost", rec["cost"], f"{rec['application']} is eligible for an award "
                         "but has no cost that can be read", "give its eligible project cost in dollars, e.g. 6000")
    problems.raise_if_any("Working out the awards")
    rows = []
    for rec in frame.to_dict("records"):
        score, app = rec["score"], rec["application"]
        row = {"rank": rec["rank"], "application": app, "score": score, "cost": rec["cost"], "grant": math.nan,
               "award": 0.0}
        if score is None or pd.isna(score):
            status, reason = "not scored", "no complete score: not ranked, no award"
        elif min_score is not None and score < float(min_score):
            status = "below minimum"
            reason = f"score {score_words(score)} is below the minimum {score_words(float(min_score))}"
        else:
            grant = rule.grant_cents(rec["cost"])
            row["grant"] = float(grant)
            how = rule.explain(rec["cost"])
            if grant == 0:
                status, reason = "no grant", f"cost {usd(rec['cost'])}: {how}"
            elif grant <= left:
                left -= grant
                status, reason, row["award"] = "awarded", f"{how}; awarded in full", float(grant)
            elif partial and left > 0:
                row["award"], status = float(left), "partial"
                reason = f"{how}; only {usd(left)} left in the budget: partial award (partial awards allowed)"
                left = Decimal(0).quantize(CENT)
            else:
                status = "skipped"
                reason = (f"{how}; does not fit the {usd(left)} left in the budget"
                          + ("" if partial else " (no partial awards): skipped, the next that fits is considered"))
        row.update(status=status, budget_left=float(left), reason=reason)
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(AWARD_COLUMNS))
    out.attrs["budget"] = float(start)
    out.attrs["budget_left"] = float(left)
    return out


def budget_summary(awarded: pd.DataFrame, budget=None) -> pd.DataFrame:
    """One row: the budget, the sum awarded, the budget left and the number of awards.

    ``awarded`` is :func:`awards`' frame; ``budget`` defaults to the one it was given (``attrs["budget"]``).
    """
    total = sum((cents(a) for a in awarded["award"]), Decimal(0))
    given = budget if budget is not None else awarded.attrs.get("budget")
    if given is None or number(given) is None or math.isnan(number(given)):
        raise ExportPlanError("budget_summary needs the budget: pass budget=..., or the frame awards() returned.")
    budget = cents(number(given))
    n = int((awarded["award"] > 0).sum())
    return pd.DataFrame([{"budget": float(budget), "awarded": float(total), "left": float(budget - total),
                          "awards": n, "reason": f"{n} award{'s' if n != 1 else ''} of {usd(total)} from a budget of "
                                                 f"{usd(budget)}; {usd(budget - total)} left"}])


# --- claims against receipts ---------------------------------------------------------------------

def claim_lines(awarded: pd.DataFrame, receipts, rule: CostShare) -> pd.DataFrame:
    """Each receipt (application, date, amount; optional receipt id and ``eligible`` flag) reimbursed in date order.

    The reimbursement to date is the cost-share rule applied to the eligible receipts to date, never
    above the award; a receipt's ``reimbursed`` is the increase it brings. Receipts of an application
    without an award, negative amounts and unreadable dates are refused.
    """
    frame = frame_of(receipts, "receipts", ("application", "date", "amount"))
    award_of = {a: cents(v) for a, v in zip(awarded["application"], awarded["award"]) if float(v) > 0}
    problems, rows = Problems(), []
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        app, amount = text(rec.get("application")), number(rec.get("amount"))
        day = pd.to_datetime(text(rec.get("date")) or None, errors="coerce")
        if app not in award_of:
            problems.bad("receipts", i, "application", app, "this application has no award to claim against",
                         "check the application id; only awarded applications can claim")
        if pd.isna(day):
            problems.bad("receipts", i, "date", rec.get("date"), "not a date", "give it as YYYY-MM-DD")
        if amount is None or math.isnan(amount) or amount < 0:
            problems.bad("receipts", i, "amount", rec.get("amount"),
                         "the amount must be a number of dollars, 0 or more",
                         "give the receipt's amount, e.g. 1250.00")
        flag = rec.get("eligible", True)
        eligible = not (text(flag).casefold() in ("false", "no", "0", "n") or flag is False)
        rows.append({"application": app, "receipt": text(rec.get("receipt")) or str(i), "date": day,
                     "amount": amount, "eligible": eligible, "position": i})
    problems.raise_if_any("Checking the receipts")
    out = sorted(rows, key=lambda r: (r["application"], r["date"], r["position"]))
    totals: dict[str, Decimal] = {}
    paid: dict[str, Decimal] = {}
    for rec in out:
        app, award = rec["application"], award_of[rec["application"]]
        if rec["eligible"]:
            totals[app] = totals.get(app, Decimal(0)) + cents(rec["amount"])
        to_date = totals.get(app, Decimal(0))
        reimbursed = min(rule.grant_cents(to_date), award)
        rec.update(eligible_to_date=float(to_date), reimbursed=float(reimbursed - paid.get(app, Decimal(0))),
                   reimbursed_to_date=float(reimbursed))
        words = (f"eligible to date {usd(to_date)}: {rule.explain(to_date)}" if rec["eligible"]
                 else "not eligible: not reimbursed")
        if reimbursed == award and rule.grant_cents(to_date) > award:
            words += f"; held to the award {usd(award)}"
        rec["reason"] = words
        paid[app] = reimbursed
    return pd.DataFrame(out, columns=list(CLAIM_LINE_COLUMNS))


def claims(awarded: pd.DataFrame, receipts, rule: CostShare) -> pd.DataFrame:
    """Per award: the receipts, the eligible total, the sum reimbursed and the amount still claimable."""
    lines = claim_lines(awarded, receipts, rule)
    rows = []
    for app, award in zip(awarded["application"], awarded["award"]):
        if float(award) <= 0:
            continue
        mine = lines[lines["application"] == app]
        paid = cents(mine["reimbursed_to_date"].iloc[-1]) if len(mine) else Decimal(0)
        eligible = cents(mine["eligible_to_date"].iloc[-1]) if len(mine) else Decimal(0)
        left = cents(award) - paid
        rows.append({"application": app, "award": float(award), "receipts": len(mine), "eligible": float(eligible),
                     "reimbursed": float(paid), "claimable": float(left),
                     "reason": f"{len(mine)} receipt{'s' if len(mine) != 1 else ''}, {usd(eligible)} eligible; "
                               f"{usd(paid)} reimbursed of the {usd(award)} award; {usd(left)} still claimable"})
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
