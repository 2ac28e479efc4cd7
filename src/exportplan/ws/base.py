"""Shared pieces of the workspace parts: the import report and QCEW column types."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import polars as pl

from ..errors import ExportPlanError

QCEW_COLUMNS = {
    "area_fips": pl.Utf8, "own_code": pl.Utf8, "industry_code": pl.Utf8, "agglvl_code": pl.Utf8,
    "size_code": pl.Utf8, "year": pl.Int32, "qtr": pl.Utf8, "disclosure_code": pl.Utf8,
    "estabs": pl.Int64, "emplvl": pl.Float64, "total_wages": pl.Float64,
    "avg_annual_pay": pl.Float64, "bls_lq_emplvl": pl.Float64,
}


@dataclass
class ImportReport:
    """What an import did, for the CLI and the web app to show."""

    kind: str
    files: list[str] = field(default_factory=list)
    rows: int = 0
    replaced: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"Imported {self.rows:,} {self.kind} row(s) from {len(self.files)} file(s)"
        if self.replaced:
            head += f", replacing {self.replaced:,} earlier row(s)"
        return "\n".join([head + "."] + [f"  - {n}" for n in self.notes])


def _check_fips(codes: Iterable[str]) -> list[str]:
    out, bad = [], []
    for code in codes:
        code = str(code).strip()
        if code.isdigit() and len(code) in (4, 5):
            out.append(code.zfill(5))
        else:
            bad.append(code)
    if bad or not out:
        raise ExportPlanError(
            f"County codes must be 5-digit FIPS codes (state + county, e.g. 39049 for Franklin "
            f"County, Ohio); not valid: {', '.join(map(repr, bad)) or '(none given)'}."
        )
    return sorted(set(out))


