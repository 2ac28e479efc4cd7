"""Commands for staff's review of the public survey: ``exportplan survey pending|list|show|accept|reject``.

Companies answer the survey at the web app's public link; their responses wait here until staff accept
them into the pipeline (a new company, or ``--company KEY`` to add to a stored one) or reject them.
See docs/survey.md.
"""
from __future__ import annotations

import click

from ..analysis.survey_form import STATUSES
from .main import cli, current_workspace, emit_table, friendly, table_output, workspace_option

LIST_COLUMNS = ["id", "submitted_at", "company_name", "status", "reviewed_at", "reviewed_by", "company_id"]


def _survey(ctx):
    return current_workspace(ctx).survey


@cli.group("survey")
def survey_group():
    """Review the public company survey's responses before they enter the pipeline.

    \b
    Examples:
      exportplan -w DIR survey pending
      exportplan -w DIR survey show 12
      exportplan -w DIR survey accept 12
      exportplan -w DIR survey accept 13 --company acme-tool-39049
      exportplan -w DIR survey reject 14 --reason 'spam'
    """


@survey_group.command("pending")
@table_output
@workspace_option
@click.pass_context
@friendly
def pending(ctx, fmt, output):
    """List the responses waiting for review, oldest first."""
    rows = _survey(ctx).pending()
    if rows.empty:
        click.echo("No survey responses are waiting for review.")
        return
    emit_table(rows, fmt=fmt, output=output, columns=LIST_COLUMNS, max_rows=None)


@survey_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only responses of this status.")
@table_output
@workspace_option
@click.pass_context
@friendly
def list_responses(ctx, status, fmt, output):
    """List every response (or those of one status), oldest first."""
    rows = _survey(ctx).responses(status)
    if rows.empty:
        click.echo("No survey responses" + (f" are {status}." if status else " yet."))
        return
    emit_table(rows, fmt=fmt, output=output, columns=LIST_COLUMNS, max_rows=None)


@survey_group.command("show")
@click.argument("response_id")
@workspace_option
@click.pass_context
@friendly
def show(ctx, response_id):
    """Show response RESPONSE_ID: its answers, its status, and the stored companies with a similar name."""
    survey = _survey(ctx)
    row = survey.response(response_id)
    click.echo(f"Survey response #{row['id']}, submitted {row['submitted_at']}: {row['status']}"
               + (f" by {row['reviewed_by'] or 'a local user'} at {row['reviewed_at']}" if row["reviewed_at"] else "")
               + (f", company {row['company_id']}" if row["company_id"] else "")
               + (f" (reason: {row['reason']})" if row["reason"] else ""))
    labels = {q["key"]: q["label"] for q in survey.questions()}
    answers = dict(row["answers"])
    readiness = answers.pop("readiness", {})
    for key, value in answers.items():
        shown = "; ".join(map(str, value)) if isinstance(value, list) else value
        click.echo(f"  {labels.get(key, key)}: {shown}")
    if readiness:
        click.echo(f"  Readiness answers ({len(readiness)} item(s)):")
        for key, value in readiness.items():
            click.echo(f"    {labels.get(key, key)} {value}")
    if row["status"] == "pending":
        similar = survey.candidates(row["id"])
        if len(similar):
            click.echo("Stored companies with a similar name (accept into one with --company KEY):")
            for rec in similar.head(10).to_dict("records"):
                click.echo(f"  {rec['company_id']}: {rec['name']} ({rec['county_fips'] or 'no county'})")


@survey_group.command("accept")
@click.argument("response_id")
@click.option("--company", default=None, help="Add the answers to this stored company (its company_id) instead "
                                              "of making a new one.")
@workspace_option
@click.pass_context
@friendly
def accept(ctx, response_id, company):
    """Let response RESPONSE_ID into the pipeline (a new company, or --company KEY)."""
    key = _survey(ctx).accept(response_id, company=company)
    click.echo(f"Accepted survey response #{str(response_id).lstrip('#')} into company {key!r}; its assessment's "
               f"suggested stage waits for staff: exportplan companies show {key}")


@survey_group.command("reject")
@click.argument("response_id")
@click.option("--reason", required=True, help="Why (e.g. 'spam', 'duplicate of #12'); kept in the audit log.")
@workspace_option
@click.pass_context
@friendly
def reject(ctx, response_id, reason):
    """Refuse response RESPONSE_ID; nothing enters the pipeline."""
    _survey(ctx).reject(response_id, reason)
    click.echo(f"Rejected survey response #{str(response_id).lstrip('#')}.")
