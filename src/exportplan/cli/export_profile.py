"""Commands for the export profile: import the Brookings Export Monitor, show published and estimated exports."""
from __future__ import annotations

from pathlib import Path

import click

from .commands import import_group
from .main import cli, current_workspace, emit_table, friendly, other_notes, table_output, workspace_option

COMPARISON_COLUMNS = ["figure", "area", "years", "coverage", "exports_usd", "pct_gdp"]
ESTIMATE_COLUMNS = ["naics", "title", "status", "employment", "share_of_national_employment", "exports_estimate_usd",
                    "note"]


@import_group.command("brookings")
@click.argument("file", type=click.Path(path_type=Path))
@workspace_option
@click.pass_context
@friendly
def import_brookings(ctx, file):
    """Load a Brookings Export Monitor metro or county file (exports of goods and services, by production location).

    The layout (metro: cbsa_code ...; county: stco_code ...) is read from the header. Replaces the stored rows
    of that layout, all or nothing; importing the same file again changes nothing.

    \b
    Examples:
      exportplan -w myregion import brookings brookings_export_monitor_2018_county_exports_2017.csv
      exportplan -w myregion import brookings brookings_export_monitor_2018_metro_exports_2017.csv
    """
    ws = current_workspace(ctx)
    click.echo(str(ws.export_profile.import_brookings(file)))


@cli.command("export-profile")
@click.option("--year", type=int, default=None, help="The region's employment year (default: the latest loaded).")
@click.option("--level", type=click.IntRange(3, 6), default=None,
              help="NAICS level of the estimate (default: the coarsest level of the export intensity table, 3).")
@table_output
@workspace_option
@click.pass_context
@friendly
def export_profile(ctx, year, level, fmt, output):
    """Show the region's exports: the Brookings figure beside the estimate of goods exports by industry.

    The estimate is national goods exports by NAICS x the region's share of national employment in each
    industry (QCEW), with bounds where cells are withheld. --output writes the by-industry estimate with its
    sources. What is missing is said, with the command that loads it.

    \b
    Examples:
      exportplan -w myregion export-profile
      exportplan -w myregion export-profile --year 2023 --output export_estimate.xlsx
    """
    ws = current_workspace(ctx)
    profile = ws.export_profile.profile(year=year, level=level)
    meta = profile.comparison.attrs.get("exportplan")
    emit_table(profile.comparison, fmt=None, output=None, meta=meta, title="Exports, published and estimated",
               columns=COMPARISON_COLUMNS, max_rows=None, formats={"pct_gdp": ".1%"})
    totals = profile.totals
    if totals is not None:
        high = "open" if totals.exports_high_usd is None else f"${totals.exports_high_usd:,.0f}"
        point = "n/a" if totals.exports_usd is None else f"${totals.exports_usd:,.0f}"
        click.echo(f"Estimated goods exports: {point} (bounds ${totals.exports_low_usd:,.0f} to {high}); "
                   f"{totals.years_label}.")
    for note in other_notes(meta):
        click.echo(f"Note: {note}")
    estimate = profile.estimate
    if len(estimate) or output is not None:
        click.echo("")
        shown = dict(estimate.attrs.get("exportplan") or {}, top_notes=[])  # printed above already
        emit_table(estimate, fmt=fmt, output=output, meta=shown,
                   title="Estimated goods exports by industry (an estimate)", columns=ESTIMATE_COLUMNS, max_rows=40)
