"""Shared pieces of the workspace services: the import report, provenance fields and FIPS checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from ..errors import ExportPlanError
from ..store.qcew import QCEW_COLUMNS  # noqa: F401  (the stored QCEW columns, for callers of the workspace)

#: The fields of a provenance record an import fills from its reader's provenance.
PROVENANCE_KEYS = ("publisher", "dataset", "vintage", "source", "url", "retrieved_at", "sha256", "rows", "layout",
                   "note")


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


def check_fips(codes: Iterable[str]) -> list[str]:
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




def provenance_fields(prov: Mapping, rows: int | None = None, sample: bool = False) -> dict:
    """The provenance record of an import from its reader's provenance (``file`` stands in for ``source``).

    ``rows`` overrides the reader's row count; ``sample`` (the workspace's
    sample_data flag, never a file name) notes SAMPLE DATA.
    """
    out = {k: prov.get(k, "") for k in PROVENANCE_KEYS}
    out["source"] = out["source"] or prov.get("file", "")
    out["vintage"] = str(out["vintage"] or "")
    if rows is not None:
        out["rows"] = rows
    if sample:
        out["note"] = "SAMPLE DATA"
    return out
