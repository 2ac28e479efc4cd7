"""Commands for the organization's own programs: ``exportplan initiatives ...``.

A run of one of the organization's programs is an *initiative* (``ws.initiatives``): an export
acceleration cohort, a pitch competition round (``ws.competitions``), a trade mission or an event.
The ``initiatives`` group lists, adds and reports on them; its subgroups ``cohort``, ``mission`` and
``competition`` run each kind. Companies are named by their pipeline key everywhere.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import click

from ..analysis.initiative_terms import KINDS, MEMBER_STATUSES, PLAN_WRITTEN, STATUSES
from ..errors import ExportPlanError
from .main import cli, current_workspace, emit_table, friendly, other_notes, table_output, workspace_option

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
MONEY = {c: ",.0f" for c in ("cost_usd", "grants_usd", "budget_usd", "export_sales_usd", "cost_per_outcome")}
MONEY.update({c: ",.2f" for c in ("cost", "grant", "award", "budget_left", "budget", "awarded", "left", "amount",
                                  "eligible", "eligible_to_date", "reimbursed", "reimbursed_to_date", "claimable",
                                  "sales_per_grant_dollar")})
#: Fields of an initiative that 'initiatives update --set' may change (the service checks each value).
UPDATE_FIELDS = ("name", "status", "start_date", "end_date", "iso3", "sector", "city", "partners", "cost_usd",
                 "grants_usd", "grant_source", "budget_usd", "note")


# ---- small helpers --------------------------------------------------------------------------------

def _notes(meta: dict | None) -> None:
    for note in other_notes(meta):
        click.echo(f"Note: {note}")


def _show_table(frame, *, fmt=None, output=None, columns=None, title=None, max_rows=60) -> None:
    """A service frame with its notes, money columns formatted."""
    meta = frame.attrs.get("exportplan")
    notes = frame.attrs.get("notes", [])
    frame = _days(frame)
    shown = columns if columns is None else [c for c in columns if c in frame.columns] or None
    emit_table(frame, fmt=fmt, output=output, meta=meta, columns=shown, title=title, max_rows=max_rows,
               formats={k: v for k, v in MONEY.items() if k in frame.columns})
    _notes(meta)
    if not meta:  # a frame straight from the analysis keeps its notes in attrs["notes"]
        for note in notes:
            click.echo(f"Note: {note}")


def _days(frame):
    """Date-time columns that hold whole days (a receipt's date) as YYYY-MM-DD text."""
    import pandas as pd

    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            filled = values.dropna()
            if (filled == filled.dt.normalize()).all():
                frame = frame.assign(**{column: values.dt.strftime("%Y-%m-%d").fillna("")})
    return frame


def _pairs(values: tuple[str, ...], example: str, what: str) -> dict[str, str]:
    """NAME=VALUE options as a dict (a repeated NAME keeps the last VALUE)."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r}: write NAME=VALUE, e.g. {example}", param_hint=what)
        out[name.strip()] = value.strip()
    return out


def _points(values: tuple[str, ...]) -> dict[str, float]:
    """--points CRITERION=POINTS as numbers."""
    out: dict[str, float] = {}
    for name, value in _pairs(values, "--points market=8", "--points").items():
        try:
            number = float(value)
        except ValueError:
            raise click.BadParameter(f"{name}={value!r}: the points must be a number, e.g. {name}=7.5",
                                     param_hint="--points") from None
        if math.isnan(number) or math.isinf(number):
            raise click.BadParameter(f"{name}={value!r}: the points must be a number, e.g. {name}=7.5",
                                     param_hint="--points")
        out[name] = number
    return out


def _tiers(values: tuple[str, ...]) -> list[list[float | None]]:
    """--tier UP_TO:RATE (UP_TO in dollars, or 'rest'; RATE a share like 0.5 or a percentage like 50%)."""
    tiers: list[list[float | None]] = []
    for item in values:
        up_to, sep, rate = item.partition(":")
        try:
            if not sep:
                raise ValueError
            limit = None if up_to.strip().lower() in ("", "rest") else float(up_to.replace(",", "").replace("$", ""))
            share = rate.strip()
            share_value = float(share[:-1]) / 100 if share.endswith("%") else float(share)
        except ValueError:
            raise click.BadParameter(f"{item!r}: write UP_TO:RATE, e.g. --tier 2500:1.0 --tier 7500:50% "
                                     "(UP_TO 'rest' for everything above the last tier)", param_hint="--tier") from None
        tiers.append([limit, share_value])
    return tiers


def _echo_record(record: dict, skip: tuple[str, ...] = ()) -> None:
    """A record's filled fields, one a line."""
    for field, value in record.items():
        if field in skip or value is None or (isinstance(value, float) and math.isnan(value)) or value in ("", [], {}):
            continue
        if isinstance(value, (dict, list, tuple)):
            value = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else "; ".join(map(str, value))
        click.echo(f"{field}: {value}")


def _read_table(path: Path, sheet: str | None = None):
    """A CSV or XLSX table (first line: column names) as a frame of strings."""
    from ..imports.reader import read_any

    grid = read_any(path, sheet=sheet)
    header = [str(c).strip().lower() for c in grid.iloc[0]]
    if not any(header):
        raise ExportPlanError(f"{path.name}: the first line must name the columns (key, label, weight, max_points).")
    body = grid.iloc[1:].copy()
    body.columns = header
    return body.loc[:, [c for c in header if c]].reset_index(drop=True)


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
    _show_table(frame, fmt=fmt, output=output, columns=LIST_COLUMNS, title=f"{len(frame)} program run(s)")


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
    _echo_record(record, skip=("id",))
    kind = record.get("kind")
    if kind in ("cohort", "mission", "event"):
        members = ws.initiatives.members(key)
        click.echo("")
        _show_table(members, columns=MEMBER_COLUMNS,
                    title=f"{len(members)} compan{'y' if len(members) == 1 else 'ies'}")
    if kind in ("cohort", "event"):
        sessions = ws.initiatives.sessions(key)
        click.echo("")
        _show_table(sessions, columns=SESSION_COLUMNS, title=f"{len(sessions)} session(s)")
    if kind in ("mission", "event"):
        meetings = ws.initiatives.meetings(key)
        click.echo("")
        _show_table(meetings, columns=MEETING_COLUMNS, title=f"{len(meetings)} meeting(s)")
    if kind == "competition":
        for title, frame in (("rubric", ws.competitions.rubric(key)), ("judges", ws.competitions.judges(key)),
                             ("applications", ws.competitions.applications(key)),
                             ("budget", ws.competitions.budget(key))):
            click.echo("")
            _show_table(frame, title=f"{title} ({len(frame)})")


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
        rules = {"cost_share": {"tiers": _tiers(tiers), "cap": cap}, "min_score": min_score, "partial": partial,
                 "fields": _pairs(fields, "--field 'project=What the grant pays for'", "--field")}
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
        _show_table(findings, columns=CHECK_COLUMNS,
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
    changes: dict[str, object] = _pairs(sets, "--set status=closed", "--set")
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
    _show_table(frame, fmt=fmt, output=output, columns=REPORT_COLUMNS, title="Program report")


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
    _show_table(frame, fmt=fmt, output=output, columns=OUTCOME_COLUMNS, title=f"{len(frame)} outcome(s)")


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
    _show_table(frame, fmt=fmt, output=output, columns=MEMBER_COLUMNS,
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
    _show_table(frame, fmt=fmt, output=output, columns=SESSION_COLUMNS, title=f"{len(frame)} session(s) of {key}")


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
    _show_table(frame, fmt=fmt, output=output, title=f"Follow-up of {key}")


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
    _show_table(frame, columns=["company", "name", "coach", "plan_status"],
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
        _notes(frame.attrs.get("exportplan"))
        return
    _show_table(frame, fmt=fmt, output=output, columns=CHECK_COLUMNS,
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
    _show_table(frame, fmt=fmt, output=output, columns=MEETING_COLUMNS, title=f"{len(frame)} meeting(s) on {key}")


# ---- pitch competitions ---------------------------------------------------------------------------

@initiatives_group.group("competition")
def competition_group():
    """A pitch competition round: the rubric, judges and their assignments, applications, scores with
    conflicts of interest, the ranking, the awards under the cost-share rule and budget, and the claims
    against receipts (docs/competitions.md).

    A judge sees only the applications assigned to them: give --judge to list them as that judge.

    \b
    Examples:
      exportplan -w DIR initiatives competition rubric pitch-2027 --file criteria.csv
      exportplan -w DIR initiatives competition judge add pitch-2027 jdoe --name 'Jane Doe'
      exportplan -w DIR initiatives competition apply pitch-2027 A1 c0001 --cost 9000 --field 'project=Trade show'
      exportplan -w DIR initiatives competition assign pitch-2027 jdoe A1 A2
      exportplan -w DIR initiatives competition score pitch-2027 A1 --judge jdoe --points market=8 --points team=6
      exportplan -w DIR initiatives competition results pitch-2027
      exportplan -w DIR initiatives competition award pitch-2027
    """


@competition_group.command("rubric")
@click.argument("key")
@click.option("--file", "rubric_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Set the rubric from this CSV or XLSX (columns key, label, weight, max_points); it replaces "
                   "the rubric, and is refused once a score exists.")
@click.option("--sheet", default=None, help="Sheet of an XLSX file (default: the first).")
@table_output
@workspace_option
@click.pass_context
@friendly
def rubric(ctx, key, rubric_file, sheet, fmt, output):
    """Show a round's scoring rubric, or set it with --file.

    \b
    Example: exportplan -w DIR initiatives competition rubric pitch-2027 --file criteria.csv
    where criteria.csv holds
      key,label,weight,max_points
      market,Export market opportunity,40,10
      plan,Quality of the export plan,30,10
    """
    ws = current_workspace(ctx)
    if rubric_file is not None:
        ws.competitions.set_rubric(key, _read_table(rubric_file, sheet))
    frame = ws.competitions.rubric(key)
    _show_table(frame, fmt=fmt, output=output, title=f"Rubric of {key}: {len(frame)} criteria")


@competition_group.group("judge")
def judge_group():
    """A round's judges.

    \b
    Examples:
      exportplan -w DIR initiatives competition judge add pitch-2027 jdoe --name 'Jane Doe'
      exportplan -w DIR initiatives competition judge list pitch-2027
    """


@judge_group.command("add")
@click.argument("key")
@click.argument("judge")
@click.option("--name", default="", help="The judge's name.")
@click.option("--email", default="", help="The judge's e-mail address.")
@workspace_option
@click.pass_context
@friendly
def judge_add(ctx, key, judge, name, email):
    """Add a judge (their user name) to a round.

    Example: exportplan -w DIR initiatives competition judge add pitch-2027 jdoe --name 'Jane Doe'
    """
    ws = current_workspace(ctx)
    ws.competitions.add_judge(key, judge, name=name, email=email)
    click.echo(f"Added judge {judge} to {key}.")


@judge_group.command("list")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def judge_list(ctx, key, fmt, output):
    """A round's judges.

    Example: exportplan -w DIR initiatives competition judge list pitch-2027
    """
    ws = current_workspace(ctx)
    frame = ws.competitions.judges(key)
    _show_table(frame, fmt=fmt, output=output, title=f"{len(frame)} judge(s) of {key}")


@competition_group.command("apply")
@click.argument("key")
@click.argument("application")
@click.argument("company")
@click.option("--cost", "cost_usd", type=float, required=True,
              help="The eligible project cost (USD) the cost-share rule applies to.")
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE",
              help="An application field the round asks for (repeatable), e.g. --field 'project=Trade show'.")
@click.option("--submitted-at", default=None, help="When it was submitted (default: now).")
@workspace_option
@click.pass_context
@friendly
def apply(ctx, key, application, company, cost_usd, fields, submitted_at):
    """Record a company's application (its id APPLICATION) to a round.

    Example: exportplan -w DIR initiatives competition apply pitch-2027 A1 c0001 --cost 9000 --field project=Fair
    """
    ws = current_workspace(ctx)
    number = ws.competitions.add_application(key, application, company, cost_usd=cost_usd,
                                             fields=_pairs(fields, "--field 'project=Trade show'", "--field"),
                                             submitted_at=submitted_at)
    click.echo(f"Recorded application {application} of {company} to {key} (#{number}).")


@competition_group.command("withdraw")
@click.argument("key")
@click.argument("application")
@workspace_option
@click.pass_context
@friendly
def withdraw(ctx, key, application):
    """Withdraw an application (kept, but no longer ranked or awarded).

    Example: exportplan -w DIR initiatives competition withdraw pitch-2027 A3
    """
    ws = current_workspace(ctx)
    ws.competitions.withdraw_application(key, application)
    click.echo(f"Withdrew application {application} from {key}.")


@competition_group.command("assign")
@click.argument("key")
@click.argument("judge")
@click.argument("applications", nargs=-1, required=True)
@workspace_option
@click.pass_context
@friendly
def assign(ctx, key, judge, applications):
    """Assign applications to a judge (a judge scores and sees only what they are assigned).

    Example: exportplan -w DIR initiatives competition assign pitch-2027 jdoe A1 A2 A3
    """
    ws = current_workspace(ctx)
    ws.competitions.assign(key, judge, list(applications))
    click.echo(f"Assigned {', '.join(applications)} to {judge} in {key}.")


@competition_group.command("conflict")
@click.argument("key")
@click.argument("judge")
@click.argument("application")
@click.option("--reason", required=True, help="The conflict of interest, e.g. 'former employer'.")
@workspace_option
@click.pass_context
@friendly
def conflict(ctx, key, judge, application, reason):
    """Record a judge's conflict of interest on an application: their scores of it are excluded.

    Example: exportplan -w DIR initiatives competition conflict pitch-2027 jdoe A2 --reason 'former employer'
    """
    ws = current_workspace(ctx)
    ws.competitions.declare_conflict(key, judge, application, reason)
    click.echo(f"Recorded {judge}'s conflict of interest on {application}: their scores of it are excluded.")


@competition_group.command("score")
@click.argument("key")
@click.argument("application")
@click.option("--judge", required=True, help="The judge scoring (their user name).")
@click.option("--points", multiple=True, required=True, metavar="CRITERION=POINTS",
              help="Points on a criterion of the rubric (repeatable), e.g. --points market=8.")
@workspace_option
@click.pass_context
@friendly
def score(ctx, key, application, judge, points):
    """Record a judge's points on an application (scoring again replaces that judge's points).

    Example: exportplan -w DIR initiatives competition score pitch-2027 A1 --judge jdoe --points market=8
    """
    values = _points(points)
    ws = current_workspace(ctx)
    ws.competitions.score(key, judge, application, values)
    click.echo(f"Recorded {judge}'s points on {application}: "
               + ", ".join(f"{name} {value:g}" for name, value in values.items()) + ".")


@competition_group.command("applications")
@click.argument("key")
@click.option("--judge", default=None, help="As this judge: only the applications assigned to them.")
@table_output
@workspace_option
@click.pass_context
@friendly
def applications(ctx, key, judge, fmt, output):
    """A round's applications (with --judge: only that judge's assigned ones, with their own scores).

    Example: exportplan -w DIR initiatives competition applications pitch-2027 --judge jdoe
    """
    ws = current_workspace(ctx)
    frame = ws.competitions.applications(key, judge=judge)
    who = f" assigned to {judge}" if judge else ""
    _show_table(frame, fmt=fmt, output=output, title=f"{len(frame)} application(s){who} in {key}")


@competition_group.command("application")
@click.argument("key")
@click.argument("application")
@click.option("--judge", default=None, help="As this judge (refused unless it is assigned to them).")
@workspace_option
@click.pass_context
@friendly
def application_show(ctx, key, application, judge):
    """Show one application: the company, cost and the fields it filled in.

    Example: exportplan -w DIR initiatives competition application pitch-2027 A1 --judge jdoe
    """
    ws = current_workspace(ctx)
    _echo_record(ws.competitions.application(key, application, judge=judge))


@competition_group.command("results")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def results(ctx, key, fmt, output):
    """The ranking (ties broken by the documented rule), each judge's scores, the conflicts excluded and
    the scores still missing.

    Example: exportplan -w DIR initiatives competition results pitch-2027 --output results.xlsx
    """
    ws = current_workspace(ctx)
    found = ws.competitions.results(key)  # its frames by name: ranking, conflicts, missing, ...
    ranking = found["ranking"]
    _show_table(ranking, fmt=fmt, output=output,
                columns=["rank", "application", "company", "name", "score", "judges_used", "cost", "tie_break",
                         "reason"], title=f"Ranking of {key}")
    for name, title in (("conflicts", "Conflicts of interest (their scores excluded)"),
                        ("missing", "Scores still missing")):
        frame = found[name]
        if len(frame):
            click.echo("")
            _show_table(frame, title=f"{title}: {len(frame)}")


def _show_awards(ws, key: str, awarded) -> None:
    _show_table(awarded, title=f"Awards of {key}")
    budget = ws.competitions.budget(key)
    if len(budget):
        click.echo("")
        _show_table(budget, title="Budget")


@competition_group.command("award")
@click.argument("key")
@click.option("--force", is_flag=True, help="Decide again, replacing the awards decided before.")
@workspace_option
@click.pass_context
@friendly
def award(ctx, key, force):
    """Decide the awards: down the ranking, each grant by the round's cost-share rule, within its budget.

    Awards are stored as decided: later score changes do not change them unless you decide again with --force.

    Example: exportplan -w DIR initiatives competition award pitch-2027
    """
    ws = current_workspace(ctx)
    _show_awards(ws, key, ws.competitions.decide_awards(key, force=force))


@competition_group.command("awards")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def awards(ctx, key, fmt, output):
    """The awards decided, and the budget used and left.

    Example: exportplan -w DIR initiatives competition awards pitch-2027
    """
    ws = current_workspace(ctx)
    frame = ws.competitions.awards(key)
    _show_table(frame, fmt=fmt, output=output, title=f"Awards of {key}")
    budget = ws.competitions.budget(key)
    if len(budget):
        click.echo("")
        _show_table(budget, title="Budget")


@competition_group.command("receipt")
@click.argument("key")
@click.argument("application")
@click.argument("receipt")
@click.option("--date", "on", required=True, help="The receipt's date (YYYY-MM-DD).")
@click.option("--amount", type=float, required=True, help="What the company paid (USD).")
@click.option("--description", default="", help="What it paid for.")
@workspace_option
@click.pass_context
@friendly
def receipt(ctx, key, application, receipt, on, amount, description):
    """Record a receipt (its invoice number RECEIPT) an awarded company claims against its grant.

    Example: exportplan -w DIR initiatives competition receipt pitch-2027 A1 INV-1001 --date 2027-06-02 --amount 4200
    """
    ws = current_workspace(ctx)
    ws.competitions.add_receipt(key, application, receipt, on, amount, description=description)
    click.echo(f"Recorded receipt {receipt} of {application} ({amount:,.2f} USD).")


@competition_group.command("claims")
@click.argument("key")
@click.option("--lines", is_flag=True, help="One line per receipt instead of one per award.")
@table_output
@workspace_option
@click.pass_context
@friendly
def claims(ctx, key, lines, fmt, output):
    """What each award may claim against its receipts under the cost-share rule, and what is left.

    Example: exportplan -w DIR initiatives competition claims pitch-2027 --lines
    """
    ws = current_workspace(ctx)
    frame = ws.competitions.claim_lines(key) if lines else ws.competitions.claims(key)
    _show_table(frame, fmt=fmt, output=output, title=f"Claims of {key}")
