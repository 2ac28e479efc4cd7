"""The organization's own programs service (``ws.initiatives``; issue 12, docs/own-programs.md §3).

On SQLite and on PostgreSQL, with a workspace built by hand (the shipped catalogue, the sample's
program inventory with its state missions, a few companies) and a fixed clock (today is
2026-12-03):

- a mission duplicating a state mission of the sample inventory in the same window is refused,
  naming the existing mission, and nothing is written; a mission to another country is added;
  ``force`` adds the duplicate and the audit log says so;
- the program report for outcomes attributed to runs, one outcome to two programs, checked
  against figures worked out by hand (the example of docs/own-programs.md §2), plus a referral
  program and the default period;
- the follow-up windows at 6 and 12 months;
- members, sessions and attendance, meetings, optimistic locking, removal;
- bad input (unknown kind, bad date, unknown company, a company not a member, ...) gives a clear
  ExportPlanError and writes nothing.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from exportplan.analysis.attribution import TOTAL_KEY
from exportplan.demo.sample_programs import sample_inventory
from exportplan.errors import ConflictError, ExportPlanError
from exportplan.imports.programs import write_programs
from exportplan.workspace import Workspace
from exportplan.ws.initiatives import DuplicateMission

TODAY = "2026-12-03"
NOW = f"{TODAY}T12:00:00+00:00"
#: The sample inventory's state automotive mission (demo/sample_programs.py: the first of MISSION_MARKETS).
STATE_MISSION = {"event_id": "sample-mission-1", "iso3": "MEX", "sector": "Automotive",
                 "start": "2027-03-08", "end": "2027-03-12",
                 "name": "Sample State automotive mission to Monterrey (SAMPLE)"}
COMPANIES = {"a": ("Alpha Gears", "336350"), "b": ("Beta Sensors", "334513"), "c": ("Gamma Foods", "311421"),
             "d": ("Delta Devices", "339112"), "e": ("Epsilon Tools", "333515"), "z": ("Zeta Plastics", "326199")}


@pytest.fixture(params=["sqlite", "postgres"])
def ws(request, tmp_path):
    """A new workspace with the sample's program inventory and six companies, its clock fixed at TODAY."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    base = Workspace.init(tmp_path / "ws", name="Own programs test", counties=["39049"], database_url=url)
    fixed = base.for_request(user="staff1", clock=lambda: NOW)
    inventory = sample_inventory()
    assert STATE_MISSION["event_id"] in set(inventory["events"]["event_id"])
    fixed.programs.import_programs(write_programs(inventory, tmp_path / "sample_programs.xlsx"))
    for key, (name, naics) in COMPANIES.items():
        fixed.pipeline.add_company(company_id=key, name=name, naics=naics, county_fips="39049")
    yield fixed
    base.close()


def audit(ws, entity: str = "initiative") -> pd.DataFrame:
    log = ws.pipeline.changes()
    return log[log["entity"] == entity].reset_index(drop=True)


def snapshot(ws) -> dict:
    """What the service has stored, to show a refused call wrote nothing."""
    runs = ws.initiatives.list()
    shown = runs.astype(object).where(runs.notna(), None)  # NaN != NaN: compare blanks as None
    out = {"runs": shown.to_dict("records"), "audit": len(ws.pipeline.changes()),
           "attributions": len(ws.initiatives.attributions())}
    for key in runs["key"]:
        out[key] = (ws.initiatives.members(key).to_dict("records"), ws.initiatives.sessions(key).to_dict("records"),
                    ws.initiatives.meetings(key).to_dict("records"))
    return out


# ------------------------------------------------------------------ the mission check

def test_a_mission_duplicating_a_state_mission_is_refused_naming_it(ws):
    before = snapshot(ws)
    with pytest.raises(DuplicateMission) as caught:
        ws.initiatives.add("auto-mex-2027", "mission", "Regional automotive mission to Mexico", iso3="Mexico",
                           sector="Automotive", start_date="2027-03-15", end_date="2027-03-18")
    message = str(caught.value)
    # 2027-03-12 (the state mission's last day) to 2027-03-15 (the new one's first) is 3 days
    for part in (STATE_MISSION["name"], STATE_MISSION["event_id"], "Sample State trade missions (SAMPLE)",
                 "(state)", f"{STATE_MISSION['start']} to {STATE_MISSION['end']}", "3 day(s) apart", "--force"):
        assert part in message
    findings = caught.value.findings
    assert findings["finding"].tolist() == ["duplicate mission"]
    assert findings.iloc[0][["event_id", "iso3", "days_apart", "overlap_days"]].tolist() == [
        STATE_MISSION["event_id"], "MEX", 3, 0]
    assert snapshot(ws) == before  # nothing written, not even the audit log


def test_a_mission_sharing_days_says_how_many(ws):
    with pytest.raises(DuplicateMission, match=r"sharing 3 day\(s\)"):
        ws.initiatives.add("auto-mex", "mission", "Overlapping", iso3="MEX", sector="Automotive",
                           start_date="2027-03-10", end_date="2027-03-14")


def test_a_mission_to_another_country_is_added(ws):
    added = ws.initiatives.add("auto-jpn-2027", "mission", "Regional automotive mission to Japan", iso3="Japan",
                               sector="Automotive", start_date="2027-03-15", end_date="2027-03-18",
                               partners=["State trade office", "Sample University"], cost_usd="15,000")
    assert added["findings"].empty
    assert added["iso3"] == "JPN" and added["partners"] == ["State trade office", "Sample University"]
    assert added["cost_usd"] == 15000.0 and added["version"] == 1 and added["created_by"] == "staff1"
    assert ws.initiatives.list()["key"].tolist() == ["auto-jpn-2027"]
    log = audit(ws)
    assert log[["entity_id", "field", "new"]].values.tolist() == [
        ["auto-jpn-2027", "created", "mission: Regional automotive mission to Japan"]]
    # outside the 90-day window, the same market is fine too
    later = ws.initiatives.add("auto-mex-fall", "mission", "Fall mission", iso3="MEX", sector="Automotive",
                               start_date="2027-07-01", end_date="2027-07-03")
    assert later["findings"].empty


def test_force_adds_a_duplicate_and_the_audit_log_says_so(ws):
    added = ws.initiatives.add("auto-mex", "mission", "Anyway", iso3="MEX", sector="Automotive",
                               start_date="2027-03-15", force=True)
    assert added["findings"]["event_id"].tolist() == [STATE_MISSION["event_id"]]
    assert "added anyway (force): duplicates sample-mission-1" in audit(ws)["new"].tolist()
    # moving it into the window again is checked on update too
    ws.initiatives.update("auto-mex", start_date="2027-08-01", end_date="2027-08-02")
    with pytest.raises(DuplicateMission):
        ws.initiatives.update("auto-mex", start_date="2027-03-14", end_date="2027-03-15")
    assert ws.initiatives.get("auto-mex")["start_date"] == "2027-08-01"


def test_check_mission_alone_and_a_mission_without_its_country(ws):
    found = ws.initiatives.check_mission("MEX", "Automotive", "2027-06-01", "2027-06-02", window_days=90)
    assert found["event_id"].tolist() == [STATE_MISSION["event_id"]]
    assert found.iloc[0]["days_apart"] == (pd.Timestamp("2027-06-01") - pd.Timestamp("2027-03-12")).days
    assert ws.initiatives.check_mission("MEX", "Automotive", "2027-06-01", window_days=30).empty
    with pytest.raises(ExportPlanError, match="needs its country"):
        ws.initiatives.add("m", "mission", "No country", start_date="2027-03-15")


def test_sector_names_meet_naics_codes_through_the_cluster_crosswalk(ws, tmp_path):
    # without a crosswalk a NAICS code cannot be related to the state mission's sector name
    assert ws.initiatives.check_mission("MEX", "3363", "2027-03-15").empty
    crosswalk = tmp_path / "crosswalk.csv"
    crosswalk.write_text("naics,cluster_code,cluster_name,type\n336350,14,Automotive,traded\n"
                         "336390,14,Automotive,traded\n311421,20,Food Processing and Manufacturing,traded\n",
                         encoding="utf-8")
    ws.import_clusters(crosswalk, name="test crosswalk")
    found = ws.initiatives.check_mission("MEX", "3363", "2027-03-15")
    assert found["event_id"].tolist() == [STATE_MISSION["event_id"]]
    assert "related NAICS codes (3363 and Automotive (NAICS 336350))" in found.iloc[0]["reason"]
    assert ws.initiatives.check_mission("MEX", "3114", "2027-03-15").empty  # food: another sector
    with pytest.raises(DuplicateMission):
        ws.initiatives.add("parts-mex", "mission", "Parts makers to Mexico", iso3="MEX", sector="3363",
                           start_date="2027-03-15")


# ------------------------------------------------------------------ members, sessions, meetings

def test_members_sessions_attendance_and_meetings(ws):
    ws.initiatives.add("exportech-26", "cohort", "ExporTech 2026", start_date="2026-09-01", end_date="2027-01-31")
    ws.initiatives.enroll("exportech-26", "a", coach="kim", joined_date="2026-08-20")
    ws.initiatives.enroll("exportech-26", "b")
    ws.initiatives.enroll("exportech-26", "c", status="withdrawn")
    first = ws.initiatives.add_session("exportech-26", "2026-09-10", "Export readiness")
    second = ws.initiatives.add_session("exportech-26", "2026-10-08", "Market selection")
    future = ws.initiatives.add_session("exportech-26", "2027-01-14", "Pitch day")
    assert ws.initiatives.record_attendance("exportech-26", first, present=["a", "b"]) == 2
    ws.initiatives.record_attendance("exportech-26", second, present="a", absent="b")
    ws.initiatives.record_attendance("exportech-26", second, present=["b"])  # corrected: b was there after all
    members = ws.initiatives.members("exportech-26").set_index("company")
    assert members.loc["a", ["status", "coach", "joined_date", "plan_status"]].tolist() == [
        "enrolled", "kim", "2026-08-20", ""]
    assert members.loc["b", "joined_date"] == TODAY
    assert members["sessions_attended"].to_dict() == {"a": 2, "b": 2, "c": 0}
    assert set(members["sessions_held"]) == {2}  # the pitch day is after today
    sessions = ws.initiatives.sessions("exportech-26")
    assert sessions[["id", "present", "absent"]].values.tolist() == [[first, 2, 0], [second, 2, 0], [future, 0, 0]]
    with pytest.raises(ExportPlanError, match="after today"):
        ws.initiatives.record_attendance("exportech-26", future, present=["a"])
    ws.initiatives.set_member("exportech-26", "b", status="completed", coach="lee")
    assert ws.initiatives.members("exportech-26").set_index("company").loc["b", ["status", "coach"]].tolist() == [
        "completed", "lee"]
    assert ws.initiatives.list().set_index("key").loc["exportech-26", "companies"] == 2  # c withdrew

    ws.initiatives.add("jpn", "mission", "Japan", iso3="JPN", sector="Automotive", start_date="2026-11-02")
    ws.initiatives.enroll("jpn", "a")
    meeting = ws.initiatives.add_meeting("jpn", "a", "Tokyo Parts KK", date="2026-11-03", result="samples sent")
    meetings = ws.initiatives.meetings("jpn")
    assert meetings[["id", "company", "counterpart", "iso3", "result"]].values.tolist() == [
        [meeting, "a", "Tokyo Parts KK", "JPN", "samples sent"]]
    fields = set(audit(ws)["field"])
    assert {"member a", "member b status", "member b coach", "session", f"attendance #{second}", "meeting"} <= fields


def test_a_run_is_edited_with_optimistic_locking_and_removed_with_its_children(ws):
    ws.initiatives.add("c1", "cohort", "Cohort", start_date="2026-01-01", end_date="2026-06-30")
    ws.initiatives.enroll("c1", "a")
    version = ws.initiatives.get("c1")["version"]
    assert ws.initiatives.update("c1", expected_version=version, name="Cohort one",
                                 rules={"sessions": 6}) == version + 1
    with pytest.raises(ConflictError, match="staff1") as caught:
        ws.initiatives.update("c1", expected_version=version, name="Stale edit")
    assert caught.value.version == version + 1
    assert ws.initiatives.get("c1")["name"] == "Cohort one" and ws.initiatives.get("c1")["rules"] == {"sessions": 6}
    assert ws.initiatives.update("c1", name="Cohort one") == version + 1  # no change, no new version
    with pytest.raises(ExportPlanError, match="kind cannot change"):
        ws.initiatives.update("c1", kind="mission")
    oid = ws.pipeline.record_outcome("a", "new market", "2026-08-01", iso3="CAN")
    ws.initiatives.attribute(oid, "c1")
    ws.initiatives.remove("c1")
    assert ws.initiatives.list().empty and ws.initiatives.attributions().empty
    assert ws.initiatives.outcomes()["attributed_to"].tolist() == [""]
    assert audit(ws)["field"].tolist()[-1] == "deleted"
    with pytest.raises(ExportPlanError, match="No program run with key 'c1'"):
        ws.initiatives.get("c1")


# ------------------------------------------------------------------ attribution and the program report

def _docs_example(ws) -> dict[str, int]:
    """The example of docs/own-programs.md §2: three programs, five companies, six outcomes in 2026."""
    ws.initiatives.add("C1", "cohort", "Cohort C1", start_date="2026-01-15", end_date="2026-05-31", cost_usd=30000)
    ws.initiatives.add("P1", "competition", "Pitch P1", start_date="2026-02-01", cost_usd=10000, grants_usd=20000,
                       grant_source="STEP", budget_usd=20000)
    ws.initiatives.add("M1", "mission", "Mission M1", iso3="JPN", sector="Automotive", start_date="2026-04-13",
                       end_date="2026-04-17", cost_usd=15000, grants_usd=5000)
    for run, companies in (("C1", "abc"), ("P1", "ad"), ("M1", "be")):
        for company in companies:
            ws.initiatives.enroll(run, company)
    record = ws.pipeline.record_outcome
    ids = {"o1": record("a", "first export", "2026-06-10", iso3="JPN", export_sales_usd=50000),
           "o2": record("a", "new market", "2026-07-01", iso3="CAN", export_sales_usd=20000),
           "o3": record("b", "export sales", "2026-08-01", iso3="JPN", export_sales_usd=100000),
           "o4": record("d", "first export", "2026-09-15", iso3="MEX", export_sales_usd=10000),
           "o7": record("e", "new market", "2026-10-01", iso3="JPN"),
           "o8": record("b", "export sales", "2026-11-01", iso3="DEU", export_sales_usd=30000),
           "old": record("c", "first export", "2025-11-20", iso3="CAN", export_sales_usd=7000),
           "none": record("z", "export sales", "2026-05-05", export_sales_usd=999)}
    for outcome, targets in (("o1", ("C1", "P1")), ("o2", ("P1",)), ("o3", ("C1", "M1")), ("o4", ("P1",)),
                             ("o7", ("M1",)), ("o8", ("C1",)), ("old", ("C1",))):
        assert ws.initiatives.attribute(ids[outcome], *targets) == len(targets)
    return ids


def test_the_program_report_matches_figures_worked_out_by_hand(ws):
    ids = _docs_example(ws)
    assert ws.initiatives.attribute(ids["o1"], "P1", "C1") == 0  # already attributed: nothing added twice
    report = ws.initiatives.report("2026-01-01", "2026-12-31").set_index("key")
    assert report.index.tolist() == ["C1", "P1", "M1", TOTAL_KEY]
    columns = ["companies_served", "outcomes", "first_exports", "new_markets", "export_sales_usd"]
    expected = {"C1": [3, 3, 1, 0, 180000.0],   # o1, o3, o8 (o1 and o3 also count for P1 and M1)
                "P1": [2, 3, 2, 1, 80000.0],    # o1, o2, o4: a's and d's first exports, a's new market
                "M1": [2, 2, 0, 1, 100000.0],   # o3, o7 (no sales given)
                TOTAL_KEY: [5, 6, 2, 2, 210000.0]}  # each company and outcome once: not 7, 8, 360,000
    assert {k: report.loc[k, columns].tolist() for k in expected} == expected
    assert math.isnan(report.loc["C1", "sales_per_grant_dollar"])  # no grants
    assert report.loc["P1", "sales_per_grant_dollar"] == pytest.approx(80000 / 20000)
    assert report.loc["M1", "sales_per_grant_dollar"] == pytest.approx(100000 / 5000)
    # the totals credit the grants only with sales of outcomes of a granted program: o1, o2, o3, o4, o7 (not o8)
    assert report.loc[TOTAL_KEY, "sales_per_grant_dollar"] == pytest.approx(180000 / 25000)
    assert report.loc["C1", "cost_per_outcome"] == pytest.approx(10000)
    assert report.loc["P1", "cost_per_outcome"] == pytest.approx(10000 / 3)
    assert report.loc["M1", "cost_per_outcome"] == pytest.approx(7500)
    assert report.loc[TOTAL_KEY, ["cost_usd", "grants_usd"]].tolist() == [55000.0, 25000.0]
    assert report.loc[TOTAL_KEY, "cost_per_outcome"] == pytest.approx(55000 / 6)
    assert report["plans_written"].tolist() == [0, 0, 0, 0]
    # plans written: a's plan is written in C1; b's is written but not in a cohort; c's is a draft in C1
    ws.company_plans.set("a", status="written", initiative="C1")
    ws.company_plans.set("b", status="written")
    ws.company_plans.set("c", status="draft", initiative="C1")
    report = ws.initiatives.report("2026-01-01", "2026-12-31").set_index("key")
    assert report["plans_written"].to_dict() == {"C1": 1, "P1": 0, "M1": 0, TOTAL_KEY: 1}
    assert ws.initiatives.members("C1").set_index("company")["plan_status"].to_dict() == {
        "a": "written", "b": "written", "c": "draft"}
    assert report.attrs["exportplan"]["title"] == "Results of the organization's programs"
    # the default period runs from the plan's baseline date (unset: no bound) to today: c's 2025 outcome counts
    default = ws.initiatives.report().set_index("key")
    assert default.loc["C1", ["outcomes", "first_exports", "export_sales_usd"]].tolist() == [4, 2, 187000.0]
    outcomes = ws.initiatives.outcomes().set_index("outcome_id")
    assert outcomes.loc[ids["o1"], "attributed_to"] == "C1;P1"
    assert outcomes.loc[ids["none"], "attributed_to"] == ""
    assert ws.initiatives.outcomes("e")["outcome_id"].tolist() == [ids["o7"]]
    logged = audit(ws, "outcome")
    assert logged[logged["entity_id"] == str(ids["o1"])]["new"].tolist() == ["C1", "P1"]


def test_a_referral_program_row_and_taking_an_attribution_back(ws):
    ids = _docs_example(ws)
    referral = ws.pipeline.refer("c", provider="U.S. Commercial Service", program="Gold Key Service",
                                 date="2026-03-01")
    ws.pipeline.refer("e", provider="U.S. Commercial Service", program="Gold Key Service", date="2026-04-01")
    sale = ws.pipeline.record_outcome("c", "export sales", "2026-06-30", iso3="MEX", export_sales_usd=12500.5)
    ws.initiatives.attribute(sale, f"referral:{referral}", "C1")
    report = ws.initiatives.report("2026-01-01", "2026-12-31").set_index("key")
    key = "referral:U.S. Commercial Service"
    assert report.index.tolist() == ["C1", "P1", "M1", key, TOTAL_KEY]
    assert report.loc[key, ["name", "kind", "companies_served", "outcomes", "export_sales_usd"]].tolist() == [
        "Referrals to Gold Key Service", "referral program", 2, 1, 12500.5]
    assert report.loc["C1", ["outcomes", "export_sales_usd"]].tolist() == [4, 192500.5]
    assert report.loc[TOTAL_KEY, ["companies_served", "outcomes", "export_sales_usd"]].tolist() == [
        5, 7, 222500.5]
    pairs = ws.initiatives.attributions()
    assert pairs[pairs["outcome_id"] == sale][["target", "program"]].values.tolist() == [
        [f"referral:{referral}", key], ["C1", "C1"]]
    ws.initiatives.unattribute(sale, f"referral:{referral}")
    assert key not in set(ws.initiatives.report("2026-01-01", "2026-12-31")["key"])
    with pytest.raises(ExportPlanError, match="not attributed"):
        ws.initiatives.unattribute(sale, f"referral:{referral}")
    assert ids  # the example stays as it was
    assert audit(ws, "outcome")["old"].tolist()[-1] == f"referral:{referral}"


# ------------------------------------------------------------------ follow-up

def test_follow_up_windows_at_6_and_12_months(ws):
    ws.initiatives.add("c1", "cohort", "Cohort", start_date="2026-01-10", end_date="2026-03-31")
    for company in "abcd":
        ws.initiatives.enroll("c1", company)
    ws.initiatives.set_member("c1", "d", status="withdrawn")
    record = ws.pipeline.record_outcome
    record("a", "first export", "2026-05-15", iso3="CAN", export_sales_usd="12,345.67")
    record("a", "export sales", "2026-10-10", iso3="CAN", export_sales_usd=1000.10)
    record("c", "new market", "2026-03-31", iso3="MEX")  # the end date itself: before the follow-up
    record("c", "export sales", "2026-09-30", iso3="MEX", export_sales_usd=500)  # the 6-month date: inside
    record("d", "first export", "2026-06-01", iso3="MEX", export_sales_usd=800)
    frame = ws.initiatives.follow_up("c1").set_index("company")
    assert frame.index.tolist() == ["a", "b", "c"]  # d withdrew
    assert set(frame["due_6m"]) == {"2026-09-30"} and set(frame["due_12m"]) == {"2027-03-31"}
    columns = ["outcomes_6m", "export_sales_6m", "status_6m", "outcomes_12m", "export_sales_12m", "status_12m"]
    assert frame.loc["a", columns].tolist() == [1, 12345.67, "reported", 2, 13345.77, "reported"]
    assert frame.loc["b", columns].tolist() == [0, 0.0, "due", 0, 0.0, "not yet due"]
    assert frame.loc["c", columns].tolist() == [1, 500.0, "reported", 1, 500.0, "reported"]
    ws.initiatives.update("c1", end_date="2026-08-31")  # month ends: 6 months after 31 August is 28 February
    moved = ws.initiatives.follow_up("c1").set_index("company")
    assert moved.loc["a", ["due_6m", "due_12m", "outcomes_6m", "status_6m"]].tolist() == [
        "2027-02-28", "2027-08-31", 1, "reported"]
    assert moved.loc["b", "status_6m"] == "not yet due"
    ws.initiatives.add("c2", "cohort", "No end", start_date="2026-01-10")
    with pytest.raises(ExportPlanError, match="no end date"):
        ws.initiatives.follow_up("c2")


# ------------------------------------------------------------------ bad input writes nothing

def test_bad_input_is_refused_with_what_to_fix_and_writes_nothing(ws):
    ws.initiatives.add("c1", "cohort", "Cohort", start_date="2026-01-10", end_date="2026-03-31")
    ws.initiatives.enroll("c1", "a")
    session = ws.initiatives.add_session("c1", "2026-02-01", "Kick-off")
    ws.initiatives.add("m1", "mission", "Japan", iso3="JPN", start_date="2026-11-02")
    outcome = ws.pipeline.record_outcome("b", "new market", "2026-06-01", iso3="CAN")
    other = ws.pipeline.refer("a", provider="U.S. Commercial Service", date="2026-02-01")
    before = snapshot(ws)
    cases = [
        (lambda: ws.initiatives.add("x1", "bootcamp", "X"), r"kind 'bootcamp' is not known; use one of: cohort"),
        (lambda: ws.initiatives.add("x1", "cohort", "X", start_date="2026-13-01"),
         r"start_date '2026-13-01' is not a date; write it as YYYY-MM-DD"),
        (lambda: ws.initiatives.add("x1", "cohort", "X", start_date="2026-05-01", end_date="2026-04-01"),
         "end_date 2026-04-01 is before start_date 2026-05-01"),
        (lambda: ws.initiatives.add("x1", "cohort", ""), "needs a name"),
        (lambda: ws.initiatives.add("x 1", "cohort", "X"), "letters, digits"),
        (lambda: ws.initiatives.add("total", "cohort", "X"), "totals row"),
        (lambda: ws.initiatives.add("c1", "cohort", "X"), "already stored"),
        (lambda: ws.initiatives.add("x1", "cohort", "X", cost_usd=-5), "must be zero or more"),
        (lambda: ws.initiatives.add("x1", "cohort", "X", rules="{not json"), "rules is not JSON"),
        (lambda: ws.initiatives.add("x1", "mission", "X", iso3="Atlantis", start_date="2027-01-01"),
         "iso3 'Atlantis' is not a country"),
        (lambda: ws.initiatives.enroll("c1", "nobody"), "No company with company_id 'nobody'"),
        (lambda: ws.initiatives.enroll("c1", "a"), "already in 'c1'"),
        (lambda: ws.initiatives.enroll("nope", "a"), "No program run with key 'nope'"),
        (lambda: ws.initiatives.enroll("c1", "b", status="graduated"), "member status 'graduated' is not known"),
        (lambda: ws.initiatives.add_session("c1", "1 Feb 2026", "X"), "is not a date"),
        (lambda: ws.initiatives.add_session("c1", "2026-02-01", "Kick-off"), "already has the session"),
        (lambda: ws.initiatives.record_attendance("c1", session, present=["a", "b"]), "'b' is not in 'c1'"),
        (lambda: ws.initiatives.record_attendance("c1", session, present=["a", "ghost"]),
         "No company with company_id 'ghost'"),
        (lambda: ws.initiatives.record_attendance("c1", session, present=["a"], absent=["a"]),
         "both present and absent"),
        (lambda: ws.initiatives.record_attendance("m1", session, present=["a"]), "has no session"),
        (lambda: ws.initiatives.add_meeting("m1", "a", "Buyer"), "'a' is not in 'm1'; enroll it first"),
        (lambda: ws.initiatives.add_meeting("m1", "a", ""), "needs its counterpart"),
        (lambda: ws.initiatives.set_member("c1", "b", status="completed"), "'b' is not in 'c1'"),
        (lambda: ws.initiatives.attribute(outcome, "c1"), "'b' .* did not take part in 'c1'"),
        (lambda: ws.initiatives.attribute(outcome, f"referral:{other}"), "attribute an outcome only to its own"),
        (lambda: ws.initiatives.attribute(outcome, "referral:999"), "No referral with id 999"),
        (lambda: ws.initiatives.attribute(99999, "c1"), "No outcome with id 99999"),
        (lambda: ws.initiatives.attribute(outcome), "Name what the outcome is attributed to"),
        (lambda: ws.initiatives.update("c1", colour="red"), "Unknown field"),
        (lambda: ws.initiatives.list(kind="bootcamp"), "kind 'bootcamp' is not known"),
        (lambda: ws.initiatives.report("2026-01-01", "soon"), "end 'soon' is not a date"),
    ]
    for call, message in cases:
        with pytest.raises(ExportPlanError, match=message):
            call()
    assert snapshot(ws) == before
    # a valid attribution that names one bad target writes none of them
    ws.initiatives.enroll("c1", "b")
    with pytest.raises(ExportPlanError, match="No program run with key 'nope'"):
        ws.initiatives.attribute(outcome, "c1", "nope")
    assert ws.initiatives.attributions().empty
    assert ws.initiatives.attribute(outcome, "m1", force=True) == 1  # force: b was not on the mission
