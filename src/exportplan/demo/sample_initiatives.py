"""The sample workspace's own programs: one acceleration cohort, one pitch competition round, one trade mission.

:func:`add_sample_initiatives` records, through the workspace's services (``ws.initiatives``,
``ws.competitions``, ``ws.company_plans``, ``ws.pipeline``), the organization's own program runs of
the sample, all in the sample's year 2026 and labelled SAMPLE:

- **an export acceleration cohort** (:data:`COHORT`, ExporTech-style, January to March 2026) of
  five export-ready manufacturers with two coaches, three sessions with attendance (one company
  misses two and withdraws), and each company's export plan: four written, one a draft, with
  plan texts, dated actions with owners and budgets, and the metrics the company will report;
- **a pitch competition round** (:data:`COMPETITION`, spring 2026): a rubric of four weighted
  criteria, three judges, six applications (four from the cohort: companies pitch the plans they
  wrote), each assigned to two judges; one judge scores an application and then declares a
  conflict of interest on it, so those scores are excluded and another judge is assigned. The
  awards follow the cost-share rule of :data:`COST_SHARE` (100% of the first $2,500, 50% up to
  $7,500, at most $5,000) within a $15,000 budget that runs out before the ranking does; the
  winners claim against receipts;
- **a trade mission** (:data:`MISSION`) to a market the sample state's missions do not serve
  (:data:`MISSION_MARKET`), with dates chosen by ``ws.initiatives.check_mission`` so that no state
  or federal mission in the inventory duplicates it, its participants and their meetings;
- **outcomes** reported after them (recorded in the pipeline, dated before the end of the
  sample's history, ``sample_pipeline.LAST_DAY``) and attributed: a first export to the cohort,
  a first export to the cohort *and* the competition (an outcome attributed to two programs),
  export sales to the competition, two new markets to the mission; and one of the sample
  pipeline's own outcomes to the referral that led to it. The companies' records follow their
  outcomes (current markets; a first exporter's stage), as the sample pipeline's do.

The companies are chosen from the sample pipeline by rules (stage, NAICS, sector, then their
keys), and every date is fixed: each step runs on a clock set to the day it happens in the story
(the cohort's sessions on their days, the awards after the scoring, each receipt and outcome on its
date; :func:`on`), so the audit log and the stored times tell the same story and the same sample
gives the same records on every build.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import ExportPlanError
from .sample_pipeline import LAST_DAY
from .sample_programs import MISSION_MARKETS, ORGANIZATION, SECTOR

COHORT = "sample-exportech-2026"
COMPETITION = "sample-pitch-2026"
MISSION = "sample-mission-ind-2026"
#: The mission's market: a market of the sample's exporters that the sample state's missions do not serve.
MISSION_MARKET = "IND"
#: The mission's dates, tried in order: the first that no state or federal mission duplicates is used.
MISSION_WINDOWS = (("2026-05-11", "2026-05-15"), ("2026-06-08", "2026-06-12"), ("2026-08-17", "2026-08-21"))
#: The competition's cost-share rule (Metro Chicago Exports' example) and award budget.
COST_SHARE = {"tiers": [[2500, 1.0], [7500, 0.5]], "cap": 5000}
AWARD_BUDGET = 15_000.0
MIN_SCORE = 50.0
PARTNERS = {"mep": "Sample Manufacturing Extension Center (SAMPLE)",
            "useac": "Sampleton U.S. Export Assistance Center (SAMPLE)",
            "state": "Sample State Office of International Trade (SAMPLE)"}
COACHES = ("Sample Staff 2", "Sample Staff 3")
RUBRIC = (
    {"key": "market", "label": "Export market opportunity", "weight": 40, "max_points": 10},
    {"key": "plan", "label": "Quality of the export plan", "weight": 30, "max_points": 10},
    {"key": "capacity", "label": "Capacity to deliver", "weight": 20, "max_points": 10},
    {"key": "impact", "label": "Regional impact", "weight": 10, "max_points": 10},
)
JUDGES = (("sample-judge-1", "Sample Judge 1 (SAMPLE)"), ("sample-judge-2", "Sample Judge 2 (SAMPLE)"),
          ("sample-judge-3", "Sample Judge 3 (SAMPLE)"))
#: The applications: id, applicant (a cohort company by position, or another exporter), project cost,
#: project, submission time.
APPLICATIONS = (
    ("A01", ("cohort", 0), 10_000.0, "Market research and a first buyer visit (SAMPLE)", "2026-04-20T09:12:00"),
    ("A02", ("cohort", 1), 8_000.0, "Booth at an industry trade show abroad (SAMPLE)", "2026-04-21T15:40:00"),
    ("A03", ("other", 0), 6_000.0, "Translating the catalogue and website (SAMPLE)", "2026-04-22T11:05:00"),
    ("A04", ("cohort", 2), 3_000.0, "Product certification for export (SAMPLE)", "2026-04-23T16:30:00"),
    ("A05", ("other", 1), 9_000.0, "Distributor search with a matchmaking service (SAMPLE)", "2026-04-24T10:00:00"),
    ("A06", ("cohort", 3), 2_000.0, "Export compliance training (SAMPLE)", "2026-04-24T17:55:00"),
)
#: Each judge's assignments.
ASSIGNMENTS = {"sample-judge-1": ("A01", "A02", "A03", "A04"), "sample-judge-2": ("A01", "A03", "A05", "A06"),
               "sample-judge-3": ("A02", "A04", "A05", "A06")}
#: Points (market, plan, capacity, impact) out of 10 per judge and application.
POINTS = {
    ("sample-judge-1", "A01"): (8, 8, 7, 7), ("sample-judge-2", "A01"): (8, 7, 8, 6),
    ("sample-judge-1", "A02"): (9, 8, 8, 7), ("sample-judge-3", "A02"): (10, 10, 10, 10),
    ("sample-judge-2", "A02"): (8, 9, 8, 8),
    ("sample-judge-1", "A03"): (7, 7, 6, 8), ("sample-judge-2", "A03"): (7, 6, 7, 7),
    ("sample-judge-1", "A04"): (4, 5, 4, 5), ("sample-judge-3", "A04"): (5, 4, 4, 4),
    ("sample-judge-2", "A05"): (6, 5, 6, 6), ("sample-judge-3", "A05"): (5, 6, 5, 7),
    ("sample-judge-2", "A06"): (6, 7, 6, 5), ("sample-judge-3", "A06"): (6, 6, 6, 6),
}
#: The judge who scored an application and then declared a conflict of interest on it (their scores are
#: excluded), and the judge assigned instead.
CONFLICT = ("sample-judge-3", "A02", "SAMPLE: advised the company on its export plan", "sample-judge-2")
#: Receipts the winners claim: application, receipt, date, amount, what for.
RECEIPTS = (
    ("A02", "INV-2026-101", "2026-05-20", 3_200.0, "Booth space (SAMPLE)"),
    ("A02", "INV-2026-117", "2026-07-02", 4_100.0, "Interpreter and travel (SAMPLE)"),
    ("A01", "R-5531", "2026-06-11", 2_400.0, "Market research report (SAMPLE)"),
    ("A03", "R-0042", "2026-08-03", 3_600.0, "Catalogue translation (SAMPLE)"),
)
COHORT_SESSIONS = (("2026-01-13", "Export strategy and market selection (SAMPLE)"),
                   ("2026-02-10", "Market research and entry strategy (SAMPLE)"),
                   ("2026-03-24", "Export plans presented (SAMPLE)"))


@dataclass
class SampleInitiatives:
    """What :func:`add_sample_initiatives` recorded (keys, companies, outcome ids), and its summary line."""

    cohort: list[str] = field(default_factory=list)
    applicants: dict[str, str] = field(default_factory=dict)
    mission: list[str] = field(default_factory=list)
    mission_dates: tuple[str, str] = ("", "")
    awards: int = 0
    awarded_usd: float = 0.0
    outcomes: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"SAMPLE own programs: cohort {COHORT} ({len(self.cohort)} companies), pitch competition "
                f"{COMPETITION} ({len(self.applicants)} applications, {len(JUDGES)} judges, {self.awards} awards "
                f"of ${self.awarded_usd:,.0f} from ${AWARD_BUDGET:,.0f}), mission {MISSION} to {MISSION_MARKET} "
                f"({self.mission_dates[0]} to {self.mission_dates[1]}, {len(self.mission)} companies); "
                f"{len(self.outcomes)} outcomes attributed.")


def _pick(companies: pd.DataFrame, rows: pd.Series, n: int, what: str, taken: set[str] = frozenset()) -> list[str]:
    """The first ``n`` companies (by key) that match ``rows`` and are not ``taken``."""
    keys = sorted(k for k in companies.loc[rows, "company_id"] if k not in taken)
    if len(keys) < n:
        raise ExportPlanError(f"The sample pipeline has {len(keys)} {what}; the sample's own programs need {n}.")
    return keys[:n]


def choose_companies(ws) -> dict[str, list[str]]:
    """The sample companies of each run: the cohort, other applicants to the competition, the mission's."""
    companies = ws.pipeline.companies()
    maker = companies["naics"].astype(str).str.startswith("3")
    size = pd.to_numeric(companies["employees"], errors="coerce").between(10, 499)
    cohort = _pick(companies, maker & size & (companies["stage"] == "export-ready"), 5,
                   "export-ready manufacturers of 10-499 employees")
    others = _pick(companies, maker & companies["stage"].isin(("new-to-export", "active")), 2,
                   "new or active exporting manufacturers", set(cohort))
    mission = _pick(companies, (companies["sector"] == SECTOR)
                    & companies["stage"].isin(("new-to-export", "active", "expanding")), 4,
                    f"{SECTOR} exporters", set(cohort) | set(others))
    return {"cohort": cohort, "others": others, "mission": mission}


def on(ws, day: str, time: str = "12:00:00"):
    """The workspace with its clock set to ``day`` (YYYY-MM-DD): what the services record as 'now'."""
    if day > LAST_DAY.isoformat():
        raise ExportPlanError(f"The sample's story ends on {LAST_DAY}; {day} is after it.")
    return ws.for_request(clock=lambda: f"{day}T{time}+00:00")


def add_sample_initiatives(ws) -> SampleInitiatives:
    """Record the sample's cohort, competition round and mission, and the outcomes attributed to them."""
    if MISSION_MARKET in MISSION_MARKETS:  # the mission goes where the state's missions do not
        raise ExportPlanError(f"The sample mission's market {MISSION_MARKET} is a state mission market.")
    chosen = choose_companies(ws)
    done = SampleInitiatives(cohort=chosen["cohort"], mission=chosen["mission"])
    _cohort(ws, chosen["cohort"])
    _competition(ws, chosen, done)
    done.mission_dates = _mission(ws, chosen["mission"])
    _outcomes(ws, chosen, done)
    return done


# ---- the cohort ------------------------------------------------------------------------------------

def _cohort(ws, cohort: list[str]) -> None:
    on(ws, "2025-11-17").initiatives.add(
        COHORT, "cohort", "Sample ExporTech export acceleration cohort 2026 (SAMPLE)", status="closed",
        start_date="2026-01-13", end_date="2026-03-24", city="Fabricville",
        partners=(PARTNERS["mep"], PARTNERS["useac"]), cost_usd=36_000.0, grants_usd=12_000.0, grant_source="STEP (SAMPLE)",
        note="SAMPLE: three sessions over ten weeks; each company writes its export plan with a coach.")
    for i, company in enumerate(cohort):
        on(ws, "2026-01-06").initiatives.enroll(COHORT, company, coach=COACHES[i % len(COACHES)],
                                                joined_date="2026-01-06", note="SAMPLE")
    dropout = cohort[-1]  # misses the last two sessions and withdraws
    for number, (day, title) in enumerate(COHORT_SESSIONS):
        that_day = on(ws, day, "17:00:00")
        session = that_day.initiatives.add_session(COHORT, day, title)
        absent = [dropout] if number else []
        that_day.initiatives.record_attendance(COHORT, session, present=[c for c in cohort if c not in absent],
                                               absent=absent)
    end = on(ws, "2026-03-24", "18:00:00")
    end.initiatives.set_member(COHORT, dropout, status="withdrawn", note="SAMPLE: left after the first session")
    for company in cohort[:-1]:
        end.initiatives.set_member(COHORT, company, status="completed")
    for i, company in enumerate(cohort):
        _company_plan(end, company, COACHES[i % len(COACHES)], written=company != dropout, detailed=i < 2)


def _company_plan(ws, company: str, coach: str, *, written: bool, detailed: bool) -> None:
    """A cohort company's export plan: status, coach, markets; texts, actions and metrics for some."""
    record = ws.pipeline.company(company)
    named = [m for m in str(record.get("target_markets") or "").split(";") if m][:2]
    plans = ws.company_plans
    plans.set(company, status="written" if written else "draft", coach=coach, markets=named or None,
              initiative=COHORT)
    if not written:
        return
    where = " and ".join(named) if named else "its first export market"
    plans.save_text(company, "summary",
                    f"SAMPLE: {record['name']} plans to start exporting to {where} within 18 months, through a "
                    "distributor found with the U.S. Commercial Service, financed from its own cash flow.")
    if not detailed:
        return
    plans.save_text(company, "entry_strategy",
                    "SAMPLE: indirect exports through a distributor first; a sales agent once orders repeat.")
    for title, owner, due, budget, status in (
            ("Market research on the target markets (SAMPLE)", "Export manager", "2026-05-31", 2_500.0, "done"),
            ("Distributor search with a matchmaking service (SAMPLE)", "Owner", "2026-09-30", 4_000.0,
             "in progress"),
            ("Exhibit at an industry trade show abroad (SAMPLE)", "Sales director", "2027-03-31", 8_000.0,
             "planned")):
        plans.add_action(company, title, owner=owner, due_date=due, budget_usd=budget, status=status,
                         note="SAMPLE")
    for title, target, unit, due in (("Export sales (SAMPLE)", 250_000.0, "USD a year", "2027-12-31"),
                                     ("New export markets entered (SAMPLE)", 2.0, "markets", "2027-12-31")):
        plans.add_metric(company, title, target=target, unit=unit, due_date=due)


# ---- the pitch competition -------------------------------------------------------------------------

def _competition(ws, chosen: dict[str, list[str]], done: SampleInitiatives) -> None:
    opened = on(ws, "2026-03-16")
    opened.initiatives.add(
        COMPETITION, "competition", "Sample Region export pitch competition, spring 2026 (SAMPLE)", status="closed",
        start_date="2026-04-01", end_date="2026-06-30", partners=(PARTNERS["state"],), cost_usd=20_000.0,
        grants_usd=AWARD_BUDGET, grant_source="STEP (SAMPLE)", budget_usd=AWARD_BUDGET,
        rules={"cost_share": COST_SHARE, "min_score": MIN_SCORE, "partial": False,
               "fields": {"project": "What the grant pays for", "market": "Target market"}},
        note=f"SAMPLE: companies pitch their export plans; grants by {ORGANIZATION}.")
    opened.competitions.set_rubric(COMPETITION, [dict(c) for c in RUBRIC])
    for judge, name in JUDGES:
        opened.competitions.add_judge(COMPETITION, judge, name=name, email=f"{judge}@sample.example")
    for app, (group, position), cost, project, submitted in APPLICATIONS:
        company = chosen["cohort" if group == "cohort" else "others"][position]
        markets = [m for m in str(ws.pipeline.company(company).get("target_markets") or "").split(";") if m]
        on(ws, submitted[:10], submitted[11:]).competitions.add_application(
            COMPETITION, app, company, cost_usd=cost, submitted_at=submitted,
            fields={"project": project, "market": markets[0] if markets else "CAN"})
        done.applicants[app] = company
    for judge, apps in ASSIGNMENTS.items():
        on(ws, "2026-04-27").competitions.assign(COMPETITION, judge, list(apps))
    criteria = [c["key"] for c in RUBRIC]
    conflicted, app, reason, stand_in = CONFLICT
    scoring = on(ws, "2026-05-04")
    for (judge, application), points in POINTS.items():
        if (judge, application) == (stand_in, app):
            continue  # scores once assigned in place of the conflicted judge
        scoring.competitions.score(COMPETITION, judge, application, dict(zip(criteria, points)))
    declared = on(ws, "2026-05-05")
    declared.competitions.declare_conflict(COMPETITION, conflicted, app, reason)
    declared.competitions.assign(COMPETITION, stand_in, [app])
    on(ws, "2026-05-07").competitions.score(COMPETITION, stand_in, app, dict(zip(criteria, POINTS[(stand_in, app)])))
    awarded = on(ws, "2026-05-11").competitions.decide_awards(COMPETITION)
    done.awards = int((awarded["award"] > 0).sum())
    done.awarded_usd = float(awarded["award"].sum())
    for application, receipt, day, amount, what in RECEIPTS:
        on(ws, day).competitions.add_receipt(COMPETITION, application, receipt, day, amount, description=what)


# ---- the trade mission -----------------------------------------------------------------------------

def _mission(ws, participants: list[str]) -> tuple[str, str]:
    """Add the mission in the first of :data:`MISSION_WINDOWS` that no state or federal mission duplicates."""
    for start, end in MISSION_WINDOWS:
        found = on(ws, "2026-02-16").initiatives.check_mission(MISSION_MARKET, SECTOR, start_date=start,
                                                               end_date=end)
        if not (len(found) and (found["finding"] == "duplicate mission").any()):
            break
    else:
        raise ExportPlanError(f"Every sample mission window to {MISSION_MARKET} duplicates a state or federal "
                              "mission; change MISSION_WINDOWS.")
    planned = on(ws, "2026-02-16")
    planned.initiatives.add(MISSION, "mission", f"Sample Region {SECTOR.lower()} mission to Pune (SAMPLE)",
                            status="closed", start_date=start, end_date=end, iso3=MISSION_MARKET, sector=SECTOR,
                            city="Pune", partners=(PARTNERS["useac"], PARTNERS["state"]), cost_usd=18_000.0,
                            grants_usd=9_000.0, grant_source="STEP (SAMPLE)",
                            note="SAMPLE: a market the state's missions do not serve.")
    for company in participants:
        on(ws, "2026-03-02").initiatives.enroll(MISSION, company, joined_date="2026-03-02", note="SAMPLE")
    results = ("distributor agreement under discussion", "samples requested", "no fit", "quote sent")
    number = 0
    for day_offset, company in enumerate(participants):
        for k in range(2):
            number += 1
            day = (pd.Timestamp(start) + pd.Timedelta(days=(day_offset + k) % 5)).date().isoformat()
            on(ws, day, "18:00:00").initiatives.add_meeting(
                MISSION, company, f"Sample Pune medical distributor {number} (SAMPLE)", date=day,
                iso3=MISSION_MARKET, result=f"SAMPLE: {results[number % 4]}")
    return start, end


# ---- outcomes and attribution ----------------------------------------------------------------------

def _outcomes(ws, chosen: dict[str, list[str]], done: SampleInitiatives) -> None:
    cohort, mission = chosen["cohort"], chosen["mission"]
    winner_outside = done.applicants["A03"]  # an awarded applicant that was not in the cohort
    sold_to = [m for m in str(ws.pipeline.company(winner_outside)["current_markets"] or "").split(";") if m]
    reported = (
        (cohort[0], "first export", "2026-06-16", "CAN", 42_000.0, (COHORT,)),
        (done.applicants["A02"], "first export", "2026-08-18", "MEX", 125_000.0, (COHORT, COMPETITION)),
        (winner_outside, "export sales", "2026-09-08", (sold_to or ["DEU"])[0], 60_000.0, (COMPETITION,)),
        (mission[0], "new market", "2026-07-21", MISSION_MARKET, 85_000.0, (MISSION,)),
        (mission[1], "new market", "2026-09-15", MISSION_MARKET, 30_000.0, (MISSION,)),
    )
    for company, kind, day, iso3, sales, targets in reported:
        that_day = on(ws, day)
        number = that_day.pipeline.record_outcome(company, kind, day, iso3=iso3, export_sales_usd=sales,
                                                  note="SAMPLE: reported after the program")
        that_day.initiatives.attribute(number, *targets)
        done.outcomes[number] = targets
        _follow(that_day, company, kind, iso3)
    referral = _referral_outcome(ws)
    if referral is not None:
        outcome_id, target = referral
        on(ws, LAST_DAY.isoformat()).initiatives.attribute(outcome_id, target)
        done.outcomes[outcome_id] = (target,)


def _follow(ws, company: str, kind: str, iso3: str) -> None:
    """Keep the company's record true to its outcome, as the sample pipeline's are: a first export or new
    market adds the country to its current markets, and a first export makes it a new-to-export company
    (its stage history dated that day)."""
    record = ws.pipeline.company(company)
    markets = [m for m in str(record["current_markets"] or "").split(";") if m]
    if kind in ("first export", "new market") and iso3 not in markets:
        ws.pipeline.update_company(company, expected_version=record["version"],
                                   current_markets=";".join(markets + [iso3]))
    if kind == "first export" and record["stage"] in ("not ready", "export-ready"):
        ws.pipeline.set_stage(company, "new-to-export", note="SAMPLE: first export after the program")


def _referral_outcome(ws) -> tuple[int, str] | None:
    """The first sample company (by key) with a completed referral whose program its later first export or
    new market names, dated after the sample plan's baseline: (the outcome's id, 'referral:ID')."""
    from ..analysis.initiative_terms import REFERRAL_PREFIX

    from .builder import SAMPLE_BASELINE_DATE

    baseline = str(ws.context.config.get("plan", {}).get("baseline_date") or SAMPLE_BASELINE_DATE)
    referrals = ws.pipeline.records("referrals")
    outcomes = ws.pipeline.records("outcomes")
    both = referrals.merge(outcomes, on="company_id", suffixes=("_r", "_o"))
    both = both[(both["status"] == "completed") & (both["program_r"] != "")
                & both["kind"].isin(("first export", "new market"))  # not a year's total sales
                & (both["program_r"] == both["program_o"]) & (both["date_o"] >= both["date_r"])
                & (both["date_o"] > baseline)]
    if not len(both):
        return None
    first = both.sort_values(["company_id", "date_r", "date_o"]).iloc[0]
    record = ws.pipeline.company(first["company_id"])
    referral = next(r for r in record["referrals"]
                    if r["date"] == first["date_r"] and r["program"] == first["program_r"])
    outcome = next(o for o in record["outcomes"]
                   if o["date"] == first["date_o"] and o["program"] == first["program_o"])
    return int(outcome["id"]), f"{REFERRAL_PREFIX}{referral['id']}"
