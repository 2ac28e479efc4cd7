"""Commands for a pitch competition round: ``exportplan initiatives competition ...`` (docs/competitions.md)."""
from __future__ import annotations

from pathlib import Path

import click

from .initiatives import initiatives_group
from .initiative_common import echo_record, parse_pairs, parse_points, read_table, show_table
from .main import current_workspace, friendly, table_output, workspace_option


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
        ws.competitions.set_rubric(key, read_table(rubric_file, sheet))
    frame = ws.competitions.rubric(key)
    show_table(frame, fmt=fmt, output=output, title=f"Rubric of {key}: {len(frame)} criteria")


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
    show_table(frame, fmt=fmt, output=output, title=f"{len(frame)} judge(s) of {key}")


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
                                             fields=parse_pairs(fields, "--field 'project=Trade show'", "--field"),
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
    values = parse_points(points)
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
    show_table(frame, fmt=fmt, output=output, title=f"{len(frame)} application(s){who} in {key}")


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
    echo_record(ws.competitions.application(key, application, judge=judge))


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
    show_table(ranking, fmt=fmt, output=output,
                columns=["rank", "application", "company", "name", "score", "judges_used", "cost", "tie_break",
                         "reason"], title=f"Ranking of {key}")
    for name, title in (("conflicts", "Conflicts of interest (their scores excluded)"),
                        ("missing", "Scores still missing")):
        frame = found[name]
        if len(frame):
            click.echo("")
            show_table(frame, title=f"{title}: {len(frame)}")


def _show_awards(ws, key: str, awarded) -> None:
    show_table(awarded, title=f"Awards of {key}")
    budget = ws.competitions.budget(key)
    if len(budget):
        click.echo("")
        show_table(budget, title="Budget")


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
    show_table(frame, fmt=fmt, output=output, title=f"Awards of {key}")
    budget = ws.competitions.budget(key)
    if len(budget):
        click.echo("")
        show_table(budget, title="Budget")


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
    show_table(frame, fmt=fmt, output=output, title=f"Claims of {key}")
