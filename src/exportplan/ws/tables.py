"""Workspace part: the user's own tables (state targets, sector FDI, assets,
country values, exports by destination, partnerships, FDI by country, survey).

Each import validates the whole file first (:mod:`exportplan.imports.tables`)
and writes in one transaction. Re-importing is idempotent: list-like tables
(targets, sector_fdi, assets, partnerships, fdi, survey) are replaced whole by
the new file; keyed tables (countries, exports) replace the rows with the same
keys and keep the others, so several sources can be combined.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import and_, delete

from ..imports import tables as it
from ..store import schema as t
from ..store.db import now_utc
from .base import ImportReport

# kind -> (store table, columns copied, replace mode)
_TARGET = {
    "targets": (t.targets, ["target", "kind", "priority", "source", "note"], "all"),
    "sector_fdi": (t.sector_fdi, ["sector", "kind", "foreign_establishments", "foreign_companies", "jobs", "year",
                                  "source"], "all"),
    "assets": (t.assets, ["sector", "kind", "asset", "strength"], "all"),
    "partnerships": (t.partnerships, ["city", "partner", "iso3", "type", "since", "strength", "note"], "all"),
    "fdi": (t.fdi, ["iso3", "kind", "establishments", "jobs", "sector", "company", "year"], "all"),
    "survey": (t.survey, ["company", "iso3", "weight", "year", "note"], "all"),
    "countries": (t.country_values, ["iso3", "indicator", "year", "value", "value_text"], "keys"),
    "exports": (t.exports, ["scope", "area", "iso3", "naics", "year", "value_usd"], "keys"),
}
_KEYS = {"countries": ["iso3", "indicator", "year"], "exports": ["scope", "area", "iso3", "naics", "year"]}
_DATASETS = {
    "targets": "state target industries", "sector_fdi": "foreign-owned establishments by sector",
    "assets": "unique assets flagged by staff", "partnerships": "partnerships", "fdi": "foreign-owned establishments by parent country",
    "survey": "exporter survey: target markets named", "countries": "country indicators", "exports": "exports by destination",
}


def _records(kind: str, frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    frame = frame.copy()
    if "country" in frame.columns and "iso3" not in frame.columns:
        frame["iso3"] = frame["country"]
    if kind == "countries":
        frame["year"] = frame["year"].fillna(0) if "year" in frame.columns else 0
        frame["value_text"] = frame["value_text"] if "value_text" in frame.columns else ""
    if kind == "exports":
        frame["area"] = frame["area"].fillna("").replace("", "REGION") if "area" in frame.columns else "REGION"
    out = []
    for row in frame[columns].to_dict("records"):
        out.append({k: (None if _missing(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()})
    for row in out:
        for k in ("source", "note", "sector", "company", "city", "partner", "value_text", "naics"):
            if k in row and row[k] is None:
                row[k] = ""
    return out


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class TablesMixin:
    def table_kinds(self) -> list[str]:
        """The user tables this workspace can import."""
        return list(_TARGET)

    def import_table(self, kind: str, path, *, sheet: str | None = None) -> ImportReport:
        """Validate and load one of the user's tables (see :func:`table_kinds`); all or nothing."""
        from ..sources.qcew import file_checksum

        path = Path(path)
        frame = it.read_table(kind, path, sheet=sheet)
        table, columns, mode = _TARGET[kind]
        records = _records(kind, frame, columns)
        report = ImportReport(kind, files=[str(path)])
        report.notes += [str(w) for w in frame.attrs.get("warnings", [])]
        with self.store.transaction() as conn:
            pid = self.store.add_provenance(conn, kind=kind, publisher="the organization's own records",
                                            dataset=_DATASETS[kind], source=str(path), sha256=file_checksum(path),
                                            rows=len(records), retrieved_at=now_utc(),
                                            note="SAMPLE DATA" if "SAMPLE" in path.name.upper() else "")
            if mode == "all":
                report.replaced = conn.execute(delete(table)).rowcount or 0
            else:
                for rec in records:
                    cond = and_(*[table.c[k] == rec[k] for k in _KEYS[kind]])
                    report.replaced += conn.execute(delete(table).where(cond)).rowcount or 0
            report.rows = self.store.insert(conn, table, [dict(r, provenance_id=pid) for r in records])
        return report

    def user_table(self, kind: str) -> pd.DataFrame:
        """A stored user table as a DataFrame."""
        return self.store.table(_TARGET[kind][0])
