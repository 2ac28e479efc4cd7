"""Pitch competitions (issue 12, item 3): scoring, ranking, awards and claims on hand-built cases.

Every expected number below is worked out by hand in the comment next to it (docs/competitions.md
has the same rules with worked examples). The budget property runs under the project's hypothesis
profile (tests/conftest.py: derandomised in CI).
"""
from __future__ import annotations

import math
import random
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportplan.analysis.competition import (
    TIE_RULES,
    application_scores,
    check_round,
    check_rubric,
    conflicts,
    judge_scores,
    missing_scores,
    ranking,
)
from exportplan.analysis.competition_awards import CostShare, awards, budget_summary, claim_lines, claims
from exportplan.errors import ExportPlanError, ImportFailed

#: market: weight 3 of 4 (share 0.75), out of 10 points; team: weight 1 of 4 (share 0.25), out of 5.
RUBRIC = [{"key": "market", "label": "Market", "weight": 3, "max_points": 10},
          {"key": "team", "label": "Team", "weight": 1, "max_points": 5}]
#: Metro Chicago Exports: 100% of the first $2,500, 50% of $2,500-$7,500, at most $5,000.
MCE = CostShare([(2500, 1.0), (7500, 0.5)], cap=5000)


def scores_of(points: dict[tuple[str, str], tuple[float, float]]) -> list[dict]:
    """{(judge, application): (market, team)} as score rows."""
    return [{"judge": j, "application": a, "criterion": c, "points": p}
            for (j, a), pair in points.items() for c, p in zip(("market", "team"), pair)]


def a_round(points, apps=("A1", "A2"), judges=("J1", "J2", "J3"), conflict=None, submitted=None, costs=None):
    """A round where every judge is assigned every application."""
    applications = [{"application": a, "submitted_at": (submitted or {}).get(a), "cost": (costs or {}).get(a)}
                    for a in apps]
    assignments = [{"judge": j, "application": a} for j in judges for a in apps]
    return check_round(RUBRIC, applications, list(judges), assignments, scores_of(points), conflict)


# ---------------------------------------------------------------- the weighted rubric

def test_the_rubric_normalises_weights_to_shares():
    rub = check_rubric(RUBRIC)
    assert rub["share"].tolist() == [0.75, 0.25]
    assert rub["label"].tolist() == ["Market", "Team"]
    # a label is optional (the key stands in); weights 50/30/20 are shares 0.5/0.3/0.2
    three = check_rubric([{"key": "a", "weight": 50, "max_points": 10}, {"key": "b", "weight": 30, "max_points": 5},
                          {"key": "c", "weight": 20, "max_points": 20}])
    assert three["label"].tolist() == ["a", "b", "c"]
    assert three["share"].tolist() == pytest.approx([0.5, 0.3, 0.2])


def test_a_judges_weighted_score_is_the_share_weighted_fraction_of_the_maximum():
    rnd = a_round({("J1", "A1"): (8, 4), ("J2", "A1"): (6, 5), ("J3", "A1"): (10, 1)}, apps=("A1",))
    got = judge_scores(rnd).set_index("judge")["score"]
    # J1: 100 x (0.75 x 8/10 + 0.25 x 4/5) = 60 + 20 = 80
    # J2: 100 x (0.75 x 6/10 + 0.25 x 5/5) = 45 + 25 = 70
    # J3: 100 x (0.75 x 10/10 + 0.25 x 1/5) = 75 + 5 = 80
    assert got.to_dict() == pytest.approx({"J1": 80.0, "J2": 70.0, "J3": 80.0})
    app = application_scores(rnd).iloc[0]
    assert app["score"] == pytest.approx(230 / 3)  # (80 + 70 + 80) / 3 = 76.67
    assert app["judges_used"] == 3 and app["judges_conflicted"] == 0
    assert app["reason"] == "3 judges; mean 76.67"
    # the per-criterion means the tie-break reads: market (80 + 60 + 100) / 3 = 80, team (80 + 100 + 20) / 3
    assert app["criterion:market"] == pytest.approx(80.0)
    assert app["criterion:team"] == pytest.approx(200 / 3)


def test_three_criteria_with_unequal_maxima():
    rubric = [{"key": "a", "weight": 5, "max_points": 10}, {"key": "b", "weight": 3, "max_points": 5},
              {"key": "c", "weight": 2, "max_points": 20}]
    rows = [{"judge": "J1", "application": "A1", "criterion": c, "points": p}
            for c, p in (("a", 7), ("b", 3), ("c", 15))]
    rnd = check_round(rubric, [{"application": "A1"}], ["J1"], [{"judge": "J1", "application": "A1"}], rows)
    # 100 x (0.5 x 7/10 + 0.3 x 3/5 + 0.2 x 15/20) = 35 + 18 + 15 = 68
    assert judge_scores(rnd)["score"].iloc[0] == pytest.approx(68.0)


# ---------------------------------------------------------------- conflicts and missing scores

def test_a_conflicted_judges_scores_are_excluded_and_the_assignment_reported():
    points = {("J1", "A1"): (8, 4), ("J2", "A1"): (6, 5), ("J3", "A1"): (10, 5)}
    conflict = [{"judge": "J3", "application": "A1", "reason": "advises the company"}]
    rnd = a_round(points, apps=("A1",), conflict=conflict)
    app = application_scores(rnd).iloc[0]
    # J3's 100 is left out: (80 + 70) / 2 = 75; with it the mean would be (80 + 70 + 100) / 3 = 83.33
    assert app["score"] == pytest.approx(75.0)
    assert (app["judges_assigned"], app["judges_used"], app["judges_conflicted"]) == (3, 2, 1)
    assert app["reason"] == "3 judges, 1 excluded for a conflict; mean 75 over 2 judges used"
    assert application_scores(a_round(points, apps=("A1",)))["score"].iloc[0] == pytest.approx(250 / 3)
    row = judge_scores(rnd).set_index("judge").loc["J3"]
    assert bool(row["conflict"]) and not bool(row["used"])
    assert "advises the company" in row["reason"]
    report = conflicts(rnd).iloc[0]
    assert bool(report["assigned"]) and report["scores_excluded"] == 2
    assert "should not have been assigned" in report["reason"]


def test_a_conflict_of_a_judge_not_assigned_excludes_nothing():
    rnd = check_round(RUBRIC, [{"application": "A1"}], ["J1", "J2"], [{"judge": "J1", "application": "A1"}],
                      scores_of({("J1", "A1"): (8, 4)}), [{"judge": "J2", "application": "A1", "reason": "cousin"}])
    report = conflicts(rnd).iloc[0]
    assert not bool(report["assigned"]) and report["scores_excluded"] == 0
    assert application_scores(rnd)["score"].iloc[0] == pytest.approx(80.0)


def test_a_judge_who_has_not_scored_every_criterion_is_left_out_and_reported():
    rows = scores_of({("J1", "A1"): (8, 4), ("J2", "A1"): (6, 5)})
    rows.append({"judge": "J3", "application": "A1", "criterion": "market", "points": 10})  # no 'team'
    rnd = check_round(RUBRIC, [{"application": "A1"}], ["J1", "J2", "J3"],
                      [{"judge": j, "application": "A1"} for j in ("J1", "J2", "J3")], rows)
    app = application_scores(rnd).iloc[0]
    assert app["score"] == pytest.approx(75.0)  # (80 + 70) / 2
    assert (app["judges_used"], app["judges_incomplete"]) == (2, 1)
    assert "1 left out for missing scores (J3)" in app["reason"]
    missing = missing_scores(rnd)
    assert missing[["judge", "application", "missing"]].values.tolist() == [["J3", "A1", "team"]]
    assert "uses the judges who completed it" in missing["reason"].iloc[0]


def test_an_application_no_judge_completed_is_not_ranked():
    rnd = check_round(RUBRIC, [{"application": "A1"}, {"application": "A2"}], ["J1"],
                      [{"judge": "J1", "application": a} for a in ("A1", "A2")], scores_of({("J1", "A1"): (8, 4)}))
    ranked = ranking(rnd)
    assert ranked["application"].tolist() == ["A1", "A2"]
    assert ranked["rank"].iloc[0] == 1 and pd.isna(ranked["rank"].iloc[1])
    assert "not ranked" in ranked["reason"].iloc[1]


def test_a_round_without_assignments_or_scores_gives_empty_answers_not_errors():
    rnd = check_round(RUBRIC, [{"application": "A1"}], ["J1"], [], [])
    ranked = ranking(rnd)
    assert pd.isna(ranked["rank"].iloc[0])
    assert ranked["reason"].iloc[0] == "no judge assigned; no complete score, not ranked"
    assert missing_scores(rnd).empty and conflicts(rnd).empty
    assert ranking(check_round(RUBRIC, [], [], [], [])).empty


# ---------------------------------------------------------------- ties

def test_an_exact_tie_is_broken_by_the_highest_weight_criterion():
    # A1: market 6, team 5 -> 45 + 25 = 70; A2: market 8, team 2 -> 60 + 10 = 70: tied on the mean.
    # A2 is higher on market, the highest-weight criterion (80 vs 60), so it ranks first.
    points = {("J1", "A1"): (6, 5), ("J1", "A2"): (8, 2)}
    ranked = ranking(a_round(points, judges=("J1",)))
    assert ranked["application"].tolist() == ["A2", "A1"]
    assert ranked["score"].tolist() == pytest.approx([70.0, 70.0])
    assert ranked["tie_break"].iloc[1] == ("tied with A2 on the mean score 70; after it by the score on 'Market' "
                                           "(80 vs 60)")
    assert ranked["tie_break"].iloc[0] == ""


def test_a_tie_on_every_score_goes_to_more_judges_then_the_earlier_submission_then_the_id():
    # More judges used: A1 and A2 both average 80 on both criteria; A2's third judge is conflicted.
    points = {(j, a): (8, 4) for j in ("J1", "J2", "J3") for a in ("A1", "A2")}
    rnd = a_round(points, conflict=[{"judge": "J3", "application": "A1", "reason": "former employer"}])
    ranked = ranking(rnd)
    assert ranked["application"].tolist() == ["A2", "A1"]
    assert "more judges used (3 vs 2)" in ranked["tie_break"].iloc[1]
    # Same judges: the earlier submission first; an application without a time comes after one with a time.
    apps = ("A1", "A2", "A3", "A4")
    points = {("J1", a): (8, 4) for a in apps}
    submitted = {"A1": "2026-03-02 09:00", "A2": "2026-03-01 17:30", "A4": "2026-03-01 17:30"}
    ranked = ranking(a_round(points, apps=apps, judges=("J1",), submitted=submitted))
    # A2 and A4 share the earliest time: the id decides (A2 < A4); then A1; A3 has no time.
    assert ranked["application"].tolist() == ["A2", "A4", "A1", "A3"]
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    assert ranked["tie_break"].iloc[1].endswith("application id (equal on every other rule)")
    assert "earlier submission" in ranked["tie_break"].iloc[2]
    assert len(TIE_RULES) == 5


def test_the_ranking_does_not_depend_on_the_order_of_the_rows():
    apps = ("A1", "A2", "A3", "A4", "A5")
    points = {("J1", a): p for a, p in zip(apps, ((6, 5), (8, 2), (8, 4), (8, 4), (2, 1)))}
    points.update({("J2", a): p for a, p in zip(apps, ((6, 5), (8, 2), (8, 4), (8, 4), (3, 1)))})
    expected = ranking(a_round(points, apps=apps, judges=("J1", "J2")))["application"].tolist()
    # A3, A4 (80, by id) then A2 (70, higher market) then A1 (70) then A5
    assert expected == ["A3", "A4", "A2", "A1", "A5"]
    rng = random.Random(12)
    for _ in range(5):
        order = list(apps)
        rng.shuffle(order)
        rows = scores_of(points)
        rng.shuffle(rows)
        rnd = check_round(RUBRIC, [{"application": a} for a in order], ["J2", "J1"],
                          [{"judge": j, "application": a} for a in order for j in ("J2", "J1")], rows)
        assert ranking(rnd)["application"].tolist() == expected


# ---------------------------------------------------------------- the cost-share rule

@pytest.mark.parametrize("cost, grant", [
    (0, 0.0),            # nothing spent, nothing granted
    (1000, 1000.0),      # below the first threshold: 100%
    (2500, 2500.0),      # at the first threshold: 100% of 2,500
    (5000, 3750.0),      # 2,500 + 50% of 2,500
    (7500, 5000.0),      # 2,500 + 50% of 5,000 = 5,000 (the cap, reached exactly)
    (10000, 5000.0),     # above the last tier: nothing more, and capped
    (2499.99, 2499.99),  # just below the threshold
    (2500.01, 2500.01),  # 2,500 + 50% of 0.01 = 2,500.005, half a cent rounds up
    (7499.98, 4999.99),  # 2,500 + 50% of 4,999.98
])
def test_the_metro_chicago_exports_rule_at_below_and_above_its_thresholds(cost, grant):
    assert MCE.grant(cost) == grant


def test_the_cap_binds_and_the_explanation_says_so():
    rule = CostShare([(2500, 1.0), (None, 0.5)], cap=5000)  # open last tier: the cap alone stops it
    assert rule.grant(10000) == 5000.0  # 2,500 + 50% of 7,500 = 6,250, capped at 5,000
    assert rule.explain(10000) == "100% of $2,500 + 50% of $7,500 = $6,250, capped at $5,000"
    assert MCE.explain(5000) == "100% of $2,500 + 50% of $2,500 = $3,750"
    assert CostShare([(2500, 1.0), (7500, 0.5)]).grant(10000) == 5000.0  # no cap; costs above 7,500 earn 0


# ---------------------------------------------------------------- awards and the budget

def ranked_frame(rows):
    return pd.DataFrame(rows, columns=["rank", "application", "score", "cost"])


RANKED = ranked_frame([(1, "A", 90.0, 10000), (2, "B", 85.0, 6000), (3, "C", 80.0, 2000), (4, "D", 60.0, 1000)])
# grants: A 5,000; B 2,500 + 1,750 = 4,250; C 2,000; D 1,000


def test_awards_skip_what_does_not_fit_and_consider_the_next():
    got = awards(RANKED, MCE, 8000)
    # A 5,000 (3,000 left); B's 4,250 does not fit: skipped; C 2,000 (1,000 left); D 1,000 (0 left)
    assert got["award"].tolist() == [5000.0, 0.0, 2000.0, 1000.0]
    assert got["status"].tolist() == ["awarded", "skipped", "awarded", "awarded"]
    assert got["budget_left"].tolist() == [3000.0, 3000.0, 1000.0, 0.0]
    assert "does not fit the $3,000 left" in got["reason"].iloc[1]
    summary = budget_summary(got).iloc[0]
    assert (summary["budget"], summary["awarded"], summary["left"], summary["awards"]) == (8000.0, 8000.0, 0.0, 3)


def test_partial_awards_give_what_is_left_then_nothing():
    got = awards(RANKED, MCE, 8000, partial=True)
    # A 5,000; B gets the 3,000 left of its 4,250; C and D: nothing left
    assert got["award"].tolist() == [5000.0, 3000.0, 0.0, 0.0]
    assert got["status"].tolist() == ["awarded", "partial", "skipped", "skipped"]
    assert budget_summary(got)["left"].iloc[0] == 0.0


def test_a_minimum_score_stops_awards_below_it_and_the_budget_left_is_reported():
    got = awards(RANKED, MCE, 20000, min_score=80)
    # A 5,000 + B 4,250 + C 2,000 = 11,250; D (60) is below the minimum; 8,750 left
    assert got["award"].tolist() == [5000.0, 4250.0, 2000.0, 0.0]
    assert got["status"].iloc[3] == "below minimum"
    assert got.attrs["budget_left"] == 8750.0
    assert budget_summary(got)["reason"].iloc[0] == "3 awards of $11,250 from a budget of $20,000; $8,750 left"


def test_awards_from_a_scored_round():
    points = {("J1", "A1"): (6, 5), ("J1", "A2"): (8, 2)}
    rnd = a_round(points, judges=("J1",), costs={"A1": 5000, "A2": 7500})
    got = awards(ranking(rnd), MCE, 6000)
    # A2 ranks first (tie-break): 5,000; A1's 3,750 does not fit the 1,000 left
    assert got[["application", "award", "status"]].values.tolist() == [["A2", 5000.0, "awarded"],
                                                                       ["A1", 0.0, "skipped"]]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 1_500_000)), min_size=0, max_size=12),
       st.integers(0, 3_000_000), st.booleans(), st.one_of(st.none(), st.integers(0, 100)),
       st.lists(st.tuples(st.integers(1, 500_000), st.sampled_from([0.25, 0.5, 1.0])), min_size=1, max_size=3),
       st.one_of(st.none(), st.integers(0, 1_000_000)))
def test_the_budget_is_never_overspent(apps, budget_cents, partial, min_score, tiers, cap_cents):
    """Costs, budgets and tiers in cents; whatever they are, the awards fit the budget and follow the rule."""
    bounds, total = [], 0
    for width, share in tiers:
        total += width
        bounds.append((total / 100, share))
    rule = CostShare(bounds, cap=None if cap_cents is None else cap_cents / 100)
    rows = [(i + 1, f"A{i:02d}", float(score), cost / 100) for i, (score, cost) in enumerate(apps)]
    budget = budget_cents / 100
    got = awards(ranked_frame(rows), rule, budget, partial=partial, min_score=min_score)
    spent = sum(Decimal(str(a)) for a in got["award"])
    assert spent <= Decimal(str(budget))
    assert Decimal(str(got.attrs["budget_left"])) == Decimal(str(budget)) - spent
    left = Decimal(str(budget))
    for rec in got.to_dict("records"):
        award = Decimal(str(rec["award"]))
        assert award >= 0 and left - award == Decimal(str(rec["budget_left"]))
        if min_score is not None and rec["score"] < min_score:
            assert award == 0
        elif rec["status"] == "awarded":
            assert award == Decimal(str(rec["grant"])) == rule.grant_cents(rec["cost"])
        elif rec["status"] == "partial":
            assert partial and 0 < award < Decimal(str(rec["grant"])) and award == left
        elif rec["status"] == "skipped":  # it did not fit what was left
            assert award == 0 and Decimal(str(rec["grant"])) > left
        if rule.cap is not None:
            assert award <= Decimal(str(rule.cap))
        left -= award


# ---------------------------------------------------------------- claims against receipts

AWARDED = pd.DataFrame({"application": ["A", "B", "C"], "award": [3750.0, 3000.0, 0.0]})
RECEIPTS = [  # out of date order on purpose
    {"application": "A", "date": "2026-07-01", "amount": 4000, "receipt": "r4"},
    {"application": "A", "date": "2026-04-01", "amount": 1000, "receipt": "r1"},
    {"application": "A", "date": "2026-06-01", "amount": 500, "receipt": "r3", "eligible": "no"},
    {"application": "A", "date": "2026-05-01", "amount": 2000, "receipt": "r2"},
    {"application": "B", "date": "2026-05-01", "amount": 2000, "receipt": "b1"},
]


def test_claims_apply_the_rule_to_the_cumulative_eligible_receipts_never_above_the_award():
    lines = claim_lines(AWARDED, RECEIPTS, MCE)
    a = lines[lines["application"] == "A"]
    assert a["receipt"].tolist() == ["r1", "r2", "r3", "r4"]
    # r1: 1,000 -> 1,000. r2: 3,000 -> 2,500 + 250 = 2,750 (+1,750). r3: not eligible (+0).
    # r4: 7,000 -> 2,500 + 2,250 = 4,750, held to the 3,750 award (+1,000).
    assert a["eligible_to_date"].tolist() == [1000.0, 3000.0, 3000.0, 7000.0]
    assert a["reimbursed"].tolist() == [1000.0, 1750.0, 0.0, 1000.0]
    assert a["reimbursed_to_date"].tolist() == [1000.0, 2750.0, 2750.0, 3750.0]
    assert "held to the award $3,750" in a["reason"].iloc[3]
    summary = claims(AWARDED, RECEIPTS, MCE).set_index("application")
    assert summary.index.tolist() == ["A", "B"]  # C has no award
    assert summary.loc["A", ["reimbursed", "claimable"]].tolist() == [3750.0, 0.0]
    # B (a partial award of 3,000): 2,000 of receipts -> 2,000 reimbursed, 1,000 still claimable
    assert summary.loc["B", ["eligible", "reimbursed", "claimable"]].tolist() == [2000.0, 2000.0, 1000.0]
    assert summary.loc["B", "reason"] == ("1 receipt, $2,000 eligible; $2,000 reimbursed of the $3,000 award; "
                                          "$1,000 still claimable")


def test_an_award_without_receipts_is_all_claimable():
    for none in ([], pd.DataFrame(columns=["application", "date", "amount"])):
        summary = claims(AWARDED, none, MCE)
        assert summary["claimable"].tolist() == [3750.0, 3000.0]
        assert summary["receipts"].tolist() == [0, 0]


# ---------------------------------------------------------------- bad input, each with what to fix

def problems_of(call) -> list[dict]:
    with pytest.raises(ImportFailed) as caught:
        call()
    return caught.value.table.to_records()


@pytest.mark.parametrize("rubric, column, words", [
    (RUBRIC + [{"key": "market", "weight": 1, "max_points": 5}], "key", "give each criterion its own key"),
    ([{"key": "m", "weight": 0, "max_points": 10}], "weight", "must be a number above 0"),
    ([{"key": "m", "weight": -2, "max_points": 10}], "weight", "must be a number above 0"),
    ([{"key": "m", "weight": "heavy", "max_points": 10}], "weight", "must be a number above 0"),
    ([{"key": "m", "weight": 1, "max_points": 0}], "max_points", "must be a number above 0"),
    ([{"key": "", "weight": 1, "max_points": 10}], "key", "a criterion needs a key"),
])
def test_a_bad_rubric_is_refused_with_what_to_fix(rubric, column, words):
    found = problems_of(lambda: check_rubric(rubric))
    assert len(found) == 1 and found[0]["column"] == column and found[0]["file"] == "rubric"
    assert words in found[0]["problem"] + " " + found[0]["fix"]


def test_an_empty_rubric_or_missing_columns_are_refused():
    assert "at least one criterion" in problems_of(lambda: check_rubric(pd.DataFrame(
        columns=["key", "weight", "max_points"])))[0]["fix"]
    with pytest.raises(ExportPlanError, match="need the column.*max_points"):
        check_rubric([{"key": "m", "weight": 1}])


def score(judge="J2", application="A2", criterion="market", points=5):
    return {"judge": judge, "application": application, "criterion": criterion, "points": points}


@pytest.mark.parametrize("extra, column, words", [
    (score(points=11), "points", "points must be a number from 0 to 10"),
    (score(points=-1), "points", "points must be a number from 0 to 10"),
    (score(points="good"), "points", "points must be a number from 0 to 10"),
    (score(criterion="vision"), "criterion", "use one of the rubric's keys: market, team"),
    (score(judge="J9"), "judge", "unknown judge"),
    (score(application="A9"), "application", "unknown application"),
    (score(application="A1"), "application", "judge J2 is not assigned this application"),
    (score(judge="J1", application="A1", criterion="team", points=2), "criterion",
     "judge J1 already scored this criterion for A1"),
])
def test_a_bad_score_is_refused_with_its_row_and_what_to_fix(extra, column, words):
    rows = [score("J1", "A1"), score("J1", "A1", criterion="team", points=3), extra]
    found = problems_of(lambda: check_round(RUBRIC, [{"application": "A1"}, {"application": "A2"}], ["J1", "J2"],
                                            [{"judge": "J1", "application": "A1"},
                                             {"judge": "J2", "application": "A2"}], rows))
    assert len(found) == 1
    assert (found[0]["file"], found[0]["row"], found[0]["column"]) == ("scores", 3, column)
    assert words in found[0]["problem"] + "; " + found[0]["fix"]


def test_bad_applications_assignments_and_conflicts_are_all_reported_at_once():
    found = problems_of(lambda: check_round(
        RUBRIC, [{"application": "A1", "submitted_at": "yesterday"}, {"application": "A1", "cost": -5}],
        ["J1"], [{"judge": "J1", "application": "A1"}, {"judge": "J1", "application": "A1"}], [],
        [{"judge": "J1", "application": "A1", "reason": ""}]))
    seen = {(p["file"], p["column"]) for p in found}
    assert seen == {("applications", "submitted_at"), ("applications", "application"), ("applications", "cost"),
                    ("assignments", "application"), ("conflicts", "reason")}
    assert any("say why" in p["fix"] for p in found)


@pytest.mark.parametrize("tiers, cap, words", [
    ([], None, "at least one tier"),
    ([(2500, 1.0), (2000, 0.5)], None, "above the previous tier"),
    ([(2500, 1.5)], None, "fraction from 0 to 1"),
    ([(None, 0.5), (2500, 1.0)], None, "only the last tier may be open"),
    ([(2500, 1.0)], -1, "cap"),
    ([2500], None, "give each tier as (up_to, share)"),
])
def test_a_bad_cost_share_rule_is_refused(tiers, cap, words):
    with pytest.raises(ExportPlanError) as caught:
        CostShare(tiers, cap=cap)
    assert words in str(caught.value)


def test_bad_budget_costs_and_receipts_are_refused():
    with pytest.raises(ExportPlanError, match="budget .* must be a number of dollars"):
        awards(RANKED, MCE, -1)
    no_cost = ranked_frame([(1, "A", 90.0, None)])
    found = problems_of(lambda: awards(no_cost, MCE, 1000))
    assert found[0]["column"] == "cost" and "eligible project cost" in found[0]["fix"]
    assert awards(no_cost, MCE, 1000, min_score=95)["status"].tolist() == ["below minimum"]  # no cost needed
    found = problems_of(lambda: claim_lines(AWARDED, [
        {"application": "C", "date": "2026-01-01", "amount": 10},
        {"application": "A", "date": "someday", "amount": 10},
        {"application": "A", "date": "2026-01-01", "amount": -10}], MCE))
    assert [(p["row"], p["column"]) for p in found] == [(1, "application"), (2, "date"), (3, "amount")]
    assert "only awarded applications can claim" in found[0]["fix"]
    assert math.isnan(awards(ranked_frame([(1, "A", math.nan, None)]), MCE, 10)["grant"].iloc[0])
