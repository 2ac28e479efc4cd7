"""Commands for a company's own export plan (issue 12): ``exportplan companies plan|plan-edit|plan-set|plan-item|
plan-markets ID ...`` on the pipeline's ``companies`` group (see docs/company-plans.md)."""
from __future__ import annotations

from pathlib import Path

import click

from ..analysis.initiative_terms import ACTION_STATUSES, PLAN_STATUSES, PLAN_TEXT_SECTIONS
from ..errors import ExportPlanError
from .companies import companies_group
from .main import current_workspace, emit_table, friendly, other_notes, table_output, workspace_option

MARKET_COLUMNS = ["rank", "iso3", "country", "score", "coverage", "robust", "basis", "reason"]
ITEM_COLUMNS = ["id", "kind", "title", "owner", "due_date", "status", "budget_usd", "target", "unit", "note"]


@companies_group.command("plan")
@click.argument("key")
@click.option("--format", "formats", default="pdf,docx", show_default=True,
              help="Comma-separated formats: html, pdf, docx, md, xlsx.")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files (default: outputs/company-plans/KEY in the workspace).")
@workspace_option
@click.pass_context
@friendly
def plan(ctx, key, formats, output):
    """Build a company's own export plan: profile and readiness, markets for its products, entry strategy,
    matched programs, action plan and metrics, with their sources.

    \b
    Examples:
      exportplan -w DIR companies plan ACME-01
      exportplan -w DIR companies plan ACME-01 --format pdf,docx,md --output plans/acme
    """
    ws = current_workspace(ctx)
    timings: dict = {}
    written = ws.company_plans.build(key, formats, output, timings=timings)
    for fmt, path in written.items():
        click.echo(f"Wrote {path} ({timings.get(fmt, 0):.1f} s)")


@companies_group.command("plan-edit")
@click.argument("key")
@click.argument("section", type=click.Choice(tuple(PLAN_TEXT_SECTIONS)))
@click.option("--file", "text_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Save the text of this UTF-8 file instead of opening an editor.")
@click.option("--show", is_flag=True, help="Print the section's text (saved, or the draft) and stop.")
@click.option("--expect-version", type=int, default=None, metavar="N",
              help="The version you read with --show (refused if someone saved since; default: the version read "
                   "now).")
@workspace_option
@click.pass_context
@friendly
def plan_edit(ctx, key, section, text_file, show, expect_version):
    """Edit a section of a company's plan (the coach, for the company): plain paragraphs separated by a blank
    line, '- ' for bullets.

    Opens $EDITOR on the saved text (or the draft from the data); with --file, saves that file.
    A save is refused when someone else saved the section after you read it.

    \b
    Sections: summary, company, products, entry_strategy, risks.
    Examples:
      exportplan -w DIR companies plan-edit ACME-01 entry_strategy
      exportplan -w DIR companies plan-edit ACME-01 products --file products.txt
    """
    ws = current_workspace(ctx)
    current = ws.company_plans.text(key, section)
    if show:
        click.echo(("[draft from the data]\n" if current.draft else f"[version {current.version}]\n") + current.text)
        return
    if text_file is not None:
        try:
            new = text_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ExportPlanError(f"{text_file.name} is not UTF-8 text ({exc.reason}); save it as UTF-8.") from None
    else:
        new = click.edit(current.text, extension=".txt")
        if new is None:
            click.echo("Nothing saved (the editor was closed without saving).")
            return
    expected = current.version if expect_version is None else expect_version
    version = ws.company_plans.save_text(key, section, new, expected_version=expected)
    click.echo(f"Saved {section} of {key} (version {version}).")


@companies_group.command("plan-set")
@click.argument("key")
@click.option("--status", type=click.Choice(PLAN_STATUSES), default=None, help="The plan's status.")
@click.option("--coach", default=None, help="The staff member who coaches the company ('' for none).")
@click.option("--markets", default=None, metavar="ISO3;ISO3",
              help="The markets the company names, e.g. 'MEX;CAN' (shown in its plan even when ranked lower).")
@click.option("--cohort", default=None, metavar="KEY", help="The cohort (initiative key) the plan belongs to.")
@click.option("--expect-version", type=int, default=None, metavar="N",
              help="The version you read (refused if someone saved since; default: the version stored now).")
@workspace_option
@click.pass_context
@friendly
def plan_set(ctx, key, status, coach, markets, cohort, expect_version):
    """Set a company plan's status, coach, markets and cohort; without options, show them.

    \b
    Examples:
      exportplan -w DIR companies plan-set ACME-01
      exportplan -w DIR companies plan-set ACME-01 --coach 'J. Rivera' --markets 'MEX;CAN'
      exportplan -w DIR companies plan-set ACME-01 --status written --cohort exportech-2027
    """
    ws = current_workspace(ctx)
    if any(v is not None for v in (status, coach, markets, cohort)):
        version = ws.company_plans.set(key, status=status, coach=coach, markets=markets, initiative=cohort,
                                       expected_version=expect_version)
        click.echo(f"Saved the plan of {key} (version {version}).")
    record = ws.company_plans.get(key)
    for field in ("status", "coach", "markets", "initiative", "version", "updated_at", "updated_by"):
        value = record[field]
        click.echo(f"{field}: {';'.join(value) if isinstance(value, list) else value}")


@companies_group.command("plan-item")
@click.argument("key")
@click.option("--action", default=None, metavar="TITLE", help="Add an action: what the company will do.")
@click.option("--metric", default=None, metavar="TITLE", help="Add a metric the company will report.")
@click.option("--owner", default=None, help="Who does the action.")
@click.option("--due", default=None, metavar="YYYY-MM-DD", help="When the action or metric is due.")
@click.option("--budget", default=None, metavar="USD", help="The action's budget in US dollars.")
@click.option("--status", type=click.Choice(ACTION_STATUSES), default=None, help="The action's status.")
@click.option("--target", default=None, help="The metric's target (a number).")
@click.option("--unit", default=None, help="The metric's unit, e.g. 'USD a year' or 'markets'.")
@click.option("--note", default=None, help="A note on the item.")
@click.option("--update", "update_id", type=int, default=None, metavar="ID",
              help="Change item ID's fields given with the options above (--action/--metric give its title).")
@click.option("--remove", "remove_id", type=int, default=None, metavar="ID", help="Delete item ID.")
@click.option("--list", "list_only", is_flag=True, help="List the plan's items (also after any change).")
@table_output
@workspace_option
@click.pass_context
@friendly
def plan_item(ctx, key, action, metric, owner, due, budget, status, target, unit, note, update_id, remove_id,
              list_only, fmt, output):
    """Add, change, remove or list the actions (what, who, when, budget) and metrics of a company's plan.

    \b
    Examples:
      exportplan -w DIR companies plan-item ACME-01 --action 'Exhibit at FABTECH Mexico' --owner 'CEO' \\
          --due 2027-05-15 --budget 7500
      exportplan -w DIR companies plan-item ACME-01 --metric 'Export sales' --target 250000 --unit 'USD a year'
      exportplan -w DIR companies plan-item ACME-01 --update 3 --status done
      exportplan -w DIR companies plan-item ACME-01 --remove 3
      exportplan -w DIR companies plan-item ACME-01 --list
    """
    ws = current_workspace(ctx)
    plans = ws.company_plans
    if action is not None and metric is not None:
        raise ExportPlanError("Give --action or --metric, not both: an item is one or the other.")
    given = {k: v for k, v in dict(owner=owner, due_date=due, budget_usd=budget, status=status, target=target,
                                   unit=unit, note=note).items() if v is not None}
    if remove_id is not None:
        plans.remove_item(key, remove_id)
        click.echo(f"Removed item {remove_id} from the plan of {key}.")
    elif update_id is not None:
        title = action if action is not None else metric
        plans.update_item(key, update_id, **(dict(given, title=title) if title is not None else given))
        click.echo(f"Updated item {update_id} of the plan of {key}.")
    elif action is not None:
        _only(given, ("owner", "due_date", "budget_usd", "status", "note"), "an action")
        new = plans.add_action(key, action, **given)
        click.echo(f"Added action {new} to the plan of {key}.")
    elif metric is not None:
        _only(given, ("target", "unit", "due_date", "note"), "a metric")
        new = plans.add_metric(key, metric, **given)
        click.echo(f"Added metric {new} to the plan of {key}.")
    elif given:
        raise ExportPlanError("Name the item: --action TITLE or --metric TITLE to add one, --update ID to change one.")
    else:
        list_only = True
    if list_only:
        frame = plans.items(key)
        emit_table(frame, fmt=fmt, output=output, columns=ITEM_COLUMNS, max_rows=None,
                   formats={"budget_usd": ",.2f", "target": ",.0f"}, title=f"Items of the plan of {key}")


def _only(given: dict, allowed: tuple[str, ...], what: str) -> None:
    options = {"owner": "--owner", "due_date": "--due", "budget_usd": "--budget", "status": "--status",
               "target": "--target", "unit": "--unit", "note": "--note"}
    wrong = [options[k] for k in given if k not in allowed]
    if wrong:
        raise ExportPlanError(f"{', '.join(wrong)} do(es) not apply to {what}; {what} takes "
                              f"{', '.join(options[k] for k in allowed)}.")


@companies_group.command("plan-markets")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def plan_markets(ctx, key, fmt, output):
    """The markets of a company's plan: the ranking's top for its NAICS code (coarser when its code has no
    export data), without the region-only factors, and the markets the company names.

    Example: exportplan -w DIR companies plan-markets ACME-01 --output acme-markets.xlsx
    """
    ws = current_workspace(ctx)
    frame = ws.company_plans.markets(key)
    meta = frame.attrs.get("exportplan")
    emit_table(frame, fmt=fmt, output=output, meta=meta, columns=MARKET_COLUMNS, max_rows=None,
               formats={"score": ".3f", "coverage": ".0%"})
    for note in other_notes(meta)[:3]:
        click.echo(f"Note: {note}")
