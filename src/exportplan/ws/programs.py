"""The export services service: the program inventory, its gaps and duplications, referral matching and
the organization's role (``ws.programs``; docs/programs.md).

- **Inventory**: providers, programs and dated events. The shipped federal catalogue
  (``data/program_catalogue_*.csv``, every row with its source URL and the date of the
  evidence held, else "not verified") is loaded into every workspace the first time the
  inventory is read; the user's own programs come from the XLSX template
  (:meth:`Programs.import_programs`), all or nothing, re-import changing nothing; the
  U.S. Export Assistance Centers from ITA's office list (:meth:`Programs.import_offices`),
  of which :meth:`Programs.offices` lists those of the region's states.
- **Gaps** (:mod:`exportplan.analysis.program_gaps`): demand cells from the pipeline's
  needs and stages and the plan's target sectors and markets, supply from the existing
  programs honouring eligibility, capacity shared in proportion to demand.
- **Duplications** (:mod:`exportplan.analysis.program_duplicates`), **referral matching**
  (:mod:`exportplan.analysis.program_match`) and **the role**
  (:mod:`exportplan.analysis.org_role`) from the ``organization.*`` settings.
"""
from __future__ import annotations

import hashlib
import io
import os
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd

from ..analysis import program_duplicates as adup
from ..analysis import program_gaps as agaps
from ..analysis import program_match as amatch
from ..analysis.org_role import Role, recommend_role
from ..analysis.program_terms import NOT_VERIFIED, SHEETS, split_list
from ..errors import ExportPlanError
from ..store import programs as repo
from .base import ImportReport, provenance_fields
from .context import Service

CATALOGUE_KIND = "program_catalogue"
PROGRAMS_KIND = "programs"
OFFICES_KIND = "useac_offices"
KINDS = (CATALOGUE_KIND, PROGRAMS_KIND, OFFICES_KIND)
CATALOGUE_PUBLISHER = "exportplan reference catalogue of federal export programs"
CATALOGUE_NOTE = ("Compiled from the agencies' public pages and dated publications; each row names its own "
                  "source URL and the date of the evidence held (blank: not verified). Check and correct them.")
#: How many of the market ranking's top countries are the plan's target markets (setting programs.target_markets).
TARGET_MARKETS_SETTING = "programs.target_markets"


def _catalogue_files() -> dict[str, bytes]:
    folder = resources.files("exportplan") / "data"
    return {sheet: (folder / f"program_catalogue_{sheet}.csv").read_bytes() for sheet in SHEETS
            if (folder / f"program_catalogue_{sheet}.csv").is_file()}


def catalogue_frames() -> dict[str, pd.DataFrame]:
    """The shipped catalogue's sheets (providers, programs; events when shipped) as text frames."""
    return {sheet: pd.read_csv(io.BytesIO(data), comment="#", dtype=str, keep_default_na=False)
            for sheet, data in _catalogue_files().items()}


def catalogue_checksum() -> str:
    """SHA-256 of the shipped catalogue's files (in sheet order): the provenance record's checksum."""
    digest = hashlib.sha256()
    for data in _catalogue_files().values():
        digest.update(data)
    return digest.hexdigest()


class Programs(Service):
    """Providers, programs and events; gaps, duplications, referral matches and the organization's role."""

    # ---- the inventory ---------------------------------------------------------------------
    def ensure_catalogue(self) -> bool:
        """Load the shipped federal catalogue unless it was loaded before (True when loaded now).

        Rows the user has changed since keep the user's values: a catalogue row is
        only added where its key is not stored yet.
        """
        if repo.has_origin(self.ctx.store, "catalogue") or self._catalogue_record():
            return False
        self.load_catalogue(only_new=True)
        return True

    def _catalogue_record(self) -> bool:
        return bool(len(self.ws.citations.sources_table().query("kind == @CATALOGUE_KIND")))

    def load_catalogue(self, *, only_new: bool = False) -> ImportReport:
        """(Re)load the shipped federal catalogue; ``only_new`` keeps every stored row as it is."""
        frames = catalogue_frames()
        if only_new:
            with self.ctx.store.transaction() as conn:
                stored = repo.stored_keys(conn)
            frames = {sheet: frame[~frame[repo.KEYS[sheet]].isin(stored.get(sheet, set()))]
                      for sheet, frame in frames.items()}
        rows = sum(len(f) for f in frames.values())
        prov = dict(publisher=CATALOGUE_PUBLISHER, dataset="federal export programs", source="exportplan package data",
                    note=CATALOGUE_NOTE, layout="program template", sha256=catalogue_checksum())
        return self._store(frames, prov, origin="catalogue", kind=CATALOGUE_KIND, rows=rows, force_record=True)

    def _store(self, frames: dict[str, pd.DataFrame], prov: dict, *, origin: str, kind: str, rows: int,
               force_record: bool = False) -> ImportReport:
        # the shipped catalogue is real reference data, in the sample workspace too
        fields = provenance_fields(prov, rows=rows, sample=self.ctx.is_sample and kind != CATALOGUE_KIND)
        fields["retrieved_at"] = fields["retrieved_at"] or self.ctx.clock()
        report = ImportReport(kind.replace("_", " "), files=[fields["source"]] if fields["source"] else [])
        with self.ctx.store.transaction() as conn:
            pid = self.ctx.store.add_provenance(conn, kind=kind, **fields) if (rows or force_record) else None
            counts = repo.upsert_inventory(self.ctx.store, conn, frames.get("providers"), frames.get("programs"),
                                           frames.get("events"), origin=origin, provenance_id=pid)
        report.rows = sum(c.get("inserted", 0) + c.get("updated", 0) for c in counts.values())
        report.notes = [f"{sheet}: {c.get('inserted', 0)} added, {c.get('updated', 0)} changed, "
                        f"{c.get('unchanged', 0)} unchanged" for sheet, c in counts.items()
                        if sum(c.values())]
        return report

    def import_programs(self, path: str | os.PathLike, *, sheet: str | None = None) -> ImportReport:
        """Add or change providers, programs and events from the template's XLSX (or one sheet as CSV), all or
        nothing; rows are matched by their id, and importing the same file again changes nothing."""
        from ..imports import programs as files
        from ..sources.qcew import file_checksum

        self.ensure_catalogue()
        path = Path(path)
        with self.ctx.store.transaction() as conn:
            known = repo.stored_keys(conn)
        today = date.fromisoformat(self.ctx.clock()[:10])
        frames = files.read_program_file(path, known_providers=known.get("providers", set()),
                                         known_programs=known.get("programs", set()), today=today, sheet=sheet,
                                         max_mb=float(self.ctx.setting("pipeline.max_import_mb")))
        prov = dict(publisher="the organization's own records", dataset="export program inventory", source=path.name,
                    sha256=file_checksum(path), layout="program template")
        return self._store(frames, prov, origin="user", kind=PROGRAMS_KIND, rows=sum(len(f) for f in frames.values()))

    def import_offices(self, path: str | os.PathLike) -> ImportReport:
        """Load ITA's list of U.S. Export Assistance Centers (providers of origin 'offices'); see
        :mod:`exportplan.sources.useac`."""
        from ..sources.useac import read_useac_offices

        self.ensure_catalogue()
        frame, report = read_useac_offices(path)
        prov = dict(report.provenance) if hasattr(report, "provenance") else {}
        prov.setdefault("source", Path(path).name)
        out = self._store({"providers": frame.drop(columns=["origin"], errors="ignore")}, prov, origin="offices",
                          kind=OFFICES_KIND, rows=len(frame))
        states = self.region_states()
        if states:
            mine = self.offices()
            out.notes.append(f"{len(mine)} office(s) serve the region's state(s) {', '.join(states)}: "
                             + ", ".join(mine["name"].head(8)) + ("" if len(mine) <= 8 else ", ..."))
        return out

    def inventory(self) -> dict[str, pd.DataFrame]:
        """The three sheets (providers, programs, events) in the template's columns, plus ``origin``."""
        self.ensure_catalogue()
        frames = repo.inventory(self.ctx.store)
        for name, frame in frames.items():
            frame.attrs["exportplan"] = self.ws.citations.meta(f"Export programs: {name}", KINDS, self._notes())
        return frames

    def _notes(self) -> list[str]:
        return [f"last_verified is the date of the evidence held for a row (a dated page copy or publication); "
                f"blank means {NOT_VERIFIED}, never the date it was loaded."]

    def programs(self, *, status: str | None = None, level: str | None = None,
                 category: str | None = None) -> pd.DataFrame:
        """Program rows with their provider's name, level, type and states; filtered by ``status``, provider
        ``level`` or a service ``category`` it serves."""
        self.ensure_catalogue()
        frame = repo.programs_with_providers(self.ctx.store)
        if status:
            frame = frame[frame["status"] == status]
        if level:
            frame = frame[frame["level"] == level]
        if category:
            wanted = category.strip().casefold()
            frame = frame[[wanted in {c.casefold() for c in split_list(v)} for v in frame["categories"]]]
        frame = frame.reset_index(drop=True)
        frame.attrs["exportplan"] = self.ws.citations.meta("Export programs", KINDS, self._notes())
        return frame

    def program(self, program_id: str) -> dict:
        """One program row (with its provider's name, level and states) by its id."""
        frame = self.programs()
        row = frame[frame["program_id"] == program_id]
        if not len(row):
            raise ExportPlanError(f"No program with program_id {program_id!r}; see 'exportplan programs list'.")
        return row.iloc[0].to_dict()

    def export_programs(self, path: str | os.PathLike, fmt: str | None = None, *, sheet: str | None = None) -> Path:
        """Write the inventory in the template's columns (XLSX: every sheet; CSV: ``sheet``, default programs)."""
        from ..imports import programs as files

        frames = {name: frame.drop(columns=["origin"], errors="ignore") for name, frame in self.inventory().items()}
        kind = (fmt or Path(path).suffix.lstrip(".")).lower()
        if kind == "csv":
            frames = {sheet or "programs": frames[sheet or "programs"]}
        return files.write_programs(frames, path, fmt)

    def template(self, path: str | os.PathLike) -> Path:
        """Write the program import template (XLSX with instructions)."""
        from ..imports import programs as files

        return files.template(path)

    # ---- the region's states and offices ------------------------------------------------------
    def region_states(self) -> list[str]:
        """Postal codes of the states the region's counties lie in (and region.state), sorted."""
        from ..sources.county_points import county_points

        counties = list(self.ctx.counties)
        states = set()
        if counties:
            points = county_points(counties)
            states |= {str(s) for s in points["state"] if str(s)}
        if self.ctx.config.get("region", {}).get("state"):
            states.add(str(self.ctx.config["region"]["state"]).upper())
        return sorted(states)

    def offices(self, states=None) -> pd.DataFrame:
        """The U.S. Export Assistance Centers of the region's states (or of ``states``), by state and name."""
        from ..sources.useac import TYPE, offices_for_states

        providers = self.inventory()["providers"]
        offices = providers[providers["type"] == TYPE]
        chosen = list(states) if states is not None else self.region_states()
        out = offices_for_states(offices, chosen).reset_index(drop=True)
        notes = [f"Offices in {', '.join(chosen) or 'no state'} (the region's state(s): each state's offices)."]
        if not len(offices):
            notes.append("No office list is loaded: import ITA's list with 'exportplan programs offices FILE'.")
        out.attrs["exportplan"] = self.ws.citations.meta("U.S. Export Assistance Centers", (OFFICES_KIND,), notes)
        return out

    # ---- inputs of the analyses --------------------------------------------------------------
    def company_rows(self) -> pd.DataFrame:
        """The pipeline's companies with their state (postal code, from the county), for eligibility."""
        from ..sources.county_points import county_points

        companies = self.ws.pipeline.companies()
        fips = sorted({str(c) for c in companies["county_fips"] if str(c or "")})
        states = {}
        if fips:
            points = county_points(fips)
            states = dict(zip(points["county_fips"].astype(str), points["state"].astype(str)))
        companies["state"] = [states.get(str(c), "") for c in companies["county_fips"]]
        return companies

    def needs(self) -> pd.DataFrame:
        """Every company's needs (company_id, service_category, iso3)."""
        needs = self.ws.pipeline.records("needs")
        if "country" in needs and "iso3" not in needs:
            needs = needs.rename(columns={"country": "iso3"})
        return needs

    def _targets(self) -> tuple[list[str], list[str], list[str]]:
        """(target sector names, target market ISO3 codes, notes on where they came from)."""
        notes = []
        sectors, why = self.ws.prospects.target_sectors()
        names = [name for name, _codes in sectors]
        notes.append(f"Target sectors: {why}." if names else f"No target sectors: {why}.")
        top = int(self.ctx.setting(TARGET_MARKETS_SETTING) or 0)
        markets: list[str] = []
        if top:
            try:
                ranking = self.ws.markets.rank_markets(draws=1)  # the point ranking is all that is used
                markets = [str(c) for c in ranking.table["iso3"].head(top)]
                notes.append(f"Target markets: the market ranking's top {top} ({', '.join(markets)}; "
                             f"setting {TARGET_MARKETS_SETTING}).")
            except ExportPlanError as exc:
                notes.append(f"No target markets: the market ranking could not be made ({str(exc).splitlines()[0]}).")
        return names, markets, notes

    def demand(self) -> pd.DataFrame:
        """Demand rows: the pipeline's needs and the plan's target sectors and markets (program_gaps)."""
        sectors, markets, notes = self._targets()
        out = agaps.demand_cells(self.company_rows(), self.needs(), target_sectors=sectors, target_markets=markets)
        out.attrs["exportplan"] = self.ws.citations.meta("Demand for export services", ("companies",) + KINDS, notes)
        return out

    # ---- analyses ----------------------------------------------------------------------------
    def gaps(self) -> pd.DataFrame:
        """One row per demand cell (service category x stage x sector x country): its existing supply,
        capacity, status and reason; gaps first."""
        from .market_ranking import country_names

        sectors, markets, notes = self._targets()
        companies = self.company_rows()
        demand = agaps.demand_cells(companies, self.needs(), target_sectors=sectors, target_markets=markets)
        out = agaps.supply_and_gaps(demand, self.programs(), companies, country_names=country_names())
        n_gaps = int(out["gap"].sum()) if len(out) else 0
        notes = [f"{n_gaps} gap(s) among {len(out)} demand cell(s): no existing supply, eligibility excluding "
                 "the companies, or known capacity short of demand (unknown capacity is reported as unknown, "
                 "never as unlimited or zero)."] + notes
        out.attrs["exportplan"] = self.ws.citations.meta("Gaps in export services", ("companies",) + KINDS, notes)
        return out

    def heatmaps(self, gaps: pd.DataFrame | None = None) -> dict[str, agaps.HeatMap]:
        """Stage x service, sector x service and market x service counts of the gaps."""
        gaps = self.gaps() if gaps is None else gaps
        return {"stage": agaps.stage_service(gaps), "sector": agaps.sector_service(gaps),
                "market": agaps.market_service(gaps)}

    def gap_chart(self, path: str | os.PathLike, *, by: str = "stage", gaps: pd.DataFrame | None = None,
                  suppress_below: int = 0) -> list[Path]:
        """Draw the ``by`` (stage, sector or market) x service heat map of demand and gaps as PNG and SVG
        (cells with fewer than ``suppress_below`` companies show "<N", for a public document)."""
        from ..output.heatmap import heatmap_chart

        gaps = self.gaps() if gaps is None else gaps
        maps = self.heatmaps(gaps)
        if by not in maps:
            raise ExportPlanError(f"A heat map is by stage, sector or market, not {by!r}.")
        heat = maps[by]
        return heatmap_chart(heat.pivot("demand"), heat.pivot("gap_companies"), path,
                             title=f"Export services: demand and gaps by {by} and service",
                             meta=gaps.attrs.get("exportplan"), suppress_below=suppress_below)

    def duplications(self) -> pd.DataFrame:
        """Regional and proposed programs that duplicate (or complement) an existing state or federal program."""
        out = adup.duplications(self.programs(), self.company_rows())
        kinds = out["kind"].value_counts().to_dict() if len(out) else {}
        notes = [f"{kinds.get('duplication', 0)} duplication(s), {kinds.get('different terms', 0)} overlap(s) on "
                 f"different terms, {kinds.get('complement', 0)} complement(s); rules in docs/programs.md."]
        out.attrs["exportplan"] = self.ws.citations.meta("Duplication of existing programs", KINDS, notes)
        return out

    def match(self, key: str) -> pd.DataFrame:
        """For one company's needs, the existing programs that serve them: eligible first, each with its reason."""
        companies = self.company_rows()
        row = companies[companies["company_id"] == key]
        if not len(row):
            self.ws.pipeline.company(key)  # the pipeline's own "no such company" message
        needs = self.needs()
        needs = needs[needs["company_id"] == key]
        if not len(needs):
            raise ExportPlanError(f"Company {key!r} has no needs recorded: add them to its needs sheet (service "
                                  "category and country) and import, or record them with the pipeline.")
        out = amatch.match(row.iloc[0].to_dict(), needs, self.programs())
        out.attrs["exportplan"] = self.ws.citations.meta(f"Programs for {row.iloc[0]['name']}", KINDS,
                                                         [f"Record a referral with 'exportplan companies refer {key} --program-id ID'."])
        return out

    def role(self, gaps: pd.DataFrame | None = None) -> Role:
        """The role the plan recommends from the organization.* settings, and candidate programs for a larger
        organization (each naming the gap it fills and the existing programs it was checked against)."""
        org = self.ctx.config.get("organization", {})
        gaps = self.gaps() if gaps is None else gaps
        return recommend_role(org.get("staff"), org.get("budget"), org.get("partners", ()), gaps=gaps,
                              programs=self.programs(), organization=org.get("name") or "the organization",
                              states=self.region_states())


__all__ = ["CATALOGUE_KIND", "OFFICES_KIND", "PROGRAMS_KIND", "Programs", "catalogue_frames"]
