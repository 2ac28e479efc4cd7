"""Helpers of :class:`exportplan.ws.pipeline.Pipeline` for company files, assessments and metrics.

Plain functions taking the service; no SQL here (the service and the store do that).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..analysis import pipeline_metrics as pm
from ..analysis.pipeline_bundle import CompanyBundle, split_list
from ..errors import ExportPlanError
from ..imports import companies as files
from .base import ImportReport

PUBLISHER = "the organization's own records"
DATASET = "exporter pipeline"
DUPLICATE_HINT = ("never merged: review with 'exportplan companies list --duplicates' and merge with "
                  "'companies merge KEEP DROP'")
SHOWN = 10


def resolve_mapping(service, mapping: Mapping[str, str] | str | None) -> dict[str, str] | None:
    """A mapping given as a dict, or the name of a saved one."""
    if mapping is None:
        return None
    if isinstance(mapping, str):
        return service.mapping(mapping)
    return dict(mapping)


def import_companies(service, path, *, sheet: str | None = None, mapping=None,
                     save_mapping: str | None = None) -> ImportReport:
    """Read a company file, store it (all or nothing) and report what needs the staff's attention."""
    from ..sources.qcew import file_checksum

    path = Path(path)
    maps = resolve_mapping(service, mapping)
    known = set(service.companies()["company_id"])
    today = date.fromisoformat(service.ctx.clock()[:10])
    frames, notes = files.read_company_file(path, sheet=sheet, mapping=maps,
                                            max_mb=float(service.ctx.setting(files.MAX_MB_SETTING)),
                                            known_ids=known, today=today)
    provenance = dict(publisher=PUBLISHER, dataset=DATASET, source=path.name, file=path.name,
                      sha256=file_checksum(path))
    report = service.store_bundle(CompanyBundle.of(**frames), provenance)
    if save_mapping:
        if not maps:
            raise ExportPlanError("--save-mapping needs a mapping (--map SOURCE=COLUMN) to save.")
        service.save_mapping(save_mapping, maps)
        notes.append(f"Column mapping saved as {save_mapping!r}: reuse it with --mapping {save_mapping}.")
    report.notes = list(report.notes) + [n for n in notes if n not in report.notes]
    report.notes += duplicate_notes(service.duplicates())
    return report


def duplicate_notes(pairs: pd.DataFrame, shown: int = 5) -> list[str]:
    """A note on the likely duplicates among the stored companies, or none."""
    if pairs is None or not len(pairs):
        return []
    first = "; ".join(f"{r.key_a} ~ {r.key_b}" for r in pairs.head(shown).itertuples(index=False))
    more = ", ..." if len(pairs) > shown else ""
    return [f"{len(pairs)} likely duplicate pair(s) among the stored companies ({first}{more}); {DUPLICATE_HINT}."]


def assess(service, key: str, answers: Mapping[str, str], *, confirm: bool = False, assessed_by: str = ""):
    """Score a readiness questionnaire for a stored company and record it; with ``confirm`` move its stage."""
    from ..analysis import readiness

    record = service.company(key)
    markets = len(split_list(record.get("current_markets")))
    sales = sorted(record["export_sales"], key=lambda r: r["year"])
    latest = sales[-1]["export_sales_usd"] if sales else None
    latest = None if latest is None or latest != latest else float(latest)
    result = readiness.score(dict(answers), markets=markets, export_sales=latest)
    service.record_assessment(key, answers, result.score, result.suggested_stage,
                              confirmed_stage=result.suggested_stage if confirm else "", assessed_by=assessed_by)
    return result


def metrics(service, *, start=None, end=None, by: Sequence[str] = ()) -> dict[str, pm.Metric]:
    """The pipeline's metrics: stage counts (by stage, sector, county), flows, exporting share, markets per
    exporter, conversion. ``start``/``end`` bound the flows (default: the stage history's first and last day);
    ``by`` splits them by company columns (sector, county_fips, naics2 = the NAICS sector's two digits)."""
    companies = service.companies()
    companies["naics2"] = companies["naics"].fillna("").astype(str).str[:2]
    history = service.records("stage_history")
    by = tuple(by)
    out: dict[str, Any] = {"stage_counts": pm.stage_counts(companies, ("stage",) + tuple(b for b in by
                                                                                        if b != "stage"))}
    for col in ("sector", "county_fips"):
        if col not in by:
            out[f"stage_counts_by_{col}"] = pm.stage_counts(companies, (col, "stage"))
    dates = history["date"].dropna().astype(str) if len(history) else pd.Series(dtype=str)
    today = service.ctx.clock()[:10]
    start = start or (dates.min() if len(dates) else today)
    end = end or today
    out["stage_flows"] = pm.stage_flows(history, start, end, companies=companies, by=by)
    out["exporting_share"] = pm.exporting_share(companies, by)
    out["markets_per_exporter"] = pm.markets_per_exporter(companies, by)
    out["conversion"] = pm.conversion(history, as_of=end)
    return out
