"""Workspace part: the user's own tables (state targets, sector FDI, assets,
country values, exports by destination, partnerships, FDI by country, survey).

Each import validates the whole file first (:mod:`exportplan.imports.tables`)
and writes in one transaction. Re-importing is idempotent: list-like tables
(targets, sector_fdi, assets, partnerships, fdi, survey) are replaced whole by
the new file; keyed tables (countries, exports) replace the rows with the same
keys and keep the others, so several sources can be combined.

Country values, exports and partnerships go through the markets part
(:class:`~exportplan.ws.markets.MarketsMixin`), the one path that also maps the
table's indicator names to the publishers' keys, so ``import_table`` and
``import_countries`` store the same rows. A file with no data rows fails.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import delete

from ..errors import ExportPlanError
from ..imports import tables as it
from ..store import schema as t
from ..store.db import now_utc
from .base import ImportReport

# kind -> (store table, columns copied); these tables are replaced whole by a new file
_TARGET = {
    "targets": (t.targets, ["target", "kind", "priority", "source", "note"]),
    "sector_fdi": (t.sector_fdi, ["sector", "kind", "foreign_establishments", "foreign_companies", "jobs", "year",
                                  "source"]),
    "assets": (t.assets, ["sector", "kind", "asset", "strength"]),
    "partnerships": (t.partnerships, ["city", "partner", "iso3", "type", "since", "strength", "note"]),
    "fdi": (t.fdi, ["iso3", "kind", "establishments", "jobs", "sector", "company", "year"]),
    "survey": (t.survey, ["company", "iso3", "weight", "year", "note"]),
    "countries": (t.country_values, ["iso3", "indicator", "year", "value", "value_text"]),
    "exports": (t.exports, ["scope", "area", "iso3", "naics", "year", "value_usd"]),
}
_DATASETS = {
    "targets": "state target industries", "sector_fdi": "foreign-owned establishments by sector",
    "assets": "unique assets flagged by staff", "partnerships": "partnerships", "fdi": "foreign-owned establishments by parent country",
    "survey": "exporter survey: target markets named", "countries": "country indicators", "exports": "exports by destination",
}


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    frame = frame.copy()
    if "country" in frame.columns and "iso3" not in frame.columns:
        frame["iso3"] = frame["country"]
    out = []
    for row in frame[columns].to_dict("records"):
        out.append({k: (None if _missing(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()})
    for row in out:
        for k in ("source", "note", "sector", "company", "city", "partner"):
            if k in row and row[k] is None:
                row[k] = ""
    return out


def check_sheet(path: Path, sheet: str | None) -> None:
    """``sheet`` only makes sense for a workbook: say so instead of ignoring it."""
    if sheet is not None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ExportPlanError(f"--sheet {sheet!r} picks a sheet of an XLSX workbook, but {path.name} is not one; "
                              "leave --sheet out for a CSV file.")


def no_values(source: Path | str, what: str = "data rows") -> ExportPlanError:
    """The error for an import that would store nothing (``source``: a file, or a description)."""
    name = source.name if isinstance(source, Path) else str(source)
    return ExportPlanError(f"no values found in {name}: it has no {what}, so nothing was imported. Check that it "
                           "is the right file and that the values are below the header row.")


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
        """Validate and load one of the user's tables (see :func:`table_kinds`); all or nothing.

        Country values, exports and partnerships are loaded by
        :meth:`import_countries`, :meth:`import_exports` and
        :meth:`import_partnerships` (their own-table layout), so both ways
        store identical rows.
        """
        if kind not in _TARGET:
            raise ExportPlanError(f"Unknown table {kind!r}; use one of {', '.join(_TARGET)}.")
        if kind == "countries":
            return self.import_countries(path, publisher="table", sheet=sheet)
        if kind == "exports":
            return self.import_exports(path, layout="table", sheet=sheet)
        if kind == "partnerships":
            return self.import_partnerships(path, sheet=sheet)
        return self._import_list_table(kind, path, sheet=sheet)

    def _import_list_table(self, kind: str, path, *, sheet: str | None = None) -> ImportReport:
        """Replace a list-like user table by the rows of one file; all or nothing."""
        from ..sources.qcew import file_checksum

        path = Path(path)
        check_sheet(path, sheet)
        frame = it.read_table(kind, path, sheet=sheet)
        table, columns = _TARGET[kind]
        records = _records(frame, columns)
        if not records:
            raise no_values(path)
        report = ImportReport(kind, files=[str(path)])
        report.notes += [str(w) for w in frame.attrs.get("warnings", [])]
        with self.store.transaction() as conn:
            pid = self.store.add_provenance(conn, kind=kind, publisher="the organization's own records",
                                            dataset=_DATASETS[kind], source=str(path), sha256=file_checksum(path),
                                            rows=len(records), retrieved_at=now_utc(),
                                            note="SAMPLE DATA" if self.is_sample else "")
            report.replaced = conn.execute(delete(table)).rowcount or 0
            report.rows = self.store.insert(conn, table, [dict(r, provenance_id=pid) for r in records])
        return report

    def user_table(self, kind: str) -> pd.DataFrame:
        """A stored user table as a DataFrame."""
        return self.store.table(_TARGET[kind][0])
