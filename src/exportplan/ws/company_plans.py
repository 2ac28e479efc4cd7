"""Company export plans (``ws.company_plans``): each company's own export plan, built by the plan engine.

A company in the acceleration program writes its export plan with a coach (a staff user). The
plan is the regional plan's model (:mod:`exportplan.plan_model`) filled for one company, and it
is rendered by the same writers (PDF, DOCX, HTML, Markdown, the XLSX appendix):

- its profile and readiness (the pipeline's record and its latest assessment);
- a market ranking for its own products: the regional ranking engine asked for the company's
  NAICS code (falling back to coarser levels, then to the region's priority sectors, and saying
  so), with the region-only factors weighted zero, plus the markets the company names
  (:mod:`exportplan.analysis.company_plan`);
- its entry strategy and the other text sections (``PLAN_TEXT_SECTIONS``), written by the coach
  with optimistic locking as the regional plan's texts, drafted from the data until saved;
- the programs matched to its needs, with reasons (``ws.programs.match``);
- its action plan (dates, owners, budget and its total) and the metrics it will report.

Companies are named by their pipeline key. Writes run in one transaction each and go to the
audit log (entity "company plan"). See docs/company-plans.md.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..analysis import company_plan as cp
from ..analysis.initiative_terms import ACTION_STATUSES, PLAN_STATUSES, PLAN_TEXT_SECTIONS
from ..analysis.pipeline_bundle import split_list
from ..errors import ExportPlanError
from ..plan_model import Paragraphs, Plan, Section
from ..store import company_plans as repo
from . import pipeline_values as check
from . import plan_sections as blocks
from .context import Service
from .market_ranking import country_names
from .plan import FORMATS, WRITERS, PlanText

#: The fields of an item that :meth:`CompanyPlans.update_item` changes, by kind.
ITEM_FIELDS = {"action": ("title", "owner", "due_date", "budget_usd", "status", "note", "position"),
               "metric": ("title", "target", "unit", "due_date", "note", "position")}
#: The audit log's entity of a company plan's changes.
ENTITY = "company plan"
_FORMATS = {"score": ".3f", "coverage": ".0%"}


class CompanyPlans(Service):
    """A company's own export plan: profile, markets for its products, programs, actions, metrics."""

    #: The plan section builders' settings (plan_sections.table reads them): a company plan is internal.
    public = False
    chart_dir: Path = Path(".")
    method_notes_extra: tuple = ()

    # ---- the plan record ------------------------------------------------------------------------
    def _cid(self, store_or_conn, company: str) -> int:
        key = check.text(company)
        cid = repo.company_id(store_or_conn, key)
        if cid is None:
            raise ExportPlanError(f"No company with company_id {company!r} is stored; find it with "
                                  "'exportplan companies list --search NAME'.")
        return cid

    def get(self, company: str) -> dict:
        """The plan record: company, status, coach, markets (ISO3 list), initiative (key or ''), version (0 when
        never saved), updated_at, updated_by; the defaults when none is saved."""
        key = check.text(company)
        row = repo.get_plan(self.ctx.store, self._cid(self.ctx.store, key))
        if row is None:
            return dict(company=key, status=PLAN_STATUSES[0], coach="", markets=[], initiative="", version=0,
                        updated_at="", updated_by="")
        return dict(company=key, status=row["status"], coach=row["coach"], markets=split_list(row["markets"]),
                    initiative=row["initiative"] or "", version=int(row["version"]), updated_at=row["updated_at"],
                    updated_by=row["updated_by"])

    def set(self, company: str, *, status: str | None = None, coach: str | None = None, markets=None,
            initiative: str | None = None, expected_version: int | None = None) -> int:
        """Set the plan's status (:data:`PLAN_STATUSES`), coach, markets the company names (ISO3 codes or names,
        a list or ';'-joined) and cohort (an initiative's key; '' for none); returns the record's version.

        ``expected_version`` is the version read (:meth:`get`; 0 when never saved); when someone saved
        since, the save is refused (ConflictError) and nothing is written.
        """
        key = check.text(company)
        given: dict[str, Any] = {}
        if status is not None:
            given["status"] = check.choice(status, PLAN_STATUSES, "plan status")
        if coach is not None:
            given["coach"] = check.text(coach)
        if markets is not None:
            given["markets"] = check.countries(markets, "plan markets")
        if not given and initiative is None:
            raise ExportPlanError("Nothing to set: give a status, coach, markets or initiative.")
        current = self.get(key)
        expected = current["version"] if expected_version is None else int(expected_version)
        with self.ctx.store.transaction() as conn:
            cid = self._cid(conn, key)
            if initiative is not None:
                given["initiative_id"], given["initiative"] = self._initiative(conn, initiative)
            shown = {"status": current["status"], "coach": current["coach"], "markets": ";".join(current["markets"]),
                     "initiative": current["initiative"]}
            diffs = {f: v for f, v in given.items() if f != "initiative_id" and check.shown(shown[f]) != check.shown(v)}
            if current["version"] and not diffs and expected == current["version"]:
                return expected
            values = {f: v for f, v in given.items() if f != "initiative"}
            if not current["version"]:
                values = {"status": PLAN_STATUSES[0], "coach": "", "markets": "", "initiative_id": None, **values}
            version = repo.save_plan(conn, cid, values, expected_version=expected, at=self.ctx.clock(),
                                     user=self.ctx.user, what=f"The export plan of {key!r}")
            self._audit(conn, key, [(f, shown[f], v) for f, v in diffs.items()] or [("created", "", "plan")])
        return version

    def _initiative(self, conn, key: str) -> tuple[int | None, str]:
        key = check.text(key)
        if not key:
            return None, ""
        found = repo.initiative(conn, key)
        if found is None:
            raise ExportPlanError(f"No initiative {key!r}; list the cohorts with 'exportplan initiatives list "
                                  "--kind cohort', or give '' for none.")
        if found["kind"] != "cohort":
            raise ExportPlanError(f"Initiative {key!r} is a {found['kind']}, not a cohort; a company plan belongs to "
                                  "an export acceleration cohort.")
        return int(found["id"]), key

    def _audit(self, conn, key: str, items: list[tuple[str, Any, Any]]) -> None:
        at, user = self.ctx.clock(), self.ctx.user
        repo.add_changes(self.ctx.store, conn, [dict(at=at, user=user, entity=ENTITY, entity_id=key, field=f,
                                                     old=check.shown(old), new=check.shown(new))
                                                for f, old, new in items])

    # ---- texts ------------------------------------------------------------------------------------
    @staticmethod
    def _check_section(section: str) -> str:
        if section not in PLAN_TEXT_SECTIONS:
            raise ExportPlanError(f"No company plan section {section!r}; the sections are "
                                  f"{', '.join(PLAN_TEXT_SECTIONS)}.")
        return section

    def text(self, company: str, section: str) -> PlanText:
        """The section's saved text, else its draft from the data (``draft`` True; version 0 when never saved)."""
        return self.texts(company, (section,))[section]

    def texts(self, company: str, sections: Iterable[str] | None = None) -> dict[str, PlanText]:
        """Each section's text (default: every section, in order) as :meth:`text` gives it; the company's facts
        are worked out once for all the drafts."""
        key = check.text(company)
        cid = self._cid(self.ctx.store, key)
        facts: cp.Facts | None = None
        out: dict[str, PlanText] = {}
        for section in (PLAN_TEXT_SECTIONS if sections is None else sections):
            self._check_section(section)
            row = repo.get_text(self.ctx.store, cid, section)
            if row and str(row.get("text") or "").strip():
                out[section] = PlanText(section, str(row["text"]), int(row["version"]), False,
                                        str(row.get("updated_at") or ""), str(row.get("updated_by") or ""))
                continue
            if facts is None:
                facts = self._facts(self.ws.pipeline.company(key))
            out[section] = PlanText(section, cp.draft(section, facts), int(row["version"]) if row else 0, True)
        return out

    def draft(self, company: str, section: str, facts: cp.Facts | None = None) -> str:
        """The draft of a text section, written from the company's data."""
        self._check_section(section)
        return cp.draft(section, facts or self._facts(self.ws.pipeline.company(check.text(company))))

    def save_text(self, company: str, section: str, text: str, *, expected_version: int | None = None) -> int:
        """Save a section's text (plain text: paragraphs and '- ' bullets); returns its new version.

        ``expected_version`` is the version read (:meth:`text`); when someone saved since, the
        save is refused (ConflictError) and nothing is written.
        """
        self._check_section(section)
        key = check.text(company)
        if expected_version is None:
            found = repo.get_text(self.ctx.store, self._cid(self.ctx.store, key), section)
            expected_version = int(found["version"]) if found else 0
        with self.ctx.store.transaction() as conn:
            version = repo.save_text(conn, self._cid(conn, key), section, str(text),
                                     expected_version=int(expected_version), at=self.ctx.clock(), user=self.ctx.user,
                                     what=f"The section {section!r} of the export plan of {key!r}")
            self._audit(conn, key, [(f"text {section}", f"version {expected_version}", f"version {version}")])
        return version

    # ---- actions and metrics ------------------------------------------------------------------------
    def add_action(self, company: str, title: str, *, owner: str = "", due_date: str = "", budget_usd=None,
                   status: str = "planned", note: str = "") -> int:
        """Add an action to the plan (what, who, by when, its budget in USD); returns its id."""
        record = dict(kind="action", title=self._title(title), owner=check.text(owner),
                      due_date=cp.due_date(due_date), budget_usd=check.money(budget_usd, "budget_usd"),
                      status=check.choice(status, ACTION_STATUSES, "action status"), note=check.text(note))
        return self._add_item(company, record)

    def add_metric(self, company: str, title: str, *, target=None, unit: str = "", due_date: str = "",
                   note: str = "") -> int:
        """Add a metric the company will report (its target, unit and date); returns its id."""
        record = dict(kind="metric", title=self._title(title), target=cp.number(target, "target"),
                      unit=check.text(unit), due_date=cp.due_date(due_date), note=check.text(note))
        return self._add_item(company, record)

    @staticmethod
    def _title(title) -> str:
        text = check.text(title)
        if not text:
            raise ExportPlanError("An action or metric needs a title, e.g. 'Exhibit at the Hannover Messe'.")
        return text

    def _add_item(self, company: str, record: dict) -> int:
        key = check.text(company)
        with self.ctx.store.transaction() as conn:
            item_id = repo.add_item(conn, self._cid(conn, key), record)
            self._audit(conn, key, [(f"{record['kind']} {item_id}", "", record["title"])])
        return item_id

    def update_item(self, company: str, item_id: int, **fields: Any) -> None:
        """Change an action's or metric's fields (see :data:`ITEM_FIELDS`)."""
        key = check.text(company)
        with self.ctx.store.transaction() as conn:
            cid = self._cid(conn, key)
            row = self._item(conn, cid, key, item_id)
            allowed = ITEM_FIELDS[row["kind"]]
            unknown = sorted(set(fields) - set(allowed))
            if unknown:
                raise ExportPlanError(f"A plan {row['kind']} has no field(s) {', '.join(unknown)}; its fields are "
                                      f"{', '.join(allowed)}.")
            values = {name: self._item_value(name, value) for name, value in fields.items()}
            diffs = {f: v for f, v in values.items() if check.shown(row[f]) != check.shown(v)}
            if diffs:
                repo.update_item(conn, cid, int(item_id), diffs)
                self._audit(conn, key, [(f"{row['kind']} {item_id} {f}", row[f], v) for f, v in diffs.items()])

    @staticmethod
    def _item_value(name: str, value: Any) -> Any:
        if name == "title":
            return CompanyPlans._title(value)
        if name == "due_date":
            return cp.due_date(value)
        if name == "budget_usd":
            return check.money(value, "budget_usd")
        if name == "target":
            return cp.number(value, "target")
        if name == "status":
            return check.choice(value, ACTION_STATUSES, "action status")
        if name == "position":
            number = check.count(value, "position")
            return 0 if number is None else number
        return check.text(value)

    def remove_item(self, company: str, item_id: int) -> None:
        """Delete an action or metric from the plan."""
        key = check.text(company)
        with self.ctx.store.transaction() as conn:
            cid = self._cid(conn, key)
            row = self._item(conn, cid, key, item_id)
            repo.delete_item(conn, cid, int(item_id))
            self._audit(conn, key, [(f"{row['kind']} {item_id}", row["title"], "deleted")])

    @staticmethod
    def _item(conn, cid: int, key: str, item_id) -> dict:
        try:
            number = int(item_id)
        except (TypeError, ValueError):
            raise ExportPlanError(f"Item id {item_id!r} is not a number; see the ids with 'exportplan companies "
                                  f"plan-item {key} --list'.") from None
        row = repo.get_item(conn, cid, number)
        if row is None:
            raise ExportPlanError(f"The export plan of {key!r} has no item {item_id}; see its items with "
                                  f"'exportplan companies plan-item {key} --list'.")
        return row

    def items(self, company: str, kind: str | None = None) -> pd.DataFrame:
        """The plan's actions and metrics (id, kind, position, title, owner, due_date, budget_usd, target, unit,
        status, note), in order; of one ``kind`` (action or metric) when given."""
        if kind is not None:
            kind = check.choice(kind, ("action", "metric"), "item kind")
        return repo.list_items(self.ctx.store, self._cid(self.ctx.store, company), kind)

    # ---- the market ranking for the company's products ---------------------------------------------
    def markets(self, company: str) -> pd.DataFrame:
        """The company's markets: the ranking's top for its products, then the markets it names (see the module
        docstring), with rank, iso3, country, score, coverage, robust, basis and reason.

        ``attrs["company_plan"]`` holds the ranking's choices: sector (the NAICS code ranked, '' for the
        region's priority sectors), tried (codes without data), weights (the overrides passed to
        ``ws.markets.rank_markets``), statement (the plan's sentence on the level) and left_out.
        """
        return self._market_view(self.ws.pipeline.company(check.text(company)), self.get(company))[0]

    def _market_view(self, record: dict, plan: dict):
        markets = self.ws.markets
        loaded = sorted(set(markets.market_data().exports["naics"].astype(str)) - {""})
        naics = check.text(record.get("naics"))
        used, tried = cp.finest_level(naics, loaded)
        weights = cp.company_weights(self.ctx.config.get("markets", {}).get("weights"))
        if used:
            sector = markets.sector(used, kind="naics")
            ranking = markets.rank_markets(sector=sector, weights=weights)
            statement = cp.level_statement(naics, used, tried, sector.name, loaded)
        else:
            ranking = markets.rank_markets(weights=weights)
            statement = cp.level_statement(naics, None, tried, "", loaded, priority=markets.priority_sectors()[1])
        named: dict[str, list[str]] = {}
        for source, codes in (("plan", plan["markets"]), ("pipeline", split_list(record.get("target_markets")))):
            for iso3 in codes:
                named.setdefault(str(iso3), []).append(source)
        frame = cp.market_rows(ranking.table, named, cp.TOP, names=country_names())
        meta = dict(ranking.meta)
        meta["title"] = f"Target markets for {record['name']}"
        meta["notes"] = [statement, cp.region_only_note(), *ranking.meta.get("notes", [])]
        frame.attrs["exportplan"] = meta
        frame.attrs["company_plan"] = {"sector": used or "", "tried": list(tried), "weights": weights,
                                       "statement": statement, "left_out": list(cp.REGION_ONLY)}
        return frame, ranking, statement

    # ---- the model ----------------------------------------------------------------------------------
    def _facts(self, record: dict, plan: dict | None = None, markets: pd.DataFrame | None = None,
               programs: pd.DataFrame | None = None, actions: pd.DataFrame | None = None) -> cp.Facts:
        """What the drafts name about the company (the ranking is computed when not given)."""
        key = record["company_id"]
        plan = plan or self.get(key)
        names = country_names()
        if markets is None:
            try:
                markets = self._market_view(record, plan)[0]
            except ExportPlanError:
                markets = pd.DataFrame(columns=["rank", "country", "basis"])
        if programs is None:
            programs = self._programs(key)[0]
        actions = self.items(key, "action") if actions is None else actions
        org = self.ctx.config.get("organization", {})
        latest = self._latest_assessment(record)
        naics = check.text(record.get("naics"))
        industry = self._industry(naics)
        ranked = markets[markets["rank"].notna()] if len(markets) else markets
        return cp.Facts(
            company=str(record["name"]), organization=org.get("name") or "the organization", naics=naics,
            industry=industry, stage=str(record.get("stage") or ""), employees=record.get("employees"),
            current_markets=[names.get(c, c) for c in split_list(record.get("current_markets"))],
            markets=[str(c) for c in ranked.head(cp.TOP)["country"]] if len(ranked) else [],
            named=[str(r["country"]) for r in markets.to_dict("records") if cp.NAMED in str(r.get("basis", ""))],
            programs=list(dict.fromkeys(str(p) for p in programs.get("program", []))),
            needs=[str(n["service_category"]) for n in record.get("needs", [])],
            readiness=None if latest is None or latest.get("score") is None else float(latest["score"]),
            budget=cp.budget_total(actions["budget_usd"]) if len(actions) else 0.0, actions=len(actions))

    @staticmethod
    def _latest_assessment(record: dict) -> dict | None:
        rows = sorted(record.get("assessments") or [], key=lambda r: (str(r.get("date") or ""), r.get("id") or 0))
        return rows[-1] if rows else None

    def _programs(self, key: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
        """(eligible programs, not eligible ones, why none when the company has no needs)."""
        try:
            matched = self.ws.programs.match(key)
        except ExportPlanError as exc:
            empty = pd.DataFrame(columns=["service_category", "iso3", "program", "provider", "eligible", "reason"])
            return empty, empty, str(exc).splitlines()[0]
        eligible = matched["eligible"].astype(bool)
        ok = matched[eligible].reset_index(drop=True)
        ok.attrs = matched.attrs
        return ok, matched[~eligible].reset_index(drop=True), ""

    def model(self, company: str, *, chart_dir: str | os.PathLike | None = None) -> Plan:
        """The company's export plan as data (see :mod:`exportplan.plan_model`); charts are drawn into
        ``chart_dir`` (default: its build folder's charts)."""
        key = check.text(company)
        record = self.ws.pipeline.company(key)
        plan_record = self.get(key)
        self.public = False
        self.chart_dir = Path(chart_dir) if chart_dir else self._folder(key) / "charts"
        self.chart_dir.mkdir(parents=True, exist_ok=True)
        self.method_notes_extra = []
        try:
            markets, ranking, statement = self._market_view(record, plan_record)
            market_error = ""
        except ExportPlanError as exc:
            markets, ranking, statement = None, None, ""
            market_error = str(exc).splitlines()[0]
        programs, not_eligible, no_needs = self._programs(key)
        actions, metrics = self.items(key, "action"), self.items(key, "metric")
        facts = self._facts(record, plan_record, markets if markets is not None else
                            pd.DataFrame(columns=["rank", "country", "basis"]), programs, actions)
        sections = self._sections(key, record, plan_record, facts, (markets, ranking, market_error),
                                  (programs, not_eligible, no_needs), actions, metrics)
        org = self.ctx.config.get("organization", {})
        headline = [("Export stage", facts.stage or "not recorded", "the organization's records")]
        if facts.readiness is not None:
            headline.append(("Readiness score", f"{facts.readiness:.0f} of 100", "latest assessment"))
        if facts.markets:
            headline.append(("Top target market", facts.markets[0], "market ranking for its products"))
        headline.append(("Action plan budget", f"${facts.budget:,.0f}", "the plan's actions"))
        plan = Plan(title=f"{record['name']}: export plan", region=self.ctx.name,
                    organization=org.get("name") or "", date=self.ctx.clock()[:10], edition="internal",
                    sections=sections, sample=self.ctx.is_sample, headline=headline)
        plan.sections.append(Section("sources", "A", "Data sources and vintages", "data",
                                     [blocks.sources_table(self, plan.sources())]))
        notes = [statement, cp.region_only_note()] if ranking is not None else []
        if ranking is not None:
            notes += [n for n in ranking.notes if "SAMPLE DATA" not in n][:4]
        plan.method_notes = list(dict.fromkeys(n for n in notes + list(self.method_notes_extra) if n))
        plan.sections.append(Section("methods", "B", "Method notes", "data",
                                     [Paragraphs("\n".join(f"- {n}" for n in plan.method_notes))]))
        return plan

    def _staff(self, key: str, section: str, number: str, facts: cp.Facts, *, kind: str = "staff",
               after=()) -> Section:
        found = repo.get_text(self.ctx.store, self._cid(self.ctx.store, key), section)
        if found and str(found.get("text") or "").strip():
            text = [Paragraphs(str(found["text"]))]
        else:  # a draft, labelled with the command that replaces it
            text = [Paragraphs(cp.draft(section, facts), role="draft")]
        return Section(section, number, PLAN_TEXT_SECTIONS[section], kind, [*text, *after],
                       edit_command=f"exportplan companies plan-edit {key} {section}")

    def _sections(self, key, record, plan, facts, market_view, program_view, actions, metrics) -> list[Section]:
        return [
            self._staff(key, "summary", "1", facts, kind="data+staff"),
            self._staff(key, "company", "2", facts, kind="data+staff", after=self._profile(key, record, plan)),
            self._staff(key, "products", "3", facts),
            Section("markets", "4", "Target markets for its products", "data", self._market_blocks(*market_view)),
            self._staff(key, "entry_strategy", "5", facts),
            Section("programs", "6", "Programs matched to its needs", "data", self._program_blocks(key,
                                                                                                   *program_view)),
            Section("actions", "7", "Action plan", "data+staff", self._action_blocks(key, actions)),
            Section("metrics", "8", "Metrics the company will report", "data", self._metric_blocks(key, metrics)),
            self._staff(key, "risks", "9", facts),
        ]

    def _industry(self, naics: str) -> str:
        """The NAICS code's title ('' when it has none)."""
        try:
            return self.ws.markets.sector(naics, kind="naics").name if naics else ""
        except ExportPlanError:
            return ""

    def _profile(self, key: str, record: dict, plan: dict) -> list:
        frame = cp.profile_frame(record, plan, country_names(), self._industry(check.text(record.get("naics"))))
        meta = self.ws.citations.meta(f"Profile of {record['name']}", ("companies",), [])
        out = [blocks.table(self, "profile", "Company profile", frame, meta=meta, max_rows=None)]
        latest = self._latest_assessment(record)
        if latest is None:
            out.append(blocks.missing("a readiness assessment of the company",
                                      f"Record one with 'exportplan companies assess {key} --answers FILE.json' "
                                      "(see 'exportplan companies assess --questions')."))
            return out
        from ..analysis import readiness

        try:
            by_area = readiness.score(_answers(latest.get("answers"))).by_area
        except ExportPlanError:
            by_area = {}
        sentence, areas = cp.readiness_rows(latest, by_area)
        out.append(Paragraphs(sentence))
        if len(areas):
            out.append(blocks.table(self, "readiness", "Export readiness by area (0-100; blank: no item of the "
                                    "area answered)", areas, meta=meta, formats={"score": ".0f"}, max_rows=None))
        return out

    def _market_blocks(self, markets, ranking, error: str) -> list:
        if markets is None:
            return [blocks.missing(f"the market ranking ({error.rstrip('.')})",
                                   "Import country data ('exportplan import countries' or 'fetch countries') and "
                                   "exports by destination ('exportplan import exports').")]
        info = markets.attrs["company_plan"]
        meta = markets.attrs["exportplan"]
        out: list = [Paragraphs(info["statement"]), Paragraphs(cp.region_only_note(), role="note")]
        if any(cp.NAMED in str(b) and "top" not in str(b) for b in markets["basis"]):
            out.append(Paragraphs(f"Markets {cp.NAMED} are shown even when the ranking puts them lower, with their "
                                  "rank; the company's own reasons for them belong in its entry strategy.",
                                  role="note"))
        notes = [n for n in meta.get("notes", []) if n not in (info["statement"], cp.region_only_note())]
        out.append(blocks.table(self, "company_markets", "Target markets: the ranking's top and the markets the "
                                "company names", markets, ["rank", "country", "score", "coverage", "robust", "basis",
                                                           "reason"],
                                formats=_FORMATS, max_rows=None, meta=dict(meta, notes=notes)))
        out += blocks.chart(self, "company_market_contributions", "What makes each market's score",
                            lambda p: ranking.contribution_chart(p, top=10),
                            alt="Stacked bars of each market's score by factor", sources=meta.get("sources", []))
        return out

    def _program_blocks(self, key: str, programs: pd.DataFrame, not_eligible: pd.DataFrame, why: str) -> list:
        if why:
            return [blocks.missing(f"programs for the company's needs ({why.rstrip('.')})",
                                   "Record its needs (service category and country) in the pipeline's needs sheet "
                                   "and import it.")]
        out: list = []
        if len(programs):
            shown = programs.assign(country=programs["iso3"].replace("", "any"))
            out.append(blocks.table(self, "matched_programs", "Programs the company is eligible for, by need", shown,
                                    ["service_category", "country", "program", "provider", "level", "cost", "reason"],
                                    max_rows=None))
        else:
            out.append(Paragraphs("No program of the inventory that serves the company's needs is open to it; "
                                  "see the reasons below and the service gaps of the regional plan.", role="note"))
        if len(not_eligible):
            listed = "; ".join(f"{r['program']} ({r['reason']})" for r in not_eligible.head(5).to_dict("records"))
            out.append(Paragraphs(f"Serving its needs but not open to the company ({len(not_eligible)}): {listed}. "
                                  f"All matches: 'exportplan companies match {key}'.", role="note"))
        return out

    def _action_blocks(self, key: str, actions: pd.DataFrame) -> list:
        hint = (f"Add actions with 'exportplan companies plan-item {key} --action \"Attend a trade show\" --owner NAME "
                "--due YYYY-MM-DD --budget 5000'.")
        if not len(actions):
            return [blocks.missing("the action plan", hint)]
        total = cp.budget_total(actions["budget_usd"])
        without = int(actions["budget_usd"].isna().sum())
        lead = (f"{len(actions)} action{'s' if len(actions) != 1 else ''}, total budget ${total:,.2f}"
                + (f" ({without} without a budget yet)." if without else "."))
        meta = self.ws.citations.meta("Action plan", (), [])
        return [Paragraphs(lead), blocks.table(self, "actions", "Action plan: what, who, by when, at what cost",
                                               cp.actions_table(actions), meta=meta,
                                               formats={"budget_usd": ",.2f"}, max_rows=None)]

    def _metric_blocks(self, key: str, metrics: pd.DataFrame) -> list:
        meta = self.ws.citations.meta("Metrics", (), [])
        if len(metrics):
            frame, lead = metrics, Paragraphs("The company reports these metrics to the organization; its outcomes "
                                              "are recorded in the pipeline.")
        else:
            frame = cp.default_metrics()
            lead = Paragraphs(f"The plan names no metrics yet, so the program's default metrics are shown. Add the "
                              f"company's own with 'exportplan companies plan-item {key} --metric \"Export sales\" "
                              "--target 250000 --unit USD'.", role="note")
        columns = ["title", "target", "unit", "due_date", "note"]
        return [lead, blocks.table(self, "metrics", "Metrics and targets", frame.rename(columns={"title": "metric"}),
                                   ["metric", *columns[1:]], meta=meta, formats={"target": ",.0f"}, max_rows=None)]

    # ---- files --------------------------------------------------------------------------------------
    def _folder(self, key: str) -> Path:
        return self.ctx.path / "outputs" / "company-plans" / _safe(key)

    def build(self, company: str, formats=("pdf", "docx"), output: str | os.PathLike | None = None, *,
              timings: dict | None = None) -> dict[str, Path]:
        """Render the company's plan to each of ``formats`` (html, pdf, docx, md, xlsx) in ``output`` (default
        outputs/company-plans/KEY); the files are named export-plan-KEY.*; returns format -> path."""
        formats = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
        formats = [f for f in formats if f]
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise ExportPlanError(f"Unknown plan format(s) {', '.join(unknown) or '(none)'}; choose from "
                                  f"{', '.join(FORMATS)}.")
        key = check.text(company)
        out = Path(output) if output else self._folder(key)
        out.mkdir(parents=True, exist_ok=True)
        timings = timings if timings is not None else {}
        started = time.perf_counter()
        plan = self.model(key, chart_dir=out / "charts")
        timings["model"] = time.perf_counter() - started
        written: dict[str, Path] = {}
        for fmt in formats:
            started = time.perf_counter()
            written[fmt] = WRITERS[fmt](plan, out / f"export-plan-{_safe(key)}.{fmt}")
            timings[fmt] = time.perf_counter() - started
        return written


def _safe(key: str) -> str:
    """A company key as part of a file name (letters, digits, '.', '_' and '-')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(key)).strip("-.") or "company"


def _answers(value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


__all__ = ["CompanyPlans", "ENTITY", "ITEM_FIELDS"]
