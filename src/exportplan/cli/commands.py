"""The commands of ``exportplan`` (registered on the group in main.py)."""
from __future__ import annotations

from pathlib import Path

import click

from .main import (cli, current_workspace, emit_table, friendly, other_notes, sheet_option, table_output,
                   workspace_option)


def _split_codes(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--name", required=True, help="The region's name, e.g. 'Columbus Region'.")
@click.option("--counties", default=None, help="County FIPS codes, comma-separated, e.g. 39049,39041.")
@click.option("--cbsa", default=None, help="A metro (CBSA) code, expanded to its counties, e.g. 18140.")
@click.option("--delineation", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The OMB delineation workbook (Census 'list 1' xlsx) for --cbsa; downloaded when not given.")
@click.option("--reference-area", default="US000", show_default=True,
              help="QCEW reference area for LQs: US000, a state (39000), an MSA (C1814), or USLQ (US shares implied by the counties' published BLS LQs, when you have no US file).")
@click.option("--database-url", envvar="EXPORTPLAN_DATABASE_URL", default=None,
              help="Keep the data in PostgreSQL (postgresql://user@host/db) instead of the workspace's SQLite file; "
                   "saved in exportplan.toml without its password. Env: EXPORTPLAN_DATABASE_URL (used, not saved).")
@click.option("--attach", is_flag=True,
              help="The database already holds a workspace: make DIRECTORY another folder of it (same data).")
@click.option("--organization", default="", help="The organization writing the plan.")
@click.option("--staff", type=float, default=0, help="Staff (FTE) working on exports.")
@click.option("--budget", type=float, default=0, help="Annual budget for export work (USD).")
@click.option("--state", default="", help="Two-letter USPS state code, e.g. OH (state exports, state targets).")
@workspace_option
@click.pass_context
@friendly
def init(ctx, directory, name, counties, cbsa, delineation, reference_area, database_url, attach, organization, staff,
         budget, state):
    """Create a workspace for a region in DIRECTORY (or the -w folder, or the current folder)."""
    from ..workspace import Workspace

    directory = directory or (ctx.obj or {}).get("workspace") or Path(".")
    if ctx.get_parameter_source("database_url") == click.core.ParameterSource.ENVIRONMENT:
        database_url = None  # the workspace uses it, but only an explicit --database-url is saved
    ws = Workspace.init(directory, name=name, counties=_split_codes(counties), cbsa=cbsa,
                        delineation=delineation, reference_area=reference_area, database_url=database_url,
                        organization=organization, staff=staff, budget=budget, state=state, attach=attach)
    ctx.call_on_close(ws.close)
    click.echo(f"Created workspace '{ws.name}' in {ws.path} with counties {', '.join(ws.counties)}.")
    for note in ws.notes:
        click.echo(f"Note: {note}")
    click.echo(f"Next: exportplan -w {ws.path} fetch qcew --years 2019-2023   (or: import qcew FILE...)")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--force", is_flag=True, help="Replace DIRECTORY if it already holds a workspace.")
@click.option("--database-url", default=None,
              help="Build the sample in PostgreSQL (an empty database) instead of SQLite. "
                   "EXPORTPLAN_DATABASE_URL is not used, so the sample never touches a real workspace's data.")
@workspace_option
@click.pass_context
@friendly
def demo(ctx, directory, force, database_url):
    """Build the SAMPLE workspace (invented data, clearly labelled) in DIRECTORY
    (default: the -w folder, else ./sample-workspace) and show its analysis."""
    directory = directory or (ctx.obj or {}).get("workspace") or Path("sample-workspace")
    from ..demo.builder import build_demo, show_demo

    ws = build_demo(directory, force=force, database_url=database_url, echo=click.echo)
    ctx.call_on_close(ws.close)
    show_demo(ws, echo=click.echo)


# ---- import ------------------------------------------------------------------
@cli.group("import")
def import_group():
    """Load files you already have into the workspace (all or nothing)."""


@import_group.command("qcew")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@workspace_option
@click.pass_context
@friendly
def import_qcew(ctx, files):
    """Load BLS QCEW CSV files (area/industry slices, by-area or single-file layouts)."""
    ws = current_workspace(ctx)
    click.echo(str(ws.import_qcew(files)))


@import_group.command("clusters")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Name for this crosswalk (default: the file name).")
@click.option("--edited", is_flag=True, help="Mark the crosswalk as edited by the user (recorded with results).")
@workspace_option
@click.pass_context
@friendly
def import_clusters(ctx, file, name, edited):
    """Load a cluster-definition crosswalk (NAICS -> US Cluster Mapping cluster)."""
    ws = current_workspace(ctx)
    click.echo(str(ws.import_clusters(file, name=name, edited=edited)))


@import_group.command("peers")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--from-qcew", "qcew_file", type=click.Path(path_type=Path), default=None,
              help="Compute the peers from BLS's national QCEW single file (annual averages, every area): all "
                   "regions of the region's kind (metros, states or counties) in it.")
@click.option("--name", default=None, help="Name for this peer set (default: from the file name).")
@click.option("--year", type=int, default=None, help="Use only this year of the file.")
@click.option("--allow-mismatch", is_flag=True,
              help="Accept peers of another kind or year than the region's; every flag is then labelled.")
@workspace_option
@click.pass_context
@friendly
def import_peers(ctx, file, qcew_file, name, year, allow_mismatch):
    """Load a peer set for strong-cluster flags: a US Cluster Mapping table, or --from-qcew a national QCEW file.

    Peers must be of the region's kind and year, as US Cluster Mapping compares them: metros with metros
    (a workspace made with --cbsa, or a custom county set: the nearest kind), counties with counties.

    \b
    Examples:
      exportplan -w col import peers --from-qcew 2020.annual.singlefile.csv
      exportplan -w col import peers uscmp_msa_clusters_2020.csv
      exportplan -w col import peers --allow-mismatch uscmp_state_clusters_2016.csv
    """
    if bool(file) == bool(qcew_file):
        raise click.UsageError("Give either FILE (a US Cluster Mapping table) or --from-qcew FILE (one of the two).")
    ws = current_workspace(ctx)
    click.echo(str(ws.import_peers(qcew_file or file, name=name, allow_mismatch=allow_mismatch,
                                   from_qcew=bool(qcew_file), year=year)))


@import_group.command("titles")
@click.argument("file", type=click.Path(path_type=Path))
@workspace_option
@click.pass_context
@friendly
def import_titles(ctx, file):
    """Load NAICS titles (BLS industry_titles.csv or a Census NAICS code file)."""
    ws = current_workspace(ctx)
    click.echo(str(ws.import_titles(file)))


# ---- fetch -------------------------------------------------------------------
@cli.group("fetch")
def fetch_group():
    """Download public data from the publishers (needs internet)."""


def parse_years(value: str) -> list[int]:
    years: list[int] = []
    for part in _split_codes(value):
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                years += list(range(a, b + 1))
            else:
                years.append(int(part))
        except ValueError:
            raise click.BadParameter(f"{part!r} is not a year or a range like 2019-2023") from None
    if not years:
        raise click.BadParameter("give years like 2019-2023 or 2019,2023")
    return years


@fetch_group.command("qcew")
@click.option("--years", required=True, help="Years, e.g. 2018-2023 or 2019,2023.")
@click.option("--quarter", default="a", show_default=True, type=click.Choice(["a", "1", "2", "3", "4"]),
              help="'a' for annual averages, or a quarter.")
@click.option("--base-url", default=None, help="Another server with the BLS open-data layout (mirrors, tests).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@workspace_option
@click.pass_context
@friendly
def fetch_qcew(ctx, years, quarter, base_url, no_progress):
    """Download QCEW area slices for the region's counties and the reference area from BLS."""
    ws = current_workspace(ctx)
    click.echo(str(ws.fetch_qcew(parse_years(years), qtr=quarter, base_url=base_url, progress=not no_progress)))


# ---- tables ------------------------------------------------------------------
@cli.command()
@click.option("--level", type=click.IntRange(2, 6), default=None, help="NAICS level 2-6 (default: all).")
@click.option("--year", type=int, default=None,
              help="End year (default: the analysis window's end, the latest year loaded for both the region "
                   "and the reference area).")
@click.option("--ownership", default=None, help="QCEW ownership: 5 private (default), 0 total, 1, 2, 3 government.")
@click.option("--window", type=click.IntRange(1, 30), default=None,
              help="Growth window in years, 1-30 (default: analysis.window, 5).")
@click.option("--base", type=click.Choice(["bls", "ownership"]), default=None, help="LQ base (default bls).")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the bubble chart (LQ x growth, size = employment) as PNG and SVG.")
@click.option("--top", type=click.IntRange(1, 100_000), default=40, show_default=True, metavar="N",
              help="Rows to print.")
@table_output
@workspace_option
@click.pass_context
@friendly
def industries(ctx, level, year, ownership, window, base, chart, top, fmt, output):
    """Industries of the region: employment, establishments, pay, LQ, growth (ranked)."""
    ws = current_workspace(ctx)
    df = ws.industries(level=level, year=year, ownership=ownership, window=window, base=base)
    meta = df.attrs.get("exportplan", {})
    emit_table(df, fmt=fmt, output=output, meta=meta, title=meta.get("title"), max_rows=top,
               columns=["naics", "title", "level", "year", "employment", "establishments", "avg_pay", "lq", "growth", "withheld"])
    _notes(meta)
    if chart:
        from ..output.chartdata import chart_lines

        for line in chart_lines(lambda: ws.bubble_chart(df, chart, label="title"), "Bubble chart"):
            click.echo(line)


@cli.command()
@click.option("--year", type=int, default=None,
              help="End year (default: the analysis window's end, the latest year loaded for both the region "
                   "and the reference area).")
@click.option("--type", "ctype", type=click.Choice(["traded", "local", "all"]), default="all", show_default=True)
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the bubble chart as PNG and SVG.")
@click.option("--top", type=click.IntRange(1, 100_000), default=40, show_default=True, metavar="N",
              help="Rows to print.")
@table_output
@workspace_option
@click.pass_context
@friendly
def clusters(ctx, year, ctype, chart, top, fmt, output):
    """US Cluster Mapping clusters of the region: LQ, growth, strong flags (ranked)."""
    ws = current_workspace(ctx)
    df = ws.clusters(year=year, cluster_type=ctype)
    meta = df.attrs.get("exportplan", {})
    emit_table(df, fmt=fmt, output=output, meta=meta, title=meta.get("title"), max_rows=top,
               columns=["cluster_code", "cluster_name", "type", "employment", "establishments", "lq", "growth", "strong", "withheld"])
    _notes(meta)
    if chart:
        from ..output.chartdata import chart_lines

        for line in chart_lines(lambda: ws.bubble_chart(df, chart, label="cluster_name"), "Bubble chart"):
            click.echo(line)


@cli.command("shift-share")
@click.option("--level", type=click.IntRange(2, 6), default=3, show_default=True, help="NAICS level 2-6.")
@click.option("--start", "start_year", type=int, default=None,
              help="First year (default: the analysis window's start, the end year minus analysis.window).")
@click.option("--end", "end_year", type=int, default=None,
              help="Last year (default: the latest year loaded for both the region and the reference area).")
@click.option("--ownership", default=None, help="QCEW ownership: 5 private (default), 0 total, 1, 2, 3 government.")
@click.option("--top", type=click.IntRange(1, 100_000), default=30, show_default=True, metavar="N",
              help="Rows to print.")
@table_output
@workspace_option
@click.pass_context
@friendly
def shift_share(ctx, level, start_year, end_year, ownership, top, fmt, output):
    """Shift-share: national share, industry mix and competitive shift of each industry's job change."""
    ws = current_workspace(ctx)
    df = ws.shift_share(level=level, start_year=start_year, end_year=end_year, ownership=ownership)
    meta = df.attrs.get("exportplan", {})
    emit_table(df, fmt=fmt, output=output, meta=meta, title=meta.get("title"), max_rows=top,
               columns=["naics", "title", "e0", "e1", "change", "national_share", "industry_mix", "competitive_shift"],
               formats={c: ",.0f" for c in ("e0", "e1", "change", "national_share", "industry_mix", "competitive_shift")})
    _notes(meta)


@cli.command()
@table_output
@workspace_option
@click.pass_context
@friendly
def sources(ctx, fmt, output):
    """Every file and download the workspace holds data from (provenance)."""
    ws = current_workspace(ctx)
    df = ws.citations.sources_table()
    emit_table(df, fmt=fmt, output=output, meta={"title": "Data sources"},
               columns=["id", "kind", "publisher", "dataset", "vintage", "file/url", "rows", "imported_at"])


def _notes(meta: dict) -> None:
    for note in other_notes(meta):  # the top notes were printed before the table
        click.echo(f"Note: {note}")


# ---- the user's own tables ---------------------------------------------------------
def _user_table_command(kind: str, name: str, what: str) -> None:
    @import_group.command(name, help=f"Load {what} (CSV or XLSX; all or nothing).\n\n"
                                     f"See 'exportplan tables' for the columns.")
    @click.argument("file", type=click.Path(path_type=Path))
    @sheet_option
    @workspace_option
    @click.pass_context
    @friendly
    def command(ctx, file, sheet):
        ws = current_workspace(ctx)
        click.echo(str(ws.import_table(kind, file, sheet=sheet)))


for _kind, _name, _what in (
        ("targets", "targets", "the state's target industries or clusters, with an optional priority"),
        ("sector_fdi", "sector-fdi", "foreign-owned establishments or companies per sector"),
        ("assets", "assets", "unique assets of sectors, flagged by staff"),
        ("fdi", "fdi", "foreign-owned establishments in the region by parent country"),
        ("survey", "survey", "exporter survey answers: the target markets companies name")):
    _user_table_command(_kind, _name, _what)


@cli.command()
def tables():
    """The columns of the tables 'exportplan import' accepts."""
    from ..imports.tables import describe_tables

    click.echo(describe_tables())


@cli.group("rank")
def rank_group():
    """Rank target sectors or country markets (scores, reasons, robustness)."""
