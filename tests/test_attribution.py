"""Attribution: program reports from outcomes attributed to the organization's programs, against figures
worked out by hand."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from exportplan.analysis.attribution import REPORT_COLUMNS, TOTAL_KEY, program_report
from exportplan.errors import ExportPlanError, ImportFailed

PROGRAMS = pd.DataFrame([
    {"key": "C1", "name": "ExporTech 2026", "kind": "cohort", "cost_usd": 30000, "grants_usd": ""},
    {"key": "P1", "name": "Pitch competition 2026", "kind": "competition", "cost_usd": 10000, "grants_usd": 20000},
    {"key": "M1", "name": "Mexico mission", "kind": "mission", "cost_usd": "15,000", "grants_usd": 5000},
    {"key": "R1", "name": "Referrals to STEP", "kind": "referral program", "cost_usd": 2000, "grants_usd": 0},
])
# a and b are served by two programs each; a's plan is counted in C1 and in P1.
PARTICIPATION = pd.DataFrame([
    {"program": "C1", "company_id": "a", "plan_written": "yes"},
    {"program": "C1", "company_id": "b", "plan_written": True},
    {"program": "C1", "company_id": "c", "plan_written": "no"},
    {"program": "P1", "company_id": "a", "plan_written": "yes"},
    {"program": "P1", "company_id": "d", "plan_written": ""},
    {"program": "M1", "company_id": "b", "plan_written": None},
    {"program": "M1", "company_id": "e", "plan_written": ""},
])
OUTCOMES = pd.DataFrame([
    {"outcome_id": "o1", "company_id": "a", "date": "2026-03-01", "kind": "first export", "iso3": "MEX",
     "export_sales_usd": 50000},
    {"outcome_id": "o2", "company_id": "a", "date": "2026-06-01", "kind": "new market", "iso3": "CAN",
     "export_sales_usd": 20000},
    {"outcome_id": "o3", "company_id": "b", "date": "2026-05-01", "kind": "export sales", "iso3": "MEX",
     "export_sales_usd": 100000},
    {"outcome_id": "o4", "company_id": "d", "date": "2026-04-01", "kind": "first export", "iso3": "DEU",
     "export_sales_usd": 10000},
    {"outcome_id": "o5", "company_id": "e", "date": "2025-12-01", "kind": "new market", "iso3": "MEX",
     "export_sales_usd": 40000},  # before the period
    {"outcome_id": "o6", "company_id": "c", "date": "2026-02-01", "kind": "first export", "iso3": "MEX",
     "export_sales_usd": 5000},  # attributed to no program
    {"outcome_id": "o7", "company_id": "e", "date": "2026-07-01", "kind": "New market", "iso3": "BRA",
     "export_sales_usd": None},
    {"outcome_id": "o8", "company_id": "b", "date": "2026-08-01", "kind": "export sales", "iso3": "CAN",
     "export_sales_usd": 30000},
])
# o1 is attributed to two programs in one cell, o3 to two programs in two rows.
ATTRIBUTIONS = pd.DataFrame([
    {"outcome_id": "o1", "program": "C1;P1"},
    {"outcome_id": "o2", "program": "P1"},
    {"outcome_id": "o3", "program": "C1"},
    {"outcome_id": "o3", "program": "M1"},
    {"outcome_id": "o4", "program": "P1"},
    {"outcome_id": "o5", "program": "M1"},
    {"outcome_id": "o7", "program": "M1"},
    {"outcome_id": "o8", "program": "C1"},
    {"outcome_id": "o8", "program": "C1"},  # repeated: counts once
])


def report(**kw) -> pd.DataFrame:
    kw.setdefault("start", "2026-01-01")
    kw.setdefault("end", "2026-12-31")
    return program_report(PROGRAMS, PARTICIPATION, OUTCOMES, ATTRIBUTIONS, **kw).set_index("key")


def test_each_programs_figures_match_the_hand_worked_values():
    out = report()
    assert list(out.reset_index().columns) == list(REPORT_COLUMNS)
    assert list(out.index) == ["C1", "P1", "M1", "R1", TOTAL_KEY]
    # C1: o1, o3, o8; first export by a; sales 50,000 + 100,000 + 30,000; 30,000 / 3 outcomes.
    c1 = out.loc["C1"]
    assert (c1["companies_served"], c1["plans_written"], c1["outcomes"], c1["first_exports"], c1["new_markets"]) \
        == (3, 2, 3, 1, 0)
    assert c1["export_sales_usd"] == 180000
    assert math.isnan(c1["sales_per_grant_dollar"])  # no grants
    assert c1["cost_per_outcome"] == 10000
    # P1: o1, o2, o4; first exports by a and d; one new market; 80,000 / 20,000 grant dollars; 10,000 / 3.
    p1 = out.loc["P1"]
    assert (p1["companies_served"], p1["plans_written"], p1["outcomes"], p1["first_exports"], p1["new_markets"]) \
        == (2, 1, 3, 2, 1)
    assert p1["export_sales_usd"] == 80000
    assert p1["sales_per_grant_dollar"] == 4.0
    assert p1["cost_per_outcome"] == pytest.approx(10000 / 3)
    # M1: o3 and o7 (o5 is before the period); o7's blank sales are 0; 100,000 / 5,000; 15,000 / 2.
    m1 = out.loc["M1"]
    assert (m1["companies_served"], m1["plans_written"], m1["outcomes"], m1["first_exports"], m1["new_markets"]) \
        == (2, 0, 2, 0, 1)
    assert m1["export_sales_usd"] == 100000
    assert m1["sales_per_grant_dollar"] == 20.0
    assert m1["cost_per_outcome"] == 7500
    # R1: nothing served, no outcome: both ratios blank (grants 0, outcomes 0).
    r1 = out.loc["R1"]
    assert (r1["companies_served"], r1["outcomes"], r1["export_sales_usd"]) == (0, 0, 0)
    assert math.isnan(r1["sales_per_grant_dollar"]) and math.isnan(r1["cost_per_outcome"])


def test_the_totals_count_each_company_and_outcome_once():
    out = report()
    total = out.loc[TOTAL_KEY]
    rows = out.drop(index=TOTAL_KEY)
    # Companies a..e once (the rows add up to 7); plans by a and b once (the rows add up to 3).
    assert (total["companies_served"], rows["companies_served"].sum()) == (5, 7)
    assert (total["plans_written"], rows["plans_written"].sum()) == (2, 3)
    # Outcomes o1, o2, o3, o4, o7, o8 once (the rows add up to 8).
    assert (total["outcomes"], rows["outcomes"].sum()) == (6, 8)
    assert (total["first_exports"], total["new_markets"]) == (2, 2)
    # 50,000 + 20,000 + 100,000 + 10,000 + 0 + 30,000, each outcome once (the rows add up to 360,000).
    assert (total["export_sales_usd"], rows["export_sales_usd"].sum()) == (210000, 360000)
    assert (total["cost_usd"], total["grants_usd"]) == (57000, 25000)
    # Grant dollars: the sales of outcomes of programs with grants (P1, M1: o1, o2, o3, o4, o7) = 180,000;
    # o8 (only C1, no grants) is not credited to the grants.
    assert total["sales_per_grant_dollar"] == pytest.approx(180000 / 25000)
    # Cost per outcome: the summed costs over the distinct outcomes of programs with a cost.
    assert total["cost_per_outcome"] == pytest.approx(57000 / 6)


def test_the_period_decides_which_outcomes_count():
    everything = report(start=None, end=None)
    assert everything.loc["M1", "outcomes"] == 3  # o5 of December 2025 is in
    assert everything.loc["M1", "export_sales_usd"] == 140000
    first_half = report(end="2026-06-30")
    assert first_half.loc["C1", "outcomes"] == 2  # o8 (August) is out
    assert first_half.loc[TOTAL_KEY, "outcomes"] == 4  # o1, o2, o3, o4
    assert first_half.loc["C1", "companies_served"] == 3  # the roster is not filtered by the period


def test_notes_say_what_counts_and_what_was_left_out():
    notes = program_report(PROGRAMS, PARTICIPATION, OUTCOMES, ATTRIBUTIONS, "2026-01-01", "2026-12-31").attrs["notes"]
    assert "not the sum of the rows" in notes[0]
    assert any("1 outcome(s) in the period are attributed to no program" in n for n in notes)


def test_no_outcomes_give_zeros_and_blank_ratios():
    out = program_report(PROGRAMS, PARTICIPATION, None, None).set_index("key")
    assert out["outcomes"].sum() == 0 and out.loc[TOTAL_KEY, "companies_served"] == 5
    assert out["cost_per_outcome"].isna().all()
    # With grants and no sales the measure is 0 (a result); without grants it is blank.
    assert out["sales_per_grant_dollar"].fillna(-1).to_dict() == {"C1": -1, "P1": 0, "M1": 0, "R1": -1,
                                                                  TOTAL_KEY: 0}
    assert TOTAL_KEY not in program_report(PROGRAMS, None, None, None, totals=False)["key"].tolist()


@pytest.mark.parametrize("frame, change, column", [
    ("programs", {"kind": "webinar"}, "kind"),
    ("programs", {"cost_usd": "lots"}, "cost_usd"),
    ("participation", {"program": "Z9"}, "program"),
    ("participation", {"plan_written": "maybe"}, "plan_written"),
    ("outcomes", {"kind": "award"}, "kind"),
    ("outcomes", {"export_sales_usd": -5}, "export_sales_usd"),
    ("attributions", {"program": "Z9"}, "program"),
    ("attributions", {"outcome_id": "o99"}, "outcome_id"),
])
def test_bad_rows_are_named_with_their_line_and_fix(frame, change, column):
    frames = {"programs": PROGRAMS, "participation": PARTICIPATION, "outcomes": OUTCOMES,
              "attributions": ATTRIBUTIONS}
    changed = frames[frame].copy()
    for key, value in change.items():
        changed[key] = changed[key].astype(object)
        changed.loc[0, key] = value
    frames[frame] = changed
    with pytest.raises(ImportFailed) as caught:
        program_report(**frames)
    records = caught.value.table.to_records()
    assert [(r["file"], r["row"], r["column"]) for r in records] == [(frame, 2, column)]
    assert records[0]["fix"]


def test_missing_columns_and_bad_periods_are_refused():
    with pytest.raises(ExportPlanError, match="lacks column"):
        program_report(PROGRAMS.drop(columns="kind"), None, None, None)
    with pytest.raises(ExportPlanError, match="YYYY-MM-DD"):
        program_report(PROGRAMS, None, None, None, start="1 Jan")
    with pytest.raises(ExportPlanError, match="before it starts"):
        program_report(PROGRAMS, None, None, None, start="2026-12-31", end="2026-01-01")


def test_a_repeated_program_key_is_refused():
    twice = pd.concat([PROGRAMS, PROGRAMS.iloc[[3]]], ignore_index=True)
    with pytest.raises(ImportFailed, match="repeats the key of line 5") as caught:
        program_report(twice, PARTICIPATION, OUTCOMES, ATTRIBUTIONS)
    assert [(r["row"], r["column"]) for r in caught.value.table.to_records()] == [(6, "key")]
