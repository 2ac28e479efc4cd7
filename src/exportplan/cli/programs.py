"""Commands for export services: ``exportplan programs ...`` (the program inventory, the U.S. Export
Assistance Centers, duplications and the organization's role), ``exportplan gaps`` and
``exportplan companies match``."""
from __future__ import annotations

from pathlib import Path

import click

from ..analysis.program_terms import LEVELS, SERVICE_CATEGORIES, STATUSES
from .companies import companies_group
from .main import cli, current_workspace, emit_table, friendly, other_notes, table_output, workspace_option

LIST_COLUMNS = ["program_id", "name", "provider_name", "level", "status", "cost", "categories", "capacity",
                "last_verified"]
OFFICE_COLUMNS = ["name", "states", "phone", "address", "url"]
GAP_COLUMNS = ["category", "stage", "sector", "iso3", "demand", "status", "program_names"]
DUP_COLUMNS = ["program", "duplicates", "kind", "categories", "n_companies", "reason"]
MATCH_COLUMNS = ["service_category", "iso3", "program_id", "program", "provider", "level", "cost", "eligible", "reason"]


def _notes(meta: dict | None) -> None:
    for note in other_notes(meta):
        click.echo(f"Note: {note}")


@cli.group("programs")
def programs_group():
    """Export services: the inventory of state, federal and regional programs, the U.S. Export
    Assistance Centers, duplications and the organization's role.

    Every new workspace holds the shipped catalogue of the main federal programs, each row with its
    source URL and the date of the evidence held ("not verified" without one): check and correct them.

    \b
    Examples:
      exportplan -w DIR programs template programs.xlsx
      exportplan -w DIR programs import programs.xlsx
      exportplan -w DIR programs list --level federal
      exportplan -w DIR programs offices --import ita_us_export_assistance_centers.csv
      exportplan -w DIR programs duplicates
      exportplan -w DIR programs role
      exportplan -w DIR gaps --chart gaps.png
    """


@programs_group.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@workspace_option
@click.pass_context
@friendly
def template(ctx, file):
    """Write the program import template (XLSX: providers, programs, events and instructions).

    Example: exportplan -w DIR programs template programs.xlsx
    """
    ws = current_workspace(ctx)
    click.echo(f"Wrote {ws.programs.template(file)}")


@programs_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", type=click.Choice(("providers", "programs", "events")), default=None,
              help="Which sheet a CSV file is (default: told from its columns).")
@workspace_option
@click.pass_context
@friendly
def import_programs(ctx, file, sheet):
    """Add or change providers, programs and events from the template (XLSX, or one sheet as CSV).

    All or nothing: any problem is listed (row, column, value, problem, how to fix) and nothing is
    written. Rows are matched by their id; importing the same file again changes nothing.

    Example: exportplan -w DIR programs import programs.xlsx
    """
    ws = current_workspace(ctx)
    click.echo(str(ws.programs.import_programs(file, sheet=sheet)))


@programs_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only existing or proposed programs.")
@click.option("--level", type=click.Choice(LEVELS), default=None, help="Only programs of providers at this level.")
@click.option("--category", type=click.Choice(SERVICE_CATEGORIES), default=None, metavar="CATEGORY",
              help="Only programs offering this service category, e.g. 'market research'.")
@table_output
@workspace_option
@click.pass_context
@friendly
def list_programs(ctx, status, level, category, fmt, output):
    """List the programs with their provider, cost, service categories, capacity and last-verified date.

    Example: exportplan -w DIR programs list --category 'market research' --output programs.xlsx
    """
    ws = current_workspace(ctx)
    frame = ws.programs.programs(status=status, level=level, category=category)
    shown = frame.assign(last_verified=frame["last_verified"].replace("", "not verified"))
    meta = frame.attrs.get("exportplan")
    emit_table(shown, fmt=fmt, output=output, meta=meta, columns=LIST_COLUMNS, max_rows=60,
               title=f"{len(frame)} program(s)")
    _notes(meta)


@programs_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (.xlsx: every sheet; .csv: one sheet; .json).")
@click.option("--format", "fmt", type=click.Choice(("xlsx", "csv", "json")), default=None,
              help="xlsx, csv or json (default: from the --output suffix).")
@click.option("--sheet", type=click.Choice(("providers", "programs", "events")), default=None,
              help="The sheet a CSV holds (default: programs).")
@workspace_option
@click.pass_context
@friendly
def export(ctx, output, fmt, sheet):
    """Write the inventory in the template's columns (it imports back unchanged).

    Example: exportplan -w DIR programs export --output programs.xlsx
    """
    ws = current_workspace(ctx)
    click.echo(f"Wrote {ws.programs.export_programs(output, fmt, sheet=sheet)}")


@programs_group.command("offices")
@click.option("--import", "office_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="First load ITA's office list (CSV: post, office_name, ctr_number, state_abbr, ...).")
@click.option("--state", "states", multiple=True, metavar="XX",
              help="List this state's offices instead of the region's (repeatable), e.g. --state KY.")
@table_output
@workspace_option
@click.pass_context
@friendly
def offices(ctx, office_file, states, fmt, output):
    """The U.S. Export Assistance Centers serving the region: those of each of its counties' states.

    Example: exportplan -w DIR programs offices --import ita_us_export_assistance_centers.csv
    """
    ws = current_workspace(ctx)
    if office_file is not None:
        click.echo(str(ws.programs.import_offices(office_file)))
    frame = ws.programs.offices([s.upper() for s in states] if states else None)
    meta = frame.attrs.get("exportplan")
    emit_table(frame, fmt=fmt, output=output, meta=meta, columns=OFFICE_COLUMNS, title=f"{len(frame)} office(s)")
    _notes(meta)


@programs_group.command("duplicates")
@click.option("--all", "show_all", is_flag=True, help="Also list complements and overlaps on different terms.")
@table_output
@workspace_option
@click.pass_context
@friendly
def duplicates(ctx, show_all, fmt, output):
    """Regional and proposed programs that duplicate an existing state or federal program.

    A duplication serves the same service, stages, sectors and countries for the same companies on
    comparable terms; a grant paying for a fee-based service complements it (docs/programs.md).

    Example: exportplan -w DIR programs duplicates --all
    """
    ws = current_workspace(ctx)
    frame = ws.programs.duplications()
    meta = frame.attrs.get("exportplan")
    shown = frame if show_all else frame[frame["kind"] == "duplication"]
    emit_table(shown, fmt=fmt, output=output, meta=meta, columns=DUP_COLUMNS,
               title=f"{len(shown)} {'overlap(s)' if show_all else 'duplication(s)'}")
    _notes(meta)


@programs_group.command("role")
@table_output
@workspace_option
@click.pass_context
@friendly
def role(ctx, fmt, output):
    """The organization's recommended role (from organization.staff, .budget and .partners) and, for a
    larger organization, candidate programs that fill the gaps without duplicating existing ones.

    Example: exportplan -w DIR config set organization.staff 6 && exportplan -w DIR programs role
    """
    ws = current_workspace(ctx)
    result = ws.programs.role()
    click.echo(f"Role: {result.role}")
    click.echo(f"Why: {result.reason}")
    if len(result.candidates):
        click.echo("")
        emit_table(result.candidates, fmt=fmt, output=output,
                   columns=["name", "kind", "n_gaps", "demand", "co_deliverers", "reason"], formats={"demand": ",.0f"},
                   title=f"{len(result.candidates)} candidate program(s) (--output for the gaps each fills and the "
                         "programs it was checked against)")
    if len(result.dropped):
        click.echo("")
        emit_table(result.dropped, fmt=None, output=None, columns=["name", "duplicates", "reason"],
                   title=f"{len(result.dropped)} candidate(s) left out because they would duplicate")


@cli.command("gaps")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the heat map (PNG and SVG).")
@click.option("--by", type=click.Choice(("stage", "sector", "market")), default=None,
              help="Print the BY x service table (and chart) instead of the list of cells.")
@click.option("--all", "show_all", is_flag=True, help="List every demand cell, not only the gaps.")
@table_output
@workspace_option
@click.pass_context
@friendly
def gaps(ctx, chart, by, show_all, fmt, output):
    """Gaps in export services: demand (service category x stage x sector x country, from the pipeline's
    needs and the target sectors and markets) with no existing supply, eligibility excluding the
    companies, or capacity short of demand.

    \b
    Examples:
      exportplan -w DIR gaps
      exportplan -w DIR gaps --by stage --chart gaps.png
      exportplan -w DIR gaps --all --output gaps.xlsx
    """
    from ..output.chartdata import ChartNotDrawn

    ws = current_workspace(ctx)
    frame = ws.programs.gaps()
    meta = frame.attrs.get("exportplan")
    if by:
        table = ws.programs.heatmaps(frame)[by].pivot("gap_companies").reset_index()
        emit_table(table, fmt=fmt, output=output, meta=meta,
                   title=f"Companies in a gap, by {by} and service category")
    else:
        shown = frame if show_all else frame[frame["gap"]]
        emit_table(shown, fmt=fmt, output=output, meta=meta, columns=GAP_COLUMNS,
                   title=f"{len(shown)} {'demand cell(s)' if show_all else 'gap(s)'} of {len(frame)} demand cell(s) "
                         "(--output for each cell's companies, capacity and reason)")
    _notes(meta)
    if chart:
        try:
            paths = ws.programs.gap_chart(chart, by=by or "stage", gaps=frame)
            click.echo("Wrote " + ", ".join(str(p) for p in paths))
        except ChartNotDrawn as exc:
            click.echo(f"No chart written: {exc}.")


@companies_group.command("match")
@click.argument("key")
@table_output
@workspace_option
@click.pass_context
@friendly
def match(ctx, key, fmt, output):
    """The programs that serve a company's needs, eligible ones first, each with the reason.

    Record the referral you make with 'exportplan companies refer KEY --provider ... --program ...'.

    Example: exportplan -w DIR companies match ACME-01
    """
    ws = current_workspace(ctx)
    frame = ws.programs.match(key)
    meta = frame.attrs.get("exportplan")
    emit_table(frame, fmt=fmt, output=output, meta=meta, columns=MATCH_COLUMNS, max_rows=60)
    _notes(meta)
