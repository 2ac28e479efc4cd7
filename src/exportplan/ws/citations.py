"""Service ``ws.citations``: what every table cites, and the metadata that travels with it.

Each table is a pandas DataFrame whose ``attrs["exportplan"]`` holds what the
writers and charts need to cite it: title, region, sources (a list of
:class:`~exportplan.citation.SourceRef`, each with its file or URL), notes
and whether it is sample data. :meth:`Citations.meta` builds that dict; every
service that returns a table uses it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from ..citation import ROW_KEYS, SourceRef, source_ref, unique_refs
from ..store import provenance as repo
from . import ranking_cache
from .context import Service

SAMPLE_NOTE = "SAMPLE DATA: invented for demonstration, not real statistics."


class Citations(Service):
    def provenance(self, kind: str | None = None) -> pd.DataFrame:
        """Every file or download the workspace holds data from, with its vintage and checksum."""
        return repo.records(self.ctx.store, kind)

    def refs(self, kinds: Sequence[str] = (), ids: Iterable[int] | None = None) -> list[SourceRef]:
        """The citations of the stored records of these kinds (all when empty), or of these record ids."""
        rows = self._records()
        if kinds:
            wanted = set(kinds)
            rows = [r for r in rows if r["kind"] in wanted]
        if ids is not None:
            numbers = {int(i) for i in ids}
            rows = [r for r in rows if int(r["id"]) in numbers]
        return [source_ref(r) for r in rows]

    def _records(self) -> list[dict]:
        """Every provenance record (by id), kept in the rankings' cache (:mod:`exportplan.ws.ranking_cache`) while the
        data and settings are unchanged: every table's metadata cites them, and pages and reports would
        otherwise read them once per table. Read-only."""
        def read() -> list[dict]:
            frame = repo.records(self.ctx.store)
            return frame.sort_values("id").to_dict("records") if len(frame) else []

        return ranking_cache.cached(self.ctx, ("provenance-records",), read)

    def sources_table(self) -> pd.DataFrame:
        """Every stored record as a citation: id, kind, the :data:`~exportplan.citation.ROW_KEYS`, rows, imported_at."""
        frame = repo.records(self.ctx.store)
        columns = ["id", "kind", *ROW_KEYS, "rows", "imported_at"]
        if not len(frame):
            return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
        frame = frame.sort_values("id")
        rows = [{"id": int(r["id"]), "kind": r["kind"], **source_ref(r).as_row(), "rows": r["rows"],
                 "imported_at": r["imported_at"]} for r in frame.to_dict("records")]
        return pd.DataFrame(rows, columns=columns)

    def meta(self, title: str, kinds: Sequence[str], notes: list[str], top_notes: Sequence[str] = (),
             extra: Iterable[SourceRef] = ()) -> dict:
        """A table's metadata: its title, the sources of ``kinds`` (plus ``extra``), notes, sample flag.

        What makes a whole column blank (no reference data for the year) goes
        in ``top_notes``: it comes first, and the CLI prints it before the table.
        """
        ctx = self.ctx
        sources = unique_refs([*(self.refs(kinds) if kinds else []), *extra])
        if ctx.is_sample:
            notes = [SAMPLE_NOTE] + list(notes)
        return {"title": title, "region": ctx.name, "sources": sources, "notes": list(top_notes) + list(notes),
                "sample_data": ctx.is_sample, "top_notes": list(top_notes)}
