"""Pages: the organization's own programs (``ws.initiatives``, ``ws.competitions``).

- ``/initiatives``: the runs (cohorts, competitions, missions, events), each linked to its page;
- ``/initiatives/{key}``: a run's page by kind: a cohort's companies, sessions, attendance, plan
  status and follow-up; a mission's participants, meetings, follow-up and the check against the
  state and federal missions; a competition round's rubric, judges, applications, ranking, awards,
  budget and claims (the staff's view: every judge's scores are shown only here, never to judges);
- ``/initiatives/new-mission``: the form to add a mission, checked first with
  ``ws.initiatives.check_mission``: a duplicate of a state or federal mission is shown, naming the
  existing mission, and the mission is added only when "add anyway" is ticked;
- ``/initiatives/report``: the program report.

The judges' pages (``/judging``) are in :mod:`.initiatives_judges`, whose routes are listed here.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
from starlette.requests import Request
from starlette.responses import RedirectResponse

from ...analysis.roles import can
from ...errors import ExportPlanError
from ...ws.initiatives import DuplicateMission
from ..render import flash, render, table_html
from ..routes import page
from ..security import refuse
from . import initiatives_judges

#: The mission form's fields (name -> label), in order.
MISSION_FIELDS = {"key": "Key (letters, digits, - and _)", "name": "Name", "iso3": "Country (ISO3 code, e.g. MEX)",
                  "sector": "Sector", "start_date": "Start date", "end_date": "End date", "city": "City"}
#: What the mission check calls a duplicate (``analysis.mission_check.FINDINGS["trade mission"]``).
DUPLICATE = "duplicate mission"
USD = ",.0f"


def _table(frame, **options):
    """:func:`table_html` in the compact style of these pages (cells on one line, the last column wrapping)."""
    return table_html(frame, css_class="data compact", **options)


def _money(value) -> str:
    return "" if value is None or pd.isna(value) else f"${float(value):,.0f}"


def runs_list(request: Request):
    """The runs of the organization's own programs, with a link to each and to the report."""
    ws, user = request.state.ws, request.state.user
    frame = ws.initiatives.list()
    rows = frame.to_dict("records")
    for row in rows:
        row["cost"], row["grants"] = _money(row["cost_usd"]), _money(row["grants_usd"])
    return render(request, "initiatives_list.html", title="Own programs", rows=rows,
                  can_edit=can(user["role"], "edit"))


def report_page(request: Request):
    """The program report: each run's and referral program's companies, outcomes, sales and costs."""
    ws = request.state.ws
    start = str(request.query_params.get("start", "")).strip()[:10]
    end = str(request.query_params.get("end", "")).strip()[:10]
    frame = ws.initiatives.report(start or None, end or None)
    meta = frame.attrs.get("exportplan") or {}
    table = _table(frame, caption="Program report", caption_hidden=True, row_header="name",
                       columns={"name": "Program", "kind": "Kind", "companies_served": "Companies",
                                "plans_written": "Plans written", "outcomes": "Outcomes",
                                "first_exports": "First exports", "new_markets": "New markets",
                                "export_sales_usd": "Export sales ($)", "cost_usd": "Cost ($)",
                                "grants_usd": "Grants ($)", "sales_per_grant_dollar": "Sales per grant $",
                                "cost_per_outcome": "Cost per outcome ($)"},
                       formats={"export_sales_usd": USD, "cost_usd": USD, "grants_usd": USD,
                                "sales_per_grant_dollar": ",.2f", "cost_per_outcome": USD})
    return render(request, "initiatives_report.html", title="Program report", table=table, start=start, end=end,
                  notes=list(meta.get("notes", [])) if isinstance(meta, dict) else [])


# ---- adding a mission ---------------------------------------------------------------------------
def _mission_form(request: Request, values: dict | None = None, *, status_code: int = 200, error: str = "",
                  duplicate: str = "", findings: pd.DataFrame | None = None):
    user = request.state.user
    values = {f: "" for f in MISSION_FIELDS} | dict(values or {})
    shown = None
    if findings is not None and len(findings):
        shown = _table(findings, caption="State and federal missions and shows found", caption_hidden=True,
                           columns={"finding": "Finding", "event": "Existing event", "event_id": "Id",
                                    "provider": "Run by", "level": "Level", "iso3": "Country", "sector": "Sector",
                                    "start_date": "Starts", "end_date": "Ends"})
    return render(request, "initiatives_mission.html", status_code=status_code, title="Add a mission",
                  fields=MISSION_FIELDS, values=values, error=error, duplicate=duplicate, findings=shown,
                  can_edit=can(user["role"], "edit"))


def mission_form(request: Request):
    """The form to add a trade mission (staff only may send it)."""
    return _mission_form(request)


def _duplicate_words(duplicates: pd.DataFrame) -> str:
    lines = [f"This mission duplicates {len(duplicates)} existing state or federal mission(s):"]
    for row in duplicates.to_dict("records"):
        lines.append(f"'{row['event']}' ({row['event_id']}) of {row['program']}, run by {row['provider']} "
                     f"({row['level']}), {row['start_date']} to {row['end_date']}.")
    lines.append("Choose another market, sector or dates, join the existing mission, or tick "
                 "\u201cadd anyway\u201d to add it regardless.")
    return "\n".join(lines)


def mission_add(request: Request):
    """Check the mission against the inventory's missions, then add it (a duplicate only with "add anyway")."""
    ws, form = request.state.ws, request.state.form or {}
    values = {f: str(form.get(f, "")).strip()[:200] for f in MISSION_FIELDS}
    force = form.get("force") == "yes"
    try:
        findings = ws.initiatives.check_mission(values["iso3"], values["sector"], values["start_date"],
                                                values["end_date"], name=values["name"])
        duplicates = findings[findings["finding"] == DUPLICATE]
        if len(duplicates) and not force:
            return _mission_form(request, values, status_code=409, duplicate=_duplicate_words(duplicates),
                                 findings=findings)
        added = ws.initiatives.add(values["key"], "mission", values["name"], iso3=values["iso3"],
                                   sector=values["sector"], start_date=values["start_date"],
                                   end_date=values["end_date"], city=values["city"], force=force)
    except DuplicateMission as exc:
        return _mission_form(request, values, status_code=409, duplicate=str(exc), findings=exc.findings)
    except ExportPlanError as exc:
        return _mission_form(request, values, status_code=400, error=str(exc))
    message = f"Mission {added['key']} added."
    if force and len(duplicates):
        message += " It duplicates an existing mission; that was recorded in the audit log."
    return flash(RedirectResponse(f"/initiatives/{added['key']}", status_code=303), request, message)


# ---- a run's page -------------------------------------------------------------------------------
def _section(title: str, make: Callable[[], object]) -> dict:
    """A section of a run's page: its table, or the service's message when it cannot be made."""
    try:
        return {"title": title, "body": make(), "error": ""}
    except ExportPlanError as exc:
        return {"title": title, "body": None, "error": str(exc)}


def _members(ws, key: str, caption: str) -> dict:
    return _section(caption, lambda: _table(
        ws.initiatives.members(key), caption=caption, caption_hidden=True, row_header="name",
        columns={"name": "Company", "company": "Id", "status": "Status", "coach": "Coach", "joined_date": "Joined",
                 "plan_status": "Export plan", "sessions_attended": "Sessions attended",
                 "sessions_held": "Sessions held"}, empty="No companies yet."))


def _sessions(ws, key: str) -> dict:
    return _section("Sessions and attendance", lambda: _table(
        ws.initiatives.sessions(key), caption="Sessions", caption_hidden=True, row_header="title",
        columns={"date": "Date", "title": "Session", "present": "Present", "absent": "Absent", "note": "Note"},
        empty="No sessions yet."))


def _meetings(ws, key: str) -> dict:
    return _section("Meetings", lambda: _table(
        ws.initiatives.meetings(key), caption="Meetings", caption_hidden=True,
        columns={"date": "Date", "name": "Company", "counterpart": "Met", "iso3": "Country", "result": "Result",
                 "note": "Note"}, empty="No meetings recorded."))


def _follow_up(ws, key: str) -> dict:
    def make():
        frame = ws.initiatives.follow_up(key)
        return _table(frame, caption="Follow-up", caption_hidden=True, row_header="name",
                          columns={"name": "Company", "due_6m": "6 months", "status_6m": "Status",
                                   "export_sales_6m": "Sales ($)", "due_12m": "12 months", "status_12m": "Status ",
                                   "export_sales_12m": "Sales ($) "},
                          formats={"export_sales_6m": USD, "export_sales_12m": USD}, empty="No companies to follow.")
    return _section("Follow-up at 6 and 12 months", make)


def _mission_check(ws, run: dict) -> dict:
    def make():
        if not run["iso3"] or not run["start_date"]:
            raise ExportPlanError("The mission has no country or start date, so it cannot be checked.")
        frame = ws.initiatives.check_mission(run["iso3"], run["sector"], run["start_date"], run["end_date"],
                                             name=run["name"])
        return _table(frame, caption="Mission check", caption_hidden=True,
                          columns={"finding": "Finding", "event": "Existing event", "event_id": "Id",
                                   "provider": "Run by", "level": "Level", "start_date": "Starts",
                                   "end_date": "Ends", "reason": "Why"},
                          empty="No state or federal mission or trade show duplicates it.")
    return _section("Check against state and federal missions", make)


def _competition(ws, key: str) -> list[dict]:
    comp = ws.competitions
    money = {"cost_usd": USD, "award": USD, "budget": USD, "awarded": USD, "left": USD, "eligible": USD,
             "reimbursed": USD, "claimable": USD}
    return [
        _section("Rubric", lambda: _table(comp.rubric(key), caption="Rubric", caption_hidden=True,
                                              row_header="label", columns={"label": "Criterion", "key": "Key",
                                                                           "weight": "Weight",
                                                                           "max_points": "Out of", "share": "Share"},
                                              formats={"share": ".0%", "weight": "g", "max_points": "g"},
                                              empty="No rubric yet.")),
        _section("Judges", lambda: _table(comp.judges(key), caption="Judges", caption_hidden=True,
                                              row_header="name", columns={"name": "Judge", "judge": "User",
                                                                          "assigned": "Assigned",
                                                                          "completed": "Scored",
                                                                          "conflicts": "Conflicts"},
                                              empty="No judges yet.")),
        _section("Applications", lambda: _table(
            comp.applications(key), caption="Applications", caption_hidden=True, row_header="name",
            columns={"application": "Id", "name": "Company", "submitted_at": "Submitted", "cost_usd": "Cost ($)",
                     "status": "Status", "score": "Score", "rank": "Rank", "judges_used": "Judges",
                     "judges_conflicted": "Conflicted", "award": "Award ($)"},
            formats=dict(money, submitted_at=lambda v: str(v)[:10]),
            empty="No applications yet.")),
        _section("Ranking", lambda: _table(
            comp.results(key).ranking, caption="Ranking", caption_hidden=True, row_header="name",
            columns={"rank": "Rank", "application": "Id", "name": "Company", "score": "Score"},
            empty="Nothing ranked yet.")),
        _section("Awards", lambda: _table(
            comp.awards(key), caption="Awards", caption_hidden=True, row_header="name",
            columns={"rank": "Rank", "application": "Id", "name": "Company", "score": "Score",
                     "cost_usd": "Cost ($)", "award": "Award ($)", "status": "Status", "decided_at": "Decided"},
            formats=dict(money, decided_at=lambda v: str(v)[:10]), empty="The awards are not decided yet.")),
        _section("Budget", lambda: _table(
            comp.budget(key), caption="Budget", caption_hidden=True,
            columns={"budget": "Budget ($)", "awarded": "Awarded ($)", "left": "Left ($)", "awards": "Awards",
                     "reason": "Why"}, formats=money)),
        _section("Claims", lambda: _table(
            comp.claims(key), caption="Claims", caption_hidden=True, row_header="application",
            columns={"application": "Id", "award": "Award ($)", "receipts": "Receipts", "eligible": "Eligible ($)",
                     "reimbursed": "Reimbursed ($)", "claimable": "Claimable ($)", "reason": "Why"},
            formats=money, empty="No claims yet.")),
    ]


def run_page(request: Request):
    """One run, with the sections of its kind."""
    ws = request.state.ws
    key = str(request.path_params["key"])
    try:
        run = ws.initiatives.get(key)
    except ExportPlanError:
        return refuse(request, 404, f"No program run with key {key!r}; see the list of own programs.")
    kind = run["kind"]
    if kind == "cohort":
        sections = [_members(ws, key, "Companies"), _sessions(ws, key), _follow_up(ws, key)]
    elif kind == "mission":
        sections = [_members(ws, key, "Participants"), _meetings(ws, key), _mission_check(ws, run),
                    _follow_up(ws, key)]
    elif kind == "competition":
        sections = _competition(ws, key)
    else:
        sections = [_members(ws, key, "Companies"), _sessions(ws, key), _meetings(ws, key), _follow_up(ws, key)]
    facts = [(label, value) for label, value in (
        ("Kind", kind), ("Status", run["status"]), ("Starts", run["start_date"]), ("Ends", run["end_date"]),
        ("Country", run["iso3"]), ("Sector", run["sector"]), ("City", run["city"]),
        ("Partners", "; ".join(run["partners"])), ("Cost", _money(run["cost_usd"])),
        ("Grants", _money(run["grants_usd"]) + (f" ({run['grant_source']})" if run["grant_source"] else "")),
        ("Award budget", _money(run["budget_usd"])), ("Note", run["note"])) if str(value or "").strip()]
    return render(request, "initiatives_run.html", title=run["name"], run=run, facts=facts, sections=sections)


ROUTES = [
    page("/initiatives", runs_list, access="read", name="initiatives", nav="Own programs"),
    page("/initiatives/report", report_page, access="read", name="initiatives_report"),
    page("/initiatives/new-mission", mission_form, access="read", name="initiatives_mission_form"),
    page("/initiatives/new-mission", mission_add, access="edit", methods=("POST",), name="initiatives_mission_add"),
    page("/initiatives/{key}", run_page, access="read", name="initiatives_run"),
] + initiatives_judges.ROUTES
