"""Service ``ws.export_profile``: the region's export totals and its goods exports by industry (issue 11).

Two views of the region's exports, shown side by side and never mixed:

- **published**: the Brookings Export Monitor (2017): the metro's total when
  the region is a metro the file has, else the sum of the region's own
  counties (naming those the file lacks); goods and services, by production
  location;
- **estimated**: goods exports by industry for the region's counties and year,
  national goods exports by NAICS (Census) x the region's share of national
  employment in each industry (QCEW), with the withheld-cell bounds carried
  through (:mod:`exportplan.analysis.export_estimate`).

A missing input never leaves a silent blank: the results say what is missing
and the command that loads it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis import export_estimate as ee
from ..citation import SourceRef
from ..errors import ExportPlanError
from ..store import regional_exports as repo
from .base import ImportReport, provenance_fields
from .context import Service

KIND = "regional_exports"
#: The QCEW ownership of the estimate: national employment in the intensity table is private (own 5).
OWNERSHIP = "5"


@dataclass
class ExportProfileResult:
    """The export profile: the Brookings figure, the estimate (by industry and total), their comparison, notes."""

    region: str
    brookings: ee.BrookingsFigure
    estimate: pd.DataFrame
    totals: ee.EstimateTotals | None
    comparison: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``complete`` with both figures, ``partial`` with one, ``missing`` with none."""
        have = (self.brookings.status != "missing") + (self.totals is not None)
        return {2: "complete", 1: "partial", 0: "missing"}[have]


class ExportProfile(Service):
    """The region's export profile: Brookings figures (import, read) and the estimate of goods exports by industry."""

    # ---- Brookings ----------------------------------------------------------------------------------
    def import_brookings(self, path) -> ImportReport:
        """Read a Brookings Export Monitor metro or county file and replace the stored rows of that scope.

        All or nothing, in one transaction; importing the same file again changes nothing.
        """
        from ..sources.brookings import SOURCE, read_brookings

        path = Path(path)
        frame, prov = read_brookings(path)
        scope = str(frame["scope"].iloc[0])
        records = [{"area_code": str(r["area_code"]), "area_name": str(r["area_name"] or ""),
                    "year": int(r["year"]), "exports_usd": _value(r["exports_usd"]),
                    "exports_real_usd": _value(r["exports_real_usd"]), "pct_gdp": _value(r["pct_gdp"])}
                   for r in frame.to_dict("records")]
        fields = provenance_fields(prov, rows=len(records), sample=self.ctx.is_sample)
        fields["retrieved_at"] = fields["retrieved_at"] or self.ctx.clock()
        report = ImportReport(f"Brookings {scope}", files=[path.name])
        with self.ctx.store.transaction() as conn:
            done = repo.replace_rows(self.ctx.store, conn, SOURCE, scope, records, dict(fields, kind=KIND))
        report.rows, report.replaced = done.rows, done.replaced
        if done.unchanged:
            report.notes.append(f"the same {len(records):,} {scope} rows from this file are stored already: nothing "
                                "changed")
        report.notes.append(f"Brookings Export Monitor {prov['vintage']}: {ee.BROOKINGS_COVERAGE}; the file's millions "
                            "of dollars are stored in dollars")
        return report

    def brookings_rows(self, scope: str | None = None) -> pd.DataFrame:
        """The stored Brookings rows (of ``metro`` or ``county`` when given)."""
        from ..sources.brookings import SOURCE

        return repo.rows(self.ctx.store, SOURCE, scope)

    def brookings_figures(self) -> list[ee.BrookingsFigure]:
        """The region's Brookings figures, best first (the metro's, then its counties' sum); see brookings()."""
        region = self.ctx.region
        return ee.brookings_figures(self.brookings_rows(), region.counties, region.cbsa)

    def brookings(self) -> ee.BrookingsFigure:
        """The Brookings figure for the region: the metro's when ``region.cbsa`` is a metro row, else the sum
        of the region's counties' rows (naming the counties missing), labelled with its year and coverage.

        With no stored figure, ``status`` is ``missing`` and ``missing`` says how to import one.
        """
        return self.brookings_figures()[0]

    def brookings_sources(self, figures: list[ee.BrookingsFigure]) -> list[SourceRef]:
        """The citations of the stored rows the figures rest on."""
        ids = sorted({i for fig in figures for i in fig.provenance_ids})
        return self.ws.citations.refs(ids=ids) if ids else []

    # ---- the estimate ---------------------------------------------------------------------------------
    def estimate_result(self, year: int | None = None, level: int | None = None) -> ee.ExportEstimate:
        """The estimate of the region's goods exports by industry (an ExportEstimate: frame, totals, notes,
        missing). A missing input gives ``status == "missing"`` with what is missing and how to get it."""
        notes = []
        try:
            intensity = self.ws.prospects.intensity()
        except ExportPlanError as exc:
            intensity, notes = None, notes + [str(exc)]
        chosen = level or (ee.default_level(intensity) if intensity is not None else None) or 3
        try:
            industries = self.ws.industry.industries(level=chosen, year=year, ownership=OWNERSHIP)
        except ExportPlanError as exc:
            industries, notes = None, notes + [str(exc).splitlines()[0]]
        result = ee.estimate_exports(intensity, industries, level=chosen, region_year=year)
        result.notes.extend(n for n in notes if n not in result.notes)
        return result

    def estimate(self, year: int | None = None, level: int | None = None) -> pd.DataFrame:
        """The region's goods exports by industry (national exports x the region's employment share), with
        bounds; ``attrs["exportplan"]`` cites the sources, ``attrs["export_estimate"]`` holds the status, totals
        and what is missing. See :mod:`exportplan.analysis.export_estimate`."""
        result = self.estimate_result(year, level)
        return self._with_meta(result)

    def _with_meta(self, result: ee.ExportEstimate) -> pd.DataFrame:
        frame = result.frame.copy()
        totals = result.totals
        when = f", {totals.employment_year}" if totals and totals.employment_year else ""
        title = f"{self.ctx.name}: estimated goods exports by industry{when} (an estimate)"
        top = [str(m) for m in result.missing]
        notes = [n for n in result.notes if n not in top]
        frame.attrs["exportplan"] = self.ws.citations.meta(title, ("qcew", "export_intensity"), notes, top)
        frame.attrs["export_estimate"] = {"status": result.status, "totals": totals.as_dict() if totals else None,
                                          "missing": top}
        return frame

    # ---- the profile ----------------------------------------------------------------------------------
    def profile(self, year: int | None = None, level: int | None = None) -> ExportProfileResult:
        """The export profile: the Brookings figure, the estimate total with bounds, the side-by-side table,
        and notes on coverage and on what is missing."""
        figures = self.brookings_figures()
        result = self.estimate_result(year, level)
        estimate = self._with_meta(result)
        comparison = ee.comparison_table(figures, result, self.ctx.name)
        missing = [str(m) for fig in figures[:1] for m in fig.missing] + [str(m) for m in result.missing]
        notes = list(ee.COVERAGE_NOTES) + [f"The goods exports by industry are {ee.ESTIMATE_NOTE}."]
        notes += [n for fig in figures for n in fig.notes]
        if result.totals is not None:
            notes.append(f"Estimate years: {result.totals.years_label}.")
        comparison.attrs["exportplan"] = self.ws.citations.meta(
            f"{self.ctx.name}: exports, published (Brookings) and estimated", ("qcew", "export_intensity"), notes,
            missing, extra=self.brookings_sources(figures))
        return ExportProfileResult(region=self.ctx.name, brookings=figures[0], estimate=estimate,
                                   totals=result.totals, comparison=comparison, notes=notes, missing=missing)


def _value(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


__all__ = ["ExportProfile", "ExportProfileResult", "KIND", "OWNERSHIP"]
