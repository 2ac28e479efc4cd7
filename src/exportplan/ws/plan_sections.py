"""The data sections of the plan (plan-outline.md §3-5, 9 and the appendices), built from the services.

Plain functions taking the plan service (``svc``: :class:`exportplan.ws.plan.PlanService`) and returning
``plan_model`` blocks. A section whose input is missing says what is missing and how to get it
(a ``Paragraphs`` of role "missing"), never nothing. No SQL here.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ..analysis.plan_suppress import suppress
from ..citation import as_refs
from ..errors import ExportPlanError
from ..plan_model import SUPPRESS_BELOW, Block, Chart, Paragraphs, Table

#: Rows of a ranking table in the document.
TOP = 10
#: Notes printed under a table; the others go to the method notes.
NOTES_SHOWN = 3


def meta_of(frame: pd.DataFrame) -> dict:
    return frame.attrs.get("exportplan", {}) or {}


def table(svc, key: str, title: str, frame: pd.DataFrame, columns: Sequence[str] | None = None, *,
          formats: dict | None = None, max_rows: int | None = 25, counts: Sequence[str] = (),
          shares: Sequence[str] = (), notes: Sequence[str] = (), meta: dict | None = None) -> Table:
    """A plan table from an analysis frame: its columns, its sources and notes (from the frame's meta), and in
    the public edition company columns dropped and small counts suppressed."""
    meta = meta if meta is not None else meta_of(frame)
    shown = frame[[c for c in columns if c in frame.columns]] if columns else frame
    shown = shown.reset_index(drop=True)
    extra = list(notes)
    if svc.public:
        shown, hidden = suppress(shown, counts, shares=shares)
        if hidden:
            extra.append(f"{hidden} count(s) under 3 companies are shown as <3 (public edition), with the cells "
                         "that would reveal them.")
    notes_out = [n for n in meta.get("notes", []) if "SAMPLE DATA" not in n]
    if len(notes_out) > NOTES_SHOWN:  # the rest go to the method notes (appendix B)
        svc.method_notes_extra.extend(notes_out[NOTES_SHOWN:])
        notes_out = notes_out[:NOTES_SHOWN] + ["More notes on this table: appendix B (method notes)."]
    labels = {c: label(c) for c in shown.columns}
    return Table(key, title, shown.rename(columns=labels), sources=as_refs(meta.get("sources", [])),
                 notes=notes_out + extra, formats={labels.get(c, c): f for c, f in (formats or {}).items()},
                 max_rows=max_rows)


#: Column headers in words (others: underscores become spaces).
LABELS = {
    "exports_usd": "exports (USD)", "exports_usd_low": "low (USD)", "exports_usd_high": "high (USD)",
    "exports_estimate_usd": "estimated exports (USD)", "exports_estimate_usd_low": "low (USD)",
    "exports_estimate_usd_high": "high (USD)", "share_of_national_employment": "share of U.S. jobs",
    "pct_gdp": "% of GDP", "lq": "LQ", "lq_low": "LQ low", "lq_high": "LQ high", "naics": "NAICS",
    "iso3": "country", "p_top5": "P(top 5)", "n_gaps": "gaps", "employment_low": "employment low",
    "employment_high": "employment high", "cluster_name": "cluster", "provider_name": "provider",
    "company_needs": "company needs", "gap_cells": "gap cells", "source_url": "source",
    "last_verified": "last verified", "baseline_date": "baseline date", "target_year": "target year",
    "co_deliverers": "partners", "county_fips": "county", "export_sales_usd": "export sales (USD)",
    "cost_usd": "cost (USD)", "grants_usd": "grants (USD)", "sales_per_grant_dollar": "export sales per grant dollar",
    "cost_per_outcome": "cost per outcome (USD)",
}


def label(column: str) -> str:
    """A column's header in the plan: words, not code names."""
    return LABELS.get(str(column), str(column).replace("_", " "))


def chart(svc, key: str, title: str, draw: Callable[[Path], list[Path]], *, alt: str, sources=(),
          notes: Sequence[str] = ()) -> list[Block]:
    """Draw a chart into the build's chart folder; when it cannot be drawn, a note saying why."""
    from ..output.chartdata import ChartNotDrawn

    path = svc.chart_dir / f"{key}.png"
    try:
        written = draw(path)
    except ChartNotDrawn as exc:
        return [Paragraphs(f"{title}: not drawn ({exc}).", role="note")]
    png = next((p for p in written if p.suffix == ".png"), path)
    svg = next((p for p in written if p.suffix == ".svg"), None)
    return [Chart(key, title, png=png, svg=svg, alt=alt, sources=as_refs(list(sources)), notes=list(notes))]


def missing(what: str, how: str) -> Paragraphs:
    """What a section lacks and the command that fills it (renderers label it as missing)."""
    return Paragraphs(f"Not available yet: {what}. {how}", role="missing")


def guarded(build: Callable[[], list[Block]], what: str, how: str) -> list[Block]:
    """The blocks of ``build``, or a 'missing' paragraph naming what failed and how to fill it."""
    try:
        return build()
    except ExportPlanError as exc:
        return [missing(f"{what} ({str(exc).splitlines()[0].rstrip('.')})", how)]


# ---- 3.1 the export profile ---------------------------------------------------------------------
def export_profile(svc) -> list[Block]:
    service = getattr(svc.ws, "export_profile", None)
    if service is None:
        return [missing("the export profile", "Import the Brookings Export Monitor files ('exportplan import "
                        "brookings FILE') and build the export intensity ('exportplan prospects intensity').")]

    def build() -> list[Block]:
        profile = service.profile()
        comparison = getattr(profile, "comparison", None)
        blocks: list[Block] = []
        if comparison is None or not len(comparison):  # else the table's notes say it
            blocks.append(Paragraphs(" ".join(profile.notes[:2]) if getattr(profile, "notes", None) else
                                     "Census data cover goods, by exporter location; Brookings estimates cover "
                                     "goods and services, by production location.", role="note"))
        if comparison is not None and len(comparison):
            blocks.append(table(svc, "export_comparison", "Regional exports: published and estimated", comparison,
                                [c for c in comparison.columns if c not in ("note", "notes", "source")],
                                formats=_money_formats(comparison)))
        by_industry = getattr(profile, "by_industry", None)
        if by_industry is None:
            by_industry = getattr(profile, "estimate", None)
        if isinstance(by_industry, pd.DataFrame) and len(by_industry):
            wanted = ["naics", "title", "status", "employment", "share_of_national_employment",
                      "exports_estimate_usd", "exports_estimate_usd_low", "exports_estimate_usd_high"]
            columns = [c for c in wanted if c in by_industry.columns] or None
            blocks.append(table(svc, "export_estimate", "Estimated goods exports by industry", by_industry, columns,
                                formats=_money_formats(by_industry), max_rows=15))
        for note in getattr(profile, "missing", []) or []:
            blocks.append(Paragraphs(str(note), role="missing"))
        return blocks

    return guarded(build, "the export profile", "Import the Brookings Export Monitor files ('exportplan import "
                   "brookings FILE') and national exports by NAICS ('exportplan prospects intensity').")


def _money_formats(frame: pd.DataFrame) -> dict[str, str]:
    out = {c: ",.0f" for c in frame.columns if "_usd" in c or c.startswith("employment")}
    out.update({c: ".2%" for c in frame.columns if c.startswith("share") or c.startswith("pct")})
    return out


# ---- 3.2 industries and clusters ----------------------------------------------------------------
def clusters(svc) -> list[Block]:
    def build() -> list[Block]:
        frame = svc.ws.industry.clusters(cluster_type="traded")
        top = frame.sort_values(["employment", "cluster_code"], ascending=[False, True])
        blocks: list[Block] = [table(svc, "clusters", "Traded clusters: employment, LQ, growth and strength", top,
                                     ["cluster_name", "employment", "employment_low", "employment_high",
                                      "establishments", "lq", "lq_low", "lq_high", "growth", "strong"],
                                     formats={"employment": ",.0f", "employment_low": ",.0f",
                                              "employment_high": ",.0f", "establishments": ",.0f",
                                              "lq": ".2f", "lq_low": ".2f", "lq_high": ".2f", "growth": ".1%"},
                                     max_rows=20)]
        blocks += chart(svc, "bubble", "Traded clusters: LQ, growth and employment",
                        lambda p: svc.ws.industry.bubble_chart(frame, p, label="cluster_name"),
                        alt="Bubble chart of the traded clusters: location quotient against growth, bubble size "
                            "employment", sources=meta_of(frame).get("sources", []))
        return blocks

    return guarded(build, "the industry clusters", "Import QCEW files ('exportplan import qcew' or 'fetch qcew') "
                   "and a cluster crosswalk ('exportplan import clusters').")


# ---- 3.3 the exporter base ----------------------------------------------------------------------
def exporter_base(svc) -> list[Block]:
    count = svc.ws.pipeline.count_companies()
    if not count:
        return [missing("the exporter base (no companies in the pipeline)",
                        "Import your companies with 'exportplan companies import FILE' "
                        "('companies template FILE.xlsx' writes the template).")]
    metrics = svc.ws.pipeline.metrics()
    refs = svc.ws.citations.refs(("companies",))
    meta = {"sources": refs, "notes": []}
    share = metrics["exporting_share"].table.iloc[0]
    markets = metrics["markets_per_exporter"].table.iloc[0]
    blocks: list[Block] = [Paragraphs(
        f"{int(share['exporting'])} of the {int(share['companies'])} companies in the pipeline export "
        f"({share['share']:.0%}); an exporter sells in {markets['markets_mean']:.1f} markets on average "
        f"({int(markets['distinct_markets'])} markets in all).")]
    stages = metrics["stage_counts"].table
    blocks.append(table(svc, "pipeline_stages", "Companies by export stage", stages, formats={"share": ".0%"},
                        counts=("companies",), shares=("share",), notes=metrics["stage_counts"].notes, meta=meta))
    blocks += chart(svc, "funnel", "The exporter pipeline by stage", lambda p: svc.funnel_chart(stages, p),
                    alt="Funnel of the companies in the pipeline by export stage", sources=refs)
    by_sector = metrics["stage_counts_by_sector"].table
    wide = (by_sector.pivot_table(index="sector", columns="stage", values="companies", aggfunc="sum",
                                  observed=False).fillna(0).astype(int).reset_index())
    from ..analysis.pipeline_terms import STAGES

    ordered = [s for s in STAGES if s in wide.columns] + [c for c in wide.columns if c not in STAGES and
                                                            c != "sector"]
    wide = wide[["sector", *ordered]]
    wide["total"] = wide.drop(columns="sector").sum(axis=1)
    wide = wide.sort_values(["total", "sector"], ascending=[False, True])
    stage_columns = [c for c in wide.columns if c not in ("sector",)]
    blocks.append(table(svc, "pipeline_sectors", "Companies by sector and export stage", wide,
                        counts=stage_columns, meta=meta, max_rows=15))
    blocks += prospects(svc)
    return blocks


def prospects(svc) -> list[Block]:
    """The companies the organization does not know yet: the business list scored for export likelihood."""
    businesses = len(svc.ws.prospects.businesses())
    if not businesses:
        return [missing("prospects (no business list)", "Import the region's businesses with 'exportplan "
                        "prospects import FILE' (a state business register extract or a purchased list).")]
    try:
        outreach = svc.ws.prospects.outreach(top=None)
    except ExportPlanError as exc:
        return [missing(f"prospect scores ({str(exc).splitlines()[0].rstrip('.')})", "Build the export intensity "
                        "with 'exportplan prospects intensity'.")]
    where = ("the outreach list is appendix D" if not svc.public else
             "the outreach list names companies and is in the internal edition only")
    return [Paragraphs(f"Prospects: {businesses:,} businesses of the region are scored for export likelihood "
                       "(industry export intensity, size, target sector, foreign parent); "
                       f"{len(outreach):,} of them are not in the pipeline or had no recent contact, and "
                       f"{where}.")]


# ---- 3.4 the export service system --------------------------------------------------------------
def services(svc) -> list[Block]:
    def build() -> list[Block]:
        programs = svc.ws.programs.programs()
        by_level = (programs.groupby(["level", "status"]).size().rename("programs").reset_index()
                    .sort_values(["level", "status"]))
        blocks: list[Block] = [table(svc, "programs_by_level", "Export programs by provider level", by_level,
                                     meta=meta_of(programs))]
        gaps = svc.gaps()
        gap_rows = gaps[gaps["gap"]] if len(gaps) else gaps
        by_service = (gap_rows.groupby("category")["demand"].agg(["size", "sum"])
                      .rename(columns={"size": "gap_cells", "sum": "company_needs"}).reset_index()
                      .sort_values(["company_needs", "category"], ascending=[False, True]))
        gap_meta = meta_of(gaps)
        if len(gap_rows):
            blocks.append(table(svc, "gaps_by_service", "Gaps in export services by service category", by_service,
                                counts=("company_needs",), meta=gap_meta))
            blocks.append(table(svc, "gaps", "Gap cells (service, stage, sector, country)", gap_rows,
                                ["category", "stage", "sector", "iso3", "demand", "status", "reason"],
                                counts=("demand",), meta={"sources": gap_meta.get("sources", []), "notes": []},
                                max_rows=15))
        else:
            notes = [n for n in gap_meta.get("notes", []) if "SAMPLE DATA" not in n]
            blocks.append(Paragraphs(" ".join(notes[:1]) + " Demand comes from the companies' needs in the "
                                     "pipeline and from the target sectors and markets; every demand cell has an "
                                     "existing program."))
        blocks += chart(svc, "gaps_heatmap", "Demand and gaps by export stage and service",
                        lambda p: svc.ws.programs.gap_chart(p, gaps=gaps,
                                                            suppress_below=SUPPRESS_BELOW if svc.public else 0),
                        alt="Heat map of companies with a need by export stage and service category, coloured by "
                            "the share in a gap", sources=meta_of(gaps).get("sources", []))
        dups = svc.ws.programs.duplications()
        flagged = dups[dups["kind"] == "duplication"] if len(dups) else dups
        blocks.append(table(svc, "duplications", "Regional programs that duplicate existing ones", flagged,
                            ["program", "duplicates", "categories", "reason"], meta=meta_of(dups)) if len(flagged)
                      else Paragraphs("No regional or proposed program duplicates an existing state or federal "
                                      "program.", role="note"))
        role = svc.role(gaps)
        blocks.append(Paragraphs(f"Recommended role: {role.role}. {role.reason}."))
        if len(role.candidates):
            blocks.append(table(svc, "candidate_programs", "Candidate programs to fill the gaps", role.candidates,
                                ["name", "kind", "n_gaps", "demand", "co_deliverers"],
                                formats={"n_gaps": ",.0f", "demand": ",.0f"}, counts=("demand",),
                                notes=["Each candidate was checked against every existing program and duplicates "
                                       "none; the gaps it fills are listed in the XLSX appendix."]))
        return blocks

    return guarded(build, "the export service system", "Import the state and regional programs ('exportplan "
                   "programs import FILE'; 'programs template FILE.xlsx' writes the template).")


# ---- 4 and 5: the rankings ----------------------------------------------------------------------
def target_sectors(svc) -> list[Block]:
    def build() -> list[Block]:
        ranking = svc.sector_ranking()
        blocks: list[Block] = [table(svc, "sector_ranking", "Target sectors on the guide's five criteria",
                                     ranking.table, ["rank", "name", "score", "tier", "coverage", "p_top5", "band",
                                                     "reason"],
                                     formats={"score": ".3f", "coverage": ".0%", "p_top5": ".0%"}, max_rows=TOP,
                                     meta=ranking.meta)]
        blocks += chart(svc, "sector_contributions", "What makes each sector's score",
                        lambda p: ranking.contribution_chart(p), alt="Stacked bars of each sector's score by criterion",
                        sources=ranking.meta.get("sources", []))
        blocks.append(Paragraphs("\n".join(f"- {line}" for line in ranking.summary()), role="note"))
        return blocks

    return guarded(build, "the sector ranking", "Import QCEW files and a cluster crosswalk, then check "
                   "'exportplan rank sectors'.")


def target_markets(svc) -> list[Block]:
    def build() -> list[Block]:
        ranking = svc.market_ranking()
        blocks: list[Block] = [table(svc, "market_ranking", "Target markets on the guide's eight factors",
                                     ranking.table, ["rank", "country", "score", "coverage", "p_top5", "robust",
                                                     "reason"],
                                     formats={"score": ".3f", "coverage": ".0%", "p_top5": ".0%"}, max_rows=TOP,
                                     meta=ranking.meta)]
        refs = ranking.meta.get("sources", [])
        blocks += chart(svc, "market_map", "Market scores on the world map", lambda p: ranking.world_map(p),
                        alt="World map of the market scores", sources=refs)
        blocks += chart(svc, "market_contributions", "What makes each market's score",
                        lambda p: ranking.contribution_chart(p), alt="Stacked bars of each market's score by factor",
                        sources=refs)
        blocks.append(Paragraphs("\n".join(f"- {line}" for line in ranking.summary()), role="note"))
        return blocks

    return guarded(build, "the market ranking", "Import country data ('exportplan import countries' or 'fetch "
                   "countries') and exports by partner ('exportplan import exports').")


# ---- appendices -----------------------------------------------------------------------------------

# ---- 8 and 9: the organization's own programs -----------------------------------------------------
#: The program report's counts of companies (suppressed under 3 in the public edition) and the figures
#: computed from the same companies (hidden with them).
PROGRAM_COUNTS = ("companies_served", "plans_written", "first_exports")
PROGRAM_SHARES = ("export_sales_usd", "sales_per_grant_dollar")
PROGRAM_FORMATS = {"companies_served": ",.0f", "plans_written": ",.0f", "outcomes": ",.0f", "first_exports": ",.0f",
                   "new_markets": ",.0f", "export_sales_usd": ",.0f", "cost_usd": ",.0f", "grants_usd": ",.0f",
                   "sales_per_grant_dollar": ",.2f", "cost_per_outcome": ",.0f"}
NO_PROGRAMS = ("The organization runs no export programs of its own yet: it connects companies to the state and "
               "federal programs above. A cohort, pitch competition, trade mission or event is recorded with "
               "'exportplan initiatives add', and its results appear here.")


def _program_report(svc) -> pd.DataFrame:
    return svc.program_report()


def own_programs(svc) -> list[Block]:
    """Section 8: the organization's own programs (cohorts, competitions, missions, events) and their results."""
    def build() -> list[Block]:
        runs = svc.ws.initiatives.list()
        if not len(runs):
            return [Paragraphs(NO_PROGRAMS, role="note")]
        report = _program_report(svc)
        figures = report[report["key"].isin(set(runs["key"]))].drop(columns=["name", "kind"], errors="ignore")
        dates = runs["start_date"].fillna("").astype(str) + runs["end_date"].fillna("").astype(str).map(
            lambda d: f" to {d}" if d else "")
        shown = runs.assign(dates=dates.str.strip()).merge(figures, on="key", how="left")
        return [table(svc, "own_programs", "The organization's own programs and their results", shown,
                      ["name", "kind", "status", "dates", "companies_served", "plans_written", "first_exports",
                       "new_markets", "export_sales_usd"], formats=PROGRAM_FORMATS, counts=PROGRAM_COUNTS,
                      shares=PROGRAM_SHARES, max_rows=None, meta=meta_of(report))]

    return guarded(build, "the organization's own programs", "Record them with 'exportplan initiatives add'.")


def program_results(svc) -> list[Block]:
    """Section 9: each program's KPIs (and the totals, each company and outcome once)."""
    def build() -> list[Block]:
        report = _program_report(svc)
        if not len(report) or not (report["key"] != "total").any():
            return []
        # two tables, so that each fits a page's width
        return [table(svc, "program_results", "Results of the organization's programs", report,
                      ["name", "companies_served", "plans_written", "first_exports", "new_markets",
                       "export_sales_usd"], formats=PROGRAM_FORMATS, counts=PROGRAM_COUNTS, shares=PROGRAM_SHARES,
                      max_rows=None),
                table(svc, "program_costs", "Costs and returns of the organization's programs", report,
                      ["name", "outcomes", "cost_usd", "grants_usd", "sales_per_grant_dollar", "cost_per_outcome"],
                      formats=PROGRAM_FORMATS, counts=PROGRAM_COUNTS, shares=PROGRAM_SHARES, max_rows=None)]

    return guarded(build, "the programs' results", "Attribute outcomes to programs with 'exportplan initiatives "
                   "attribute OUTCOME_ID PROGRAM'.")


def inventory(svc) -> list[Block]:
    programs = svc.ws.programs.programs()
    shown = programs.assign(last_verified=programs["last_verified"].replace("", "not verified"))
    return [table(svc, "program_inventory", "The program inventory", shown,
                  ["name", "provider_name", "level", "status", "cost", "categories", "last_verified", "source_url"],
                  max_rows=None)]


def outreach(svc) -> list[Block]:
    def build() -> list[Block]:
        frame = svc.ws.prospects.outreach(top=50)
        return [Paragraphs("Confidential: company names. Left out of the public edition.", role="note"),
                table(svc, "outreach", "Outreach list: top prospects not contacted recently", frame,
                      ["rank", "name", "naics", "county_fips", "employees", "score", "reason"],
                      formats={"score": ".3f"}, max_rows=50)]

    return guarded(build, "the outreach list", "Import a business list ('exportplan prospects import FILE') and "
                   "the export intensity ('exportplan prospects intensity').")


def survey() -> list[Block]:
    from ..analysis.readiness import ITEMS

    rows = [{"area": item.area, "question": item.question,
             "answers": "; ".join(a.label for a in item.answers)} for item in ITEMS]
    return [Paragraphs("The export readiness questionnaire staff use with companies (and the company survey).",
                       role="note"),
            Table("survey", "Export readiness questionnaire", pd.DataFrame(rows), max_rows=None)]


def sources_table(svc, refs) -> Table:
    rows = [ref.as_row() for ref in refs]
    frame = pd.DataFrame(rows, columns=["publisher", "dataset", "vintage", "file/url", "retrieved_at", "sha256",
                                        "notes"])
    return Table("sources", "Data sources and vintages", frame.drop(columns=["sha256"]), max_rows=None)


__all__ = ["chart", "clusters", "prospects", "export_profile", "exporter_base", "guarded", "inventory", "meta_of",
           "missing", "outreach", "own_programs", "program_results", "services", "sources_table", "survey", "table",
           "target_markets", "target_sectors"]
