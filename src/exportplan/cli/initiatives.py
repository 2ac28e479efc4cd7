"""Commands for the organization's own programs: ``exportplan initiatives ...``.

A run of one of the organization's programs is an *initiative* (``ws.initiatives``): an export
acceleration cohort, a pitch competition round (``ws.competitions``), a trade mission or an event.
The ``initiatives`` group lists, adds and reports on them; its subgroups ``cohort``, ``mission`` and
``competition`` run each kind. Companies are named by their pipeline key everywhere.
"""
from __future__ import annotations

import click

from ..analysis.initiative_terms import KINDS, MEMBER_STATUSES, PLAN_WRITTEN, STATUSES
from ..errors import ExportPlanError
from .initiative_common import echo_notes, echo_record, parse_pairs, parse_tiers, show_table
from .main import cli, current_workspace, friendly, table_output, workspace_option

LIST_COLUMNS = ["key", "kind", "name", "status", "start_date", "end_date", "iso3", "sector", "companies",
                "cost_usd", "grants_usd"]
MEMBER_COLUMNS = ["company", "name", "naics", "status", "coach", "joined_date", "plan_status", "sessions_attended",
                  "sessions_held"]
SESSION_COLUMNS = ["id", "date", "title", "present", "absent"]
MEETING_COLUMNS = ["id", "date", "company", "name", "counterpart", "iso3", "result"]
OUTCOME_COLUMNS = ["outcome_id", "company", "name", "date", "kind", "iso3", "export_sales_usd", "attributed_to"]
REPORT_COLUMNS = ["key", "name", "kind", "companies_served", "plans_written", "outcomes", "first_exports",
                  "new_markets", "export_sales_usd", "cost_usd", "grants_usd", "sales_per_grant_dollar",
                  "cost_per_outcome"]
CHECK_COLUMNS = ["finding", "event", "program", "provider", "level", "iso3", "sector", "start_date", "end_date",
                 "days_apart", "reason"]
#: Fields of an initiative that 'initiatives update --set' may change (the service checks each value).
UPDATE_FIELDS = ("name", "status", "start_date", "end_date", "iso3", "sector", "city", "partners", "cost_usd",
                 "grants_usd", "grant_source", "budget_usd", "note")


# ---- the group -------------------------------------------------------------------------------------

@cli.group("initiatives")
def initiatives_group():
    """The organization's own programs: export acceleration cohorts, pitch competitions, trade missions,
    events, and what they achieve.

    Apart from 'exportplan programs' (the inventory of everyone's programs), these are the runs the
    organization itself delivers: who took part, the sessions, meetings, judges and awards, and the
    pipeline's outcomes attributed to each (the program report).

    \b
    Examples:
      exportplan -w DIR initiatives list
      exportplan -w DIR initiatives add exportech-2027 --kind cohort --name 'ExporTech 2027' --start 2027-01-12
      exportplan -w DIR initiatives enroll exportech-2027 c0001 c0002 --coach 'Jane Staff'
      exportplan -w DIR initiatives mission check --country MEX --sector Automotive --start 2027-03-01
      exportplan -w DIR initiatives competition results pitch-2027
      exportplan -w DIR initiatives attribute 42 exportech-2027 pitch-2027
      exportplan -w DIR initiatives report --start 2026-01-01 --end 2026-12-31
    """


@initiatives_group.command("list")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only this kind of run.")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only planned, open or closed runs.")
@table_output
@workspace_option
@click.pass_context
@friendly
def list_initiatives(ctx, kind, status, fmt, output):
    """List the organization's program runs: kind, dates, country, sector, companies, cost and grants.

    Example: exportplan -w DIR initiatives list --kind mission
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.list(kind=kind, status=status)
    show_table(frame, fmt=fmt, output=output, columns=LIST_COLUMNS, title=f"{len(frame)} program run(s)")


@initiatives_group.command("show")
@click.argument("key")
@workspace_option
@click.pass_context
@friendly
def show(ctx, key):
    """Show one run: its fields, and its members, sessions, meetings or (a competition) rubric, judges,
    applications and budget.

    Example: exportplan -w DIR initiatives show exportech-2026
    """
    ws = current_workspace(ctx)
    record = ws.initiatives.get(key)
    echo_record(record, skip=("id",))
    kind = record.get("kind")
    if kind in ("cohort", "mission", "event"):
        members = ws.initiatives.members(key)
        click.echo("")
        show_table(members, columns=MEMBER_COLUMNS,
                    title=f"{len(members)} compan{'y' if len(members) == 1 else 'ies'}")
    if kind in ("cohort", "event"):
        sessions = ws.initiatives.sessions(key)
        click.echo("")
        show_table(sessions, columns=SESSION_COLUMNS, title=f"{len(sessions)} session(s)")
    if kind in ("mission", "event"):
        meetings = ws.initiatives.meetings(key)
        click.echo("")
        show_table(meetings, columns=MEETING_COLUMNS, title=f"{len(meetings)} meeting(s)")
    if kind == "competition":
        for title, frame in (("rubric", ws.competitions.rubric(key)), ("judges", ws.competitions.judges(key)),
                             ("applications", ws.competitions.applications(key)),
                             ("budget", ws.competitions.budget(key))):
            click.echo("")
            show_table(frame, title=f"{title} ({len(frame)})")


@initiatives_group.command("add")
@click.argument("key")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="What the run is.")
@click.option("--name", required=True, help="Its name, e.g. 'ExporTech 2027'.")
@click.option("--status", type=click.Choice(STATUSES), default="planned", show_default=True)
@click.option("--start", "start_date", default="", help="First day (YYYY-MM-DD).")
@click.option("--end", "end_date", default="", help="Last day (YYYY-MM-DD).")
@click.option("--country", "iso3", default="", help="A mission's or event's country (any spelling or ISO3).")
@click.option("--sector", default="", help="Sector (cluster) name(s) or NAICS prefixes, ';'-separated.")
@click.option("--city", default="", help="Where.")
@click.option("--partner", "partners", multiple=True, metavar="NAME",
              help="A partner organization (repeatable), e.g. --partner 'U.S. Commercial Service'.")
@click.option("--cost", "cost_usd", type=float, default=None, help="What the run costs the organization (USD).")
@click.option("--grants", "grants_usd", type=float, default=None, help="Grant dollars that pay for it (USD).")
@click.option("--grant-source", default="", help="Where the grants come from, e.g. STEP.")
@click.option("--budget", "budget_usd", type=float, default=None, help="A competition's award budget (USD).")
@click.option("--tier", "tiers", multiple=True, metavar="UP_TO:RATE",
              help="A competition's cost-share tier (repeatable, in order): the share of the cost up to UP_TO "
                   "dollars the grant pays, e.g. --tier 2500:1.0 --tier 7500:0.5.")
@click.option("--cap", type=float, default=None, help="A competition's largest grant (USD).")
@click.option("--min-score", type=float, default=None, help="A competition's lowest mean score (0-100) for a grant.")
@click.option("--partial", is_flag=True, help="A competition may give the last award only what is left of its "
                                              "budget (default: skip it for the next that fits).")
@click.option("--field", "fields", multiple=True, metavar="KEY=LABEL",
              help="An application field the competition asks for (repeatable), e.g. --field 'project=What the "
                   "grant pays for'.")
@click.option("--note", default="", help="A note.")
@click.option("--force", is_flag=True, help="Add a mission even when a state or federal mission already goes there "
                                            "then.")
@workspace_option
@click.pass_context
@friendly
def add(ctx, key, kind, name, status, start_date, end_date, iso3, sector, city, partners, cost_usd, grants_usd,
        grant_source, budget_usd, tiers, cap, min_score, partial, fields, note, force):
    """Add a program run. A mission is first checked against the inventory's dated state and federal
    missions (same country and sector within 90 days): a duplicate is refused, naming the mission it
    duplicates, unless --force.

    \b
    Examples:
      exportplan -w DIR initiatives add exportech-2027 --kind cohort --name 'ExporTech 2027' \\
          --start 2027-01-12 --end 2027-04-06 --partner 'Manufacturing Extension Partnership' --cost 30000
      exportplan -w DIR initiatives add pitch-2027 --kind competition --name 'Pitch competition 2027' \\
          --budget 20000 --tier 2500:1.0 --tier 7500:0.5 --cap 5000 --field 'project=What the grant pays for'
      exportplan -w DIR initiatives add mex-auto-2027 --kind mission --name 'Automotive mission to Mexico' \\
          --country MEX --sector Automotive --start 2027-09-13 --end 2027-09-17
    """
    rules = None
    if kind == "competition":
        rules = {"cost_share": {"tiers": parse_tiers(tiers), "cap": cap}, "min_score": min_score, "partial": partial,
                 "fields": parse_pairs(fields, "--field 'project=What the grant pays for'", "--field")}
    elif tiers or cap is not None or min_score is not None or partial or fields:
        raise ExportPlanError("--tier, --cap, --min-score, --partial and --field are a competition's rules; use "
                              "them with --kind competition.")
    ws = current_workspace(ctx)
    record = ws.initiatives.add(key, kind, name, status=status, start_date=start_date, end_date=end_date,
                                iso3=iso3, sector=sector, city=city, partners=partners, cost_usd=cost_usd,
                                grants_usd=grants_usd, grant_source=grant_source, budget_usd=budget_usd,
                                rules=rules, note=note, force=force)
    findings = record.get("findings")
    click.echo(f"Added {kind} {record.get('key', key)}: {record.get('name', name)}.")
    if findings is not None and len(findings):
        duplicate = (findings["finding"] == "duplicate mission").any() if "finding" in findings else False
        click.echo("")
        show_table(findings, columns=CHECK_COLUMNS,
                    title=("Added with --force although it duplicates:" if duplicate else
                           "State and federal events in the same market then (not refused):"))


@initiatives_group.command("update")
@click.argument("key")
@click.option("--set", "sets", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A field and its new value (repeatable; an empty VALUE clears it), e.g. --set status=closed.")
@click.option("--expect-version", type=int, default=None, metavar="N",
              help="The version you read with 'initiatives show' (refused if someone saved since).")
@click.option("--force", is_flag=True, help="Keep a mission's new country, sector or dates even when a state or "
                                            "federal mission then duplicates it.")
@workspace_option
@click.pass_context
@friendly
def update(ctx, key, sets, expect_version, force):
    """Change a run's fields (each change goes to the audit log).

    \b
    Fields: name, status, start_date, end_date, iso3, sector, city, partners (';'-separated),
    cost_usd, grants_usd, grant_source, budget_usd, note.

    Example: exportplan -w DIR initiatives update exportech-2026 --set status=closed --set cost_usd=36000
    """
    changes: dict[str, object] = parse_pairs(sets, "--set status=closed", "--set")
    unknown = sorted(set(changes) - set(UPDATE_FIELDS))
    if unknown:
        raise ExportPlanError(f"Unknown field(s) {', '.join(unknown)}; the fields are {', '.join(UPDATE_FIELDS)}.")
    if "partners" in changes:
        changes["partners"] = tuple(p.strip() for p in str(changes["partners"]).split(";") if p.strip())
    ws = current_workspace(ctx)
    version = ws.initiatives.update(key, expected_version=expect_version, force=force, **changes)
    click.echo(f"Updated {key}: {', '.join(changes)} (version {version}).")


@initiatives_group.command("remove")
@click.argument("key")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@workspace_option
@click.pass_context
@friendly
def remove(ctx, key, yes):
    """Delete a run with its members, sessions, meetings, applications, scores and awards (the pipeline's
    outcomes stay; only their attribution to this run goes).

    Example: exportplan -w DIR initiatives remove test-run --yes
    """
    ws = current_workspace(ctx)
    record = ws.initiatives.get(key)
    if not yes and not click.confirm(f"Delete {record.get('kind', '')} {key} ({record.get('name', '')}) and "
                                     "everything recorded for it?", default=False):
        click.echo("Nothing deleted.")
        return
    ws.initiatives.remove(key)
    click.echo(f"Deleted {key}.")


@initiatives_group.command("report")
@click.option("--start", default=None, help="First day of the outcomes counted (default: the plan's baseline date).")
@click.option("--end", default=None, help="Last day of the outcomes counted (default: today).")
@table_output
@workspace_option
@click.pass_context
@friendly
def report(ctx, start, end, fmt, output):
    """The program report: per run, companies served, plans written, first exports, new markets, export
    sales reported, sales per grant dollar and cost per outcome; the totals count each company and
    outcome once (docs/own-programs.md).

    Example: exportplan -w DIR initiatives report --start 2026-01-01 --end 2026-12-31 --output report.xlsx
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.report(start=start, end=end)
    show_table(frame, fmt=fmt, output=output, columns=REPORT_COLUMNS, title="Program report")


@initiatives_group.command("attribute")
@click.argument("outcome_id", type=int)
@click.argument("targets", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove these attributions instead.")
@click.option("--force", is_flag=True, help="Attribute it to a run the company did not take part in.")
@workspace_option
@click.pass_context
@friendly
def attribute(ctx, outcome_id, targets, remove, force):
    """Attribute a pipeline outcome to runs (their keys) or referrals ('referral:ID'); an outcome may be
    attributed to several, and counts in each one's report.

    The outcome ids are in 'initiatives outcomes' (and printed by 'companies outcome').

    \b
    Examples:
      exportplan -w DIR initiatives attribute 42 exportech-2026 sample-pitch-2026
      exportplan -w DIR initiatives attribute 43 referral:17
      exportplan -w DIR initiatives attribute 42 sample-pitch-2026 --remove
    """
    ws = current_workspace(ctx)
    if remove:
        for target in targets:
            ws.initiatives.unattribute(outcome_id, target)
        click.echo(f"Outcome #{outcome_id} is no longer attributed to {', '.join(targets)}.")
    else:
        added = ws.initiatives.attribute(outcome_id, *targets, force=force)
        click.echo(f"Outcome #{outcome_id} attributed to {', '.join(targets)}"
                   + ("" if added == len(set(targets)) else f" ({len(set(targets)) - added} already were)") + ".")


@initiatives_group.command("outcomes")
@click.option("--company", default=None, help="Only this company's outcomes (its key).")
@table_output
@workspace_option
@click.pass_context
@friendly
def outcomes(ctx, company, fmt, output):
    """The pipeline's outcomes with the runs and referrals each is attributed to.

    Example: exportplan -w DIR initiatives outcomes --company SAMPLE-0082
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.outcomes(company=company)
    show_table(frame, fmt=fmt, output=output, columns=OUTCOME_COLUMNS, title=f"{len(frame)} outcome(s)")


# ---- cohorts (and events: the same members, sessions and attendance) ------------------------------

@initiatives_group.group("cohort")
def cohort_group():
    """An export acceleration cohort (or an event's sessions): sessions and attendance, the companies'
    export plans, and their follow-up at 6 and 12 months (add the companies and coaches with
    'initiatives enroll').

    \b
    Examples:
      exportplan -w DIR initiatives enroll exportech-2027 c0001 c0002 --coach 'Jane Staff'
      exportplan -w DIR initiatives cohort session exportech-2027 --date 2027-01-12 --title 'Market research'
      exportplan -w DIR initiatives cohort attend exportech-2027 1 --present c0001 --absent c0002
      exportplan -w DIR initiatives members exportech-2027
      exportplan -w DIR initiatives cohort follow-up exportech-2027
    """


@initiatives_group.command("enroll")
@click.argument("key")
@click.argument("companies", nargs=-1, required=True)
@click.option("--coach", default="", help="The staff user who coaches them.")
@click.option("--status", type=click.Choice(MEMBER_STATUSES), default="enrolled", show_default=True)
@click.option("--date", "joined_date", default=None, help="When they joined (YYYY-MM-DD; default: today).")
@click.option("--note", default="", help="A note.")
@workspace_option
@click.pass_context
@friendly
def enroll(ctx, key, companies, coach, status, joined_date, note):
    """Add companies (pipeline keys) to a run: a cohort's companies, a mission's participants, an event's
    attendees.

    Example: exportplan -w DIR initiatives enroll exportech-2027 c0001 c0002 --coach 'Jane Staff'
    """
    ws = current_workspace(ctx)
    for company in companies:
        ws.initiatives.enroll(key, company, coach=coach, status=status, joined_date=joined_date, note=note)
    click.echo(f"Enrolled {len(companies)} compan{'y' if len(companies) == 1 else 'ies'} in {key}: "
               f"{', '.join(companies)}.")


@initiatives_group.command("member")
@click.argument("key")
@click.argument("company")
@click.option("--status", type=click.Choice(MEMBER_STATUSES), default=None, help="The company's status in the run.")
@click.option("--coach", default=None, help="Its coach.")
@click.option("--note", default=None, help="A note.")
@workspace_option
@click.pass_context
@friendly
def set_member(ctx, key, company, status, coach, note):
    """Change a member's status (enrolled, completed, withdrawn), coach or note.

    Example: exportplan -w DIR initiatives member exportech-2027 c0001 --status completed
    """
    if status is None and coach is None and note is None:
        raise ExportPlanError("Give what changes: --status, --coach or --note.")
    ws = current_workspace(ctx)
    ws.initiatives.set_member(key, company, status=status, coach=coach, note=note)
    click.echo(f"Updated {company} in {key}.")


@initiatives_group.command("members")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def members(ctx, key, fmt, output):
    """A run's companies: status, coach, export plan status and sessions attended.

    Example: exportplan -w DIR initiatives members exportech-2026
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.members(key)
    show_table(frame, fmt=fmt, output=output, columns=MEMBER_COLUMNS,
                title=f"{len(frame)} compan{'y' if len(frame) == 1 else 'ies'} in {key}")


@cohort_group.command("session")
@click.argument("key")
@click.option("--date", "on", required=True, help="When (YYYY-MM-DD).")
@click.option("--title", required=True, help="What it covered, e.g. 'Market research'.")
@click.option("--note", default="", help="A note.")
@workspace_option
@click.pass_context
@friendly
def session(ctx, key, on, title, note):
    """Add a session to a cohort or event; prints its id (for 'cohort attend').

    Example: exportplan -w DIR initiatives cohort session exportech-2027 --date 2027-01-12 --title 'Market research'
    """
    ws = current_workspace(ctx)
    number = ws.initiatives.add_session(key, on, title, note=note)
    click.echo(f"Added session #{number} to {key} ({on}: {title}).")


@initiatives_group.command("sessions")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def sessions(ctx, key, fmt, output):
    """A run's sessions with how many companies were present and absent.

    Example: exportplan -w DIR initiatives sessions exportech-2026
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.sessions(key)
    show_table(frame, fmt=fmt, output=output, columns=SESSION_COLUMNS, title=f"{len(frame)} session(s) of {key}")


@cohort_group.command("attend")
@click.argument("key")
@click.argument("session_id", type=int)
@click.option("--present", multiple=True, metavar="COMPANY", help="A member present (repeatable).")
@click.option("--absent", multiple=True, metavar="COMPANY", help="A member absent (repeatable).")
@workspace_option
@click.pass_context
@friendly
def attend(ctx, key, session_id, present, absent):
    """Record who attended a session (the companies must be members of the run).

    Example: exportplan -w DIR initiatives cohort attend exportech-2027 3 --present c0001 --absent c0002
    """
    if not present and not absent:
        raise ExportPlanError("Name the companies: --present COMPANY and/or --absent COMPANY (repeatable).")
    ws = current_workspace(ctx)
    ws.initiatives.record_attendance(key, session_id, present=present, absent=absent)
    click.echo(f"Session #{session_id} of {key}: {len(present)} present, {len(absent)} absent.")


@cohort_group.command("follow-up")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def follow_up(ctx, key, fmt, output):
    """Each member's follow-up at 6 and 12 months after the run ended: outcomes and export sales reported
    in the pipeline, or whether the report is due.

    Example: exportplan -w DIR initiatives cohort follow-up exportech-2026
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.follow_up(key)
    show_table(frame, fmt=fmt, output=output, title=f"Follow-up of {key}")


@cohort_group.command("plans")
@click.argument("key")
@workspace_option
@click.pass_context
@friendly
def plans(ctx, key):
    """The members' export plans: status and coach (edit one with 'exportplan companies plan ID ...').

    Example: exportplan -w DIR initiatives cohort plans exportech-2026
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.members(key)
    written = int((frame["plan_status"] == PLAN_WRITTEN).sum()) if "plan_status" in frame else 0
    show_table(frame, columns=["company", "name", "coach", "plan_status"],
                title=f"{written} of {len(frame)} export plan(s) written in {key}")


# ---- missions -------------------------------------------------------------------------------------

@initiatives_group.group("mission")
def mission_group():
    """Trade missions: check a proposed mission against the state and federal missions, and record its
    participants' meetings (add participants with 'initiatives enroll').

    \b
    Examples:
      exportplan -w DIR initiatives mission check --country IND --sector 'Medical Devices' --start 2027-06-07
      exportplan -w DIR initiatives add ind-med-2027 --kind mission --name 'Medical devices to India' ...
      exportplan -w DIR initiatives enroll ind-med-2027 c0001 c0002
      exportplan -w DIR initiatives mission meeting ind-med-2027 c0001 --counterpart 'Pune distributor'
      exportplan -w DIR initiatives mission meetings ind-med-2027
    """


@mission_group.command("check")
@click.option("--country", "iso3", required=True, help="The target country (any spelling or ISO3).")
@click.option("--sector", default="", help="Sector (cluster) name(s) or NAICS prefixes, ';'-separated.")
@click.option("--start", "start_date", required=True, help="First day (YYYY-MM-DD).")
@click.option("--end", "end_date", default="", help="Last day (YYYY-MM-DD; default: the first day).")
@click.option("--window", "window_days", type=int, default=None,
              help="Days between two trips within which they are compared (default: 90).")
@table_output
@workspace_option
@click.pass_context
@friendly
def mission_check(ctx, iso3, sector, start_date, end_date, window_days, fmt, output):
    """The state and federal missions (and trade shows) that a proposed mission would duplicate or meet:
    same country, overlapping sector, within the window.

    Example: exportplan -w DIR initiatives mission check --country MEX --sector Automotive --start 2027-03-01
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.check_mission(iso3, sector, start_date=start_date, end_date=end_date,
                                         window_days=window_days)
    duplicates = int((frame["finding"] == "duplicate mission").sum()) if len(frame) else 0
    if not len(frame):
        click.echo("No state or federal mission or trade show goes to that market in that window: no duplicate.")
        echo_notes(frame.attrs.get("exportplan"))
        return
    show_table(frame, fmt=fmt, output=output, columns=CHECK_COLUMNS,
                title=(f"{duplicates} duplicate mission(s): 'initiatives add' refuses it without --force"
                       if duplicates else "No duplicate mission; events in the same market then:"))


@mission_group.command("meeting")
@click.argument("key")
@click.argument("company")
@click.option("--counterpart", required=True, help="Who the company met: a buyer, distributor or agency.")
@click.option("--date", "on", default=None, help="When (YYYY-MM-DD; default: today).")
@click.option("--country", "iso3", default="", help="Where, when not the mission's country.")
@click.option("--result", default="", help="What came of it, e.g. 'samples requested'.")
@click.option("--note", default="", help="A note.")
@workspace_option
@click.pass_context
@friendly
def meeting(ctx, key, company, counterpart, on, iso3, result, note):
    """Record a meeting a company had on a mission or at an event.

    Example: exportplan -w DIR initiatives mission meeting ind-med-2027 c0001 --counterpart 'Pune distributor'
    """
    ws = current_workspace(ctx)
    number = ws.initiatives.add_meeting(key, company, counterpart, date=on, iso3=iso3, result=result, note=note)
    click.echo(f"Recorded meeting #{number} of {company} on {key}.")


@mission_group.command("meetings")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def meetings(ctx, key, fmt, output):
    """A mission's or event's meetings.

    Example: exportplan -w DIR initiatives mission meetings ind-med-2027
    """
    ws = current_workspace(ctx)
    frame = ws.initiatives.meetings(key)
    show_table(frame, fmt=fmt, output=output, columns=MEETING_COLUMNS, title=f"{len(frame)} meeting(s) on {key}")
