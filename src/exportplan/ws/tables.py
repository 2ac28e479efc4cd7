"""Service ``ws.tables``: the user's own tables (state targets, sector FDI, assets,
country values, exports by destination, partnerships, FDI by country, survey).

Each import validates the whole file first (:mod:`exportplan.imports.tables`)
and writes in one transaction. Re-importing is idempotent: list-like tables
(targets, sector_fdi, assets, partnerships, fdi, survey) are replaced whole by
the new file; keyed tables (countries, exports) replace the rows with the same
keys and keep the others, so several sources can be combined.

Country values, exports and partnerships go through the markets service
(:class:`~exportplan.ws.markets.Markets`), the one path that also maps the
table's indicator names to the publishers' keys, so ``import_table`` and
``import_countries`` store the same rows. A file with no data rows fails.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ExportPlanError
from ..imports import tables as it
from ..store import user_tables as repo
from .base import ImportReport
from .context import Service

_TARGET = repo.TABLES
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


class UserTables(Service):
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
            return self.ws.markets.import_countries(path, publisher="table", sheet=sheet)
        if kind == "exports":
            return self.ws.markets.import_exports(path, layout="table", sheet=sheet)
        if kind == "partnerships":
            return self.ws.markets.import_partnerships(path, sheet=sheet)
        return self.import_list_table(kind, path, sheet=sheet)

    def import_list_table(self, kind: str, path, *, sheet: str | None = None) -> ImportReport:
        """Replace a list-like user table by the rows of one file; all or nothing."""
        from ..sources.qcew import file_checksum

        path = Path(path)
        check_sheet(path, sheet)
        frame = it.read_table(kind, path, sheet=sheet)
        records = _records(frame, repo.columns(kind))
        if not records:
            raise no_values(path)
        report = ImportReport(kind, files=[str(path)])
        report.notes += [str(w) for w in frame.attrs.get("warnings", [])]
        store = self.ctx.store
        with store.transaction() as conn:
            pid = store.add_provenance(conn, kind=kind, publisher="the organization's own records",
                                       dataset=_DATASETS[kind], source=str(path), sha256=file_checksum(path),
                                       rows=len(records), retrieved_at=self.ctx.clock(),
                                       note="SAMPLE DATA" if self.ctx.is_sample else "")
            report.rows, report.replaced = repo.replace_all(store, conn, kind, records, pid)
        return report

    def user_table(self, kind: str) -> pd.DataFrame:
        """A stored user table as a DataFrame."""
        return repo.read(self.ctx.store, kind)
