"""The pitch competition service (``ws.competitions``) on real workspaces (issue 12, "Pitch competitions").

Hand-built rounds with known answers (docs/competitions.md's worked examples), on SQLite and on
PostgreSQL:

- the weighted rubric, and a conflicted judge's scores excluded;
- a tie broken by the documented rule;
- awards under the cost-share rule below, at and above its thresholds, within the budget (never
  overspent, to the cent), frozen once decided and recomputed only with force;
- a judge sees and scores only the applications assigned to them;
- bad input (unknown criterion, points out of range, unknown company, missing or unknown fields)
  refused with nothing written;
- receipts and claims against an award.
"""
from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest

from exportplan.errors import ExportPlanError
from exportplan.store import schema as t
from exportplan.workspace import Workspace

TODAY = "2026-12-01T12:00:00+00:00"
RULES = {"cost_share": {"tiers": [[2500, 1.0], [7500, 0.5]], "cap": 5000}, "min_score": None,
         "fields": {"project": "What the grant pays for", "market": "The target market"}}
FIELDS = {"project": "Trade show booth", "market": "Canada"}
TABLES = ("competition_criteria", "competition_judges", "competition_applications", "competition_assignments",
          "competition_scores", "competition_conflicts", "competition_awards", "competition_receipts", "changes")


@pytest.fixture(params=["sqlite", "postgres"])
def ws(request, tmp_path):
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = Workspace.init(tmp_path / "ws", name="Competition test", counties=["39049"], database_url=url)
    yield made.for_request(user="staff", clock=lambda: TODAY)
    made.close()


def add_round(ws, key="pitch-2026", *, budget=8000, rules=RULES, kind="competition") -> str:
    """A competition round: an initiative of kind "competition"."""
    ws.initiatives.add(key, kind, f"Round {key}", budget_usd=budget, rules=rules)
    return key


def companies(ws, n: int) -> list[str]:
    return [ws.pipeline.add_company(company_id=f"c{i}", name=f"Company {i}", county_fips="39049")
            for i in range(1, n + 1)]


def counts(ws) -> dict[str, int]:
    return {name: ws.context.store.count(getattr(t, name)) for name in TABLES}


def doc_rubric(ws, rnd):
    """docs/competitions.md's rubric: market (weight 3, out of 10) and team (weight 1, out of 5)."""
    return ws.competitions.set_rubric(rnd, [{"key": "market", "label": "Market", "weight": 3, "max_points": 10},
                                            {"key": "team", "label": "Team", "weight": 1, "max_points": 5}])


# ---- scores, conflicts, ties --------------------------------------------------------------------------------
def test_weighted_rubric_and_a_conflicted_judge_excluded(ws):
    rnd = add_round(ws)
    companies(ws, 1)
    rubric = doc_rubric(ws, rnd)
    assert list(rubric["share"]) == [0.75, 0.25]
    ws.competitions.add_application(rnd, "A1", "c1", cost_usd=5000, fields=FIELDS)
    for judge, market, team in (("J1", 8, 4), ("J2", 6, 5), ("J3", 10, 5)):
        ws.competitions.add_judge(rnd, judge)
        assert ws.competitions.assign(rnd, judge, ["A1"]) == 1
        ws.competitions.score(rnd, judge, "A1", {"market": market, "team": team})
    assert ws.competitions.assign(rnd, "J1", "A1") == 0  # repeating an assignment changes nothing
    judged = ws.competitions.results(rnd).judge_scores.set_index("judge")["score"]
    assert judged.to_dict() == pytest.approx({"J1": 80, "J2": 70, "J3": 100})
    assert ws.competitions.results(rnd)["ranking"]["score"].iloc[0] == pytest.approx(250 / 3)

    ws.competitions.declare_conflict(rnd, "J3", "A1", "advises the company")
    res = ws.competitions.results(rnd)
    assert res.ranking["score"].iloc[0] == pytest.approx(75)
    assert res.ranking[["application", "company", "name"]].iloc[0].tolist() == ["A1", "c1", "Company 1"]
    assert "1 excluded for a conflict; mean 75 over 2 judges used" in res.ranking["reason"].iloc[0]
    assert not res.judge_scores.set_index("judge").at["J3", "used"]
    assert res.conflicts["scores_excluded"].tolist() == [2]
    with pytest.raises(ExportPlanError, match="conflict of interest"):
        ws.competitions.score(rnd, "J3", "A1", {"market": 1})
    with pytest.raises(ExportPlanError, match="already recorded"):
        ws.competitions.declare_conflict(rnd, "J3", "A1", "again")
    staff = ws.competitions.application(rnd, "A1")
    assert staff["score"] == pytest.approx(75) and staff["judges_conflicted"] == 1 and len(staff["judges"]) == 3
    assert ws.competitions.judges(rnd).set_index("judge").at["J3", "conflicts"] == 1
    log = ws.pipeline.changes()
    assert set(log["entity"]) >= {"competition score", "competition conflict", "competition rubric"}
    assert ((log["entity"] == "competition score") & (log["field"] == "J1: market") & (log["new"] == "8")).any()


def test_a_conflicted_judge_is_not_assigned(ws):
    rnd = add_round(ws)
    companies(ws, 1)
    doc_rubric(ws, rnd)
    ws.competitions.add_application(rnd, "A1", "c1", cost_usd=100, fields=FIELDS)
    ws.competitions.add_judge(rnd, "J1")
    ws.competitions.declare_conflict(rnd, "J1", "A1", "former employer")
    with pytest.raises(ExportPlanError, match="conflict of interest"):
        ws.competitions.assign(rnd, "J1", ["A1"])
    assert ws.competitions.applications(rnd, judge="J1").empty


def test_a_tie_is_broken_by_the_highest_weight_criterion(ws):
    rnd = add_round(ws)
    companies(ws, 2)
    doc_rubric(ws, rnd)
    ws.competitions.add_judge(rnd, "J1")
    # A1 is submitted first, so only the criterion rule puts A2 ahead.
    ws.competitions.add_application(rnd, "A1", "c1", cost_usd=1000, fields=FIELDS, submitted_at="2026-03-01 09:00")
    ws.competitions.add_application(rnd, "A2", "c2", cost_usd=1000, fields=FIELDS, submitted_at="2026-03-02 09:00")
    ws.competitions.assign(rnd, "J1", ["A1", "A2"])
    ws.competitions.score(rnd, "J1", "A1", {"market": 6, "team": 5})
    ws.competitions.score(rnd, "J1", "A2", {"market": 8, "team": 2})
    ranking = ws.competitions.results(rnd).ranking
    assert ranking["application"].tolist() == ["A2", "A1"]
    assert ranking["score"].tolist() == pytest.approx([70, 70])
    assert ranking["tie_break"].iloc[1] == ("tied with A2 on the mean score 70; after it by the score on 'Market' "
                                            "(80 vs 60)")
    assert ranking["rank"].tolist() == [1, 2]


# ---- awards ----------------------------------------------------------------------------------------------
COSTS = {"A": 10000, "B": 6000, "C": 2000, "D": 1000, "E": 2500, "F": 7500}  # in rank order


def scored_round(ws, budget=8000, rules=RULES):
    """Six applications, one judge, ranked A..F; the docs' worked example plus two costs at the thresholds."""
    rnd = add_round(ws, budget=budget, rules=rules)
    companies(ws, len(COSTS))
    ws.competitions.set_rubric(rnd, [{"key": "pitch", "label": "Pitch", "weight": 1, "max_points": 10}])
    ws.competitions.add_judge(rnd, "J1", name="Judge One")
    for n, (app, cost) in enumerate(COSTS.items()):
        ws.competitions.add_application(rnd, app, f"c{n + 1}", cost_usd=cost, fields=FIELDS)
    ws.competitions.assign(rnd, "J1", list(COSTS))
    for n, app in enumerate(COSTS):
        ws.competitions.score(rnd, "J1", app, {"pitch": 10 - n})
    return rnd


def test_awards_under_the_cost_share_rule_within_the_budget(ws):
    rnd = scored_round(ws)
    decided = ws.competitions.decide_awards(rnd).set_index("application")
    # above the cap (10,000), between the tiers (6,000), below the first tier (2,000 and 1,000),
    # at the first tier's end (2,500) and at the second's, where the cap is reached exactly (7,500)
    assert decided["grant"].to_dict() == {"A": 5000, "B": 4250, "C": 2000, "D": 1000, "E": 2500, "F": 5000}
    assert decided["award"].to_dict() == {"A": 5000, "B": 0, "C": 2000, "D": 1000, "E": 0, "F": 0}
    assert decided.at["B", "status"] == "skipped" and decided.at["F", "status"] == "skipped"
    assert decided.at["A", "company"] == "c1"
    stored = ws.competitions.awards(rnd)
    assert stored["application"].tolist() == ["A", "C", "D"]
    assert stored["award"].tolist() == [5000, 2000, 1000] and stored["rank"].tolist() == [1, 3, 4]
    assert set(stored["decided_by"]) == {"staff"}
    budget = ws.competitions.budget(rnd).iloc[0]
    assert (budget["budget"], budget["awarded"], budget["left"], budget["awards"]) == (8000, 8000, 0, 3)
    assert ws.competitions.applications(rnd).set_index("application")["award"].to_dict()["A"] == 5000

    # frozen: a later score does not change the awards until they are decided again with force
    ws.competitions.score(rnd, "J1", "A", {"pitch": 0})
    assert ws.competitions.awards(rnd)["application"].tolist() == ["A", "C", "D"]
    with pytest.raises(ExportPlanError, match="frozen"):
        ws.competitions.decide_awards(rnd)
    again = ws.competitions.decide_awards(rnd, force=True)
    assert again.loc[again["award"] > 0, "application"].tolist() == ["B", "C", "D"]
    assert ws.competitions.awards(rnd)["award"].tolist() == [4250, 2000, 1000]
    awards_log = ws.pipeline.changes().query("entity == 'competition award'")
    assert ((awards_log["entity_id"] == f"{rnd}/A") & (awards_log["new"] == "0")).any()


def test_the_budget_is_never_overspent_to_the_cent(ws):
    rng = random.Random(12)
    rules = dict(RULES, partial=True, cost_share={"tiers": [[2500, 1.0], [7500, 0.333]], "cap": 4999.99})
    rnd = add_round(ws, budget=10000.009, rules=rules)  # the budget is held to whole cents, rounded down
    companies(ws, 8)
    ws.competitions.set_rubric(rnd, [{"key": "pitch", "weight": 1, "max_points": 100}])
    ws.competitions.add_judge(rnd, "J1")
    for n in range(8):
        ws.competitions.add_application(rnd, f"A{n}", f"c{n + 1}", cost_usd=round(rng.uniform(500, 9000), 2),
                                        fields=FIELDS)
        ws.competitions.assign(rnd, "J1", [f"A{n}"])
        ws.competitions.score(rnd, "J1", f"A{n}", {"pitch": rng.uniform(0, 100)})
    ws.competitions.decide_awards(rnd)
    total = sum(Decimal(str(a)) for a in ws.competitions.awards(rnd)["award"])
    assert total == Decimal("10000.00")  # partial awards spend the budget exactly, never more
    cents = [Decimal(str(a)) for a in ws.competitions.awards(rnd)["award"]]
    assert all(a == a.quantize(Decimal("0.01")) for a in cents)
    assert ws.competitions.budget(rnd)["left"].iloc[0] == 0


def test_receipts_are_claimed_against_the_award(ws):
    rnd = add_round(ws, budget=10000)
    companies(ws, 2)
    doc_rubric(ws, rnd)
    ws.competitions.add_judge(rnd, "J1")
    ws.competitions.add_application(rnd, "A1", "c1", cost_usd=5000, fields=FIELDS)
    ws.competitions.add_application(rnd, "A2", "c2", cost_usd=5000, fields=FIELDS)
    ws.competitions.assign(rnd, "J1", ["A1"])
    ws.competitions.score(rnd, "J1", "A1", {"market": 9, "team": 4})
    with pytest.raises(ExportPlanError, match="no award"):
        ws.competitions.add_receipt(rnd, "A1", "INV-1", "2026-04-01", 1000)
    assert ws.competitions.decide_awards(rnd).set_index("application").at["A1", "award"] == 3750
    for receipt, day, amount in (("INV-1", "2026-04-01", 1000), ("INV-2", "2026-05-01", 2000),
                                 ("INV-3", "2026-07-01", 4000)):
        ws.competitions.add_receipt(rnd, "A1", receipt, day, amount)
    lines = ws.competitions.claim_lines(rnd)
    assert lines["reimbursed"].tolist() == [1000, 1750, 1000]
    claim = ws.competitions.claims(rnd).iloc[0]
    assert (claim["award"], claim["reimbursed"], claim["claimable"]) == (3750, 3750, 0)
    with pytest.raises(ExportPlanError, match="no award"):
        ws.competitions.add_receipt(rnd, "A2", "INV-9", "2026-04-01", 10)
    with pytest.raises(ExportPlanError, match="already recorded"):
        ws.competitions.add_receipt(rnd, "A1", "INV-1", "2026-04-02", 10)
    with pytest.raises(ExportPlanError, match="future"):
        ws.competitions.add_receipt(rnd, "A1", "INV-4", "2027-01-01", 10)
    with pytest.raises(ExportPlanError, match="receipts"):
        ws.competitions.withdraw_application(rnd, "A1")
    ws.initiatives.update(rnd, budget_usd=100)  # A1's grant no longer fits: recomputing would take it away
    with pytest.raises(ExportPlanError, match="receipts are claimed"):
        ws.competitions.decide_awards(rnd, force=True)
    assert ws.competitions.awards(rnd)["award"].tolist() == [3750]


def test_no_award_below_the_minimum_score(ws):
    rnd = scored_round(ws, rules=dict(RULES, min_score=75))  # scores 100, 90, 80, 70, 60, 50
    decided = ws.competitions.decide_awards(rnd).set_index("application")
    assert decided["status"].to_dict() == {"A": "awarded", "B": "skipped", "C": "awarded", "D": "below minimum",
                                           "E": "below minimum", "F": "below minimum"}
    assert ws.competitions.budget(rnd)["left"].iloc[0] == 1000


# ---- who sees what ---------------------------------------------------------------------------------------
def test_a_judge_sees_and_scores_only_the_assigned_applications(ws):
    rnd = add_round(ws)
    companies(ws, 3)
    doc_rubric(ws, rnd)
    for app, company in (("A1", "c1"), ("A2", "c2"), ("A3", "c3")):
        ws.competitions.add_application(rnd, app, company, cost_usd=3000, fields=FIELDS)
    for judge, apps in (("J1", ["A1", "A2"]), ("J2", ["A2", "A3"])):
        ws.competitions.add_judge(rnd, judge)
        ws.competitions.assign(rnd, judge, apps)
    ws.competitions.score(rnd, "J2", "A2", {"market": 10, "team": 5})
    ws.competitions.score(rnd, "J1", "A2", {"market": 2})

    mine = ws.competitions.applications(rnd, judge="J1")
    assert mine["application"].tolist() == ["A1", "A2"]
    assert not {"judges_used", "judges_assigned", "rank", "award"} & set(mine.columns)
    assert mine["project"].tolist() == ["Trade show booth"] * 2
    assert mine.set_index("application").at["A2", "criteria_scored"] == 1
    assert math.isnan(mine.set_index("application").at["A2", "score"])  # J2's 100 is not shown to J1
    one = ws.competitions.application(rnd, "A2", judge="J1")
    assert one["points"] == {"market": 2.0} and one["fields"] == FIELDS and "judges" not in one
    before = counts(ws)
    with pytest.raises(ExportPlanError, match="not assigned to you"):
        ws.competitions.application(rnd, "A3", judge="J1")
    with pytest.raises(ExportPlanError, match="not assigned to you"):
        ws.competitions.score(rnd, "J1", "A3", {"market": 5, "team": 5})
    with pytest.raises(ExportPlanError, match="not a judge"):
        ws.competitions.applications(rnd, judge="J9")
    assert counts(ws) == before
    staff = ws.competitions.applications(rnd)
    assert staff["application"].tolist() == ["A1", "A2", "A3"]
    assert staff.set_index("application").at["A2", "judges_used"] == 1  # J1 has not scored 'team'
    assert ws.competitions.results(rnd).missing[["judge", "application", "missing"]].values.tolist() == [
        ["J1", "A1", "market, team"], ["J1", "A2", "team"], ["J2", "A3", "market, team"]]


# ---- bad input --------------------------------------------------------------------------------------------
def test_bad_input_is_refused_with_nothing_written(ws):
    rnd = add_round(ws)
    companies(ws, 1)
    doc_rubric(ws, rnd)
    ws.competitions.add_judge(rnd, "J1")
    ws.competitions.add_application(rnd, "A1", "c1", cost_usd=3000, fields=FIELDS)
    ws.competitions.assign(rnd, "J1", ["A1"])
    before = counts(ws)
    bad_scores = [({"pitch": 5}, "'pitch' is not a criterion"), ({"market": 11}, "from 0 to 10"),
                  ({"market": -1}, "from 0 to 10"), ({"team": "lots"}, "from 0 to 5"),
                  ({"market": 5, "team": 6}, "team: 6 must be a number from 0 to 5")]
    for points, message in bad_scores:
        with pytest.raises(ExportPlanError, match=message):
            ws.competitions.score(rnd, "J1", "A1", points)
    with pytest.raises(ExportPlanError, match="no company with company_id 'nobody'"):
        ws.competitions.add_application(rnd, "A2", "nobody", cost_usd=10, fields=FIELDS)
    with pytest.raises(ExportPlanError) as missing:
        ws.competitions.add_application(rnd, "A2", "c1", cost_usd=None, fields={"project": "Booth", "extra": "x"})
    for part in ("missing field(s): market (The target market)", "unknown field(s): extra", "cost_usd is missing"):
        assert part in str(missing.value)
    for args, message in ((("A1", "c1"), "already has an application 'A1'"), (("A 2", "c1"), "letters, digits")):
        with pytest.raises(ExportPlanError, match=message):
            ws.competitions.add_application(rnd, *args, cost_usd=10, fields=FIELDS)
    with pytest.raises(ExportPlanError, match="not a date"):
        ws.competitions.add_application(rnd, "A3", "c1", cost_usd=10, fields=FIELDS, submitted_at="soon")
    with pytest.raises(ExportPlanError, match="weight"):
        ws.competitions.set_rubric(rnd, [{"key": "market", "weight": 0, "max_points": 10}])
    with pytest.raises(ExportPlanError, match="no application 'A9'"):
        ws.competitions.assign(rnd, "J1", ["A9"])
    with pytest.raises(ExportPlanError, match="needs its reason"):
        ws.competitions.declare_conflict(rnd, "J1", "A1", " ")
    with pytest.raises(ExportPlanError, match="already a judge"):
        ws.competitions.add_judge(rnd, "J1")
    assert counts(ws) == before
    ws.competitions.score(rnd, "J1", "A1", {"market": 5})
    with pytest.raises(ExportPlanError, match="already has scores"):
        doc_rubric(ws, rnd)


def test_a_round_must_be_a_stored_competition(ws):
    add_round(ws, "cohort-1", kind="cohort", budget=None, rules={})
    with pytest.raises(ExportPlanError, match="is a cohort, not a competition round"):
        ws.competitions.rubric("cohort-1")
    with pytest.raises(ExportPlanError, match="No competition round 'nope'"):
        ws.competitions.applications("nope")
    rnd = add_round(ws, budget=None, rules={"fields": {}})
    companies(ws, 1)
    ws.competitions.set_rubric(rnd, [{"key": "pitch", "weight": 1, "max_points": 10}])
    ws.competitions.add_application(rnd, "A1", "c1", cost_usd=10, fields={})
    with pytest.raises(ExportPlanError, match="no award budget"):
        ws.competitions.decide_awards(rnd)
    budget = ws.competitions.budget(rnd).iloc[0]
    assert math.isnan(budget["budget"]) and budget["awarded"] == 0 and "no award budget" in budget["reason"]


def test_a_withdrawn_application_is_not_ranked_and_loses_its_award(ws):
    rnd = scored_round(ws)
    ws.competitions.decide_awards(rnd)
    ws.competitions.withdraw_application(rnd, "A")
    assert "A" not in ws.competitions.results(rnd).ranking["application"].tolist()
    assert ws.competitions.awards(rnd)["application"].tolist() == ["C", "D"]
    assert ws.competitions.applications(rnd).set_index("application").at["A", "status"] == "withdrawn"
    with pytest.raises(ExportPlanError, match="withdrawn"):
        ws.competitions.score(rnd, "J1", "A", {"pitch": 3})
    decided = ws.competitions.decide_awards(rnd, force=True)
    assert decided.loc[decided["award"] > 0, "application"].tolist() == ["B", "C", "D"]
