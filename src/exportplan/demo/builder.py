"""Build the SAMPLE workspace: the one builder that the demo command, the tests,
the docs examples and (later) the browser tests all use.

Everything it loads is invented by :mod:`exportplan.demo.sample` and labelled
SAMPLE DATA wherever it appears.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from .. import config as cfg
from ..analysis.defaults import DEFAULT_DRAWS
from ..errors import ExportPlanError
from ..workspace import Workspace
from . import sample

SAMPLE_BANNER = "SAMPLE DATA — invented for demonstration, not real statistics"


def build_demo(directory: str | Path = "sample-workspace", *, force: bool = False,
               database_url: str | None = None, echo: Callable[[str], None] = lambda s: None,
               pipeline: bool = True) -> Workspace:
    """Create the sample workspace in `directory` from freshly generated sample files.

    ``pipeline=False`` leaves out the sample exporter pipeline, business list and export intensity (the
    rankings then rest on the user tables alone).
    """
    directory = Path(directory)
    if (directory / cfg.CONFIG_FILE).exists():
        if not force:
            raise ExportPlanError(f"{directory} already holds a workspace; use --force to rebuild it.")
        shutil.rmtree(directory)
    if force and database_url:
        _clear_sample_database(database_url, echo)
    files = sample.write_sample_files(directory / "sample-data")
    echo(f"[{SAMPLE_BANNER}]")
    echo(f"Building the sample workspace in {directory} ...")
    ws = Workspace.init(
        directory, name=files.region_name, counties=files.counties, database_url=database_url,
        organization="Sample Economic Development Organization (SAMPLE)", staff=3, budget=250_000,
        state="", centre=list(files.centre), sample_data=True,
    )
    for step in (lambda: ws.import_qcew(files.qcew),
                 lambda: ws.import_clusters(files.crosswalk, name="SAMPLE crosswalk"),
                 lambda: ws.import_peers(files.peers, name="SAMPLE peer regions")):
        echo(str(step()))
    for kind in _ranking_tables(ws):
        path = getattr(files, kind)
        echo(str(ws.import_table(kind, path)))
    for report in (import_sample_pipeline(ws, files.folder, files.qcew) if pipeline else []):
        echo(str(report))
    echo(str(import_sample_programs(ws, files.folder)))
    if pipeline:  # the sample's own programs run with companies of the sample pipeline
        from .sample_initiatives import add_sample_initiatives

        echo(str(add_sample_initiatives(ws)))
    echo(str(ws.export_profile.import_brookings(write_sample_brookings(files.folder))))
    ws.context.config.setdefault("plan", {})["baseline_date"] = SAMPLE_BASELINE_DATE
    ws.save_config()
    label_provenance(ws)
    return ws


def import_sample_pipeline(ws: Workspace, folder: Path, qcew: list[Path]) -> list:
    """Write and import the sample pipeline, business list and export intensity; returns the import reports.

    The export intensity divides the sample's national exports by NAICS by the
    employment of the sample's U.S. (US000) QCEW file of the same year.
    """
    from . import sample_pipeline

    written = sample_pipeline.write_sample_pipeline(folder)
    national = [p for p in qcew if p.name == sample.qcew_file_name(sample_pipeline.EXPORTS_YEAR, "US000")]
    return [ws.pipeline.import_companies(written.pipeline),
            ws.prospects.import_businesses(written.businesses),
            ws.prospects.import_export_intensity(written.exports, national[0])]


def import_sample_programs(ws: Workspace, folder: Path):
    """Write the sample's program inventory (a state trade office, a U.S. Export Assistance Center and the
    organization's regional programs, one of which duplicates federal counseling) in the import template's
    layout, and import it; returns the import report."""
    from ..imports.programs import write_programs
    from .sample_programs import sample_inventory

    import datetime as dt

    path = write_programs(sample_inventory(), Path(folder) / "SAMPLE_programs.xlsx",
                          created=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))  # byte-identical on every run
    return ws.programs.import_programs(path)


#: The sample plan's goals are measured from this date (its pipeline's history runs to 2026-09-30).
SAMPLE_BASELINE_DATE = "2025-09-30"
#: Invented Brookings Export Monitor figures of the sample counties (millions of dollars, share of GDP), 2017.
SAMPLE_BROOKINGS = {"99001": (2150.5, 0.118), "99003": (640.25, 0.097), "99005": (212.75, 0.081)}


def write_sample_brookings(folder: Path) -> Path:
    """A county file in the Brookings Export Monitor layout with invented figures for the sample's counties."""
    from .sample_common import COUNTIES

    path = Path(folder) / "SAMPLE_brookings_export_monitor_county_exports_2017.csv"
    lines = ["stco_code,year,co_name,st_code,st_name,st_abbr,county_exports_nominal,county_exports_real,"
             "county_pct_exports_gdp"]
    for fips, (millions, share) in SAMPLE_BROOKINGS.items():
        lines.append(f"{fips},2017,{COUNTIES[fips]} (SAMPLE),99,Sample State,ZZ,{millions},{millions},{share}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def label_provenance(ws: Workspace) -> int:
    """Name the sample as the publisher of every record of a sample workspace (but the shipped federal
    program catalogue); returns how many changed.

    The importers record the publisher whose layout a file has (BLS for a
    QCEW slice). A sample file only imitates that layout: its publisher is
    :data:`~exportplan.demo.sample.SAMPLE_PUBLISHER`, and the dataset says
    whose layout it borrows. Only for a workspace flagged
    ``workspace.sample_data`` (the one test of "sample"; never a file name).
    """
    from ..store import provenance

    if not ws.is_sample:
        raise ExportPlanError(f"{ws.path} is not the sample workspace (workspace.sample_data is false): its "
                              "sources keep their publishers.")
    from ..ws.programs import CATALOGUE_PUBLISHER

    keep = (sample.SAMPLE_PUBLISHER, CATALOGUE_PUBLISHER)  # the federal catalogue is shipped data, not invented
    return provenance.relabel(ws.store, lambda publisher, dataset: None if publisher in keep
                              else sample.sample_provenance(publisher, dataset))


def _clear_sample_database(url: str, echo: Callable[[str], None]) -> None:
    """demo --force on PostgreSQL: empty the database if (and only if) it holds the sample workspace."""
    from ..store.db import Store

    store = Store(url)
    try:
        if store.clear_sample():
            echo("Emptied the earlier SAMPLE workspace in that database.")
    finally:
        store.dispose()


def _ranking_tables(ws: Workspace) -> list[str]:
    """The user tables this release can import (later issues add more)."""
    return [k for k in ("targets", "sector_fdi", "assets", "countries", "exports", "partnerships", "fdi", "survey")
            if hasattr(ws, "import_table") and k in ws.table_kinds()]


def show_demo(ws: Workspace, *, echo: Callable[[str], None] = print) -> None:
    """Print the sample region's analysis and write its charts and tables to outputs/."""
    from ..output.tables import render_text_table, sources_path, write_table

    out = ws.path / "outputs"
    out.mkdir(exist_ok=True)
    echo("")
    echo(f"== {ws.name}: industries (3-digit NAICS, private) [{SAMPLE_BANNER}] ==")
    ind = ws.industries(level=3)
    echo(render_text_table(ind[["naics", "title", "employment", "establishments", "avg_pay", "lq", "growth", "withheld"]], max_rows=12))
    for note in ind.attrs.get("exportplan", {}).get("notes", []):
        echo(f"Note: {note}")
    write_table(ind, out / "industries.xlsx", meta=ind.attrs.get("exportplan"))
    echo("")
    echo(f"== {ws.name}: traded clusters [{SAMPLE_BANNER}] ==")
    cl = ws.clusters(cluster_type="traded")
    echo(render_text_table(cl[["cluster_code", "cluster_name", "employment", "lq", "growth", "strong", "withheld"]], max_rows=12))
    for note in cl.attrs.get("exportplan", {}).get("notes", []):
        echo(f"Note: {note}")
    write_table(cl, out / "clusters.csv", meta=cl.attrs.get("exportplan"))
    charts = ws.bubble_chart(cl, out / "clusters_bubble.png", label="cluster_name")
    echo("")
    echo(f"== {ws.name}: target sectors on the guide's five criteria [{SAMPLE_BANNER}] ==")
    ranking = ws.rank_sectors()
    echo(render_text_table(ranking.table[["rank", "name", "score", "tier", "coverage", "p_top5", "band", "reason"]],
                           max_rows=8, formats={"score": ".3f"}))
    for line in ranking.summary()[1:3]:
        echo(f"Robustness: {line}")
    for entry in ranking.unmatched.itertuples(index=False):
        echo(f"Unmatched {entry.table} entry '{entry.entry}': {entry.note}")
    sectors = ranking.write(out / "sectors.xlsx")
    sector_charts = [*ranking.contribution_chart(out / "sectors_contributions.png"),
                     *ranking.bubble_chart(out / "sectors_bubble.png")]
    echo("")
    echo("Wrote " + ", ".join(str(p) for p in [out / "industries.xlsx", out / "clusters.csv",
                                               sources_path(out / "clusters.csv"), *charts, sectors, *sector_charts]))
    echo(f"Explore further: exportplan -w {ws.path} industries --level 4 | clusters | rank sectors --explain CODE"
         " | sources  (add --help to any)")
    show_markets(ws, echo)
    show_pipeline(ws, echo)
    show_programs(ws, echo)
    show_own_programs(ws, echo)
    show_plan(ws, echo)


def show_markets(ws: Workspace, echo: Callable[[str], None] = print, *, draws: int = DEFAULT_DRAWS) -> list[Path]:
    """Print the sample region's top country markets with reasons; write outputs/markets.xlsx, map and chart.

    Returns the files written (the table, the world map and the contribution
    chart, each chart as PNG and SVG).
    """
    from ..output.tables import render_text_table

    out = ws.path / "outputs"
    out.mkdir(exist_ok=True)
    ranking = ws.rank_markets(draws=draws)
    banner = f" [{SAMPLE_BANNER}]" if ws.is_sample else ""
    echo("")
    echo(f"== {ws.name}: target country markets on the guide's eight factors{banner} ==")
    echo(render_text_table(ranking.table[["rank", "iso3", "country", "score", "coverage", "p_top5", "robust",
                                          "reason"]], max_rows=10,
                           formats={"score": ".3f"}))
    echo(f"Exports data: {ranking.meta['exports_label']}")
    for line in ranking.summary()[1:4]:
        echo(f"Robustness: {line}")
    written = [ranking.write(out / "markets.xlsx"), *ranking.world_map(out / "markets_map.png"),
               *ranking.contribution_chart(out / "markets_contributions.png")]
    echo("Wrote " + ", ".join(str(p) for p in written))
    echo(f"Explore further: exportplan -w {ws.path} rank markets --explain MEX | --sector 336 | --by-sector "
         "| --preset nearby")
    return written


def show_pipeline(ws: Workspace, echo: Callable[[str], None] = print, *, top: int = 10) -> list[Path]:
    """Print the pipeline's stage counts, exporting share, markets per exporter and the top outreach prospects;
    write outputs/pipeline.xlsx (the pipeline export, without contacts) and outputs/prospects.csv."""
    from ..output.tables import render_text_table, sources_path, write_table

    if not ws.pipeline.count_companies():
        return []  # a sample built without its pipeline (build_demo(pipeline=False))
    out = ws.path / "outputs"
    out.mkdir(exist_ok=True)
    banner = f" [{SAMPLE_BANNER}]" if ws.is_sample else ""
    metrics = ws.pipeline.metrics()
    echo("")
    echo(f"== {ws.name}: exporter pipeline{banner} ==")
    echo(render_text_table(metrics["stage_counts"].table, formats={"share": ".0%"}))
    share = metrics["exporting_share"].table.iloc[0]
    markets = metrics["markets_per_exporter"].table.iloc[0]
    echo(f"Exporting: {int(share['exporting'])} of {int(share['companies'])} companies ({share['share']:.0%}); "
         f"markets per exporter: mean {markets['markets_mean']:.1f}, median {markets['markets_median']:g}, "
         f"{int(markets['distinct_markets'])} distinct markets.")
    prospects = ws.prospects.prospects()
    outreach = ws.prospects.outreach(top=top, scored=prospects)
    echo("")
    echo(f"== {ws.name}: top {top} prospects for outreach{banner} ==")
    columns = [c for c in ("rank", "name", "naics", "county_fips", "employees", "score", "reason") if c in outreach]
    echo(render_text_table(outreach[columns], max_rows=top, formats={"score": ".3f"}))
    for note in dict.fromkeys(outreach.attrs.get("exportplan", {}).get("notes", [])):
        echo(f"Note: {note}")
    written = [ws.pipeline.export_companies(out / "pipeline.xlsx"),
               write_table(prospects, out / "prospects.csv", meta=prospects.attrs.get("exportplan"))]
    written.append(sources_path(written[-1]))
    echo("Wrote " + ", ".join(str(p) for p in written))
    echo(f"Explore further: exportplan -w {ws.path} companies list | companies show ID | prospects list "
         "| prospects list --outreach  (add --help to any)")
    return written


def show_programs(ws: Workspace, echo: Callable[[str], None] = print) -> list[Path]:
    """Print the export services: the inventory, its duplications, the gaps by service and the organization's
    role; write outputs/programs.xlsx, outputs/gaps.xlsx and the stage x service heat map."""
    from ..output.chartdata import ChartNotDrawn
    from ..output.tables import render_text_table, write_table

    out = ws.path / "outputs"
    out.mkdir(exist_ok=True)
    banner = f" [{SAMPLE_BANNER}]" if ws.is_sample else ""
    programs = ws.programs.programs()
    echo("")
    echo(f"== {ws.name}: export services{banner} ==")
    counts = programs.groupby("level").size()
    verified = int((programs["last_verified"] != "").sum())
    echo(f"Programs: {len(programs)} ({', '.join(f'{n} {level}' for level, n in counts.items())}); "
         f"{verified} with a dated source, {len(programs) - verified} not verified.")
    dups = ws.programs.duplications()
    for row in dups[dups["kind"] == "duplication"].itertuples():
        echo(f"Duplication: {row.program} duplicates {row.duplicates} ({row.n_companies} companies eligible for "
             "both).")
    gaps = ws.programs.gaps()
    by_service = (gaps[gaps["gap"]].groupby("category")["demand"].agg(["size", "sum"])
                  .rename(columns={"size": "gap_cells", "sum": "company_needs"})
                  .sort_values(["company_needs", "gap_cells"], ascending=False).reset_index())
    echo(f"Gaps: {int(gaps['gap'].sum())} of {len(gaps)} demand cells; by service category:")
    echo(render_text_table(by_service, max_rows=8))
    role = ws.programs.role(gaps)
    echo(f"Role: {role.role}. {role.reason}.")
    for name in role.candidates["name"].head(5):
        echo(f"  candidate: {name}")
    written = [ws.programs.export_programs(out / "programs.xlsx"),
               write_table(gaps, out / "gaps.xlsx", meta=gaps.attrs.get("exportplan"))]
    try:
        written += ws.programs.gap_chart(out / "gaps.png", gaps=gaps)
    except ChartNotDrawn as exc:
        echo(f"No heat map: {exc}.")
    echo("Wrote " + ", ".join(str(p) for p in written))
    echo(f"Explore further: exportplan -w {ws.path} programs list | programs duplicates | programs role | gaps "
         "--by sector | companies match ID")
    return written


def show_own_programs(ws: Workspace, echo: Callable[[str], None] = print) -> list[Path]:
    """The organization's own programs: the runs, their results (each company and outcome once in the
    totals) and one cohort company's own export plan as a PDF."""
    from ..output.tables import render_text_table

    banner = f" [{SAMPLE_BANNER}]" if ws.is_sample else ""
    echo("")
    echo(f"== {ws.name}: the organization's own programs{banner} ==")
    runs = ws.initiatives.list()
    if not len(runs):
        echo("No programs of the organization's own are recorded ('exportplan initiatives add').")
        return []
    echo(render_text_table(runs[["key", "kind", "start_date", "end_date", "companies"]], max_rows=10))
    report = ws.initiatives.report()
    echo("Results (an outcome attributed to several programs counts in each; the totals count it once):")
    echo(render_text_table(report[["name", "companies_served", "plans_written", "outcomes", "first_exports",
                                   "export_sales_usd", "sales_per_grant_dollar"]], max_rows=10))
    written: list[Path] = []
    cohorts = runs[runs["kind"] == "cohort"]
    if len(cohorts):
        members = ws.initiatives.members(str(cohorts["key"].iloc[0]))
        plans = members[members["plan_status"] == "written"]
        if len(plans):
            key = str(plans["company"].iloc[0])
            written = list(ws.company_plans.build(key, formats=("pdf",)).values())
            echo(f"A cohort company's own export plan: {written[0]}")
    echo(f"Explore further: exportplan -w {ws.path} initiatives show KEY | initiatives competition results KEY | "
         "companies plan ID --format pdf,docx")
    return written


def show_plan(ws: Workspace, echo: Callable[[str], None] = print) -> dict[str, Path]:
    """Build the sample's full regional export plan (every format, internal edition) and say where it is."""
    banner = f" [{SAMPLE_BANNER}]" if ws.is_sample else ""
    echo("")
    echo(f"== {ws.name}: the regional export plan{banner} ==")
    timings: dict = {}
    written = ws.plan.build(edition="internal", timings=timings)
    for fmt, path in written.items():
        echo(f"  {fmt:5s} {path}  ({timings[fmt]:.1f} s)")
    echo(f"The plan: open {written.get('html', next(iter(written.values())))} in a browser, or the PDF or Word "
         "file. The staff sections are drafts from the data: edit them with 'exportplan -w "
         f"{ws.path} plan edit SECTION', set the goals' targets with 'plan goals --set KEY=TARGET --year YEAR', "
         "and build the public edition with 'plan build --edition public'.")
    echo(f"The web app: 'exportplan -w {ws.path} users create NAME --role admin', then 'exportplan -w {ws.path} "
         "serve' and open http://127.0.0.1:8000.")
    return written
