"""Commands for export prospects: load the region's business list and the export intensity, list prospects."""
from __future__ import annotations

from pathlib import Path

import click

from .main import cli, current_workspace, emit_table, friendly, other_notes, sheet_option, table_output, workspace_option

LIST_COLUMNS = ["rank", "name", "naics", "county_fips", "employees", "score", "reason"]
OUTREACH_COLUMNS = ["rank", "name", "naics", "county_fips", "employees", "score", "outreach_reason", "reason"]


@cli.group("prospects")
def prospects_group():
    """Export prospects: the region's businesses scored by export likelihood, and the outreach list.

    \b
    Examples:
      exportplan -w myregion prospects import businesses.xlsx
      exportplan -w myregion prospects intensity --exports usatrade_2012.csv --qcew qcew_2019_q1_US000.csv
      exportplan -w myregion prospects intensity --fetch 2023 --qcew qcew_2023_q1_US000.csv
      exportplan -w myregion prospects list --top 25 --output prospects.xlsx
      exportplan -w myregion prospects list --outreach --output outreach.csv
    """


@prospects_group.command("import")
@click.argument("business_file", type=click.Path(path_type=Path))
@sheet_option
@workspace_option
@click.pass_context
@friendly
def import_businesses(ctx, business_file, sheet):
    """Load the region's business list (name, naics, county_fips, employees, foreign_parent, parent_country).

    Replaces the stored list, all or nothing; importing the same file again changes nothing.

    \b
    Example:
      exportplan -w myregion prospects import businesses.csv
    """
    ws = current_workspace(ctx)
    click.echo(str(ws.prospects.import_businesses(business_file, sheet=sheet)))


@prospects_group.command("intensity")
@click.option("--exports", "exports_file", type=click.Path(path_type=Path), default=None,
              help="USA Trade Online CSV of exports by state and NAICS (its All States rows are national).")
@click.option("--qcew", "qcew_file", type=click.Path(path_type=Path), default=None,
              help="National QCEW file (area US000) for employment by NAICS.")
@click.option("--fetch", "fetch_year", type=int, default=None,
              help="Fetch national exports by NAICS for this year from the Census API instead of --exports "
                   "(key from $EXPORTPLAN_CENSUS_KEY); without --qcew the stored US000 rows are used.")
@workspace_option
@click.pass_context
@friendly
def intensity(ctx, exports_file, qcew_file, fetch_year):
    """Build the industry export intensity table (national goods exports per worker by NAICS).

    \b
    Examples:
      exportplan -w myregion prospects intensity --exports usatrade_2012.csv --qcew qcew_2019_q1_US000.csv
      exportplan -w myregion prospects intensity --fetch 2023
    """
    ws = current_workspace(ctx)
    service = ws.prospects
    if fetch_year is not None:
        if exports_file is not None:
            raise click.UsageError("Give --exports FILE or --fetch YEAR, not both.")
        report = service.fetch_export_intensity(fetch_year, qcew_file=qcew_file)
    else:
        if exports_file is None or qcew_file is None:
            raise click.UsageError("Give --exports FILE and --qcew FILE (or --fetch YEAR).")
        report = service.import_export_intensity(exports_file, qcew_file)
    click.echo(str(report))


@prospects_group.command("list")
@click.option("--top", type=int, default=None, help="Show the best N (default: all; 50 with --outreach).")
@click.option("--outreach", is_flag=True,
              help="Only prospects not in the pipeline or not contacted within pipeline.recent_contact_days.")
@table_output
@workspace_option
@click.pass_context
@friendly
def list_prospects(ctx, top, outreach, fmt, output):
    """List the scored prospects, best first, each with its reason (or the outreach list).

    \b
    Examples:
      exportplan -w myregion prospects list --top 20
      exportplan -w myregion prospects list --outreach --format xlsx --output outreach.xlsx
    """
    ws = current_workspace(ctx)
    service = ws.prospects
    if outreach:
        frame, columns, title = service.outreach(top=50 if top is None else top), OUTREACH_COLUMNS, "Outreach list"
    else:
        frame, columns, title = service.prospects(top=top), LIST_COLUMNS, "Export prospects"
    meta = frame.attrs.get("exportplan")
    emit_table(frame, fmt=fmt, output=output, meta=meta, title=title,
               columns=[c for c in columns if c in frame.columns])
    for note in other_notes(meta):
        click.echo(f"Note: {note}")
