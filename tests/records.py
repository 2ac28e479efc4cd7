"""Counting what an import wrote, for the all-or-nothing tests."""
from __future__ import annotations

from exportplan.store import schema as t
from exportplan.ws.programs import CATALOGUE_KIND


def imported_records(ws) -> int:
    """Provenance records of the workspace, without the federal program catalogue every new workspace holds."""
    records = ws.store.table(t.provenance)
    return int((records["kind"] != CATALOGUE_KIND).sum())
