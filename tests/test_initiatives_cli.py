"""The organization's own programs on the command line (``exportplan initiatives ...``, issue 12) and the
sample workspace's own programs: one cohort with company plans, one competition round with judges and
awards within its budget, one mission, and outcomes attributed to them.

The sample is built once for the module; the figure tests read it as built, the command tests work on
a copy of it (so what they add never changes the figures).
"""
from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from exportplan.cli.main import cli
from exportplan.demo.builder import build_demo
from exportplan.demo.sample_initiatives import (APPLICATIONS, AWARD_BUDGET, COHORT, COMPETITION, CONFLICT, JUDGES,
                                                MISSION, MISSION_MARKET, choose_companies)
from exportplan.demo.sample_programs import MISSION_MARKETS
from exportplan.workspace import Workspace


def run(folder, *args, code=0, input=None) -> str:
    result = CliRunner().invoke(cli, ["-w", str(folder), *map(str, args)], input=input)
    assert result.exit_code == code, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("initiatives_cli") / "sample"
    build_demo(folder).close()
    return folder


@pytest.fixture(scope="module")
def work(sample, tmp_path_factory):
    """A copy of the sample that the command tests change."""
    folder = tmp_path_factory.mktemp("initiatives_cli_work") / "ws"
    shutil.copytree(sample, folder)
    return folder


@pytest.fixture(scope="module")
def ws(sample):
    workspace = Workspace.open(sample)
    yield workspace
    workspace.close()


def companies(ws, n: int, *, skip=()) -> list[str]:
    """``n`` sample companies in none of the sample's runs (by key)."""
    chosen = choose_companies(ws)
    taken = set(skip) | {c for group in chosen.values() for c in group}
    keys = sorted(k for k in ws.pipeline.companies()["company_id"] if k not in taken)
    return keys[:n]


# ================================================================== the sample's own programs

def test_the_sample_has_one_cohort_one_competition_and_one_mission(ws):
    runs = ws.initiatives.list()
    assert sorted(runs["kind"]) == ["cohort", "competition", "mission"]
    assert set(runs["key"]) == {COHORT, COMPETITION, MISSION}
    assert runs["name"].str.contains("SAMPLE").all()


def test_the_sample_cohort_has_sessions_attendance_and_company_plans(ws):
    members = ws.initiatives.members(COHORT)
    assert len(members) == 5
    assert sorted(members["status"]) == ["completed"] * 4 + ["withdrawn"]
    assert set(members["coach"]) == {"Sample Staff 2", "Sample Staff 3"}
    assert sorted(members["plan_status"]) == ["draft"] + ["written"] * 4
    dropout = members.loc[members["status"] == "withdrawn"].iloc[0]
    assert (dropout["plan_status"], dropout["sessions_attended"], dropout["sessions_held"]) == ("draft", 1, 3)
    sessions = ws.initiatives.sessions(COHORT)
    assert list(sessions["present"]) == [5, 4, 4] and list(sessions["absent"]) == [0, 1, 1]
    first = members["company"].iloc[0]
    plan = ws.company_plans.get(first)
    assert (plan["status"], plan["initiative"]) == ("written", COHORT)
    items = ws.company_plans.items(first)
    assert set(items["kind"]) == {"action", "metric"}
    actions = items[items["kind"] == "action"]
    assert (actions["owner"] != "").all() and (actions["due_date"] != "").all() and actions["budget_usd"].notna().all()
    text = ws.company_plans.text(first, "summary")
    assert "SAMPLE" in (text.text if hasattr(text, "text") else text[0])


def test_the_sample_competition_has_judges_a_conflict_and_awards_within_its_budget(ws):
    assert len(ws.competitions.judges(COMPETITION)) == len(JUDGES) == 3
    assert len(ws.competitions.rubric(COMPETITION)) == 4
    apps = ws.competitions.applications(COMPETITION)
    assert len(apps) == len(APPLICATIONS) == 6
    conflicts = ws.competitions.results(COMPETITION)["conflicts"]
    judge, application = CONFLICT[0], CONFLICT[1]
    assert list(zip(conflicts["judge"], conflicts["application"])) == [(judge, application)]
    # By hand: mean weighted scores A02 83 (judge 3's 100 excluded), A01 76, A03 68, A06 61, A05 56, A04 44.
    ranking = ws.competitions.results(COMPETITION)["ranking"]
    assert list(ranking["application"]) == ["A02", "A01", "A03", "A06", "A05", "A04"]
    assert list(ranking["score"].round(6)) == [83, 76, 68, 61, 56, 44]
    # Cost share 100% of the first $2,500, 50% to $7,500, cap $5,000: A02 $8,000 -> 5,000; A01 $10,000 -> 5,000;
    # A03 $6,000 -> 2,500 + 1,750 = 4,250; then $750 is left, short of A06's $2,000: the budget runs out.
    awards = ws.competitions.awards(COMPETITION)
    assert dict(zip(awards["application"], awards["award"])) == {"A02": 5000.0, "A01": 5000.0, "A03": 4250.0}
    budget = ws.competitions.budget(COMPETITION).iloc[0]
    assert (budget["budget"], budget["awarded"], budget["left"]) == (AWARD_BUDGET, 14_250.0, 750.0)
    assert budget["awarded"] <= budget["budget"]
    claims = ws.competitions.claims(COMPETITION)
    assert (claims["reimbursed"] <= claims["award"]).all() and len(claims) == 3


def test_the_sample_mission_goes_where_and_when_no_state_mission_does(ws):
    mission = ws.initiatives.get(MISSION)
    assert mission["iso3"] == MISSION_MARKET and MISSION_MARKET not in MISSION_MARKETS
    found = ws.initiatives.check_mission(mission["iso3"], mission["sector"], start_date=mission["start_date"],
                                         end_date=mission["end_date"])
    assert not (found["finding"] == "duplicate mission").any() if len(found) else True
    assert len(ws.initiatives.members(MISSION)) == 4
    meetings = ws.initiatives.meetings(MISSION)
    assert len(meetings) == 8
    assert meetings["date"].between(mission["start_date"], mission["end_date"]).all()


def test_the_sample_report_matches_figures_worked_by_hand(ws):
    report = ws.initiatives.report().set_index("key")
    cohort, pitch, mission, total = (report.loc[k] for k in (COHORT, COMPETITION, MISSION, "total"))
    # Cohort: two first exports, $42,000 and $125,000 (the second also attributed to the competition).
    assert (cohort["companies_served"], cohort["plans_written"], cohort["outcomes"]) == (4, 4, 2)
    assert (cohort["first_exports"], cohort["new_markets"], cohort["export_sales_usd"]) == (2, 0, 167_000)
    assert cohort["sales_per_grant_dollar"] == pytest.approx(167_000 / 12_000)
    assert cohort["cost_per_outcome"] == pytest.approx(36_000 / 2)
    # Competition: six applicants; the shared $125,000 and $60,000 of an awarded applicant outside the cohort.
    assert (pitch["companies_served"], pitch["outcomes"], pitch["first_exports"]) == (6, 2, 1)
    assert pitch["export_sales_usd"] == 185_000
    assert pitch["sales_per_grant_dollar"] == pytest.approx(185_000 / 15_000)
    assert pitch["cost_per_outcome"] == pytest.approx(20_000 / 2)
    # Mission: two new markets in India, $85,000 and $30,000.
    assert (mission["companies_served"], mission["outcomes"], mission["new_markets"]) == (4, 2, 2)
    assert mission["export_sales_usd"] == 115_000
    # Totals count the shared outcome once: 42,000 + 125,000 + 60,000 + 85,000 + 30,000 = 342,000 (the
    # referral's new market has no sales) over six outcomes, not 167,000 + 185,000 + 115,000 = 467,000.
    assert (total["outcomes"], total["first_exports"], total["new_markets"]) == (6, 2, 3)
    assert total["export_sales_usd"] == 342_000
    assert total["plans_written"] == 4
    # Grants 12,000 + 15,000 + 9,000; costs 36,000 + 20,000 + 18,000 over the five outcomes of costed runs.
    assert total["sales_per_grant_dollar"] == pytest.approx(342_000 / 36_000)
    assert total["cost_per_outcome"] == pytest.approx(74_000 / 5)
    referrals = report[report["kind"] == "referral program"]
    assert len(referrals) == 1 and referrals["outcomes"].iloc[0] == 1
    found = ws.initiatives.outcomes()
    shared = found[found["attributed_to"].str.contains(";")]
    assert len(shared) == 1 and set(shared["attributed_to"].iloc[0].split(";")) == {COHORT, COMPETITION}


def test_the_sample_companies_follow_their_outcomes(ws):
    outcomes = ws.initiatives.outcomes()
    ours = outcomes[outcomes["attributed_to"] != ""]
    for row in ours.itertuples():
        record = ws.pipeline.company(row.company)
        if row.kind in ("first export", "new market"):
            assert row.iso3 in record["current_markets"].split(";"), row
        if row.kind == "first export":
            assert record["stage"] == "new-to-export"
            assert any(h["date"] == row.date and h["to_stage"] == "new-to-export" for h in record["stage_history"])


def test_the_sample_is_the_same_on_every_build(ws, tmp_path):
    again = build_demo(tmp_path / "again")
    try:
        columns = ["key", "kind", "status", "start_date", "end_date", "iso3", "companies", "cost_usd"]
        pd.testing.assert_frame_equal(again.initiatives.list()[columns], ws.initiatives.list()[columns])
        pd.testing.assert_frame_equal(again.initiatives.report(end="2026-09-30"), ws.initiatives.report(end="2026-09-30"))
        pd.testing.assert_frame_equal(again.competitions.awards(COMPETITION), ws.competitions.awards(COMPETITION))
    finally:
        again.close()


# ================================================================== commands: runs, report, outcomes

def test_list_show_and_report(work, tmp_path):
    out = run(work, "initiatives", "list")
    assert "3 program run(s)" in out and COHORT in out and MISSION in out
    assert COHORT in run(work, "initiatives", "list", "--kind", "cohort")
    assert MISSION not in run(work, "initiatives", "list", "--kind", "cohort")
    shown = run(work, "initiatives", "show", COHORT)
    assert "kind: cohort" in shown and "3 session(s)" in shown and "written" in shown
    pitch = run(work, "initiatives", "show", COMPETITION)
    assert "rubric (4)" in pitch and "judges (3)" in pitch and "$750 left" in pitch
    report = run(work, "initiatives", "report", "--output", tmp_path / "report.csv")
    assert "Program report" in report and "167,000" in report and "All programs" in report
    written = pd.read_csv(tmp_path / "report.csv")
    assert set(written["key"]) >= {COHORT, COMPETITION, MISSION, "total"}
    out = run(work, "initiatives", "report", "--start", "2026-09-01", "--end", "2026-09-30")
    assert "2026-09-01" in out
    assert "ends" in run(work, "initiatives", "report", "--start", "2026-09-30", "--end", "2026-01-01", code=2)


def test_unknown_run_and_bad_input_are_explained(work):
    assert "Error:" in run(work, "initiatives", "show", "no-such-run", code=2)
    out = run(work, "initiatives", "add", "x-1", "--kind", "cohort", "--name", "X", "--tier", "2500:1", code=2)
    assert "--kind competition" in out
    out = run(work, "initiatives", "add", "x-2", "--kind", "competition", "--name", "X", "--tier", "lots", code=2)
    assert "UP_TO:RATE" in out
    out = run(work, "initiatives", "update", COHORT, "--set", "colour=blue", code=2)
    assert "colour" in out and "status" in out
    assert "NAME=VALUE" in run(work, "initiatives", "update", COHORT, "--set", "nonsense", code=2)
    assert "Error:" in run(work, "initiatives", "add", "bad key!", "--kind", "event", "--name", "X", code=2)
    out = run(work, "initiatives", "add", COHORT, "--kind", "event", "--name", "Again", code=2)
    assert "already" in out


def test_update_and_remove_a_run(work):
    run(work, "initiatives", "add", "sample-seminar", "--kind", "event", "--name", "Export seminar",
        "--start", "2026-10-20", "--partner", "Sample partner A", "--partner", "Sample partner B")
    out = run(work, "initiatives", "update", "sample-seminar", "--set", "status=closed", "--set", "cost_usd=1200",
              "--set", "partners=One;Two")
    assert "version 2" in out
    shown = run(work, "initiatives", "show", "sample-seminar")
    assert "status: closed" in shown and "partners: One; Two" in shown
    assert "Nothing deleted" in run(work, "initiatives", "remove", "sample-seminar", input="n\n")
    assert "Deleted sample-seminar" in run(work, "initiatives", "remove", "sample-seminar", "--yes")
    assert "Error:" in run(work, "initiatives", "show", "sample-seminar", code=2)


def test_an_outcome_recorded_with_its_attribution_and_attributed_later(work):
    with Workspace.open(work) as ws_:
        firm, other = companies(ws_, 2)
    run(work, "initiatives", "add", "sample-buyer-day", "--kind", "event", "--name", "Buyer day", "--start",
        "2026-10-05", "--end", "2026-10-05")
    run(work, "initiatives", "enroll", "sample-buyer-day", firm)
    out = run(work, "companies", "outcome", firm, "--kind", "new market", "--date", "2026-10-20", "--country", "MEX",
              "--sales", "15000", "--attribute", "sample-buyer-day")
    number = int(re.search(r"Recorded outcome #(\d+)", out).group(1))
    assert f"Outcome #{number} attributed to sample-buyer-day" in out
    shown = run(work, "initiatives", "show", "sample-buyer-day")
    assert "kind: event" in shown and "1 company" in shown and "0 session(s)" in shown and "0 meeting(s)" in shown
    listed = run(work, "initiatives", "outcomes", "--company", firm)
    assert "sample-buyer-day" in listed and "15,000" in listed
    # A run that does not exist is refused before anything is written.
    before = run(work, "initiatives", "outcomes", "--company", other)
    out = run(work, "companies", "outcome", other, "--kind", "new market", "--date", "2026-10-20", "--attribute",
              "no-such-run", code=2)
    assert "no-such-run" in out and run(work, "initiatives", "outcomes", "--company", other) == before
    # A company that took no part in the run: refused, then --force.
    out = run(work, "companies", "outcome", other, "--kind", "export sales", "--date", "2026-10-21", "--sales", "900")
    second = int(re.search(r"#(\d+)", out).group(1))
    refused = run(work, "initiatives", "attribute", second, "sample-buyer-day", code=2)
    assert "Error:" in refused
    assert "attributed" in run(work, "initiatives", "attribute", second, "sample-buyer-day", "--force")
    assert "no longer" in run(work, "initiatives", "attribute", second, "sample-buyer-day", "--remove")
    assert "Error:" in run(work, "initiatives", "attribute", "abc", "sample-buyer-day", code=2)


# ================================================================== cohorts

def test_a_cohort_from_enrolment_to_follow_up(work):
    with Workspace.open(work) as ws_:
        firms = companies(ws_, 3)
    run(work, "initiatives", "add", "sample-cohort-b", "--kind", "cohort", "--name", "Cohort B", "--start",
        "2026-10-06", "--end", "2026-11-17", "--cost", "9000", "--grants", "3000", "--grant-source", "STEP")
    out = run(work, "initiatives", "enroll", "sample-cohort-b", *firms, "--coach", "Sample Staff 4",
              "--date", "2026-10-01")
    assert "Enrolled 3 companies" in out
    assert "already" in run(work, "initiatives", "enroll", "sample-cohort-b", firms[0], code=2)
    out = run(work, "initiatives", "cohort", "session", "sample-cohort-b", "--date", "2026-10-06", "--title", "Intro")
    session = int(re.search(r"session #(\d+)", out).group(1))
    out = run(work, "initiatives", "cohort", "attend", "sample-cohort-b", session, "--present", firms[0],
              "--present", firms[1], "--absent", firms[2])
    assert "2 present, 1 absent" in out
    with Workspace.open(work) as ws_:
        outsider = companies(ws_, 4)[3]
    refused = run(work, "initiatives", "cohort", "attend", "sample-cohort-b", session, "--present", outsider, code=2)
    assert outsider in refused and "initiatives enroll" in refused  # the command it names exists
    assert "Usage:" in run(work, "initiatives", "enroll", "--help")
    assert "--present" in run(work, "initiatives", "cohort", "attend", "sample-cohort-b", session, code=2)
    assert "Error:" in run(work, "initiatives", "cohort", "attend", "sample-cohort-b", 99999, "--present", firms[0],
                           code=2)
    run(work, "initiatives", "member", "sample-cohort-b", firms[2], "--status", "withdrawn")
    assert "--status" in run(work, "initiatives", "member", "sample-cohort-b", firms[2], code=2)
    members = run(work, "initiatives", "members", "sample-cohort-b")
    assert "3 companies in sample-cohort-b" in members and "withdrawn" in members and "Sample Staff 4" in members
    sessions = run(work, "initiatives", "sessions", "sample-cohort-b")
    assert "Intro" in sessions
    follow = run(work, "initiatives", "cohort", "follow-up", "sample-cohort-b")
    assert "not yet due" in follow and firms[0] in follow and firms[2] not in follow
    plans = run(work, "initiatives", "cohort", "plans", COHORT)
    assert "4 of 5 export plan(s) written" in plans


# ================================================================== missions

def test_a_duplicate_mission_is_refused_naming_the_state_mission_and_added_with_force(work):
    # The sample state's first mission: Automotive to Mexico, 2027-03-08 to 2027-03-12.
    check = run(work, "initiatives", "mission", "check", "--country", "MEX", "--sector", "Automotive", "--start",
                "2027-02-15", "--end", "2027-02-19")
    assert "duplicate mission" in check and "Monterrey" in check
    args = ("initiatives", "add", "sample-mex-auto", "--kind", "mission", "--name", "Automotive to Mexico",
            "--country", "Mexico", "--sector", "Automotive", "--start", "2027-02-15", "--end", "2027-02-19")
    refused = run(work, *args, code=2)
    assert "Monterrey" in refused and "--force" in refused
    assert "sample-mex-auto" not in run(work, "initiatives", "list")
    added = run(work, *args, "--force")
    assert "Added mission sample-mex-auto" in added and "duplicates" in added
    assert "sample-mex-auto" in run(work, "initiatives", "list", "--kind", "mission")
    # Another country in the same window is no duplicate.
    other = run(work, "initiatives", "mission", "check", "--country", "BRA", "--sector", "Automotive", "--start",
                "2027-02-15", "--end", "2027-02-19")
    assert "no duplicate" in other.lower()
    assert "Error:" in run(work, "initiatives", "mission", "check", "--country", "Atlantis", "--start", "2027-01-01",
                           code=2)


def test_mission_participants_and_meetings(work):
    with Workspace.open(work) as ws_:
        firm = companies(ws_, 1)[0]
    run(work, "initiatives", "add", "sample-bra-2026", "--kind", "mission", "--name", "Mission to Brazil", "--country",
        "BRA", "--start", "2026-10-12", "--end", "2026-10-16")
    assert "Enrolled 1 company" in run(work, "initiatives", "enroll", "sample-bra-2026", firm)
    out = run(work, "initiatives", "mission", "meeting", "sample-bra-2026", firm, "--counterpart", "Sao Paulo buyer",
              "--date", "2026-10-13", "--result", "quote sent")
    assert "Recorded meeting #" in out
    meetings = run(work, "initiatives", "mission", "meetings", "sample-bra-2026")
    assert "Sao Paulo buyer" in meetings and "BRA" in meetings
    assert "Error:" in run(work, "initiatives", "mission", "meeting", "sample-bra-2026", "NO-SUCH", "--counterpart",
                           "x", code=2)
    assert "Missing option '--counterpart'" in run(work, "initiatives", "mission", "meeting", "sample-bra-2026", firm,
                                                   code=2)


# ================================================================== competitions

def test_a_competition_round_from_rubric_to_claims(work, tmp_path):
    with Workspace.open(work) as ws_:
        a, b, c = companies(ws_, 3)
    key = "sample-pitch-b"
    run(work, "initiatives", "add", key, "--kind", "competition", "--name", "Pitch B", "--budget", "6000",
        "--tier", "2500:1.0", "--tier", "7500:50%", "--cap", "5000", "--field", "project=What the grant pays for")
    rubric = tmp_path / "criteria.csv"
    rubric.write_text("key,label,weight,max_points\nmarket,Export market opportunity,60,10\n"
                      "plan,Quality of the plan,40,10\n", encoding="utf-8")
    out = run(work, "initiatives", "competition", "rubric", key, "--file", rubric)
    assert "2 criteria" in out and "60.0%" in out
    for judge in ("jan", "kim"):
        assert f"Added judge {judge}" in run(work, "initiatives", "competition", "judge", "add", key, judge,
                                             "--name", judge.title())
    assert "2 judge(s)" in run(work, "initiatives", "competition", "judge", "list", key)
    for app, firm, cost in (("B1", a, 8000), ("B2", b, 3000), ("B3", c, 4000)):
        run(work, "initiatives", "competition", "apply", key, app, firm, "--cost", cost, "--field", f"project=P {app}",
            "--submitted-at", "2026-10-01")
    missing = run(work, "initiatives", "competition", "apply", key, "B4", a, "--cost", 100, code=2)
    assert "project" in missing
    run(work, "initiatives", "competition", "assign", key, "jan", "B1", "B2")
    run(work, "initiatives", "competition", "assign", key, "kim", "B1", "B2", "B3")
    run(work, "initiatives", "competition", "conflict", key, "kim", "B2", "--reason", "family")
    # A judge sees only the applications assigned to them.
    jan = run(work, "initiatives", "competition", "applications", key, "--judge", "jan")
    assert "2 application(s) assigned to jan" in jan and "B1" in jan and "B3" not in jan
    assert "3 application(s)" in run(work, "initiatives", "competition", "applications", key)
    refused = run(work, "initiatives", "competition", "application", key, "B3", "--judge", "jan", code=2)
    assert "not assigned" in refused
    assert "P B1" in run(work, "initiatives", "competition", "application", key, "B1", "--judge", "jan")
    for app, judge, market, plan in (("B1", "jan", 9, 8), ("B1", "kim", 8, 8), ("B2", "jan", 7, 7),
                                     ("B3", "kim", 6, 5)):
        out = run(work, "initiatives", "competition", "score", key, app, "--judge", judge, "--points",
                  f"market={market}", "--points", f"plan={plan}")
        assert f"{judge}'s points on {app}" in out
    assert "Error:" in run(work, "initiatives", "competition", "score", key, "B3", "--judge", "jan", "--points",
                           "market=5", code=2)  # not assigned to jan
    assert "Error:" in run(work, "initiatives", "competition", "score", key, "B2", "--judge", "kim", "--points",
                           "market=5", code=2)  # conflicted
    assert "must be a number" in run(work, "initiatives", "competition", "score", key, "B1", "--judge", "jan",
                                     "--points", "market=lots", code=2)
    assert "Error:" in run(work, "initiatives", "competition", "score", key, "B1", "--judge", "jan", "--points",
                           "market=11", code=2)  # above max_points
    results = run(work, "initiatives", "competition", "results", key)
    assert results.index("B1") < results.index("B2") < results.index("B3")
    assert "Conflicts of interest" in results
    # Budget $6,000: B1 $8,000 -> 5,000; B2 $3,000 -> 2,750 does not fit the 1,000 left; B3 $4,000 -> 3,250 neither.
    awarded = run(work, "initiatives", "competition", "award", key)
    assert "5,000.00" in awarded and "1,000.00" in awarded and "skipped" in awarded
    assert "Error:" in run(work, "initiatives", "competition", "award", key, code=2)
    assert "Awards of" in run(work, "initiatives", "competition", "award", key, "--force")
    assert "Budget" in run(work, "initiatives", "competition", "awards", key)
    run(work, "initiatives", "competition", "receipt", key, "B1", "INV-1", "--date", "2026-10-20", "--amount", "3000",
        "--description", "Booth")
    assert "Error:" in run(work, "initiatives", "competition", "receipt", key, "B3", "INV-2", "--date", "2026-10-20",
                           "--amount", "100", code=2)  # no award
    claims = run(work, "initiatives", "competition", "claims", key)
    assert "2,750.00" in claims  # 100% of 2,500 + 50% of 500
    assert "INV-1" in run(work, "initiatives", "competition", "claims", key, "--lines")
    run(work, "initiatives", "competition", "withdraw", key, "B3")
    assert "withdrawn" in run(work, "initiatives", "competition", "applications", key)


def test_a_rubric_cannot_change_once_scored(work, tmp_path):
    rubric = tmp_path / "criteria.csv"
    rubric.write_text("key,label,weight,max_points\nmarket,Market,1,10\n", encoding="utf-8")
    out = run(work, "initiatives", "competition", "rubric", COMPETITION, "--file", rubric, code=2)
    assert "Error:" in out
    shown = run(work, "initiatives", "competition", "rubric", COMPETITION)
    assert "4 criteria" in shown


def test_competition_commands_refuse_a_run_of_another_kind(work):
    assert "Error:" in run(work, "initiatives", "competition", "results", COHORT, code=2)


def test_every_initiatives_command_has_an_example():
    group = cli.commands["initiatives"]

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, path + [name])
        else:
            yield " ".join(path), command

    missing = [name for name, command in walk(group, ["initiatives"]) if "Example" not in (command.help or "")]
    assert not missing, missing
