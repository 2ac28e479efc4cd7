"""The regional export plan (``ws.plan``): one model of the whole document, rendered to every format.

- :meth:`PlanService.model` builds the :class:`~exportplan.plan_model.Plan` from the
  workspace: the outline of ``plan-outline.md``, data sections from the analyses
  (``ws/plan_sections.py``), staff sections from the text stored in the workspace,
  pre-filled with drafts that name the region's own top sectors, markets and gaps
  (``analysis/plan_drafts.py``), and goals whose baselines come from the pipeline
  (``analysis/plan_goals.py``).
- The **public** edition leaves out company-level information and shows counts
  under 3 companies as "<3" (``analysis/plan_suppress.py``); the **internal**
  edition holds everything, the outreach list included.
- :meth:`PlanService.build` renders the model to HTML, PDF, DOCX, Markdown and the
  XLSX appendix (``output/plan_*``), with the charts drawn once into ``charts/``.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis import plan_drafts as drafts
from ..analysis import plan_goals as goals_mod
from ..errors import ExportPlanError
from ..plan_model import EDITIONS, Paragraphs, Plan, Section, Table
from ..store import plan as repo
from . import plan_sections as build
from .context import Service

#: Formats :meth:`PlanService.build` writes, in build order.
FORMATS = ("html", "pdf", "docx", "md", "xlsx")
#: Staff sections (key -> title): their text is stored in the workspace, a draft until staff save one.
STAFF_SECTIONS = {
    "summary": "Executive summary",
    "vision": "Why exports matter here; vision",
    "goals": "Goals and objectives",
    "strategies": "Strategies and tactics",
    "implementation": "Implementation",
    "policy": "Policy opportunities",
}
#: Sheets of the pipeline the goals read.
GOAL_SHEETS = ("stage_history", "outcomes", "export_sales", "interactions", "referrals")


@dataclass
class PlanText:
    """A staff section's text: saved by staff (``draft`` False) or the draft from the data."""

    section: str
    text: str
    version: int
    draft: bool
    updated_at: str = ""
    updated_by: str = ""


class PlanService(Service):
    """The plan: its staff texts and goals, its model, and its files."""

    public = False
    chart_dir: Path = Path(".")
    #: Notes of the tables built so far (beyond the few shown under each), for the method notes; set per model.
    method_notes_extra: tuple = ()

    # ---- staff texts ----------------------------------------------------------------------------
    def _check_section(self, section: str) -> str:
        if section not in STAFF_SECTIONS:
            raise ExportPlanError(f"No staff section {section!r}; the staff sections are "
                                  f"{', '.join(STAFF_SECTIONS)}.")
        return section

    def text(self, section: str) -> PlanText:
        """The section's saved text, else its draft from the data (version 0)."""
        self._check_section(section)
        row = repo.get_text(self.ctx.store, section)
        if row and str(row.get("text") or "").strip():
            return PlanText(section, str(row["text"]), int(row["version"]), False, str(row.get("updated_at") or ""),
                            str(row.get("updated_by") or ""))
        return PlanText(section, self.draft(section), int(row["version"]) if row else 0, True)

    def saved_texts(self) -> pd.DataFrame:
        """The staff sections saved so far (section, text, version, updated_at, updated_by), by section."""
        return repo.list_texts(self.ctx.store)

    def draft(self, section: str) -> str:
        """The draft of a staff section, written from this workspace's findings."""
        self._check_section(section)
        facts = self.facts()
        if section == "implementation":
            return drafts.implementation_text(drafts.implementation(facts))
        if section == "goals":
            return ("Draft: the goals below start from the pipeline's baselines; set each target and year with "
                    "'exportplan plan goals --set KEY=TARGET --year YEAR'. Say here why these goals, and who "
                    "reports on them.")
        return drafts.DRAFTS[section](facts)

    def save_text(self, section: str, text: str, *, expected_version: int | None = None) -> int:
        """Save a staff section's text (plain text: paragraphs and '- ' bullets); returns its new version.

        ``expected_version`` is the version read (:meth:`text`); when someone saved since, the
        save is refused (ConflictError) and nothing is written.
        """
        self._check_section(section)
        if expected_version is None:
            expected_version = self.text(section).version
        with self.ctx.store.transaction() as conn:
            return repo.save_text(conn, section, str(text), expected_version=int(expected_version),
                                  at=self.ctx.clock(), user=self.ctx.user)

    def export_texts(self, folder: str | os.PathLike) -> list[Path]:
        """Write each staff section's text (saved or draft) to FOLDER/SECTION.txt, to edit and import back."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for section in STAFF_SECTIONS:
            path = folder / f"{section}.txt"
            path.write_text(self.text(section).text.rstrip() + "\n", encoding="utf-8")
            written.append(path)
        return written

    def import_texts(self, folder: str | os.PathLike) -> list[str]:
        """Save the staff sections from FOLDER/SECTION.txt files (only those present and changed)."""
        folder = Path(folder)
        saved = []
        for section in STAFF_SECTIONS:
            path = folder / f"{section}.txt"
            if not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise ExportPlanError(f"{path.name} is not UTF-8 text ({exc.reason}); save it as UTF-8.") from exc
            if text.strip() != self.text(section).text.strip():
                self.save_text(section, text)
                saved.append(section)
        return saved

    # ---- goals ------------------------------------------------------------------------------------
    def _goal_frames(self) -> dict[str, pd.DataFrame]:
        frames = {"companies": self.ws.pipeline.companies()}
        for sheet in GOAL_SHEETS:
            frames[sheet] = self.ws.pipeline.records(sheet)
        return frames

    def baseline_date(self) -> str:
        """The goals' baseline date: the plan.baseline_date setting, else today."""
        return str(self.ctx.config.get("plan", {}).get("baseline_date") or self.ctx.clock()[:10])

    def goals(self) -> pd.DataFrame:
        """The plan's goals: those staff saved, else one per KPI with its baseline from the pipeline."""
        stored = repo.list_goals(self.ctx.store)
        if len(stored):
            return stored
        return goals_mod.default_goals(self._goal_frames(), self.baseline_date())

    def set_goal(self, key: str, **fields: Any) -> None:
        """Set a goal's fields (target, target_year, title, baseline, note); the goals are saved on first use."""
        goals = self.goals().copy()
        if key not in set(goals["key"]):
            raise ExportPlanError(f"No goal {key!r}; the goals are {', '.join(goals['key'])}.")
        for name, value in fields.items():
            if name not in ("target", "target_year", "title", "baseline", "baseline_date", "note", "unit"):
                raise ExportPlanError(f"A goal has no field {name!r}.")
            goals[name] = goals[name].astype(object)
            goals.loc[goals["key"] == key, name] = value
        checked = goals_mod.check_goals(goals)
        with self.ctx.store.transaction() as conn:
            repo.upsert_goals(conn, checked, at=self.ctx.clock(), user=self.ctx.user)

    def progress(self) -> pd.DataFrame:
        """Progress on each goal today (baseline, target, current value, status), with its sources."""
        out = goals_mod.progress(self.goals(), self._goal_frames(), self.ctx.clock()[:10])
        notes = [f"{k.label}: {k.measured}" for k in goals_mod.KPIS]
        out.attrs["exportplan"] = self.ws.citations.meta("Goals and progress", ("companies",), notes)
        return out

    # ---- the analyses the sections share (computed once per model) ------------------------------
    def _cached(self, name: str, make):
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            cache[name] = make()
        return cache[name]

    def sector_ranking(self):
        return self._cached("sectors", lambda: self.ws.sectors.rank_sectors())

    def market_ranking(self):
        return self._cached("markets", lambda: self.ws.markets.rank_markets())

    def gaps(self) -> pd.DataFrame:
        return self._cached("gaps", lambda: self.ws.programs.gaps())

    def program_report(self) -> pd.DataFrame:
        """The organization's own programs' results over the plan's period (``ws.initiatives.report``)."""
        return self._cached("program_report", lambda: self.ws.initiatives.report())

    def role(self, gaps: pd.DataFrame | None = None):
        return self._cached("role", lambda: self.ws.programs.role(self.gaps() if gaps is None else gaps))

    def funnel_chart(self, stages: pd.DataFrame, path) -> list[Path]:
        """The pipeline funnel (counts under 3 hidden in the public edition, with what would reveal them)."""
        from ..analysis.pipeline_terms import EXPORTING_STAGES
        from ..output.plan_charts import funnel_chart
        from ..plan_model import SUPPRESS_BELOW

        meta = self.ws.pipeline.companies(limit=1).attrs.get("exportplan")
        return funnel_chart(stages, path, meta=meta, exporting=EXPORTING_STAGES,
                            suppress_below=SUPPRESS_BELOW if self.public else 0)

    def use_facts(self, facts: drafts.Facts) -> None:
        """Draft from these facts (made moments ago, e.g. by a web server's background cache) instead of
        computing them again: they need the rankings, which take seconds."""
        self.__dict__.setdefault("_cache", {})["facts"] = facts

    def facts(self) -> drafts.Facts:
        """What the drafts name: the region's top sectors, markets and gaps, its role and pipeline."""
        def make() -> drafts.Facts:
            org = self.ctx.config.get("organization", {})
            facts = drafts.Facts(region=self.ctx.name, organization=org.get("name") or "the organization",
                                 partners=tuple(org.get("partners") or ()))
            try:
                table = self.sector_ranking().table
                facts.sectors = tuple(str(n) for n in table["name"].head(3))
            except ExportPlanError:
                pass
            try:
                table = self.market_ranking().table
                facts.markets = tuple(str(n) for n in table["country"].head(3))
            except ExportPlanError:
                pass
            try:
                gaps = self.gaps()
                rows = gaps[gaps["gap"]] if len(gaps) else gaps
                by = rows.groupby("category")["demand"].sum().sort_values(ascending=False) if len(rows) else {}
                facts.gaps = tuple((str(c), int(n)) for c, n in (by.items() if len(by) else []))
                role = self.role()
                facts.role = role.role
                facts.candidates = tuple(str(n) for n in role.candidates.get("name", pd.Series(dtype=str)))
                dups = self.ws.programs.duplications()
                dups = dups[dups["kind"] == "duplication"] if len(dups) else dups
                facts.duplications = tuple(zip(dups.get("program", []), dups.get("duplicates", [])))
                facts.offices = tuple(self.ws.programs.offices()["name"])
            except ExportPlanError:
                pass
            count = self.ws.pipeline.count_companies()
            if count:
                share = self.ws.pipeline.metrics()["exporting_share"].table.iloc[0]
                facts.companies, facts.exporters = int(share["companies"]), int(share["exporting"])
            return facts

        return self._cached("facts", make)

    # ---- the model --------------------------------------------------------------------------------
    def model(self, *, edition: str = "internal", chart_dir: str | os.PathLike | None = None) -> Plan:
        """The whole plan as data (see :mod:`exportplan.plan_model`); charts are drawn into ``chart_dir``."""
        # Several services ask for the same sector ranking and priority sectors while the plan is built: during
        # the build (nothing is written meanwhile) each distinct call is computed once.
        with _memoized(self.ws.sectors, "rank_sectors"), _memoized(self.ws.markets, "priority_sectors"), \
                _memoized(self.ws.markets, "rank_markets"):
            return self._model(edition, chart_dir)

    def _model(self, edition: str, chart_dir) -> Plan:
        if edition not in EDITIONS:
            raise ExportPlanError(f"The edition is public or internal, not {edition!r}.")
        self.public = edition == "public"
        self.chart_dir = Path(chart_dir) if chart_dir else self.ctx.path / "outputs" / "plan" / "charts"
        self.chart_dir.mkdir(parents=True, exist_ok=True)
        self.__dict__["_cache"] = {}
        self.method_notes_extra: list[str] = []
        org = self.ctx.config.get("organization", {})
        sections = [
            self._staff("summary", "1", kind="data+staff"),
            self._staff("vision", "2"),
            Section("assessment", "3", "Market assessment", "data", children=[
                Section("export_profile", "3.1", "Regional economy and export profile", "data",
                        build.export_profile(self)),
                Section("clusters", "3.2", "Industry clusters", "data", build.clusters(self)),
                Section("exporter_base", "3.3", "The exporter base", "data", build.exporter_base(self)),
                Section("services", "3.4", "The export service system", "data", build.services(self)),
            ]),
            Section("target_sectors", "4", "Target sectors and clusters", "data", build.target_sectors(self)),
            Section("target_markets", "5", "Target country markets", "data", build.target_markets(self)),
            self._staff("goals", "6", after=self._goal_blocks(chart=False)),
            self._staff("strategies", "7"),
            self._implementation("8"),
            Section("metrics", "9", "Metrics and evaluation", "data+staff",
                    self._goal_blocks(chart=True) + build.program_results(self)),
            self._staff("policy", "10"),
        ]
        appendices = [Section("methods", "B", "Method notes", "data", []),
                      Section("inventory", "C", "The program inventory", "data", build.inventory(self))]
        if not self.public:
            appendices.append(Section("outreach", "D", "Outreach list (confidential)", "data", build.outreach(self)))
        appendices.append(Section("survey", "E" if not self.public else "D", "Survey instrument", "data",
                                  build.survey()))
        plan = Plan(title=f"{self.ctx.name}: regional export plan", region=self.ctx.name,
                    organization=org.get("name") or "", date=self.ctx.clock()[:10], edition=edition,
                    sections=sections + appendices, sample=self.ctx.is_sample, headline=self._headline())
        sources = Section("sources", "A", "Data sources and vintages", "data",
                          [build.sources_table(self, plan.sources())])
        plan.sections = sections + [sources, *appendices]
        plan.method_notes = self._method_notes(plan)
        plan.section("methods").blocks = [Paragraphs("\n".join(f"- {n}" for n in plan.method_notes))]
        return plan

    def _staff(self, key: str, number: str, *, kind: str = "staff", after=()) -> Section:
        text = self.text(key)
        role = "draft" if text.draft else "text"
        return Section(key, number, STAFF_SECTIONS[key], kind, [Paragraphs(text.text, role=role), *after])

    def _implementation(self, number: str) -> Section:
        text = self.text("implementation")
        rows = drafts.parse_implementation(text.text)
        frame = pd.DataFrame(rows, columns=list(drafts.IMPLEMENTATION_COLUMNS))
        lead = ("Draft from the analysis, scaled to the organization's role; edit it with 'exportplan plan edit "
                "implementation' (one line per action: action | lead | partners | timing | cost | metric).")
        blocks = [Paragraphs(lead, role="draft" if text.draft else "note"),
                  Table("implementation", "Implementation plan", frame, max_rows=None),
                  *build.own_programs(self)]
        return Section("implementation", number, STAFF_SECTIONS["implementation"], "staff", blocks)

    def _goal_blocks(self, *, chart: bool) -> list:
        progress = self.progress()
        columns = ["goal", "unit", "baseline", "baseline_date", "target", "target_year", "current", "status"]
        blocks = [build.table(self, "goals" if not chart else "kpi_progress",
                              "Goals: baseline, target and current value" if not chart else "Progress on the goals",
                              progress, columns, formats={"baseline": ",.0f", "current": ",.0f", "target": ",.0f"})]
        if chart:
            from ..output.plan_charts import progress_chart

            blocks += build.chart(self, "goal_progress", "Progress on each goal against its target",
                                  lambda p: progress_chart(progress, p), alt="Bars of each goal's progress",
                                  sources=build.meta_of(progress).get("sources", []))
        return blocks

    def _headline(self) -> list[tuple[str, str, str]]:
        facts = self.facts()
        out = []
        if facts.companies:
            out.append(("Companies in the pipeline", f"{facts.companies:,}", "the organization's records"))
            out.append(("Exporting", f"{facts.exporters or 0:,}", "the organization's records"))
        if facts.sectors:
            out.append(("Top target sector", facts.sectors[0], "sector ranking"))
        if facts.markets:
            out.append(("Top target market", facts.markets[0], "market ranking"))
        return out

    def _method_notes(self, plan: Plan) -> list[str]:
        notes: list[str] = []
        for getter in (self.sector_ranking, self.market_ranking):
            try:
                notes += [n for n in getter().notes if "SAMPLE DATA" not in n][:4]
            except ExportPlanError:
                continue
        for table in plan.tables():
            notes += [n for n in table.notes if "estimate" in n.lower() or "bound" in n.lower()][:2]
        notes += [f"{k.label}: {k.measured}" for k in goals_mod.KPIS]
        notes += self.method_notes_extra
        crosswalk = self.ctx.config.get("analysis", {}).get("crosswalk")
        if crosswalk:
            notes.append(f"Cluster crosswalk: {crosswalk}.")
        return list(dict.fromkeys(notes))

    # ---- files --------------------------------------------------------------------------------------
    def build(self, formats=FORMATS, *, edition: str = "internal", output: str | os.PathLike | None = None,
              timings: dict | None = None) -> dict[str, Path]:
        """Render the plan to each of ``formats`` in ``output`` (default outputs/plan); returns format -> path.

        ``timings`` (a dict) receives the seconds each step took (model, then each format).
        """
        formats = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise ExportPlanError(f"Unknown plan format(s) {', '.join(unknown) or '(none)'}; choose from "
                                  f"{', '.join(FORMATS)}.")
        out = Path(output) if output else self.ctx.path / "outputs" / "plan"
        out.mkdir(parents=True, exist_ok=True)
        timings = timings if timings is not None else {}
        started = time.perf_counter()
        plan = self.model(edition=edition, chart_dir=out / "charts")
        timings["model"] = time.perf_counter() - started
        stem = f"export-plan-{edition}"
        written: dict[str, Path] = {}
        for fmt in formats:
            started = time.perf_counter()
            written[fmt] = WRITERS[fmt](plan, out / f"{stem}.{_SUFFIX.get(fmt, fmt)}")
            timings[fmt] = time.perf_counter() - started
        return written


@contextmanager
def _memoized(service, name: str):
    """While the block runs, ``service.name(...)`` returns the result of its first call with the same arguments."""
    original = getattr(service, name)
    results: dict = {}

    def remember(*args, **kwargs):
        key = repr((args, sorted(kwargs.items())))
        if key not in results:
            results[key] = original(*args, **kwargs)
        return results[key]

    setattr(service, name, remember)
    try:
        yield
    finally:
        delattr(service, name)


def _html(plan, path):
    from ..output.plan_html import write_html
    return write_html(plan, path)


def _pdf(plan, path):
    from ..output.plan_pdf import write_pdf
    return write_pdf(plan, path)


def _docx(plan, path):
    from ..output.plan_docx import write_docx
    return write_docx(plan, path)


def _md(plan, path):
    from ..output.plan_markdown import write_markdown
    return write_markdown(plan, path)


def _xlsx(plan, path):
    from ..output.plan_xlsx import write_xlsx
    return write_xlsx(plan, path)


#: format -> writer(plan, path): the renderers, imported when used (the regional and the company plans).
WRITERS = {"html": _html, "pdf": _pdf, "docx": _docx, "md": _md, "xlsx": _xlsx}
_SUFFIX = {"md": "md"}

__all__ = ["FORMATS", "PlanService", "PlanText", "STAFF_SECTIONS"]
